#!/bin/bash
#
# bench/tune_check.sh
#	  Run bench/tune_check.py (does hnsw_tune's ef_search reach the target
#	  recall on held-out queries?) on a throwaway cluster, removed again
#	  afterwards.
#
# Usage: bench/tune_check.sh [--port N] [--no-build] [tune_check.py options]
# The cluster gets the benchmark's settings (bench/run.sh); the extension is
# built and installed first unless --no-build.
#
# bench/tune_check.sh
#

set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_dir=$(dirname "$bench_dir")
port=55443
build=yes
args=()

while [ $# -gt 0 ]; do
	case $1 in
		--port) port=$2; shift 2 ;;
		--no-build) build=no; shift ;;
		*) args+=("$1"); shift ;;
	esac
done

# The first interpreter with what tune_check.py needs (pyenv's python3 on
# PATH often lacks Debian's python3-* modules).
python=
for candidate in python3 /usr/bin/python3; do
	if "$candidate" -c "import numpy, psycopg2" 2>/dev/null; then
		python=$candidate
		break
	fi
done
if [ -z "$python" ]; then
	echo "tune_check.sh: no Python with numpy and psycopg2" >&2
	exit 1
fi

if [ "$build" = yes ]; then
	make -C "$top_dir" -s >&2
	make -C "$top_dir" -s install >&2
fi

# shellcheck source=../test/lib/cluster.sh
. "$top_dir/test/lib/cluster.sh"
cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/hnswext-tune.XXXXXX")
trap 'cluster_remove "$cluster_dir"' EXIT
trap 'exit 130' INT TERM
port=$(cluster_free_port "$port")
cluster_start "$cluster_dir" "$port" \
	"shared_buffers = 2GB" \
	"maintenance_work_mem = 2GB" \
	"max_parallel_maintenance_workers = 0" \
	"max_wal_size = 16GB" \
	"jit = off"

"$python" "$bench_dir/tune_check.py" ${args[@]+"${args[@]}"}
