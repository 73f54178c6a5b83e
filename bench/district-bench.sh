#!/bin/sh
# district-bench.sh: the parent page on PostgreSQL with a district-sized data set (make bench's "district" section): p50/p95, target p95 < 100 ms.
# Knobs: DISTRICT_STUDENTS (default 5000), DISTRICT_DAYS (default 180: a school year), DISTRICT_RUNS (default 50).
set -u
cd "$(dirname "$0")/.." || exit 1
B=${HALLPASS_BUILD:-build/rel}
S=${DISTRICT_STUDENTS:-5000}
D=${DISTRICT_DAYS:-180}
R=${DISTRICT_RUNS:-50}
bindir=${HP_PG_BIN:-/usr/lib/postgresql/15/bin}
RESULTS=${RESULTS:-bench/results}
tmp=$(mktemp -d /tmp/hp-districtbench.XXXXXX) || exit 1
chmod 0755 "$tmp"
trap 'tests/pg/pgcluster.sh stop "$tmp/pg" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
uri=$(tests/pg/pgcluster.sh start "$tmp/pg") || exit 1
q() { "$bindir/psql" -X -qAt -v ON_ERROR_STOP=1 "$uri" -c "$1"; }
cp -r rules "$tmp/conf" || exit 1
# (& and | are sed's: the URI has an &.)
sed -i "s|^database:.*|database: \"$(printf '%s' "$uri" | sed 's/[&|\\]/\\&/g')\"|" "$tmp/conf/hallpass.yaml" || exit 1
# The first read-write open makes the schema.
"$B/hallpass" -c "$tmp/conf" guardian invite g1 >/dev/null || exit 1

echo "district: the parent page on PostgreSQL 15, $S students x $D days over 3 gateways (s1001 at all three)"
t0=$(date +%s)
# Partitions for the whole range, then rows made by SQL: each student 8 sites and 6 hours a day,
# 2 blocked attempts a day; s1001 (guardian g1's child in rules/) appears at every gateway.
q "SELECT hallpass_events_partition(d) FROM generate_series((extract(epoch FROM now())::bigint / 86400) - $D,
     extract(epoch FROM now())::bigint / 86400 + 1) d;
   SELECT hallpass_rollup_partitions((extract(year FROM m) * 12 + extract(month FROM m) - 1)::int)
     FROM generate_series(date_trunc('month', now() - interval '$D days'), now() + interval '1 month', interval '1 month') m;" >/dev/null || exit 1
q "CREATE TEMP TABLE st AS SELECT s, 's' || (1000 + s) AS id, g FROM generate_series(0, $S - 1) s,
     generate_series(0, 2) g WHERE s = 1 OR g = s % 3;
   INSERT INTO usage_daily (gateway, day, student, host, category, visits, blocked, bytes, seconds, seq)
     SELECT 'gw' || st.g, (now()::date - dd), st.id, 'site' || ((st.s * 7 + h * 13 + dd) % 500) || '.example',
       CASE WHEN h = 7 THEN 'games' END, 3 + h, CASE WHEN h = 7 THEN 2 ELSE 0 END, 20000 * h, 60 * h, 1
     FROM st, generate_series(0, $D - 1) dd, generate_series(0, 7) h;
   INSERT INTO usage_hourly (gateway, day, student, hour, visits, blocked, bytes, seconds, seq)
     SELECT 'gw' || st.g, (now()::date - dd), st.id, 14 + h, 5, CASE WHEN h = 5 THEN 2 ELSE 0 END, 100000, 600, 1
     FROM st, generate_series(0, $D - 1) dd, generate_series(0, 5) h;
   INSERT INTO events (gateway, seq, ts_ms, day, hour, student, client, proto, host, category, action, rule, reason)
     SELECT 'gw' || st.g, row_number() OVER (),
       ((extract(epoch FROM (now()::date - dd)) + 3600 * (19 + k)) * 1000)::bigint,
       (now()::date - dd), 19 + k, st.id, '02:00:00:00:10:01', 'tls', 'roblox.com', 'games', 'block', NULL, 'category'
     FROM st, generate_series(0, $D - 1) dd, generate_series(0, 1) k;
   ANALYZE;" >/dev/null || exit 1
t1=$(date +%s)
rows=$(q "SELECT (SELECT count(*) FROM usage_daily) + (SELECT count(*) FROM usage_hourly) + (SELECT count(*) FROM events)")
size=$(q "SELECT pg_size_pretty(pg_database_size(current_database()))")
echo "  seeded $rows rows ($size) in $((t1 - t0)) s"
"$B/bench_cgi" -S -P 100 -r "$R" -c "$tmp/conf" -x "$B/hallpass.cgi" -j "$RESULTS/district.json" | sed 's/^cgi: //'
echo "  extrapolation to 50,000 students: every read is one child's rows through (student, day)"
echo "  indexes in monthly partitions, so a page touches the same number of rows at any district"
echo "  size; 10x the rows adds at most one B-tree level per partition read (~0.1 ms each)."
