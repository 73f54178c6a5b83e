#!/bin/sh
# ship-bench.sh: rows/s that N gateways' shippers put into PostgreSQL, next to a plain COPY of the same rows (the limit); make bench's "ship" section.
# Knobs: SHIP_BENCH_GATEWAYS (default 4), SHIP_BENCH_BATCHES (hp_gwsim batches of 500 events per gateway, default 100).
set -u
cd "$(dirname "$0")/.." || exit 1
B=${HALLPASS_BUILD:-build/rel}
G=${SHIP_BENCH_GATEWAYS:-4}
NB=${SHIP_BENCH_BATCHES:-100}
bindir=${HP_PG_BIN:-/usr/lib/postgresql/15/bin}
RESULTS=${RESULTS:-bench/results}
for f in "$B/hallpass" "$B/tests/hp_gwsim"; do
	[ -x "$f" ] || { echo "ship-bench: $f missing (make B=$B all $B/tests/hp_gwsim)" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/hp-shipbench.XXXXXX) || exit 1
chmod 0755 "$tmp"
trap 'tests/pg/pgcluster.sh stop "$tmp/pg" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
uri=$(tests/pg/pgcluster.sh start "$tmp/pg") || exit 1
q() { "$bindir/psql" -X -qAt "$uri" -c "$1"; }
now_ms() { date +%s%3N; }

i=1
while [ $i -le "$G" ]; do
	mkdir -p "$tmp/gw$i"
	cp -r tests/fixtures/base/. "$tmp/gw$i/"
	printf 'database: %s\nship_to: "%s"\ngateway_id: gw%s\n' "$tmp/gw$i.db" "$uri" "$i" >"$tmp/gw$i/hallpass.yaml"
	"$B/tests/hp_gwsim" "$tmp/gw$i.db" "$i" "$NB" 500 || exit 1
	i=$((i + 1))
done
# The schema exists before the clock starts (the first open migrates).
"$B/hallpass" -c "$tmp/gw1" ship --once --batch 1 >/dev/null 2>&1 </dev/null
q "TRUNCATE events, usage_daily, usage_hourly, gateway_health" >/dev/null
sqlite3 "$tmp/gw1.db" "DELETE FROM ship_state"
rows=0
i=1
while [ $i -le "$G" ]; do
	rows=$((rows + $(sqlite3 "$tmp/gw$i.db" "SELECT (SELECT count(*) FROM events WHERE seq IS NOT NULL) + (SELECT count(*) FROM usage_daily) + (SELECT count(*) FROM usage_hourly)")))
	i=$((i + 1))
done

t0=$(now_ms)
i=1 pids=""
while [ $i -le "$G" ]; do
	"$B/hallpass" -c "$tmp/gw$i" ship --once >"$tmp/ship$i.log" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p" || { echo "ship-bench: a shipper failed:" >&2; cat "$tmp"/ship*.log >&2; exit 1; }; done
t1=$(now_ms)
got=$(q "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM usage_daily) + (SELECT count(*) FROM usage_hourly)")
[ "$got" = "$rows" ] || { echo "ship-bench: the district holds $got rows, the gateways $rows" >&2; exit 1; }

# The limit: the same rows, exported as CSV, COPYed by as many psql sessions into plain tables.
q "CREATE TABLE c_events (LIKE events INCLUDING DEFAULTS); CREATE UNIQUE INDEX ON c_events (gateway, seq, ts_ms);
   CREATE TABLE c_daily (LIKE usage_daily INCLUDING DEFAULTS); CREATE UNIQUE INDEX ON c_daily (gateway, day, student, host);
   CREATE TABLE c_hourly (LIKE usage_hourly INCLUDING DEFAULTS); CREATE UNIQUE INDEX ON c_hourly (gateway, day, student, hour);" >/dev/null
i=1
while [ $i -le "$G" ]; do
	sqlite3 -csv "$tmp/gw$i.db" "SELECT 'gw$i', seq, ts_ms, day, hour, student, client, proto, host, category, action, rule, reason FROM events WHERE seq IS NOT NULL" >"$tmp/e$i.csv"
	sqlite3 -csv "$tmp/gw$i.db" "SELECT 'gw$i', day, student, host, category, visits, blocked, bytes, seconds, seq FROM usage_daily" >"$tmp/d$i.csv"
	sqlite3 -csv "$tmp/gw$i.db" "SELECT 'gw$i', day, student, hour, visits, blocked, bytes, seconds, seq FROM usage_hourly" >"$tmp/h$i.csv"
	i=$((i + 1))
done
t2=$(now_ms)
i=1 pids=""
while [ $i -le "$G" ]; do
	"$bindir/psql" -X -q "$uri" -c "\\copy c_events (gateway, seq, ts_ms, day, hour, student, client, proto, host, category, action, rule, reason) FROM '$tmp/e$i.csv' CSV" \
	    -c "\\copy c_daily (gateway, day, student, host, category, visits, blocked, bytes, seconds, seq) FROM '$tmp/d$i.csv' CSV" \
	    -c "\\copy c_hourly (gateway, day, student, hour, visits, blocked, bytes, seconds, seq) FROM '$tmp/h$i.csv' CSV" >/dev/null &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p" || exit 1; done
t3=$(now_ms)
ship_ms=$((t1 - t0)) copy_ms=$((t3 - t2))
[ "$ship_ms" -gt 0 ] || ship_ms=1
[ "$copy_ms" -gt 0 ] || copy_ms=1
ship_rps=$((rows * 1000 / ship_ms)) copy_rps=$((rows * 1000 / copy_ms))
ratio=$(awk "BEGIN { printf \"%.2f\", $ship_rps / $copy_rps }")
echo "ship: $G gateways shipping to PostgreSQL 15 (Unix socket, fsync off), $rows rows (block events + rollups)"
printf '  %-34s %10s rows/s  (%d ms)\n' "hallpass ship, $G in parallel" "$ship_rps" "$ship_ms"
printf '  %-34s %10s rows/s  (%d ms)\n' "plain COPY of the same rows" "$copy_rps" "$copy_ms"
echo "  ratio ship/COPY: $ratio (the rest is the exactly-once upsert: ON CONFLICT, per-row seq check)"
mkdir -p "$RESULTS"
printf '{"gateways":%d,"rows":%d,"ship_rows_per_s":%d,"copy_rows_per_s":%d,"ratio":%s}\n' \
    "$G" "$rows" "$ship_rps" "$copy_rps" "$ratio" >"$RESULTS/ship.json"
