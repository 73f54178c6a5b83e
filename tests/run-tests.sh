#!/bin/sh
# Runs every unit test binary and CLI test script, counts TAP results, ends with "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${HALLPASS_BUILD:-build/test}
cd "$top" || exit 2
out=$(mktemp -d /tmp/hallpass-tests.XXXXXX)
pass=0 fail=0 skip=0
export CMOCKA_MESSAGE_OUTPUT=TAP
export HALLPASS="$top/$build/hallpass"
export HALLPASS_TOP="$top"
# Tests that leave files to look at (the dashboard's screenshots) put them here.
export HALLPASS_TEST_OUT="$out"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

count() { # $1 name, $2 log, $3 exit status
	p=$(grep -c '^ok ' "$2")
	# cmocka prints a skipped test (its input is absent) as "not ok N # SKIP": not a failure.
	s=$(grep -c '^not ok .*# SKIP' "$2")
	f=$(($(grep -c '^not ok ' "$2") - s))
	skip=$((skip + s))
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		# A crash or sanitizer report before any TAP failure still fails.
		f=1
		echo "not ok - $1 exited with status $3" >>"$2"
	fi
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "== $1: $f failed"
		grep -v '^ok ' "$2" | tail -n 40
	else
		echo "== $1: $p passed"
	fi
}

# One PostgreSQL 15 cluster for the whole run (test_store_pg, the dashboard on PostgreSQL);
# HALLPASS_TEST_PG is always set here, so those tests run instead of skipping.
pgdir=$(mktemp -d /tmp/hp-pg.XXXXXX)
pg_stop() { tests/pg/pgcluster.sh stop "$pgdir" >/dev/null 2>&1; }
trap pg_stop EXIT
trap 'exit 130' INT TERM
if HALLPASS_TEST_PG=$(tests/pg/pgcluster.sh start "$pgdir" 2>"$out/pgcluster.log"); then
	export HALLPASS_TEST_PG
	echo "== postgresql: $HALLPASS_TEST_PG"
else
	echo "== postgresql: the test cluster did not start:"
	sed 's/^/   /' "$out/pgcluster.log"
	fail=$((fail + 1))
fi

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	(cd tests && "$top/$t") >"$out/$name.log" 2>&1
	count "$name" "$out/$name.log" $?
done
for t in tests/cli/*.sh tests/net/smoke.sh tests/net/firewall.sh tests/net/hallpassd.sh tests/net/bundle.sh tests/net/priv.sh tests/net/home.sh tests/web/dashboard.sh tests/web/staff.sh \
    tests/pg/ship.sh tests/net/district.sh tests/net/demo.sh tests/net/hostile.sh tests/pkg/deb.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	sh "$t" >"$out/$name.log" 2>&1
	count "$name" "$out/$name.log" $?
done
echo "logs in $out"
[ "$skip" -eq 0 ] || echo "$skip skipped (their inputs are absent)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
