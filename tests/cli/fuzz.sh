#!/bin/sh
# Runs every libFuzzer target (build/fuzz/fuzz_*) for a bounded time from its seeds, as TAP: 0 crashes, 0 sanitizer reports.
# A unit is allowed 25 s: on a loaded 2-core CI machine ASan's allocator alone has taken 6 s once.
set -u
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
top=$HALLPASS_TOP
# make test: the packet fuzzer 30 s, the others 15 s each; make fuzz sets FUZZ_SECONDS for all.
tmp=$(mktemp -d /tmp/hallpass-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0

# seed FUZZER SELECTOR-BYTE FILE...: the selector byte (octal) then each file, one seed per file.
seed() {
	d="$tmp/seed-$1" sel=$2
	shift 2
	mkdir -p "$d"
	for f in "$@"; do
		[ -f "$f" ] || continue
		{ printf "\\$sel"; cat "$f"; } >"$d/$(printf '%s' "$sel-$f" | cksum | cut -d' ' -f1)"
	done
}
fx=$top/tests/fixtures
seed import 000 "$fx/import/hosts.txt"
seed import 001 "$fx/import/adblock.txt"
seed yaml 000 "$fx/base/hallpass.yaml" "$fx/agree/hallpass.yaml"
seed yaml 001 "$fx/base/policy.yaml" "$fx/agree/policy.yaml"
seed yaml 002 "$fx"/base/rules.d/*.yaml "$top"/rules/rules.d/*.yaml
seed yaml 003 "$fx/base/safesearch.yaml" "$top/rules/safesearch.yaml"
seed yaml 004 "$fx/base/aup.yaml" "$top/rules/aup.yaml"
seed yaml 005 "$top"/dashboard-cgi/lang/*.yaml
# CGI: NUL-separated REQUEST_METHOD PATH_INFO QUERY_STRING HTTP_COOKIE CONTENT_TYPE CONTENT_LENGTH HOST ORIGIN LANG ADDR SCRIPT, body.
mkdir -p "$tmp/seed-cgi"
printf 'GET\000/report\000child=s1&week=2026-W48\000hp_session=0123abcd; lang=es\000\000\000h\000\000es-MX,es;q=0.9\000127.0.0.1\000/hallpass.cgi\000' >"$tmp/seed-cgi/get"
printf 'POST\000/login\000\000\000application/x-www-form-urlencoded\00029\000h\000http://h\000en\000::1\000/c\000user=g1&pass=p%%20w+x&csrf=abc\000' >"$tmp/seed-cgi/post"

for fuzzer in "$top"/build/fuzz/fuzz_*; do
	[ -x "$fuzzer" ] || continue
	name=$(basename "$fuzzer" | sed 's/^fuzz_//')
	n=$((n + 1))
	secs=${FUZZ_SECONDS:-15}
	[ "$name" = inspect ] && secs=${FUZZ_SECONDS:-30}
	corpus="$tmp/seed-$name"
	[ "$name" = inspect ] && corpus="$top/tests/fuzz/corpus"
	mkdir -p "$tmp/new-$name" "$corpus"
	# New inputs go to the scratch dir; the kept corpus is read, never rewritten.
	(cd "$tmp" && HALLPASS_TOP="$top" "$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 \
	    -timeout=25 "$tmp/new-$name" "$corpus") >"$tmp/log-$name" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - fuzz_$name ran ${secs}s: $(grep -o 'Done [0-9]* runs' "$tmp/log-$name" | tail -n 1), no crash, no sanitizer report"
	else
		echo "not ok $n - fuzz_$name found a crash (exit $rc)"
		grep -E 'ERROR|SUMMARY|#0|#1|#2|#3' "$tmp/log-$name" | head -n 20 | sed 's/^/# /'
		mkdir -p "$top/build/fuzz/crashes"
		cp "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$top/build/fuzz/crashes/" 2>/dev/null
	fi
done
if [ "$n" -eq 0 ]; then
	echo "not ok 1 - no fuzz target built (make fuzz-bin)"
	n=1
fi
echo "1..$n"
