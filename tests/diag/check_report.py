#!/usr/bin/env python3
"""check_report.py WHAT FILE [ARGS...] - the checks report-verdicts.sh makes on
mallard-report's output.

FILE is the --json output (the SVG file for "svg"); WHAT says which check:

  verdict WORD STATUS   the verdict is WORD and the exit status STATUS fits it
                        (3 for undecided, else 0); undecided says why and how
                        long a run would settle it; the evidence is a
                        non-empty list of strings with a figure in it
  leak-classes          the growth is attributed to 48 B and 64 B
  stranded CLASSES      a steady heap far above its live data says so and
                        names each of CLASSES (comma-separated)
  not-stranded          ... and a heap at its live size does not
  teardown COUNT        a note says the last COUNT snapshots are the teardown
  from COUNT            a note says the first COUNT snapshots were left out,
                        and the summary counts the other ones (of 20)
  trends                every total has slope_per_min, first, last; the
                        leak's allocated rises; there is a summary
  svg                   well-formed XML with the four series named, the time
                        series lines and the occupancy map

Prints what is wrong, one line each, or nothing; exits 1 when FILE cannot
be read as JSON (or XML). Python 3 standard library only.
"""

import json
import re
import sys
import xml.dom.minidom

# A figure: a number with a unit, as the evidence must give them.
FIGURE = re.compile(r"\d+(\.\d+)? ?(B|KiB|MiB|GiB|TiB|%|s|min|h)\b|\d+(\.\d+)?%")
TOTALS = ("allocated", "requested", "active", "committed", "resident", "mapped", "metadata")


def check_verdict(r, verdict, status):
    if r.get("verdict") != verdict:
        print("verdict %r, expected %r" % (r.get("verdict"), verdict))
    if int(status) != (3 if verdict == "undecided" else 0):
        print("exit status %d for the verdict %r" % (int(status), verdict))
    u = r.get("undecided", "missing")
    if verdict == "undecided":
        check_undecided(r, u)
    elif u is not None:
        print("undecided is %r for a verdict" % (u,))
    ev = r.get("evidence")
    if not isinstance(ev, list) or not ev or not all(isinstance(e, str) for e in ev):
        print("evidence is not a non-empty list of strings: %r" % (ev,))
    elif not any(FIGURE.search(e) for e in ev):
        print("no figure in the evidence: %r" % (ev,))


def check_undecided(r, u):
    """Why, and what would settle it: a longer run than this one."""
    if not isinstance(u, dict) or u.get("reason") not in ("too short", "unclear", "warm-up"):
        print("undecided without a reason: %r" % (u,))
    elif not (isinstance(u.get("run_at_least_s"), (int, float))
              and u["run_at_least_s"] > r["summary"]["duration_s"]):
        print("undecided does not say how long a run would settle it: %r" % (u,))
    elif u["reason"] == "unclear" and len({x["verdict"] for x in u["readings"]}) < 2:
        print("unclear, but every reading gives the same verdict: %r" % (u,))
    if not any("to settle it" in e for e in r.get("evidence", [])):
        print("no evidence line says what would settle it")


def check_leak_classes(r):
    top = [c.get("class") for c in r["classes"][:2]]
    if sorted(top) != ["48 B", "64 B"]:
        print("top growth classes %r, expected 48 B and 64 B" % top)
    if not all(name in r["evidence"][0] for name in ("48 B", "64 B")):
        print("first evidence line does not name 48 B and 64 B: %r" % r["evidence"][0])


def check_stranded(r, classes):
    """A steady heap far above its live data says so, with the classes."""
    text = " ".join(r["evidence"])
    st = r["summary"]["stranded"]
    if "far more than its live data" not in text:
        print("no evidence line about the stranded bytes: %r" % r["evidence"])
    if st["share_of_active"] < 0.25 or not st["classes"]:
        print("summary.stranded too small or without classes: %r" % st)
    for name in classes.split(","):
        if name not in [c["class"] for c in st["classes"]] or (name + " ") not in text:
            print("class %s not named among the stranded ones: %r" % (name, st["classes"]))


def check_not_stranded(r):
    if "far more than its live data" in " ".join(r["evidence"]):
        print("a heap at its live size is said to hold far more: %r" % r["evidence"])


def check_teardown(r, count):
    """The exit teardown must start at the first snapshot of the fall."""
    want = "the last %s snapshots" % count
    if not any(want in note for note in r.get("notes", [])):
        print("no note saying %r: %r" % (want, r.get("notes")))


def check_from(r, count):
    want = "left out the first %s snapshot(s)" % count
    if not any(want in note for note in r.get("notes", [])):
        print("no note saying %r: %r" % (want, r.get("notes")))
    if r["summary"].get("snapshots") != 20 - int(count):
        print("summary counts %r snapshots, expected %d"
              % (r["summary"].get("snapshots"), 20 - int(count)))


def check_trends(r):
    for key in TOTALS:
        t = r["trends"].get(key, {})
        if not all(isinstance(t.get(k), (int, float)) for k in ("slope_per_min", "first", "last")):
            print("trends.%s lacks slope_per_min, first or last: %r" % (key, t))
    a = r["trends"]["allocated"]
    if not (a["last"] > a["first"] and a["slope_per_min"] > 0):
        print("the leak's allocated trend does not rise: %r" % a)
    if not isinstance(r.get("summary"), dict) or "totals" not in r["summary"]:
        print("no summary with totals")


def check_svg(path):
    """The four series in the legend, the time series lines, and the
    occupancy map with its ten columns and a page count in its cells."""
    try:
        doc = xml.dom.minidom.parse(path)
    except Exception as err:  # expat's errors, OSError: the file is no SVG
        sys.exit("%s is not XML: %s" % (path, err))
    texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild]
    for name in ("rss", "committed", "active", "allocated"):
        if not any(t.split()[0] == name for t in texts):
            print("no legend entry for", name)
    groups = {g.getAttribute("id"): g for g in doc.getElementsByTagName("g")}
    check_occupancy(groups.get("occupancy"))
    if "totals" not in groups or not groups["totals"].getElementsByTagName("polyline"):
        print("no time series lines")


def check_occupancy(occ):
    if occ is None:
        print("no occupancy map (<g id=\"occupancy\">)")
        return
    labels = [t.firstChild.data for t in occ.getElementsByTagName("text") if t.firstChild]
    for col in ("0-10%", "90-100%"):
        if col not in labels:
            print("occupancy map lacks the column", col)
    if len(occ.getElementsByTagName("rect")) < 10:
        print("occupancy map has fewer than 10 cells")
    if not any(label.isdigit() and int(label) > 0 for label in labels):
        print("no page count written in the occupancy map")


CHECKS = {"verdict": check_verdict, "leak-classes": check_leak_classes,
          "stranded": check_stranded, "not-stranded": check_not_stranded,
          "teardown": check_teardown, "from": check_from, "trends": check_trends}


def main(argv):
    if len(argv) < 2 or (argv[0] not in CHECKS and argv[0] != "svg"):
        sys.exit("usage: check_report.py {%s|svg} FILE [ARGS...]" % "|".join(CHECKS))
    what, path, args = argv[0], argv[1], argv[2:]
    if what == "svg":
        return check_svg(path)
    try:
        with open(path) as f:
            r = json.load(f)
    except ValueError as err:
        sys.exit("stdout is not JSON: %s" % err)
    CHECKS[what](r, *args)


if __name__ == "__main__":
    main(sys.argv[1:])
