#!/bin/sh
# Runs the libFuzzer target on the inspect entry point for a bounded time, from the kept corpus, as TAP.
set -u
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
fuzzer="$HALLPASS_TOP/build/fuzz/fuzz_inspect"
secs=${FUZZ_SECONDS:-30}
if [ ! -x "$fuzzer" ]; then
	echo "not ok 1 - fuzz target not built ($fuzzer)"
	exit 1
fi
tmp=$(mktemp -d /tmp/hallpass-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
# New inputs go to the scratch dir; the kept corpus is read, never rewritten.
(cd "$tmp" && "$fuzzer" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=5 \
    "$tmp" "$HALLPASS_TOP/tests/fuzz/corpus") >"$tmp/log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "ok 1 - fuzz_inspect ran ${secs}s: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$tmp/log" | head -n 1)$(tail -n 3 "$tmp/log" | grep -o 'Done [0-9]* runs' )"
else
	echo "not ok 1 - fuzz_inspect found a crash (exit $rc)"
	grep -E 'ERROR|SUMMARY|#0|#1|#2|#3' "$tmp/log" | head -n 20 | sed 's/^/# /'
	mkdir -p "$HALLPASS_TOP/build/fuzz/crashes"
	cp "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$HALLPASS_TOP/build/fuzz/crashes/" 2>/dev/null
fi
echo "1..1"
