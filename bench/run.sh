#!/bin/bash
#
# bench/run.sh
#	  Build and install hnswext, start a throwaway PostgreSQL cluster tuned
#	  for the benchmark, run bench/bench.py against it, and remove the
#	  cluster again (also on failure or Ctrl-C).
#
# Usage: bench/run.sh [run.sh options] [bench.py options]
#
# run.sh options (everything else goes to bench.py; see bench.py --help):
#	--port N					port for the cluster (default 55443, or the
#								next free one)
#	--shared-buffers SIZE		default 4GB
#	--maintenance-work-mem SIZE	default 2GB
#	--fsync on|off				default off (the figures are for the index,
#								not the disk; the output says which was used)
#	--pg-conf 'name = value'	extra postgresql.conf line (repeatable)
#	--no-build					skip bootstrap, make and make install
#	--keep-cluster				leave the cluster running and print its
#								location instead of removing it
#	--python PATH				Python interpreter to run bench.py with
#
# Results land in bench/out/ (results.md, results.csv, results.json and,
# with --plot, recall_qps.png).
#
# bench/run.sh
#

set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_dir=$(dirname "$bench_dir")

port=55443
shared_buffers=4GB
maintenance_work_mem=2GB
fsync=off
build=yes
keep_cluster=no
python=${PYTHON:-}
extra_conf=()
bench_args=()
skip_pg=no

usage()
{
	sed -n '/^# Usage:/,/^# bench\/run.sh$/p' "${BASH_SOURCE[0]}" |
		sed -e 's/^# \{0,1\}//' -e '$d'
}

while [ $# -gt 0 ]; do
	case $1 in
		--port) port=$2; shift 2 ;;
		--shared-buffers) shared_buffers=$2; shift 2 ;;
		--maintenance-work-mem) maintenance_work_mem=$2; shift 2 ;;
		--fsync)
			case $2 in
				on|off) fsync=$2 ;;
				*) echo "run.sh: --fsync takes on or off" >&2; exit 2 ;;
			esac
			shift 2 ;;
		--pg-conf) extra_conf+=("$2"); shift 2 ;;
		--no-build) build=no; shift ;;
		--keep-cluster) keep_cluster=yes; shift ;;
		--python) python=$2; shift 2 ;;
		-h|--help)
			usage
			echo
			echo "bench.py options:"
			bench_args=(--help)
			break ;;
		--skip-pg) skip_pg=yes; bench_args+=("$1"); shift ;;
		*) bench_args+=("$1"); shift ;;
	esac
done

# The first interpreter that has what bench.py needs.  A python3 from pyenv
# or a virtualenv earlier on PATH often lacks Debian's python3-* modules.
pick_python()
{
	local candidate modules
	for modules in "numpy, psycopg2, hnswlib" "numpy, psycopg2" "numpy"; do
		for candidate in ${python:+"$python"} python3 /usr/bin/python3; do
			if "$candidate" -c "import $modules" 2>/dev/null; then
				echo "$candidate"
				return 0
			fi
		done
	done
	echo "run.sh: no Python with numpy found (bash test/bootstrap.sh" \
		"installs python3-numpy, python3-psycopg2, python3-hnswlib)" >&2
	return 1
}

if [ "$build" = yes ] && [ "$skip_pg" = no ] && [ "${bench_args[*]}" != --help ]; then
	if [ -f "$top_dir/test/bootstrap.sh" ]; then
		bash "$top_dir/test/bootstrap.sh"
	fi
	echo "run.sh: building and installing hnswext" >&2
	make -C "$top_dir" -s >&2
	make -C "$top_dir" -s install >&2
fi

python=$(pick_python)

# Without PostgreSQL there is no cluster to manage.
if [ "$skip_pg" = yes ] || [ "${bench_args[*]}" = --help ]; then
	exec "$python" "$bench_dir/bench.py" "${bench_args[@]}"
fi

# shellcheck source=../test/lib/cluster.sh
. "$top_dir/test/lib/cluster.sh"

cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/hnswext-bench.XXXXXX")
cleanup()
{
	if [ "$keep_cluster" = yes ]; then
		echo "run.sh: cluster left running in $cluster_dir (port $port);" \
			"remove it with: . test/lib/cluster.sh; cluster_remove $cluster_dir" >&2
	else
		cluster_remove "$cluster_dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(cluster_free_port "$port")

# Serial builds unless bench.py is asked for a parallel one (it sets the
# worker count per build).  Large WAL limits keep checkpoints out of the
# load and build timings; JIT only adds noise to the long all-queries
# statement.
cluster_start "$cluster_dir" "$port" \
	"shared_buffers = $shared_buffers" \
	"maintenance_work_mem = $maintenance_work_mem" \
	"max_parallel_maintenance_workers = 0" \
	"fsync = $fsync" \
	"max_wal_size = 16GB" \
	"checkpoint_timeout = 1h" \
	"jit = off" \
	${extra_conf[@]+"${extra_conf[@]}"}
echo "run.sh: cluster on port $port in $cluster_dir (fsync = $fsync)" >&2

"$python" "$bench_dir/bench.py" ${bench_args[@]+"${bench_args[@]}"}
