#!/bin/sh
# net-bench.sh: the `make bench` network section: plain forwarding vs dnsmasq, unbound, squid+squidGuard and hallpassd on one namespace topology, one run.
#
# usage: bench/net-bench.sh            (root; run-bench.sh calls it; see bench/README.md)
#
# Brings up tests/net/topo.sh under its own prefix (hp-bench-, no nginx/unbound logging),
# builds a config of ~1M blocked domains (the UT1 lists under shared/blocklists/ut1 plus
# generated names), then measures from the student namespace, one mode at a time:
#   plain      the gateway forwards, no rules, no daemon (the physical limit)
#   rules      `hallpass firewall up` without the daemon (the kernel's share)
#   dnsmasq    dnsmasq in the gateway given the same list as address=/NAME/, queried directly
#   unbound    unbound in the gateway, the same list as local-zone: "NAME." always_nxdomain,
#              the rest forwarded to the upstream, queried directly
#   squid      squid (intercept: iptables REDIRECT of port 80) + squidGuard with the same list
#              as a domainlist .db (squidGuard -C), plain HTTP only; skipped if not installed
#   hallpassd  `hallpass firewall up` + hallpassd with the list (fail: open, log_level: warn)
# bulk TCP (iperf3, 1 and 4 streams), DNS (dnsperf: qps saturated, p50/p99 at a fixed rate),
# new HTTPS and HTTP connections/s (wrk, Connection: close), plain-HTTP requests/s with
# keep-alive to an allowed and to a blocked site (wrk), load time, RSS and daemon CPU.
# Prints a table; writes bench/results/net-TIMESTAMP.json (and a copy as net.json).
# Exit 0 when measured (targets missed are MISS, not failures) or skipped (not root, tools
# missing); 1 when the setup fails (topology, config, a daemon that does not start).
#
# Environment: HALLPASS_BUILD (build/rel), NET_BENCH_PREFIX (hp-bench-), NET_BENCH_DOMAINS
# (1000000), NET_BENCH_SECS (3, per measurement), NET_BENCH_ROUNDS (3; figures are medians),
# NET_BENCH_DNS_RATE (2000, qps of the latency run), NET_BENCH_LAT_SECS (2, its length),
# NET_BENCH_UT1 (../shared/blocklists/ut1), NET_BENCH_QUEUES ([0]), NET_BENCH_PEER_ROUNDS
# (2: rounds of the unbound and squid modes), NET_BENCH_MODES (all: "plain rules dnsmasq
# unbound squid hallpassd", the modes to run), NET_BENCH_SG_CHILDREN (16: squidGuard helpers).
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
PEER_ROUNDS=${NET_BENCH_PEER_ROUNDS:-2}
MODES=${NET_BENCH_MODES:-plain rules dnsmasq unbound squid hallpassd}
SG_CHILDREN=${NET_BENCH_SG_CHILDREN:-16}
export TOPO_PREFIX="${NET_BENCH_PREFIX:-hp-bench-}" TOPO_LOG=0
. "$top/tests/net/topo.env"
export TOPO_DIR

say() { echo "net: $*" >&2; }
die() { echo "net: $*" >&2; exit 1; }
now_ms() { date +%s%3N; }

echo "== net: plain forwarding vs dnsmasq, unbound, squid+squidGuard and hallpassd, through the gateway namespace"
if [ "$(id -u)" != 0 ]; then
	echo "net: skipped (needs root for network namespaces)"
	exit 0
fi
missing=""
for c in ip iptables iperf3 dnsperf dnsmasq wrk dig curl unbound nginx ss awk pgrep; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
[ -x "$HALLPASSD" ] && [ -x "$HALLPASS" ] || missing="$missing $HALLPASSD"
if [ -n "$missing" ]; then
	echo "net: skipped (missing:$missing; make deps installs them)"
	exit 0
fi
# squid and squidGuard are optional: without them only their column is empty.
case " $MODES " in *" squid "*)
	if ! command -v squid >/dev/null 2>&1 || ! command -v squidGuard >/dev/null 2>&1 || ! id proxy >/dev/null 2>&1; then
		echo "net: squid mode skipped (needs squid, squidguard and the proxy user; make deps installs them)"
		MODES=$(echo " $MODES " | sed 's/ squid / /')
	fi ;;
esac

work=$(mktemp -d /tmp/hallpass-netbench.XXXXXX)
# hallpassd runs as nobody after start (user: below) and must still read its configuration.
chmod 0755 "$work"
cfg=$work/etc
dpid="" mpid="" upid="" spid="" skids=""
REDIR="PREROUTING -i br0 -p tcp --dport 80 -j REDIRECT --to-ports 3129"
stop_pid() { # pid: TERM, wait up to 5 s, then KILL
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	_n=100
	while kill -0 "$1" 2>/dev/null && [ $_n -gt 0 ]; do sleep 0.05; _n=$((_n - 1)); done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
stop_squid() { # squid, then any of its helpers (squidGuard, log daemon) still there, by pid
	stop_pid "$spid"; spid=""
	for _k in $skids; do
		case $(cat "/proc/$_k/comm" 2>/dev/null) in squidGuard | log_file_daemon | unlinkd | squid) kill -KILL "$_k" ;; esac
	done
	skids=""
}
cleanup() {
	stop_pid "$dpid"; dpid=""
	stop_pid "$mpid"; mpid=""
	stop_pid "$upid"; upid=""
	stop_squid
	if [ -e "/run/netns/$NS_GATEWAY" ]; then
		# shellcheck disable=SC2086 # REDIR is a rule, one word per argument
		while ip netns exec "$NS_GATEWAY" iptables -t nat -D $REDIR 2>/dev/null; do :; done
		# shellcheck disable=SC2086
		while ip netns exec "$NS_GATEWAY" ip6tables -t nat -D $REDIR 2>/dev/null; do :; done
	fi
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
# The blocked site of the plain-HTTP figures: in UT1's gambling list, and one of the names the
# upstream serves (squid checks an intercepted Host against DNS); added when UT1 is absent.
grep -qx 'bet365.com' "$work/ut1.txt" || echo bet365.com >>"$work/gen.txt"
blocked_host=www.bet365.com
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
user: nobody
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

# unbound: the same names as local-zone always_nxdomain (NXDOMAIN for NAME and below), one
# thread like dnsmasq and hallpassd's one queue, everything else forwarded to the upstream.
mkdir -p "$work/unbound"
sed 's,.*,local-zone: "&." always_nxdomain,' "$work/all.txt" >"$work/unbound/block.conf"
cat >"$work/unbound/unbound.conf" <<EOF
server:
    verbosity: 0
    username: ""
    chroot: ""
    directory: "$work/unbound"
    pidfile: "$work/unbound/unbound.pid"
    logfile: "$work/unbound/unbound.log"
    use-syslog: no
    do-daemonize: no
    num-threads: 1
    so-reuseport: no
    interface: $GATEWAY_LAN_IP4
    port: 53
    do-ip6: no
    access-control: $STUDENT_NET4 allow
    module-config: "iterator"
    # unbound answers test. itself (RFC 6761) unless told not to; the topology's names are there.
    local-zone: "test." nodefault
    include: "$work/unbound/block.conf"
forward-zone:
    name: "."
    forward-addr: $DNS_IP4
remote-control:
    control-enable: no
EOF

# squid + squidGuard, transparent: port 80 from the students is redirected to squid's intercept
# port; squidGuard blocks the same names (its domainlist: NAME and below) with a 302 to a block
# page, built once into a Berkeley DB (squidGuard -C) so its helpers start at once. squid runs
# as the proxy user, so its directory is that user's; no cache (a filter, not a cache).
sq=$work/squid
sg_build_ms=""
case " $MODES " in *" squid "*)
	chmod 755 "$work"
	mkdir -p "$sq/db/blocked" "$sq/log"
	cp "$work/all.txt" "$sq/db/blocked/domains"
	cat >"$sq/squidGuard.conf" <<EOF
dbhome $sq/db
logdir $sq/log
dest blocked {
	domainlist blocked/domains
}
acl {
	default {
		pass !blocked all
		redirect 302:http://blocked.hallpass.invalid/
	}
}
EOF
	_w0=$(now_ms)
	squidGuard -c "$sq/squidGuard.conf" -C all >"$sq/build.log" 2>&1 && [ -s "$sq/db/blocked/domains.db" ] ||
		die "squidGuard -C all failed: $(tail -3 "$sq/build.log" "$sq/log/squidGuard.log" 2>/dev/null)"
	sg_build_ms=$(($(now_ms) - _w0))
	cat >"$sq/squid.conf" <<EOF
http_port 127.0.0.1:3128
http_port 3129 intercept
acl students src $STUDENT_NET4 $STUDENT_NET6
http_access allow students
http_access deny all
cache deny all
cache_mem 8 MB
url_rewrite_program /usr/bin/squidGuard -c $sq/squidGuard.conf
url_rewrite_children $SG_CHILDREN startup=$SG_CHILDREN idle=1
dns_nameservers $DNS_IP4
access_log daemon:$sq/log/access.log
cache_log $sq/log/cache.log
cache_store_log none
pid_filename $sq/squid.pid
coredump_dir $sq
netdb_filename none
pinger_enable off
cache_effective_user proxy
max_filedescriptors 16384
shutdown_lifetime 0 seconds
EOF
	chown -R proxy "$sq"
	;;
esac

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
# m_begin [PID] / m_end MODE FIGURE [PID]: CPU use during one measurement, in % of one core:
# the whole machine's busy and softirq time (/proc/stat: all namespaces share the CPUs) and
# the daemon's user+system time per thread (/proc/PID/task/*/stat).
cpu_stat() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6, $8 }' /proc/stat; }
threads() { # pids → "tid comm ticks" lines
	[ -n "$1" ] || return 0
	for _t in $(for _p in $1; do echo /proc/"$_p"/task/*; done); do
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
rss_kb() { # pids → their VmRSS together, KiB
	for _p in $1; do cat "/proc/$_p/status" 2>/dev/null; done | awk '/^VmRSS:/ { k += $2 } END { print k + 0 }'
}

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
# Plain-HTTP requests/s over keep-alive connections (wrk's default) to the upstream's address
# with the Host of an allowed or of a blocked site (no DNS: hallpassd would answer the blocked
# name NXDOMAIN), so every mode filters the same requests. A blocked request gets hallpassd's
# 403 page (Connection: close, so wrk reconnects) or squidGuard's 302 (kept alive).
web() { # mode allow|block
	_h=www.allowed.test
	[ "$2" = allow ] || _h=$blocked_host
	st wrk -t 1 -c 32 -d "${SECS}s" --timeout 2s -H "Host: $_h" "http://$UPSTREAM_IP4/" >"$work/wrk.$1.$2" 2>&1
	rec "$1" "web_$2" "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.$1.$2")"
	_e=$(awk '/Socket errors|Non-2xx/ { $1 = $1; print }' "$work/wrk.$1.$2" | tr '\n' ' ')
	[ -z "$_e" ] || rec "$1" "web_$2_errors" "$_e"
}
http_status() { # host → the status of one plain-HTTP request from the student
	st curl -s -o /dev/null -m 3 -w '%{http_code}' -H "Host: $1" "http://$UPSTREAM_IP4/" 2>/dev/null
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
	rec plain web_block_status "$(http_status "$blocked_host")"
	m_begin; web plain allow; m_end plain web_allow
	m_begin; web plain block; m_end plain web_block
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
	m_begin; web rules allow; m_end rules web_allow
	m_begin; web rules block; m_end rules web_block
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
# DNS only, like dnsmasq.
run_unbound() {
	_w0=$(now_ms)
	ip netns exec "$NS_GATEWAY" unbound -d -c "$work/unbound/unbound.conf" >"$work/unbound/out" 2>&1 &
	upid=$!
	i=0
	while ! gw ss -Hlnu "sport = :53" | grep -q "$GATEWAY_LAN_IP4" && [ $i -lt 2400 ]; do
		kill -0 "$upid" 2>/dev/null || die "unbound exited: $(tail -3 "$work/unbound/out" "$work/unbound/unbound.log" 2>/dev/null)"
		sleep 0.05; i=$((i + 1))
	done
	[ $i -lt 2400 ] || die "unbound not listening after 120 s"
	i=0
	while ! st dig +tries=1 +time=1 "@$GATEWAY_LAN_IP4" "$probe" A 2>/dev/null | grep -q 'status: NXDOMAIN' && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -lt 100 ] || die "unbound does not block $probe"
	rec unbound load_s "$(awk -v t="$(($(now_ms) - _w0))" 'BEGIN { printf "%.1f", t / 1000 }')"
	m_begin "$upid"; dns unbound "$GATEWAY_LAN_IP4"; m_end unbound dns "$upid"
	rec unbound rss_mb "$(awk -v k="$(rss_kb "$upid")" 'BEGIN { printf "%.0f", k / 1024 }')"
	stop_pid "$upid"; upid=""
}
# Plain HTTP only: squid intercepts port 80 (HTTPS is not its business without TLS interception).
run_squid() {
	_w0=$(now_ms)
	ip netns exec "$NS_GATEWAY" squid -N -f "$sq/squid.conf" >"$sq/out" 2>&1 &
	spid=$!
	i=0
	while ! gw ss -Hltn "sport = :3129" | grep -q . && [ $i -lt 1200 ]; do
		kill -0 "$spid" 2>/dev/null || die "squid exited: $(tail -3 "$sq/out" "$sq/log/cache.log" 2>/dev/null)"
		sleep 0.05; i=$((i + 1))
	done
	[ $i -lt 1200 ] || die "squid not listening after 60 s"
	# Both families: clients reach www.allowed.test over IPv6 too.
	# shellcheck disable=SC2086 # REDIR is a rule, one word per argument
	gw iptables -t nat -A $REDIR && gw ip6tables -t nat -A $REDIR || die "iptables REDIRECT failed"
	# Ready when a listed name gets squidGuard's redirect.
	i=0
	while :; do
		_c=$(http_status "$blocked_host")
		[ "$_c" != 302 ] && [ $i -lt 100 ] || break
		sleep 0.1; i=$((i + 1))
	done
	[ "$_c" = 302 ] || die "squid+squidGuard: http://$blocked_host/ got $_c, not the 302: $(tail -3 "$sq/log/cache.log")"
	rec squid load_s "$(awk -v t="$(($(now_ms) - _w0))" 'BEGIN { printf "%.1f", t / 1000 }')"
	rec squid web_block_status "$_c"
	skids=$(pgrep -P "$spid" | tr '\n' ' ')
	_p="$spid $skids"
	m_begin "$_p"; conns squid http; m_end squid conn_http "$_p"
	m_begin "$_p"; web squid allow; m_end squid web_allow "$_p"
	m_begin "$_p"; web squid block; m_end squid web_block "$_p"
	rec squid rss_mb "$(awk -v k="$(rss_kb "$_p")" 'BEGIN { printf "%.0f", k / 1024 }')"
	# shellcheck disable=SC2086
	gw iptables -t nat -D $REDIR && gw ip6tables -t nat -D $REDIR || die "iptables REDIRECT not removed"
	stop_squid
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
	_c=$(http_status "$blocked_host")
	[ "$_c" = 403 ] || die "hallpassd: http://$blocked_host/ got $_c, not the 403 block page"
	rec hallpassd web_block_status "$_c"
	m_begin "$dpid"; web hallpassd allow; m_end hallpassd web_allow "$dpid"
	m_begin "$dpid"; web hallpassd block; m_end hallpassd web_block "$dpid"
	rec hallpassd rss_mb "$(awk -v k="$(rss_kb "$dpid")" 'BEGIN { printf "%.0f", k / 1024 }')"
	rec hallpassd queue "$(gw awk -v q="${QUEUES#[}" 'BEGIN { q += 0 } $1 == q { printf "%s packets queued, %s dropped (queue full), %s dropped (netlink)", $8, $6, $7 }' /proc/net/netfilter/nfnetlink_queue)"
	stop_pid "$dpid"; dpid=""
	gw "$HALLPASS" -c "$cfg" firewall down >/dev/null 2>&1 || die "firewall down failed"
	no_rules || die "hallpass rules left after firewall down"
}

probe=$(sed -n 1p "$work/all.txt")
[ -n "$sg_build_ms" ] && rec squid build_s "$(awk -v t="$sg_build_ms" 'BEGIN { printf "%.1f", t / 1000 }')"
r=1
while [ $r -le "$ROUNDS" ]; do
	for m in $MODES; do
		case $m in unbound | squid) [ $r -le "$PEER_ROUNDS" ] || continue ;; esac
		say "round $r/$ROUNDS: $m"
		"run_$m"
	done
	r=$((r + 1))
done
for m in plain rules dnsmasq unbound hallpassd; do
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
	-v prounds="$PEER_ROUNDS" -v modes="$MODES" -v sgc="$SG_CHILDREN" -v bh="$blocked_host" \
	-v rate="$DNS_RATE" -v nq="$n_q" -v ncpu="$(getconf _NPROCESSORS_ONLN)" -v json="$RESULTS/net-$ts.json" '
function has(m, f) { return ((m SUBSEP f) in v) }
function val(m, f) { return has(m, f) ? v[m, f] : "-" }
function ratio(a, b) { return (a != "-" && b != "-" && b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }
function jn(x) { return (x == "-" || x == "") ? "null" : x }
function js(x) { gsub(/"/, "\\\"", x); return "\"" x "\"" }
# One figure: every mode'"'"'s value, then hallpassd as a ratio of each reference in REFS (space
# separated); the first reference carries the target, if any.
function row(name, f, refs, tgt,   i, m, r, r1, st, o, nr, R, rt, rj) {
	nr = split(refs, R, " ")
	rt = ""; rj = ""; r1 = "-"
	for (i = 1; i <= nr; i++) {
		r = ratio(val("hallpassd", f), val(R[i], f))
		if (i == 1) r1 = r
		rt = rt (i > 1 ? ", " : "") r " x " R[i]
		rj = rj (i > 1 ? ", " : "") sprintf("\"%s\": %s", R[i], jn(r))
	}
	st = (tgt != "" && r1 != "-") ? (r1 + 0 >= tgt ? "ok" : "MISS") : ""
	printf "%-36s", name
	for (i = 1; i <= NM; i++) printf " %8s", val(M[i], f)
	printf "  %s%s\n", rt, (tgt == "" ? "" : "  (target >=" tgt " x " R[1] ": " st ")")
	o = sprintf("    {\"figure\": %s, \"key\": %s", js(name), js(f))
	for (i = 1; i <= NM; i++) { m = M[i]; o = o sprintf(", \"%s\": %s", m, jn(val(m, f))) }
	for (i = 1; i <= NM; i++) { m = M[i]; if ((m SUBSEP f) in rv) o = o sprintf(", \"%s_rounds\": [%s]", m, rv[m, f]) }
	o = o sprintf(", \"ratio\": %s, \"against\": %s, \"ratios\": {%s}, \"target\": %s, \"status\": %s}", jn(r1), \
		(nr == 0 ? "null" : js(R[1])), rj, (tgt == "" ? "null" : tgt), (st == "" ? "null" : js(st)))
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
		if (a[2] ~ /^(bulk[0-9]+|dns_qps|conn_https|conn_http|web_allow|web_block)$/) v[k] = s[c]
		else if (a[2] == "load_s") v[k] = s[1]
		else {
			v[k] = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
			# The mean of two whole numbers stays whole (a median, not a new precision).
			if (c % 2 == 0 && s[c / 2] == int(s[c / 2]) && s[c / 2 + 1] == int(s[c / 2 + 1])) v[k] = sprintf("%.0f", v[k])
		}
		rv[k] = ""
		for (i = 1; i <= c; i++) rv[k] = rv[k] (i > 1 ? ", " : "") all[k, i]
	}
	NM = split("plain rules dnsmasq unbound squid hallpassd", M, " ")
	printf "%-36s %8s %8s %8s %8s %8s %8s  %s\n", "figure", "plain", "rules", "dnsmasq", "unbound", "squid+SG", "hallpassd", "hallpassd as a ratio"
	row("bulk TCP 1 stream (Mbit/s)", "bulk1", "plain", 0.95)
	row("bulk TCP 4 streams (Mbit/s)", "bulk4", "plain", 0.95)
	row("DNS queries/s (saturated)", "dns_qps", "dnsmasq unbound plain", 1.00)
	row("DNS lost (%)", "dns_lost", "", "")
	row("DNS avg latency saturated (us)", "dns_avg_us", "", "")
	row("DNS p50 at " rate " qps (us)", "dns_p50_us", "dnsmasq unbound", "")
	row("DNS p99 at " rate " qps (us)", "dns_p99_us", "dnsmasq unbound", "")
	row("DNS answers NXDOMAIN (%)", "dns_nx", "", "")
	row("new HTTPS connections/s", "conn_https", "plain", 0.90)
	row("new HTTP connections/s (allowed)", "conn_http", "plain squid", 0.90)
	row("HTTP req/s keep-alive, allowed", "web_allow", "plain squid", "")
	row("HTTP req/s keep-alive, blocked", "web_block", "plain squid", "")
	row("load the list (s)", "load_s", "dnsmasq unbound squid", "")
	row("RSS with the list (MiB)", "rss_mb", "dnsmasq unbound squid", "")
	printf "\nCPU while measuring, %% of one core (%d CPUs): machine busy (softirq) | daemon total [threads >= 1%%]\n", ncpu
	nf = split("bulk1 bulk4 dns conn_https conn_http web_allow web_block", F, " ")
	for (i = 1; i <= NM; i++) for (k = 1; k <= nf; k++) {
		m = M[i]; f = F[k]
		if (!has(m, "busy " f)) continue
		printf "  %-9s %-10s %4s%% (%3s%%)", m, f, val(m, "busy " f), val(m, "softirq " f)
		if (has(m, "cpu " f)) printf " | %s %s%% [%s]", m, val(m, "cpu " f), val(m, "threads " f)
		printf "\n"
		C = C (C == "" ? "" : ",\n") sprintf("    {\"mode\": %s, \"measurement\": %s, \"machine_busy\": %s, \"softirq\": %s, \"daemon\": %s, \"threads\": %s}", \
			js(m), js(f), jn(val(m, "busy " f)), jn(val(m, "softirq " f)), jn(val(m, "cpu " f)), js(val(m, "threads " f)))
	}
	printf "hallpassd: RSS %s MiB right after loading; NFQUEUE: %s\n", val("hallpassd", "rss_load_mb"), val("hallpassd", "queue")
	printf "blocked site http://%s/: status %s plain, %s squid+squidGuard (302 to its block page, kept alive), %s hallpassd (403 page, Connection: close)\n", \
		bh, val("plain", "web_block_status"), val("squid", "web_block_status"), val("hallpassd", "web_block_status")
	if (has("squid", "build_s")) printf "squidGuard: %s helpers; building its .db from the list (squidGuard -C all, once) took %s s, not counted in load\n", sgc, val("squid", "build_s")
	for (k in v) { split(k, a, SUBSEP); if (a[2] ~ /_errors$/) printf "wrk %s %s: %s\n", a[1], a[2], v[k] }
	printf "list: %d domains (%d UT1, %d generated); %d DNS questions (~2 allowed : 1 listed); %s s per measurement, %d rounds (%s: %d; rates: best round; others: median); section took %s s\n", \
		n, nu, ng, nq, secs, rounds, "unbound, squid", (prounds < rounds ? prounds : rounds), val("all", "wall_s")
	printf "{\n  \"section\": \"net\", \"time\": %s, \"cpus\": %d, \"domains\": %d, \"ut1_domains\": %d, \"generated_domains\": %d,\n", js(ts), ncpu, n, nu, ng > json
	printf "  \"seconds_per_measurement\": %s, \"rounds\": %d, \"peer_rounds\": %d, \"modes\": %s, \"dns_latency_rate_qps\": %s, \"wall_seconds\": %s,\n", \
		secs, rounds, (prounds < rounds ? prounds : rounds), js(modes), rate, jn(val("all", "wall_s")) > json
	printf "  \"hallpassd_rss_load_mb\": %s, \"hallpassd_queue\": %s,\n", jn(val("hallpassd", "rss_load_mb")), js(val("hallpassd", "queue")) > json
	printf "  \"http_blocked_host\": %s, \"http_blocked_status\": {\"plain\": %s, \"squid\": %s, \"hallpassd\": %s},\n", js(bh), \
		jn(val("plain", "web_block_status")), jn(val("squid", "web_block_status")), jn(val("hallpassd", "web_block_status")) > json
	printf "  \"squidguard_children\": %s, \"squidguard_build_seconds\": %s,\n", sgc, jn(val("squid", "build_s")) > json
	printf "  \"figures\": [\n%s\n  ],\n  \"cpu_percent\": [\n%s\n  ]\n}\n", J, C > json
}' "$R"
cp "$RESULTS/net-$ts.json" "$RESULTS/net.json" 2>/dev/null
echo "results: bench/results/net-$ts.json"
exit 0
