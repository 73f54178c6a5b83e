#!/bin/sh
# CLI tests for "hallpass rules check" and "hallpass explain": exit codes, FILE:LINE:COLUMN errors, decision lines, as TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
tmp=$(mktemp -d /tmp/hallpass-cli.XXXXXX) || exit 1
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

# explain_is ARGS... -- EXPECTED: the whole output line.
explain_is() {
	line=$1
	shift
	run 0 -c "$base" explain "$@" && [ "$(cat "$tmp/out")" = "$line" ] ||
	    { echo "# got:  $(cat "$tmp/out")"; echo "# want: $line"; return 1; }
}

run 0 -c rules rules check && grep -q '^rules: ok: ' "$tmp/out"
ok $? "the shipped rules pass rules check"

run 0 -c "$base" rules check && grep -q '3 categories, 15 domains, 1 patterns, 1 urls' "$tmp/out"
ok $? "rules check counts what it loaded"

# A broken copy: two errors in two files, both reported with positions, exit 1.
cp -r "$base" "$tmp/bad"
printf 'category: games\ndescription: G\ndomains: [ok.example, "x y"]\n' >"$tmp/bad/rules.d/games.yaml"
sed 's/safe_search: moderate/safe_search: sometimes/' "$base/policy.yaml" >"$tmp/bad/policy.yaml"
run 1 -c "$tmp/bad" rules check &&
    grep -qx "$tmp/bad/rules.d/games.yaml:3:23: \"x y\" is not a valid host name: character not allowed in a host name" "$tmp/err" &&
    grep -qx "$tmp/bad/policy.yaml:6:18: safe_search must be one of off, moderate, strict, not \"sometimes\"" "$tmp/err" &&
    grep -q "2 errors; nothing was applied" "$tmp/err" && [ ! -s "$tmp/out" ]
ok $? "rules check reports every error as FILE:LINE:COLUMN and exits 1"

run 1 -c "$tmp/nonexistent" rules check && grep -q 'configuration directory .*use -c DIR' "$tmp/err"
ok $? "a missing directory is an error, not a crash"

explain_is "block gambling $base/rules.d/gambling.yaml:4 group standard blocks gambling (matched bet365.com) [policy $base/policy.yaml:5]" \
    s2 www.bet365.com --at "2026-11-23 12:00"
ok $? "explain: a category block names the list entry and the policy line"

explain_is "allow - - no rule matched" s2 notbet365.com --at "2026-11-23 12:00"
ok $? "explain: suffix match stops at label boundaries"

explain_is "allow social $base/policy.yaml:33 on this student's allow list (matched instagram.com)" \
    s1 www.instagram.com --at "2026-11-23 22:00"
ok $? "explain: a student's own allow beats the group's block and bedtime"

explain_is "block - $base/policy.yaml:18 schedule bedtime of group elementary blocks all sites now" \
    s1 www.example.org --at "2026-11-23 22:00"
ok $? "explain --at: local time in the policy's time zone"

explain_is "allow - - no rule matched" s1 www.example.org --at "2026-11-28 22:00"
ok $? "explain --at: bedtime is not on Friday night"

explain_is "allow - $base/safesearch.yaml:3 safe search enforced for group standard: answered with forcesafesearch.google.com" \
    - www.google.com --at "2026-11-23 12:00"
ok $? "explain: - is the default group; safe search is an allow with a rewrite"

explain_is "block gambling $base/rules.d/gambling.yaml:10 group standard blocks gambling (matched example.com/poker/) [policy $base/policy.yaml:5]" \
    s2 example.com --path /poker/1 --at "2026-11-23 12:00"
ok $? "explain --path: url rules apply to plain HTTP paths"

run 1 -c "$base" explain nobody www.example.org && grep -q 'unknown student "nobody"' "$tmp/err"
ok $? "explain: an unknown student is an error"

run 2 -c "$base" explain s1 www.example.org --at "yesterday" && grep -q 'YYYY-MM-DD HH:MM' "$tmp/err"
ok $? "explain: a bad --at is a usage error"

run 2 -c "$base" explain s1
ok $? "explain: missing HOST is a usage error"

run 2 frobnicate && grep -q 'unknown command' "$tmp/err"
ok $? "an unknown command is a usage error"

run 2
ok $? "no command is a usage error"

run 0 --help && grep -q 'rules check' "$tmp/out"
ok $? "-h prints help on stdout"

run 2 -c "$base" rules apply
ok $? "rules with an unknown subcommand is a usage error"

echo "1..$n"
