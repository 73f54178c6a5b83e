#!/bin/sh
# "hallpass roster import|devices|list": OneRoster dialects, error positions, nothing applied when invalid, delta, group rules, exceptions, as TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
tmp=$(mktemp -d /tmp/hallpass-roster.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$HALLPASS_TOP" || exit 1
fx=tests/fixtures/oneroster
caps="$HALLPASS_TOP/../shared/captures"
conf="$tmp/conf"
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

# line_is ID EXPECTED: the text listing's line for student ID.
line_is() {
	got=$(grep "^$1	" "$tmp/out")
	[ "$got" = "$2" ] || { echo "# got:  $got"; echo "# want: $2"; return 1; }
}

fresh() {	# a config dir: the base fixture with the roster tests' policy.yaml
	rm -rf "$conf"
	cp -r tests/fixtures/base "$conf"
	cp "$fx/conf/policy.yaml" "$conf/policy.yaml"
}

fresh
run 0 -c "$conf" roster import oneroster "$fx/v1.1" -d "$fx/devices.csv" &&
    grep -qx "$conf/roster.csv: 3 students (was 0), 4 guardians (was 0), 5 devices" "$tmp/out" &&
    [ -f "$conf/roster.csv" ] && ! ls "$conf"/.roster.csv.* >/dev/null 2>&1
ok $? "v1.1 import with a device file writes roster.csv and no temp file is left"

run 0 -c "$conf" roster list &&
    line_is stu-100 "stu-100	Ana Garcia	Lincoln Elementary	03	elementary	mac 02:00:00:00:20:01;ip 10.16.2.7	par-200 (es);par-201 (es)" &&
    line_is stu-102 "stu-102	Cy Nguyen	Lincoln Elementary	KG	elementary	ip 10.16.1.0/24;hotspot hs-0042	par-203 (vi)"
ok $? "list: school, grade, group from group_rules (school + KG-05), devices, guardians with their language"

line_is stu-101 "stu-101	Ben Okafor	Washington High	10	lockdown	mac 02:00:00:00:20:02 ip 192.0.2.141	par-202 (fr)"
ok $? "policy.yaml's exceptions win: group lockdown over the school's rule, guardian language fr"

line_is s1 "s1	Hand Written	-	-	standard	mac 02:00:00:00:10:01	-" && [ "$(wc -l <"$tmp/out")" -eq 4 ] &&
    ! grep -q tch-1 "$tmp/out"
ok $? "a hand-written student still works beside the roster; teachers are not imported"

run 0 -c "$conf" roster list --school sch-wash && [ "$(cut -f1 "$tmp/out")" = "stu-101" ] &&
    run 0 -c "$conf" roster list --school "Lincoln Elementary" && [ "$(cut -f1 "$tmp/out" | tr '\n' ' ')" = "stu-100 stu-102 " ]
ok $? "list --school by org id or by school name"

run 0 -c "$conf" roster list --json &&
    grep '"id":"stu-100"' "$tmp/out" | grep -q '{"id":"par-201","name":"Rosa Garcia","email":null,"phone":"(555) 010-0101","language":"es","relation":"relative"}' &&
    grep '"id":"stu-100"' "$tmp/out" | grep -q '"school":"sch-lin","school_name":"Lincoln Elementary","grade":"03","group":"elementary","imported":true'
ok $? "list --json: a guardian without e-mail, language from demographics (Spanish -> es), relation"

run 0 -c "$conf" explain stu-101 khanacademy.org && grep -q "^allow .*on this student's allow list" "$tmp/out" &&
    run 0 -c "$conf" explain stu-100 bet365.com && grep -q "group elementary blocks gambling" "$tmp/out"
ok $? "explain: an imported student decides by their group and exceptions"

if [ -f "$caps/pcap/dns_tcp_ipv4_one_query.pcap" ]; then
	run 0 -c "$conf" inspect "$caps/pcap/dns_tcp_ipv4_one_query.pcap" &&
	    grep -q "10.16.1.11:38195 > 8.8.4.4:53 dns www.google.com => safesearch -: safe search enforced for group elementary" "$tmp/out" &&
	    run 0 -c tests/fixtures/base inspect "$caps/pcap/dns_tcp_ipv4_one_query.pcap" &&
	    grep -q "for group standard" "$tmp/out"
	ok $? "inspect: a client in a student's network (10.16.1.0/24 from the device file) gets the student's group"
else
	n=$((n + 1)); echo "ok $n # SKIP no captures at $caps"
fi

cp "$conf/roster.csv" "$tmp/before.csv"
run 1 -c "$conf" roster import oneroster "$fx/bad" && b="$fx/bad/users.csv" &&
    grep -qx "$b:3: sourcedId \"stu 9\" must be 1-64 letters, digits, '.', '_' or '-'" "$tmp/err" &&
    grep -qx "$b:4: grade \"14\" is not a grade (IT PR PK TK KG 01-13 PS UG Other)" "$tmp/err" &&
    grep -qx "$b:5: role \"wizard\" is not a OneRoster role" "$tmp/err" &&
    grep -qx "$b:6: 10 fields where the header has 11 (a comma or line break outside quotes?)" "$tmp/err" &&
    grep -qx "$b:7: agentSourcedIds names \"par-999\", which is not a parent, guardian or relative" "$tmp/err" &&
    grep -qx "$b:8: email \"maria@@example.org\" is not an e-mail address" "$tmp/err" &&
    grep -q "^$b:9: dateLastModified \"2026-13-45\" is not a date" "$tmp/err" &&
    grep -qx "$b:12: status \"archived\" must be active or tobedeleted" "$tmp/err" &&
    grep -qx "$b:13: org \"sch-nope\" is not in orgs.csv" "$tmp/err" &&
    grep -qx "$b:14: user \"stu-100\" is listed twice (first at line 2)" "$tmp/err" &&
    grep -qx "$fx/bad: 10 errors; nothing was applied" "$tmp/err" && [ ! -s "$tmp/out" ] &&
    [ "$(grep "^$b:" "$tmp/err" | cut -d: -f2 | tr '\n' ' ')" = "3 4 5 6 7 8 9 12 13 14 " ]
ok $? "a bad export: every bad row as FILE:LINE: why, all at once, in line order (lines counted across a quoted line break)"

cmp -s "$tmp/before.csv" "$conf/roster.csv" && ! ls "$conf"/.roster.csv.* >/dev/null 2>&1
ok $? "an invalid import leaves the roster in force untouched"

run 1 -c "$conf" roster devices "$fx/devices-bad.csv" && d="$fx/devices-bad.csv" &&
    grep -qx "$d:2: \"02:00:00:00:20:0G\" is not a MAC address like 02:00:00:00:10:01" "$tmp/err" &&
    grep -qx "$d:3: student \"stu-404\" is not in the roster" "$tmp/err" &&
    grep -qx "$d:4: \"10.16.1.5/24\": host bits are set after the prefix length (write the network address)" "$tmp/err" &&
    grep -qx "$d:5: a device needs a mac, an ip, or a hotspot" "$tmp/err" &&
    grep -qx "$d:6: a hotspot stands for everything behind it: give it alone, without mac or ip" "$tmp/err" &&
    cmp -s "$tmp/before.csv" "$conf/roster.csv"
ok $? "a bad device file: every row's error, nothing applied"

printf 'student,mac\nstu-101,02:00:00:00:10:01\n' >"$tmp/clash.csv"
run 1 -c "$conf" roster devices "$tmp/clash.csv" &&
    grep -qx "$conf/policy.yaml:27:9: MAC 02:00:00:00:10:01 already belongs to student stu-101 ($conf/roster.csv (as imported):16)" "$tmp/err" &&
    cmp -s "$tmp/before.csv" "$conf/roster.csv"
ok $? "a device that clashes with policy.yaml is caught before the roster is replaced"

run 0 -c "$conf" roster import oneroster "$fx/delta" &&
    grep -qx "$conf/roster.csv: 3 students (was 3), 4 guardians (was 4), 3 devices (2 of removed students dropped)" "$tmp/out" &&
    run 0 -c "$conf" roster list &&
    line_is stu-100 "stu-100	Ana Garcia	Lincoln Elementary	06	lockdown	mac 02:00:00:00:20:01;ip 10.16.2.7	par-200 (es)" &&
    line_is stu-103 "stu-103	Dee Park	Lincoln Elementary	01	elementary	-	par-204" &&
    ! grep -q '^stu-102' "$tmp/out" && grep -q '^stu-101' "$tmp/out" &&
    ! grep -q '"par-201"' "$conf/roster.csv"
ok $? "delta: tobedeleted removes a student and a guardian, a new grade regroups (06 -> lockdown), others are kept"

run 0 -c "$conf" roster import oneroster "$fx/v1.0" && run 0 -c "$conf" roster list &&
    line_is stu-100 "stu-100	Ana Garcia	Lincoln Elementary	-	standard	mac 02:00:00:00:20:01;ip 10.16.2.7	par-200" &&
    line_is stu-101 "stu-101	Ben Okafor	Washington High	-	lockdown	mac 02:00:00:00:20:02 ip 192.0.2.141	par-202 (fr)" &&
    [ "$(wc -l <"$tmp/out")" -eq 3 ]
ok $? "v1.0 bulk replaces the roster: agents link parents both ways, no grades so no grade rule"

fresh
run 0 -c "$conf" roster import oneroster "$fx/v1.2" && run 0 -c "$conf" roster list --json &&
    grep '"id":"stu-100"' "$tmp/out" | grep -q '"name":"Ana Garcia","school":"sch-lin","school_name":"Lincoln Elementary","grade":"03","group":"elementary"' &&
    grep '"id":"stu-100"' "$tmp/out" | grep -q '"language":"es","relation":"parent"' &&
    grep '"id":"stu-101"' "$tmp/out" | grep -q '"phone":"+15550100202","language":"fr","relation":"guardian"' &&
    ! grep -q adm-1 "$conf/roster.csv"
ok $? "v1.2: roles.csv gives role and school, preferred names, metadata.language; administrators left out"

fresh
run 0 -c "$conf" roster import oneroster "$fx/messy" && run 0 -c "$conf" roster list &&
    line_is stu-100 "stu-100	Ana Garcia, Jr.	Lincoln Elementary, North Campus	03	elementary	-	par-200 (es);par-201 (es)" &&
    line_is stu-101 "stu-101	Ben O'Kafor Smith	Lincoln Elementary, North Campus	10	lockdown	-	par-202 (fr)" &&
    run 0 -c "$conf" roster list --json && grep -q '"name":"María \\"Mari\\" Garcia"' "$tmp/out"
ok $? "messy export: BOM, CRLF, quoted commas, quotes and line breaks, four date formats, ext_ and unknown columns"

fresh
mkdir -p "$tmp/zip/export"
cp "$fx"/v1.1/*.csv "$tmp/zip/export/"
if command -v zip >/dev/null; then
	(cd "$tmp/zip" && zip -qr ../export.zip export)
else
	(cd "$tmp/zip" && python3 -m zipfile -c ../export.zip export)
fi
run 0 -c "$conf" roster import oneroster "$tmp/export.zip" && cp "$conf/roster.csv" "$tmp/zip.csv" &&
    run 0 -c "$conf" roster import oneroster "$fx/v1.1" && cmp -s "$tmp/zip.csv" "$conf/roster.csv"
ok $? "a .zip export (files in a folder inside) gives the same roster as the folder"

head -c 300 "$tmp/export.zip" >"$tmp/cut.zip"
run 1 -c "$conf" roster import oneroster "$tmp/cut.zip" && grep -q "^$tmp/cut.zip: " "$tmp/err"
ok $? "a broken zip is an error, not a crash"

run 2 -c "$conf" roster import csv "$fx/v1.1" && run 2 -c "$conf" roster list extra &&
    run 2 -c "$conf" roster frobnicate
ok $? "usage errors exit 2"

echo "1..$n"
