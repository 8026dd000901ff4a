#!/bin/bash
#
# test/bootstrap.sh
#	  Make sure the Debian packages hnswext needs are installed.
#
# Idempotent: when every package is already present it only asks dpkg and
# returns at once (no apt-get update).  When something is missing it runs
# apt-get update and apt-get install as root, or, when not root, prints the
# exact command to run and fails.  Used by "make test", "make demo" and
# .ci/run; the README's set-up commands go through it too.

set -euo pipefail

# What each package is for:
#   postgresql-15             server, initdb, pg_ctl, pgbench (Debian 12 ships
#                             pgbench in this package)
#   postgresql-server-dev-15  pg_config, PGXS, pg_regress, pg_isolation_regress
#                             and the PostgreSQL::Test perl modules
#   postgresql-client-15      psql
#   libipc-run-perl           needed by PostgreSQL::Test::Cluster (TAP tests)
#   make, gcc                 building the extension (gcc also brings the
#                             ASan and UBSan runtimes for make test SANITIZE=1)
#   clang-14, libclang-rt-14-dev
#                             the libFuzzer harness in test/fuzz
#   python3, python3-psycopg2, python3-numpy, python3-hnswlib
#                             benchmark and recall checks
#   gnuplot-nox               benchmark plots
#   debhelper, dpkg-dev, postgresql-server-dev-all
#                             make deb (pg_buildext and its debhelper sequence)
PACKAGES=(
	postgresql-15
	postgresql-server-dev-15
	postgresql-client-15
	libipc-run-perl
	make
	gcc
	clang-14
	libclang-rt-14-dev
	python3
	python3-psycopg2
	python3-numpy
	python3-hnswlib
	gnuplot-nox
	debhelper
	dpkg-dev
	postgresql-server-dev-all
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	if [ "$status" != "installed" ]; then
		missing+=("$pkg")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "bootstrap: missing Debian packages: ${missing[*]}"
install_cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "bootstrap: not root; please run as root:" >&2
	echo "  $install_cmd" >&2
	exit 1
fi

echo "bootstrap: $install_cmd"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
echo "bootstrap: done"
