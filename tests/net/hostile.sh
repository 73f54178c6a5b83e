#!/bin/sh
# Hostile traffic at the gateway: overlapping TCP segments that disagree, a queue-full flood, hallpassd killed with -9 under load and restarted by a supervisor, SIGHUP under load; prints TAP.
# Its own topology prefix (hpq-) and queue (12) keep it apart from the other namespace tests.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${HALLPASS_BUILD:-build/test}
HALLPASS=${HALLPASS:-$top/$build/hallpass}
HALLPASSD=${HALLPASSD:-$(dirname "$HALLPASS")/hallpassd}
HP_SEND=${HP_SEND:-$(dirname "$HALLPASS")/tests/hp_send}
T=$here/topo.sh
export TOPO_PREFIX="${TOPO_PREFIX:-hpq-}"
. "$here/topo.env"
export TOPO_DIR
. "$here/tap.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
QUEUE=12
work=$(mktemp -d /tmp/hallpass-hostile.XXXXXX)
cfg=$work/etc
suppid=
cleanup() {
	touch "$work/stop"
	for _s in A B; do [ ! -s "$work/$_s.pid" ] || kill "$(cat "$work/$_s.pid")" 2>/dev/null; done
	[ -z "$suppid" ] || wait $suppid 2>/dev/null
	ip netns exec "${TOPO_PREFIX}gateway" "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1
	"$T" down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ] || ! [ -x "$HALLPASSD" ] || ! [ -x "$HP_SEND" ]; then
	skip "hostile traffic at the gateway" "needs root, $HALLPASSD and $HP_SEND"
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
ms() { echo $(($(date +%s%N) / 1000000)); }
db() { sqlite3 "$work/hallpass.db" "$1" 2>/dev/null || echo -1; }
# Two supervised hallpassd --standby (slots A and B): one filters, the other waits to take over.
active() { # the slot filtering now
	for _s in A B; do
		[ "$(grep -E "standby:|filtering on" "$work/$_s.log" 2>/dev/null | tail -1 | grep -c "filtering on")" = 1 ] &&
			kill -0 "$(cat "$work/$_s.pid")" 2>/dev/null && { echo $_s; return; }
	done
	echo none
}
dpid() { cat "$work/$(active).pid"; }
dlog() { echo "$work/$(active).log"; }
# The kernel's counts for our queue: "queue_dropped user_dropped" (full queue, socket overrun).
qdrops() { gw awk -v q=$QUEUE '$1 == q { print $6, $7 }' /proc/net/netfilter/nfnetlink_queue; }
# hallpassd's own count of packets read (SIGUSR1 logs its counters).
packets() {
	_l=$(dlog)
	_c=$(grep -c "packets [0-9]* (pending" "$_l")
	kill -USR1 "$(dpid)"
	_i=0
	while [ "$(grep -c "packets [0-9]* (pending" "$_l")" -le "$_c" ] && [ $_i -lt 100 ]; do
		sleep 0.02; _i=$((_i + 1))
	done
	grep "packets [0-9]* (pending" "$_l" | tail -1 | sed 's/.*packets \([0-9]*\) (pending.*/\1/'
}
reloads() { grep -c "reloaded" "$(dlog)"; }
field() { # name "sent S answered A ..." → the number after name
	printf '%s\n' "$2" | sed -n "s/.* *$1 \([0-9]*\).*/\1/p;s/^$1 \([0-9]*\).*/\1/p" | head -1
}

# --- configuration: kids (s1) block gambling; hallpassd drops to nobody as in hallpassd.sh ---
chmod 0755 "$work"
mkdir -p "$cfg/rules.d"
printf 'category: gambling\ndescription: test gambling\ndomains: [bet365.com]\n' >"$cfg/rules.d/gambling.yaml"
cp "$top/rules/aup.yaml" "$cfg/"
cat >"$cfg/policy.yaml" <<EOF
timezone: UTC
default_group: kids
groups:
  kids:
    block: [gambling]
students:
  s1:
    name: Ana
    group: kids
    devices:
      - mac: "$STUDENT_MAC"
  s2:
    name: Ben
    group: kids
    devices:
      - mac: "$STUDENT2_MAC"
EOF
write_conf() { # fail flood queue_maxlen
	cat >"$cfg/hallpass.yaml" <<EOF
queues: [$QUEUE]
fail: $1
flood: $2
queue_maxlen: $3
database: $work/hallpass.db
dns_block: nxdomain
log_level: info
user: nobody
EOF
}
write_conf closed closed 8192
check "the test configuration is valid" "$HALLPASS" -c "$cfg" rules check
check "firewall up in the gateway (queue $QUEUE, fail closed: no --queue-bypass)" gw "$HALLPASS" -c "$cfg" firewall up

# The supervisor: what systemd's Restart= does, per slot, started again at once when it dies.
supervise() { # slot
	while [ ! -e "$work/stop" ]; do
		ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" --standby >>"$work/$1.log" 2>&1 &
		echo $! >"$work/$1.pid"
		wait $!
		echo "$1 exit $? at $(ms)" >>"$work/supervisor.log"
	done
}
: >"$work/A.log"
: >"$work/B.log"
supervise A &
suppid=$!
i=0
while [ "$(active)" != A ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
expect "hallpassd starts on queue $QUEUE under the supervisor" A active
supervise B &
suppid="$suppid $!"
i=0
while ! grep -q "standby:" "$work/B.log" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
contains "a second one (--standby) waits for the queue" "standby: another hallpassd holds the queues" cat "$work/B.log"
contains "the first line states both fail modes" "(fail closed, flood closed)" grep "filtering on" "$work/A.log"
expect "filtering: a blocked name gets NXDOMAIN" NXDOMAIN sh -c \
	'ip netns exec "$1" dig +tries=1 +time=2 "@$2" bet365.com A | sed -n "s/.*status: \([A-Z]*\).*/\1/p"' - "$NS_STUDENT" "$DNS_IP4"

# --- 1. overlapping TCP segments that disagree ---
# hp_send makes the connection by hand; the student's kernel must not reset it for us.
st1 iptables -A OUTPUT -p tcp --sport 47000:47999 --tcp-flags RST RST -j DROP
ov() { st1 "$HP_SEND" overlap "$UPSTREAM_IP4" "$@" 2>&1; }
expect "overlap control: HTTP sent twice with the same bytes reaches the server" "data ok allowed.test" \
	ov 80 47001 http allowed.test allowed.test
expect "overlap HTTP, benign copy first then a blocked Host: the flow is reset" reset \
	ov 80 47002 http allowed.test bet365.com
expect "overlap HTTP, blocked Host first then a benign copy: the flow is reset" reset \
	ov 80 47003 http bet365.com allowed.test
expect "overlap control: a split ClientHello sent twice alike gets the server's answer" "data tls" \
	ov 443 47004 tls www.okay12.org www.okay12.org
expect "overlap TLS, benign SNI first then a blocked one: reset" reset \
	ov 443 47005 tls www.okay12.org www.bet365.com
expect "overlap TLS, blocked SNI first then a benign one: reset" reset \
	ov 443 47006 tls www.bet365.com www.okay12.org
i=0
while [ "$(db "SELECT count(*) FROM events WHERE reason = 'tcp-overlap'")" -lt 4 ] && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
expect "the four are recorded as blocked, reason tcp-overlap" "4|4" \
	db "SELECT count(*), sum(action = 'block') FROM events WHERE reason = 'tcp-overlap'"
lacks "no request for the blocked name reached the server" "bet365" cat "$TOPO_NGINX_ACCESS_LOG"
contains "SIGUSR1 counts them (overlaps 4)" "overlaps 4;" sh -c 'kill -USR1 "$1"; sleep 0.3; grep "packets [0-9]* (pending" "$2" | tail -1' - "$(dpid)" "$(dlog)"

# --- 2. a queue-full flood: what it lets through, flood: closed and open ---
# A 64-packet queue and a UDP flood from the other student fill it; meanwhile the student asks
# 300 times for the blocked name. Answered = the upstream's address = passed unjudged.
flood_run() { # flood-mode → sets probe, qd
	write_conf closed "$1" 64
	_r=$(reloads)
	kill -HUP "$(dpid)"
	_i=0
	while [ "$(reloads)" -le "$_r" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
	_q0=$(qdrops)
	st2 "$HP_SEND" flood "$UPSTREAM_IP4" 443 4 >"$work/flood.out" 2>&1 &
	_fp=$!
	sleep 0.5
	probe=$(st1 "$HP_SEND" dnsprobe "$DNS_IP4" bet365.com 300 5000)
	wait $_fp
	_q1=$(qdrops)
	qd=$(( ${_q1% *} - ${_q0% *} ))
	echo "# flood: $1: $(cat "$work/flood.out") flood packets; probes: $probe; kernel queue_dropped +$qd"
}
flood_run closed
contains "queue_maxlen is applied on reload" "reload: applying queue_maxlen" cat "$(dlog)"
check "flood: closed: the flood filled the queue (kernel dropped $qd)" test "$qd" -gt 0
expect "flood: closed: no question for the blocked name passed unjudged" 0 field answered "$probe"
closed_nx=$(field nxdomain "$probe") closed_lost=$(field lost "$probe")
check "flood: closed: the ones judged still got NXDOMAIN ($closed_nx judged, $closed_lost dropped)" test "${closed_nx:-0}" -gt 0
flood_run open
contains "flood is applied on reload" "reload: applying flood" cat "$(dlog)"
leaked=$(field answered "$probe")
check "flood: open: a full queue lets the blocked name through unjudged ($leaked of 300)" test "${leaked:-0}" -gt 0
expect "flood: open: the kernel drops nothing (fail-open accepts instead)" 0 echo "$qd"
write_conf closed closed 8192
kill -HUP "$(dpid)"
sleep 0.5

# --- 3. kill -9 under load: the fail mode holds, the standby filters within 1 s, the supervisor restarts the dead one ---
# Activity first: 20 distinct names, committed before the kill.
for k in $(seq 1 20); do st1 dig +tries=1 +time=1 "@$DNS_IP4" "n$k.wild.test" A >/dev/null 2>&1; done
i=0
while [ "$(db "SELECT count(*) FROM events WHERE host LIKE 'n%.wild.test'")" -lt 20 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
before=$(db "SELECT count(*) FROM events")
check "20 events committed before the kill ($before rows in all)" test "$(db "SELECT count(*) FROM events WHERE host LIKE 'n%.wild.test'")" -eq 20
# Load across the kill: the blocked name every 5 ms for 3 s from one student, 5000 packets/s from the other.
st2 "$HP_SEND" flood "$UPSTREAM_IP4" 443 3 5000 >/dev/null 2>&1 &
fp=$!
st1 "$HP_SEND" dnsprobe "$DNS_IP4" bet365.com 600 5000 >"$work/kill.probe" 2>&1 &
pp=$!
sleep 0.7
was=$(active)
old=$(dpid)
t0=$(ms)
kill -9 "$old"
wait $pp $fp
# How long nothing was judged: the longest silence between two answers to the probes (one every 5 ms).
probe=$(cat "$work/kill.probe")
restart=$(field gap_ms "$probe")
echo "# kill -9: probes across it: $probe"
now=$(active)
echo "# killed $was at $(date -u -d @$((t0 / 1000)) +%T).$((t0 % 1000)); $now filtering since $(grep "filtering on" "$work/$now.log" | tail -1 | cut -c12-23)"
check "the standby took over (was $was, now $now)" test "$now" != "$was" -a "$now" != none
check "filtering again within 1 s of the kill (${restart:-?} ms)" test "${restart:-9999}" -lt 1000
i=0
while [ "$(grep -c "standby:" "$work/$was.log")" -lt 1 ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
check "the supervisor restarted the killed one, now the standby" sh -c \
	'[ "$(cat "$1")" != "$2" ] && kill -0 "$(cat "$1")" && grep -q "standby:" "$3"' - "$work/$was.pid" "$old" "$work/$was.log" ||
	tail -5 "$work/$was.log" "$work/supervisor.log" | sed 's/^/#   /'
expect "fail: closed held: no question for the blocked name passed while it was down" 0 field answered "$probe"
after=$(db "SELECT count(*) FROM events")
check "no committed activity lost ($before rows before, $after after)" test "$after" -ge "$before"
expect "the database is intact after the kill" ok db "PRAGMA integrity_check"
st1 dig +tries=1 +time=1 "@$DNS_IP4" after-kill.wild.test A >/dev/null 2>&1
i=0
while [ "$(db "SELECT count(*) FROM events WHERE host = 'after-kill.wild.test'")" -lt 1 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect "the restarted daemon records again" 1 db "SELECT count(*) FROM events WHERE host = 'after-kill.wild.test'"

# --- 4. SIGHUP under load: nothing queued is dropped, verdicts do not wait for the load ---
# A rule set that takes a while to load: 100000 names.
awk 'BEGIN { print "category: big\ndescription: load time\ndomains:"; for (i = 0; i < 100000; i++) printf "  - big%d.example\n", i }' \
	>"$cfg/rules.d/big.yaml"
r0=$(reloads)
kill -HUP "$(dpid)"
t0=$(ms)
i=0
while [ "$(reloads)" -le "$r0" ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i + 1)); done
load_ms=$(($(ms) - t0))
check "a reload of 100000 names is applied (${load_ms} ms)" test "$(reloads)" -gt "$r0"
p0=$(packets)
q0=$(qdrops)
r0=$(reloads)
# 1500 questions, one every 2 ms, with two reloads during them.
st1 "$HP_SEND" dnsprobe "$DNS_IP4" allowed.test 1500 2000 >"$work/hup.probe" 2>&1 &
pp=$!
sleep 0.3
kill -HUP "$(dpid)"
i=0
while [ "$(reloads)" -le "$r0" ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i + 1)); done
kill -HUP "$(dpid)"
wait $pp
i=0
while [ "$(reloads)" -lt $((r0 + 2)) ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i + 1)); done
probe=$(cat "$work/hup.probe")
p1=$(packets)
q1=$(qdrops)
echo "# SIGHUP under load: probes: $probe; hallpassd read $((p1 - p0)) packets; kernel drops $q0 -> $q1; one load takes ${load_ms} ms"
check "both reloads under load were applied" test "$(reloads)" -ge $((r0 + 2))
answered=$(field answered "$probe")
expect "the kernel dropped nothing from the queue (queue_dropped, user_dropped)" "$q0" echo "$q1"
check "hallpassd read every question and every answer ($((p1 - p0)) packets >= 1500 + $answered)" \
	test $((p1 - p0)) -ge $((1500 + answered))
check "the questions were answered ($answered of 1500)" test "${answered:-0}" -ge 1450
maxms=$(field max_ms "$probe")
# A stall would last as long as a load; under 300 ms is scheduling noise on a busy machine.
check "no verdict waited for the load (slowest answer ${maxms} ms, a load takes ${load_ms} ms)" \
	test "${maxms:-9999}" -lt 1000 -a \( "${maxms:-9999}" -lt $((load_ms / 2)) -o "${maxms:-9999}" -lt 300 \)

touch "$work/stop"
kill "$(cat "$work/A.pid")" "$(cat "$work/B.pid")"
wait $suppid
suppid=
lacks "no sanitizer report from any hallpassd" "ERROR: AddressSanitizer" cat "$work/A.log" "$work/B.log"
lacks "no UBSan report" "runtime error" cat "$work/A.log" "$work/B.log"
tap_end
