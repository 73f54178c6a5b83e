#!/bin/sh
# End to end: hallpassd in a gateway namespace pulls signed rule bundles over HTTPS from a real lighttpd, applies good ones, refuses bad ones; prints TAP.
# Its own topology prefix (hpb-) keeps it apart from the other namespace tests and a demo.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${HALLPASS_BUILD:-build/test}
HALLPASS=${HALLPASS:-$top/$build/hallpass}
HALLPASSD=${HALLPASSD:-$(dirname "$HALLPASS")/hallpassd}
T=$here/topo.sh
export TOPO_PREFIX="${TOPO_PREFIX:-hpb-}"
. "$here/topo.env"
export TOPO_DIR
. "$here/tap.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
work=$(mktemp -d /tmp/hallpass-bundle-test.XXXXXX)
# hallpassd runs as nobody (user: below): it reloads its configuration and writes bundle_dir as nobody.
chmod 0755 "$work"
cfg=$work/etc
dpid= lpid=
cleanup() {
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null
	[ -z "$lpid" ] || kill "$lpid" 2>/dev/null
	ip netns exec "${TOPO_PREFIX}gateway" "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1
	"$T" down >/dev/null 2>&1
	[ -n "${HALLPASS_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ] || ! [ -x "$HALLPASSD" ]; then
	skip "bundle end to end" "needs root and $HALLPASSD"
	tap_end
	exit 0
fi
for need in lighttpd openssl dig; do
	if ! command -v "$need" >/dev/null; then
		nok "$need is installed (make deps)"
		tap_end
		exit 1
	fi
done
if ! [ -f /usr/lib/lighttpd/mod_openssl.so ]; then
	nok "lighttpd's mod_openssl is installed (lighttpd-mod-openssl, make deps)"
	tap_end
	exit 1
fi
if ! "$T" up >"$work/topo.log" 2>&1; then
	nok "topology up" "$(tail -5 "$work/topo.log")"
	tap_end
	exit 1
fi
. "$TOPO_DIR/topo.env"
gw() { ip netns exec "$NS_GATEWAY" "$@"; }
# The student is in no roster: the default group decides, so the bundle's policy alone does.
status() { # name: the DNS status the student gets
	ip netns exec "$NS_STUDENT" dig +tries=1 +time=2 "@$DNS_IP4" "$1" A |
		sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}
# Waits up to 10 s for the count of lines matching pattern in the daemon's log to reach want.
wait_log() { # pattern want
	_i=0
	while [ "$(grep -c -- "$1" "$work/hallpassd.log")" -lt "$2" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ "$(grep -c -- "$1" "$work/hallpassd.log")" -ge "$2" ]
}

# --- IT's side: a key, and rule sets in a directory of their own ---
mkdir -p "$work/it" "$work/www" "$work/state"
check "bundle keygen writes the district key" "$HALLPASS" bundle keygen -o "$work/it/district.key"
check "bundle keygen writes another key (a stranger's)" "$HALLPASS" bundle keygen -o "$work/it/other.key"
district() { # version blocks...: the district's rule set, with the categories named blocked
	_d=$work/it/rules.v$1
	_v=$1
	shift
	mkdir -p "$_d/rules.d"
	printf 'category: gambling\ndescription: betting\ndomains: [bet365.com]\n' >"$_d/rules.d/gambling.yaml"
	printf 'category: games\ndescription: games\ndomains: [minecraft.net]\n' >"$_d/rules.d/games.yaml"
	cp "$top/rules/aup.yaml" "$_d/"
	printf 'timezone: UTC\ndefault_group: standard\ngroups:\n  standard:\n    block: [%s]\n' \
		"$(echo "$*" | sed 's/ /, /g')" >"$_d/policy.yaml"
	echo "$_d"
}
v1dir=$(district 1 gambling)
v2dir=$(district 2 gambling games)
# v3 no longer blocks gambling: a scheduled fetch of it shows in a decision.
v3dir=$(district 3 games)
check "bundle build signs v1" "$HALLPASS" bundle build -k "$work/it/district.key" -V 1 -o "$work/it/v1.bundle" "$v1dir"
check "bundle build signs v2" "$HALLPASS" bundle build -k "$work/it/district.key" -V 2 -o "$work/it/v2.bundle" "$v2dir"
check "bundle build signs v3" "$HALLPASS" bundle build -k "$work/it/district.key" -V 3 -o "$work/it/v3.bundle" "$v3dir"
check "bundle build signs v3 with a stranger's key" "$HALLPASS" bundle build -k "$work/it/other.key" -V 3 -o "$work/it/other.bundle" "$v3dir"
contains "bundle verify lists v2" "version 2, key" "$HALLPASS" bundle verify -p "$work/it/district.key.pub" "$work/it/v2.bundle"
# Bad bundles: a byte of the rules changed (bet365 -> bet366), cut short, signature line gone.
sed 's/bet365/bet366/' "$work/it/v3.bundle" >"$work/it/tampered.bundle"
size=$(wc -c <"$work/it/v3.bundle")
head -c $((size - 40)) "$work/it/v3.bundle" >"$work/it/truncated.bundle"
head -n -1 "$work/it/v3.bundle" >"$work/it/unsigned.bundle"
check "the tampered bundle differs from v3 in one byte only" \
	test "$(cmp -l "$work/it/v3.bundle" "$work/it/tampered.bundle" | wc -l)" -eq 1

# --- the district web server: lighttpd over HTTPS with a CA of the test's own ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$work/ca.key" -out "$work/ca.pem" -subj "/CN=hallpass test district CA" 2>"$work/openssl.log" &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/srv.key" \
	-out "$work/srv.csr" -subj "/CN=127.0.0.1" 2>>"$work/openssl.log" &&
printf 'subjectAltName=IP:127.0.0.1\n' >"$work/srv.ext" &&
openssl x509 -req -in "$work/srv.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
	-days 2 -extfile "$work/srv.ext" -out "$work/srv.pem" 2>>"$work/openssl.log"
check "openssl made a CA and a server certificate for 127.0.0.1" test -s "$work/srv.pem"
# In the gateway namespace, where hallpassd fetches from, on a port the kernel picks for a
# throwaway listener (lighttpd itself turns port 0 into 443 when TLS is on).
port=$(gw node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cat >"$work/lighttpd.conf" <<EOF
server.modules = ( "mod_openssl", "mod_accesslog" )
accesslog.filename = "$work/access.log"
accesslog.format = "%s %b %U"
server.document-root = "$work/www"
server.bind = "127.0.0.1"
server.port = $port
# Every request reads the file afresh: a bundle replaced by rename is served at once.
server.stat-cache-engine = "disable"
server.errorlog = "$work/lighttpd-error.log"
ssl.engine = "enable"
ssl.pemfile = "$work/srv.pem"
ssl.privkey = "$work/srv.key"
mimetype.assign = ( "" => "application/octet-stream" )
EOF
serve() { cp "$1" "$work/www/hallpass.bundle.tmp" && mv "$work/www/hallpass.bundle.tmp" "$work/www/hallpass.bundle"; }
serve "$work/it/v1.bundle"
lighttpd_up() {
	ip netns exec "$NS_GATEWAY" lighttpd -D -f "$work/lighttpd.conf" >>"$work/lighttpd.log" 2>&1 &
	lpid=$!
	_i=0
	until gw ss -Hltn "sport = :$port" 2>/dev/null | grep -q . || [ $_i -ge 100 ]; do sleep 0.05; _i=$((_i + 1)); done
}
lighttpd_up
check "lighttpd serves HTTPS on 127.0.0.1:${port:-?} in the gateway namespace" \
	gw curl -sS -o /dev/null --cacert "$work/ca.pem" "https://127.0.0.1:$port/hallpass.bundle"

# --- the gateway: its own rules block nothing the test looks at, until a bundle arrives ---
mkdir -p "$cfg/rules.d"
printf 'category: local\ndescription: local\ndomains: [local.example]\n' >"$cfg/rules.d/local.yaml"
printf 'timezone: UTC\ndefault_group: standard\ngroups:\n  standard:\n    block: [local]\n' >"$cfg/policy.yaml"
cp "$top/rules/aup.yaml" "$cfg/"
cp "$work/it/district.key.pub" "$cfg/district.pub"
cat >"$cfg/hallpass.yaml" <<EOF
queues: [3]
fail: closed
database: $work/hallpass.db
log_level: info
bundle_url: https://127.0.0.1:$port/hallpass.bundle
bundle_key: $cfg/district.pub
bundle_ca: $work/ca.pem
bundle_dir: $work/state/bundle
bundle_interval: 0
user: nobody
EOF
check "the gateway configuration is valid" "$HALLPASS" -c "$cfg" rules check
check "firewall up in the gateway" gw "$HALLPASS" -c "$cfg" firewall up
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" >"$work/hallpassd.log" 2>&1 &
dpid=$!
check "hallpassd starts" wait_log "filtering on 1 queue" 1

check "v1: fetched at start and in force" wait_log "bundle version 1 in force" 1
contains "v1: the log names the version verified and its key" "version 1 verified (key" cat "$work/hallpassd.log"
expect "v1: its rule takes effect: bet365.com is blocked" NXDOMAIN status bet365.com
expect "v1: minecraft.net is allowed (v1 does not block games)" NOERROR status minecraft.net
check "v1: unpacked under bundle_dir, current points at it" test -f "$work/state/bundle/current/rules.d/gambling.yaml"

serve "$work/it/v2.bundle"
kill -HUP "$dpid"
check "v2: applied on SIGHUP" wait_log "bundle version 2 in force" 1
expect "v2: minecraft.net is now blocked" NXDOMAIN status minecraft.net
expect "v2: bet365.com stays blocked" NXDOMAIN status bet365.com
check "v2: the v1 directory was removed" test "$(ls -d "$work/state/bundle"/v* | wc -l)" -eq 1

refused() { # desc file want-in-log
	serve "$2"
	_before=$(grep -c "refused" "$work/hallpassd.log")
	_reloads=$(grep -c "reloaded" "$work/hallpassd.log")
	kill -HUP "$dpid"
	if wait_log "refused" $((_before + 1)) && grep "refused" "$work/hallpassd.log" | tail -n 1 | grep -q -- "$3"; then
		ok "$1: refused ($(grep "refused" "$work/hallpassd.log" | tail -n 1 | sed 's/.*refused: //'))"
	else
		nok "$1: refused with \"$3\"" "$(tail -n 5 "$work/hallpassd.log")"
	fi
	# The reload that follows the refusal keeps v2: games stay blocked.
	wait_log "reloaded" $((_reloads + 1))
	expect "$1: v2 stays in force (minecraft.net still blocked)" NXDOMAIN status minecraft.net
}
refused "tampered" "$work/it/tampered.bundle" "bad signature"
refused "another key" "$work/it/other.bundle" "signed by another key"
refused "truncated" "$work/it/truncated.bundle" "truncated"
refused "unsigned" "$work/it/unsigned.bundle" "not signed"
refused "older (v1 again)" "$work/it/v1.bundle" "version 1 is older than version 2"
check "every refusal kept the rules: they say which version stays" \
	test "$(grep -c "the rules in force stay (bundle version 2)" "$work/hallpassd.log")" -ge 5
lacks "no refused bundle was ever in force" "bundle version 3 in force" cat "$work/hallpassd.log"

# --- the web server goes away: the gateway keeps filtering with v2 ---
kill "$lpid"
wait "$lpid" 2>/dev/null
lpid=
_before=$(grep -c "fetch failed" "$work/hallpassd.log")
kill -HUP "$dpid"
check "server down: the fetch fails with a clear line" wait_log "fetch failed" $((_before + 1))
expect "server down: minecraft.net still blocked (v2)" NXDOMAIN status minecraft.net
expect "server down: allowed names still answered" NOERROR status allowed.test

# --- on a schedule: bundle_interval (reloadable) fetches without a signal ---
lighttpd_up
sed -i 's/^bundle_interval: 0$/bundle_interval: 1/' "$cfg/hallpass.yaml"
_reloads=$(grep -c "reloaded" "$work/hallpassd.log")
kill -HUP "$dpid"
check "schedule: the HUP applying bundle_interval 1 reloads" wait_log "reloaded" $((_reloads + 1))
contains "schedule: ... and names the setting it applied" "applying bundle_interval" cat "$work/hallpassd.log"
serve "$work/it/v3.bundle"
check "schedule: v3 in force within seconds, no signal sent" wait_log "bundle version 3 in force" 1
expect "schedule: v3's rules decide: bet365.com allowed again" NOERROR status bet365.com
expect "schedule: ... minecraft.net still blocked" NXDOMAIN status minecraft.net
i=0
while ! grep -q "^304 " "$work/access.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "schedule: an unchanged bundle costs a 304 without a body (If-None-Match)" \
	grep -q "^304 0 /hallpass.bundle" "$work/access.log"
kill "$lpid"
wait "$lpid" 2>/dev/null
lpid=
_before=$(grep -c "fetch failed" "$work/hallpassd.log")
check "schedule: with the server down the next fetch fails, unprompted" wait_log "fetch failed" $((_before + 1))
expect "schedule: ... and v3 keeps filtering" NXDOMAIN status minecraft.net
kill -USR1 "$dpid"
check "health: the counters line (SIGUSR1) names the bundle version in force" \
	wait_log "conntrack overruns [0-9]*; bundle version 3$" 1

# --- a restart with the server still down starts from the bundle on disk ---
kill -TERM "$dpid"
wait "$dpid"
expect "hallpassd exits cleanly" 0 echo $?
dpid=
mv "$work/hallpassd.log" "$work/hallpassd-1.log"
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" >"$work/hallpassd.log" 2>&1 &
dpid=$!
check "restart: hallpassd starts with the server still down" wait_log "filtering on 1 queue" 1
check "restart: v3 is in force from disk" wait_log "bundle version 3 in force" 1
expect "restart: minecraft.net blocked without the server" NXDOMAIN status minecraft.net
kill -TERM "$dpid"
wait "$dpid"
dpid=

# --- a new gateway: its directory holds hallpass.yaml and the key, no rules at all ---
lighttpd_up
mkdir -p "$work/etc2"
cp "$cfg/district.pub" "$work/etc2/"
sed -e "s|^bundle_key: .*|bundle_key: $work/etc2/district.pub|" \
	-e "s|^bundle_dir: .*|bundle_dir: $work/state/bundle2|" "$cfg/hallpass.yaml" >"$work/etc2/hallpass.yaml"
mv "$work/hallpassd.log" "$work/hallpassd-2.log"
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$work/etc2" >"$work/hallpassd.log" 2>&1 &
dpid=$!
check "new gateway: starts from its first bundle, fetched before filtering" wait_log "filtering on 1 queue" 1
check "new gateway: v3 in force" grep -q "bundle version 3 in force" "$work/hallpassd.log"
expect "new gateway: v3 decides (minecraft.net blocked)" NXDOMAIN status minecraft.net
kill -TERM "$dpid"
wait "$dpid"
dpid=
kill "$lpid"
wait "$lpid" 2>/dev/null
lpid=
mv "$work/hallpassd.log" "$work/hallpassd-3.log"
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$work/etc2" >"$work/hallpassd.log" 2>&1 &
dpid=$!
check "new gateway: restarted with the server down, v3 from disk" wait_log "bundle version 3 in force" 1
kill -TERM "$dpid"
wait "$dpid"
dpid=
rm -rf "$work/state/bundle2"
mv "$work/hallpassd.log" "$work/hallpassd-4.log"
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$work/etc2" >"$work/hallpassd.log" 2>&1
expect "new gateway: no bundle, no server and no rules of its own: it does not start" 1 echo $?
contains "new gateway: ... saying why" "not starting" cat "$work/hallpassd.log"

if cat "$work"/hallpassd*.log | grep -q "ERROR: AddressSanitizer\|runtime error"; then
	nok "no sanitizer report from hallpassd" "$(cat "$work"/hallpassd*.log | grep -A5 'Sanitizer\|runtime error' | head -20)"
else
	ok "no sanitizer report from hallpassd"
fi
tap_end
