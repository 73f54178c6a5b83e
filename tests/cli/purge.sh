#!/bin/sh
# CLI test for "hallpass purge": every retention period of hallpass.yaml applied now — what is older goes, what is newer stays; TAP.
# Rows are dated relative to now (the cutoffs are), so the result is the same on any day.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
sim=$(dirname "$HALLPASS")/tests/hp_gwsim
tmp=$(mktemp -d /tmp/hallpass-purge.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0
check() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else fails=$((fails + 1)); echo "not ok $n - $3 (got '$1', want '$2')"; fi; }

cp -r "$HALLPASS_TOP/tests/fixtures/base/." "$tmp/"
printf 'database: %s\nretention_days: 90\nrollup_retention_days: 365\nlogin_retention_days: 30\n' \
    "$tmp/h.db" >"$tmp/hallpass.yaml"
"$sim" "$tmp/h.db" 1 0 || { echo "not ok 1 - schema made"; echo "1..1"; exit 1; }
now=$(date +%s)
old_ev=$(( (now - 100 * 86400) * 1000 )) new_ev=$(( (now - 80 * 86400) * 1000 ))
old_day=$(date -u -d "@$((now - 400 * 86400))" +%F) new_day=$(date -u -d "@$((now - 300 * 86400))" +%F)
old_fail=$(( (now - 40 * 86400) * 1000 )) new_fail=$(( (now - 20 * 86400) * 1000 ))
sqlite3 "$tmp/h.db" "
INSERT INTO events (ts_ms, day, hour, student, client, proto, host, action) VALUES
 ($old_ev, '$old_day', 1, 's1', 'c', 'dns', 'old.example', 'block'),
 ($new_ev, '$new_day', 1, 's1', 'c', 'dns', 'new.example', 'block');
INSERT INTO usage_daily (day, student, host, visits) VALUES ('$old_day', 's1', 'old.example', 1), ('$new_day', 's1', 'new.example', 1);
INSERT INTO usage_hourly (day, student, hour, visits) VALUES ('$old_day', 's1', 3, 1), ('$new_day', 's1', 3, 1);
INSERT INTO login_failures (key, ts_ms) VALUES ('acct:g1', $old_fail), ('acct:g1', $new_fail);"
out=$("$HALLPASS" -c "$tmp" purge 2>&1)
check "$?" 0 "hallpass purge exits 0"
check "$(sqlite3 "$tmp/h.db" "SELECT group_concat(host) FROM events")" new.example \
    "events older than retention_days (90) are gone, newer stay"
check "$(sqlite3 "$tmp/h.db" "SELECT group_concat(host) FROM usage_daily")" new.example \
    "daily rollups older than rollup_retention_days (365) are gone, newer stay"
check "$(sqlite3 "$tmp/h.db" "SELECT group_concat(day) FROM usage_hourly")" "$new_day" \
    "hourly rollups older than rollup_retention_days are gone, newer stay"
check "$(sqlite3 "$tmp/h.db" "SELECT group_concat(ts_ms) FROM login_failures")" "$new_fail" \
    "failed logins older than login_retention_days (30) are gone, newer stay"
case $out in *"purged 1 events older than 90 days and 2 rollup rows"*) r=yes ;; *) r="$out" ;; esac
check "$r" yes "it says what it purged"
"$HALLPASS" -c "$tmp" purge extra >/dev/null 2>&1
check "$?" 2 "an argument is a usage error"
echo "1..$n"
[ "$fails" -eq 0 ]
