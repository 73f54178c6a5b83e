#!/bin/sh
# Smoke test of the namespace topology (tests/net/topo.sh) with real clients; prints TAP, exits non-zero on any failure.
# Uses its own prefix (default hp-smoke-) so it never tears down a topology someone else is using.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
T=$here/topo.sh
export TOPO_PREFIX="${TOPO_PREFIX:-hp-smoke-}"
. "$here/topo.env"
export TOPO_DIR

. "$here/tap.sh"
fails_fast() { # desc cmd... : passes if cmd fails (its own timeouts bound the time)
	_d=$1; shift
	if _out=$("$@" 2>&1); then nok "$_d" "unexpectedly succeeded: $_out"; else ok "$_d"; fi
}
in_ns() { _ns=$1; shift; ip netns exec "$TOPO_PREFIX$_ns" "$@"; }
joined() { "$@" | xargs; } # output words on one line, for multi-line answers
pidfile_pids() { for _f in "$TOPO_DIR"/*.pid; do [ -s "$_f" ] && tr -dc 0-9 <"$_f" && echo; done; }

# Whatever happens, leave nothing behind.
trap '"$T" down >/dev/null 2>&1 || true' EXIT
start=$(date +%s)

# ---- bring-up
"$T" down >/dev/null 2>&1 || true
check "topo.sh up" "$T" up
[ -r "$TOPO_DIR/topo.env" ] || { echo "Bail out! the topology did not come up"; exit 1; }
. "$TOPO_DIR/topo.env"
pids=$(pidfile_pids)
check "second up is a no-op" "$T" up
expect "second up kept the same daemons" "$pids" pidfile_pids
check "status reports up" "$T" status
expect "student has only lo and eth0" "eth0 lo" sh -c \
	"ip netns exec $NS_STUDENT ip -o link | awk -F': ' '{sub(/@.*/, \"\", \$2); print \$2}' | sort | xargs"
expect "student reaches upstream (IPv4) via the gateway" "via $GATEWAY_LAN_IP4 dev eth0" sh -c \
	"ip netns exec $NS_STUDENT ip route get $UPSTREAM_IP4 | grep -o 'via [^ ]* dev [^ ]*'"
expect "student reaches upstream (IPv6) via the gateway" "via $GATEWAY_LAN_IP6 dev eth0" sh -c \
	"ip netns exec $NS_STUDENT ip -6 route get $UPSTREAM_IP6 | grep -o 'via [^ ]* dev [^ ]*'"

# ---- DNS
DIG="dig +time=2 +tries=1 +short"
expect "dig UDP A over IPv4" "$UPSTREAM_IP4" in_ns student $DIG @"$UPSTREAM_IP4" www.allowed.test A
expect "dig TCP A over IPv4" "$UPSTREAM_IP4" in_ns student $DIG +tcp @"$UPSTREAM_IP4" www.allowed.test A
expect "dig UDP AAAA over IPv6" "$UPSTREAM_IP6" in_ns student $DIG @"$UPSTREAM_IP6" www.allowed.test AAAA
expect "dig TCP AAAA over IPv6" "$UPSTREAM_IP6" in_ns student $DIG +tcp @"$UPSTREAM_IP6" www.allowed.test AAAA
if command -v kdig >/dev/null; then
	KDIG="kdig +time=2 +retry=0 +short"
	expect "kdig UDP" "$UPSTREAM_IP4" in_ns student $KDIG @"$UPSTREAM_IP4" www.allowed.test A
	expect "kdig TCP over IPv6" "$UPSTREAM_IP6" in_ns student $KDIG +tcp @"$UPSTREAM_IP6" www.allowed.test AAAA
	expect "kdig DNS-over-TLS to dns.google's address" "$UPSTREAM_IP4" in_ns student $KDIG \
		+tls +tls-ca="$TOPO_CA" +tls-hostname=dns.google @"$DOH_GOOGLE_IP4" www.allowed.test A
else
	skip "kdig UDP" "kdig not installed"
	skip "kdig TCP over IPv6" "kdig not installed"
	skip "kdig DNS-over-TLS" "kdig not installed"
fi
expect "use-application-dns.net is NXDOMAIN" "NXDOMAIN" sh -c \
	"ip netns exec $NS_STUDENT dig +time=2 +tries=1 @$UPSTREAM_IP4 use-application-dns.net | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'"
# One dig with many questions: the answers come back in question order.
want4="" want6="" q4="" q6=""
for h in $TOPO_NAMES; do want4="$want4 $UPSTREAM_IP4" want6="$want6 $UPSTREAM_IP6" q4="$q4 $h A" q6="$q6 $h AAAA"; done
for pair in $TOPO_SPECIAL_NAMES; do
	h=${pair%%=*}; eval "want4=\"\$want4 \$${pair#*=}_IP4\"; want6=\"\$want6 \$${pair#*=}_IP6\""
	q4="$q4 $h A" q6="$q6 $h AAAA"
done
expect "every test name has its A record" "${want4# }" sh -c "ip netns exec $NS_STUDENT $DIG @$UPSTREAM_IP4 $q4 | xargs"
expect "every test name has its AAAA record" "${want6# }" sh -c "ip netns exec $NS_STUDENT $DIG @$UPSTREAM_IP4 $q6 | xargs"
expect "any NAME.wild.test resolves" "$UPSTREAM_IP4" in_ns student $DIG @"$UPSTREAM_IP4" n12345.wild.test A
if in_ns student $DIG @"$UPSTREAM_IP4" "$TOPO_HTTPS_RR_NAME" TYPE65 | grep -q alpn; then
	ok "HTTPS (type 65) record for $TOPO_HTTPS_RR_NAME"
else
	nok "HTTPS (type 65) record for $TOPO_HTTPS_RR_NAME"
fi
expect "the student's resolv.conf points at the upstream" "$UPSTREAM_IP4" sh -c \
	"ip netns exec $NS_STUDENT getent ahostsv4 www.allowed.test | awk 'NR==1{print \$1}'"

# ---- HTTP(S), resolving through the upstream's DNS (via /etc/netns/NS/resolv.conf)
CURL="curl -sS --connect-timeout 3 --max-time 10 --cacert $TOPO_CA"
expect "https by name" "ok www.allowed.test" in_ns student $CURL https://www.allowed.test/
expect "plain http by name" "ok www.allowed.test" in_ns student $CURL http://www.allowed.test/
expect "https over IPv6" "ok www.allowed.test $UPSTREAM_IP6" joined in_ns student $CURL -6 \
	-w ' %{remote_ip}' https://www.allowed.test/ -o /dev/stdout
expect "https over IPv4" "ok bet365.com $UPSTREAM_IP4" joined in_ns student $CURL -4 \
	-w ' %{remote_ip}' https://bet365.com/ -o /dev/stdout
expect "safe-search name on its own address" "ok forcesafesearch.google.com $SAFE_GOOGLE_IP4" joined in_ns student \
	$CURL -4 -w ' %{remote_ip}' https://forcesafesearch.google.com/ -o /dev/stdout
expect "keep-alive: second request reuses the connection" "1 0" sh -c \
	"ip netns exec $NS_STUDENT $CURL -o /dev/null -o /dev/null -w '%{num_connects}\n' https://www.allowed.test/ https://www.allowed.test/ | xargs"
expect "bulk endpoint /data/1m" "1048576" in_ns student $CURL -o /dev/null -w '%{size_download}' https://www.allowed.test/data/1m

# ---- the second student device
expect "student2: dig" "$UPSTREAM_IP4" in_ns student2 $DIG @"$UPSTREAM_IP4" www.allowed.test A
expect "student2: https over IPv4" "ok www.allowed.test" in_ns student2 $CURL -4 https://www.allowed.test/student2-probe
expect "student2: https over IPv6" "ok www.allowed.test" in_ns student2 $CURL -6 https://www.allowed.test/
if grep -q "^$STUDENT2_IP4 https www.allowed.test sni=www.allowed.test \"GET /student2-probe" "$TOPO_NGINX_ACCESS_LOG"; then
	ok "upstream sees student2's own address and SNI (no NAT)"
else
	nok "upstream sees student2's own address and SNI (no NAT)" "$(tail -n 5 "$TOPO_NGINX_ACCESS_LOG")"
fi
if grep -q "$STUDENT_IP4 www.allowed.test. A IN" "$TOPO_DNS_LOG"; then
	ok "upstream DNS query log names the student"
else
	nok "upstream DNS query log names the student" "$(tail -n 5 "$TOPO_DNS_LOG")"
fi
neigh=$(in_ns gateway ip neigh show dev "$GATEWAY_LAN_IF")
for s in "$STUDENT_IP4 $STUDENT_MAC" "$STUDENT2_IP4 $STUDENT2_MAC" "$STUDENT_IP6 $STUDENT_MAC"; do
	if printf '%s\n' "$neigh" | grep -q "^${s% *} lladdr ${s#* }"; then
		ok "gateway sees ${s% *} at ${s#* }"
	else
		nok "gateway sees ${s% *} at ${s#* }" "$neigh"
	fi
done
check "iperf3 1 s to the upstream" in_ns student iperf3 -c "$UPSTREAM_IP4" -p "$IPERF_PORT" -t 1 -O 0

# ---- only through the gateway: with forwarding off nothing gets through
in_ns gateway sysctl -q -w net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
# (The gateway drops silently when not forwarding, so a short connect timeout bounds these.)
fails_fast "forwarding off: IPv4 https fails" in_ns student curl -sS --connect-timeout 1 -4 \
	--cacert "$TOPO_CA" https://www.allowed.test/
fails_fast "forwarding off: IPv6 https fails" in_ns student curl -sS --connect-timeout 1 -6 \
	--cacert "$TOPO_CA" https://www.allowed.test/
fails_fast "forwarding off: DNS fails" in_ns student dig +time=1 +tries=1 +short @"$UPSTREAM_IP4" www.allowed.test
in_ns gateway sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
expect "forwarding back on: https works again" "ok www.allowed.test" in_ns student $CURL https://www.allowed.test/

# ---- tear-down leaves nothing
pids=$(pidfile_pids)
check "topo.sh down" "$T" down
expect "no namespace with prefix $TOPO_PREFIX left" "" sh -c "ip netns list | grep '^$TOPO_PREFIX' || true"
alive=""
for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
expect "no daemon from the pidfiles left ($(echo $pids))" "" echo "${alive# }"
expect "state dir and /etc/netns entries removed" "" sh -c \
	"ls -d $TOPO_DIR $TOPO_DIR.lock /etc/netns/$TOPO_PREFIX* 2>/dev/null || true"
check "second down is a no-op" "$T" down
trap - EXIT

echo "1..$n"
echo "# $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
