#!/bin/sh
# pgcluster.sh: a throwaway PostgreSQL 15 cluster for the tests — `start DIR` prints its URI, `stop DIR` stops it and removes DIR.
#
# The cluster runs as an unprivileged user (initdb refuses root): HP_PG_USER,
# else "hallpass-test" when it exists, else nobody.  It listens only on a
# Unix socket in DIR (listen_addresses=''), trusts local connections, and
# runs with fsync off: it lives for one test run.  The database "hallpass"
# and the role "hallpass" (a superuser, so tests may create databases) are
# made; the URI is postgresql:///hallpass?host=DIR&user=hallpass.
# `pause DIR` stops the server and keeps its data; `resume DIR` starts it
# again as it was (the shipping test's "district database down").
set -eu
bindir=${HP_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: pgcluster.sh start|stop|pause|resume DIR" >&2; exit 2; }

user=${HP_PG_USER:-}
if [ -z "$user" ]; then
	if id hallpass-test >/dev/null 2>&1; then user=hallpass-test; else user=nobody; fi
fi
as_user() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

case $cmd in
start)
	[ -x "$bindir/initdb" ] || { echo "pgcluster.sh: $bindir/initdb missing (apt-get install postgresql-15)" >&2; exit 1; }
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown "$user" "$dir"
	chmod 0755 "$dir"
	as_user "$bindir/initdb" -D "$dir/data" -U hallpass -E UTF8 --locale=C.UTF-8 \
	    --auth=trust >"$dir/initdb.log" 2>&1 ||
	    { echo "pgcluster.sh: initdb failed:" >&2; tail -n 20 "$dir/initdb.log" >&2; exit 1; }
	as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off \
	    -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
	    start >"$dir/pg_ctl.log" 2>&1 ||
	    { echo "pgcluster.sh: pg_ctl start failed:" >&2; tail -n 20 "$dir/server.log" >&2; exit 1; }
	"$bindir/../bin/psql" -X -q -h "$dir" -U hallpass -d postgres \
	    -c "CREATE DATABASE hallpass" >/dev/null 2>"$dir/psql.log" ||
	    { echo "pgcluster.sh: CREATE DATABASE failed:" >&2; cat "$dir/psql.log" >&2; exit 1; }
	echo "postgresql:///hallpass?host=$dir&user=hallpass"
	;;
pause)
	as_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
	;;
resume)
	as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
	    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off \
	    -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
	    start >"$dir/pg_ctl.log" 2>&1
	;;
stop)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	case $dir in
	/tmp/*) rm -rf "$dir" ;;
	*) echo "pgcluster.sh: not removing $dir (outside /tmp)" >&2 ;;
	esac
	;;
*)
	echo "usage: pgcluster.sh start|stop|pause|resume DIR" >&2
	exit 2
	;;
esac
