#!/bin/sh
# dashboard.sh: the dashboard's end-to-end tests, twice (SQLite, then PostgreSQL) — seeds the database, starts lighttpd (serve.sh) on a free local port, runs home.mjs, e2e.mjs, letters.mjs and notify.mjs (chromium + HTTP), prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${HALLPASS_BUILD:-build/test}
out=${HALLPASS_TEST_OUT:-$(mktemp -d /tmp/hallpass-web.XXXXXX)}/web
tmp=$(mktemp -d /tmp/hallpass-e2e.XXXXXX)
pid= pgdir=
mkdir -p "$out"
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$pgdir" ] && tests/pg/pgcluster.sh stop "$pgdir" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail_setup() {
	echo "not ok 1 - setup: $1"
	[ -f "$tmp/setup.log" ] && sed 's/^/#   /' "$tmp/setup.log" | tail -n 20
	exit 1
}

for need in lighttpd /usr/bin/chromium node curl; do
	command -v "$need" >/dev/null || fail_setup "$need is not installed (make deps)"
done
[ -d tests/web/node_modules/playwright-core ] && [ -d tests/web/node_modules/axe-core ] || fail_setup "playwright-core or axe-core missing (make web-deps)"
[ -x "$build/hallpass.cgi" ] && [ -x "$build/tests/hp_seed" ] || fail_setup "build $build first (make unit)"

# One pass of the e2e suite against a database (a SQLite path or a postgresql:// URI).
# Its TAP lines are renumbered into this script's sequence and tagged with the backend.
n=0 rc=0
run_e2e() { # $1 backend name, $2 database
	be=$1 db=$2 w="$tmp/$1"
	mkdir -p "$w" "$out/$be"
	rm -rf "$w/conf"
	cp -r rules "$w/conf"
	esc=$(printf '%s' "$db" | sed 's/[&|\\]/\\&/g')
	sed -i "s|^database:.*|database: \"$esc\"|" "$w/conf/hallpass.yaml"
	if ! "$build/tests/hp_seed" "$w/conf" >"$tmp/setup.log" 2>&1; then
		n=$((n + 1)); rc=1
		echo "not ok $n - [$be] setup: seeding the database"
		sed 's/^/#   /' "$tmp/setup.log" | tail -n 20
		return
	fi
	code=$("$build/hallpass" -c "$w/conf" guardian invite g1 2>>"$tmp/setup.log" | sed -n 's/^code //p')
	if [ -z "$code" ]; then
		n=$((n + 1)); rc=1
		echo "not ok $n - [$be] setup: hallpass guardian invite g1"
		sed 's/^/#   /' "$tmp/setup.log" | tail -n 20
		return
	fi
	# A free port: the kernel picks one for a throwaway listener.
	port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
	# The CGI is the sanitizer build: its reports must reach the log and fail the run.
	if ! started=$(dashboard-cgi/serve.sh -d -p "$port" -c "$w/conf" -b "$build" -s "$w/www" \
	    -e "ASAN_OPTIONS=detect_leaks=1:log_path=$w/asan" \
	    -e "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$w/ubsan" 2>>"$tmp/setup.log"); then
		n=$((n + 1)); rc=1
		echo "not ok $n - [$be] setup: starting lighttpd"
		sed 's/^/#   /' "$tmp/setup.log" | tail -n 20
		return
	fi
	pid=$(echo "$started" | sed -n 's/^pid \([0-9]*\) .*/\1/p')
	# home.mjs ("At home" on a child's page) first, then e2e.mjs, then letters.mjs (families
	# without e-mail), then notify.mjs (e-mail settings, unsubscribe); their lines join one sequence.
	for mjs in home e2e letters notify; do
		# home.mjs enrols g1 with a code of its own, which revokes the earlier one: e2e.mjs gets a fresh one.
		if [ "$mjs" = e2e ]; then
			code=$("$build/hallpass" -c "$w/conf" guardian invite g1 2>>"$tmp/setup.log" | sed -n 's/^code //p')
		fi
		HP_BASE="http://127.0.0.1:$port" HP_OUT="$out/$be" HP_CODE_G1="$code" HP_CONF="$w/conf" \
		    HP_ERRLOG="$w/www/cgi.log" HP_SEED="$top/$build/tests/hp_seed" HALLPASS="$top/$build/hallpass" \
		    HALLPASS_LANG="$top/dashboard-cgi/lang" node "tests/web/$mjs.mjs" >"$w/$mjs.tap" 2>&1 || rc=1
		while IFS= read -r line; do
			case $line in
			'ok '*|'not ok '*)
				n=$((n + 1))
				echo "$line" | sed "s/^\(\(not \)\{0,1\}ok\) [0-9]* -/\1 $n - [$be]/"
				;;
			1..*) ;;
			*) echo "$line" ;;
			esac
		done <"$w/$mjs.tap"
	done
	kill "$pid" 2>/dev/null
	pid=
	n=$((n + 1))
	if ls "$w"/asan* "$w"/ubsan* >/dev/null 2>&1; then
		echo "not ok $n - [$be] hallpass.cgi ran without sanitizer reports"
		cat "$w"/asan* "$w"/ubsan* | head -n 40 | sed 's/^/#   /'
		rc=1
	else
		echo "ok $n - [$be] hallpass.cgi ran without sanitizer reports"
	fi
	cp "$w/www/error.log" "$out/$be/lighttpd-error.log" 2>/dev/null
	cp "$w/www/cgi.log" "$out/$be/cgi.log" 2>/dev/null
}

run_e2e sqlite "$tmp/hallpass.db"

# The same suite on PostgreSQL: the run's cluster (tests/run-tests.sh sets HALLPASS_TEST_PG),
# or one of this script's own when run alone.
pg=${HALLPASS_TEST_PG:-}
if [ -z "$pg" ]; then
	pgdir="$tmp/pg"
	pg=$(tests/pg/pgcluster.sh start "$pgdir" 2>"$tmp/pg.log") || { pg=; pgdir=; }
fi
if [ -z "$pg" ]; then
	n=$((n + 1)); rc=1
	echo "not ok $n - [postgresql] setup: starting a PostgreSQL cluster"
	sed 's/^/#   /' "$tmp/pg.log" | tail -n 20
else
	if "${HP_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -X -q "$pg" -c 'DROP DATABASE IF EXISTS hp_web WITH (FORCE)' \
	    -c 'CREATE DATABASE hp_web' >"$tmp/psql.log" 2>&1; then
		run_e2e postgresql "$(printf '%s' "$pg" | sed 's|^postgresql:///[^?]*|postgresql:///hp_web|')"
	else
		n=$((n + 1)); rc=1
		echo "not ok $n - [postgresql] setup: creating database hp_web"
		sed 's/^/#   /' "$tmp/psql.log"
	fi
fi
echo "# screenshots in $out"
echo "1..$n"
exit $rc
