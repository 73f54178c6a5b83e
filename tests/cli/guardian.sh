#!/bin/sh
# CLI tests for "hallpass guardian invite" and "revoke": codes are random, well-formed, stored only hashed, refused for unknown guardians; a new one revokes the unused earlier ones (SQLite and PostgreSQL); TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
tmp=$(mktemp -d /tmp/hallpass-guardian.XXXXXX) || exit 1
pgdir=
trap '[ -n "$pgdir" ] && "$HALLPASS_TOP/tests/pg/pgcluster.sh" stop "$pgdir" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cd "$HALLPASS_TOP" || exit 1
n=0

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/#   out: /' "$tmp/out" | head -n 5
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

cp -r rules "$tmp/conf"
sed -i "s|^database:.*|database: $tmp/h.db|" "$tmp/conf/hallpass.yaml"

run 0 -c "$tmp/conf" guardian invite g1 &&
    grep -Eq '^code [A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$' "$tmp/out" &&
    grep -q '^guardian g1$' "$tmp/out" &&
    grep -Eq '^expires [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$tmp/out"
ok $? "invite prints a code without look-alike characters, the guardian and the expiry"
c1=$(sed -n 's/^code //p' "$tmp/out")
run 0 -c "$tmp/conf" guardian invite g1 --days 1
c2=$(sed -n 's/^code //p' "$tmp/out")
[ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" != "$c2" ]
ok $? "two invites give two different codes"
days=$(( ($(date -d "$(sed -n 's/^expires //p' "$tmp/out")" +%s) - $(date +%s) + 3600) / 86400 ))
[ "$days" -eq 1 ]
ok $? "--days sets the expiry"
# Children's activity and password hashes: the database the CLI creates is never readable by others.
[ "$(stat -c %a "$tmp/h.db")" = 640 ]
ok $? "the database invite creates is mode 0640"
# The database holds a hash, never the code.
! grep -qa "$c1" "$tmp/h.db" "$tmp/h.db-wal" 2>/dev/null &&
    ! grep -qa "$(echo "$c1" | tr -d -)" "$tmp/h.db" "$tmp/h.db-wal" 2>/dev/null
ok $? "the code itself is not stored"
run 1 -c "$tmp/conf" guardian invite nobody && grep -q 'unknown guardian "nobody"' "$tmp/err"
ok $? "an unknown guardian is refused (exit 1)"
run 2 -c "$tmp/conf" guardian invite
ok $? "a missing guardian id is a usage error"
run 2 -c "$tmp/conf" guardian frobnicate g1
ok $? "an unknown subcommand is a usage error"
run 2 -c "$tmp/conf" guardian revoke g1 --days 3
ok $? "revoke takes no --days"
run 2 -c "$tmp/conf" guardian revoke
ok $? "revoke without a guardian id is a usage error"
run 2 -c "$tmp/conf" guardian invite g1 --days 0
ok $? "--days 0 is a usage error"
run 2 -c "$tmp/conf" guardian invite g1 --days 5x
ok $? "--days 5x is a usage error"

# A new invite revokes the guardian's earlier unused ones; revoke does that alone.  $1 names
# the backend, $2 runs one SQL query on its database and prints the answer.
revocation() { # $1 backend, $2 query function
	be=$1 q=$2
	run 0 -c "$tmp/conf" guardian invite g1 && run 0 -c "$tmp/conf" guardian invite g2 &&
	    run 0 -c "$tmp/conf" guardian invite g1 && grep -q '^revoked 1$' "$tmp/out" &&
	    [ "$($q "SELECT count(*) FROM guardian_invites WHERE guardian_id = 'g1' AND used_ms IS NULL")" = 1 ]
	ok $? "[$be] a second invite revokes the first: one usable code for g1, and it says so"
	[ "$($q "SELECT count(*) FROM guardian_invites WHERE guardian_id = 'g2' AND used_ms IS NULL")" = 1 ]
	ok $? "[$be] another guardian's invite is untouched"
	run 0 -c "$tmp/conf" guardian revoke g1 && grep -q '^revoked 1$' "$tmp/out" &&
	    [ "$($q "SELECT count(*) FROM guardian_invites WHERE guardian_id = 'g1' AND used_ms IS NULL")" = 0 ] &&
	    [ "$($q "SELECT count(*) FROM guardian_invites WHERE guardian_id = 'g2' AND used_ms IS NULL")" = 1 ]
	ok $? "[$be] revoke leaves g1 no usable code and g2 its own"
	run 0 -c "$tmp/conf" guardian revoke g1 && grep -q '^revoked 0$' "$tmp/out"
	ok $? "[$be] revoking again revokes nothing and is not an error"
	run 0 -c "$tmp/conf" guardian revoke gone-from-roster && grep -q '^revoked 0$' "$tmp/out"
	ok $? "[$be] a guardian no longer in policy.yaml can be revoked"
}
sed -i "s|^database:.*|database: $tmp/r.db|" "$tmp/conf/hallpass.yaml"
sq() { sqlite3 "$tmp/r.db" "$1"; }
revocation sqlite sq

# PostgreSQL: the run's cluster (tests/run-tests.sh sets HALLPASS_TEST_PG), else one of our own.
pgbin=${HP_PG_BIN:-/usr/lib/postgresql/15/bin}
uri=${HALLPASS_TEST_PG:-}
if [ -z "$uri" ] && [ -x "$pgbin/initdb" ]; then
	# Its own directory: the cluster's user cannot enter $tmp (0700, ours).
	pgdir=$(mktemp -d /tmp/hp-pg.XXXXXX)
	uri=$("$HALLPASS_TOP/tests/pg/pgcluster.sh" start "$pgdir" 2>"$tmp/err") || uri=
fi
if [ -n "$uri" ] && "$pgbin/psql" -X -q "$uri" -c 'DROP DATABASE IF EXISTS hp_guardian WITH (FORCE)' \
    -c 'CREATE DATABASE hp_guardian' >"$tmp/err" 2>&1; then
	uri=$(printf '%s' "$uri" | sed 's|^postgresql:///[^?]*|postgresql:///hp_guardian|')
	esc=$(printf '%s' "$uri" | sed 's/[&|\\]/\\&/g')
	sed -i "s|^database:.*|database: \"$esc\"|" "$tmp/conf/hallpass.yaml"
	pq() { "$pgbin/psql" -X -qAt "$uri" -c "$1"; }
	revocation postgresql pq
else
	n=$((n + 1)); echo "not ok $n - [postgresql] a cluster to test on"
	sed 's/^/#   /' "$tmp/err" | head -n 5
fi
echo "1..$n"
