#!/bin/bash
# bench/purge-selftest.sh - bench/purge's modes and bench/purge-compare's
# command line and report work; times nothing, asserts no verdict. TAP.
#
# - bench/runner/check_purge.py: purge_report.py and svg.line_chart on
#   synthetic outputs (table cells, verdicts, --check, markdown, chart);
# - bench/purge in every mode (-m 4 -d 0.3, the C library's malloc): the
#   mode line, a sample every 100 ms, peak_rss_kib, first_under_10pct_ms;
#   an unknown mode: usage, status 2; the default durations: 5 s (idle),
#   3 s (churn, as before the modes);
# - bench/purge-compare: an unknown mode, a bad --delay-ms, a bad --mib:
#   one line, status 2; end to end on 4 MiB, two modes, glibc and mallard:
#   status 0, the files, the table, a verdict line, report.md, a
#   well-formed chart, the copies of --copy-to.
#
# Environment (set by 'make check'): top_srcdir, top_builddir, MALLARD_LIB,
# MALLARD_HOST_BITS. Needs python3 (bench_python, bench/lib.sh) for
# the report: those tests SKIP without it.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
bits=${MALLARD_HOST_BITS:-64}

. "$top_srcdir/bench/lib.sh"
py=$(bench_python || true)
purge=$top_builddir/bench/purge
compare=$top_srcdir/bench/purge-compare

# TAP helpers and $work, a scratch directory removed on exit.
# shellcheck source=tests/preload/common.sh
. "$top_srcdir/tests/preload/common.sh"

tap_plan 12

if [ -z "$py" ]; then
	tap_skip "check_purge.py" "python3 not found"
elif "$py" "$top_srcdir/bench/runner/check_purge.py" >"$work/units.out" 2>&1; then
	tap_ok "check_purge.py: table, verdicts, --check, markdown, chart"
else
	tap_not_ok "check_purge.py" "$work/units.out"
fi

# has_samples FILE MODE LAST_MS: the keys of one bench/purge run
has_samples() {
	grep -qx "mode $2" "$1" && grep -q '^peak_rss_kib [1-9][0-9]*$' "$1" &&
		grep -q '^first_under_10pct_ms -\{0,1\}[0-9][0-9]*$' "$1" &&
		grep -q '^rss_after_trim_kib [1-9][0-9]*$' "$1" &&
		[ "$(grep -c '^rss_kib_t[0-9]* [0-9]*$' "$1")" = $(($3 / 100 + 1)) ] &&
		grep -q "^rss_kib_t$3 " "$1"
}

bad=
for mode in churn idle quiet blocked remote exit; do
	if ! "$purge" -w $mode -m 4 -d 0.3 >"$work/$mode.out" 2>"$work/$mode.err" ||
		! has_samples "$work/$mode.out" $mode 300; then
		bad="$bad $mode"
	fi
done
if [ -z "$bad" ]; then
	tap_ok "bench/purge -w MODE -m 4 -d 0.3: every mode prints its samples"
else
	tap_not_ok "bench/purge -w MODE -m 4 -d 0.3 failed for:$bad" "$work/${bad##* }.out" "$work/${bad##* }.err"
fi

"$purge" -w sideways >"$work/badmode.out" 2>"$work/badmode.err"
rc=$?
if [ $rc = 2 ] && grep -q '^usage: purge \[-w churn|idle|quiet|blocked|remote|exit' "$work/badmode.err" &&
	[ ! -s "$work/badmode.out" ]; then
	tap_ok "bench/purge -w sideways: usage, status 2"
else
	tap_not_ok "bench/purge -w sideways: status $rc" "$work/badmode.err"
fi

"$purge" -w idle -m 1 >"$work/idle5.out" 2>&1 &
pid_idle=$!
"$purge" -m 1 >"$work/churn3.out" 2>&1 &
pid_churn=$!
wait $pid_idle
rc_idle=$?
wait $pid_churn
rc_churn=$?
if [ $rc_idle = 0 ] && has_samples "$work/idle5.out" idle 5000 && [ $rc_churn = 0 ] &&
	has_samples "$work/churn3.out" churn 3000; then
	tap_ok "default durations: 5 s for idle, 3 s for churn (the default mode)"
else
	tap_not_ok "default durations: idle $rc_idle, churn $rc_churn" "$work/idle5.out" "$work/churn3.out"
fi

# one_line_2 NAME ARGS...: purge-compare fails at once with one line, status 2
one_line_2() {
	name=$1
	shift
	"$compare" "$@" >"$work/pc-bad.out" 2>"$work/pc-bad.err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$work/pc-bad.err")" = 1 ] && grep -q "^purge-compare: $name" "$work/pc-bad.err" &&
		[ ! -s "$work/pc-bad.out" ]; then
		tap_ok "purge-compare $*: $(cat "$work/pc-bad.err")"
	else
		tap_not_ok "purge-compare $*: status $rc" "$work/pc-bad.err" "$work/pc-bad.out"
	fi
}
one_line_2 "unknown mode 'sideways'" --modes idle,sideways
one_line_2 "bad value 'soon' for --delay-ms" --delay-ms soon
one_line_2 "bad value '0' for --mib" --mib 0

if [ -z "$py" ]; then
	for t in "purge-compare end to end" "its table" "report.md" "the chart" "--copy-to"; do
		tap_skip "$t" "python3 not found"
	done
	tap_done
fi

out=$work/pc
"$compare" --bits "$bits" --build "$top_builddir" --lib "$MALLARD_LIB" --mib 4 --seconds 0.3 \
	--modes idle,remote --allocators glibc,mallard --delay-ms 50 --out "$out" --copy-to "$work/docs" \
	>"$work/pc.out" 2>"$work/pc.err"
rc=$?
files_ok=1
for f in idle-glibc idle-mallard remote-glibc remote-mallard; do
	grep -q '^rss_kib_t300 ' "$out/$f.txt" 2>/dev/null || files_ok=0
done
if [ $rc = 0 ] && [ $files_ok = 1 ] && grep -q '^delay_ms 50$' "$out/params.txt"; then
	tap_ok "purge-compare --mib 4 --seconds 0.3 --modes idle,remote --allocators glibc,mallard"
else
	tap_not_ok "purge-compare end to end: status $rc" "$work/pc.err" "$work/pc.out"
fi

if grep -q '^== idle: ' "$out/table.txt" && grep -q '^== remote: ' "$out/table.txt" &&
	grep -q '^ *glibc *mallard$' "$out/table.txt" && grep -q '^peak  *[0-9.]*  *[0-9.]*$' "$out/table.txt" &&
	[ "$(grep -c '^mallard: .*(bound: delay+1000 = 1050 ms) - \(PASS\|FAIL\)$' "$out/table.txt")" = 2 ] &&
	cmp -s "$out/table.txt" "$work/pc.out"; then
	tap_ok "table.txt (= stdout): both modes, both allocators, a verdict per mode against 1050 ms"
else
	tap_not_ok "table.txt" "$out/table.txt" "$work/pc.out"
fi

if grep -q "^# Give-back curves, $bits-bit" "$out/report.md" && grep -q 'MALLARD_PURGE_DELAY_MS=50' "$out/report.md" &&
	grep -q '^| peak | [0-9.]* | [0-9.]* |$' "$out/report.md" && grep -q "(purge-$bits.svg)" "$out/report.md" &&
	grep -q 'bench/purge-compare --bits' "$out/report.md"; then
	tap_ok "report.md: header, tables, the chart, the command"
else
	tap_not_ok "report.md" "$out/report.md"
fi

if "$py" "$top_srcdir/bench/runner/check_svg.py" --panels 2 --lines 2 "$out/purge-$bits.svg" >"$work/xml.err" 2>&1; then
	tap_ok "purge-$bits.svg: well-formed, two panels of two lines"
else
	tap_not_ok "purge-$bits.svg" "$work/xml.err"
fi

if cmp -s "$out/report.md" "$work/docs/purge-$bits.md" && cmp -s "$out/purge-$bits.svg" "$work/docs/purge-$bits.svg"; then
	tap_ok "--copy-to: purge-$bits.md and purge-$bits.svg"
else
	tap_not_ok "--copy-to" "$work/pc.err"
fi

tap_done
