#!/bin/sh
# Runs the libFuzzer targets (the inspect entry point, the roster readers) for a bounded time each, as TAP.
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

# The roster readers: seeds made from the OneRoster fixtures (first byte picks the reader, NUL splits files).
roster="$HALLPASS_TOP/build/fuzz/fuzz_roster"
rsecs=${FUZZ_ROSTER_SECONDS:-15}
fx="$HALLPASS_TOP/tests/fixtures/oneroster"
if [ ! -x "$roster" ]; then
	echo "not ok 2 - fuzz target not built ($roster)"
else
	mkdir -p "$tmp/rseeds" "$tmp/rcorpus"
	for v in v1.0 v1.1 v1.2 messy bad delta; do
		{ printf '\000'; cat "$fx/$v/users.csv"; printf '\000'; cat "$fx/$v/orgs.csv" 2>/dev/null
		  printf '\000'; cat "$fx/$v/roles.csv" 2>/dev/null; printf '\000'
		  cat "$fx/$v/demographics.csv" 2>/dev/null; printf '\000'
		  cat "$fx/$v/manifest.csv" 2>/dev/null; } >"$tmp/rseeds/$v"
	done
	{ printf '\001'; cat "$fx/devices.csv"; } >"$tmp/rseeds/devices"
	{ printf '\001'; cat "$fx/devices-bad.csv"; } >"$tmp/rseeds/devices-bad"
	printf '\002hallpass-roster,1\norg,o,O,school\nstudent,s1,A,B,o,01\nguardian,g1,C,D,,,es,parent\nlink,s1,g1\ndevice,s1,,10.0.0.0/8,\n' >"$tmp/rseeds/roster"
	(cd "$tmp" && "$roster" -max_total_time="$rsecs" -rss_limit_mb=2048 -timeout=5 \
	    "$tmp/rcorpus" "$tmp/rseeds") >"$tmp/rlog" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok 2 - fuzz_roster ran ${rsecs}s: $(tail -n 3 "$tmp/rlog" | grep -o 'Done [0-9]* runs')"
	else
		echo "not ok 2 - fuzz_roster found a crash (exit $rc)"
		grep -E 'ERROR|SUMMARY|#0|#1|#2|#3' "$tmp/rlog" | head -n 20 | sed 's/^/# /'
		mkdir -p "$HALLPASS_TOP/build/fuzz/crashes"
		cp "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$HALLPASS_TOP/build/fuzz/crashes/" 2>/dev/null
	fi
fi
echo "1..2"
