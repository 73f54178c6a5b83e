#!/bin/sh
# CLI tests for "hallpass staff": accounts with roles and schools, passwords from standard input or one-time setup codes, stored only hashed; usage errors; TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
tmp=$(mktemp -d /tmp/hallpass-staff.XXXXXX) || exit 1
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

run() {	# RC ARGS...: true if hallpass exits with RC and no sanitizer spoke; stdin from $tmp/in
	want=$1
	shift
	"$HALLPASS" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	got=$?
	! grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null && [ "$got" -eq "$want" ]
}

cp -r rules "$tmp/conf"
cp tests/fixtures/staff/roster.csv "$tmp/conf/"
cat tests/fixtures/staff/group_rules.yaml >>"$tmp/conf/policy.yaml"
sed -i "s|^database:.*|database: $tmp/h.db|" "$tmp/conf/hallpass.yaml"
c="-c $tmp/conf"

echo "correct horse battery" >"$tmp/in"
run 0 $c staff add it-admin --role district_admin && grep -q '^added it-admin (district_admin)$' "$tmp/out"
ok $? "add a district admin with the password from standard input"
[ "$(stat -c %a "$tmp/h.db")" = 640 ]
ok $? "the database staff add creates is mode 0640"
run 0 $c staff add lin.staff@district.example --role school_staff --school sch-lin --school sch-wash &&
    grep -q 'school_staff: sch-lin,sch-wash' "$tmp/out"
ok $? "add school staff with two schools"
: >"$tmp/in"
run 0 $c staff add wash1 --role school_staff --school sch-wash --setup-code &&
    grep -Eq '^setup-code [A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$' "$tmp/out" &&
    grep -Eq '^expires [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$tmp/out"
ok $? "--setup-code prints a one-time code and its expiry instead of reading a password"
code=$(sed -n 's/^setup-code //p' "$tmp/out")
run 0 $c staff list &&
    grep -Eq '^it-admin +district_admin +password +\*$' "$tmp/out" &&
    grep -Eq '^lin.staff@district.example +school_staff +password +sch-lin,sch-wash$' "$tmp/out" &&
    grep -Eq '^wash1 +school_staff +setup-code +sch-wash$' "$tmp/out"
ok $? "list shows roles, schools and how each logs in"
run 0 $c staff list --json &&
    grep -q '"id":"wash1","role":"school_staff","schools":\["sch-wash"\],"login":"setup-code"' "$tmp/out" &&
    grep -q '^\[{' "$tmp/out"
ok $? "list --json"
! grep -qa "correct horse" "$tmp/h.db" "$tmp/h.db-wal" 2>/dev/null &&
    ! grep -qa "$code" "$tmp/h.db" "$tmp/h.db-wal" 2>/dev/null &&
    ! grep -qa "$(echo "$code" | tr -d -)" "$tmp/h.db" "$tmp/h.db-wal" 2>/dev/null &&
    grep -qa 'argon2id' "$tmp/h.db" "$tmp/h.db-wal" 2>/dev/null
ok $? "only argon2id hashes are stored: neither the password nor the code"
echo "correct horse battery" >"$tmp/in"
run 1 $c staff add it-admin --role district_admin && grep -q 'already exists' "$tmp/err"
ok $? "an id that is taken is refused (exit 1)"
echo "short" >"$tmp/in"
run 1 $c staff add x1 --role district_admin && grep -q '10-256 characters' "$tmp/err"
ok $? "a short password is refused (exit 1)"
run 0 $c staff list && ! grep -q '^x1 ' "$tmp/out"
ok $? "and the account is not left without a password"
: >"$tmp/in"
run 1 $c staff add x2 --role school_staff --school sch-nope && grep -q 'warning: no student of the roster in force is at school "sch-nope"' "$tmp/err"
ok $? "a school no student has is named as a warning"
echo "another good password" >"$tmp/in"
run 0 $c staff passwd wash1 && grep -q '^password set for wash1$' "$tmp/out"
ok $? "passwd sets a password from standard input"
run 0 $c staff list && grep -Eq '^wash1 +school_staff +password ' "$tmp/out"
ok $? "the setup code is gone once a password is set"
run 1 $c staff passwd nobody && grep -q 'no staff account "nobody"' "$tmp/err"
ok $? "passwd of an unknown account fails (exit 1)"
run 0 $c staff remove wash1 && grep -q '^removed wash1$' "$tmp/out"
ok $? "remove"
run 1 $c staff remove wash1
ok $? "removing it again fails (exit 1)"
run 2 $c staff add x3 --role school_staff
ok $? "school staff without --school is a usage error"
run 2 $c staff add x3 --role district_admin --school sch-lin
ok $? "a district admin with --school is a usage error"
run 2 $c staff add x3 --role teacher && grep -q "see 'hallpass staff --help'" "$tmp/err"
ok $? "an unknown role is a one-line usage error"
run 2 $c staff add "bad id" --role district_admin
ok $? "an id with a space is a usage error"
run 2 $c staff add x3 --role school_staff --school "sch lin"
ok $? "a malformed school id is a usage error"
run 2 $c staff frobnicate
ok $? "an unknown action is a usage error"
run 2 $c staff list extra
ok $? "list with an argument is a usage error"
run 2 $c staff remove x --setup-code
ok $? "remove --setup-code is a usage error"
run 0 staff --help && grep -q 'district_admin' "$tmp/out"
ok $? "--help"
echo "1..$n"
