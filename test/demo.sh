#!/bin/bash
#
# test/demo.sh
#	  Build and install hnswext, start a throwaway cluster and walk through
#	  test/demo.sql with psql echoing every statement.
#
# "make demo" runs this.  Usage: test/demo.sh [--keep]
#	--keep	leave the cluster running afterwards and print how to connect to
#			it and how to stop it ("make demo DEMO_FLAGS=--keep")
# The cluster listens on a private Unix socket; its port is
# HNSWEXT_DEMO_PORT (default 54330) or the next free one.

set -euo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$srcdir"
# shellcheck source=test/lib/cluster.sh
. test/lib/cluster.sh

keep=0
for arg in "$@"; do
	case $arg in
		--keep) keep=1 ;;
		-h|--help)
			echo "usage: $0 [--keep]"
			exit 0
			;;
		*)
			echo "demo: unknown argument \"$arg\" (usage: $0 [--keep])" >&2
			exit 2
			;;
	esac
done

bash test/bootstrap.sh

echo "== building and installing hnswext"
build_log=$(mktemp)
if ! { make && make install; } >"$build_log" 2>&1; then
	cat "$build_log"
	rm -f "$build_log"
	echo "demo: build or install failed" >&2
	exit 1
fi
rm -f "$build_log"

dir=$(mktemp -d "${TMPDIR:-/tmp}/hnswext-demo.XXXXXX")
chmod 755 "$dir"
cleanup()
{
	cluster_remove "$dir"
}
trap cleanup EXIT

port=$(cluster_free_port "${HNSWEXT_DEMO_PORT:-54330}")
echo "== starting a throwaway cluster in $dir (port $port)"
cluster_start "$dir/cluster" "$port" \
	"shared_buffers = 1GB" \
	"maintenance_work_mem = 1GB"
echo

start=$SECONDS
psql -X -a -v ON_ERROR_STOP=1 -f test/demo.sql
echo
echo "== demo finished in $((SECONDS - start)) s"

if [ "$keep" = 1 ]; then
	trap - EXIT
	user=$(cluster_user)
	stop="$(pg_bindir)/pg_ctl -D $dir/cluster/data stop && rm -rf $dir"
	if [ "$(id -u)" -eq 0 ] && [ "$user" != root ]; then
		stop="runuser -u $user -- $(pg_bindir)/pg_ctl -D $dir/cluster/data stop && rm -rf $dir"
	fi
	echo
	echo "The cluster is still running.  Connect with:"
	echo "  psql -h $dir/cluster -p $port -U $user postgres"
	echo "Stop and remove it with:"
	echo "  $stop"
fi
