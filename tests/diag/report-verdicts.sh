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
# map. Prints TAP. Runs from the source tree too:
#   top_srcdir=. top_builddir=/tmp sh tests/diag/report-verdicts.sh
# MALLARD_REPORT, if set, is the command to test.

. "${top_srcdir:?run from make check (top_srcdir unset)}/tests/diag/report-common.sh"

# series:expected verdict
cases="leak:leak leak-teardown:leak leak-halftorn:leak fragmentation:fragmentation fragmentation-growing:fragmentation fragmentation-freed:fragmentation
retention:retention retention-bursts:retention retention-held:retention outside-heap:outside-heap stable:stable
stable-warmup:stable stable-spike:stable stable-pinned:stable short:undecided undecided-unclear:undecided
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

# The checks on the JSON report, as a small Python program: the argument
# says which; it prints what is wrong, or nothing.
cat >"$tmp/check.py" <<'EOF'
import json, re, sys
# A figure: a number with a unit, as the evidence must give them.
FIGURE = re.compile(r"\d+(\.\d+)? ?(B|KiB|MiB|GiB|TiB|%|s|min|h)\b|\d+(\.\d+)?%")
what, path = sys.argv[1], sys.argv[2]
try:
    r = json.load(open(path))
except ValueError as err:
    sys.exit("stdout is not JSON: %s" % err)
if what == "verdict":
    if r.get("verdict") != sys.argv[3]:
        print("verdict %r, expected %r" % (r.get("verdict"), sys.argv[3]))
    status = int(sys.argv[4])
    if status != (3 if sys.argv[3] == "undecided" else 0):
        print("exit status %d for the verdict %r" % (status, sys.argv[3]))
    u = r.get("undecided", "missing")
    if sys.argv[3] == "undecided":
        # why, and what would settle it: a longer run than this one
        if not isinstance(u, dict) or u.get("reason") not in ("too short", "unclear", "warm-up"):
            print("undecided without a reason: %r" % (u,))
        elif not (isinstance(u.get("run_at_least_s"), (int, float))
                  and u["run_at_least_s"] > r["summary"]["duration_s"]):
            print("undecided does not say how long a run would settle it: %r" % (u,))
        elif u["reason"] != "too short" and len({x["verdict"] for x in u["readings"]}) < 2 \
                and u["reason"] == "unclear":
            print("unclear, but every reading gives the same verdict: %r" % (u,))
        if not any("to settle it" in e for e in r.get("evidence", [])):
            print("no evidence line says what would settle it")
    elif u is not None:
        print("undecided is %r for a verdict" % (u,))
    ev = r.get("evidence")
    if not isinstance(ev, list) or not ev or not all(isinstance(e, str) for e in ev):
        print("evidence is not a non-empty list of strings: %r" % (ev,))
    elif not any(FIGURE.search(e) for e in ev):
        print("no figure in the evidence: %r" % (ev,))
elif what == "leak-classes":
    top = [c.get("class") for c in r["classes"][:2]]
    if sorted(top) != ["48 B", "64 B"]:
        print("top growth classes %r, expected 48 B and 64 B" % top)
    if not all(name in r["evidence"][0] for name in ("48 B", "64 B")):
        print("first evidence line does not name 48 B and 64 B: %r" % r["evidence"][0])
elif what == "stranded":
    # a steady heap far above its live data says so, with the classes
    text = " ".join(r["evidence"])
    st = r["summary"]["stranded"]
    if "far more than its live data" not in text:
        print("no evidence line about the stranded bytes: %r" % r["evidence"])
    if st["share_of_active"] < 0.25 or not st["classes"]:
        print("summary.stranded too small or without classes: %r" % st)
    for name in sys.argv[3].split(","):
        if name not in [c["class"] for c in st["classes"]] or (name + " ") not in text:
            print("class %s not named among the stranded ones: %r" % (name, st["classes"]))
elif what == "not-stranded":
    if "far more than its live data" in " ".join(r["evidence"]):
        print("a heap at its live size is said to hold far more: %r" % r["evidence"])
elif what == "teardown":
    # the exit teardown must start at the first snapshot of the fall
    want = "the last %s snapshots" % sys.argv[3]
    if not any(want in note for note in r.get("notes", [])):
        print("no note saying %r: %r" % (want, r.get("notes")))
elif what == "from":
    want = "left out the first %s snapshot(s)" % sys.argv[3]
    if not any(want in note for note in r.get("notes", [])):
        print("no note saying %r: %r" % (want, r.get("notes")))
    if r["summary"].get("snapshots") != 20 - int(sys.argv[3]):
        print("summary counts %r snapshots, expected %d" % (r["summary"].get("snapshots"), 20 - int(sys.argv[3])))
elif what == "trends":
    for key in ("allocated", "requested", "active", "committed", "resident", "mapped", "metadata"):
        t = r["trends"].get(key, {})
        if not all(isinstance(t.get(k), (int, float)) for k in ("slope_per_min", "first", "last")):
            print("trends.%s lacks slope_per_min, first or last: %r" % (key, t))
    a = r["trends"]["allocated"]
    if not (a["last"] > a["first"] and a["slope_per_min"] > 0):
        print("the leak's allocated trend does not rise: %r" % a)
    if not isinstance(r.get("summary"), dict) or "totals" not in r["summary"]:
        print("no summary with totals")
EOF

check() {
	python3 "$tmp/check.py" "$@" >"$tmp/why" 2>&1 && [ ! -s "$tmp/why" ]
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
	report --json "$tmp/fx/stable.ndjson" >"$tmp/stable.json" 2>>"$tmp/err" &&
	check not-stranded "$tmp/stable.json" && ok=yes
result $ok "stable with pages a third full: the stranded bytes and their classes; plain stable: no such line" "$tmp/why"

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
	python3 - "$tmp/out.svg" >"$tmp/why" 2>&1 <<'EOF'
import sys
import xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild]
for name in ("rss", "committed", "active", "allocated"):
    if not any(t.split()[0] == name for t in texts):
        print("no legend entry for", name)
groups = {g.getAttribute("id"): g for g in doc.getElementsByTagName("g")}
occ = groups.get("occupancy")
if occ is None:
    print("no occupancy map (<g id=\"occupancy\">)")
else:
    labels = [t.firstChild.data for t in occ.getElementsByTagName("text") if t.firstChild]
    for col in ("0-10%", "90-100%"):
        if col not in labels:
            print("occupancy map lacks the column", col)
    if len(occ.getElementsByTagName("rect")) < 10:
        print("occupancy map has fewer than 10 cells")
    if not any(l.isdigit() and int(l) > 0 for l in labels):
        print("no page count written in the occupancy map")
if "totals" not in groups or not groups["totals"].getElementsByTagName("polyline"):
    print("no time series lines")
EOF
then
	[ -s "$tmp/why" ] || ok=yes
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
