#!/bin/bash
# bench/run-selftest.sh - bench/run works end to end; times nothing. TAP.
#
# - bench/runner/check_units.py: median, geometric mean, ratios, the per-group
#   means of a synthetic table, the filter escape, a chart is XML;
# - a bad flag gives the usage on stderr and status 2, a missing build one
#   line and status 2, --cpython with no CPython built one line and status
#   2, pymalloc without --cpython a usage error; never a traceback;
# - bench/run --quick --reps 1 --only '^churn-1t$' --allocators glibc,mallard
#   into a temporary directory: status 0; results.csv has the header and
#   rows of both allocators; report.md has the geometric means; the two
#   charts parse as XML; summary.md is there; --report writes it again.
#
# Environment (set by 'make check'): top_srcdir, top_builddir,
# MALLARD_HOST_BITS. Needs python3 (bench_python, bench/lib.sh): SKIP
# without it.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
bits=${MALLARD_HOST_BITS:-64}

. "$top_srcdir/bench/lib.sh"
py=$(bench_python) || { echo "1..0 # SKIP python3 not found"; exit 0; }
run="$top_srcdir/bench/run"
m32=
[ "$bits" = 32 ] && m32=--m32

# TAP helpers and $work, a scratch directory removed on exit.
# shellcheck source=tests/preload/common.sh
. "$top_srcdir/tests/preload/common.sh"

tap_plan 11

if "$py" "$top_srcdir/bench/runner/check_units.py" >"$work/units.out" 2>&1; then
	tap_ok "check_units.py: statistics, ratios, filter escape, chart XML"
else
	tap_not_ok "check_units.py" "$work/units.out"
fi

"$py" "$run" --no-such-flag >"$work/bad.out" 2>"$work/bad.err"
rc=$?
if [ $rc = 2 ] && grep -q '^usage: bench/run' "$work/bad.err" && ! grep -q Traceback "$work/bad.err" && [ ! -s "$work/bad.out" ]; then
	tap_ok "a bad flag: usage on stderr, status 2"
else
	tap_not_ok "a bad flag: status $rc" "$work/bad.err"
fi

"$py" "$run" $m32 --build "$work/no-such-build" >"$work/nobuild.out" 2>"$work/nobuild.err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$work/nobuild.err")" = 1 ] && ! grep -q Traceback "$work/nobuild.err"; then
	tap_ok "a missing build: one line ($(cat "$work/nobuild.err")), status 2"
else
	tap_not_ok "a missing build: status $rc" "$work/nobuild.err"
fi

# shellcheck disable=SC2086
"$py" "$run" $m32 --cpython --cpython-work "$work/no-cpython" --build "$top_builddir" \
	>"$work/nocpy.out" 2>"$work/nocpy.err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$work/nocpy.err")" = 1 ] && grep -q 'bench/cpython/build' "$work/nocpy.err" &&
	! grep -q Traceback "$work/nocpy.err"; then
	tap_ok "--cpython with no CPython built: one line naming bench/cpython/build, status 2"
else
	tap_not_ok "--cpython with no CPython built: status $rc" "$work/nocpy.err"
fi

"$py" "$run" --allocators pymalloc,mallard >"$work/pym.out" 2>"$work/pym.err"
rc=$?
if [ $rc = 2 ] && grep -q "unknown allocator 'pymalloc'" "$work/pym.err" && ! grep -q Traceback "$work/pym.err"; then
	tap_ok "pymalloc without --cpython: a usage error, status 2"
else
	tap_not_ok "pymalloc without --cpython: status $rc" "$work/pym.err"
fi

out=$work/results
# shellcheck disable=SC2086 # $m32 is empty or one word
"$py" "$run" $m32 --quick --reps 1 --only '^churn-1t$' --allocators glibc,mallard \
	--build "$top_builddir" --out "$out" --trace-dir "$work/traces" >"$work/run.out" 2>"$work/run.err"
rc=$?
if [ $rc = 0 ]; then
	tap_ok "bench/run --quick --reps 1 --only '^churn-1t\$' --allocators glibc,mallard"
else
	tap_not_ok "bench/run --quick ...: status $rc" "$work/run.err" "$work/run.out"
fi

csv=$out/results.csv
if [ "$(head -n 1 "$csv" 2>/dev/null)" = "benchmark,allocator,bits,metric,value,rep" ] &&
	grep -q "^churn-1t,glibc,$bits,time_s,[0-9.e+-]*,1\$" "$csv" &&
	grep -q "^churn-1t,mallard,$bits,time_s,[0-9.e+-]*,1\$" "$csv" &&
	grep -q "^churn-1t,mallard,$bits,peak_rss_kib,[0-9]*,1\$" "$csv"; then
	tap_ok "results.csv: the header, time and peak RSS rows of glibc and mallard"
else
	tap_not_ok "results.csv: header or rows missing" "$csv"
fi

if grep -q '^| glibc | [0-9.]* | [0-9.]* | [0-9.]* |$' "$out/report.md" 2>/dev/null &&
	grep -qi 'geometric mean' "$out/report.md"; then
	tap_ok "report.md has the geometric means"
else
	tap_not_ok "report.md: no geometric mean line" "$out/report.md"
fi

if "$py" "$top_srcdir/bench/runner/check_svg.py" "$out/time_ratio.svg" "$out/rss_ratio.svg" >"$work/xml.err" 2>&1; then
	tap_ok "time_ratio.svg and rss_ratio.svg are well-formed SVG"
else
	tap_not_ok "the charts are not well-formed SVG" "$work/xml.err"
fi

if grep -q '^| glibc |' "$out/summary.md" 2>/dev/null && grep -q 'time_ratio.svg' "$out/summary.md"; then
	tap_ok "summary.md: the table and the chart links"
else
	tap_not_ok "summary.md" "$out/summary.md"
fi

cp "$out/report.md" "$work/report.first"
if "$py" "$run" --report "$out" >"$work/again.out" 2>"$work/again.err" && cmp -s "$out/report.md" "$work/report.first"; then
	tap_ok "--report writes the same report.md again"
else
	tap_not_ok "--report" "$work/again.err"
fi

tap_done
