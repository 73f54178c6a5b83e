#!/bin/sh
# district.sh: three real gateways (hallpassd in namespaces) ship to one PostgreSQL 15 district database; a student moves between them, the district goes down mid-traffic; TAP.
# Topology prefixes hp-g1- hp-g2- hp-g3- keep it apart from every other test.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${HALLPASS_BUILD:-build/test}
HALLPASS=${HALLPASS:-$top/$build/hallpass}
HALLPASSD=${HALLPASSD:-$(dirname "$HALLPASS")/hallpassd}
T=$here/topo.sh
PGC=$top/tests/pg/pgcluster.sh
bindir=${HP_PG_BIN:-/usr/lib/postgresql/15/bin}
. "$here/tap.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

work=$(mktemp -d /tmp/hallpass-district.XXXXXX)
# hallpassd runs as nobody (user: below) and reloads its configuration as nobody.
chmod 0755 "$work"
chmod 0755 "$work"
dpids="" spids=""
cleanup() {
	for p in $spids $dpids; do kill "$p" 2>/dev/null; done
	for p in $spids $dpids; do wait "$p" 2>/dev/null; done
	for i in 1 2 3; do
		ip netns exec "hp-g$i-gateway" "$HALLPASS" -c "$work/gw$i" firewall down >/dev/null 2>&1
		TOPO_PREFIX="hp-g$i-" "$T" down >/dev/null 2>&1
	done
	"$PGC" stop "$work/pg" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ] || ! [ -x "$HALLPASSD" ] || ! [ -x "$bindir/initdb" ]; then
	skip "district end to end" "needs root, $HALLPASSD and PostgreSQL 15"
	tap_end
	exit 0
fi
if ! uri=$("$PGC" start "$work/pg" 2>"$work/pg.log"); then
	nok "district database (PostgreSQL 15) started" "$(cat "$work/pg.log")"
	tap_end
	exit 1
fi
ok "district database (PostgreSQL 15) started"
q() { "$bindir/psql" -X -qAt "$uri" -c "$1"; }

for i in 1 2 3; do
	if ! TOPO_PREFIX="hp-g$i-" "$T" up >"$work/topo$i.log" 2>&1; then
		nok "gateway $i's topology up" "$(tail -5 "$work/topo$i.log")"
		tap_end
		exit 1
	fi
done
ok "three gateway topologies up"
. /run/hallpass-topo/hp-g1/topo.env
# Ana's laptop has the same MAC behind every gateway: she carries it from home to the library.
for i in 1 2 3; do
	c=$work/gw$i
	mkdir -p "$c/rules.d"
	printf 'category: gambling\ndescription: test\ndomains: [bet365.com]\n' >"$c/rules.d/gambling.yaml"
	cp "$top/rules/aup.yaml" "$c/"
	cat >"$c/policy.yaml" <<EOF
timezone: UTC
default_group: standard
groups:
  standard:
    block: [gambling]
students:
  s1:
    name: Ana
    group: standard
    devices:
      - mac: "$STUDENT_MAC"
EOF
	cat >"$c/hallpass.yaml" <<EOF
queues: [4]
fail: closed
database: $work/gw$i.db
dns_block: nxdomain
ship_to: "$uri"
gateway_id: gw$i
ship_interval: 1
user: nobody
EOF
	ip netns exec "hp-g$i-gateway" "$HALLPASS" -c "$c" firewall up >"$work/fw$i.log" 2>&1 ||
		nok "gateway $i: firewall up" "$(cat "$work/fw$i.log")"
	ip netns exec "hp-g$i-gateway" "$HALLPASSD" -c "$c" >"$work/hallpassd$i.log" 2>&1 &
	dpids="$dpids $!"
done
for i in 1 2 3; do
	j=0
	while ! grep -q "filtering on" "$work/hallpassd$i.log" && [ $j -lt 100 ]; do sleep 0.05; j=$((j + 1)); done
done
expect "three hallpassd running" 3 sh -c "grep -l 'filtering on' $work/hallpassd*.log | wc -l"

# Ana at gateway $1: $2 blocked lookups (distinct names: the gate folds repeats) and two allowed.
browse() {
	k=0
	while [ $k -lt "$2" ]; do
		ip netns exec "hp-g$1-student" dig +tries=1 +time=2 "@$DNS_IP4" "n$3-$k.bet365.com" A >/dev/null 2>&1
		k=$((k + 1))
	done
	ip netns exec "hp-g$1-student" dig +tries=1 +time=2 "@$DNS_IP4" allowed.test A >/dev/null 2>&1
	ip netns exec "hp-g$1-student" dig +tries=1 +time=2 "@$DNS_IP4" www.wikipedia.org A >/dev/null 2>&1
}
status() { # gateway name
	ip netns exec "hp-g$1-student" dig +tries=1 +time=2 "@$DNS_IP4" "$2" A |
	    sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}
browse 1 3 a
browse 2 4 a
browse 3 2 a

for i in 1 2 3; do
	"$HALLPASS" -c "$work/gw$i" ship >"$work/ship$i.log" 2>&1 &
	spids="$spids $!"
done

local_counts() { # the gateway's own numbers
	sqlite3 "$work/gw$1.db" "SELECT (SELECT count(*) FROM events WHERE action = 'block'),
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) FROM usage_daily),
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) FROM usage_hourly)" 2>/dev/null
}
district_counts() { # the district's for that gateway
	q "SELECT (SELECT count(*) FROM events WHERE gateway = 'gw$1') || '|' ||
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) FROM usage_daily WHERE gateway = 'gw$1') || '|' ||
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) FROM usage_hourly WHERE gateway = 'gw$1')" 2>/dev/null
}
all_equal() {
	for i in 1 2 3; do
		[ -n "$(local_counts $i)" ] && [ "$(local_counts $i)" = "$(district_counts $i)" ] || return 1
	done
}
wait_equal() {
	j=0
	until all_equal || [ $j -ge 60 ]; do sleep 0.5; j=$((j + 1)); done
	all_equal
}
dump() { for i in 1 2 3; do echo "gw$i local $(local_counts $i) district $(district_counts $i)"; done; }

if wait_equal; then ok "the district holds exactly what each gateway recorded"; else nok "the district holds what each gateway recorded" "$(dump)"; fi
expect "Ana's blocked lookups at all three gateways reached the district" 9 \
    q "SELECT count(*) FROM events WHERE student = 's1' AND host LIKE '%bet365.com'"
expect "her day is in the district's rollups from three gateways" 3 \
    q "SELECT count(DISTINCT gateway) FROM usage_daily WHERE student = 's1'"

# The district goes down while students browse: filtering goes on, the gateways keep it all.
"$PGC" pause "$work/pg"
browse 1 2 b
browse 2 3 b
browse 3 1 b
expect "district down: gateway 2 still blocks" NXDOMAIN status 2 www.bet365.com
expect "district down: gateway 3 still answers allowed names" NOERROR status 3 allowed.test
sleep 2
contains "district down: the shipper says it cannot ship and what waits" "rows wait in" cat "$work/ship2.log"
"$PGC" resume "$work/pg" || nok "district database restarted"
if wait_equal; then ok "district back: every row arrived, exactly once"; else nok "district back: every row arrived" "$(dump)"; fi
expect "Ana's blocked lookups, before and during the outage, each counted once" 16 \
    q "SELECT count(*) FROM events WHERE student = 's1' AND host LIKE '%bet365.com'"
j=0
until [ "$(q "SELECT count(*) FROM gateway_health WHERE last_packet_ms > 0 AND backlog = 0")" = 3 ] || [ $j -ge 30 ]; do
	sleep 0.5; j=$((j + 1))
done
expect "each gateway's health (last packet, backlog 0) reached the district" 3 \
    q "SELECT count(*) FROM gateway_health WHERE last_packet_ms > 0 AND backlog = 0"

# The district's own reader: `hallpass activity` on the district database merges the gateways.
mkdir -p "$work/district"
cp "$work/gw1/policy.yaml" "$work/gw1/aup.yaml" "$work/district/"
cp -r "$work/gw1/rules.d" "$work/district/"
printf 'database: "%s"\n' "$uri" >"$work/district/hallpass.yaml"
expect "hallpass activity on the district database shows her blocks from every gateway" 16 \
    sh -c "'$HALLPASS' -c '$work/district' activity --student s1 --json | grep -c bet365.com"
expect "hallpass gateways lists the three, each with backlog 0" "gw1 0
gw2 0
gw3 0" sh -c "'$HALLPASS' -c '$work/district' gateways --json | sed -n 's/.*\"gateway\":\"\\([^\"]*\\)\".*\"backlog\":\\([0-9]*\\).*/\\1 \\2/p'"
for p in $dpids; do kill -0 "$p" 2>/dev/null || nok "a hallpassd died" "$(cat "$work"/hallpassd*.log | tail -5)"; done
if grep -q "ERROR: AddressSanitizer\|runtime error" "$work"/*.log; then
	nok "no sanitizer reports" "$(grep -h "ERROR: AddressSanitizer\|runtime error" "$work"/*.log | head -5)"
else
	ok "no sanitizer reports"
fi
tap_end
