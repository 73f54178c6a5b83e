#!/bin/sh
# "hallpass inspect" over the real captures: every name MANIFEST.tsv lists is found, nothing for the negatives, as TAP.
set -u
: "${HALLPASS:?HALLPASS must name the hallpass binary}"
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
caps="$HALLPASS_TOP/../shared/captures"
base="$HALLPASS_TOP/tests/fixtures/base"
tmp=$(mktemp -d /tmp/hallpass-inspect.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0

ok() {	# $1 status (0 = pass), $2 description
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

clean() {	# no sanitizer spoke
	! grep -E 'Sanitizer|runtime error:' "$tmp/err" >/dev/null
}

if [ ! -f "$caps/MANIFEST.tsv" ]; then
	echo "ok 1 # SKIP no captures at $caps"
	echo "1..1"
	exit 0
fi

# Tab is whitespace to read, so empty fields would collapse: re-split on a unit separator.
us=$(printf '\037')
tail -n +2 "$caps/MANIFEST.tsv" | awk -F '\t' -v OFS="$us" '{ print $1, $2, $3, $4 }' |
while IFS="$us" read -r file proto names notes; do
	"$HALLPASS" -c "$base" inspect --json "$caps/pcap/$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	sed -n 's/.*"name":"\([^"]*\)".*/\1/p' "$tmp/out" | sort -u >"$tmp/found"
	printf '%s\n' "$names" | tr ',' '\n' | sed '/^$/d' | sort -u >"$tmp/want"
	missing=$(comm -23 "$tmp/want" "$tmp/found" | tr '\n' ' ')
	extra=$(comm -13 "$tmp/want" "$tmp/found" | tr '\n' ' ')
	status=0
	[ "$rc" -eq 0 ] && clean || status=1
	[ -z "$missing" ] || status=1
	case "$notes" in
	*"names capped"*)
		# Only the first 40 names alphabetically are listed: what we find beyond them must sort after the last.
		last=$(tail -n 1 "$tmp/want")
		for x in $extra; do
			[ "$(printf '%s\n%s\n' "$x" "$last" | sort | tail -n 1)" = "$x" ] || status=1
		done ;;
	*)
		[ -z "$extra" ] || status=1 ;;
	esac
	[ "$status" -eq 0 ] || echo "# $file: exit $rc; missing: $missing; extra: $extra"
	ok "$status" "inspect $file ($proto): $(wc -l <"$tmp/want" | tr -d ' ') names$(case "$notes" in NEGATIVE*) echo ', negative';; esac)"
	# The summary goes to stderr under --json; every stdout line is one JSON object.
	if grep -v '^{.*}$' "$tmp/out" >/dev/null; then
		echo "# $file: a line of --json output is not an object"
		exit 1
	fi
done >"$tmp/tap"
cat "$tmp/tap"
n=$(grep -c '^\(not \)\?ok ' "$tmp/tap")

# --against: only the flows whose decision differs, with both decisions and a count.
"$HALLPASS" -c "$base" inspect "$caps/pcap/mixed_sll_kakaotalk.pcap" --against "$HALLPASS_TOP/rules" \
    >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && clean && grep -q 'www.facebook.com => allow .* | against: block social' "$tmp/out" &&
    ! grep -q 'kakao.com' "$tmp/out" && grep -q 'decisions differ' "$tmp/out"
ok $? "--against lists only the flows whose decision changes"

"$HALLPASS" -c "$base" inspect "$caps/pcap/mixed_sll_kakaotalk.pcap" --student s1 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && clean && grep -q 'www.facebook.com => block social: group elementary blocks social' "$tmp/out"
ok $? "--student decides for that student"

"$HALLPASS" -c "$base" inspect "$caps/pcap/tls13_ech_grease_ipv6.pcapng" >"$tmp/out" 2>"$tmp/err"
grep -q 'performance.radar.cloudflare.com (ECH: outer name)' "$tmp/out"
ok $? "an ECH ClientHello is reported by its outer name"

"$HALLPASS" -c "$base" inspect "$caps/pcap/quic_v2_sll_ipv6.pcapng" >"$tmp/out" 2>"$tmp/err"
grep -q '\[::1\]:42086 > \[::1\]:4443 quic test' "$tmp/out"
ok $? "QUIC v2 over IPv6 on Linux cooked capture"

# Damaged input: a cut file reads what it can; a non-capture and a missing file exit 1.
head -c 3000 "$caps/pcap/mixed_android.pcap" >"$tmp/cut.pcap"
"$HALLPASS" -c "$base" inspect "$tmp/cut.pcap" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && clean && grep -q 'packets' "$tmp/out"
ok $? "a truncated capture is read up to the cut"
head -c 5000 /dev/urandom >"$tmp/junk.pcap"
"$HALLPASS" -c "$base" inspect "$tmp/junk.pcap" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && clean
ok $? "a file that is not a capture exits 1"
"$HALLPASS" -c "$base" inspect "$tmp/none.pcap" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && clean
ok $? "a missing capture exits 1"
"$HALLPASS" -c "$base" inspect "$tmp/none.pcap" --student nobody >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'unknown student' "$tmp/err"
ok $? "an unknown --student exits 1"
"$HALLPASS" -c "$base" inspect >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ]
ok $? "inspect without a capture is a usage error"
echo "1..$((n + 9))"
