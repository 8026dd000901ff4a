#!/bin/bash
#
# debian/build-deb.sh
#	  What "make deb" runs: build the binary package of each PostgreSQL
#	  version in debian/pgversions with Debian's own tooling
#	  (dpkg-buildpackage, debhelper, pg_buildext), in a copy of the tree so
#	  that nothing of the build is left in it, and put the .deb files in
#	  OUTDIR (default: the top of the tree).
#
# The copy holds the files git tracks plus the untracked ones it does not
# ignore (a tree without git is copied whole, minus objects).  Build-time
# regression tests run unless DEB_BUILD_OPTIONS contains "nocheck", as
# with every Debian package.  Needs debhelper, dpkg-dev and
# postgresql-server-dev-all (test/bootstrap.sh installs them).

set -euo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
outdir=$(cd "${1:-$srcdir}" && pwd)
version=$(cd "$srcdir" && dpkg-parsechangelog -S Version)
work=$(mktemp -d "${TMPDIR:-/tmp}/hnswext-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/hnswext-$version
mkdir -p "$tree"

cd "$srcdir"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | tar --null -T - -cf - | tar -xf - -C "$tree"
else
	tar --exclude='*.o' --exclude='*.so' --exclude='*.bc' --exclude='*.deb' \
		-cf - . | tar -xf - -C "$tree"
fi

cd "$tree"
# debian/control is generated from control.in for the versions installed
pg_buildext updatecontrol
if ! dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1; then
	tail -n 100 "$work/build.log"
	echo "build-deb: dpkg-buildpackage failed" >&2
	exit 1
fi
grep -E 'tests passed|tests? failed' "$work/build.log" || true
for deb in "$work"/*.deb; do
	cp "$deb" "$outdir/"
	echo "build-deb: $outdir/$(basename "$deb")"
done
