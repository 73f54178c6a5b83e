#!/bin/sh
# CLI tests for "hallpass import": exit codes, exact output, atomic -o, usage errors and FILE:LINE reports, as TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
fix="$HALLPASS_TOP/tests/fixtures/import"
ut1="$HALLPASS_TOP/../shared/blocklists/ut1"
tmp=$(mktemp -d /tmp/hallpass-import.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
# The header comment carries a date; pin it so output compares byte for byte.
SOURCE_DATE_EPOCH=0
export SOURCE_DATE_EPOCH
n=0

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/#   stderr: /' "$tmp/err" 2>/dev/null | head -n 5
	fi
}

# run RC ARGS...: hallpass import ARGS from the fixture folder, stdout/stderr kept; true if the exit status is RC.
run() {
	want=$1
	shift
	(cd "$fix" && "$HALLPASS" import "$@") >"$tmp/out" 2>"$tmp/err"
	got=$?
	# Sanitizers also exit 1, which an "exit 1 expected" case would otherwise accept.
	if grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null; then
		echo "# sanitizer report: import $*"
		sed 's/^/#   /' "$tmp/err" | head -n 20
		return 1
	fi
	[ "$got" -eq "$want" ] || { echo "# exit status $got, wanted $want: import $*"; return 1; }
}

has() {	# $1 file, $2 fixed string
	grep -F -e "$2" "$1" >/dev/null
}

# --- the three formats, exact output ---
run 0 hosts hosts.txt --category ads && cmp -s "$tmp/out" "$fix/hosts.expected.yaml"
ok $? "hosts: exit 0, output is exactly hosts.expected.yaml"
has "$tmp/err" "hosts.txt:19: bad host name 'bad_name!.example.com'" &&
    has "$tmp/err" "hosts.txt:23: bad address 'example.com'" &&
    has "$tmp/err" "5 bad lines skipped"
ok $? "hosts: stderr shows FILE:LINE for bad lines and the total"

run 0 adblock adblock.txt --category ads && cmp -s "$tmp/out" "$fix/adblock.expected.yaml"
ok $? "adblock: exit 0, output is exactly adblock.expected.yaml"
has "$tmp/err" "adblock.txt:25: '||' without a domain" &&
    has "$tmp/err" "12 unsupported rules" && has "$tmp/err" "6 bad lines skipped"
ok $? "adblock: stderr shows bad lines and unsupported/bad totals"

run 0 ut1 ut1/testcat --category testcat && cmp -s "$tmp/out" "$fix/ut1.expected.yaml"
ok $? "ut1: exit 0, output is exactly ut1.expected.yaml"
has "$tmp/err" "ut1/testcat/expressions: not imported" &&
    has "$tmp/err" "ut1/testcat/urls:8: bad url"
ok $? "ut1: expressions reported as not imported, bad url line located"

run 0 --category ads -o - hosts - <"$fix/hosts.txt" && has "$tmp/out" "- tracker.example.net" &&
    has "$tmp/out" 'description: "Imported from standard input"' &&
    has "$tmp/err" "<stdin>:19:"
ok $? "options before arguments, '-' reads stdin and '-o -' writes stdout"

run 0 hosts hosts.txt --category ads --description 'say "hi": #now' &&
    has "$tmp/out" 'description: "say \"hi\": #now"'
ok $? "--description is written double-quoted and escaped"

# --- -o and atomic replacement ---
out="$tmp/rules.yaml"
run 0 hosts hosts.txt -c ads -o "$out" && [ ! -s "$tmp/out" ] &&
    cmp -s "$out" "$fix/hosts.expected.yaml" && [ ! -e "$out.tmp" ]
ok $? "-o writes the file, nothing on stdout, no .tmp left"

# A hard link keeps the old inode: a rename leaves it alone, an in-place rewrite would not.
ln "$out" "$tmp/old.yaml"
run 0 adblock adblock.txt -c ads -o "$out" && cmp -s "$out" "$fix/adblock.expected.yaml" &&
    cmp -s "$tmp/old.yaml" "$fix/hosts.expected.yaml"
ok $? "-o replaces the file by rename, never rewriting it in place"

printf '0.0.0.0 bad!name\n# only a comment\n' >"$tmp/allbad.txt"
run 1 hosts "$tmp/allbad.txt" -c ads -o "$out" && cmp -s "$out" "$fix/adblock.expected.yaml" &&
    [ ! -e "$out.tmp" ] && has "$tmp/err" "nothing to import"
ok $? "nothing valid: exit 1, existing output untouched"

run 1 hosts hosts.txt -c ads -o "$tmp/no-such-dir/rules.yaml" && [ ! -e "$tmp/no-such-dir" ]
ok $? "unwritable -o: exit 1"

(cd "$fix" && "$HALLPASS" import hosts hosts.txt -c ads >/dev/full 2>"$tmp/err")
[ $? -eq 1 ]
ok $? "stdout write failure (/dev/full): exit 1"

# --- unreadable input ---
run 1 hosts no-such-file.txt -c ads && has "$tmp/err" "no-such-file.txt"
ok $? "missing file: exit 1 with its name"
run 1 ut1 no-such-dir -c ads
ok $? "ut1 missing folder: exit 1"
run 1 ut1 hosts.txt -c ads && has "$tmp/err" "not a directory"
ok $? "ut1 given a file: exit 1"
run 1 ut1 . -c ads && has "$tmp/err" "neither a 'domains' nor a 'urls'"
ok $? "ut1 folder without lists: exit 1"
run 1 hosts ut1 -c ads
ok $? "hosts given a folder: exit 1"

# --- the first 10 bad lines, then a total ---
i=1
while [ $i -le 25 ]; do
	echo "0.0.0.0 bad$i!.example"
	i=$((i + 1))
done >"$tmp/many.txt"
echo "0.0.0.0 good.example" >>"$tmp/many.txt"
run 0 hosts "$tmp/many.txt" -c ads &&
    [ "$(grep -c "^$tmp/many.txt:[0-9]*: " "$tmp/err")" -eq 10 ] &&
    has "$tmp/err" "25 bad lines skipped (first 10 shown)"
ok $? "only the first 10 bad lines are shown, then the total"

# --- usage errors: exit 2 ---
run 2
ok $? "no arguments: exit 2"
run 2 hosts
ok $? "format without file: exit 2"
run 2 hosts hosts.txt
ok $? "missing --category: exit 2"
run 2 csv hosts.txt -c ads && has "$tmp/err" "unknown format"
ok $? "unknown format: exit 2"
for bad in Ads all -ads _ads 'a b' "$(printf 'a%.0s' $(seq 65))" ''; do
	run 2 hosts hosts.txt --category "$bad" || { false; break; }
done
ok $? "bad category names (upper case, all, leading -/_, space, 65 chars, empty): exit 2"
run 0 hosts hosts.txt --category "$(printf 'a%.0s' $(seq 64))"
ok $? "64-character category accepted"
run 2 hosts hosts.txt -c ads --frobnicate && has "$tmp/err" "--frobnicate"
ok $? "unknown option: exit 2, named"
run 2 hosts hosts.txt -c ads -o
ok $? "-o without argument: exit 2"
run 2 hosts hosts.txt extra -c ads
ok $? "extra argument: exit 2"
run 2 hosts hosts.txt -c ads --description "$(printf 'bad\377')"
ok $? "description that is not UTF-8: exit 2"
run 0 --help && has "$tmp/out" "usage: hallpass import"
ok $? "--help: exit 0, usage on stdout"

# --- the real UT1 gambling list, if this machine has it ---
if [ -f "$ut1/gambling/domains" ]; then
	run 0 ut1 "$ut1/gambling" --category gambling -o "$out" &&
	    [ "$(grep -c '^- ' "$out")" -ge 30000 ] && has "$out" "category: gambling" &&
	    has "$tmp/err" "0 bad lines skipped"
	ok $? "real UT1 gambling: exit 0, >= 30000 entries, no bad lines"
else
	n=$((n + 1))
	echo "ok $n - real UT1 gambling # SKIP $ut1 not found"
fi

echo "1..$n"
