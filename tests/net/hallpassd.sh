#!/bin/sh
# End to end: hallpassd and its firewall rules in the gateway namespace, real clients (dig, kdig, curl) in two student namespaces; prints TAP.
# Its own topology prefix (hp-d-) keeps it apart from the smoke test and from a demo.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${HALLPASS_BUILD:-build/test}
HALLPASS=${HALLPASS:-$top/$build/hallpass}
HALLPASSD=${HALLPASSD:-$(dirname "$HALLPASS")/hallpassd}
HP_SEND=${HP_SEND:-$(dirname "$HALLPASS")/tests/hp_send}
T=$here/topo.sh
export TOPO_PREFIX="${TOPO_PREFIX:-hp-d-}"
. "$here/topo.env"
export TOPO_DIR
. "$here/tap.sh"

# The daemon runs under the sanitizers in make test; leaks at exit are reported, not fatal here.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
work=$(mktemp -d /tmp/hallpassd-test.XXXXXX)
cfg=$work/etc
dpid=
cleanup() {
	[ -z "$dpid" ] || kill "$dpid" 2>/dev/null
	ip netns exec "${TOPO_PREFIX}gateway" "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1
	"$T" down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ] || ! [ -x "$HALLPASSD" ]; then
	skip "hallpassd end to end" "needs root and $HALLPASSD"
	tap_end
	exit 0
fi
if ! "$T" up >"$work/topo.log" 2>&1; then
	nok "topology up" "$(tail -5 "$work/topo.log")"
	tap_end
	exit 1
fi
. "$TOPO_DIR/topo.env"
gw() { ip netns exec "$NS_GATEWAY" "$@"; }
st1() { ip netns exec "$NS_STUDENT" "$@"; }
st2() { ip netns exec "$NS_STUDENT2" "$@"; }

# --- configuration: UTC so the schedule window is simple to place around now ---
# hallpassd reloads it as user nobody (hallpass.yaml's user: below): it must be able to read it.
chmod 0755 "$work"
mkdir -p "$cfg/rules.d"
rule() { printf 'category: %s\ndescription: test %s\ndomains: [%s]\n' "$1" "$1" "$2" >"$cfg/rules.d/$1.yaml"; }
rule gambling bet365.com
rule games minecraft.net
rule social "instagram.com, example.com"
cp "$top/rules/aup.yaml" "$top/rules/safesearch.yaml" "$cfg/"
cp "$top/rules/rules.d/doh-providers.yaml" "$cfg/rules.d/"
from=$(date -u -d '-10 min' +%H:%M) to=$(date -u -d '+50 min' +%H:%M)
write_policy() { # $1: the standard group's block list
	cat >"$cfg/policy.yaml" <<EOF
timezone: UTC
default_group: standard
groups:
  standard:
    block: [$1, doh-providers]
    safe_search: moderate
  kids:
    block: [gambling, social, doh-providers]
    safe_search: strict
    block_ports: [udp/51820, 1194]
    schedules:
      - name: homework
        days: all
        from: "$from"
        to: "$to"
        block: [games]
students:
  s1:
    name: Ana
    group: kids
    devices:
      - mac: "$STUDENT_MAC"
  s2:
    name: Ben
    group: standard
    devices:
      - mac: "$STUDENT2_MAC"
guardians:
  g1:
    name: Maria
    email: maria@example.org
    students: [s1]
EOF
}
write_policy gambling
cat >"$cfg/hallpass.yaml" <<EOF
queues: [3]
fail: closed
database: $work/hallpass.db
dns_block: nxdomain
log_level: info
strip_ech: true
user: nobody
EOF
check "the test configuration is valid" "$HALLPASS" -c "$cfg" rules check
check "firewall up in the gateway" gw "$HALLPASS" -c "$cfg" firewall up

# Not through gw(): $! must be the daemon itself (ip netns exec execs it), not a subshell.
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" >"$work/hallpassd.log" 2>&1 &
dpid=$!
i=0
while ! grep -q "filtering on" "$work/hallpassd.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "hallpassd starts and binds queue 3" grep -q "filtering on 1 queue" "$work/hallpassd.log"

# --- DNS ---
dig1() { st1 dig +tries=1 +time=2 "$@"; }
status_of() { sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
expect "DNS: allowed name answered by the upstream (UDP, IPv4)" "$UPSTREAM_IP4" \
	dig1 +short "@$DNS_IP4" allowed.test A
out=$(dig1 "@$DNS_IP4" bet365.com A 2>&1)
expect "DNS: blocked name gets NXDOMAIN (UDP)" NXDOMAIN sh -c 'printf "%s" "$1" | sed -n "s/.*status: \([A-Z]*\).*/\1/p"' - "$out"
contains "DNS: the block answer says why (Extended DNS Error 17)" "EDE: 17 (Filtered): (blocked by hallpass: gambling)" echo "$out"
qt=$(printf '%s' "$out" | sed -n 's/.*Query time: \([0-9]*\) msec.*/\1/p')
check "DNS: the block answer is fast (${qt:-?} ms < 1000)" test "${qt:-9999}" -lt 1000
expect "DNS: blocked name gets NXDOMAIN over TCP" NXDOMAIN sh -c \
	'ip netns exec "$1" dig +tcp +tries=1 +time=2 "@$2" www.bet365.com A | sed -n "s/.*status: \([A-Z]*\).*/\1/p"' - "$NS_STUDENT" "$DNS_IP4"
expect "DNS: blocked name gets NXDOMAIN over IPv6" NXDOMAIN sh -c \
	'ip netns exec "$1" dig +tries=1 +time=2 "@$2" www.bet365.com AAAA | sed -n "s/.*status: \([A-Z]*\).*/\1/p"' - "$NS_STUDENT" "$DNS_IP6"
expect "DNS: kdig over TCP to an allowed name works" "$UPSTREAM_IP6" \
	st1 kdig +tcp +short +timeout=2 "@$DNS_IP4" allowed.test AAAA
lacks "DNS: blocked questions never reached the upstream" "bet365" cat "$TOPO_DNS_LOG"

# --- HTTPS (SNI) and HTTP ---
curl1() { st1 curl -sS -m 5 --cacert "$TOPO_CA" "$@"; }
expect "TLS: allowed name over IPv4" "ok www.allowed.test" \
	curl1 --resolve "www.allowed.test:443:$UPSTREAM_IP4" https://www.allowed.test/
expect "TLS: allowed name over IPv6" "ok www.allowed.test" \
	curl1 -g --resolve "www.allowed.test:443:[$UPSTREAM_IP6]" https://www.allowed.test/
tls_block() { # desc ns addr-for-resolve
	_t0=$(date +%s%N)
	_out=$(ip netns exec "$2" curl -sS -m 5 --cacert "$TOPO_CA" -g --resolve "www.bet365.com:443:$3" https://www.bet365.com/ 2>&1)
	_rc=$? _ms=$((($(date +%s%N) - _t0) / 1000000))
	if [ $_rc -eq 35 ] || [ $_rc -eq 56 ]; then
		if [ $_ms -lt 1000 ]; then ok "$1 (reset in $_ms ms)"; else nok "$1" "took $_ms ms"; fi
	else
		nok "$1" "curl exit $_rc: $_out"
	fi
}
tls_block "TLS: blocked name is reset at once (IPv4)" "$NS_STUDENT" "$UPSTREAM_IP4"
tls_block "TLS: blocked name is reset at once (IPv6)" "$NS_STUDENT" "[$UPSTREAM_IP6]"
out=$(curl1 -D - --resolve "www.bet365.com:80:$UPSTREAM_IP4" http://www.bet365.com/poker 2>&1)
contains "HTTP: blocked request gets a 403 block page" "HTTP/1.1 403 Forbidden" echo "$out"
contains "HTTP: the block page names the site and the reason" "<strong>www.bet365.com</strong> is blocked by your school district's acceptable-use policy (gambling)" echo "$out"
expect "HTTP: allowed request reaches the server" "ok allowed.test" \
	curl1 --resolve "allowed.test:80:$UPSTREAM_IP4" http://allowed.test/
lacks "TLS/HTTP: blocked requests never reached the web server" "bet365" cat "$TOPO_NGINX_ACCESS_LOG"

# A ClientHello split over several segments: a tiny MTU on the second student's link.
st2 ip link set dev "$STUDENT2_IF" mtu 300
expect "TLS: a ClientHello split across segments is still read (allowed)" "ok www.allowed.test" \
	st2 curl -sS -m 5 --cacert "$TOPO_CA" --resolve "www.allowed.test:443:$UPSTREAM_IP4" https://www.allowed.test/
tls_block "TLS: a ClientHello split across segments is still read (blocked)" "$NS_STUDENT2" "$UPSTREAM_IP4"
st2 ip link set dev "$STUDENT2_IF" mtu 1500

# --- per student: schedule, group, roster by MAC ---
http_code() { # ns host
	ip netns exec "$1" curl -s -o /dev/null -m 5 --resolve "$2:80:$UPSTREAM_IP4" -w '%{http_code}' "http://$2/"
}
expect "schedule: games blocked for s1 during homework" 403 http_code "$NS_STUDENT" minecraft.net
expect "schedule: games allowed for s2 (no schedule in its group)" 200 http_code "$NS_STUDENT2" minecraft.net
expect "groups: social blocked for s1 (kids)" 403 http_code "$NS_STUDENT" www.instagram.com
expect "groups: social allowed for s2 (standard)" 200 http_code "$NS_STUDENT2" www.instagram.com

# --- QUIC: the RFC 9001 client Initial names example.com (social) ---
quic_hex=$top/tests/fixtures/quic/rfc9001-client-initial.hex
expect "QUIC: blocked Initial answered with ICMP prohibited (IPv4)" prohibited \
	st1 "$HP_SEND" quic "$UPSTREAM_IP4" 443 "$quic_hex"
expect "QUIC: blocked Initial answered with ICMP prohibited (IPv6)" prohibited \
	st1 "$HP_SEND" quic "$UPSTREAM_IP6" 443 "$quic_hex"
expect "QUIC: allowed Initial reaches the upstream (its port is closed)" refused \
	st2 "$HP_SEND" quic "$UPSTREAM_IP4" 443 "$quic_hex"

# --- bypasses: safe search, encrypted DNS, ports, ECH, names for flows without SNI ---
answer() { # ns name type: the answer section, one line
	ip netns exec "$1" dig +noall +answer +tries=1 +time=2 "@$DNS_IP4" "$2" "$3" | awk '{print $4, $5}' | xargs
}
expect "safe search: strict group's www.google.com is a CNAME to forcesafesearch with its address" \
	"CNAME forcesafesearch.google.com. A $SAFE_GOOGLE_IP4" answer "$NS_STUDENT" www.google.com A
expect "safe search: strict group's YouTube is restrict.youtube.com (AAAA)" \
	"CNAME restrict.youtube.com. AAAA $SAFE_YOUTUBE_STRICT_IP6" answer "$NS_STUDENT" www.youtube.com AAAA
expect "safe search: moderate group's YouTube is restrictmoderate.youtube.com" \
	"CNAME restrictmoderate.youtube.com. A $SAFE_YOUTUBE_MODERATE_IP4" answer "$NS_STUDENT2" www.youtube.com A
lacks "safe search: the search host's question never reached the upstream" "www.google.com" cat "$TOPO_DNS_LOG"
out=$(dig1 "@$DNS_IP4" use-application-dns.net A 2>&1)
contains "DoH canary: use-application-dns.net is NXDOMAIN from hallpass" "status: NXDOMAIN" echo "$out"
contains "DoH canary: ... answered by the gateway, not the upstream" "blocked by hallpass" echo "$out"
t0=$(date +%s%N)
out=$(st1 kdig +tls +timeout=3 +retry=0 "@$DNS_IP4" allowed.test A 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
if printf '%s' "$out" | grep -q "status: NOERROR"; then nok "DoT: kdig +tls to port 853 fails" "$out"
elif [ $ms -ge 1000 ]; then nok "DoT: kdig +tls to port 853 fails fast" "took $ms ms"
else ok "DoT: kdig +tls to port 853 fails fast ($ms ms)"; fi
tls_code() { # ns sni address: curl's exit status
	ip netns exec "$1" curl -s -o /dev/null -m 5 --cacert "$TOPO_CA" -g --resolve "$2:443:$3" "https://$2/"; echo $?
}
expect "DoH: a DoH endpoint by name is reset" 35 tls_code "$NS_STUDENT" cloudflare-dns.com "$DOH_CLOUDFLARE_IP4"
expect "DoH: an allowed name sent to a DoH endpoint's address is reset too" 35 \
	tls_code "$NS_STUDENT" www.allowed.test "$DOH_GOOGLE_IP4"
expect "DoH: ... and over IPv6" 35 tls_code "$NS_STUDENT" www.allowed.test "[$DOH_GOOGLE_IP6]"
expect "DoH: the same name to its own address still works" 0 tls_code "$NS_STUDENT" www.allowed.test "$UPSTREAM_IP4"
expect "ports: s1's group blocks udp/51820 (WireGuard): ICMP prohibited" prohibited \
	st1 "$HP_SEND" quic "$UPSTREAM_IP4" 51820 "$quic_hex"
expect "ports: ... and 1194 (OpenVPN)" prohibited st1 "$HP_SEND" quic "$UPSTREAM_IP4" 1194 "$quic_hex"
expect "ports: s2's group does not: the datagram reaches the upstream" refused \
	st2 "$HP_SEND" quic "$UPSTREAM_IP4" 51820 "$quic_hex"
contains "ECH: the upstream's HTTPS record carries an ech parameter" "ech=" \
	ip netns exec "$NS_UPSTREAM" dig +short "@$DNS_IP4" "$TOPO_ECH_RR_NAME" HTTPS
out=$(dig1 +short "@$DNS_IP4" "$TOPO_ECH_RR_NAME" HTTPS 2>&1)
contains "ECH: through the gateway the HTTPS record keeps alpn and hints" 'alpn="h2" ipv4hint=' echo "$out"
lacks "ECH: ... but loses its ech parameter (strip_ech)" "ech=" echo "$out"
nosni() { # ns address: "connected" when a TLS handshake without SNI completes
	ip netns exec "$1" timeout 5 openssl s_client -connect "$2:443" -noservername </dev/null 2>&1 |
		grep -q "Cipher is TLS" && echo connected || echo failed
}
expect "no SNI: allowed to an address the client resolved from an allowed name" connected nosni "$NS_STUDENT" "$UPSTREAM_IP4"
expect "no SNI: allowed to an address never resolved (strict_https off)" connected nosni "$NS_STUDENT" "$SAFE_BING_IP4"

# --- reload: an allowed download keeps going while the rules change ---
st2 curl -sS -m 30 --limit-rate 300k --resolve "allowed.test:80:$UPSTREAM_IP4" \
	-o /dev/null -w '%{http_code} %{size_download}' http://allowed.test/data/1m >"$work/dl.out" 2>&1 &
dl=$!
# s2 resolves a games site while games are allowed for it; after the reload they are not.
expect "DNS map: s2 resolves minecraft.net while it is allowed" "$UPSTREAM_IP4" \
	st2 dig +short +tries=1 +time=2 "@$DNS_IP4" minecraft.net A
sleep 1
write_policy "gambling, games"
kill -HUP "$dpid"
i=0
while ! grep -q "reloaded" "$work/hallpassd.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "reload: SIGHUP loads the new rules" grep -q "reloaded $cfg" "$work/hallpassd.log"
expect "reload: games now blocked for s2" 403 http_code "$NS_STUDENT2" minecraft.net
expect "reload: safe search still answers with the target's address after a reload" \
	"CNAME forcesafesearch.google.com. A $SAFE_GOOGLE_IP4" answer "$NS_STUDENT" www.google.com A
expect "DNS map: TLS without SNI to the address s2 learned from minecraft.net is now blocked" \
	failed nosni "$NS_STUDENT2" "$UPSTREAM_IP4"
wait "$dl"
expect "reload: the download running across it finished whole" "200 1048576" cat "$work/dl.out"

printf 'groups: [unclosed\n' >"$cfg/policy.yaml"
kill -HUP "$dpid"
i=0
while ! grep -q "rejected" "$work/hallpassd.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
contains "reload: a broken file is rejected with file:line:column" "$cfg/policy.yaml:2:" cat "$work/hallpassd.log"
contains "reload: ... and the rules in force stay" "the rules in force stay" cat "$work/hallpassd.log"
expect "reload: after the rejected reload games stay blocked for s2" 403 http_code "$NS_STUDENT2" minecraft.net
expect "reload: after the rejected reload allowed names still work" 200 http_code "$NS_STUDENT2" allowed.test
write_policy "gambling, games"
echo "strict_https: true" >>"$cfg/hallpass.yaml"
kill -HUP "$dpid"
i=0
while [ "$(grep -c "reloaded" "$work/hallpassd.log")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect "strict_https: TLS without SNI to an address never resolved is blocked" failed nosni "$NS_STUDENT" "$SAFE_BING_IP4"
expect "strict_https: TLS with SNI is judged by its name as before" "ok www.allowed.test" \
	curl1 --resolve "www.allowed.test:443:$UPSTREAM_IP4" https://www.allowed.test/

# --- reload: which settings a running daemon applies, and which it says wait for a restart ---
reloads() { # $1: wait until the log holds that many "reloaded" lines
	i=0
	while [ "$(grep -c "reloaded" "$work/hallpassd.log")" -lt "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
printf 'dns_map_size: 2048\nflow_table_size: 4096\n' >>"$cfg/hallpass.yaml"
kill -HUP "$dpid"
reloads 3
contains "reload: sizes changed on reload are named as waiting for a restart" \
	"reload: flow_table_size, dns_map_size changed but take effect only on restart" cat "$work/hallpassd.log"
expect "reload: ... and the reload itself goes through" 200 http_code "$NS_STUDENT2" allowed.test
sed -i '/^dns_map_size/d; /^flow_table_size/d; s/^fail: closed/fail: open/' "$cfg/hallpass.yaml"
printf 'flow_idle_seconds: 60\nretention_days: 30\nresolvers: [%s]\n' "$DNS_IP4" >>"$cfg/hallpass.yaml"
kill -HUP "$dpid"
reloads 4
contains "reload: fail, retention_days, flow_idle_seconds and resolvers are applied" \
	"reload: applying fail, retention_days, flow_idle_seconds, resolvers" cat "$work/hallpassd.log"
expect "reload: ... with no restart warning for them (sizes back as started)" 1 \
	grep -c "only on restart" "$work/hallpassd.log"
sed -i 's/^fail: open/fail: closed/; /^resolvers/d' "$cfg/hallpass.yaml"
kill -HUP "$dpid"
reloads 5
contains "reload: fail closed again and the system resolvers are applied" \
	"reload: applying fail, resolvers" cat "$work/hallpassd.log"
expect "reload: after these reloads safe search still answers with the target's address" \
	"CNAME forcesafesearch.google.com. A $SAFE_GOOGLE_IP4" answer "$NS_STUDENT" www.google.com A
lacks "reload: no resolver change was refused" "the resolvers in use stay" cat "$work/hallpassd.log"
# Loads run on their own thread; HUPs arriving during one are folded into one more load after it.
kill -HUP "$dpid"; kill -HUP "$dpid"; kill -HUP "$dpid"
reloads 6
sleep 0.5
check "reload: a burst of SIGHUPs is loaded (at least once) and hallpassd keeps running" \
	sh -c 'kill -0 "$1" && [ "$(grep -c reloaded "$2")" -ge 6 ] && [ "$(grep -c reloaded "$2")" -le 8 ]' - "$dpid" "$work/hallpassd.log"
expect "reload: ... and still answers" 200 http_code "$NS_STUDENT2" allowed.test

# --- malformed packets from a student never crash the daemon ---
seed=$(date +%s)
out=$(st1 "$HP_SEND" garbage "$STUDENT_IF" "$GATEWAY_LAN_MAC" "$STUDENT_MAC" "$STUDENT_IP4" \
	"$UPSTREAM_IP4" "$STUDENT_IP6" "$UPSTREAM_IP6" "$seed:4000" 2>&1)
expect "malformed: 4000 crafted packets sent (seed $seed)" "sent 4000" echo "$out"
sleep 0.5
check "malformed: hallpassd is still running" kill -0 "$dpid"
expect "malformed: allowed DNS still answered" "$UPSTREAM_IP4" dig1 +short "@$DNS_IP4" allowed.test A
expect "malformed: blocked TLS still reset" 35 sh -c \
	'ip netns exec "$1" curl -s -m 5 --cacert "$2" --resolve "www.bet365.com:443:$3" https://www.bet365.com/ >/dev/null 2>&1; echo $?' \
	- "$NS_STUDENT" "$TOPO_CA" "$UPSTREAM_IP4"

# --- usage from conntrack: a finished download adds bytes to the student's day ---
st1 curl -s -o /dev/null -m 10 --resolve "allowed.test:80:$UPSTREAM_IP4" http://allowed.test/data/1m
gw conntrack -F >/dev/null 2>&1
bytes=0 i=0
while [ $i -lt 40 ]; do
	bytes=$(sqlite3 "$work/hallpass.db" "SELECT COALESCE(SUM(bytes),0) FROM usage_daily WHERE student='s1' AND host='allowed.test'" 2>/dev/null || echo 0)
	[ "${bytes:-0}" -gt 1048576 ] && break
	sleep 0.1; i=$((i + 1))
done
check "usage: conntrack accounting adds the download's bytes to s1's day ($bytes)" test "${bytes:-0}" -gt 1048576

# --- SIGTERM flushes; activity shows the rows; fail closed without the daemon ---
kill -TERM "$dpid"
i=0
while kill -0 "$dpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if kill -0 "$dpid" 2>/dev/null; then nok "SIGTERM: hallpassd exits"; else
	wait "$dpid"; rc=$?
	expect "SIGTERM: hallpassd exits cleanly" 0 echo "$rc"
fi
dpid=
act() { "$HALLPASS" -c "$cfg" activity "$@"; }
contains "activity: s1's blocked TLS attempt is recorded" \
	'"student":"s1","client":"'"$STUDENT_MAC"'","proto":"tls","host":"www.bet365.com","category":"gambling","action":"block","rule":"rules.d/gambling.yaml:3"' \
	act --student s1 --json
contains "activity: s1's blocked DNS question is recorded" \
	'"proto":"dns","host":"bet365.com","category":"gambling","action":"block"' act --student s1 --json
contains "activity: s1's schedule block says which schedule" \
	'"host":"minecraft.net","category":"games","action":"block","rule":"rules.d/games.yaml:3","reason":"schedule:homework"' \
	act --student s1 --json
contains "activity: s2's allowed visit is recorded" '"student":"s2","client":"'"$STUDENT2_MAC"'","proto":"http","host":"minecraft.net","category":"games","action":"allow"' \
	act --student s2 --json
lacks "activity: s2's rows hold nothing of s1" '"student":"s1"' act --student s2 --json
contains "activity: safe search is recorded as such" '"host":"www.google.com","category":null,"action":"safesearch"' act --student s1 --json
contains "activity: encrypted DNS blocks say so" '"action":"block","rule":null,"reason":"encrypted-dns"' act --student s1 --json
contains "activity: a blocked port is recorded with its policy line" '"proto":"udp","host":"'"$UPSTREAM_IP4"'","category":null,"action":"block","rule":"policy.yaml:' act --student s1 --json
contains "activity: a name from the DNS map says where it came from" '"host":"minecraft.net","category":"games","action":"block","rule":"rules.d/games.yaml:3","reason":"dns-map"' act --student s2 --json

# --- a resolver that never answers never stalls the packet path ---
sed -i '/^strict_https/d' "$cfg/hallpass.yaml"
echo "resolvers: [10.77.2.99]" >>"$cfg/hallpass.yaml"
ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" >"$work/hallpassd2.log" 2>&1 &
dpid=$!
i=0
while ! grep -q "filtering on" "$work/hallpassd2.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$(dig1 "@$DNS_IP4" www.google.com A 2>&1)
contains "dead resolver: safe search still answers at once, with the CNAME alone" \
	"forcesafesearch.google.com." echo "$out"
qt=$(printf '%s' "$out" | sed -n 's/.*Query time: \([0-9]*\) msec.*/\1/p')
check "dead resolver: ... in ${qt:-?} ms (< 1000)" test "${qt:-9999}" -lt 1000
lacks "dead resolver: ... and no address it does not know" "$SAFE_GOOGLE_IP4" echo "$out"
expect "dead resolver: other DNS is unaffected" "$UPSTREAM_IP4" dig1 +short "@$DNS_IP4" allowed.test A
kill -TERM "$dpid"
wait "$dpid"
expect "dead resolver: hallpassd still exits cleanly" 0 echo $?
dpid=

expect "fail closed: with the daemon stopped, DNS gets no answer" "" sh -c \
	'ip netns exec "$1" dig +short +tries=1 +time=1 "@$2" allowed.test A | grep -v "^;"' - "$NS_STUDENT" "$DNS_IP4"
check "firewall down" gw "$HALLPASS" -c "$cfg" firewall down
expect "after firewall down, traffic flows unfiltered" "$UPSTREAM_IP4" dig1 +short "@$DNS_IP4" bet365.com A

if cat "$work"/hallpassd*.log | grep -q "ERROR: AddressSanitizer\|runtime error"; then
	nok "no sanitizer report from hallpassd" "$(cat "$work"/hallpassd*.log | grep -A5 'Sanitizer\|runtime error' | head -20)"
else
	ok "no sanitizer report from hallpassd"
fi
tap_end
