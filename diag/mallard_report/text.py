"""text - the report as text for people, and --series.

text_report() lays out analyse()'s report: the header line, notes, the
last snapshot's figures and classes, the trends, the growth by class and
the verdict with its evidence. Nothing here computes a figure: the
numbers come from the report, the derived ones from figures.py.
"""

from .figures import (MiB, duration, figure, formula, human, number, percent, rate, signed,
                      span_pair)
from .sites import sites_text
from .snapshots import PROG, TOTALS, uptime_s
from .trends import TREND_FIGURES, series

TOTAL_MEANINGS = {
    "rss": "process resident set",
    "allocated": "usable bytes of live blocks",
    "requested": "bytes asked for by live blocks (estimate)",
    "active": "bytes of pages holding a live block",
    "committed": "bytes that may be resident",
    "resident": "heap bytes in RAM",
    "mapped": "address space mapped by the allocator",
    "metadata": "allocator's own structures",
}
TABLE_CLASSES = 12  # rows of the per-class table before "others"
GROWTH_ROWS = 8  # rows of the growth table before "others"


def text_report(r):
    """The report R (analyse()'s) as text, one string ending in a newline."""
    out = []
    sm = r["summary"]
    bits = ", %d-bit" % sm["bits"] if sm["bits"] else ""
    out.append("%s: %s: pid %d%s, %d snapshot(s) over %s"
               % (PROG, r["file"], sm["pid"], bits, sm["snapshots"], duration(sm["duration_s"])))
    out += ["note: " + note for note in r["notes"]]
    out += summary_text(sm)
    out += class_table(sm["classes"])
    out += trend_text(r["trends"], sm)
    out += growth_text(r["classes"])
    out += ["", "verdict: " + r["verdict"]] + ["  " + e for e in r["evidence"]]
    out += sites_text(r["sites"])
    return "\n".join(out) + "\n"


def series_text(r):
    """--series: the totals of every snapshot (the teardown ones too,
    marked), one line each: how rss follows the live bytes over time."""
    snaps = r["all_snapshots"]
    out = ["", "totals per snapshot (MiB; ext. frag. = %s)" % formula("external_fragmentation"),
           "  %8s %8s %9s %8s %9s %9s %8s %8s  %s" % ("uptime", "rss", "allocated", "active", "committed",
                                                   "retention", "outside", "ext.frag", "")]
    s = series(snaps)
    teardown = snaps.index(r["teardown"]) if r["teardown"] else len(snaps)
    for i, x in enumerate(snaps):
        out.append("  %7.1fs %8.1f %9.1f %8.1f %9.1f %9.1f %8.1f %7.1f%%  %s" % (
            uptime_s(x, snaps[0]), s["rss"][i] / MiB, s["allocated"][i] / MiB, s["active"][i] / MiB,
            s["committed"][i] / MiB, s["retention"][i] / MiB, s["outside_heap"][i] / MiB,
            100 * s["external_fragmentation"][i], "exit teardown" if i >= teardown else ""))
    return "\n".join(line.rstrip() for line in out) + "\n"


def summary_text(sm):
    up = ""
    if sm["uptime_ms"] is not None:
        up = ", uptime %s" % duration(sm["uptime_ms"] / 1000)
    out = ["", "last snapshot (line %d%s)" % (sm["line"], up)]
    figures = [("rss", sm["rss"])] + [(k, sm["totals"][k]) for k in TOTALS]
    out += ["  %-24s %10s   %s" % (k, human(v), TOTAL_MEANINGS[k]) for k, v in figures]
    out += ["  %-24s %10s   %s" % (label, text, formula(key)) for label, key, text in (
        ("internal fragmentation", "internal_fragmentation",
         percent(sm["internal_fragmentation"])),
        ("external fragmentation", "external_fragmentation",
         percent(sm["external_fragmentation"])),
        ("retention", "retention", human(sm["retention"])),
        ("outside the heap", "outside_heap", human(sm["outside_heap"])))]
    space = sm["address_space"]
    if space["free"] is not None:
        out.append("  address space free %s, largest free range %s"
                   % (human(space["free"]), human(space["largest_free"] or 0)))
    return out


CLASS_ROW = "  %-9s %11s %11s %11s %13s %10s %8s"


def class_table(rows):
    header = CLASS_ROW % ("class", "live blocks", "allocated", "active", "pages f/p/e",
                          "stranded", "ext frag")
    out = ["", "size classes at the last snapshot, by active bytes", header]
    classes = [r for r in rows if r["size"]]
    for r in classes[:TABLE_CLASSES]:
        pages = "/".join("-" if r.get(k) is None else str(r[k])
                         for k in ("pages_full", "pages_partial", "pages_empty"))
        out.append(CLASS_ROW % (r["name"], number(r["live_blocks"]), human(r["allocated"]),
                                human(r["active"]), pages, number(r["free_blocks"]),
                                percent(r["ext_frag"])))
    rest = classes[TABLE_CLASSES:]
    if rest:
        alloc, act = sum(r["allocated"] for r in rest), sum(r["active"] for r in rest)
        out.append(CLASS_ROW % ("others", number(sum(r["live_blocks"] for r in rest)),
                                human(alloc), human(act), "(%d classes)" % len(rest),
                                number(sum(r["free_blocks"] for r in rest)),
                                percent(figure({"allocated": alloc, "active": act},
                                               "external_fragmentation"))))
    for r in rows:
        if not r["size"] and (r["live_blocks"] or r["mallocs"]):  # large, huge once used
            out.append(CLASS_ROW % (r["name"], number(r["live_blocks"]), human(r["allocated"]),
                                    human(r["active"]), "", "", ""))
    return out


TREND_ROW = "  %-13s %16s   %-26s %s"


def trend_text(tr, sm):
    out = ["", "trends over %s (least-squares slope over %d snapshots)"
           % (duration(sm["duration_s"]), sm["snapshots"])]
    for key in TREND_FIGURES:
        t = tr[key]
        out.append(TREND_ROW % (key.replace("_", " "), rate(t["slope_per_min"]),
                                span_pair(t["first"], t["last"]), t["state"]))
    f = tr["external_fragmentation"]
    out.append(TREND_ROW % ("ext. frag.", "%+.1f pts/min" % (100 * f["slope_per_min"]),
                            "%s -> %s" % (percent(f["first"]), percent(f["last"])), f["state"]))
    return out


def growth_text(entries):
    out = ["", "growth by size class, first -> last snapshot (large and huge as classes)"]
    if not entries:
        return out + ["  no class changed"]
    out.append("  %-9s %12s %7s %12s %7s %14s" % ("class", "allocated", "share", "active",
                                                   "share", "live blocks"))
    ranked = sorted(entries, key=lambda e: -max(abs(e["allocated_delta"]), abs(e["active_delta"])))
    for e in ranked[:GROWTH_ROWS]:
        out.append(growth_row(e["class"], e))
    rest = ranked[GROWTH_ROWS:]
    if rest:
        summed = {k: sum(e[k] for e in rest) for k in
                  ("allocated_delta", "active_delta", "live_blocks_delta")}
        for key in ("allocated", "active"):
            shares = [e[key + "_share"] for e in rest if e[key + "_share"] is not None]
            summed[key + "_share"] = sum(shares) if shares else None
        out.append(growth_row("others", summed))
    return out


def growth_row(name, e):
    def share(v):
        return "-" if v is None else "%d%%" % round(100 * v)
    return "  %-9s %12s %7s %12s %7s %14s" % (
        name, signed(e["allocated_delta"]), share(e["allocated_share"]),
        signed(e["active_delta"]), share(e["active_share"]),
        "{:+,}".format(e["live_blocks_delta"]))
