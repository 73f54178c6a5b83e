#!/bin/sh
# dashboard.sh: the dashboard's end-to-end tests — seeds a database, starts lighttpd (serve.sh) on a free local port, runs e2e.mjs (chromium + HTTP), prints TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${HALLPASS_BUILD:-build/test}
out=${HALLPASS_TEST_OUT:-$(mktemp -d /tmp/hallpass-web.XXXXXX)}/web
tmp=$(mktemp -d /tmp/hallpass-e2e.XXXXXX)
pid=
mkdir -p "$out"
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
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

# A copy of the shipped example district with its own database.
cp -r rules "$tmp/conf"
sed -i "s|^database:.*|database: $tmp/hallpass.db|" "$tmp/conf/hallpass.yaml"
"$build/tests/hp_seed" "$tmp/conf" >"$tmp/setup.log" 2>&1 || fail_setup "seeding the database"
code=$("$build/hallpass" -c "$tmp/conf" guardian invite g1 2>>"$tmp/setup.log" | sed -n 's/^code //p')
[ -n "$code" ] || fail_setup "hallpass guardian invite g1"

# A free port: the kernel picks one for a throwaway listener.
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
# The CGI is the sanitizer build: its reports must reach the log and fail the run.
started=$(dashboard-cgi/serve.sh -d -p "$port" -c "$tmp/conf" -b "$build" -s "$tmp/www" \
    -e "ASAN_OPTIONS=detect_leaks=1:log_path=$tmp/asan" \
    -e "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$tmp/ubsan" 2>>"$tmp/setup.log") ||
    fail_setup "starting lighttpd"
pid=$(echo "$started" | sed -n 's/^pid \([0-9]*\) .*/\1/p')

HP_BASE="http://127.0.0.1:$port" HP_OUT="$out" HP_CODE_G1="$code" HP_CONF="$tmp/conf" \
    HP_SEED="$top/$build/tests/hp_seed" HALLPASS="$top/$build/hallpass" \
    node tests/web/e2e.mjs >"$tmp/e2e.tap" 2>&1
rc=$?
grep -v '^1\.\.' "$tmp/e2e.tap"
n=$(grep -c '^\(not \)\{0,1\}ok ' "$tmp/e2e.tap")
n=$((n + 1))
if ls "$tmp"/asan* "$tmp"/ubsan* >/dev/null 2>&1; then
	echo "not ok $n - hallpass.cgi ran without sanitizer reports"
	cat "$tmp"/asan* "$tmp"/ubsan* | head -n 40 | sed 's/^/#   /'
	rc=1
else
	echo "ok $n - hallpass.cgi ran without sanitizer reports"
fi
cp "$tmp/www/error.log" "$out/lighttpd-error.log" 2>/dev/null
echo "# screenshots in $out"
echo "1..$n"
exit $rc
