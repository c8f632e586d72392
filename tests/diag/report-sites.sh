#!/bin/sh
# report-sites.sh - mallard-report on snapshots with sampled allocation
# sites (MALLARD_SITES): the sites ranked for the verdict (by share of the
# growth for a leak, by the stranded bytes they pin for fragmentation),
# --folded and --flame, and bad or missing sites. Recorded series from
# tests/diag/recorded/, and one live run of diag/scenarios/leak whose
# sites must name the scenario's allocating function. Prints TAP.
. "$top_srcdir/tests/diag/report-common.sh"

echo "1..8"
recorded="$top_srcdir/tests/diag/recorded"
check() {
	python3 "$top_srcdir/tests/diag/check_sites.py" "$@" >"$tmp/why" 2>&1 && [ ! -s "$tmp/why" ]
}
result() { # result OK-STATUS DESCRIPTION [FILE TO SHOW]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -z "${3:-}" ] || comment "$3"
	fi
}

for name in sites-leak sites-fragmentation; do
	xz -dc "$recorded/$name.ndjson.xz" >"$tmp/$name.ndjson"
done

# 1-2: the ranking for each verdict (the objects' files are not on every
# machine: a frame is then named object+offset)
report --json "$tmp/sites-leak.ndjson" >"$tmp/leak.json" 2>"$tmp/err"
check ranked "$tmp/leak.json" growth 'scenario_malloc|leak\+0x149e'
result $? "leak: sites ranked by their share of the growth, the scenario's allocator first" "$tmp/why"
report --json "$tmp/sites-fragmentation.ndjson" >"$tmp/frag.json" 2>"$tmp/err"
check ranked "$tmp/frag.json" pinned 'scenario_malloc|fragmentation\+0x19b8'
result $? "fragmentation: sites ranked by the stranded bytes their blocks pin" "$tmp/why"

# 3: the text report has the section, with an estimate's error
report "$tmp/sites-leak.ndjson" >"$tmp/leak.txt" 2>"$tmp/err"
grep -q '^sites: where the growth was allocated' "$tmp/leak.txt" && grep -q 'samples +/- ' "$tmp/leak.txt"
result $? "text: a sites section after the verdict, each site with its samples and error" "$tmp/leak.txt"

# 4-5: folded stacks and the flame graph
report --folded - "$tmp/sites-leak.ndjson" >"$tmp/folded" 2>"$tmp/err"
check folded "$tmp/folded" "$tmp/sites-leak.ndjson"
result $? "--folded -: one line per stack, adding up to the sites' live bytes" "$tmp/why"
report --flame "$tmp/flame.svg" "$tmp/sites-leak.ndjson" >/dev/null 2>"$tmp/err"
check flame "$tmp/flame.svg"
result $? "--flame: an SVG with a titled box per function" "$tmp/why"

# 6: no sites in the snapshots: --flame says so, status 1
xz -dc "$recorded/pinned.ndjson.xz" >"$tmp/plain.ndjson"
report --flame "$tmp/flame2.svg" "$tmp/plain.ndjson" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q 'no snapshot has sampled sites' "$tmp/err"
result $? "--flame without sites: one line, status 1 (got $st)" "$tmp/err"

# 7: a malformed sites member: one line naming the line and the key
head -n 1 "$tmp/sites-leak.ndjson" | sed 's/"sites":{"rate":[0-9]*/"sites":{"rate":-1/' >"$tmp/bad.ndjson"
report "$tmp/bad.ndjson" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 1 ] && grep -q 'bad.ndjson:1: "sites.rate" is not a non-negative integer' "$tmp/err"
result $? "a bad sites member: status 1 (got $st), the line and the key named" "$tmp/err"

# 8: live: the leak scenario under sampling names its allocating function
leak="${top_builddir:-.}/diag/scenarios/leak"
n=$((n + 1))
if [ ! -x "$leak" ] || [ -z "${MALLARD_LIB:-}" ]; then
	echo "ok $n # SKIP diag/scenarios/leak or MALLARD_LIB not there (run from make check)"
else
	MALLARD_SITES=16k MALLARD_STATS_INTERVAL_MS=100 MALLARD_STATS_FORMAT=json \
		MALLARD_STATS_FILE="$tmp/live.ndjson" LD_PRELOAD="$MALLARD_LIB" "$leak" --seconds 2 >/dev/null 2>"$tmp/err"
	report --json "$tmp/live.ndjson" >"$tmp/live.json" 2>>"$tmp/err"
	st=$?
	if [ $st = 3 ]; then
		echo "ok $n # SKIP the live run was too short to decide (undecided); the sites are not ranked for a verdict"
	else
		n=$((n - 1))
		check ranked "$tmp/live.json" growth 'scenario_malloc'
		result $? "live: diag/scenarios/leak with MALLARD_SITES=16k, the growth's first site is scenario_malloc" "$tmp/why"
	fi
fi
[ $failed = 0 ]
