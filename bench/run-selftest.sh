#!/bin/sh
# bench/run-selftest.sh - bench/run works end to end; times nothing. TAP.
#
# - bench/runner/check_units.py: median, geometric mean, ratios, the per-group
#   means of a synthetic table, the filter escape, a chart is XML;
# - a bad flag gives the usage on stderr and status 2, a missing build one
#   line and status 2, neither a traceback;
# - bench/run --quick --reps 1 --only '^churn-1t$' --allocators glibc,mallard
#   into a temporary directory: status 0; results.csv has the header and
#   rows of both allocators; report.md has the geometric means; the two
#   charts parse as XML; summary.md is there; --report writes it again.
#
# Environment (set by 'make check'): top_srcdir, top_builddir,
# MALLARD_HOST_BITS. Needs python3 (/usr/bin/python3, else on PATH): SKIP
# without it.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
bits=${MALLARD_HOST_BITS:-64}

if [ -x /usr/bin/python3 ]; then
	py=/usr/bin/python3
else
	py=$(command -v python3) || { echo "1..0 # SKIP python3 not found"; exit 0; }
fi
run="$top_srcdir/bench/run"
m32=
[ "$bits" = 32 ] && m32=--m32

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mallard-run-selftest.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 98' HUP INT TERM

echo "1..9"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for f in "$@"; do
		[ -s "$f" ] && sed -n '1,40s/^/#   /p' "$f"
	done
}

if "$py" "$top_srcdir/bench/runner/check_units.py" >"$tmp/units.out" 2>&1; then
	ok "check_units.py: statistics, ratios, filter escape, chart XML"
else
	not_ok "check_units.py" "$tmp/units.out"
fi

"$py" "$run" --no-such-flag >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
if [ $rc = 2 ] && grep -q '^usage: bench/run' "$tmp/bad.err" && ! grep -q Traceback "$tmp/bad.err" && [ ! -s "$tmp/bad.out" ]; then
	ok "a bad flag: usage on stderr, status 2"
else
	not_ok "a bad flag: status $rc" "$tmp/bad.err"
fi

"$py" "$run" $m32 --build "$tmp/no-such-build" >"$tmp/nobuild.out" 2>"$tmp/nobuild.err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$tmp/nobuild.err")" = 1 ] && ! grep -q Traceback "$tmp/nobuild.err"; then
	ok "a missing build: one line ($(cat "$tmp/nobuild.err")), status 2"
else
	not_ok "a missing build: status $rc" "$tmp/nobuild.err"
fi

out=$tmp/results
# shellcheck disable=SC2086 # $m32 is empty or one word
"$py" "$run" $m32 --quick --reps 1 --only '^churn-1t$' --allocators glibc,mallard \
	--build "$top_builddir" --out "$out" --trace-dir "$tmp/traces" >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
if [ $rc = 0 ]; then
	ok "bench/run --quick --reps 1 --only '^churn-1t\$' --allocators glibc,mallard"
else
	not_ok "bench/run --quick ...: status $rc" "$tmp/run.err" "$tmp/run.out"
fi

csv=$out/results.csv
if [ "$(head -n 1 "$csv" 2>/dev/null)" = "benchmark,allocator,bits,metric,value,rep" ] &&
	grep -q "^churn-1t,glibc,$bits,time_s,[0-9.e+-]*,1\$" "$csv" &&
	grep -q "^churn-1t,mallard,$bits,time_s,[0-9.e+-]*,1\$" "$csv" &&
	grep -q "^churn-1t,mallard,$bits,peak_rss_kib,[0-9]*,1\$" "$csv"; then
	ok "results.csv: the header, time and peak RSS rows of glibc and mallard"
else
	not_ok "results.csv: header or rows missing" "$csv"
fi

if grep -q '^| glibc | [0-9.]* | [0-9.]* | [0-9.]* |$' "$out/report.md" 2>/dev/null &&
	grep -qi 'geometric mean' "$out/report.md"; then
	ok "report.md has the geometric means"
else
	not_ok "report.md: no geometric mean line" "$out/report.md"
fi

if "$py" -c 'import sys, xml.etree.ElementTree as ET
for f in sys.argv[1:]:
    if ET.parse(f).getroot().tag != "{http://www.w3.org/2000/svg}svg":
        sys.exit(f + ": not an SVG document")' "$out/time_ratio.svg" "$out/rss_ratio.svg" >"$tmp/xml.err" 2>&1; then
	ok "time_ratio.svg and rss_ratio.svg are well-formed SVG"
else
	not_ok "the charts are not well-formed SVG" "$tmp/xml.err"
fi

if grep -q '^| glibc |' "$out/summary.md" 2>/dev/null && grep -q 'time_ratio.svg' "$out/summary.md"; then
	ok "summary.md: the table and the chart links"
else
	not_ok "summary.md" "$out/summary.md"
fi

cp "$out/report.md" "$tmp/report.first"
if "$py" "$run" --report "$out" >"$tmp/again.out" 2>"$tmp/again.err" && cmp -s "$out/report.md" "$tmp/report.first"; then
	ok "--report writes the same report.md again"
else
	not_ok "--report" "$tmp/again.err"
fi

[ $failed = 0 ]
