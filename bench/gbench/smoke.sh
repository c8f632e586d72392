#!/bin/sh
# bench/gbench/smoke.sh - mallard-gbench runs every benchmark, tiny
# (--benchmark_min_time=0.001), with the C library's malloc and under
# LD_PRELOAD=$MALLARD_LIB: each run exits 0, reports one result for every
# name --benchmark_list_tests prints, and no run failed ("error_occurred").
# Also: mallard really is loaded into the program, and --benchmark_filter and
# --benchmark_repetitions work. Times nothing. Prints TAP; when the program
# was not built (configure found no Google Benchmark) the whole test SKIPs.
#
# Environment (set by 'make check'): top_builddir, MALLARD_LIB.

top_builddir=${top_builddir:-.}
MALLARD_LIB=${MALLARD_LIB:-$top_builddir/.libs/libmallard.so}
prog=$top_builddir/bench/gbench/mallard-gbench
tiny=--benchmark_min_time=0.001

if [ ! -x "$prog" ]; then
	echo "1..0 # SKIP mallard-gbench not built: configure found no Google Benchmark (install libbenchmark-dev, or libbenchmark-dev:i386 for -m32)"
	exit 0
fi
if [ ! -f "$MALLARD_LIB" ]; then
	echo "Bail out! $MALLARD_LIB not found (build the library first)"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gbench-smoke.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
# A deadlocked run (xthread_free) fails instead of hanging 'make check'.
# The watchdog goes first, so that LD_PRELOAD reaches only the program (a
# 32-bit library cannot be preloaded into a 64-bit timeout).
watchdog=
if command -v timeout >/dev/null; then watchdog="timeout 300"; fi

echo "1..5"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=$((failed + 1))
	[ -z "$2" ] || [ ! -f "$2" ] || sed 's/^/# /' "$2" | tail -n 30
}

# names_of JSON: the names of its per-run results (not aggregates), sorted.
names_of() {
	awk '/^ *"name": / { name = $2; sub(/^"/, "", name); sub(/",$/, "", name) }
	     /^ *"run_type": "iteration"/ { print name }' "$1" | sort
}

# check_json NAME RC JSON STDERR: one TAP line for a full run.
check_json() {
	if [ "$2" -ne 0 ]; then
		not_ok "$1: exit $2" "$4"
	elif ! names_of "$3" | uniq | cmp -s - "$work/names"; then
		names_of "$3" | uniq | diff "$work/names" - >"$work/diff"
		not_ok "$1: results differ from --benchmark_list_tests (< missing, > extra)" "$work/diff"
	elif names_of "$3" | uniq -d | grep -q .; then
		not_ok "$1: a benchmark reported twice" "$3"
	elif grep -q '"error_occurred": true' "$3"; then
		grep -B12 -A1 '"error_occurred": true' "$3" >"$work/errors"
		not_ok "$1: a benchmark failed" "$work/errors"
	elif grep -q 'cannot be preloaded' "$4"; then
		not_ok "$1: LD_PRELOAD=$MALLARD_LIB was not loaded" "$4"
	else
		ok "$1: $(wc -l <"$work/names") results"
	fi
}

$watchdog "$prog" --benchmark_list_tests=true >"$work/names.raw" 2>"$work/err"
rc=$?
sort "$work/names.raw" >"$work/names"
if [ $rc -ne 0 ] || [ ! -s "$work/names" ]; then
	not_ok "--benchmark_list_tests (exit $rc)" "$work/err"
else
	ok "--benchmark_list_tests: $(wc -l <"$work/names") benchmarks"
fi

$watchdog "$prog" $tiny --benchmark_format=json >"$work/libc.json" 2>"$work/err"
check_json "C library malloc, JSON on stdout" $? "$work/libc.json" "$work/err"

$watchdog env LD_PRELOAD="$MALLARD_LIB" "$prog" $tiny \
	--benchmark_out="$work/mallard.json" --benchmark_out_format=json \
	>"$work/console" 2>"$work/err"
check_json "mallard (LD_PRELOAD), --benchmark_out JSON" $? "$work/mallard.json" "$work/err"

# mallard warns about a bad MALLARD_PURGE_DELAY_MS once it is initialised.
$watchdog env LD_PRELOAD="$MALLARD_LIB" MALLARD_PURGE_DELAY_MS=banana "$prog" \
	--benchmark_list_tests=true >/dev/null 2>"$work/err"
rc=$?
if [ $rc -ne 0 ]; then
	not_ok "mallard is loaded into mallard-gbench: exit $rc" "$work/err"
elif ! grep -q '^mallard: warning: MALLARD_PURGE_DELAY_MS' "$work/err"; then
	not_ok "mallard is loaded into mallard-gbench: no warning about MALLARD_PURGE_DELAY_MS=banana" "$work/err"
else
	ok "mallard is loaded into mallard-gbench"
fi

# Two benchmarks, one of them threaded, twice each: 4 runs and their aggregates.
$watchdog env LD_PRELOAD="$MALLARD_LIB" "$prog" $tiny --benchmark_repetitions=2 \
	--benchmark_filter='^(malloc_free/size:64|xthread_free/size:16/.*)$' \
	--benchmark_format=json >"$work/rep.json" 2>"$work/err"
rc=$?
runs=$(grep -c '"run_type": "iteration"' "$work/rep.json")
medians=$(grep -c '"aggregate_name": "median"' "$work/rep.json")
if [ $rc -ne 0 ] || [ "$runs" != 4 ] || [ "$medians" != 2 ] ||
	grep -q '"error_occurred": true' "$work/rep.json"; then
	not_ok "--benchmark_filter, --benchmark_repetitions=2: exit $rc, $runs runs, $medians medians (want 4, 2)" "$work/rep.json"
else
	ok "--benchmark_filter, --benchmark_repetitions=2: 4 runs, 2 medians"
fi

[ "$failed" -eq 0 ]
