#!/bin/sh
# CLI tests for "hallpass digest": a real SMTP server with STARTTLS on 127.0.0.1 (aiosmtpd), a seeded week, the message once, in Spanish, the unsubscribe link; TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
build=${HALLPASS_BUILD:-build/test}
cd "$HALLPASS_TOP" || exit 1
cgi="$HALLPASS_TOP/$build/hallpass.cgi"
py=/usr/bin/python3
if ! $py -c 'import aiosmtpd' 2>/dev/null; then
	echo "1..0 # SKIP python3-aiosmtpd is not installed (make deps)"
	exit 0
fi
tmp=$(mktemp -d /tmp/hallpass-digest.XXXXXX) || exit 1
spid= pgdir=
stop_smtpd() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=; }
trap 'stop_smtpd; [ -n "$pgdir" ] && { tests/pg/pgcluster.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$pgdir"; }; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
n=0

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/#   out: /' "$tmp/out" | head -n 8
		sed 's/^/#   err: /' "$tmp/err" | head -n 8
	fi
}

run() {	# RC ARGS...: true if hallpass exits with RC and no sanitizer spoke
	want=$1
	shift
	"$HALLPASS" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	! grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null && [ "$got" -eq "$want" ]
}

# A port of our own: 40000-49999 from the process id, the next free one.
port=$((40000 + $$ % 10000))
while $py -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',$port))" 2>/dev/null; [ $? -ne 0 ]; do
	port=$((port + 1))
done

start_smtpd() {
	rm -f "$tmp/mail/ready"
	$py tests/cli/smtpd.py "$port" "$tmp/cert.pem" "$tmp/key.pem" "$tmp/mail" \
	    2>>"$tmp/smtpd.log" &
	spid=$!
	i=0
	while [ ! -f "$tmp/mail/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -f "$tmp/mail/ready" ]
}
count_mail() { find "$tmp/mail" -name '*.eml' | wc -l; }
part() { $py tests/cli/mailpart.py "$@"; }

# A throwaway CA-less certificate for 127.0.0.1: the client verifies it as its mail_ca.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    >/dev/null 2>&1
mkdir -p "$tmp/mail"

cp -r rules "$tmp/conf"
sed -i "s|^database:.*|database: $tmp/h.db|" "$tmp/conf/hallpass.yaml"
cat >>"$tmp/conf/hallpass.yaml" <<EOF
mail_smtp_url: smtp://127.0.0.1:$port
mail_from: familias@district.example
mail_ca: $tmp/cert.pem
mail_key: $tmp/mail.key
dashboard_url: https://families.district.example/hallpass.cgi
EOF
# María reads Spanish; Rosa and Luis did not say.
sed -i 's|^    email: maria.garcia@example.org|&\n    language: es|' "$tmp/conf/policy.yaml"
export HALLPASS_LANG="$HALLPASS_TOP/dashboard-cgi/lang"

run 0 -c "$tmp/conf" rules check
ok $? "the configuration with mail settings checks"
# Creates the database (and its schema) through the CLI.
run 0 -c "$tmp/conf" guardian invite g1

# The week of Monday 2026-11-23 (America/Chicago), the week before, and today (not counted).
$py - "$tmp/h.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
hourly = [
    ("2026-11-24", "s1001", 16, 10, 0, 1800),	# 30 min
    ("2026-11-25", "s1001", 17, 5, 0, 7200),	# capped at the hour: 60 min
    ("2026-11-26", "s1001", 18, 3, 3, 0),	# blocked only: 1 min
    ("2026-11-17", "s1001", 16, 9, 0, 2700),	# the week before: 45 min
    ("2026-11-30", "s1001", 8, 100, 50, 3000),	# today: in no summary
    ("2026-11-24", "s1004", 10, 4, 0, 600),
]
daily = [
    ("2026-11-24", "s1001", "www.khanacademy.org", None, 10, 0, 1800),
    ("2026-11-25", "s1001", "scratch.mit.edu", None, 5, 0, 7200),
    ("2026-11-26", "s1001", "bet365.com", "gambling", 3, 3, 0),
    ("2026-11-17", "s1001", "www.khanacademy.org", None, 9, 0, 2700),
    ("2026-11-30", "s1001", "today-only.example", None, 100, 50, 3000),
    ("2026-11-24", "s1004", "www.wikipedia.org", None, 4, 0, 600),
]
for r in hourly:
    db.execute("INSERT INTO usage_hourly (day, student, hour, visits, blocked, seconds)"
               " VALUES (?, ?, ?, ?, ?, ?)", r)
for r in daily:
    db.execute("INSERT INTO usage_daily (day, student, host, category, visits, blocked, seconds)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)", r)
# s1004 tries gambling three times early on 2026-11-30 (00:10-00:12 in Chicago).
for i in range(3):
    db.execute("INSERT INTO events (ts_ms, day, hour, student, client, proto, host,"
               " category, action, rule, reason) VALUES (?, '2026-11-30', 0, 's1004',"
               " '02:00:00:00:10:04', 'dns', 'bet365.com', 'gambling', 'block', NULL,"
               " 'category')", (1796019000000 + i * 60000,))
# Rosa wants alerts from 2 attempts a day.
db.execute("INSERT INTO notify_prefs VALUES ('g2', 'weekly', 2, 0)")
db.commit()
EOF
now=2026-11-30T15:00:00Z	# Monday 09:00 in Chicago

run 0 -c "$tmp/conf" digest --dry-run --guardian g1 --now "$now" &&
    grep -q '^Subject: =?UTF-8?B?' "$tmp/out" && [ "$(count_mail)" -eq 0 ]
ok $? "--dry-run prints the message and sends nothing"

run 1 -c "$tmp/conf" digest --now "$now" &&
    grep -q 'deferred to the next run' "$tmp/err" && grep -q '0 sent' "$tmp/out"
ok $? "a mail server that is down defers every message (exit 1)"

start_smtpd
ok $? "the SMTP server (STARTTLS required) is up on 127.0.0.1:$port"

run 0 -c "$tmp/conf" digest --now "$now" --no-alerts && [ "$(count_mail)" -eq 3 ] &&
    grep -q '^3 sent, 0 skipped, 0 deferred$' "$tmp/out"
ok $? "one summary for each of the three guardians"

es=$(grep -l 'maria.garcia@example.org' "$tmp/mail/rcpt.log" >/dev/null &&
    awk '/maria.garcia/ { print $1 }' "$tmp/mail/rcpt.log")
m="$tmp/mail/$es.eml"
part "$m" header Subject >"$tmp/subj"
grep -qx 'La semana de sus hijos en internet: 23 nov – 29 nov' "$tmp/subj"
ok $? "María's subject is in Spanish and names last week"

part "$m" text >"$tmp/text"
grep -q '^Hola, María G.:' "$tmp/text" &&
    grep -q 'Tiempo en línea: 1 h 31 min (102 % más que los 7 días anteriores)' "$tmp/text" &&
    grep -q 'Visitas a sitios: 18 (100 % más que los 7 días anteriores)' "$tmp/text" &&
    grep -q 'Intentos bloqueados: 3' "$tmp/text"
ok $? "the seeded week's numbers: 1 h 31 min, 18 visits, 3 blocked, against the week before"

grep -q 'www.khanacademy.org: 10 visitas, 30 min en línea' "$tmp/text" &&
    grep -q 'Apuestas: se bloquearon 3 intentos' "$tmp/text" &&
    ! grep -q 'today-only.example' "$tmp/text"
ok $? "top sites, blocked attempts in plain Spanish words, nothing from outside the week"

grep -q 'https://families.district.example/hallpass.cgi/child?id=s1001&day=2026-11-29&range=week' "$tmp/text"
ok $? "the text links each child's week on the dashboard"

part "$m" type | grep -qx 'multipart/alternative' &&
    part "$m" html >"$tmp/html" && grep -q '<html lang="es">' "$tmp/html" &&
    ! grep -qi '<img' "$tmp/html" && grep -q 'Apuestas: se bloquearon 3 intentos' "$tmp/html"
ok $? "multipart/alternative with an HTML part in Spanish and no image at all"

unsub=$(part "$m" header List-Unsubscribe | sed -n 's/^<\(.*\)>$/\1/p')
part "$m" header List-Unsubscribe-Post | grep -qx 'List-Unsubscribe=One-Click' &&
    case $unsub in https://families.district.example/hallpass.cgi/unsubscribe\?t=*) true ;; *) false ;; esac
ok $? "List-Unsubscribe (one-click) names the dashboard's unsubscribe link"

en=$(awk '/rosa.ramirez/ { print $1 }' "$tmp/mail/rcpt.log")
part "$tmp/mail/$en.eml" header Subject | grep -q "^Your children's week online"
ok $? "a guardian without a language gets English"

run 0 -c "$tmp/conf" digest --now "$now" --no-alerts && [ "$(count_mail)" -eq 3 ] &&
    grep -q 'already sent weekly 2026-11-23 to g1' "$tmp/out"
ok $? "a second run sends nothing again"

# Alerts: Rosa's threshold is 2; s1004 tried gambling 3 times.
run 0 -c "$tmp/conf" digest --alerts --now 2026-11-30T12:30:00Z &&
    grep -q 'g2 alerts: quiet hours' "$tmp/out" && [ "$(count_mail)" -eq 3 ]
ok $? "no alert at 06:30 local: quiet hours"
run 0 -c "$tmp/conf" digest --alerts --now "$now" && [ "$(count_mail)" -eq 4 ]
ok $? "an alert at 09:00 once the threshold is reached"
part "$tmp/mail/4.eml" text | grep -q 'tried 3 times to open sites the district blocks in the category Gambling'
ok $? "the alert says what and how often, in words"
run 0 -c "$tmp/conf" digest --alerts --now 2026-11-30T20:00:00Z && [ "$(count_mail)" -eq 4 ]
ok $? "at most one alert a day per child"

# The server goes away in the middle of the data: nothing recorded, one message after it is back.
$py - "$tmp/h.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO notify_prefs VALUES ('g1', 'daily', 0, 0)"
           " ON CONFLICT (guardian_id) DO UPDATE SET digest = 'daily'")
db.commit()
EOF
touch "$tmp/mail/die-on-data"
run 1 -c "$tmp/conf" digest --guardian g1 --now "$now" && wait "$spid" 2>/dev/null
spid=
[ "$(count_mail)" -eq 4 ] && grep -q 'deferred' "$tmp/err"
ok $? "the server stopped during the send: deferred, not recorded"
start_smtpd
run 0 -c "$tmp/conf" digest --guardian g1 --now "$now" && [ "$(count_mail)" -eq 5 ] &&
    run 0 -c "$tmp/conf" digest --guardian g1 --now "$now" && [ "$(count_mail)" -eq 5 ]
ok $? "after it is back: exactly one message, and none on the next run"
part "$tmp/mail/5.eml" header Subject | grep -qx 'El día de sus hijos en internet: 29 nov'
ok $? "the daily summary covers yesterday"

# Unsubscribe, without logging in.
cgi_run() {	# METHOD QUERY [BODY [CONTENT_TYPE]]
	body=${3-}
	env -i PATH="$PATH" HALLPASS_CONFIG="$tmp/conf" HALLPASS_LANG="$HALLPASS_LANG" \
	    REQUEST_METHOD="$1" SCRIPT_NAME=/hallpass.cgi PATH_INFO=/unsubscribe \
	    QUERY_STRING="$2" REMOTE_ADDR=127.0.0.1 HTTP_HOST=127.0.0.1 \
	    CONTENT_TYPE="${4:-application/x-www-form-urlencoded}" CONTENT_LENGTH=${#body} \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}" "$cgi" >"$tmp/out" 2>"$tmp/err" <<EOF
$body
EOF
}
tok=${unsub#*\?t=}
cgi_run GET "t=$tok"
grep -q '^Status: 200' "$tmp/out" || ! grep -q '^Status:' "$tmp/out"
s1=$?
grep -q 'maria.garcia@example.org' "$tmp/out" && [ $s1 -eq 0 ]
ok $? "the link's page asks to confirm (GET changes nothing)"
run 0 -c "$tmp/conf" digest --dry-run --guardian g1 --now 2026-12-01T15:00:00Z &&
    grep -q '^--- daily' "$tmp/out"
ok $? "after the GET the guardian still gets mail"

forged=$(printf '%s' "$tok" | sed 's/.$/A/'); [ "$forged" = "$tok" ] && forged=$(printf '%s' "$tok" | sed 's/.$/B/')
cgi_run POST "t=$forged" "List-Unsubscribe=One-Click"
grep -q '^Status: 403' "$tmp/out"
ok $? "a forged token is refused with 403"
cgi_run GET "t=Z2Ex.AAAA"
grep -q '^Status: 403' "$tmp/out"
ok $? "a token for another guardian without its MAC is refused with 403"

mp=$(printf -- '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n')
cgi_run POST "t=$forged" "$mp" "multipart/form-data; boundary=b"
grep -q '^Status: 403' "$tmp/out"
ok $? "a forged token in a multipart one-click POST is refused with 403 too"
cgi_run POST "t=$tok" "$mp" "multipart/form-data; boundary=b"
(grep -q '^Status: 200' "$tmp/out" || ! grep -q '^Status:' "$tmp/out") &&
    grep -q 'id="unsubscribed"' "$tmp/out"
ok $? "the one-click POST (RFC 8058, multipart/form-data) unsubscribes, without a session"
run 0 -c "$tmp/conf" digest --guardian g1 --now 2026-12-01T15:00:00Z &&
    grep -q 'skip g1: wants none summaries' "$tmp/out" && [ "$(count_mail)" -eq 5 ]
ok $? "after unsubscribing: no more mail"

# The same on the district's PostgreSQL: the run's cluster (tests/run-tests.sh), or one of our own.
psql=${HP_PG_BIN:-/usr/lib/postgresql/15/bin}/psql
pg=${HALLPASS_TEST_PG:-}
if [ -z "$pg" ] && [ -x "$psql" ]; then
	# Not under $tmp (mode 0700): the cluster runs as an unprivileged user.
	pgdir=$(mktemp -d /tmp/hp-pg.XXXXXX)
	pg=$(tests/pg/pgcluster.sh start "$pgdir" 2>"$tmp/pg.log") || pg=
fi
if [ -n "$pg" ] && "$psql" -X -q "$pg" -c 'DROP DATABASE IF EXISTS hp_digest WITH (FORCE)' \
    -c 'CREATE DATABASE hp_digest' >"$tmp/psql.log" 2>&1; then
	uri=$(printf '%s' "$pg" | sed 's|^postgresql:///[^?]*|postgresql:///hp_digest|')
	cp -r "$tmp/conf" "$tmp/pgconf"
	esc=$(printf '%s' "$uri" | sed 's/[&|\\]/\\&/g')
	sed -i "s|^database:.*|database: \"$esc\"|" "$tmp/pgconf/hallpass.yaml"
	run 0 -c "$tmp/pgconf" guardian invite g1	# migrates
	# Two gateways' rows of one child: the district's reads add them up.
	"$psql" -X -q -v ON_ERROR_STOP=1 "$uri" >"$tmp/psql.log" 2>&1 <<'EOF'
SELECT hallpass_rollup_partitions(2026 * 12 + 10);
SELECT hallpass_events_partition(1796019000000 / 86400000);
INSERT INTO usage_hourly (gateway, day, student, hour, visits, blocked, seconds, seq) VALUES
  ('gw1', '2026-11-24', 's1001', 16, 10, 0, 1800, 1),
  ('gw2', '2026-11-25', 's1001', 17, 5, 0, 7200, 1),
  ('gw1', '2026-11-26', 's1001', 18, 3, 3, 0, 2),
  ('gw2', '2026-11-17', 's1001', 16, 9, 0, 2700, 2);
INSERT INTO usage_daily (gateway, day, student, host, category, visits, blocked, seconds, seq) VALUES
  ('gw1', '2026-11-24', 's1001', 'www.khanacademy.org', NULL, 10, 0, 1800, 3),
  ('gw2', '2026-11-25', 's1001', 'scratch.mit.edu', NULL, 5, 0, 7200, 3),
  ('gw1', '2026-11-26', 's1001', 'bet365.com', 'gambling', 3, 3, 0, 4),
  ('gw2', '2026-11-17', 's1001', 'www.khanacademy.org', NULL, 9, 0, 2700, 4);
INSERT INTO events (gateway, seq, ts_ms, day, hour, student, client, proto, host, category, action, reason)
  SELECT 'gw1', 10 + i, 1796019000000 + i * 60000, '2026-11-30', 0, 's1004', '02:00:00:00:10:04',
    'dns', 'bet365.com', 'gambling', 'block', 'category' FROM generate_series(0, 2) AS i;
INSERT INTO notify_prefs VALUES ('g2', 'none', 2, 0);
EOF
	before=$(count_mail)
	run 0 -c "$tmp/pgconf" digest --now "$now" && [ "$(count_mail)" -eq $((before + 3)) ] &&
	    grep -q '^sent weekly 2026-11-23 to g1' "$tmp/out" && grep -q '^sent alert 2026-11-30 to g2' "$tmp/out"
	ok $? "PostgreSQL: the summaries and Rosa's alert (she wants no summary) are sent"
	pm=$(awk -v b="$before" '$1 > b && /maria.garcia/ { print $1 }' "$tmp/mail/rcpt.log")
	part "$tmp/mail/$pm.eml" text >"$tmp/text"
	grep -q 'Tiempo en línea: 1 h 31 min (102 % más que los 7 días anteriores)' "$tmp/text" &&
	    grep -q 'Apuestas: se bloquearon 3 intentos' "$tmp/text"
	ok $? "PostgreSQL: the same numbers from two gateways' rows"
	run 0 -c "$tmp/pgconf" digest --now "$now" && [ "$(count_mail)" -eq $((before + 3)) ]
	ok $? "PostgreSQL: a second run sends nothing again"
	"$psql" -X -q "$pg" -c 'DROP DATABASE IF EXISTS hp_digest WITH (FORCE)' >/dev/null 2>&1
else
	ok 1 "PostgreSQL: a test database (cluster: ${pg:-none}; $(tail -1 "$tmp/psql.log" 2>/dev/null))"
fi

run 2 -c "$tmp/conf" digest --period monthly && grep -q "see 'hallpass digest --help'" "$tmp/err"
ok $? "a bad --period is a one-line usage error"
sed -i 's|^mail_from:.*|mail_from: "not an address"|' "$tmp/conf/hallpass.yaml"
run 1 -c "$tmp/conf" rules check && grep -q 'hallpass.yaml:[0-9]*:[0-9]*: mail_from' "$tmp/err"
ok $? "a bad mail_from is named with its file and line"

echo "1..$n"
