#!/bin/sh
# CLI tests for "hallpass engagement": the report per school and group on a seeded database with "now" pinned, the families to reach, CSV and JSON, on SQLite and PostgreSQL; TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
tmp=$(mktemp -d /tmp/hallpass-engagement.XXXXXX) || exit 1
pgdir=
cleanup() {
	[ -n "$pgdir" ] && tests/pg/pgcluster.sh stop "$pgdir" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$HALLPASS_TOP" || exit 1
seed=$(dirname "$HALLPASS")/tests/hp_seed
n=0

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/#   out: /' "$tmp/out" | head -n 12
		sed 's/^/#   err: /' "$tmp/err" | head -n 5
	fi
}

run() {	# RC ARGS...: true if hallpass exits with RC and no sanitizer spoke
	want=$1
	shift
	"$HALLPASS" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	! grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null && [ "$got" -eq "$want" ]
}

# 2026-11-23 15:00 UTC.  The clock is pinned: the seed's "5 days ago" and the report's 30 days agree.
now=1795446000000
export HALLPASS_TEST_NOW_MS=$now

# The fixture's story (tests/web/hp_seed.c --engagement), counted by hand (docs/staff.md):
# par-200 enrolled, acknowledged, logged in 5 days ago; par-201 enrolled, last login 40 days ago;
# par-202 holds a current invite; par-203 an expired one; par-204 (two children) enrolled 2 days
# ago and acknowledged; par-205 and policy.yaml's g1-g3 nothing.
printf '%s\r\n' \
    'school,school_name,group,students,families,invited,enrolled,acknowledged,active_30d,never_reached' \
    '"sch-lin","Lincoln Elementary","elementary",3,4,1,2,1,1,2' \
    '"sch-wash","Washington Middle","secondary",4,2,0,1,1,1,1' \
    '"","","elementary",3,3,0,0,0,0,3' \
    '"","","secondary",3,1,0,0,0,0,1' \
    'TOTAL,,,13,9,1,3,2,2,6' >"$tmp/want.csv"

suite() { # $1 backend, $2 database
	be=$1
	rm -rf "$tmp/conf"
	cp -r rules "$tmp/conf"
	cp tests/fixtures/staff/roster.csv "$tmp/conf/"
	cat tests/fixtures/staff/group_rules.yaml >>"$tmp/conf/policy.yaml"
	esc=$(printf '%s' "$2" | sed 's/[&|\\]/\\&/g')
	sed -i "s|^database:.*|database: \"$esc\"|" "$tmp/conf/hallpass.yaml"
	c="-c $tmp/conf"
	"$seed" "$tmp/conf" --engagement "$now" >"$tmp/out" 2>"$tmp/err"
	ok $? "[$be] seed the engagement fixture"

	run 0 $c engagement --csv && cmp -s "$tmp/out" "$tmp/want.csv"
	ok $? "[$be] --csv: every count per school and group, and the total (each family once)"
	run 0 $c engagement &&
	    grep -Eq '^sch-lin +elementary +3 +4 +1 +2 +1 +1 +2$' "$tmp/out" &&
	    grep -Eq '^TOTAL +13 +9 +1 +3 +2 +2 +6$' "$tmp/out"
	ok $? "[$be] the text table"
	run 0 $c engagement --json &&
	    grep -q '"school":"sch-wash","school_name":"Washington Middle","group":"secondary","students":4,"families":2,"invited":0,"enrolled":1,"acknowledged":1,"active_30d":1,"never_reached":1}' "$tmp/out" &&
	    grep -q '"total":{"students":13,"families":9,"invited":1,"enrolled":3,"acknowledged":2,"active_30d":2,"never_reached":6}}' "$tmp/out"
	ok $? "[$be] --json"
	run 0 $c engagement --school sch-lin --csv && [ "$(wc -l <"$tmp/out")" -eq 3 ] &&
	    grep -q '^TOTAL,,,3,4,1,2,1,1,2' "$tmp/out"
	ok $? "[$be] --school: one school"
	run 0 $c engagement --families --csv --school sch-lin &&
	    grep -q '^"sch-lin","elementary","par-202","José Diaz","parent","es","+1 555 010 0202","","Cara Diaz","yes"' "$tmp/out" &&
	    grep -q '^"sch-lin","elementary","par-203","Rosa Diaz","relative","es","(555) 010-0203","","Cara Diaz","no"' "$tmp/out" &&
	    [ "$(wc -l <"$tmp/out")" -eq 3 ]
	ok $? "[$be] --families: who to reach, with language, phone and whether an invite is out"
	run 0 $c engagement --families --school sch-wash --group secondary &&
	    grep -Eq '^sch-wash +secondary +par-205 +Olu Roe' "$tmp/out" && grep -q '^1 family to reach$' "$tmp/out"
	ok $? "[$be] --families as text, by group"
	# 36 days on, the same database: nobody active, the invite expired.
	HALLPASS_TEST_NOW_MS=$((now + 36 * 86400000)) run 0 $c engagement --csv &&
	    grep -q '^TOTAL,,,13,9,0,3,2,0,6' "$tmp/out"
	ok $? "[$be] the clock moves the 30 days and the invites' expiry"
}

suite sqlite "$tmp/h.db"

pg=${HALLPASS_TEST_PG:-}
if [ -z "$pg" ]; then
	pgdir="$tmp/pg"
	pg=$(tests/pg/pgcluster.sh start "$pgdir" 2>"$tmp/pg.log") || { pg=; pgdir=; }
fi
if [ -n "$pg" ] && "${HP_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -X -q "$pg" \
    -c 'DROP DATABASE IF EXISTS hp_cli_engagement WITH (FORCE)' \
    -c 'CREATE DATABASE hp_cli_engagement' >"$tmp/err" 2>&1; then
	suite postgresql "$(printf '%s' "$pg" | sed 's|^postgresql:///[^?]*|postgresql:///hp_cli_engagement|')"
else
	n=$((n + 1))
	echo "not ok $n - [postgresql] setup: a cluster and a database"
fi

run 2 engagement --json --csv && grep -q "see 'hallpass engagement --help'" "$tmp/err"
ok $? "--json with --csv is a one-line usage error"
run 2 engagement --group elementary
ok $? "--group without --families is a usage error"
run 2 engagement --families --json
ok $? "--families --json is a usage error"
run 2 engagement extra
ok $? "an argument is a usage error"
run 0 engagement --help && grep -q 'never reached' "$tmp/out"
ok $? "--help"
echo "1..$n"
