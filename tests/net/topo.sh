#!/bin/sh
# Network-namespace test topology (two students, a gateway, an upstream with DNS/HTTPS/iperf3) for integration tests, demo and benchmarks.
#
# usage: tests/net/topo.sh up | down | status | env | exec NS CMD...
#   up      build it (idempotent: a healthy topology is left alone, a broken one rebuilt)
#   down    remove all of it: processes, namespaces, /etc/netns entries, state dir
#   status  print what is there; exit 0 only if everything is up and serving
#   env     print the resolved variables (same as "$TOPO_DIR/topo.env")
#   exec    run CMD inside a namespace, NS = student | student2 | gateway | upstream (or the
#           full name); the variables below are in CMD's environment
#
# Environment: TOPO_PREFIX (namespace prefix, default hp-), TOPO_DIR (state dir, default
# /run/hallpass-topo/<prefix without trailing ->), TOPO_NGINX_WORKERS (default 1),
# TOPO_LOG=0 (no nginx access log / unbound query log, for benchmarks), TOPO_KEEP=1 (leave a
# failed "up" in place for debugging).
#
# Variables (tests/net/topo.env defines them; "up" writes them resolved, exported, to
# "$TOPO_DIR/topo.env"):
#   TOPO_PREFIX TOPO_DIR TOPO_CA (CA for curl --cacert) NS_STUDENT NS_STUDENT2 NS_GATEWAY NS_UPSTREAM
#   STUDENT_IF STUDENT_IP4 STUDENT_IP6 STUDENT_MAC  STUDENT2_IF STUDENT2_IP4 STUDENT2_IP6 STUDENT2_MAC
#   STUDENT_NET4 STUDENT_NET6 UPSTREAM_NET4 UPSTREAM_NET6
#   GATEWAY_LAN_IF GATEWAY_LAN_IP4 GATEWAY_LAN_IP6 GATEWAY_LAN_MAC (br0, the students' router)
#   GATEWAY_WAN_IF GATEWAY_WAN_IP4 GATEWAY_WAN_IP6 GATEWAY_WAN_MAC GATEWAY_IP4 GATEWAY_IP6
#   UPSTREAM_IF UPSTREAM_IP4 UPSTREAM_IP6 UPSTREAM_MAC DNS_IP4 DNS_IP6 IPERF_PORT
#   SAFE_GOOGLE_IP4/6 SAFE_YOUTUBE_STRICT_IP4/6 SAFE_YOUTUBE_MODERATE_IP4/6 SAFE_BING_IP4/6
#   SAFE_DDG_IP4/6 DOH_GOOGLE_IP4/6 DOH_CLOUDFLARE_IP4/6
#   TOPO_NAMES TOPO_SPECIAL_NAMES TOPO_HTTPS_RR_NAME TOPO_ECH_RR_NAME TOPO_ECH_CONFIG TOPO_DNSPERF_QUERIES
#   TOPO_NGINX_ACCESS_LOG TOPO_DNS_LOG (what reached the upstream, for "never reached it" tests)
#
# Upstream services: unbound on UDP+TCP 53 (and DoT 853) on every upstream address; nginx on
# 80 and 443 (any address, IPv4+IPv6) answering "ok HOST" for any path, /data/1m and
# /data/10m for bulk, keep-alive up to 1e6 requests per connection; iperf3 -s on IPERF_PORT.
# Each namespace's /etc/netns/NS/resolv.conf points at the upstream, so plain `curl NAME` in
# `topo.sh exec student` resolves through it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/topo.env"

case $TOPO_PREFIX in
'' | *[!A-Za-z0-9_.-]*) echo "topo.sh: bad TOPO_PREFIX '$TOPO_PREFIX'" >&2; exit 2 ;;
esac
LOCK=$TOPO_DIR.lock
ALL_NS="$NS_STUDENT $NS_STUDENT2 $NS_GATEWAY $NS_UPSTREAM"
SERVICES="unbound nginx iperf3"

say() { echo "topo: $*" >&2; }
die() { echo "topo.sh: $*" >&2; exit 1; }
# fd 9 (the lock) is closed for everything run in a namespace: a daemon inheriting it
# would hold the lock for its whole life and hang the next up/down.
nsx() { _ns=$1; shift; ip netns exec "$_ns" "$@" 9>&-; }
ns_exists() { [ -e "/run/netns/$1" ]; }

# Poll instead of sleeping a fixed time: services are usually up in tens of milliseconds.
wait_until() { # tries(×50 ms) cmd...
	_n=$1; shift
	while ! "$@" >/dev/null 2>&1; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.05
	done
}
listening() { # ns tcp|udp port
	[ -n "$(ip netns exec "$1" ss -Hln"$(printf %.1s "$2")" "sport = :$3" 2>/dev/null)" ]
}

# A pid from a pidfile counts only if it is alive and inside the namespace we expect, so a
# stale pidfile whose pid was reused by an unrelated process is never acted on.
pid_of() { # service → pid on stdout, or failure
	[ -s "$TOPO_DIR/$1.pid" ] || return 1
	_pid=$(tr -dc 0-9 <"$TOPO_DIR/$1.pid")
	[ -n "$_pid" ] && kill -0 "$_pid" 2>/dev/null || return 1
	ip netns identify "$_pid" 2>/dev/null | grep -qx "$NS_UPSTREAM" || return 1
	echo "$_pid"
}

healthy() {
	[ -e "$TOPO_DIR/up.done" ] || return 1
	for _ns in $ALL_NS; do ns_exists "$_ns" || return 1; done
	for _s in $SERVICES; do pid_of "$_s" >/dev/null || return 1; done
	listening "$NS_UPSTREAM" udp 53 && listening "$NS_UPSTREAM" tcp 443
}

take_lock() {
	mkdir -p "$(dirname "$LOCK")"
	# Serialises up/down of one prefix (e.g. make -j running several test scripts).
	exec 9>"$LOCK"
	flock -w 60 9 || die "another topo.sh holds $LOCK for over 60 s"
}

# ---------------------------------------------------------------- down

teardown() {
	_pids=""
	for _s in $SERVICES; do
		_p=$(pid_of "$_s") && _pids="$_pids $_p"
	done
	# Anything else still running inside our namespaces (nginx workers, a hallpassd a test
	# started) would keep the namespace and its veths alive after `ip netns del`.
	for _ns in $ALL_NS; do
		ns_exists "$_ns" && _pids="$_pids $(ip netns pids "$_ns" 2>/dev/null | tr '\n' ' ')"
	done
	_pids=$(echo $_pids)
	if [ -n "$_pids" ]; then
		kill -TERM $_pids 2>/dev/null || true
		_n=60
		while [ "$_n" -gt 0 ]; do
			_alive=""
			for _p in $_pids; do kill -0 "$_p" 2>/dev/null && _alive="$_alive $_p"; done
			[ -z "$_alive" ] && break
			_n=$((_n - 1)); sleep 0.05
		done
		if [ -n "$_alive" ]; then kill -KILL $_alive 2>/dev/null || true; fi
	fi
	for _ns in $ALL_NS; do
		ns_exists "$_ns" && ip netns del "$_ns"
		# Only the entries named after our own namespaces; /etc/netns itself may be shared.
		rm -rf "/etc/netns/$_ns"
	done
	rmdir /etc/netns 2>/dev/null || true
	# rm -rf only a dir that up made (it carries the marker), never one TOPO_DIR names by mistake.
	if [ -e "$TOPO_DIR/.hallpass-topo" ]; then
		rm -rf "$TOPO_DIR"
	elif [ -d "$TOPO_DIR" ]; then
		rmdir "$TOPO_DIR" 2>/dev/null || say "left $TOPO_DIR alone: not made by topo.sh"
	fi
}

do_down() {
	take_lock
	teardown
	rm -f "$LOCK"
	rmdir /run/hallpass-topo 2>/dev/null || true
}

# ---------------------------------------------------------------- up

make_namespaces() {
	for _ns in $ALL_NS; do
		ip netns add "$_ns"
		# Before any interface exists, so new interfaces inherit "default": no DAD (addresses
		# usable at once, not "tentative" for ~1 s), no RA/SLAAC (only the addresses we set),
		# loose rp_filter off (a new netns may inherit the host's values via
		# devconf_inherit_init_net; spoofed block answers/RSTs must not be dropped by it).
		nsx "$_ns" sysctl -q -w \
			net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.dad_transmits=0 net.ipv6.conf.default.dad_transmits=0 \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
			net.ipv6.conf.all.autoconf=0 net.ipv6.conf.default.autoconf=0 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		nsx "$_ns" ip link set lo up
	done
}

make_links() {
	# Interfaces are created directly inside the namespaces (never in the host's), so their
	# short fixed names cannot clash with the host or with a parallel topology.
	ip link add eth0 netns "$NS_STUDENT" address "$STUDENT_MAC" type veth \
		peer name s1 netns "$NS_GATEWAY"
	ip link add eth0 netns "$NS_STUDENT2" address "$STUDENT2_MAC" type veth \
		peer name s2 netns "$NS_GATEWAY"
	ip link add "$GATEWAY_WAN_IF" netns "$NS_GATEWAY" address "$GATEWAY_WAN_MAC" type veth \
		peer name "$UPSTREAM_IF" netns "$NS_UPSTREAM" address "$UPSTREAM_MAC"

	# Gateway: both students on one bridge, so it sees two MACs/IPs on one LAN like a hotspot.
	# A fixed bridge MAC keeps br0 from taking a port's random one; no STP, no forward delay,
	# so ports forward as soon as they are up.
	nsx "$NS_GATEWAY" ip link add "$GATEWAY_LAN_IF" address "$GATEWAY_LAN_MAC" type bridge \
		stp_state 0 forward_delay 0
	for _p in s1 s2; do
		# Ports carry no addresses; no IPv6 link-local on them either (only br0 has one).
		nsx "$NS_GATEWAY" sysctl -q -w "net.ipv6.conf.$_p.disable_ipv6=1"
		nsx "$NS_GATEWAY" ip link set "$_p" master "$GATEWAY_LAN_IF" up
	done
	nsx "$NS_GATEWAY" ip link set "$GATEWAY_LAN_IF" up
	nsx "$NS_GATEWAY" ip link set "$GATEWAY_WAN_IF" up
	nsx "$NS_GATEWAY" ip addr add "$GATEWAY_LAN_IP4/24" dev "$GATEWAY_LAN_IF"
	nsx "$NS_GATEWAY" ip addr add "$GATEWAY_LAN_IP6/64" dev "$GATEWAY_LAN_IF" nodad
	nsx "$NS_GATEWAY" ip addr add "$GATEWAY_WAN_IP4/24" dev "$GATEWAY_WAN_IF"
	nsx "$NS_GATEWAY" ip addr add "$GATEWAY_WAN_IP6/64" dev "$GATEWAY_WAN_IF" nodad
	nsx "$NS_GATEWAY" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# If the host has br_netfilter loaded, bridged student↔student2 frames would otherwise be
	# run through the gateway's iptables FORWARD chain (and hallpassd's queue); a real
	# hotspot's LAN switch does not filter that, and tests should not see it twice.
	if nsx "$NS_GATEWAY" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
		nsx "$NS_GATEWAY" sysctl -q -w net.bridge.bridge-nf-call-iptables=0 \
			net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0
	fi

	# Students: one interface, default route via the gateway — no other way out.
	for _ns in "$NS_STUDENT:$STUDENT_IP4:$STUDENT_IP6" "$NS_STUDENT2:$STUDENT2_IP4:$STUDENT2_IP6"; do
		_n=${_ns%%:*}; _r=${_ns#*:}; _a4=${_r%%:*}; _a6=${_r#*:}
		nsx "$_n" ip link set eth0 up
		nsx "$_n" ip addr add "$_a4/24" dev eth0
		nsx "$_n" ip addr add "$_a6/64" dev eth0 nodad
		nsx "$_n" ip route add default via "$GATEWAY_LAN_IP4"
		nsx "$_n" ip -6 route add default via "$GATEWAY_LAN_IP6"
	done

	# Upstream: main address plus the safe-search/DoH ones; default route back via the
	# gateway (the gateway itself has no route off this machine).
	nsx "$NS_UPSTREAM" ip link set "$UPSTREAM_IF" up
	for _a in $(upstream_addrs 4); do nsx "$NS_UPSTREAM" ip addr add "$_a/24" dev "$UPSTREAM_IF"; done
	for _a in $(upstream_addrs 6); do nsx "$NS_UPSTREAM" ip addr add "$_a/64" dev "$UPSTREAM_IF" nodad; done
	nsx "$NS_UPSTREAM" ip route add default via "$GATEWAY_WAN_IP4"
	nsx "$NS_UPSTREAM" ip -6 route add default via "$GATEWAY_WAN_IP6"
}

special_ip() { # name family → address
	for _pair in $TOPO_SPECIAL_NAMES; do
		if [ "${_pair%%=*}" = "$1" ]; then
			eval "echo \$${_pair#*=}_IP$2"
			return 0
		fi
	done
	return 1
}
upstream_addrs() { # family → main address then the special ones
	eval "echo \$UPSTREAM_IP$1"
	for _pair in $TOPO_SPECIAL_NAMES; do eval "echo \$${_pair#*=}_IP$1"; done
}

write_resolv() {
	# `ip netns exec NS` bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf, so every
	# program run that way resolves through the upstream's unbound (not the host's resolver).
	for _ns in $ALL_NS; do
		mkdir -p "/etc/netns/$_ns"
		printf 'nameserver %s\nnameserver %s\noptions timeout:1 attempts:2\n' \
			"$DNS_IP4" "$DNS_IP6" >"/etc/netns/$_ns/resolv.conf"
	done
}

make_certs() {
	_d=$TOPO_DIR/tls
	mkdir -p "$_d"
	_san=""
	for _h in $TOPO_NAMES; do _san="$_san,DNS:$_h"; done
	for _pair in $TOPO_SPECIAL_NAMES; do _san="$_san,DNS:${_pair%%=*}"; done
	_san="$_san,DNS:*.wild.test"
	for _a in $(upstream_addrs 4) $(upstream_addrs 6); do _san="$_san,IP:$_a"; done
	# P-256 keys: generated in milliseconds, unlike RSA.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
		-subj "/CN=hallpass test CA ($TOPO_PREFIX)" -keyout "$_d/ca.key" -out "$TOPO_CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
		2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=www.allowed.test -keyout "$_d/server.key" -out "$_d/server.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
		"${_san#,}" >"$_d/server.ext"
	openssl x509 -req -in "$_d/server.csr" -CA "$TOPO_CA" -CAkey "$_d/ca.key" \
		-CAserial "$_d/ca.srl" -CAcreateserial -days 365 -extfile "$_d/server.ext" \
		-out "$_d/server.pem" 2>/dev/null
	cat "$_d/server.pem" "$TOPO_CA" >"$_d/chain.pem"
}

start_unbound() {
	_d=$TOPO_DIR/unbound
	mkdir -p "$_d"
	_ifs=""
	for _a in $(upstream_addrs 4) $(upstream_addrs 6); do
		_ifs="$_ifs    interface: $_a
    interface: $_a@853
"
	done
	_data=""
	for _h in $TOPO_NAMES; do
		_data="$_data    local-data: \"$_h. 300 IN A $UPSTREAM_IP4\"
    local-data: \"$_h. 300 IN AAAA $UPSTREAM_IP6\"
"
	done
	for _pair in $TOPO_SPECIAL_NAMES; do
		_h=${_pair%%=*}
		_data="$_data    local-data: \"$_h. 300 IN A $(special_ip "$_h" 4)\"
    local-data: \"$_h. 300 IN AAAA $(special_ip "$_h" 6)\"
"
	done
	_log=no
	[ "${TOPO_LOG:-1}" = 0 ] || _log=yes
	cat >"$_d/unbound.conf" <<EOF
# unbound for the hallpass test topology (generated by tests/net/topo.sh; do not edit).
server:
    verbosity: 0
    username: ""
    chroot: ""
    directory: "$_d"
    pidfile: "$TOPO_DIR/unbound.pid"
    logfile: "$_d/unbound.log"
    use-syslog: no
    log-queries: $_log
    log-time-ascii: yes
    do-daemonize: yes
    num-threads: 1
    so-reuseport: no
    ip-freebind: yes
    port: 53
    tls-port: 853
    tls-service-key: "$TOPO_DIR/tls/server.key"
    tls-service-pem: "$TOPO_DIR/tls/chain.pem"
    do-ip4: yes
    do-ip6: yes
    do-udp: yes
    do-tcp: yes
$_ifs    access-control: 0.0.0.0/0 allow
    access-control: ::/0 allow
    # Only the iterator (no DNSSEC validator, no trust anchor to fetch), and "." static:
    # every name not listed is answered NXDOMAIN here, nothing is ever recursed, so no query
    # can leave the machine.
    module-config: "iterator"
    local-zone: "." static
    local-zone: "wild.test." redirect
    local-data: "wild.test. 300 IN A $UPSTREAM_IP4"
    local-data: "wild.test. 300 IN AAAA $UPSTREAM_IP6"
$_data    local-data: '$TOPO_HTTPS_RR_NAME. 300 IN HTTPS 1 . alpn="http/1.1" ipv4hint=$UPSTREAM_IP4 ipv6hint=$UPSTREAM_IP6'
    local-data: "$TOPO_ECH_RR_NAME. 300 IN A $UPSTREAM_IP4"
    local-data: '$TOPO_ECH_RR_NAME. 300 IN HTTPS 1 . alpn="h2" ech="$TOPO_ECH_CONFIG" ipv4hint=$UPSTREAM_IP4'
remote-control:
    control-enable: no
EOF
	nsx "$NS_UPSTREAM" unbound-checkconf "$_d/unbound.conf" >/dev/null
	nsx "$NS_UPSTREAM" unbound -c "$_d/unbound.conf"
}

start_nginx() {
	_d=$TOPO_DIR/nginx
	mkdir -p "$_d/tmp" "$_d/www/data"
	# Sparse files: the bulk endpoints cost no disk.
	truncate -s 1M "$_d/www/data/1m"
	truncate -s 10M "$_d/www/data/10m"
	_acc=off
	[ "${TOPO_LOG:-1}" = 0 ] || _acc="$_d/access.log hp"
	cat >"$_d/nginx.conf" <<EOF
# nginx for the hallpass test topology (generated by tests/net/topo.sh; do not edit).
# Every path under the state dir: the distribution's /etc/nginx and /var/log/nginx are not used.
user root;
worker_processes ${TOPO_NGINX_WORKERS:-1};
worker_rlimit_nofile 16384;
daemon on;
pid $TOPO_DIR/nginx.pid;
error_log $_d/error.log warn;
events { worker_connections 8192; }
http {
    log_format hp '\$remote_addr \$scheme \$host sni=\$ssl_server_name "\$request" \$status \$body_bytes_sent';
    access_log $_acc;
    client_body_temp_path $_d/tmp/body;
    proxy_temp_path $_d/tmp/proxy;
    fastcgi_temp_path $_d/tmp/fastcgi;
    uwsgi_temp_path $_d/tmp/uwsgi;
    scgi_temp_path $_d/tmp/scgi;
    default_type text/plain;
    server_tokens off;
    sendfile on;
    # Keep-alive friendly for request-rate benchmarks.
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    ssl_certificate $TOPO_DIR/tls/server.pem;
    ssl_certificate_key $TOPO_DIR/tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:hp:1m;
    server {
        # No address: answers on every upstream address (main, safe-search, DoH).
        listen 80 default_server reuseport;
        listen [::]:80 default_server ipv6only=on reuseport;
        listen 443 ssl default_server reuseport;
        listen [::]:443 ssl default_server ipv6only=on reuseport;
        server_name _;
        location /data/ { root $_d/www; }
        location / { return 200 "ok \$host\n"; }
    }
}
EOF
	# -e: nginx opens its error log before reading the config; the default one is in /var/log.
	nsx "$NS_UPSTREAM" nginx -q -t -p "$_d" -c "$_d/nginx.conf" -e "$_d/error.log"
	nsx "$NS_UPSTREAM" nginx -p "$_d" -c "$_d/nginx.conf" -e "$_d/error.log"
}

start_iperf3() {
	nsx "$NS_UPSTREAM" iperf3 -s -D -p "$IPERF_PORT" -I "$TOPO_DIR/iperf3.pid" \
		--logfile "$TOPO_DIR/iperf3.log"
}

write_dnsperf_queries() {
	: >"$TOPO_DNSPERF_QUERIES"
	for _h in $TOPO_NAMES; do printf '%s A\n%s AAAA\n' "$_h" "$_h" >>"$TOPO_DNSPERF_QUERIES"; done
}

write_env() {
	TOPO_NGINX_ACCESS_LOG=$TOPO_DIR/nginx/access.log
	TOPO_DNS_LOG=$TOPO_DIR/unbound/unbound.log
	_vars="$(sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$here/topo.env") TOPO_NGINX_ACCESS_LOG TOPO_DNS_LOG"
	{
		echo "# Resolved test-topology variables written by tests/net/topo.sh up; source with sh."
		for _v in $_vars; do eval "printf \"%s='%s'\\n\" $_v \"\$$_v\""; done
		echo "export" $_vars
	} >"$TOPO_DIR/topo.env.tmp"
	mv "$TOPO_DIR/topo.env.tmp" "$TOPO_DIR/topo.env"
}

on_up_exit() {
	_rc=$?
	if [ "$_rc" -ne 0 ]; then
		if [ "${TOPO_KEEP:-0}" = 1 ]; then
			say "up failed (status $_rc); left in place (TOPO_KEEP=1): $TOPO_DIR"
		else
			say "up failed (status $_rc); removing the partial topology"
			teardown || true
		fi
	fi
}

do_up() {
	take_lock
	if healthy; then
		say "already up ($TOPO_PREFIX)"
		return 0
	fi
	# Whatever a crashed or half-finished run left behind goes first.
	teardown
	for _c in ip ss openssl unbound nginx iperf3 flock; do
		command -v "$_c" >/dev/null || die "missing $_c (install tests/net/packages.txt)"
	done
	if [ -d "$TOPO_DIR" ] && [ -n "$(ls -A "$TOPO_DIR")" ]; then
		die "TOPO_DIR=$TOPO_DIR exists and is not empty; give an empty or new directory"
	fi
	trap on_up_exit EXIT
	mkdir -p "$TOPO_DIR"
	touch "$TOPO_DIR/.hallpass-topo"
	make_namespaces
	make_links
	write_resolv
	make_certs
	write_env
	write_dnsperf_queries
	start_unbound
	start_nginx
	start_iperf3
	# The daemons fork before writing their pidfiles; wait for both pidfile and sockets.
	for _s in $SERVICES; do wait_until 100 pid_of "$_s" || die "$_s did not start (see $TOPO_DIR)"; done
	wait_until 100 listening "$NS_UPSTREAM" udp 53 || die "unbound not listening"
	wait_until 100 listening "$NS_UPSTREAM" tcp 53 || die "unbound not listening on tcp"
	wait_until 100 listening "$NS_UPSTREAM" tcp 443 || die "nginx not listening"
	wait_until 100 listening "$NS_UPSTREAM" tcp "$IPERF_PORT" || die "iperf3 not listening"
	touch "$TOPO_DIR/up.done"
	trap - EXIT
	say "up ($TOPO_PREFIX): env in $TOPO_DIR/topo.env"
}

# ---------------------------------------------------------------- status, exec

do_status() {
	_ok=0
	for _ns in $ALL_NS; do
		if ns_exists "$_ns"; then
			echo "$_ns:"
			nsx "$_ns" ip -br addr show | grep -v '^lo ' | sed 's/^/  /'
		else
			echo "$_ns: missing"; _ok=1
		fi
	done
	for _s in $SERVICES; do
		if _p=$(pid_of "$_s"); then echo "$_s: running, pid $_p"; else echo "$_s: not running"; _ok=1; fi
	done
	[ -e "$TOPO_DIR/up.done" ] || _ok=1
	[ "$_ok" = 0 ] && echo "status: up ($TOPO_DIR/topo.env)" || echo "status: not (fully) up"
	return "$_ok"
}

do_exec() {
	[ $# -ge 2 ] || die "usage: topo.sh exec NS CMD..."
	case $1 in
	student | student2 | gateway | upstream) _ns=$TOPO_PREFIX$1 ;;
	*) _ns=$1 ;;
	esac
	ns_exists "$_ns" || die "no namespace $_ns (run topo.sh up)"
	shift
	if [ -r "$TOPO_DIR/topo.env" ]; then . "$TOPO_DIR/topo.env"; fi
	exec ip netns exec "$_ns" "$@"
}

[ $# -ge 1 ] || { sed -n '4,11s/^# \{0,1\}//p' "$0" >&2; exit 2; }
cmd=$1; shift
case $cmd in
up) do_up ;;
down) do_down ;;
status) do_status ;;
env) cat "$TOPO_DIR/topo.env" ;;
exec) do_exec "$@" ;;
*) sed -n '4,11s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
