#!/bin/sh
# Namespace tests of "hallpass firewall": the rules as installed for IPv4 and IPv6, idempotence, modes, fail open/closed, errors, removal; TAP.
# Rules are checked in a namespace of our own (hpfw-PID); the forwarding checks use a topology of our own (tests/net/topo.sh, prefix hpfwPID-).
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
cd "$HALLPASS_TOP" || exit 1
NS=hpfw-$$
T=$HALLPASS_TOP/tests/net/topo.sh
tmp=$(mktemp -d /tmp/hallpass-fw.XXXXXX) || exit 1
topo_started=0
n=0 failed=0

cleanup() {
	ip netns del "$NS" 2>/dev/null
	if [ "$topo_started" = 1 ]; then
		TOPO_PREFIX=hpfw$$- "$T" down >/dev/null 2>&1
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		sed 's/^/#   out: /' "$tmp/out" | head -n 8
		sed 's/^/#   err: /' "$tmp/err" | head -n 8
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

inns() { ip netns exec "$NS" "$@"; }

# hp RC ARGS...: true if "hallpass ARGS" in our namespace exits with RC and no sanitizer spoke.
hp() {
	want=$1
	shift
	inns "$HALLPASS" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null; then
		echo "# sanitizer report: $*"
		return 1
	fi
	[ "$got" -eq "$want" ] || { echo "# exit $got, wanted $want: $*"; return 1; }
}

# conf NAME YAML: a config directory, the base fixture with this hallpass.yaml.
conf() {
	mkdir -p "$tmp/$1"
	cp -r tests/fixtures/base/. "$tmp/$1/"
	printf '%s' "$2" >"$tmp/$1/hallpass.yaml"
	echo "$tmp/$1"
}

# Both families' filter tables without comments and counters, for "nothing changed" checks.
saved() {
	for f in iptables ip6tables; do
		inns "$f-save" -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
	done
}

# The rules "up" installs, as iptables -S prints them; $1 is the NFQUEUE target's options.
want_main() {
	q=$1
	cat <<EOF
-N HALLPASS
-A HALLPASS -m mark --mark 0x10000/0x30000 -j CONNMARK --save-mark --nfmask 0x30000 --ctmask 0x30000
-A HALLPASS -m mark --mark 0x10000/0x30000 -j ACCEPT
-A HALLPASS -m mark --mark 0x20000/0x30000 -j CONNMARK --save-mark --nfmask 0x30000 --ctmask 0x30000
-A HALLPASS -m mark --mark 0x20000/0x30000 -j DROP
-A HALLPASS -p udp -m udp --dport 53 -j NFQUEUE $q
-A HALLPASS -p tcp -m tcp --dport 53 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT
-A HALLPASS -p tcp -m tcp --dport 53 -m conntrack --ctdir ORIGINAL -j NFQUEUE $q
-A HALLPASS -m connmark --mark 0x10000/0x30000 -j ACCEPT
-A HALLPASS -m connmark --mark 0x20000/0x30000 -j DROP
-A HALLPASS -p udp -m udp --sport 53 -m conntrack --ctdir REPLY -j NFQUEUE $q
-A HALLPASS -m conntrack --ctdir REPLY -j ACCEPT
-A HALLPASS -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT
-A HALLPASS -p tcp -j NFQUEUE $q
-A HALLPASS -p udp -j NFQUEUE $q
EOF
}

# chain_is FAMILY CHAIN EXPECTED-FILE
chain_is() {
	inns "$1" -S "$2" >"$tmp/got" 2>&1 && cmp -s "$tmp/got" "$3" ||
	    { diff "$3" "$tmp/got" | sed 's/^/# /' | head -n 10; return 1; }
}

# first_rule FAMILY CHAIN: the chain's rule 1 as -S prints it.
first_rule() { inns "$1" -S "$2" | grep -m1 '^-A '; }

for c in ip iptables ip6tables iptables-save ip6tables-save; do
	command -v "$c" >/dev/null || { echo "1..0 # SKIP $c not installed"; exit 0; }
done
ip netns add "$NS" || { echo "Bail out! cannot create namespace $NS"; exit 1; }
inns ip link set lo up

open1=$(conf open1 'queues: [0]
fail: open
')
closed1=$(conf closed1 'queues: [7]
fail: closed
')
open3=$(conf open3 'queues: [4, 2, 3]
fail: open
')
gaps=$(conf gaps 'queues: [0, 2]
')
bad=$(conf bad 'queues: [0]
fail: sometimes
')

# ---- up, fail open, one queue
# Accounting off first (when conntrack is already loaded) so that "up" is seen turning it on.
[ -w /proc/sys/net/netfilter/nf_conntrack_acct ] && inns sh -c 'echo 0 >/proc/sys/net/netfilter/nf_conntrack_acct'
hp 0 -c "$open1" firewall up && grep -q 'gateway mode, fail open' "$tmp/out"
ok $? "up (fail open, queue 0) exits 0"
for f in iptables ip6tables; do
	want_main "--queue-num 0 --queue-bypass" >"$tmp/want"
	chain_is $f HALLPASS "$tmp/want"
	ok $? "$f: HALLPASS holds the mark, DNS, connmark, reply, SYN, TCP and QUIC rules in order, with --queue-bypass"
	[ "$(first_rule $f FORWARD)" = "-A FORWARD -j HALLPASS" ]
	ok $? "$f: FORWARD rule 1 jumps to HALLPASS"
done
[ "$(inns cat /proc/sys/net/netfilter/nf_conntrack_acct)" = 1 ]
ok $? "up turns on nf_conntrack_acct in the namespace"
hp 0 firewall status && grep -q '^IPv4: installed, gateway mode: 14 rules in HALLPASS, jumped to from rule 1' "$tmp/out" &&
    grep -q '^IPv6: installed, gateway mode' "$tmp/out" && grep -q -- '--queue-bypass' "$tmp/out"
ok $? "status prints both families' rules and exits 0"

# ---- idempotent, even with a stray second jump someone added
saved >"$tmp/before"
hp 0 -c "$open1" firewall up && saved >"$tmp/after" && cmp -s "$tmp/before" "$tmp/after"
ok $? "up twice gives the same tables"
inns iptables -A FORWARD -j HALLPASS && inns ip6tables -A FORWARD -j HALLPASS
hp 1 firewall status && grep -q 'NOT jumped to as "up" installs it' "$tmp/out"
ok $? "status exits 1 when the jump is not the one up installs (a second one)"
hp 0 -c "$open1" firewall up && saved >"$tmp/after" && cmp -s "$tmp/before" "$tmp/after" &&
    [ "$(inns iptables -S FORWARD | grep -c -- '-j HALLPASS')" = 1 ] &&
    [ "$(inns ip6tables -S FORWARD | grep -c -- '-j HALLPASS')" = 1 ]
ok $? "up removes stray jumps: exactly one jump, at rule 1"
inns iptables -I FORWARD 1 -p icmp -j ACCEPT
hp 0 -c "$open1" firewall up && [ "$(first_rule iptables FORWARD)" = "-A FORWARD -j HALLPASS" ] &&
    [ "$(inns iptables -S FORWARD | grep -c -- '-j HALLPASS')" = 1 ]
ok $? "up moves the jump back to rule 1 above a rule inserted before it"
inns iptables -D FORWARD -p icmp -j ACCEPT

# ---- fail closed, several queues
hp 0 -c "$closed1" firewall up && ! saved | grep -q -- '--queue-bypass'
ok $? "fail closed: no --queue-bypass anywhere (no daemon means drop)"
want_main "--queue-num 7" >"$tmp/want"
chain_is ip6tables HALLPASS "$tmp/want"
ok $? "fail closed: ip6tables rules queue to 7"
hp 0 -c "$open3" firewall up
ok $? "up with queues [4, 2, 3]"
for f in iptables ip6tables; do
	want_main "--queue-balance 2:4 --queue-bypass --queue-cpu-fanout" >"$tmp/want"
	chain_is $f HALLPASS "$tmp/want"
	ok $? "$f: several queues are one --queue-balance range with --queue-cpu-fanout"
done

# ---- errors change nothing
saved >"$tmp/before"
hp 1 -c "$gaps" firewall up && grep -q 'contiguous' "$tmp/err" && grep -q 'no rule was changed' "$tmp/err" &&
    saved >"$tmp/after" && cmp -s "$tmp/before" "$tmp/after"
ok $? "queues that are not contiguous: exit 1, clear message, tables unchanged"
hp 1 -c "$bad" firewall up && grep -Eq "^$bad/hallpass.yaml:2:7: " "$tmp/err" &&
    saved >"$tmp/after" && cmp -s "$tmp/before" "$tmp/after"
ok $? "a bad hallpass.yaml: FILE:LINE:COL error, exit 1, tables unchanged"
mkdir -p "$tmp/fakebin"
printf '#!/bin/sh\ncat >/dev/null\necho "iptables-restore: line 3 failed: something broke" >&2\nexit 1\n' >"$tmp/fakebin/iptables-restore"
chmod +x "$tmp/fakebin/iptables-restore"
inns env PATH="$tmp/fakebin:$PATH" "$HALLPASS" -c "$open1" firewall up >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'iptables-restore failed (exit 1): iptables-restore: line 3 failed: something broke' "$tmp/err" &&
    saved >"$tmp/after" && cmp -s "$tmp/before" "$tmp/after"
ok $? "a failing iptables-restore: exit 1 with its stderr, tables unchanged"
inns env PATH=/nonexistent "$HALLPASS" -c "$open1" firewall up >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'cannot run iptables-save: No such file or directory' "$tmp/err"
ok $? "no iptables in PATH: exit 1 naming the missing program"
hp 2 firewall && hp 2 firewall sideways && hp 2 -c "$open1" firewall up --mode bridge && hp 2 firewall up down
ok $? "usage errors exit 2"

# ---- hotspot mode adds the INPUT chain; gateway mode takes it away again
hp 0 -c "$open1" firewall up --mode hotspot && grep -q 'hotspot mode' "$tmp/out"
ok $? "up --mode hotspot"
cat >"$tmp/want" <<'EOF'
-N HALLPASS_IN
-A HALLPASS_IN -m mark --mark 0x10000/0x30000 -j CONNMARK --save-mark --nfmask 0x30000 --ctmask 0x30000
-A HALLPASS_IN -m mark --mark 0x10000/0x30000 -j ACCEPT
-A HALLPASS_IN -m mark --mark 0x20000/0x30000 -j CONNMARK --save-mark --nfmask 0x30000 --ctmask 0x30000
-A HALLPASS_IN -m mark --mark 0x20000/0x30000 -j DROP
-A HALLPASS_IN -p udp -m udp --dport 53 -j NFQUEUE --queue-num 0 --queue-bypass
-A HALLPASS_IN -p tcp -m tcp --dport 53 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT
-A HALLPASS_IN -p tcp -m tcp --dport 53 -m conntrack --ctdir ORIGINAL -j NFQUEUE --queue-num 0 --queue-bypass
EOF
for f in iptables ip6tables; do
	chain_is $f HALLPASS_IN "$tmp/want" && [ "$(first_rule $f INPUT)" = "-A INPUT -j HALLPASS_IN" ] &&
	    [ "$(first_rule $f FORWARD)" = "-A FORWARD -j HALLPASS" ]
	ok $? "$f: hotspot mode: INPUT rule 1 jumps to HALLPASS_IN (DNS only), FORWARD still to HALLPASS"
done
hp 0 -c "$open1" firewall up --mode hotspot && [ "$(inns iptables -S INPUT | grep -c HALLPASS_IN)" = 1 ]
ok $? "hotspot up twice: one INPUT jump"
hp 0 firewall status && grep -q '^IPv4: installed, hotspot mode' "$tmp/out"
ok $? "status names hotspot mode"
hp 0 -c "$open1" firewall up && ! saved | grep -q HALLPASS_IN
ok $? "up in gateway mode removes the hotspot chain and its jump"

# ---- down leaves nothing
inns iptables -A INPUT -j ACCEPT
inns iptables -N OTHER
hp 0 firewall down && grep -q 'rules removed' "$tmp/out" && ! saved | grep -q HALLPASS
ok $? "down: no trace of HALLPASS in iptables-save or ip6tables-save"
inns iptables -S INPUT | grep -qx -- '-A INPUT -j ACCEPT' && inns iptables -S OTHER >/dev/null
ok $? "down leaves other rules and chains alone"
hp 0 firewall down && grep -q 'nothing was installed' "$tmp/out"
ok $? "down twice exits 0"
hp 1 firewall status && grep -q '^IPv4: not installed' "$tmp/out" && grep -q '^IPv6: not installed' "$tmp/out"
ok $? "status after down exits 1: not installed"
hp 0 -c "$open1" firewall up --mode hotspot && hp 0 firewall down && ! saved | grep -q HALLPASS
ok $? "down after hotspot mode removes both chains and both jumps"
hp 0 -c "$bad" firewall down
ok $? "down does not need a valid config"

# ---- through a real gateway: fail closed without a daemon drops, fail open passes
export TOPO_PREFIX=hpfw$$-
unset TOPO_DIR
. tests/net/topo.env
export TOPO_DIR
topo_started=1
if ! "$T" up >"$tmp/topo.log" 2>&1; then
	sed 's/^/# topo: /' "$tmp/topo.log" | tail -n 5
	for d in "closed: TCP data dropped" "closed: IPv6 TCP data dropped" "closed: DNS dropped" \
	    "closed: other UDP passes" "open: HTTPS passes" "open: DNS passes" "down: HTTPS passes"; do
		skip "$d" "the test topology did not come up"
	done
else
	. "$TOPO_DIR/topo.env"
	gw() { ip netns exec "$NS_GATEWAY" "$@"; }
	st() { ip netns exec "$NS_STUDENT" "$@"; }
	CURL="curl -sS -o /dev/null --cacert $TOPO_CA --connect-timeout 2 --max-time 3"
	gw "$HALLPASS" -c "$closed1" firewall up >"$tmp/out" 2>"$tmp/err"
	# Timed out (28) in the TLS handshake, not in connect(): the SYN went through, the ClientHello was dropped.
	st $CURL "https://$UPSTREAM_IP4/" >"$tmp/out" 2>"$tmp/err"
	[ $? -eq 28 ] && grep -q 'SSL connection timeout' "$tmp/err"
	ok $? "closed, no daemon: the TCP handshake passes, its first data packet is dropped"
	st $CURL -g "https://[$UPSTREAM_IP6]/" >"$tmp/out" 2>"$tmp/err"
	[ $? -eq 28 ] && grep -q 'SSL connection timeout' "$tmp/err"
	ok $? "closed, no daemon: same over IPv6"
	! st dig +time=1 +tries=1 +short @"$UPSTREAM_IP4" www.allowed.test A >"$tmp/out" 2>"$tmp/err"
	ok $? "closed, no daemon: DNS is dropped"
	# The first datagram of any UDP flow is queued (port rules): closed means it goes nowhere.
	st dig +time=1 +tries=1 -p 5353 @"$UPSTREAM_IP4" www.allowed.test A >"$tmp/out" 2>"$tmp/err"
	grep -qi 'timed out' "$tmp/out" "$tmp/err" && ! grep -qi 'refused' "$tmp/out" "$tmp/err"
	ok $? "closed, no daemon: other UDP is queued too, so it is dropped"
	gw "$HALLPASS" -c "$open1" firewall up >"$tmp/out" 2>"$tmp/err"
	st $CURL "https://$UPSTREAM_IP4/" >"$tmp/out" 2>"$tmp/err"
	ok $? "open, no daemon: HTTPS passes (--queue-bypass)"
	[ "$(st dig +time=2 +tries=1 +short @"$UPSTREAM_IP4" www.allowed.test A 2>"$tmp/err")" = "$UPSTREAM_IP4" ]
	ok $? "open, no daemon: DNS passes"
	gw "$HALLPASS" -c "$closed1" firewall up >"$tmp/out" 2>"$tmp/err"
	gw "$HALLPASS" firewall down >"$tmp/out" 2>"$tmp/err"
	st $CURL -6 -g "https://[$UPSTREAM_IP6]/" >"$tmp/out" 2>"$tmp/err"
	ok $? "after down (from fail closed): HTTPS passes again"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
