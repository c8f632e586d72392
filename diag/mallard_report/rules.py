"""rules - the causes a verdict can name, one rule each, with their evidence.

Each rule takes the series, the trends (as one reading of them: see
verdict.decide), the growth by class and the run's length, and returns
(word, evidence lines) when its cause holds, else None. RULES is their
order of precedence (docs/DIAGNOSTICS.md, "Verdict"); stable_evidence is
what is said when none holds. Every evidence line carries its figures.
"""

from .classes import RUN_PAGES, class_rows, growth_leaders, leaders_text, run_pages_stranded, stranded
from .figures import duration, figure, human, number, percent, rate, ratio, signed, span_pair
from .thresholds import THRESHOLDS


def slope_text(tr, key, span):
    """"allocated +3.1 MiB/min (2.0 -> 9.8 MiB over 2.5 min)"."""
    t = tr[key]
    return "%s %s (%s over %s)" % (key.replace("_", " "), rate(t["slope_per_min"]),
                                   span_pair(t["first"], t["last"]), duration(span))


def not_rising(tr, key):
    """"active not rising: 0.8 -> 0.9 MiB (+18.2 MiB/min, uneven: ...)"."""
    t = tr[key]
    text = "%s not rising: %s (%s" % (key, span_pair(t["first"], t["last"]),
                                      rate(t["slope_per_min"]))
    if t["state"] == "uneven" and t["thirds"]:
        # The slope alone would contradict "not rising": say what the medians show.
        text += ", uneven: medians by thirds of the run %s, %s, %s" % tuple(
            human(v) for v in t["thirds"])
    elif t["state"] == "minor":
        text += ", under %.0f%% of rss's rise" % (100 * THRESHOLDS["heap_share_of_rss_rise"])
    return text + ")"


def fragmentation_dominates(s, tr):
    """Both allocated and active rise, but free space stranded in pages
    accounts for more of active's growth than the live bytes do, and
    external fragmentation is rising and high: fragmentation is the main
    reason, a slower growth of the live set a second one."""
    alloc, active = tr["allocated"]["slope_per_min"], tr["active"]["slope_per_min"]
    frag = tr["external_fragmentation"]
    return (tr["active"]["state"] == "rising" and active > 0
            and alloc < THRESHOLDS["leak_share_of_active_rise"] * active
            and frag["state"] == "rising" and frag["last"] >= THRESHOLDS["frag_high"]
            and s["stranded"][-1] >= THRESHOLDS["frag_min_bytes"])


def leak_rule(s, tr, growth, span):
    if tr["allocated"]["state"] != "rising" or fragmentation_dominates(s, tr):
        return None
    line = slope_text(tr, "allocated", span)
    who = leaders_text(growth, "allocated")
    evidence = [line + (", " + who if who else "")]
    names, _ = growth_leaders(growth, "allocated")
    grown = [e for e in growth if e["class"] in names]
    if grown:
        evidence.append("growing classes: " + "; ".join(
            "%s %s (%s blocks)" % (e["class"], signed(e["allocated_delta"]),
                                   "{:+,}".format(e["live_blocks_delta"]))
            for e in grown) + ": the program holds more objects (a leak, or a cache that grows)")
    for key in ("active", "rss"):
        evidence.append("%s follows: %s" % (key, slope_text(tr, key, span)))
    return "leak", evidence


def fragmentation_rule(s, tr, growth, span):
    frag = tr["external_fragmentation"]
    gap = s["stranded"][-1]
    frag_rising = (frag["state"] == "rising" and frag["last"] >= THRESHOLDS["frag_high"]
                   and gap >= THRESHOLDS["frag_min_bytes"])
    if tr["active"]["state"] != "rising" and not frag_rising:
        return None
    if tr["allocated"]["state"] == "rising":  # fragmentation_dominates
        first = ("%s, but %s: most of it is free space stranded in pages, not live blocks"
                 % (slope_text(tr, "allocated", span), slope_text(tr, "active", span)))
    elif tr["active"]["state"] == "rising":
        first = "%s while %s" % (not_rising(tr, "allocated"), slope_text(tr, "active", span))
    else:  # the program freed blocks, but their pages stay
        first = "%s while active does not fall: %s" % (slope_text(tr, "allocated", span),
                                                       slope_text(tr, "active", span))
    evidence = [first,
                "external fragmentation (1 - allocated/active) %s -> %s: %s free in pages that "
                "hold live blocks and so cannot be released"
                % (percent(frag["first"]), percent(frag["last"]), human(gap))]
    who = leaders_text(growth, "active")
    if who:
        evidence.append("active: " + who)
    evidence.extend(stranded_evidence(s["last_snapshot"]))
    return "fragmentation", evidence


def stranded_evidence(snap):
    """Where the free blocks are stranded: the class with most of them, or
    the run pages when their free units are more."""
    rows = [r for r in class_rows(snap) if r["size"]]
    if not rows:
        return []
    worst = max(rows, key=lambda r: figure(r, "stranded"))
    shared = run_pages_stranded(snap)
    if shared > figure(worst, "stranded"):
        return ["most stranded in run pages: %s free among the blocks of 1 KiB-64 KiB, which "
                "share them whatever their size" % human(shared)]
    line = ("most stranded in class %s: %s live in %s of pages (%s free blocks in partial pages)"
            % (worst["name"], human(worst["allocated"]), human(worst["active"]),
               number(worst["free_blocks"])))
    occ = worst.get("occupancy")
    if occ and sum(occ):
        line += ", %d of %d pages under 30%% full" % (sum(occ[:3]), sum(occ))
    return [line]


def retention_rule(s, tr, growth, span):
    k = max(1, (len(s["t"]) + 1) // 3)  # the last third
    held = all(c >= THRESHOLDS["retention_ratio"] * a and r >= THRESHOLDS["retention_min_bytes"]
               for c, a, r in zip(s["committed"][-k:], s["active"][-k:], s["retention"][-k:]))
    if tr["committed"]["state"] != "rising" and not held:
        return None
    ret = tr["retention"]
    evidence = [not_rising(tr, "active")]
    if tr["committed"]["state"] == "rising":
        evidence.append(slope_text(tr, "committed", span))
    else:
        evidence.append("committed stays %.1fx active over the last %d snapshots (%s)"
                        % (min(ratio(c, a) for c, a in zip(s["committed"][-k:], s["active"][-k:])),
                           k, span_pair(tr["committed"]["first"], tr["committed"]["last"])))
    evidence.append("retention (committed - active) %s: free pages the allocator holds and "
                    "has not given back" % span_pair(ret["first"], ret["last"]))
    return "retention", evidence


def outside_heap_rule(s, tr, growth, span):
    if tr["rss"]["state"] != "rising":
        return None
    out = tr["outside_heap"]
    heap = ", ".join("%s %s" % (k, signed(tr[k]["last"] - tr[k]["first"]))
                     for k in ("allocated", "active", "committed"))
    return "outside-heap", [
        slope_text(tr, "rss", span) + "; the heap grew far less: " + heap,
        "outside the heap (rss - resident) %s (%s): stacks, code, other mappings or another "
        "allocator" % (span_pair(out["first"], out["last"]), rate(out["slope_per_min"]))]


def stable_evidence(s, tr, span):
    keys = ("allocated", "active", "committed", "rss")
    parts = ", ".join("%s %s (%s)" % (k, rate(tr[k]["slope_per_min"]),
                                      span_pair(tr[k]["first"], tr[k]["last"])) for k in keys)
    evidence = [
        "nothing keeps rising over %s: %s" % (duration(span), parts),
        "rising means: fitted growth above %.0f%% of the mean and %s/min, sustained to the end"
        % (100 * THRESHOLDS["rise_share_of_mean"], human(THRESHOLDS["rise_min_bytes_per_min"]))]
    uneven = [k for k in keys if tr[k]["state"] == "uneven"]
    if uneven:
        # Say why a visible slope was not called a trend.
        evidence.append("%s changed, but not as a trend (bursts over a steady floor, or a "
                        "warm-up that levelled off): compare the trends above" % ", ".join(uneven))
    evidence.extend(excess_evidence(stranded(s["last_snapshot"])))
    return "stable", evidence


def excess_evidence(st):
    """Under stable: a steady heap that holds far more than its live data
    says so, and where (nothing grows, but the user came because rss is high)."""
    if st["share_of_active"] < THRESHOLDS["frag_high"] or st["bytes"] < THRESHOLDS["frag_min_bytes"]:
        return []
    active = st["bytes"] / st["share_of_active"]
    lines = ["but the heap holds far more than its live data: %s of %s active (%s) is free "
             "space stranded in partly used pages, which cannot be released while their live "
             "blocks stay (pinned earlier: it does not grow)"
             % (human(st["bytes"]), human(active), percent(st["share_of_active"]))]
    if st["classes"]:
        lines.append("stranded most in class%s %s" % (
            "es" if len(st["classes"]) > 1 else "", "; ".join(
                "%s %s (free units among the blocks of 1 KiB-64 KiB)" % (c["class"], human(c["stranded"]))
                if c["class"] == RUN_PAGES else
                "%s %s (%s live in %s of pages, %s full on average%s)" % (
                    c["class"], human(c["stranded"]), human(c["allocated"]), human(c["active"]),
                    percent(ratio(c["allocated"], c["active"])),
                    ", %d of %d pages partly used" % (c["pages_partial"], c["pages"])
                    if c["pages_partial"] is not None else "")
                for c in st["classes"])))
    return lines


# The rules in their order: the first that holds names the cause.
RULES = (leak_rule, fragmentation_rule, retention_rule, outside_heap_rule)
