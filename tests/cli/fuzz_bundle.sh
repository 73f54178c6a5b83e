#!/bin/sh
# Runs the libFuzzer target on the bundle parser for a bounded number of runs, from the seed bundles in tests/fixtures/bundle, as TAP.
set -u
: "${HALLPASS_TOP:?HALLPASS_TOP must name the project root}"
fuzzer="$HALLPASS_TOP/build/fuzz/fuzz_bundle"
runs=${FUZZ_BUNDLE_RUNS:-20000}
if [ ! -x "$fuzzer" ]; then
	echo "not ok 1 - fuzz target not built ($fuzzer)"
	echo "1..1"
	exit 1
fi
tmp=$(mktemp -d /tmp/hallpass-fuzz-bundle.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
# New inputs go to the scratch dir; the seeds are read, never rewritten.
(cd "$tmp" && "$fuzzer" -runs="$runs" -rss_limit_mb=2048 -timeout=5 -max_len=4096 \
    "$tmp" "$HALLPASS_TOP/tests/fixtures/bundle") >"$tmp/log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "ok 1 - fuzz_bundle: $(grep -o 'Done [0-9]* runs' "$tmp/log" | tail -n 1)"
else
	echo "not ok 1 - fuzz_bundle found a crash (exit $rc)"
	grep -E 'ERROR|SUMMARY|#0|#1|#2|#3' "$tmp/log" | head -n 20 | sed 's/^/# /'
	mkdir -p "$HALLPASS_TOP/build/fuzz/crashes"
	cp "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$HALLPASS_TOP/build/fuzz/crashes/" 2>/dev/null
fi
echo "1..1"
