#!/bin/sh
# net-bench.sh: the `make bench` network section: plain forwarding vs dnsmasq vs hallpassd on one namespace topology, one run.
#
# usage: bench/net-bench.sh            (root; run-bench.sh calls it; see bench/README.md)
#
# Brings up tests/net/topo.sh under its own prefix (hp-bench-, no nginx/unbound logging),
# builds a config of ~1M blocked domains (the UT1 lists under shared/blocklists/ut1 plus
# generated names), then measures from the student namespace, one mode at a time:
#   plain      the gateway forwards, no rules, no daemon (the physical limit)
#   dnsmasq    dnsmasq in the gateway given the same list as address=/NAME/, queried directly
#   hallpassd  `hallpass firewall up` + hallpassd with the list (fail: open, log_level: warn)
# bulk TCP (iperf3, 1 and 4 streams), DNS (dnsperf: qps saturated, p50/p99 at a fixed rate),
# new HTTPS and HTTP connections/s (wrk, Connection: close), load time, RSS and daemon CPU.
# Prints a table; writes bench/results/net-TIMESTAMP.json (and a copy as net.json).
# Exit 0 when measured (targets missed are MISS, not failures) or skipped (not root, tools
# missing); 1 when the setup fails (topology, config, a daemon that does not start).
#
# Environment: HALLPASS_BUILD (build/rel), NET_BENCH_PREFIX (hp-bench-), NET_BENCH_DOMAINS
# (1000000), NET_BENCH_SECS (3, per measurement), NET_BENCH_ROUNDS (3; figures are medians),
# NET_BENCH_DNS_RATE (2000, qps of the latency run), NET_BENCH_LAT_SECS (2, its length),
# NET_BENCH_UT1 (../shared/blocklists/ut1), NET_BENCH_QUEUES ([0]).
set -u

cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
B=${HALLPASS_BUILD:-build/rel}
case $B in /*) ;; *) B=$top/$B ;; esac
HALLPASS=$B/hallpass
HALLPASSD=$B/hallpassd
RESULTS=$top/bench/results
T=$top/tests/net/topo.sh
DOMAINS=${NET_BENCH_DOMAINS:-1000000}
SECS=${NET_BENCH_SECS:-3}
ROUNDS=${NET_BENCH_ROUNDS:-3}
LAT_SECS=${NET_BENCH_LAT_SECS:-2}
DNS_RATE=${NET_BENCH_DNS_RATE:-2000}
UT1=${NET_BENCH_UT1:-$top/../shared/blocklists/ut1}
QUEUES=${NET_BENCH_QUEUES:-[0]}
export TOPO_PREFIX="${NET_BENCH_PREFIX:-hp-bench-}" TOPO_LOG=0
. "$top/tests/net/topo.env"
export TOPO_DIR

say() { echo "net: $*" >&2; }
die() { echo "net: $*" >&2; exit 1; }

echo "== net: plain forwarding vs dnsmasq vs hallpassd, through the gateway namespace"
if [ "$(id -u)" != 0 ]; then
	echo "net: skipped (needs root for network namespaces)"
	exit 0
fi
missing=""
for c in ip iptables iperf3 dnsperf dnsmasq wrk dig unbound nginx ss awk; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
[ -x "$HALLPASSD" ] && [ -x "$HALLPASS" ] || missing="$missing $HALLPASSD"
if [ -n "$missing" ]; then
	echo "net: skipped (missing:$missing; make deps installs them)"
	exit 0
fi

work=$(mktemp -d /tmp/hallpass-netbench.XXXXXX)
cfg=$work/etc
dpid="" mpid=""
stop_pid() { # pid: TERM, wait up to 5 s, then KILL
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	_n=100
	while kill -0 "$1" 2>/dev/null && [ $_n -gt 0 ]; do sleep 0.05; _n=$((_n - 1)); done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
cleanup() {
	stop_pid "$dpid"; dpid=""
	stop_pid "$mpid"; mpid=""
	[ -e "/run/netns/$NS_GATEWAY" ] &&
		ip netns exec "$NS_GATEWAY" "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1
	"$T" down >/dev/null 2>&1
	rm -rf "$work"
}
# shellcheck disable=SC2317 # called by the trap
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

t_start=$(date +%s)
"$T" up >"$work/topo.log" 2>&1 || die "topology up failed: $(tail -3 "$work/topo.log")"
. "$TOPO_DIR/topo.env"
gw() { ip netns exec "$NS_GATEWAY" "$@"; }
st() { ip netns exec "$NS_STUDENT" "$@"; }
# Many short connections: a wide port range and TIME_WAIT reuse on the client side.
st sysctl -q -w net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1

# ---------------------------------------------------------------- the 1M-domain config

mkdir -p "$cfg/rules.d" || die "mkdir $cfg"
cats=""
if [ -d "$UT1" ]; then
	for d in "$UT1"/*/; do
		n=$(basename "$d")
		[ -s "$d/domains" ] || continue
		# The whitelists are not block lists.
		case $n in liste_blanche | liste_bu | exceptions_liste_bu) continue ;; esac
		c=$(printf '%s' "$n" | tr -c 'a-z0-9_' '_')
		"$HALLPASS" import ut1 "$d" --category "$c" -o "$cfg/rules.d/$c.yaml" 2>>"$work/import.log" ||
			die "hallpass import ut1 $d failed: $(tail -2 "$work/import.log")"
		cats="$cats${cats:+, }$c"
	done
fi
# The names each category file lists (domains: only, not urls:), one a line.
for f in "$cfg"/rules.d/*.yaml; do
	[ -e "$f" ] || continue
	awk '/^domains:/ { d = 1; next } /^[a-z]/ { d = 0 } d && /^- / { print $2 }' "$f"
done | tr -d '"' | sort -u >"$work/ut1.txt"
n_ut1=$(wc -l <"$work/ut1.txt")
n_gen=$((DOMAINS - n_ut1))
[ $n_gen -ge 0 ] || n_gen=0
# Generated names, blocklist-like (cdn3.betkazomi.xyz), unique by construction: the last six
# letters of the first label spell the index in base 100 syllables.
awk -v n="$n_gen" 'BEGIN {
	srand(42)
	split("b c d f g h j k l m n p r s t v w x y z", C, " ")
	split("a e i o u", V, " ")
	nw = split("bet casino poker slot win lucky free cash game play stream movie deal tube cam chat porn vpn proxy hack", W, " ")
	nt = split("com net org info xyz top site online ru de fr io co biz club", TL, " ")
	for (i = 0; i < n; i++) {
		x = i; e = ""
		for (k = 0; k < 3; k++) { s = x % 100; x = int(x / 100); e = e C[int(s / 5) + 1] V[s % 5 + 1] }
		if (x > 0) e = e x
		w = rand() < 0.6 ? W[int(rand() * nw) + 1] : ""
		sub_ = rand() < 0.25 ? "cdn" int(rand() * 10) "." : ""
		print sub_ w e "." TL[int(rand() * nt) + 1]
	}
}' >"$work/gen.txt"
{
	printf 'category: generated\ndescription: Generated names for the benchmark\ndomains:\n'
	sed 's/^/- /' "$work/gen.txt"
} >"$cfg/rules.d/generated.yaml"
cats="$cats${cats:+, }generated"
sort -u "$work/ut1.txt" "$work/gen.txt" >"$work/all.txt"
n_all=$(wc -l <"$work/all.txt")

cp "$top/rules/aup.yaml" "$cfg/" || die "no rules/aup.yaml"
cat >"$cfg/policy.yaml" <<EOF
timezone: UTC
default_group: std
groups:
  std:
    block: [$cats]
EOF
cat >"$cfg/hallpass.yaml" <<EOF
queues: $QUEUES
fail: open
database: $work/hallpass.db
dns_block: nxdomain
log_level: warn
EOF
"$HALLPASS" -c "$cfg" rules check >"$work/check.log" 2>&1 ||
	die "the generated config does not check: $(head -3 "$work/check.log")"

# dnsmasq: the same names, as address=/NAME/ (NXDOMAIN for NAME and below, like hallpassd's
# dns_block: nxdomain); Pi-hole's cache size; everything else forwarded to the upstream.
sed 's,.*,address=/&/,' "$work/all.txt" >"$work/dnsmasq-block.conf"
cat >"$work/dnsmasq.conf" <<EOF
port=53
listen-address=$GATEWAY_LAN_IP4
bind-interfaces
no-resolv
no-hosts
server=$DNS_IP4
cache-size=10000
user=root
log-facility=$work/dnsmasq.log
conf-file=$work/dnsmasq-block.conf
EOF

# DNS questions: the topology's allowed names, NAME.wild.test (resolved upstream), and names
# from the list (blocked; every third one under a www. label): 2 allowed for 1 blocked.
{
	cat "$TOPO_DNSPERF_QUERIES"
	awk 'BEGIN { for (i = 0; i < 1400; i++) printf "h%d.wild.test %s\n", i, (i % 3 ? "A" : "AAAA") }'
	awk -v n="$n_all" 'BEGIN { srand(7) } { if (rand() < 800 / n) print }' "$work/all.txt" |
		awk '{ printf "%s%s A\n", (NR % 3 ? "" : "www."), $1 }'
} | awk 'BEGIN { srand(3) } { print rand() "\t" $0 }' | sort -k1,1 | cut -f2- >"$work/queries.txt"
n_q=$(wc -l <"$work/queries.txt")
say "config: $n_all domains ($n_ut1 UT1, $n_gen generated) in $(echo "$cats" | tr ',' '\n' | wc -l) categories; $n_q DNS questions"

# ---------------------------------------------------------------- measuring

R=$work/results.tsv # mode <tab> figure <tab> value
: >"$R"
rec() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$R"; }
get() { awk -F '\t' -v m="$1" -v f="$2" '$1 == m && $2 == f { v = $3 } END { print v }' "$R"; }
now_ms() { date +%s%3N; }
# m_begin [PID] / m_end MODE FIGURE [PID]: CPU use during one measurement, in % of one core:
# the whole machine's busy and softirq time (/proc/stat: all namespaces share the CPUs) and
# the daemon's user+system time per thread (/proc/PID/task/*/stat).
cpu_stat() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6, $8 }' /proc/stat; }
threads() { # pid → "tid comm ticks" lines
	[ -n "$1" ] || return 0
	for _t in /proc/"$1"/task/*; do
		[ -r "$_t/stat" ] || continue
		# comm may hold spaces; the fields after its closing parenthesis are fixed.
		printf '%s %s %s\n' "${_t##*/}" "$(tr ' ' _ <"$_t/comm")" \
			"$(sed 's/.*) //' "$_t/stat" | awk '{ print $12 + $13 }')"
	done
}
m_begin() { w0=$(now_ms); s0=$(cpu_stat); threads "${1:-}" >"$work/t0"; }
m_end() {
	_w=$(($(now_ms) - w0)); _s1=$(cpu_stat)
	rec "$1" "busy $2" "$(echo "$s0 $_s1" | awk -v w="$_w" -v hz="$HZ" '{ printf "%.0f", 100 * ($4 - $1) / hz / (w / 1000) }')"
	rec "$1" "softirq $2" "$(echo "$s0 $_s1" | awk -v w="$_w" -v hz="$HZ" '{ printf "%.0f", 100 * ($6 - $3) / hz / (w / 1000) }')"
	[ -n "${3:-}" ] || return 0
	threads "$3" >"$work/t1"
	rec "$1" "cpu $2" "$(awk -v w="$_w" -v hz="$HZ" 'NR == FNR { t0[$1] = $3; next }
		{ d += $3 - t0[$1] } END { printf "%.0f", 100 * d / hz / (w / 1000) }' "$work/t0" "$work/t1")"
	rec "$1" "threads $2" "$(awk -v w="$_w" -v hz="$HZ" 'NR == FNR { t0[$1] = $3; next }
		{ p = 100 * ($3 - t0[$1]) / hz / (w / 1000); if (p >= 1) printf "%s%s/%s %.0f%%", (n++ ? ", " : ""), $2, $1, p }' "$work/t0" "$work/t1")"
}
HZ=$(getconf CLK_TCK)
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

bulk() { # mode streams
	_o=$(st iperf3 -c "$UPSTREAM_IP4" -p "$IPERF_PORT" -t "$SECS" -O 1 -P "$2" -f m 2>&1)
	_v=$(printf '%s\n' "$_o" | awk '/receiver/ { v = $(NF - 2) } END { print v + 0 }')
	[ "$_v" != 0 ] || say "iperf3 ($1, $2 streams): $(printf '%s\n' "$_o" | tail -2)"
	rec "$1" "bulk$2" "$_v"
}
dns() { # mode server: saturated qps, then latency percentiles at a fixed rate
	st dnsperf -s "$2" -d "$work/queries.txt" -l "$SECS" -c 4 -q 200 -t 2 >"$work/dnsperf.$1" 2>&1
	rec "$1" dns_qps "$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$work/dnsperf.$1")"
	rec "$1" dns_lost "$(awk '/Queries lost:/ { gsub(/[()%]/, "", $4); print $4 + 0 }' "$work/dnsperf.$1")"
	rec "$1" dns_avg_us "$(awk '/Average Latency/ { printf "%.0f", $4 * 1e6 }' "$work/dnsperf.$1")"
	st dnsperf -s "$2" -d "$work/queries.txt" -l "$LAT_SECS" -Q "$DNS_RATE" -c 1 -t 2 -v >"$work/dnsperf-v.$1" 2>&1
	# Percentiles come from every round's answers together (see the end).
	awk '/^> / { print $NF * 1e6 }' "$work/dnsperf-v.$1" >>"$work/lat.$1"
	rec "$1" dns_nx "$(awk '/^> NXDOMAIN/ { n++ } /^> / { t++ } END { printf "%.0f", t ? 100 * n / t : 0 }' "$work/dnsperf-v.$1")"
}
conns() { # mode scheme: new connections/s (one request per connection)
	st wrk -t 1 -c 32 -d "${SECS}s" --timeout 2s -H 'Connection: close' "$2://www.allowed.test/" >"$work/wrk.$1.$2" 2>&1
	rec "$1" "conn_$2" "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.$1.$2")"
	_e=$(awk '/Socket errors|Non-2xx/ { $1 = $1; print }' "$work/wrk.$1.$2" | tr '\n' ' ')
	[ -z "$_e" ] || rec "$1" "conn_$2_errors" "$_e"
}
no_rules() { ! gw iptables-save 2>/dev/null | grep -q HALLPASS && ! gw ip6tables-save 2>/dev/null | grep -q HALLPASS; }
queue_bound() { gw awk -v q="${QUEUES#[}" 'BEGIN { q += 0 } $1 == q { f = 1 } END { exit !f }' /proc/net/netfilter/nfnetlink_queue; }

# Each mode is set up, measured and torn down (daemon stopped, firewall down) in turn, and the
# whole sequence runs ROUNDS times: the machine is shared (builds, other tests), so every
# figure is the median over the rounds and the modes' measurements are interleaved in time.
run_plain() {
	no_rules || die "the gateway has hallpass rules before the plain run"
	m_begin; bulk plain 1; m_end plain bulk1
	m_begin; bulk plain 4; m_end plain bulk4
	m_begin; dns plain "$DNS_IP4"; m_end plain dns
	m_begin; conns plain https; m_end plain conn_https
	m_begin; conns plain http; m_end plain conn_http
}
# The hallpass rules without the daemon (fail: open, so --queue-bypass): the kernel's share
# of the cost (conntrack, the HALLPASS chain), apart from hallpassd's.
run_rules() {
	gw "$HALLPASS" -c "$cfg" firewall up >"$work/fw.log" 2>&1 || die "firewall up: $(cat "$work/fw.log")"
	m_begin; bulk rules 1; m_end rules bulk1
	m_begin; bulk rules 4; m_end rules bulk4
	m_begin; dns rules "$DNS_IP4"; m_end rules dns
	m_begin; conns rules https; m_end rules conn_https
	m_begin; conns rules http; m_end rules conn_http
	gw "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1 || die "firewall down failed"
	no_rules || die "hallpass rules left after firewall down"
}
# DNS only; the rest of the traffic would be plain forwarding.
run_dnsmasq() {
	_w0=$(now_ms)
	# Not through gw(): $! must be dnsmasq itself (ip netns exec execs it), not a subshell.
	ip netns exec "$NS_GATEWAY" dnsmasq -k -C "$work/dnsmasq.conf" >"$work/dnsmasq.out" 2>&1 &
	mpid=$!
	i=0
	while ! gw ss -Hlnu "sport = :53" | grep -q "$GATEWAY_LAN_IP4" && [ $i -lt 1200 ]; do
		kill -0 "$mpid" 2>/dev/null || die "dnsmasq exited: $(tail -3 "$work/dnsmasq.out" "$work/dnsmasq.log" 2>/dev/null)"
		sleep 0.05; i=$((i + 1))
	done
	[ $i -lt 1200 ] || die "dnsmasq not listening after 60 s"
	# Ready when a listed name comes back blocked.
	i=0
	while ! st dig +tries=1 +time=1 "@$GATEWAY_LAN_IP4" "$probe" A 2>/dev/null | grep -q 'status: NXDOMAIN' && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -lt 100 ] || die "dnsmasq does not block $probe"
	rec dnsmasq load_s "$(awk -v t="$(($(now_ms) - _w0))" 'BEGIN { printf "%.1f", t / 1000 }')"
	m_begin "$mpid"; dns dnsmasq "$GATEWAY_LAN_IP4"; m_end dnsmasq dns "$mpid"
	rec dnsmasq rss_mb "$(awk -v k="$(rss_kb "$mpid")" 'BEGIN { printf "%.0f", k / 1024 }')"
	stop_pid "$mpid"; mpid=""
}
run_hallpassd() {
	gw "$HALLPASS" -c "$cfg" firewall up >"$work/fw.log" 2>&1 || die "firewall up: $(cat "$work/fw.log")"
	_w0=$(now_ms)
	ip netns exec "$NS_GATEWAY" "$HALLPASSD" -c "$cfg" >"$work/hallpassd.log" 2>&1 &
	dpid=$!
	i=0
	while ! queue_bound && [ $i -lt 1200 ]; do
		kill -0 "$dpid" 2>/dev/null || die "hallpassd exited: $(tail -5 "$work/hallpassd.log")"
		sleep 0.05; i=$((i + 1))
	done
	[ $i -lt 1200 ] || die "hallpassd did not bind its queue in 60 s"
	rec hallpassd load_s "$(awk -v t="$(($(now_ms) - _w0))" 'BEGIN { printf "%.1f", t / 1000 }')"
	rec hallpassd rss_load_mb "$(awk -v k="$(rss_kb "$dpid")" 'BEGIN { printf "%.0f", k / 1024 }')"
	st dig +tries=1 +time=2 "@$DNS_IP4" "$probe" A 2>&1 | grep -q 'status: NXDOMAIN' ||
		die "hallpassd does not block $probe"
	m_begin "$dpid"; bulk hallpassd 1; m_end hallpassd bulk1 "$dpid"
	m_begin "$dpid"; bulk hallpassd 4; m_end hallpassd bulk4 "$dpid"
	m_begin "$dpid"; dns hallpassd "$DNS_IP4"; m_end hallpassd dns "$dpid"
	m_begin "$dpid"; conns hallpassd https; m_end hallpassd conn_https "$dpid"
	m_begin "$dpid"; conns hallpassd http; m_end hallpassd conn_http "$dpid"
	rec hallpassd rss_mb "$(awk -v k="$(rss_kb "$dpid")" 'BEGIN { printf "%.0f", k / 1024 }')"
	rec hallpassd queue "$(gw awk -v q="${QUEUES#[}" 'BEGIN { q += 0 } $1 == q { printf "%s packets queued, %s dropped (queue full), %s dropped (netlink)", $8, $6, $7 }' /proc/net/netfilter/nfnetlink_queue)"
	stop_pid "$dpid"; dpid=""
	gw "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1 || die "firewall down failed"
	no_rules || die "hallpass rules left after firewall down"
}

probe=$(sed -n 1p "$work/all.txt")
r=1
while [ $r -le "$ROUNDS" ]; do
	for m in plain rules dnsmasq hallpassd; do
		say "round $r/$ROUNDS: $m"
		"run_$m"
	done
	r=$((r + 1))
done
for m in plain rules dnsmasq hallpassd; do
	sort -g "$work/lat.$m" >"$work/lat.$m.s" 2>/dev/null || continue
	_n=$(wc -l <"$work/lat.$m.s")
	[ "$_n" -gt 0 ] || continue
	rec "$m" dns_p50_us "$(sed -n "$(((_n + 1) / 2))p" "$work/lat.$m.s" | awk '{ printf "%.0f", $1 }')"
	rec "$m" dns_p99_us "$(sed -n "$(((_n * 99 + 99) / 100))p" "$work/lat.$m.s" | awk '{ printf "%.0f", $1 }')"
done
rec all wall_s "$(($(date +%s) - t_start))"

# ---------------------------------------------------------------- report

ts=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"
awk -F '\t' -v ts="$ts" -v n="$n_all" -v nu="$n_ut1" -v ng="$n_gen" -v secs="$SECS" -v rounds="$ROUNDS" \
	-v rate="$DNS_RATE" -v nq="$n_q" -v ncpu="$(getconf _NPROCESSORS_ONLN)" -v json="$RESULTS/net-$ts.json" '
function has(m, f) { return ((m SUBSEP f) in v) }
function val(m, f) { return has(m, f) ? v[m, f] : "-" }
function ratio(a, b) { return (a != "-" && b != "-" && b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }
function jn(x) { return (x == "-" || x == "") ? "null" : x }
function js(x) { gsub(/"/, "\\\"", x); return "\"" x "\"" }
function row(name, f, ref, tgt,   i, m, r, st, o) {
	r = ref == "" ? "-" : ratio(val("hallpassd", f), val(ref, f))
	st = (tgt != "" && r != "-") ? (r + 0 >= tgt ? "ok" : "MISS") : ""
	printf "%-32s %9s %9s %9s %9s  %5s %-9s %-6s %s\n", name, val("plain", f), val("rules", f), \
		val("dnsmasq", f), val("hallpassd", f), r, (ref == "" ? "" : "x " ref), (tgt == "" ? "" : ">=" tgt), st
	o = sprintf("    {\"figure\": %s, \"key\": %s", js(name), js(f))
	for (i = 1; i <= 4; i++) { m = M[i]; o = o sprintf(", \"%s\": %s", m, jn(val(m, f))) }
	for (i = 1; i <= 4; i++) { m = M[i]; if ((m SUBSEP f) in rv) o = o sprintf(", \"%s_rounds\": [%s]", m, rv[m, f]) }
	o = o sprintf(", \"ratio\": %s, \"against\": %s, \"target\": %s, \"status\": %s}", jn(r), \
		(ref == "" ? "null" : js(ref)), (tgt == "" ? "null" : tgt), (st == "" ? "null" : js(st)))
	J = J (J == "" ? "" : ",\n") o
}
{ k = $1 SUBSEP $2; nv[k]++; all[k, nv[k]] = $3; if ($3 !~ /^-?[0-9.]+$/) text[k] = 1; v[k] = $3 }
END {
	# Several rounds. Other work on the machine only ever slows a measurement down, so a rate
	# is the best of its rounds and a load time the shortest; any other number is the median
	# (CPU shares, RSS); text is from the last round. Every round is kept in the JSON.
	for (k in nv) if (!(k in text)) {
		c = nv[k]
		for (i = 1; i <= c; i++) s[i] = all[k, i] + 0
		for (i = 2; i <= c; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
		split(k, a, SUBSEP)
		if (a[2] ~ /^(bulk[0-9]+|dns_qps|conn_https|conn_http)$/) v[k] = s[c]
		else if (a[2] == "load_s") v[k] = s[1]
		else v[k] = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
		rv[k] = ""
		for (i = 1; i <= c; i++) rv[k] = rv[k] (i > 1 ? ", " : "") all[k, i]
	}
	split("plain rules dnsmasq hallpassd", M, " ")
	printf "%-32s %9s %9s %9s %9s  %-15s %-6s\n", "figure", "plain", "rules", "dnsmasq", "hallpassd", "ratio", "target"
	row("bulk TCP 1 stream (Mbit/s)", "bulk1", "plain", 0.95)
	row("bulk TCP 4 streams (Mbit/s)", "bulk4", "plain", 0.95)
	row("DNS queries/s (saturated)", "dns_qps", "dnsmasq", 1.00)
	row("DNS queries/s", "dns_qps", "plain", "")
	row("DNS lost (%)", "dns_lost", "", "")
	row("DNS avg latency saturated (us)", "dns_avg_us", "", "")
	row("DNS p50 at " rate " qps (us)", "dns_p50_us", "dnsmasq", "")
	row("DNS p99 at " rate " qps (us)", "dns_p99_us", "dnsmasq", "")
	row("DNS answers NXDOMAIN (%)", "dns_nx", "", "")
	row("new HTTPS connections/s", "conn_https", "plain", 0.90)
	row("new HTTP connections/s", "conn_http", "plain", 0.90)
	row("load the list (s)", "load_s", "", "")
	row("RSS with the list (MiB)", "rss_mb", "dnsmasq", "")
	printf "\nCPU while measuring, %% of one core (%d CPUs): machine busy (softirq) | daemon total [threads >= 1%%]\n", ncpu
	nf = split("bulk1 bulk4 dns conn_https conn_http", F, " ")
	for (i = 1; i <= 4; i++) for (k = 1; k <= nf; k++) {
		m = M[i]; f = F[k]
		if (!has(m, "busy " f)) continue
		printf "  %-9s %-10s %4s%% (%3s%%)", m, f, val(m, "busy " f), val(m, "softirq " f)
		if (has(m, "cpu " f)) printf " | %s %s%% [%s]", m, val(m, "cpu " f), val(m, "threads " f)
		printf "\n"
		C = C (C == "" ? "" : ",\n") sprintf("    {\"mode\": %s, \"measurement\": %s, \"machine_busy\": %s, \"softirq\": %s, \"daemon\": %s, \"threads\": %s}", \
			js(m), js(f), jn(val(m, "busy " f)), jn(val(m, "softirq " f)), jn(val(m, "cpu " f)), js(val(m, "threads " f)))
	}
	printf "hallpassd: RSS %s MiB right after loading; NFQUEUE: %s\n", val("hallpassd", "rss_load_mb"), val("hallpassd", "queue")
	for (k in v) { split(k, a, SUBSEP); if (a[2] ~ /_errors$/) printf "wrk %s %s: %s\n", a[1], a[2], v[k] }
	printf "list: %d domains (%d UT1, %d generated); %d DNS questions (~2 allowed : 1 listed); %s s per measurement, %d rounds (rates: best round; others: median); section took %s s\n", \
		n, nu, ng, nq, secs, rounds, val("all", "wall_s")
	printf "{\n  \"section\": \"net\", \"time\": %s, \"cpus\": %d, \"domains\": %d, \"ut1_domains\": %d, \"generated_domains\": %d,\n", js(ts), ncpu, n, nu, ng > json
	printf "  \"seconds_per_measurement\": %s, \"rounds\": %d, \"dns_latency_rate_qps\": %s, \"wall_seconds\": %s,\n", secs, rounds, rate, jn(val("all", "wall_s")) > json
	printf "  \"hallpassd_rss_load_mb\": %s, \"hallpassd_queue\": %s,\n", jn(val("hallpassd", "rss_load_mb")), js(val("hallpassd", "queue")) > json
	printf "  \"figures\": [\n%s\n  ],\n  \"cpu_percent\": [\n%s\n  ]\n}\n", J, C > json
}' "$R"
cp "$RESULTS/net-$ts.json" "$RESULTS/net.json" 2>/dev/null
echo "results: bench/results/net-$ts.json"
exit 0
