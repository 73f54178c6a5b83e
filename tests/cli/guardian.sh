#!/bin/sh
# CLI tests for "hallpass guardian invite": codes are random, well-formed, stored only hashed, and refused for unknown guardians; TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
tmp=$(mktemp -d /tmp/hallpass-guardian.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
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
run 2 -c "$tmp/conf" guardian revoke g1
ok $? "an unknown subcommand is a usage error"
run 2 -c "$tmp/conf" guardian invite g1 --days 0
ok $? "--days 0 is a usage error"
run 2 -c "$tmp/conf" guardian invite g1 --days 5x
ok $? "--days 5x is a usage error"
echo "1..$n"
