#!/bin/sh
# ship.sh: three gateways ship to a real PostgreSQL 15 cluster — the district stopped mid-traffic, a shipper killed -9 mid-batch — and PostgreSQL ends up with exactly the gateways' own counts (TAP).
set -u
top=${HALLPASS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HALLPASS_BUILD:-build/test}
hp=$top/$build/hallpass
sim=$top/$build/tests/hp_gwsim
bindir=${HP_PG_BIN:-/usr/lib/postgresql/15/bin}
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3 (got '$1', want '$2')"; fi; }

tmp=$(mktemp -d /tmp/hp-ship.XXXXXX) || exit 1
chmod 0755 "$tmp"
pids=""
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	"$top/tests/pg/pgcluster.sh" stop "$tmp/pg" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
if ! uri=$("$top/tests/pg/pgcluster.sh" start "$tmp/pg" 2>"$tmp/pgcluster.log"); then
	nok "PostgreSQL 15 cluster started"; sed 's/^/# /' "$tmp/pgcluster.log"; echo "1..$n"; exit 1
fi
ok "PostgreSQL 15 cluster started (initdb + pg_ctl as an unprivileged user, Unix socket only)"
q() { "$bindir/psql" -X -qAt "$uri" -c "$1"; }
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export ASAN_OPTIONS

# A gateway: its own config dir and SQLite file; students s1001..s1005 show up at all three.
for g in gw1 gw2 gw3; do
	mkdir -p "$tmp/$g"
	cp -r "$top/tests/fixtures/base/." "$tmp/$g/"
	printf 'database: %s\nship_to: "%s"\ngateway_id: %s\nship_interval: 1\n' \
	    "$tmp/$g.db" "$uri" "$g" >"$tmp/$g/hallpass.yaml"
done
echo "ship_backlog_warn: 5" >>"$tmp/gw3/hallpass.yaml"
"$sim" "$tmp/gw1.db" 1 20 && "$sim" "$tmp/gw2.db" 2 12 && "$sim" "$tmp/gw3.db" 3 7 ||
	nok "gateways' activity written"

# The gateway's own numbers and the district's for it, as one line each.
local_counts() {
	sqlite3 "$tmp/$1.db" "SELECT (SELECT count(*) FROM events WHERE action = 'block'),
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) || '/' || sum(bytes) || '/' || sum(seconds) FROM usage_daily),
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) || '/' || sum(bytes) || '/' || sum(seconds) FROM usage_hourly)"
}
district_counts() {
	q "SELECT (SELECT count(*) FROM events WHERE gateway = '$1') || '|' ||
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) || '/' || sum(bytes) || '/' || sum(seconds) FROM usage_daily WHERE gateway = '$1') || '|' ||
	    (SELECT count(*) || '/' || sum(visits) || '/' || sum(blocked) || '/' || sum(bytes) || '/' || sum(seconds) FROM usage_hourly WHERE gateway = '$1')"
}
all_equal() {
	for g in gw1 gw2 gw3; do
		[ "$(local_counts $g)" = "$(district_counts $g)" ] || return 1
	done
	return 0
}

for g in gw1 gw2 gw3; do
	"$hp" -c "$tmp/$g" ship --once >"$tmp/$g.once.log" 2>&1 || nok "$g: ship --once exit 0"
done
for g in gw1 gw2 gw3; do
	check "$(district_counts $g)" "$(local_counts $g)" \
	    "$g: the district holds exactly the gateway's block events and rollups"
done
check "$(q "SELECT count(DISTINCT gateway) FROM usage_daily WHERE student = 's1001'")" 3 \
    "s1001 was seen at all three gateways"
"$hp" -c "$tmp/gw1" ship --once >"$tmp/gw1.again.log" 2>&1
grep -q "shipped 0 block events, 0 daily and 0 hourly" "$tmp/gw1.again.log" &&
    ok "a second pass with nothing new ships nothing" || nok "a second pass ships nothing"
check "$(district_counts gw1)" "$(local_counts gw1)" "gw1: still exact after a second pass (nothing doubled)"
check "$(q "SELECT backlog FROM gateway_health WHERE gateway = 'gw2'")" 0 "gw2's health reached the district, backlog 0"

# The district goes down during traffic; the shippers keep running and the gateways keep their backlog.
for g in gw1 gw2 gw3; do
	"$hp" -c "$tmp/$g" ship >"$tmp/$g.loop.log" 2>&1 &
	pids="$pids $!"
done
sleep 2
"$top/tests/pg/pgcluster.sh" pause "$tmp/pg"
"$sim" "$tmp/gw1.db" 11 8 && "$sim" "$tmp/gw2.db" 12 8 && "$sim" "$tmp/gw3.db" 13 8
sleep 3
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
check "$alive" 3 "all three shippers still run while the district is down"
grep -q "cannot ship:.*rows wait in" "$tmp/gw1.loop.log" &&
    ok "the shipper says it cannot ship and how many rows wait" ||
    { nok "the shipper says it cannot ship"; sed 's/^/# /' "$tmp/gw1.loop.log" | tail -5; }
grep -q "rows wait to ship (over ship_backlog_warn 5)" "$tmp/gw3.loop.log" &&
    ok "a backlog over ship_backlog_warn is a warning" || nok "backlog warning"
"$top/tests/pg/pgcluster.sh" resume "$tmp/pg" || nok "district database restarted"
i=0
until all_equal || [ $i -ge 60 ]; do sleep 0.5; i=$((i + 1)); done
all_equal && ok "after the district is back every row arrives, exactly once" ||
    { nok "after the district is back every row arrives"; for g in gw1 gw2 gw3; do
      echo "# $g local $(local_counts $g) district $(district_counts $g)"; done; }
grep -q "district reachable again" "$tmp/gw2.loop.log" && ok "the shipper says the district is back" ||
    nok "the shipper says the district is back"
for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids=""

# A shipper killed with -9 mid-batch: a lock holds its rollup transaction open while it is killed.
"$sim" "$tmp/gw2.db" 21 10 100
"$bindir/psql" -X -q "$uri" -c "BEGIN; LOCK TABLE usage_daily IN EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;" \
    >/dev/null 2>&1 &
locker=$!
sleep 0.5
"$hp" -c "$tmp/gw2" ship --once --batch 50 >"$tmp/gw2.kill.log" 2>&1 &
shipper=$!
pids="$shipper"
i=0
until [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")" -ge 1 ] || [ $i -ge 40 ]; do
	sleep 0.1; i=$((i + 1))
done
check "$(q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")" 1 \
    "the shipper is mid-batch: its rollup insert waits inside a transaction"
partial=$(district_counts gw2)
kill -9 "$shipper" 2>/dev/null
wait "$shipper" 2>/dev/null
pids=""
wait "$locker" 2>/dev/null
[ "$partial" != "$(local_counts gw2)" ] && ok "killed -9 mid-batch: the district had only part of it" ||
    nok "the kill came mid-batch"
"$hp" -c "$tmp/gw2" ship --once >"$tmp/gw2.after.log" 2>&1 || nok "ship --once after the kill"
check "$(district_counts gw2)" "$(local_counts gw2)" "after the kill and one more pass: exactly the gateway's counts"
for g in gw1 gw3; do
	check "$(district_counts $g)" "$(local_counts $g)" "$g: untouched and exact"
done
# Nothing doubled anywhere: the district's totals are the sum of the gateways'.
want=0
for g in gw1 gw2 gw3; do want=$((want + $(sqlite3 "$tmp/$g.db" "SELECT sum(visits) FROM usage_daily"))); done
check "$(q "SELECT sum(visits) FROM usage_daily")" "$want" "the district's visits are the sum of the three gateways'"
if grep -q "ERROR: AddressSanitizer\|runtime error" "$tmp"/*.log; then
	nok "no sanitizer reports"; grep -h "ERROR: AddressSanitizer\|runtime error" "$tmp"/*.log | head -5 | sed 's/^/# /'
else
	ok "no sanitizer reports"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
