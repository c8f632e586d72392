#!/bin/sh
# bench/gbench/smoke.sh - mallard-gbench runs every benchmark, tiny
# (--benchmark_min_time=0.001), with the C library's malloc and under
# LD_PRELOAD=$MALLARD_LIB: each run exits 0, reports one result for every
# name --benchmark_list_tests prints, and no run failed ("error_occurred").
# Also: mallard really is loaded into the program, and --benchmark_filter and
# --benchmark_repetitions work. Times nothing. Prints TAP; when the program
# was not built (configure found no Google Benchmark) the whole test SKIPs.
#
# Environment (set by 'make check'): top_srcdir, top_builddir, MALLARD_LIB.

# TAP helpers, $work, check_loaded, require_library (sets the defaults of
# top_srcdir, top_builddir, MALLARD_LIB when run by hand).
# shellcheck source=tests/preload/common.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/preload/common.sh"

prog=$top_builddir/bench/gbench/mallard-gbench
tiny=--benchmark_min_time=0.001

if [ ! -x "$prog" ]; then
	echo "1..0 # SKIP mallard-gbench not built: configure found no Google Benchmark (install libbenchmark-dev, or libbenchmark-dev:i386 for -m32)"
	exit 0
fi
require_library

# A deadlocked run (xthread_free) fails instead of hanging 'make check'.
# The watchdog goes first, so that LD_PRELOAD reaches only the program (a
# 32-bit library cannot be preloaded into a 64-bit timeout).
watchdog=
if command -v timeout >/dev/null; then watchdog="timeout 300"; fi

tap_plan 5

# names_of JSON: the names of its per-run results (not aggregates), sorted.
names_of() {
	awk '/^ *"name": / { name = $2; sub(/^"/, "", name); sub(/",$/, "", name) }
	     /^ *"run_type": "iteration"/ { print name }' "$1" | sort
}

# check_json NAME RC JSON STDERR: one TAP line for a full run.
check_json() {
	if [ "$2" -ne 0 ]; then
		tap_not_ok "$1: exit $2" "$4"
	elif ! names_of "$3" | uniq | cmp -s - "$work/names"; then
		names_of "$3" | uniq | diff "$work/names" - >"$work/diff"
		tap_not_ok "$1: results differ from --benchmark_list_tests (< missing, > extra)" "$work/diff"
	elif names_of "$3" | uniq -d | grep -q .; then
		tap_not_ok "$1: a benchmark reported twice" "$3"
	elif grep -q '"error_occurred": true' "$3"; then
		grep -B12 -A1 '"error_occurred": true' "$3" >"$work/errors"
		tap_not_ok "$1: a benchmark failed" "$work/errors"
	elif grep -q 'cannot be preloaded' "$4"; then
		tap_not_ok "$1: LD_PRELOAD=$MALLARD_LIB was not loaded" "$4"
	else
		tap_ok "$1: $(wc -l <"$work/names") results"
	fi
}

$watchdog "$prog" --benchmark_list_tests=true >"$work/names.raw" 2>"$work/err"
rc=$?
sort "$work/names.raw" >"$work/names"
if [ $rc -ne 0 ] || [ ! -s "$work/names" ]; then
	tap_not_ok "--benchmark_list_tests (exit $rc)" "$work/err"
else
	tap_ok "--benchmark_list_tests: $(wc -l <"$work/names") benchmarks"
fi

$watchdog "$prog" $tiny --benchmark_format=json >"$work/libc.json" 2>"$work/err"
check_json "C library malloc, JSON on stdout" $? "$work/libc.json" "$work/err"

$watchdog env LD_PRELOAD="$MALLARD_LIB" "$prog" $tiny \
	--benchmark_out="$work/mallard.json" --benchmark_out_format=json \
	>"$work/console" 2>"$work/err"
check_json "mallard (LD_PRELOAD), --benchmark_out JSON" $? "$work/mallard.json" "$work/err"

check_loaded mallard-gbench "$prog" --benchmark_list_tests=true

# Two benchmarks, one of them threaded, twice each: 4 runs and their aggregates.
$watchdog env LD_PRELOAD="$MALLARD_LIB" "$prog" $tiny --benchmark_repetitions=2 \
	--benchmark_filter='^(malloc_free/size:64|xthread_free/size:16/.*)$' \
	--benchmark_format=json >"$work/rep.json" 2>"$work/err"
rc=$?
runs=$(grep -c '"run_type": "iteration"' "$work/rep.json")
medians=$(grep -c '"aggregate_name": "median"' "$work/rep.json")
if [ $rc -ne 0 ] || [ "$runs" != 4 ] || [ "$medians" != 2 ] ||
	grep -q '"error_occurred": true' "$work/rep.json"; then
	tap_not_ok "--benchmark_filter, --benchmark_repetitions=2: exit $rc, $runs runs, $medians medians (want 4, 2)" "$work/rep.json"
else
	tap_ok "--benchmark_filter, --benchmark_repetitions=2: 4 runs, 2 medians"
fi

tap_done
