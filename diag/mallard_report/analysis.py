"""analysis - from the snapshots to the report: the one dict every output is drawn from.

analyse() sets the exit teardown aside, computes the series, trends,
growth by class and verdict, and summarises the last snapshot; the text,
JSON and SVG outputs only format what it returns. json_dict() is the part
of it --json prints.
"""

from .classes import class_rows, growth_entries, stranded
from .figures import derived, duration, human, values
from .sites import sites_report
from .snapshots import read_snapshots, skip_warmup
from .thresholds import THRESHOLDS
from .trends import TREND_MIN_SNAPSHOTS, series, trends
from .verdict import verdict

# The keys of analyse()'s report that --json prints, in its order; "file"
# comes last. The others (the snapshots themselves) are for the SVG.
JSON_KEYS = ("verdict", "evidence", "undecided", "trends", "classes", "summary",
             "warnings", "notes", "thresholds")


def split_teardown(snapshots):
    """(snapshots to analyse, the first snapshot of the exit teardown or None).

    The teardown is a tail of at most teardown_tail_max snapshots that ends
    with the exit report (an interval snapshot may land between the program
    freeing its heap and the exit report), each of them under teardown_share
    of the allocated bytes of the snapshot before the tail. The longest such
    tail: an interval snapshot that caught the heap half freed is under half
    the one before it, but the exit report is under half of it too."""
    n = len(snapshots)
    if n <= TREND_MIN_SNAPSHOTS:
        return snapshots, None
    # libmallard marks its exit report ("trigger": "exit"); only such a
    # snapshot (or, from writers without the key, the last one) can end one.
    # (check_snapshot keeps no "trigger" today, so every last snapshot may.)
    if snapshots[-1].get("trigger", "exit") != "exit":
        return snapshots, None
    for tail in range(min(THRESHOLDS["teardown_tail_max"], n - TREND_MIN_SNAPSHOTS), 0, -1):
        before = snapshots[-tail - 1]["totals"]["allocated"]
        if before >= THRESHOLDS["teardown_min_bytes"] and all(
                x["totals"]["allocated"] < THRESHOLDS["teardown_share"] * before for x in snapshots[-tail:]):
            return snapshots[:-tail], snapshots[-tail]
    return snapshots, None


def teardown_note(teardown, kept, all_snapshots):
    count = len(all_snapshots) - len(kept)
    what = ("the last snapshot (line %d) has" % teardown["line"] if count == 1 else
            "the last %d snapshots (from line %d) have" % (count, teardown["line"]))
    return ("%s allocated %s, down from %s %s before: taken as the exit report after the "
            "program freed its heap, and left out of the summary, trends, growth and verdict"
            % (what, human(teardown["totals"]["allocated"]),
               human(kept[-1]["totals"]["allocated"]),
               duration((teardown["time_ms"] - kept[-1]["time_ms"]) / 1000)))


def report_file(path, from_s=None, warn=None):
    """Reads PATH ("-": stdin) and analyses it as mallard-report does, from
    FROM_S seconds of uptime on when given (--from). WARN, when given, is
    called with each of read_snapshots' warnings as soon as the file is
    read (before a --from error). Returns analyse()'s report; InputError on
    bad input."""
    snapshots, warnings = read_snapshots(path)
    for w in warnings if warn else ():
        warn(w)
    name = "stdin" if path == "-" else path
    note = None
    if from_s is not None:
        snapshots, note = skip_warmup(snapshots, from_s, name)
    report = analyse(name, snapshots, warnings)
    if note:
        report["notes"].insert(0, note)
    return report


def analyse(path, all_snapshots, warnings=None):
    """The report on ALL_SNAPSHOTS (as read_snapshots returns them; PATH is
    the name the outputs give the file, WARNINGS read_snapshots' warnings):
    everything the text, JSON and SVG outputs show, as one dict."""
    snapshots, teardown = split_teardown(all_snapshots)
    notes = [teardown_note(teardown, snapshots, all_snapshots)] if teardown else []
    s = series(snapshots)
    tr = trends(s)
    growth = growth_entries(snapshots)
    word, evidence, undecided = verdict(snapshots, s, tr, growth)
    return {"file": path, "summary": summary(snapshots, s), "trends": tr,
            "classes": growth, "verdict": word, "evidence": evidence, "undecided": undecided,
            "warnings": list(warnings or ()), "notes": notes, "thresholds": THRESHOLDS,
            "sites": sites_report(snapshots, word),
            "snapshots": snapshots, "all_snapshots": all_snapshots, "teardown": teardown}


def summary(snapshots, s):
    """The last snapshot: its totals, derived figures and classes."""
    last = snapshots[-1]
    t = last["totals"]
    d = derived(values(last))
    rows = sorted(class_rows(last), key=lambda r: (-r["active"], -r["allocated"]))
    return {
        "pid": last["pid"], "bits": last["bits"], "snapshots": len(snapshots), "line": last["line"],
        "duration_s": s["t"][-1], "time_ms": last["time_ms"], "uptime_ms": last["uptime_ms"],
        "rss": last["rss"], "totals": dict(t),
        "internal_fragmentation": d["internal_fragmentation"],
        "external_fragmentation": d["external_fragmentation"],
        "retention": d["retention"], "outside_heap": d["outside_heap"],
        "address_space": last["address_space"], "large": last["large"], "huge": last["huge"],
        "classes": [{k: v for k, v in r.items() if k != "occupancy"} for r in rows],
        "stranded": stranded(last),
    }


def json_dict(r):
    """The object --json prints, from analyse()'s report R."""
    out = {k: r[k] for k in JSON_KEYS}
    if r["sites"] is not None:
        out["sites"] = r["sites"]
    out["file"] = r["file"]
    return out
