# test/lib/cluster.sh
#	  Throwaway PostgreSQL clusters for the test runner, the demo and the
#	  benchmark.  Source it from bash; it defines functions only (plus PATH).
#
# Functions:
#	cluster_start DIR PORT [postgresql.conf lines...]
#		initdb into DIR/data and start a server listening only on a Unix
#		socket in DIR, logging to DIR/server.log.  Exports PGHOST, PGPORT,
#		PGUSER and PGDATABASE for it.  Extra lines are appended to
#		postgresql.conf after our defaults, so they win (e.g. "fsync = on").
#	cluster_stop DIR		stop the server in DIR if it is running
#	cluster_remove DIR		stop it, then delete DIR
#	cluster_user			OS user that owns clusters (and their superuser)
#	as_cluster_user CMD...	run CMD as that user, keeping the environment a
#							PostgreSQL client or test needs
#	cluster_free_port PORT	print PORT or the next port no server seems to use
#	pg_bindir				print the PostgreSQL bin directory
#
# initdb refuses to run as root, so as root every cluster belongs to the
# "postgres" OS user (created by the postgresql-15 package); if that user
# does not exist we create a system user "hnswext".  When not root, the
# current user owns the clusters.

# The PostgreSQL binaries come first in PATH.  They are those of the
# installation PG_CONFIG describes when it is set (as with PGXS), otherwise
# Debian's PostgreSQL 15, which test/bootstrap.sh installs.
if [ -n "${PG_CONFIG:-}" ] && _bindir=$("$PG_CONFIG" --bindir 2>/dev/null); then
	:
else
	_bindir=/usr/lib/postgresql/15/bin
fi
case "$PATH" in
	"$_bindir:"*) ;;
	*) PATH="$_bindir:$PATH" ;;
esac
export PATH
unset _bindir

# Environment variables passed through by as_cluster_user when it has to
# switch users.  The last line is for sanitized runs (test/run-tests.sh
# SANITIZE=1): the sanitizers' options, and the flags for the C tests.
CLUSTER_PASS_ENV=(PATH PGHOST PGPORT PGUSER PGDATABASE PGOPTIONS
	PERL5LIB TESTDIR PG_REGRESS PG_TEST_EXTRA PG_TEST_NOCLEAN
	PG_TEST_TIMEOUT_DEFAULT PG_TEST_PORT_DIR PROVE_FLAGS
	PERL_TEST_HARNESS_DUMP_TAP HNSWEXT_SRCDIR PG_CONFIG TMPDIR LANG TERM CI
	ASAN_OPTIONS UBSAN_OPTIONS HNSWEXT_TEST_CFLAGS)

pg_bindir()
{
	"${PG_CONFIG:-pg_config}" --bindir
}

cluster_user()
{
	if [ "$(id -u)" -ne 0 ]; then
		id -un
	elif getent passwd postgres >/dev/null; then
		echo postgres
	else
		if ! getent passwd hnswext >/dev/null; then
			useradd --system --no-create-home --shell /bin/bash hnswext >&2 ||
				return 1
		fi
		echo hnswext
	fi
}

as_cluster_user()
{
	local user
	user=$(cluster_user) || return 1
	if [ "$(id -u)" -ne 0 ] || [ "$user" = root ]; then
		"$@"
		return
	fi

	local envs=() name
	for name in "${CLUSTER_PASS_ENV[@]}"; do
		if [ -n "${!name+set}" ]; then
			envs+=("$name=${!name}")
		fi
	done
	runuser -u "$user" -- env "${envs[@]}" "$@"
}

# A port is taken if something listens on it over TCP on localhost or a
# socket file for it exists in the usual socket directories.  Our clusters
# use their own socket directory, so this is only politeness towards other
# servers and people's muscle memory.
cluster_free_port()
{
	local port=$1 tries=0
	while [ $tries -lt 100 ]; do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null &&
			[ ! -e "/tmp/.s.PGSQL.$port" ] &&
			[ ! -e "/var/run/postgresql/.s.PGSQL.$port" ]; then
			echo "$port"
			return 0
		fi
		port=$((port + 1))
		tries=$((tries + 1))
	done
	echo "cluster_free_port: no free port found near $1" >&2
	return 1
}

cluster_start()
{
	if [ $# -lt 2 ]; then
		echo "usage: cluster_start DIR PORT [postgresql.conf lines...]" >&2
		return 2
	fi
	local dir=$1 port=$2 user line
	shift 2
	user=$(cluster_user) || return 1

	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd) || return 1
	if [ "$(id -u)" -eq 0 ]; then
		chown "$user": "$dir" || return 1
	fi
	if ! (cd / && as_cluster_user test -w "$dir"); then
		echo "cluster_start: user $user cannot write to $dir; are all its parent directories searchable by that user?" >&2
		return 1
	fi

	# Run initdb and pg_ctl from inside DIR: the user might not be allowed to
	# read the caller's working directory.
	if ! (cd "$dir" && as_cluster_user initdb --auth=trust -E UTF8 \
		--no-locale -D "$dir/data" >"$dir/initdb.log" 2>&1); then
		echo "cluster_start: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		return 1
	fi

	{
		echo
		echo "# Added by test/lib/cluster.sh"
		echo "port = $port"
		echo "unix_socket_directories = '$dir'"
		echo "listen_addresses = ''"
		echo "fsync = off"
		for line in "$@"; do
			echo "$line"
		done
	} >>"$dir/data/postgresql.conf"

	if ! (cd "$dir" && as_cluster_user pg_ctl -D "$dir/data" -w -t 60 \
		-l "$dir/server.log" start >/dev/null); then
		echo "cluster_start: server failed to start; log follows:" >&2
		cat "$dir/server.log" >&2
		return 1
	fi

	export PGHOST=$dir PGPORT=$port PGUSER=$user PGDATABASE=postgres
}

cluster_stop()
{
	local dir=$1
	if [ -f "$dir/data/postmaster.pid" ]; then
		(cd "$dir" && as_cluster_user pg_ctl -D "$dir/data" -w -t 60 \
			-m fast stop >/dev/null) ||
			echo "cluster_stop: could not stop the server in $dir" >&2
	fi
}

cluster_remove()
{
	local dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	cluster_stop "$dir"
	rm -rf "$dir"
}
