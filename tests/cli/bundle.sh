#!/bin/sh
# CLI tests for "hallpass bundle keygen|build|verify": key files and modes, exit codes, FILE:LINE:COLUMN errors before anything is signed, refusals, as TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
tmp=$(mktemp -d /tmp/hallpass-cli-bundle.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$HALLPASS_TOP" || exit 1
base=tests/fixtures/base
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

# run RC ARGS...: true if hallpass ARGS exits with RC and no sanitizer spoke.
run() {
	want=$1
	shift
	"$HALLPASS" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null; then
		echo "# sanitizer report: $*"
		return 1
	fi
	[ "$got" -eq "$want" ] || { echo "# exit $got, wanted $want: $*"; return 1; }
}

run 0 bundle keygen -o "$tmp/k"
ok $? "keygen writes a key pair"
ok "$([ "$(stat -c %a "$tmp/k")" = 600 ] && [ -s "$tmp/k.pub" ]; echo $?)" "the secret key is 0600, the public key beside it"
run 1 bundle keygen -o "$tmp/k" && grep -q "never overwritten" "$tmp/err"
ok $? "keygen never overwrites a key"
run 2 bundle keygen
ok $? "keygen without -o is a usage error"

run 0 bundle build -k "$tmp/k" -V 202612051200 -o "$tmp/b" "$base" &&
    grep -q "version 202612051200, 6 files" "$tmp/out"
ok $? "build signs the fixture directory (6 files)"
grep -q "^file [0-9]* policy.yaml$" "$tmp/b" && ! grep -q "^file [0-9]* hallpass.yaml$" "$tmp/b"
ok $? "the daemon's own hallpass.yaml is never in a bundle"
run 0 -c "$base" bundle build -k "$tmp/k" -V 7 -o "$tmp/c" && grep -q "version 7" "$tmp/out"
ok $? "build defaults to the -c directory"
run 2 bundle build -k "$tmp/k" -V 0 -o "$tmp/x" "$base"
ok $? "version 0 is a usage error"
run 2 bundle build -k "$tmp/k" -V 12abc -o "$tmp/x" "$base"
ok $? "a version that is not a number is a usage error"
run 2 bundle build -k "$tmp/k" -o "$tmp/x" "$base"
ok $? "build without -V is a usage error"
chmod 644 "$tmp/k"
run 1 bundle build -k "$tmp/k" -V 1 -o "$tmp/x" "$base" && grep -q "chmod 600" "$tmp/err"
ok $? "build refuses a secret key others can read"
chmod 600 "$tmp/k"

# A broken rule set: every error, FILE:LINE:COLUMN, and no file written.
cp -r "$base" "$tmp/broken"
printf 'category: gambling\ndomains: [ok.example, "bad name"]\n' >"$tmp/broken/rules.d/gambling.yaml"
printf 'version: x\n' >"$tmp/broken/aup.yaml"
run 1 bundle build -k "$tmp/k" -V 9 -o "$tmp/broken.bundle" "$tmp/broken" &&
    grep -q "^$tmp/broken/rules.d/gambling.yaml:[0-9]*:[0-9]*: " "$tmp/err" &&
    grep -q "^$tmp/broken/aup.yaml:[0-9]*:[0-9]*: " "$tmp/err" &&
    grep -q "no bundle was made" "$tmp/err" && [ ! -e "$tmp/broken.bundle" ] &&
    [ ! -e "$tmp/broken.bundle.tmp" ]
ok $? "build reports every error in the rule set as FILE:LINE:COLUMN and writes nothing"

run 0 bundle verify -p "$tmp/k.pub" "$tmp/b" && grep -q "ok: version 202612051200" "$tmp/out" &&
    grep -q " rules.d/gambling.yaml$" "$tmp/out"
ok $? "verify prints the version and the files"
run 0 bundle keygen -o "$tmp/other"
run 1 bundle verify -p "$tmp/other.pub" "$tmp/b" && grep -q "signed by another key" "$tmp/err"
ok $? "verify refuses another key's bundle"
sed 's/bet365/bet366/' "$tmp/b" >"$tmp/tampered"
run 1 bundle verify -p "$tmp/k.pub" "$tmp/tampered" && grep -q "bad signature" "$tmp/err"
ok $? "verify refuses a tampered bundle"
head -c 1000 "$tmp/b" >"$tmp/cut"
run 1 bundle verify -p "$tmp/k.pub" "$tmp/cut" && grep -q "truncated" "$tmp/err"
ok $? "verify refuses a truncated bundle"
run 1 bundle verify -p "$tmp/k.pub" "$base/policy.yaml" && grep -q "not a hallpass bundle" "$tmp/err"
ok $? "verify refuses a file that is not a bundle"
run 1 bundle verify -p "$tmp/k" "$tmp/b" && grep -q "not a hallpass-bundle-public-key file" "$tmp/err"
ok $? "verify wants the public key, not the secret one"
run 2 bundle verify "$tmp/b"
ok $? "verify without -p is a usage error"
run 2 bundle frobnicate
ok $? "an unknown bundle command is a usage error"
echo "1..$n"
