#!/bin/sh
# report-verdicts.sh - mallard-report gives each synthetic series the verdict
# its scenario was built for, with figures as evidence, and draws the SVG.
#
# tests/diag/make-fixtures.py writes one series per scenario (a leak in the
# 48 B and 64 B classes, pages spreading under the same live bytes or
# staying while most of their blocks are freed, committed growing or held far above active, rss growing outside the heap,
# a stable heap - plain, after a warm-up, with one spike at the end, with
# its pages a third full - and three that must be undecided: a run too
# short, a rise within 2-4 times its scatter, a rise that levels off).
# tests/diag/recorded/ adds series recorded from the scenarios, two of them
# cut where the rules before "undecided" named the wrong cause. For each:
# --json gives the expected verdict and non-empty evidence holding a figure
# (a number with a unit), the exit status is 3 for undecided and 0 for
# the others, "undecided" is null or says why and how long a run would
# settle it, and the text output holds the line "verdict: WORD". A steady
# heap a third full says how much is stranded, and where. The leak's growth is
# attributed to 48 B and 64 B, the trends carry slope_per_min/first/last,
# and --svg writes well-formed XML with the four series and the occupancy
# map (the checks on the JSON and the SVG: tests/diag/check_report.py).
# Prints TAP. Runs from the source tree too:
#   top_srcdir=. top_builddir=/tmp sh tests/diag/report-verdicts.sh
# MALLARD_REPORT, if set, is the command to test.

. "${top_srcdir:?run from make check (top_srcdir unset)}/tests/diag/report-common.sh"

# series:expected verdict
cases="leak:leak leak-teardown:leak leak-halftorn:leak fragmentation:fragmentation fragmentation-growing:fragmentation fragmentation-freed:fragmentation
retention:retention retention-bursts:retention retention-held:retention outside-heap:outside-heap stable:stable
stable-warmup:stable stable-spike:stable stable-pinned:stable stable-run-pages:stable short:undecided undecided-unclear:undecided
undecided-warmup:undecided"
recorded="$top_srcdir/tests/diag/recorded"
while read -r name verdict; do
	cases="$cases recorded/$name:$verdict"
done <"$recorded/verdicts"

echo "1..$(($(echo "$cases" | wc -w) * 2 + 8))"

# result OK DESCRIPTION [FILE]: prints the TAP line; on failure, FILE and stderr
result() {
	if [ "$1" = yes ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -n "$3" ] && [ -f "$3" ] && comment "$3"
		[ -s "$tmp/err" ] && comment "$tmp/err"
	fi
}

# The checks on the JSON report (and the SVG): tests/diag/check_report.py,
# whose first argument says which; it prints what is wrong, or nothing.
check() {
	python3 "$top_srcdir/tests/diag/check_report.py" "$@" >"$tmp/why" 2>&1 && [ ! -s "$tmp/why" ]
}

python3 "$top_srcdir/tests/diag/make-fixtures.py" "$tmp/fx" >"$tmp/err" 2>&1 || {
	echo "Bail out! make-fixtures.py failed"
	comment "$tmp/err"
	exit 1
}

for c in $cases; do
	series=${c%%:*}
	verdict=${c#*:}
	case $series in
	recorded/*)
		file="$tmp/${series#recorded/}.ndjson"
		python3 -c 'import lzma, sys; sys.stdout.write(lzma.open(sys.argv[1], "rt").read())' \
			"$recorded/${series#recorded/}.ndjson.xz" >"$file" 2>"$tmp/err"
		;;
	*) file="$tmp/fx/$series.ndjson" ;;
	esac

	n=$((n + 1))
	ok=no
	report --json "$file" >"$tmp/out.json" 2>"$tmp/err"
	if check verdict "$tmp/out.json" "$verdict" $?; then
		ok=yes
	fi
	result $ok "$series: --json verdict $verdict, evidence with figures, exit status" "$tmp/why"

	n=$((n + 1))
	ok=no
	report "$file" >"$tmp/out" 2>"$tmp/err"
	if grep -q -x "verdict: $verdict" "$tmp/out"; then
		ok=yes
	fi
	result $ok "$series: text has the line \"verdict: $verdict\"" "$tmp/out"
done

# Under stable, a heap that holds far more than its live data says so and
# names the classes: the synthetic third-full heap, and the pinned
# scenario; a plain stable heap does not.
n=$((n + 1))
ok=no
report --json "$tmp/fx/stable-pinned.ndjson" >"$tmp/pinned.json" 2>"$tmp/err"
report --json "$tmp/pinned.ndjson" >"$tmp/pinned-rec.json" 2>>"$tmp/err"
check stranded "$tmp/pinned.json" "64 B,128 B,256 B" && check stranded "$tmp/pinned-rec.json" "64 B,128 B,256 B,512 B" &&
	report --json "$tmp/fx/stable-run-pages.ndjson" >"$tmp/runs.json" 2>>"$tmp/err" &&
	check stranded "$tmp/runs.json" "run pages" &&
	report --json "$tmp/fx/stable.ndjson" >"$tmp/stable.json" 2>>"$tmp/err" &&
	check not-stranded "$tmp/stable.json" && ok=yes
result $ok "stable with pages a third full: the stranded bytes and their classes (run pages: their free units); plain stable: no such line" "$tmp/why"

report --json "$tmp/fx/leak.ndjson" >"$tmp/leak.json" 2>"$tmp/err"

# --from 50: the snapshots at 2, 12, ... 42 s of uptime are left out, and said so;
# --series: one line per snapshot (the fixtures have 20).
n=$((n + 1))
ok=no
report --json --from 50 "$tmp/fx/leak.ndjson" >"$tmp/from.json" 2>"$tmp/err" &&
	check from "$tmp/from.json" 5 && ok=yes
result $ok "--from 50: the first 5 snapshots (2 to 42 s) left out, a note says so" "$tmp/why"

n=$((n + 1))
ok=no
report --series "$tmp/fx/leak.ndjson" >"$tmp/series.out" 2>"$tmp/err" &&
	[ "$(grep -c -E '^ +[0-9]+\.[0-9]s +[0-9]' "$tmp/series.out")" = 20 ] && ok=yes
result $ok "--series: one line of totals per snapshot" "$tmp/series.out"

n=$((n + 1))
ok=no
report --json "$tmp/fx/leak-halftorn.ndjson" >"$tmp/halftorn.json" 2>"$tmp/err" &&
	check teardown "$tmp/halftorn.json" 2 && ok=yes
result $ok "leak-halftorn: the half-freed interval snapshot and the exit report are both the teardown" "$tmp/why"

n=$((n + 1))
ok=no
check leak-classes "$tmp/leak.json" && ok=yes
result $ok "leak: growth attributed to classes 48 B and 64 B" "$tmp/why"

n=$((n + 1))
ok=no
check trends "$tmp/leak.json" && ok=yes
result $ok "leak: trends of every total with slope_per_min, first, last" "$tmp/why"

# The SVG: well-formed XML, the four series named, the occupancy map with
# its ten columns and a written count in its cells.
n=$((n + 1))
ok=no
rm -f "$tmp/out.svg"
if report --svg "$tmp/out.svg" "$tmp/fx/fragmentation.ndjson" >"$tmp/out" 2>"$tmp/err" &&
	check svg "$tmp/out.svg"; then
	ok=yes
fi
result $ok "--svg writes XML with rss, committed, active, allocated and the occupancy map" "$tmp/why"

# --svg beside --json: the file is written and stdout stays JSON.
n=$((n + 1))
ok=no
rm -f "$tmp/out.svg"
if report --json --svg "$tmp/out.svg" "$tmp/fx/leak.ndjson" >"$tmp/out.json" 2>"$tmp/err" &&
	[ -s "$tmp/out.svg" ] && check verdict "$tmp/out.json" leak 0; then
	ok=yes
fi
result $ok "--json --svg: SVG written, JSON on stdout" "$tmp/why"

[ "$failed" -eq 0 ]
