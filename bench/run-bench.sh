#!/bin/sh
# run-bench.sh: runs every benchmark section and prints its table; `make bench` calls it.
# Exit status is non-zero only when a bench binary fails (an error or a wrong answer);
# targets missed are reported as MISS in the tables, not as failure.
# Machine-readable results go to bench/results/SECTION.json (kept out of git).
set -u

cd "$(dirname "$0")/.." || exit 1
B=${HALLPASS_BUILD:-build/rel}
RESULTS=bench/results

# One function per section; add new benchmarks here and to SECTIONS.
SECTIONS=${BENCH_SECTIONS:-"policy roster net cgi ship district"}

# shellcheck disable=SC2317 # sections are called as "section_$s"
section_policy() {
	"$B/bench_policy" -j "$RESULTS/policy.json"
}
# A generated district imported with the real CLI; lookups with that roster (bench/README.md).
section_roster() {
	"$B/bench_roster" -x "$B/hallpass" -j "$RESULTS/roster.json"
}
# Through network namespaces (root): plain forwarding vs dnsmasq vs hallpassd; see bench/README.md.
section_net() {
	HALLPASS_BUILD=$B bench/net-bench.sh
}

# The dashboard's activity page over 10M activity rows. The seeded database (~2.5 GB) is
# kept in HALLPASS_BENCH_DIR so later runs skip the minutes of seeding.
section_cgi() {
	d=${HALLPASS_BENCH_DIR:-/tmp/hallpass-bench}
	mkdir -p "$d" && rm -rf "$d/conf" && cp -r rules "$d/conf" || return 1
	sed -i "s|^database:.*|database: $d/cgi.db|" "$d/conf/hallpass.yaml" || return 1
	"$B/bench_cgi" -c "$d/conf" -x "$B/hallpass.cgi" -j "$RESULTS/cgi.json"
}

# Gateways' shippers into PostgreSQL next to a plain COPY of the same rows (bench/ship-bench.sh).
section_ship() {
	HALLPASS_BUILD=$B RESULTS=$RESULTS bench/ship-bench.sh
}

# The parent page on PostgreSQL with a district-sized data set (bench/district-bench.sh).
section_district() {
	HALLPASS_BUILD=$B RESULTS=$RESULTS bench/district-bench.sh
}

mkdir -p "$RESULTS" || exit 1
[ -f "$RESULTS/.gitignore" ] || printf '*\n!.gitignore\n' >"$RESULTS/.gitignore"

echo "hallpass benchmarks: $(uname -srm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs, build $B"
failed=""
for s in $SECTIONS; do
	echo
	if ! "section_$s"; then
		echo "bench $s: FAILED" >&2
		failed="$failed $s"
	fi
done
echo
if [ -n "$failed" ]; then
	echo "benchmarks failed:$failed"
	exit 1
fi
echo "results in $RESULTS/"
exit 0
