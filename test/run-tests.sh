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
# regress and isolation share one cluster started here on a private port
# (HNSWEXT_TEST_PORT, default 54329, or the next free one).
#
# Environment:
#	SUITES="regress isolation tap"	the suites to run (e.g. make test SUITES=tap)
#	PROVE_FLAGS						extra flags for prove, e.g. --verbose
#	TAP_TESTS						the TAP files to run (default test/t/*.pl),
#									e.g. TAP_TESTS=test/t/016_recall_proofs.pl
#	HNSWEXT_TEST_PORT				first port to try for the shared cluster
#	HNSWEXT_KEEP_TMP=1				keep the temporary directory (logs, outputs)
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

SUITES=${SUITES:-regress isolation tap}
# PGXS reads TAP_TESTS too (as "run prove in installcheck"): keep ours apart.
tap_files=${TAP_TESTS:-test/t/*.pl}
unset TAP_TESTS
PG_CONFIG=${PG_CONFIG:-pg_config}
passed=0
failed=0
tmp=

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
		if [ "${HNSWEXT_KEEP_TMP:-0}" = 1 ]; then
			echo "run-tests: kept $tmp"
		else
			rm -rf "$tmp"
		fi
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
		regress|isolation|tap) ;;
		*) abort "unknown suite \"$s\" in SUITES (known: regress isolation tap)" ;;
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

echo "== build (make WERROR=1)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hnswext-test.XXXXXX") || abort "mktemp failed"
chmod 755 "$tmp"
if ! make WERROR=1 >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	abort "build failed"
fi
grep -E 'warning:' "$tmp/build.log" || true
echo "== install"
if ! make install >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	abort "make install failed"
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
	make installcheck EXTRA_REGRESS_OPTS="--outputdir=$out" \
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

summary_and_exit
