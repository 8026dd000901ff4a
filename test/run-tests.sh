#!/bin/bash
#
# test/run-tests.sh
#	  Build hnswext and run every test suite against throwaway clusters.
#
# "make test" runs this.  Steps: bootstrap the Debian packages, build with
# WERROR=1, install, then run
#	regress		the pg_regress suite: every sql/*.sql except the install
#				scripts, expected output in expected/ (via "make installcheck")
#	isolation	test/specs/*.spec with expected output in test/expected/,
#				via pg_isolation_regress
#	tap			test/t/*.pl with prove; each test makes its own clusters with
#				PostgreSQL::Test::Cluster
#	package		test/package-test.sh: "make deb", then the package installed
#				with apt-get in place of the "make install" files, tested
#				and removed (root only, and not with SANITIZE=1: it changes
#				the system PostgreSQL's files, and puts them back)
# regress and isolation share one cluster started here on a private port
# (HNSWEXT_TEST_PORT, default 54329, or the next free one).
#
# Environment:
#	SUITES="regress isolation tap package"	the suites to run (e.g. make test SUITES=tap)
#	PROVE_FLAGS						extra flags for prove, e.g. --verbose
#	TAP_TESTS						the TAP files to run (default test/t/*.pl),
#									e.g. TAP_TESTS=test/t/016_recall_proofs.pl
#	HNSWEXT_TEST_PORT				first port to try for the shared cluster
#	HNSWEXT_KEEP_TMP=1				keep the temporary directory (logs, outputs)
#	SANITIZE=1						run against a build with AddressSanitizer
#									and UndefinedBehaviorSanitizer (below)
#
# With SANITIZE=1 the extension is built with "make SANITIZE=1" in a copy of
# the tree (so no sanitized object is left for a later plain "make install"
# to pick up) and installed in place of the plain build, which is installed
# again afterwards.  The stock server is not instrumented; it must load the ASan
# runtime before anything else, through LD_PRELOAD.  Only the servers get
# it: the pg_ctl first in PATH is a wrapper that sets LD_PRELOAD, and every
# server started by cluster_start or PostgreSQL::Test::Cluster goes through
# it.  psql, perl and prove run as usual, so nothing but the servers can
# produce a report (or trip over the preloaded runtime).  Leak checking is
# off: a server does not free its memory at exit.  ASan's reports go to
# files in the temporary directory (log_path), wherever the process's
# stderr went; UBSan's go to stderr, that is the server log (it does not
# take log_path here).  After the suites every report file, and every
# report line in any log, counts as one failure.
# ASan sees the extension's stack and global buffers and memory it gets
# from malloc (pallocs over 8 kB get their own block); an overrun within a
# palloc block or a shared buffer goes unseen, as PostgreSQL's allocator is
# not instrumented.  The parsers' fuzz harness in test/fuzz covers them with
# a malloc-backed palloc.
#
# The last line printed is always "N passed, N failed", counting each
# regression test, each isolation spec and each TAP assertion; a failed
# step that runs no test counts as one failure.  The exit status is zero only
# if nothing failed.
#
# As root, servers and TAP tests run as the cluster user (see
# test/lib/cluster.sh); everything they write goes into a temporary directory
# that user owns, so the source tree may be read-only to them.

set -uo pipefail

srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$srcdir" || exit 1
# shellcheck source=test/lib/cluster.sh
. test/lib/cluster.sh

SUITES=${SUITES:-regress isolation tap package}
# PGXS reads TAP_TESTS too (as "run prove in installcheck"): keep ours apart.
# "make test TAP_TESTS=..." also hands it to every make below through
# MAKEFLAGS, so "make installcheck" is given an empty one.
tap_files=${TAP_TESTS:-test/t/*.pl}
unset TAP_TESTS
PG_CONFIG=${PG_CONFIG:-pg_config}
SANITIZE=${SANITIZE:-0}
passed=0
failed=0
tmp=
sanitized_installed=0

summary_and_exit()
{
	cleanup
	tmp=
	echo "$passed passed, $failed failed"
	if [ "$failed" -eq 0 ]; then
		exit 0
	fi
	exit "${1:-1}"
}

# Give up before any test ran: one failure.
abort()
{
	echo "run-tests: $*"
	failed=$((failed + 1))
	summary_and_exit
}

cleanup()
{
	local pidfile
	if [ -n "$tmp" ] && [ -d "$tmp" ]; then
		cluster_stop "$tmp/cluster"
		# Servers a TAP test left behind because it was killed.
		find "$tmp" -name postmaster.pid 2>/dev/null |
			while read -r pidfile; do
				(cd "$tmp" && as_cluster_user pg_ctl -D "$(dirname "$pidfile")" \
					-m immediate -w stop >/dev/null 2>&1)
			done
		restore_module
		if [ "${HNSWEXT_KEEP_TMP:-0}" = 1 ]; then
			echo "run-tests: kept $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
}
# After a sanitized run, install the plain build again (building it here
# if need be): the sanitized module loads only into a server that preloads
# the ASan runtime.
restore_module()
{
	[ "$sanitized_installed" = 1 ] || return 0
	sanitized_installed=0
	if ! make -C "$srcdir" SANITIZE=0 install >"$tmp/reinstall.log" 2>&1; then
		cat "$tmp/reinstall.log"
		echo "run-tests: could not install the plain build again; the sanitized one is still installed" >&2
		return 1
	fi
}

interrupted()
{
	trap - INT TERM
	echo "run-tests: interrupted"
	failed=$((failed + 1))
	summary_and_exit 130
}
trap cleanup EXIT
trap interrupted INT TERM

suite_wanted()
{
	case " $SUITES " in
		*" $1 "*) return 0 ;;
	esac
	return 1
}

for s in $SUITES; do
	case $s in
		regress|isolation|tap|package) ;;
		*) abort "unknown suite \"$s\" in SUITES (known: regress isolation tap package)" ;;
	esac
done

# Count pg_regress result lines ("test foo ... ok", "     foo ... FAILED")
# from log file $1 into the totals; $2 is pg_regress's exit status.
count_pg_regress()
{
	local log=$1 status=$2 ok bad
	ok=$(grep -Ec '\.\.\. ok( |$)|\.\.\. failed \(ignored\)' "$log")
	bad=$(grep -Ec '\.\.\. FAILED' "$log")
	if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	[ "$bad" -eq 0 ]
}

# Count the top-level assertions in the raw TAP of one test file $1 into
# the totals: "ok" and "not ok # TODO" pass, other "not ok" fail.  A missing
# file, or one whose plan is missing or disagrees with the number of
# assertions (the test died), adds one failure.  Fails if anything failed.
count_tap()
{
	local tap=$1 ok bad ran plan
	if [ ! -f "$tap" ]; then
		failed=$((failed + 1))
		return 1
	fi
	ok=$(grep -Ec '^ok|^not ok.*# *TODO' "$tap")
	bad=$(grep -E '^not ok' "$tap" | grep -Evc '# *TODO')
	ran=$((ok + bad))
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$tap" | head -n 1)
	if [ -z "$plan" ] || [ "$plan" -ne "$ran" ]; then
		bad=$((bad + 1))
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	[ "$bad" -eq 0 ]
}

show_diffs()
{
	local diffs=$1
	if [ -s "$diffs" ]; then
		echo "---- $diffs (first 200 lines) ----"
		head -n 200 "$diffs"
		echo "----"
	fi
}

# --- set-up ---------------------------------------------------------------

echo "== bootstrap"
bash test/bootstrap.sh || abort "bootstrap failed"
# pg_regress, pg_isolation_regress and the TAP modules live under PGXS.
PGXS_DIR=$(cd "$(dirname "$("$PG_CONFIG" --pgxs)")/../.." && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hnswext-test.XXXXXX") || abort "mktemp failed"
chmod 755 "$tmp"
if [ "$SANITIZE" = 1 ]; then
	# A copy of what the build reads, without objects a plain build left.
	builddir=$tmp/build
	mkdir -p "$builddir"
	cp -r Makefile hnswext.control sql src "$builddir/" ||
		abort "could not copy the tree to $builddir"
	find "$builddir" \( -name '*.o' -o -name '*.so' -o -name '*.bc' \) -delete
	build_flags=(WERROR=1 SANITIZE=1)
	asan_runtime=$(gcc -print-file-name=libasan.so)
	[ -e "$asan_runtime" ] || abort "gcc has no ASan runtime ($asan_runtime)"
else
	builddir=$srcdir
	build_flags=(WERROR=1 SANITIZE=0)
fi
echo "== build (make ${build_flags[*]})"
if ! make -C "$builddir" "${build_flags[@]}" >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	abort "build failed"
fi
grep -E 'warning:' "$tmp/build.log" || true
echo "== install"
if [ "$SANITIZE" = 1 ]; then
	sanitized_installed=1
fi
if ! make -C "$builddir" "${build_flags[@]}" install >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	abort "make install failed"
fi

if [ "$SANITIZE" = 1 ]; then
	# Reports of every sanitized process go here; the servers run as the
	# cluster user.
	sanitizer_dir=$tmp/sanitizer
	mkdir -p "$sanitizer_dir"
	chmod 1777 "$sanitizer_dir"
	# A preloaded runtime initializes at the first malloc, which in the
	# PostgreSQL programs comes from a library constructor (libgpg-error's)
	# inside bindtextdomain() holding gettext's lock; the initialization
	# looks up swift_demangle, and the failed lookup's dlerror() asks
	# gettext for its message and waits on that lock for ever.  A library
	# defining the symbol makes the lookup succeed.
	printf '%s\n' 'char *swift_demangle(const char *, unsigned long, char *, unsigned long *, unsigned);' \
		'char *swift_demangle(const char *n, unsigned long l, char *o, unsigned long *ol, unsigned f) { return 0; }' |
		gcc -Wall -shared -fPIC -x c - -o "$tmp/no_swift_demangle.so" ||
		abort "could not build the preload helper"
	# Only the servers get the runtime: pg_ctl (the one in PATH, used by
	# cluster_start and PostgreSQL::Test::Cluster) is a wrapper that
	# preloads it, and the servers it starts inherit it.
	preload=$asan_runtime:$tmp/no_swift_demangle.so
	mkdir -p "$tmp/sanitizer-bin"
	printf '#!/bin/sh\n# pg_ctl whose servers load the ASan runtime (test/run-tests.sh)\nLD_PRELOAD=%s exec %s "$@"\n' \
		"$preload" "$(pg_bindir)/pg_ctl" >"$tmp/sanitizer-bin/pg_ctl"
	chmod 755 "$tmp/sanitizer-bin/pg_ctl"
	export PATH=$tmp/sanitizer-bin:$PATH
	export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:disable_coredump=1:log_path=$sanitizer_dir/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$sanitizer_dir/ubsan"
	# build_c_test (test/t/HnswTest.pm) builds the standalone C tests so too.
	export HNSWEXT_TEST_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
	echo "== sanitizers: servers preload $preload; reports to $sanitizer_dir"
fi

if suite_wanted regress || suite_wanted isolation; then
	port=$(cluster_free_port "${HNSWEXT_TEST_PORT:-54329}") ||
		abort "no free port"
	echo "== cluster on port $port"
	cluster_start "$tmp/cluster" "$port" ||
		abort "could not start the test cluster"
fi

# --- regress ----------------------------------------------------------------

if suite_wanted regress; then
	echo "== regress"
	out=$tmp/regress
	mkdir -p "$out"
	make installcheck TAP_TESTS= EXTRA_REGRESS_OPTS="--outputdir=$out" \
		>"$out/make.log" 2>&1
	status=$?
	if grep -qE '\.\.\. ' "$out/make.log"; then
		grep -E '\.\.\. |tests? (passed|failed)' "$out/make.log"
	elif [ $status -ne 0 ]; then
		cat "$out/make.log"
	else
		echo "(no regression tests)"
	fi
	count_pg_regress "$out/make.log" $status || show_diffs "$out/regression.diffs"
fi

# --- isolation --------------------------------------------------------------

if suite_wanted isolation; then
	echo "== isolation"
	specs=()
	for f in test/specs/*.spec; do
		[ -e "$f" ] && specs+=("$(basename "$f" .spec)")
	done
	if [ ${#specs[@]} -eq 0 ]; then
		echo "(no isolation specs)"
	else
		out=$tmp/isolation
		mkdir -p "$out"
		"$PGXS_DIR/src/test/isolation/pg_isolation_regress" \
			--inputdir=test --outputdir="$out" --bindir="$(pg_bindir)" \
			--dbname=isolation_regression --load-extension=hnswext \
			"${specs[@]}" >"$out/run.log" 2>&1
		status=$?
		if grep -qE '\.\.\. ' "$out/run.log"; then
			grep -E '\.\.\. |tests? (passed|failed)' "$out/run.log"
		else
			cat "$out/run.log"
		fi
		count_pg_regress "$out/run.log" $status || show_diffs "$out/regression.diffs"
	fi
fi

# --- tap ----------------------------------------------------------------------

if suite_wanted tap; then
	echo "== tap"
	# shellcheck disable=SC2206 # a list of files, and a pattern
	tests=($tap_files)
	if [ ! -e "${tests[0]}" ]; then
		echo "(no TAP tests)"
	else
		# The tests run as the cluster user, which may not be able to read the
		# source tree (a clone under /root), so they run from a copy.
		tapdir=$tmp/tap
		mkdir -p "$tapdir/tmp"
		cp -r test/t "$tapdir/t"
		[ "$(id -u)" -eq 0 ] && chown -R "$(cluster_user)": "$tapdir"
		status=0
		(
			cd "$tapdir" || exit 1
			export TESTDIR=$tapdir
			export PG_REGRESS=$PGXS_DIR/src/test/regress/pg_regress
			# Helper modules may sit next to the tests, as test/t/*.pm.
			export PERL5LIB=$PGXS_DIR/src/test/perl:$tapdir/t${PERL5LIB:+:$PERL5LIB}
			export PERL_TEST_HARNESS_DUMP_TAP=$tapdir/dump
			export TMPDIR=$tapdir/tmp
			export HNSWEXT_SRCDIR=$srcdir
			# shellcheck disable=SC2086 # PROVE_FLAGS is a list of flags
			as_cluster_user prove ${PROVE_FLAGS:-} "${tests[@]#test/}"
		) || status=$?

		# Count assertions from the raw TAP that prove saved for each file.
		bad_files=0
		for f in "${tests[@]}"; do
			t=t/$(basename "$f")
			count_tap "$tapdir/dump/$t" || {
				bad_files=$((bad_files + 1))
				log=$tapdir/tmp_check/log/regress_log_$(basename "$t" .pl)
				if [ -e "$log" ]; then
					echo "---- $t: end of $(basename "$log") ----"
					tail -n 60 "$log"
				fi
			}
		done
		# prove failed in a way the TAP did not show: still a failure.
		if [ $status -ne 0 ] && [ $bad_files -eq 0 ]; then
			failed=$((failed + 1))
		fi
	fi
fi

# --- package ------------------------------------------------------------------

if suite_wanted package; then
	echo "== package"
	if [ "$(id -u)" -ne 0 ]; then
		echo "(skipped: installing a package needs root)"
	elif [ "$SANITIZE" = 1 ]; then
		echo "(skipped: the package holds the plain build)"
	elif [ "$("$PG_CONFIG" --pkglibdir)" != "/usr/lib/postgresql/$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')/lib" ]; then
		echo "(skipped: PG_CONFIG is not the system PostgreSQL the package installs into)"
	else
		out=$tmp/package
		mkdir -p "$out"
		chmod 755 "$out"
		port=$(cluster_free_port $((${HNSWEXT_TEST_PORT:-54329} + 50))) ||
			abort "no free port"
		PG_CONFIG=$PG_CONFIG bash test/package-test.sh "$out" "$port" |
			tee "$out/package.tap"
		count_tap "$out/package.tap" || true
	fi
fi

# --- sanitizer reports ---------------------------------------------------------

# One failure for each report file and for each report that went to a log
# instead (a process whose log_path could not be opened writes to stderr).
if [ "$SANITIZE" = 1 ]; then
	echo "== sanitizer reports"
	reports=0
	for f in "$sanitizer_dir"/*; do
		[ -e "$f" ] || continue
		echo "---- sanitizer report $(basename "$f") (first 60 lines) ----"
		head -n 60 "$f"
		reports=$((reports + 1))
	done
	while IFS= read -r f; do
		echo "---- sanitizer report lines in ${f#"$tmp"/} ----"
		grep -E -m 20 -A 20 '^==[0-9]+==ERROR: (Address|Leak)Sanitizer|: runtime error: ' "$f"
		reports=$((reports + 1))
	done < <(grep -rlE --exclude-dir=sanitizer --exclude-dir=build \
		'^==[0-9]+==ERROR: (Address|Leak)Sanitizer|: runtime error: ' "$tmp" 2>/dev/null)
	if [ $reports -eq 0 ]; then
		echo "(none)"
	else
		echo "run-tests: $reports sanitizer report(s)"
		failed=$((failed + reports))
	fi
fi

summary_and_exit
