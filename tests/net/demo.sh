#!/bin/sh
# The demo (cli/demo.sh) comes up twice in a row, the demo guardian's page shows the demo students' sites, and down leaves nothing behind; prints TAP.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/tap.sh"
export HALLPASS_BUILD=${HALLPASS_BUILD:-build/test}
export DEMO_DIR=/run/hallpass-demo-test DEMO_PREFIX=hp-dt-
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
work=$(mktemp -d /tmp/hallpass-demo-test.XXXXXX)
trap '"$top/cli/demo.sh" down >/dev/null 2>&1; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ] || ! command -v lighttpd >/dev/null || ! command -v node >/dev/null; then
	skip "the demo" "needs root, lighttpd and node"
	tap_end
	exit 0
fi
# A port nobody uses, so the test never fights a demo someone left running on 8080.
DEMO_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export DEMO_PORT

"$top/cli/demo.sh" up >"$work/up1.log" 2>&1
check "demo up" grep -q "hallpass demo is up" "$work/up1.log"
"$top/cli/demo.sh" up >"$work/up.log" 2>&1
check "demo up again, straight after (it starts over)" grep -q "hallpass demo is up" "$work/up.log"
contains "the demo shows a blocked site as blocked" \
	"Ana    www.bet365.com         HTTPS: blocked (connection reset at once); HTTP: block page" cat "$work/up.log"
contains "the demo shows an allowed site as allowed" "Ana    khanacademy.org        HTTPS: allowed" cat "$work/up.log"
contains "the demo says why a block happened (the reason hallpassd recorded)" \
	"Ana    www.bet365.com         category (gambling)" cat "$work/up.log"
check "the demo runs on a clock where it is 4 PM, so it shows the same at any hour" \
	grep -q "where it is now 16:" "$work/up.log"
check "the demo says where to look" grep -q "Dashboard:  http://127.0.0.1:$DEMO_PORT/" "$work/up.log"

# Log in with what the terminal printed, as a parent would.
user=$(sed -n 's/.*Log in as:  \([^ ]*\) .*/\1/p' "$work/up.log")
pass=$(sed -n 's/.*password: \(.*\)$/\1/p' "$work/up.log")
base="http://127.0.0.1:$DEMO_PORT/hallpass.cgi"
form=$(curl -s -c "$work/jar" "$base/login")
csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
pre=$(awk '$6 == "hp_pre" {print $6 "=" $7}' "$work/jar")
session=$(curl -s -D - -o /dev/null -H "Cookie: $pre" --data-urlencode "csrf=$csrf" \
	--data-urlencode "user=$user" --data-urlencode "password=$pass" "$base/login" |
	sed -n 's/^Set-Cookie: \(hp_session=[0-9a-f]*\).*/\1/p')
check "the printed login works" test -n "$session"
page() { curl -s -H "Cookie: $session" "$base/$1"; }
contains "the guardian's page lists Ana" "child?id=s1001" page ""
contains "Ana's page: an allowed site she visited" "khanacademy.org" page "child?id=s1001"
contains "Ana's page: a blocked attempt" "www.bet365.com" page "child?id=s1001"
contains "Mateo's page: his sites too" "www.allowed.test" page "child?id=s1002"
check "the demo guardian cannot see another family's child" \
	sh -c 'c=$(curl -s -o /dev/null -w "%{http_code}" -H "Cookie: $1" "$2/child?id=s1004"); [ "$c" = 403 ] || [ "$c" = 404 ]' - "$session" "$base"

"$top/cli/demo.sh" down >"$work/down.log" 2>&1
check "demo down" grep -q "demo: down" "$work/down.log"
lacks "down: no demo namespace is left" "$DEMO_PREFIX" ip netns list
lacks "down: no hallpassd or lighttpd of the demo is left" "$DEMO_DIR" sh -c 'ps -eo args | grep -v grep'
check "down: its directory is gone" test ! -e "$DEMO_DIR"
check "down: nothing listens on the dashboard port" sh -c '! ss -Hltn "sport = :$1" | grep -q .' - "$DEMO_PORT"
tap_end
