#!/bin/sh
# staff.sh: the staff console's browser tests, twice (SQLite, then PostgreSQL) — a roster of two schools, the engagement fixture seeded, staff accounts made with the CLI, lighttpd (serve.sh) on a free port, staff.mjs; prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${HALLPASS_BUILD:-build/test}
out=${HALLPASS_TEST_OUT:-$(mktemp -d /tmp/hallpass-web.XXXXXX)}/web-staff
tmp=$(mktemp -d /tmp/hallpass-staffweb.XXXXXX)
pid= pgdir=
mkdir -p "$out"
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$pgdir" ] && tests/pg/pgcluster.sh stop "$pgdir" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
pw='staff password 42'

fail_setup() {
	echo "not ok 1 - setup: $1"
	[ -f "$tmp/setup.log" ] && sed 's/^/#   /' "$tmp/setup.log" | tail -n 20
	echo "1..1"
	exit 1
}
for need in lighttpd /usr/bin/chromium node; do
	command -v "$need" >/dev/null || fail_setup "$need is not installed (make deps)"
done
[ -d tests/web/node_modules/playwright-core ] && [ -d tests/web/node_modules/axe-core ] || fail_setup "playwright-core or axe-core missing (make web-deps)"
[ -x "$build/hallpass.cgi" ] && [ -x "$build/tests/hp_seed" ] || fail_setup "build $build first (make unit)"

n=0 rc=0
setup_failed() { # $1 backend, $2 what
	n=$((n + 1)); rc=1
	echo "not ok $n - [$1] setup: $2"
	sed 's/^/#   /' "$tmp/setup.log" | tail -n 20
}

run_staff() { # $1 backend name, $2 database
	be=$1 w="$tmp/$1"
	mkdir -p "$w" "$out/$be"
	cp -r rules "$w/conf"
	cp tests/fixtures/staff/roster.csv "$w/conf/"
	cat tests/fixtures/staff/group_rules.yaml >>"$w/conf/policy.yaml"
	esc=$(printf '%s' "$2" | sed 's/[&|\\]/\\&/g')
	sed -i "s|^database:.*|database: \"$esc\"|" "$w/conf/hallpass.yaml"
	h="$build/hallpass -c $w/conf"
	if ! { "$build/tests/hp_seed" "$w/conf" && "$build/tests/hp_seed" "$w/conf" --engagement; } >"$tmp/setup.log" 2>&1; then
		setup_failed "$be" "seeding the database"
		return
	fi
	if ! { echo "$pw" | $h staff add it-admin --role district_admin &&
	    echo "$pw" | $h staff add lin1 --role school_staff --school sch-lin &&
	    $h staff add wash1 --role school_staff --school sch-wash --setup-code </dev/null >"$w/wash1"; } >>"$tmp/setup.log" 2>&1; then
		setup_failed "$be" "hallpass staff add"
		return
	fi
	code=$(sed -n 's/^setup-code //p' "$w/wash1")
	port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
	if ! started=$(dashboard-cgi/serve.sh -d -p "$port" -c "$w/conf" -b "$build" -s "$w/www" \
	    -e "ASAN_OPTIONS=detect_leaks=1:log_path=$w/asan" \
	    -e "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$w/ubsan" 2>>"$tmp/setup.log"); then
		setup_failed "$be" "starting lighttpd"
		return
	fi
	pid=$(echo "$started" | sed -n 's/^pid \([0-9]*\) .*/\1/p')
	HP_BASE="http://127.0.0.1:$port" HP_OUT="$out/$be" HP_CONF="$w/conf" HP_STAFF_PW="$pw" \
	    HP_SETUP_WASH1="$code" HALLPASS="$top/$build/hallpass" \
	    node tests/web/staff.mjs >"$w/staff.tap" 2>&1 || rc=1
	kill "$pid" 2>/dev/null
	pid=
	while IFS= read -r line; do
		case $line in
		'ok '*|'not ok '*)
			n=$((n + 1))
			echo "$line" | sed "s/^\(\(not \)\{0,1\}ok\) [0-9]* -/\1 $n - [$be]/"
			;;
		1..*) ;;
		*) echo "$line" ;;
		esac
	done <"$w/staff.tap"
	n=$((n + 1))
	if ls "$w"/asan* "$w"/ubsan* >/dev/null 2>&1; then
		echo "not ok $n - [$be] hallpass.cgi ran without sanitizer reports"
		cat "$w"/asan* "$w"/ubsan* | head -n 40 | sed 's/^/#   /'
		rc=1
	else
		echo "ok $n - [$be] hallpass.cgi ran without sanitizer reports"
	fi
	cp "$w/www/error.log" "$out/$be/lighttpd-error.log" 2>/dev/null
}

run_staff sqlite "$tmp/hallpass.db"

pg=${HALLPASS_TEST_PG:-}
if [ -z "$pg" ]; then
	pgdir="$tmp/pg"
	pg=$(tests/pg/pgcluster.sh start "$pgdir" 2>"$tmp/pg.log") || { pg=; pgdir=; }
fi
if [ -z "$pg" ]; then
	n=$((n + 1)); rc=1
	echo "not ok $n - [postgresql] setup: starting a PostgreSQL cluster"
	sed 's/^/#   /' "$tmp/pg.log" | tail -n 20
elif "${HP_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -X -q "$pg" -c 'DROP DATABASE IF EXISTS hp_web_staff WITH (FORCE)' \
    -c 'CREATE DATABASE hp_web_staff' >"$tmp/setup.log" 2>&1; then
	run_staff postgresql "$(printf '%s' "$pg" | sed 's|^postgresql:///[^?]*|postgresql:///hp_web_staff|')"
else
	setup_failed postgresql "creating database hp_web_staff"
fi
echo "# screenshots in $out"
echo "1..$n"
exit $rc
