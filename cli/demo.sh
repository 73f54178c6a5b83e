#!/bin/sh
# The demo: a student laptop, a gateway running hallpassd with the shipped rules, an upstream "internet", and the parent dashboard on 127.0.0.1.
# usage: cli/demo.sh up | down | status
#   up      (re)builds everything in network namespaces (prefix hp-demo-), browses as two
#           students, starts the dashboard on http://127.0.0.1:${DEMO_PORT:-8080}/ and prints
#           the demo guardian's login; running it again starts over
#   down    removes every namespace, rule, process and file it made
# Environment: HALLPASS_BUILD (default build/rel), DEMO_PORT (8080), DEMO_DIR (/run/hallpass-demo),
# DEMO_PREFIX (hp-demo-, the namespaces' prefix).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${HALLPASS_BUILD:-build/rel}
case $build in /*) ;; *) build=$top/$build ;; esac
port=${DEMO_PORT:-8080}
state=${DEMO_DIR:-/run/hallpass-demo}
export TOPO_PREFIX=${DEMO_PREFIX:-hp-demo-}
export TOPO_DIR=$state/topo
T=$top/tests/net/topo.sh
# The demo guardian: María G. (g1), parent of Ana (s1001, elementary) and Mateo (s1002, secondary).
guardian=g1
email=maria.garcia@example.org
password=hallpass-demo-2026

say() { printf '%s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

down() {
	if [ -s "$state/lighttpd.pid" ]; then
		kill "$(cat "$state/lighttpd.pid")" 2>/dev/null || true
	fi
	if [ -s "$state/www/lighttpd.pid" ]; then
		kill "$(cat "$state/www/lighttpd.pid" 2>/dev/null)" 2>/dev/null || true
	fi
	if [ -s "$state/hallpassd.pid" ]; then
		_p=$(cat "$state/hallpassd.pid")
		kill -TERM "$_p" 2>/dev/null || true
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	fi
	if [ -e "/run/netns/${TOPO_PREFIX}gateway" ] && [ -d "$state/etc" ]; then
		ip netns exec "${TOPO_PREFIX}gateway" "$build/hallpass" -c "$state/etc" firewall down \
		    >/dev/null 2>&1 || true
	fi
	"$T" down >/dev/null 2>&1 || true
	rm -rf "$state"
}

case ${1:-up} in
down)
	down
	say "demo: down (namespaces, rules, hallpassd, lighttpd and $state removed)"
	exit 0
	;;
status)
	[ -s "$state/hallpassd.pid" ] && kill -0 "$(cat "$state/hallpassd.pid")" 2>/dev/null &&
	    say "demo: up, dashboard at http://127.0.0.1:$port/" && exit 0
	say "demo: not running"
	exit 1
	;;
up) ;;
*) sed -n '3,9p' "$0" >&2; exit 2 ;;
esac

[ "$(id -u)" = 0 ] || die "run as root (network namespaces, iptables, NFQUEUE)"
for b in hallpass hallpassd hallpass.cgi; do
	[ -x "$build/$b" ] || die "no $build/$b: run make first"
done
down
mkdir -p "$state"
# hallpassd reads etc/ again on a reload as the hallpass user.
chmod 0755 "$state"

say "== 1. The network: student laptops, a gateway, an upstream standing in for the internet"
"$T" up >"$state/topo.log" 2>&1 || { cat "$state/topo.log" >&2; die "topology failed"; }
. "$TOPO_DIR/topo.env"
say "   ${NS_STUDENT} ($STUDENT_IP4, MAC $STUDENT_MAC): Ana's laptop (s1001, elementary)"
say "   ${NS_STUDENT2} ($STUDENT2_IP4, MAC $STUDENT2_MAC): Mateo's laptop (s1002, secondary)"
say "   ${NS_GATEWAY}: the district gateway; ${NS_UPSTREAM}: DNS (unbound) and web servers (nginx)"

say "== 2. The gateway: the shipped rules, hallpassd, the firewall rules"
# hallpassd gives up root for this user once its queues are open (docs/hallpassd.md); an
# install creates it, so does the demo (demo-down leaves it, as a package removal would).
id hallpass >/dev/null 2>&1 ||
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin hallpass
cp -r rules "$state/etc"
sed -i -e "s|^database:.*|database: $state/hallpass.db|" -e "s|^fail:.*|fail: open|" \
    "$state/etc/hallpass.yaml"
# Mateo's laptop is known by its MAC alone here (the example also pins an address it lacks).
sed -i '/ip: "2001:db8:10::2"/d' "$state/etc/policy.yaml"
# The same demo at any hour: the district runs in a fixed-offset zone where it is now 4 PM, after
# school and before bedtime (at 3 AM in Chicago Ana's laptop would be in bedtime, rightly).
_off=$((16 - $(date -u +%H | sed 's/^0//')))
[ $_off -le 14 ] || _off=$((_off - 24))
if [ $_off -gt 0 ]; then _tz="Etc/GMT-$_off"; elif [ $_off -lt 0 ]; then _tz="Etc/GMT+$((-_off))"; else _tz=Etc/UTC; fi
sed -i "s|^timezone:.*|timezone: $_tz|" "$state/etc/policy.yaml"
say "   the district's clock: $_tz, where it is now $(TZ=$_tz date +%H:%M) (after school, before bedtime)"
"$build/hallpass" -c "$state/etc" rules check | sed 's/^/   /'
ip netns exec "$NS_GATEWAY" "$build/hallpass" -c "$state/etc" firewall up | sed 's/^/   /'
ip netns exec "$NS_GATEWAY" "$build/hallpassd" -c "$state/etc" --daemon \
    --pidfile "$state/hallpassd.pid" 2>>"$state/hallpassd.log"
_i=0
until grep -q "filtering on" "$state/hallpassd.log" 2>/dev/null; do
	_i=$((_i + 1))
	[ $_i -lt 100 ] || { cat "$state/hallpassd.log" >&2; die "hallpassd did not start"; }
	sleep 0.05
done
say "   hallpassd is running (log: $state/hallpassd.log)"

say "== 3. Browsing as the students would (dig and curl in their namespaces)"
browse() { # ns who name
	_ns=$1 _who=$2 _name=$3
	_addr=$(ip netns exec "$_ns" dig +short +tries=1 +time=2 "@$DNS_IP4" "$_name" A 2>/dev/null | tail -n 1)
	if [ -z "$_addr" ]; then
		printf '   %-6s %-22s DNS: blocked (no such name)\n' "$_who" "$_name"
		_addr=$UPSTREAM_IP4	# a student who knows the address tries anyway
	fi
	_code=$(ip netns exec "$_ns" curl -s -o /dev/null -m 5 --cacert "$TOPO_CA" \
	    --resolve "$_name:443:$_addr" -w '%{http_code}' "https://$_name/" 2>/dev/null || true)
	case $_code in
	200) _r="HTTPS: allowed" ;;
	000) _r="HTTPS: blocked (connection reset at once)" ;;
	*) _r="HTTPS: $_code" ;;
	esac
	_http=$(ip netns exec "$_ns" curl -s -m 5 --resolve "$_name:80:$_addr" "http://$_name/" 2>/dev/null |
	    sed -n 's/.*<h1>\(This site is blocked\)<\/h1>.*/\1/p')
	printf '   %-6s %-22s %s%s\n' "$_who" "$_name" "$_r" "${_http:+; HTTP: block page}"
}
for n in khanacademy.org www.allowed.test www.bet365.com minecraft.net www.instagram.com; do
	browse "$NS_STUDENT" Ana "$n"
done
for n in www.allowed.test www.instagram.com www.bet365.com cloudflare-dns.com; do
	browse "$NS_STUDENT2" Mateo "$n"
done
_g=$(ip netns exec "$NS_STUDENT" dig +short +tries=1 +time=2 "@$DNS_IP4" www.google.com A | xargs)
if [ -n "$_g" ]; then
	say "   Ana    www.google.com         DNS: $_g (safe search enforced)"
else
	say "   Ana    www.google.com         DNS: blocked (no such name)"
fi
sleep 0.3	# the activity writer commits every 50 ms
say "   Why each was blocked, as hallpassd recorded it:"
"$build/hallpass" -c "$state/etc" activity --since -1h --json --reason "make demo" 2>/dev/null |
    grep '"action":"block"' |
    awk -F'"' '{ for (i = 1; i < NF; i++) if ($i ~ /^(student|host|category|reason)$/ && $(i + 1) ~ /^:/)
	m[$i] = $(i + 1) == ":" ? $(i + 2) : "-"; print m["student"], m["host"], m["category"], m["reason"] }' |
    sort -u | while read -r _st _host _cat _why; do
	case $_st in s1001) _st=Ana ;; s1002) _st=Mateo ;; esac
	printf '   %-6s %-22s %s (%s)\n' "$_st" "$_host" "$_why" "$_cat"
done

say "== 4. The parent dashboard"
code=$("$build/hallpass" -c "$state/etc" guardian invite "$guardian" | sed -n 's/^code //p')
[ -n "$code" ] || die "guardian invite failed"
started=$(dashboard-cgi/serve.sh -d -p "$port" -c "$state/etc" -b "$build" -s "$state/www" -u hallpass) ||
    die "lighttpd did not start on 127.0.0.1:$port (is the port taken? set DEMO_PORT)"
echo "$started" | sed -n 's/^pid \([0-9]*\) .*/\1/p' >"$state/lighttpd.pid"
# Enrol the demo guardian the way a parent would: the enrolment form with the invite code.
base="http://127.0.0.1:$port/hallpass.cgi"
form=$(curl -s -c "$state/cookies" "$base/enrol")
csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
pre=$(awk '$6 ~ /pre/ {print $6 "=" $7}' "$state/cookies" | head -n 1)
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $pre" --data-urlencode "csrf=$csrf" \
    --data-urlencode "code=$code" --data-urlencode "password=$password" \
    --data-urlencode "password2=$password" "$base/enrol")
case $st in 2?? | 3??) ;; *) die "enrolling the demo guardian failed (HTTP $st)" ;; esac
rm -f "$state/cookies"

say ""
say "hallpass demo is up."
say "  Dashboard:  http://127.0.0.1:$port/"
say "  Log in as:  $email   password: $password"
say "              (María G., guardian of Ana and Mateo: their sites, blocked attempts, time online)"
say "  Try more:   ip netns exec $NS_STUDENT curl -sk https://www.bet365.com/ --resolve www.bet365.com:443:$UPSTREAM_IP4"
say "              $build/hallpass -c $state/etc activity --since -1h"
say "  Stop:       make demo-down"
