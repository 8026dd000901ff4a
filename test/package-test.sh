#!/bin/bash
#
# test/package-test.sh
#	  The Debian package, end to end: build it with "make deb", take the
#	  "make install" files out of the system PostgreSQL, install the
#	  package with apt-get, run the package's autopkgtest (the regression
#	  suite against the installed files) and a smoke session on a
#	  throwaway cluster, remove the package and check that it took all
#	  its files, then put the "make install" files back.
#
# Prints TAP (a plan, then "ok"/"not ok" lines) for test/run-tests.sh to
# count.  Needs root (apt-get, the system PostgreSQL's directories); the
# runner skips it otherwise.  Usage: test/package-test.sh TMPDIR PORT

set -uo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$1
port=$2
cd "$srcdir" || exit 1
# shellcheck source=test/lib/cluster.sh
. test/lib/cluster.sh

PG_CONFIG=${PG_CONFIG:-pg_config}
pkglibdir=$("$PG_CONFIG" --pkglibdir)
sharedir=$("$PG_CONFIG" --sharedir)
version=$(dpkg-parsechangelog -S Version)
major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
package=postgresql-$major-hnswext
deb=$work/deb/${package}_${version}_$(dpkg --print-architecture).deb
n=0
plan=10
echo "1..$plan"

check()
{
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/step-$n.log" 2>&1; then
		echo "ok $n - $desc"
		return 0
	fi
	echo "not ok $n - $desc"
	sed 's/^/# /' "$work/step-$n.log" | tail -n 40
	return 1
}

# Whatever happens, leave the system as the runner found it: the package
# gone, the "make install" files in place.
restore()
{
	cluster_stop "$work/cluster" >/dev/null 2>&1
	if dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null |
		grep -q '^installed$'; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y "$package" \
			>>"$work/restore.log" 2>&1
	fi
	make -C "$srcdir" install >>"$work/restore.log" 2>&1 ||
		echo "# could not run make install again: see $work/restore.log"
}
trap restore EXIT

no_files_left()
{
	local f
	for f in "$pkglibdir/hnswext.so" "$sharedir/extension/hnswext.control" \
		"$sharedir/extension/hnswext--$version.sql" \
		"$sharedir/extension/hnswext--0.1.0.sql"; do
		if [ -e "$f" ]; then
			echo "still there: $f"
			return 1
		fi
	done
}

package_owns_files()
{
	dpkg -S "$pkglibdir/hnswext.so" | grep -q "^$package:" &&
		dpkg -S "$sharedir/extension/hnswext.control" | grep -q "^$package:"
}

smoke()
{
	local out
	cluster_start "$work/cluster" "$port" || return 1
	out=$(psql -X -v ON_ERROR_STOP=1 -qAt <<'SQL'
CREATE EXTENSION hnswext;
CREATE TABLE items (id int PRIMARY KEY, embedding vector(3));
INSERT INTO items SELECT i, ARRAY[i, i % 7, i % 3]::vector
	FROM generate_series(1, 1000) i;
CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)
	WITH (m = 8, ef_construction = 32);
SET enable_seqscan = off;
SELECT string_agg(id::text, ',' ORDER BY embedding <-> '[500,3,2]', id)
	FROM (SELECT id, embedding FROM items
		  ORDER BY embedding <-> '[500,3,2]' LIMIT 3) s;
SELECT extversion FROM pg_extension WHERE extname = 'hnswext';
SQL
	) || return 1
	echo "$out"
	cluster_stop "$work/cluster"
	[ "$out" = "500,499,501
$version" ]
}

mkdir -p "$work/deb"
check "make deb builds $(basename "$deb")" \
	env DEB_BUILD_OPTIONS=nocheck bash debian/build-deb.sh "$work/deb" &&
	[ -f "$deb" ] || {
	echo "# no package to test"
	exit 1
}
check "the package's files are ours" \
	sh -c "dpkg-deb -c '$deb' | grep -q '$pkglibdir/hnswext.so' && dpkg-deb -I '$deb' | grep -q 'Package: $package'"
check "make uninstall takes the make install files out" \
	make -C "$srcdir" uninstall
check "no hnswext file is left in the system PostgreSQL" no_files_left
check "apt-get installs the package" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb"
check "the package owns the installed files" package_owns_files
# as autopkgtest runs it: from an unpacked source tree (a copy, so that its
# "make clean" leaves this tree's build alone)
mkdir -p "$work/src"
cp -r Makefile hnswext.control sql expected src debian "$work/src/"
check "autopkgtest: the regression suite against the installed package" \
	sh -c "cd '$work/src' && debian/tests/installcheck"
check "CREATE EXTENSION and an index scan from the package" smoke
check "apt-get purge removes the package" \
	env DEBIAN_FRONTEND=noninteractive apt-get purge -y "$package"
check "the package left no file behind" no_files_left
exit 0
