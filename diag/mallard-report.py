#!/usr/bin/env python3
"""mallard-report - explain a process's heap from libmallard's NDJSON snapshots.

Reads the snapshots one process wrote (MALLARD_STATS_FORMAT=json, one JSON
object per line, format version 1) and prints:

  * the summary of the last snapshot: totals, the derived fragmentation
    figures, and the size classes sorted by bytes;
  * the trend of each total over the run (least-squares slope per minute);
  * the size classes (and the "large" and "huge" pseudo-classes) that account
    for most of the growth between the first and the last snapshot;
  * the verdict - leak, fragmentation, retention, outside-heap or stable,
    or undecided when the snapshots cannot tell them apart - followed by the
    figures that support it (for undecided: what was seen, and how long a
    run would settle it).

--json prints the same as one JSON object; --svg OUT draws the totals over
time and a page-occupancy map of the last snapshot. docs/DIAGNOSTICS.md
(section "mallard-report") documents the rules and every threshold below.

Exit status: 0 report printed, 1 bad input (one line on stderr naming the
file and line), 2 bad command line, 3 report printed with the verdict
"undecided" (the snapshots are too few or too ambiguous to name a cause).
Python 3 standard library only.
"""

import argparse
import itertools
import json
import math
import os
import sys

PROG = "mallard-report"
FORMAT_VERSION = 1  # the newest snapshot format this script reads
KiB = 1024
MiB = 1024 * KiB

# Every threshold the verdict uses, in one table. docs/DIAGNOSTICS.md explains
# each one; --json repeats the table so a verdict can be reproduced.
THRESHOLDS = {
    # Enough evidence for a verdict: at least this many snapshots (thirds of
    # 3 or more, so one odd snapshot cannot make or break a trend) over at
    # least this long; fewer give "undecided".
    "min_snapshots": 10,
    "min_duration_s": 1.0,
    # A byte figure "rises" when the least-squares growth over the run is
    # above this share of the figure's mean ...
    "rise_share_of_mean": 0.10,
    # ... and the slope is above this many bytes per minute ...
    "rise_min_bytes_per_min": 32 * KiB,
    # ... and the fitted growth is this many times the standard deviation of
    # the snapshots around the fitted line (a small heap whose snapshots catch
    # more or fewer temporaries in flight scatters; a trend stands out) ...
    "rise_over_scatter": 4.0,
    # ... and the rise is sustained: the median of the last third of the
    # snapshots is above the median of the first third by this share of the
    # fitted growth between them (one late spike does not make a trend), and
    # so is the lowest value (bursts caught in flight do not either) ...
    "sustained_share": 0.5,
    # ... and the last third is above the middle third by this share of the
    # fitted growth between them (a warm-up that levelled off is not a trend).
    "late_share": 0.25,
    # A test above that fails by less than this share of its threshold
    # leaves the figure "unclear" (neither rising nor not): a verdict whose
    # cause depends on how an unclear figure is read is "undecided".
    "unclear_margin": 0.5,
    # The warm-up check: the verdict must also hold without this share of
    # the snapshots at the start, or it is "undecided".
    "warmup_share": 1 / 3,
    # While rss rises, a heap figure's rise counts only if it is at least
    # this share of rss's (else it is "minor": it does not explain rss).
    "heap_share_of_rss_rise": 0.10,
    # External fragmentation (1 - allocated/active) "rises" when it gains
    # this many points (0.05 = 5 percentage points) over the run, sustained
    # as above; it counts for the verdict only once it is this high at the
    # last snapshot and active - allocated is at least this many bytes.
    "frag_rise": 0.05,
    # When allocated and active both rise, a leak is the verdict unless
    # allocated's slope is under this share of active's and fragmentation
    # rises as above: then stranded free space is most of the growth.
    "leak_share_of_active_rise": 0.5,
    "frag_high": 0.25,
    "frag_min_bytes": 1 * MiB,
    # Committed "stays far above" active when, in every snapshot of the last
    # third, committed >= this ratio x active and the difference is at least
    # this many bytes.
    "retention_ratio": 1.5,
    "retention_min_bytes": 8 * MiB,
    # A last snapshot whose allocated bytes fell under this share of the one
    # before (from at least teardown_min_bytes) is the exit report written
    # after the program freed its heap (interpreters do): it is left out of
    # the trends, the growth and the verdict, which it would turn upside down.
    "teardown_share": 0.5,
    "teardown_min_bytes": 1 * MiB,
    # ... and so are up to this many snapshots just before it that are as low
    # (an interval snapshot taken while the program was freeing its heap).
    "teardown_tail_max": 3,
    # Growth attribution names classes, largest growth first, until they
    # explain this share of the growth, but no more than this many.
    "attribution_share": 0.80,
    "attribution_max_classes": 4,
}

# A slope and a middle: the fewest snapshots a trend is computed from (the
# verdict asks for more: min_snapshots).
TREND_MIN_SNAPSHOTS = 3
TOTALS = ("allocated", "requested", "active", "committed", "resident", "mapped", "metadata")
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
# Keys the section 5 contract promises; the others are read when present.
REQUIRED_CLASS_KEYS = ("size", "live_blocks", "pages", "free_blocks", "mallocs", "frees")
OPTIONAL_CLASS_KEYS = ("pages_full", "pages_partial", "pages_empty", "requested", "active")
SPAN_KEYS = ("blocks", "bytes", "mallocs")
OCCUPANCY_BINS = 10
TABLE_CLASSES = 12  # rows of the per-class table before "others"
GROWTH_ROWS = 8  # rows of the growth table before "others"
MAP_CLASSES = 16  # rows of the SVG occupancy map


class InputError(Exception):
    """Bad input: the message is the whole stderr line after "mallard-report: "."""


class UsageError(Exception):
    """Bad command line: argparse's message, reported with the usage line."""


# ---------------------------------------------------------------- reading


def read_snapshots(path):
    """Returns (snapshots in time order, warnings) read from path ("-": stdin).

    Every line must hold a version-1 snapshot of the same pid, except that a
    last line that does not parse is dropped with a warning: a process killed
    while writing leaves exactly that (libmallard writes a line per write()).
    """
    name = "stdin" if path == "-" else path
    data = read_bytes(path, name)
    if not data.strip():
        raise InputError("%s: empty file, no snapshots" % name)
    lines = data.split(b"\n")
    last = max(i for i, line in enumerate(lines) if line.strip())
    snapshots, warnings = [], []
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue  # blank lines separate nothing in NDJSON; skip them
        where = "%s:%d" % (name, index + 1)
        try:
            obj = parse_line(raw)
        except ValueError as err:
            if index == last and snapshots:
                warnings.append(truncation_warning(where, data, err))
                break
            raise InputError("%s: not a JSON object (%s)" % (where, err)) from None
        try:
            snap = check_snapshot(obj)
        except ValueError as err:
            raise InputError("%s: %s" % (where, err)) from None
        snap["line"] = index + 1
        if snapshots and snap["pid"] != snapshots[0]["pid"]:
            raise InputError("%s: snapshot of pid %d, but line %d is pid %d: one process per file"
                             % (where, snap["pid"], snapshots[0]["line"], snapshots[0]["pid"]))
        snapshots.append(snap)
    # Sorted by wall clock; stable, so equal times keep the file's order.
    snapshots.sort(key=lambda s: s["time_ms"])
    return snapshots, warnings


def read_bytes(path, name):
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as err:
        raise InputError("%s: cannot read: %s" % (name, err.strerror or err)) from None


def truncation_warning(where, data, err):
    if data.endswith(b"\n"):
        why = "last line is not valid JSON (%s)" % err
    else:
        why = "last line is truncated (the process was probably killed while writing it)"
    return "warning: %s: %s; reporting on the lines before it" % (where, why)


def parse_line(raw):
    """The JSON value on one line; ValueError with a short reason if none."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError("column %d: %s" % (err.colno, err.msg)) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return obj


def check_snapshot(obj):
    """A normalized copy of one snapshot object; ValueError says what is wrong."""
    if not isinstance(obj, dict):
        # It parsed, so it is not a truncated line: an error wherever it is.
        kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
        raise ValueError("not a JSON object (%s)" % kinds.get(type(obj), "a number"))
    if "version" not in obj:
        raise ValueError('not a mallard snapshot (no "version")')
    version = count(obj, "version")
    if version > FORMAT_VERSION:
        raise ValueError("snapshot format version %d is newer than this %s reads (%d)"
                         % (version, PROG, FORMAT_VERSION))
    if version < 1:
        raise ValueError("unknown snapshot format version %d" % version)
    snap = {key: count(obj, key) for key in ("pid", "time_ms", "rss")}
    snap["uptime_ms"] = count(obj, "uptime_ms", None)
    snap["bits"] = count(obj, "bits", None)
    totals = member(obj, "totals", dict)
    snap["totals"] = {key: count(totals, key, path="totals.") for key in TOTALS}
    snap["large"] = read_span(obj, "large")
    snap["huge"] = read_span(obj, "huge")
    space = member(obj, "address_space", dict, {})
    snap["address_space"] = {key: count(space, key, None, "address_space.")
                             for key in ("free", "largest_free")}
    classes = member(obj, "classes", list)
    snap["classes"] = [read_class(c, i) for i, c in enumerate(classes)]
    return snap


def member(obj, key, kind, default=ValueError):
    if key not in obj:
        if default is ValueError:
            raise ValueError('"%s" missing' % key)
        return default
    if not isinstance(obj[key], kind):
        raise ValueError('"%s" is not a JSON %s' % (key, "object" if kind is dict else "array"))
    return obj[key]


def count(obj, key, default=ValueError, path=""):
    """obj[key] as a non-negative integer (bool is not one)."""
    if key not in obj:
        if default is ValueError:
            raise ValueError('"%s%s" missing' % (path, key))
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError('"%s%s" is not a non-negative integer' % (path, key))
    return value


def read_span(obj, key):
    span = member(obj, key, dict, {})
    return {k: count(span, k, 0, key + ".") for k in SPAN_KEYS}


def read_class(obj, index):
    path = "classes[%d]." % index
    if not isinstance(obj, dict):
        raise ValueError('"classes[%d]" is not a JSON object' % index)
    c = {k: count(obj, k, path=path) for k in REQUIRED_CLASS_KEYS}
    c.update({k: count(obj, k, None, path) for k in OPTIONAL_CLASS_KEYS})
    if c["requested"] is None:
        c["requested"] = c["size"] * c["live_blocks"]
    if c["active"] is None:
        # A writer without the key: the class's blocks, live or stranded, as an estimate.
        c["active"] = c["size"] * (c["live_blocks"] + c["free_blocks"])
    c["occupancy"] = read_occupancy(obj.get("occupancy"), path)
    return c


def read_occupancy(value, path):
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != OCCUPANCY_BINS
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value)):
        raise ValueError('"%soccupancy" is not %d non-negative integers' % (path, OCCUPANCY_BINS))
    return list(value)


# ---------------------------------------------------------------- units


def human(n):
    """Bytes in binary units with one decimal: 512 B, 12.3 MiB."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return "%d B" % n if unit == "B" else "%.1f %s" % (n, unit)
        n /= 1024
    return None  # not reached


def signed(n):
    text = human(abs(n))
    return ("-" if n < 0 and text not in ("0 B", "0.0 KiB") else "+") + text


def rate(bytes_per_min):
    return signed(bytes_per_min) + "/min"


def span_pair(first, last):
    """"2.0 -> 9.8 MiB": both ends in the unit of the larger one."""
    big = human(max(abs(first), abs(last)))
    unit = big.split()[1]
    if unit == "B":
        return "%d -> %d B" % (first, last)
    scale = 1024 ** ("B", "KiB", "MiB", "GiB", "TiB").index(unit)
    return "%.1f -> %.1f %s" % (first / scale, last / scale, unit)


def duration(seconds):
    if seconds < 120:
        return "%.1f s" % seconds
    if seconds < 120 * 60:
        return "%.1f min" % (seconds / 60)
    return "%.1f h" % (seconds / 3600)


def number(n):
    """A count with thousands separators: 1,234,567."""
    return "{:,}".format(n)


def percent(fraction):
    return "%.1f%%" % (100 * fraction)


def ratio(num, den):
    return num / den if den else 0.0


def class_name(size):
    """Exact block sizes: "1280 B", "4 KiB", "1 MiB"."""
    if size >= MiB and size % MiB == 0:
        return "%d MiB" % (size // MiB)
    if size >= KiB and size % KiB == 0:
        return "%d KiB" % (size // KiB)
    return "%d B" % size


# ---------------------------------------------------------------- series


def series(snapshots):
    """Times (s since the first snapshot) and every figure the trends follow."""
    t0 = snapshots[0]["time_ms"]
    out = {"t": [(s["time_ms"] - t0) / 1000 for s in snapshots]}
    for key in TOTALS:
        out[key] = [s["totals"][key] for s in snapshots]
    out["rss"] = [s["rss"] for s in snapshots]
    out["retention"] = [s["totals"]["committed"] - s["totals"]["active"] for s in snapshots]
    out["outside_heap"] = [s["rss"] - s["totals"]["resident"] for s in snapshots]
    out["external_fragmentation"] = [external_fragmentation(s["totals"]) for s in snapshots]
    return out


def external_fragmentation(totals):
    return 1 - ratio(totals["allocated"], totals["active"]) if totals["active"] else 0.0


def fit_line(ts, ys):
    """Least-squares slope (per second) of ys over ts; 0 if all ts are equal."""
    n = len(ts)
    t_mean, y_mean = sum(ts) / n, sum(ys) / n
    sxx = sum((t - t_mean) ** 2 for t in ts)
    if sxx == 0:
        return 0.0
    return sum((t - t_mean) * (y - y_mean) for t, y in zip(ts, ys)) / sxx


def scatter(ts, ys, slope):
    """Standard deviation of ys around their least-squares line."""
    n = len(ts)
    t_mean, y_mean = sum(ts) / n, sum(ys) / n
    res = [y - (y_mean + slope * (t - t_mean)) for t, y in zip(ts, ys)]
    return math.sqrt(sum(r * r for r in res) / max(1, n - 2))


def median(values):
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def thirds(ts, ys):
    """(mean time, median, floor, ceiling) of the first, middle and last
    third. The floor is the lower quartile, the ceiling the upper one: the
    level the figure keeps between bursts, which one odd snapshot (a
    collector caught half-way through its sweep) cannot move."""
    n = len(ts)
    k = max(1, (n + 1) // 3)
    parts = (slice(0, k), slice(k, n - k), slice(n - k, n))
    out = []
    for p in parts:
        v = sorted(ys[p])
        q = len(v) // 4
        out.append((sum(ts[p]) / len(v), median(v), v[q], v[-1 - q]))
    return out


def trend(ts, ys, min_change, min_per_min):
    """Slope, ends and state of one figure (docs/DIAGNOSTICS.md, "Trends").

    min_change: the fitted change over the run that counts; min_per_min:
    the slope that counts. A change that counts is weighed by four tests,
    each a ratio to its threshold in t["tests"] (1 or more passes):
    "scatter" (the fitted change against the scatter around the line),
    "sustained" (the medians of the first and last thirds), "floor" (their
    lowest values; for a fall, their highest) and "late" (the medians of the
    middle and last thirds). Every test passed: rising (falling). A test
    failed by more than the margin: not a trend - "flat" when it is the
    scatter (noise), "uneven" when the figure's base did not move (the floor
    stayed: bursts in flight) or it levelled off (the later two thirds on
    their own are flat: a warm-up). Anything else is "unclear": neither a
    trend nor shown not to be one, which the verdict must not read either way.
    """
    slope = fit_line(ts, ys)
    span = ts[-1] - ts[0]
    t = {"slope_per_min": slope * 60, "first": ys[0], "last": ys[-1],
         "mean": sum(ys) / len(ys), "state": "flat", "thirds": None, "tests": None}
    if len(ts) < TREND_MIN_SNAPSHOTS or span <= 0:
        t["state"] = "too short"
        return t
    (t1, y1, lo1, hi1), (t2, y2, _, _), (t3, y3, lo3, hi3) = thirds(ts, ys)
    t["thirds"] = [y1, y2, y3]  # medians: what the evidence quotes when outliers pull the slope
    if abs(slope) * span <= min_change or abs(slope) * 60 <= min_per_min:
        return t
    sign = 1 if slope > 0 else -1
    wanted = THRESHOLDS["sustained_share"] * abs(slope) * (t3 - t1)
    noise = scatter(ts, ys, slope)
    # A rise must lift the floor too (the lowest value of a third: the figure
    # between bursts), a fall the ceiling: snapshots that caught a burst of
    # temporaries in flight are not growth, however many of them there are.
    tests = {
        "scatter": abs(slope) * span / (THRESHOLDS["rise_over_scatter"] * noise) if noise else math.inf,
        "sustained": sign * (y3 - y1) / wanted,
        "floor": sign * ((lo3 - lo1) if sign > 0 else (hi3 - hi1)) / wanted,
        "late": sign * (y3 - y2) / (THRESHOLDS["late_share"] * abs(slope) * (t3 - t2)),
    }
    t["tests"] = {k: round(v, 3) for k, v in tests.items() if v != math.inf}
    if min(tests.values()) >= 1:
        t["state"] = "rising" if sign > 0 else "falling"
        return t
    margin = THRESHOLDS["unclear_margin"]
    if tests["scatter"] < margin:
        return t  # the line moves less than the snapshots scatter around it: noise
    if sign < 0 or tests["floor"] < margin:
        # A fall that is no steady trend is no rise either; a floor that
        # stayed is a live set that returns to its level between bursts.
        t["state"] = "uneven"
        return t
    if tests["late"] < margin:
        k = len(ts) // 3
        later = trend(ts[k:], ys[k:], min_change, min_per_min)
        if later["state"] in ("flat", "falling"):
            t["state"] = "uneven"  # rose early, then levelled off: a warm-up
            return t
    t["state"] = "unclear"
    return t


def trends(s):
    """The trend of every total, rss, retention, outside-heap and ext. fragmentation."""
    out = {}
    for key in TOTALS + ("rss", "retention", "outside_heap"):
        ys = s[key]
        min_change = THRESHOLDS["rise_share_of_mean"] * abs(sum(ys) / len(ys))
        out[key] = trend(s["t"], ys, min_change, THRESHOLDS["rise_min_bytes_per_min"])
    out["external_fragmentation"] = trend(s["t"], s["external_fragmentation"],
                                          THRESHOLDS["frag_rise"], 0)
    mark_minor(out)
    return out


def mark_minor(tr):
    """While rss rises, a heap figure that rises by a small fraction of it
    does not explain it: "minor" keeps a few stray pages from deciding the
    verdict. (Also applied to each reading of the unclear figures.)"""
    rss = tr["rss"]
    if rss["state"] != "rising":
        return
    for key in TOTALS + ("retention",):
        if (tr[key]["state"] == "rising" and tr[key]["slope_per_min"]
                < THRESHOLDS["heap_share_of_rss_rise"] * rss["slope_per_min"]):
            tr[key]["state"] = "minor"


# ---------------------------------------------------------------- classes


def class_rows(snap):
    """Per-class figures of one snapshot, "large" and "huge" as pseudo-classes."""
    rows = []
    for c in snap["classes"]:
        row = dict(c, name=class_name(c["size"]), allocated=c["size"] * c["live_blocks"])
        row["ext_frag"] = 1 - ratio(row["allocated"], c["active"]) if c["active"] else 0.0
        rows.append(row)
    for name in ("large", "huge"):
        span = snap[name]
        # A large or huge block fills its own span or mapping: active = bytes.
        rows.append({"name": name, "size": None, "live_blocks": span["blocks"],
                     "allocated": span["bytes"], "active": span["bytes"],
                     "mallocs": span["mallocs"], "ext_frag": 0.0})
    return rows


def growth_by_class(first, last):
    """Per class: allocated and active at both ends, the change, its share."""
    before = {r["name"]: r for r in class_rows(first)}
    entries = []
    for row in class_rows(last):
        old = before.pop(row["name"], None)
        entries.append(growth_entry(row["name"], row["size"], old, row))
    for old in before.values():  # a class cannot vanish, but do not lose one
        entries.append(growth_entry(old["name"], old["size"], old, None))
    for key in ("allocated", "active"):
        # Shares of the gross growth (the classes that grew), so they add up
        # to 100% and a class that shrank cannot make another's share exceed it.
        gross = sum(max(0, e[key + "_delta"]) for e in entries)
        for e in entries:
            d = e[key + "_delta"]
            e[key + "_share"] = d / gross if d > 0 else None
    entries.sort(key=lambda e: (-e["allocated_delta"], -e["active_delta"]))
    return entries


def growth_entries(snapshots):
    """The classes whose bytes changed between the first and last snapshot."""
    return [e for e in growth_by_class(snapshots[0], snapshots[-1])
            if e["allocated_delta"] or e["active_delta"]]


def growth_entry(name, size, old, new):
    e = {"class": name, "size": size}
    for key in ("allocated", "active", "live_blocks"):
        a, b = (old or {}).get(key, 0), (new or {}).get(key, 0)
        e[key + "_first"], e[key + "_last"], e[key + "_delta"] = a, b, b - a
    return e


def growth_leaders(entries, key):
    """(names, share): the classes that explain most of the growth of key."""
    total = sum(max(0, e[key + "_delta"]) for e in entries)
    if total <= 0:
        return [], 0.0
    names, covered = [], 0
    for e in sorted(entries, key=lambda e: -e[key + "_delta"]):
        if (e[key + "_delta"] <= 0 or covered >= THRESHOLDS["attribution_share"] * total
                or len(names) >= THRESHOLDS["attribution_max_classes"]):
            break
        names.append(e["class"])
        covered += e[key + "_delta"]
    return names, covered / total


def leaders_text(entries, key):
    names, share = growth_leaders(entries, key)
    if not names:
        return ""
    word = "class" if len(names) == 1 else "classes"
    return "%.0f%% of the growth in %s %s" % (100 * share, word, ", ".join(names))


# ---------------------------------------------------------------- verdict

# The trends the rules read: an "unclear" one among them is read both ways.
RULE_FIGURES = ("allocated", "active", "committed", "rss", "external_fragmentation")
UNDECIDED = "undecided"


def verdict(snapshots, s, tr, growth):
    """(word, evidence lines, why undecided or None), by the rules of
    docs/DIAGNOSTICS.md ("Verdict"), after the three checks of "Enough
    evidence": enough snapshots, no cause that rests on an unclear trend,
    and the same cause without the first third of the run."""
    span = s["t"][-1] - s["t"][0]
    n = len(snapshots)
    if n < THRESHOLDS["min_snapshots"] or span < THRESHOLDS["min_duration_s"]:
        return too_short(n, span)
    unclear, readings = decide(s, tr, growth, span)
    words = distinct_words(readings)
    if len(words) > 1:
        return undecided_unclear(tr, unclear, readings, span)
    word, evidence = readings[0][1]
    # The warm-up check: the first third of a run may be a warm-up (a cache
    # filling, a pool growing to its working size); a cause must hold
    # without it too. Later readings that merely cannot decide do not
    # overrule the whole run: they have fewer snapshots.
    k = int(n * THRESHOLDS["warmup_share"])
    later = snapshots[k:]
    s2 = series(later)
    s2["last_snapshot"] = later[-1]
    tr2 = trends(s2)
    _, later_readings = decide(s2, tr2, growth_entries(later), s2["t"][-1])
    later_words = distinct_words(later_readings)
    if word not in later_words:
        return undecided_warmup(word, evidence, later_words, later_readings,
                                (later[0]["time_ms"] - snapshots[0]["time_ms"]) / 1000, span)
    return word, evidence, None


def decide(s, tr, growth, span):
    """(the unclear figures, [(reading, (word, evidence))]): the rules run
    once per way of reading the unclear figures as rising or not."""
    unclear = [k for k in RULE_FIGURES if tr[k]["state"] == "unclear"]
    readings = []
    for states in itertools.product(("rising", "flat"), repeat=len(unclear)):
        reading = {key: dict(t) for key, t in tr.items()}
        for key, state in zip(unclear, states):
            reading[key]["state"] = state
        mark_minor(reading)
        readings.append((dict(zip(unclear, states)), first_rule(s, reading, growth, span)))
    return unclear, readings


def distinct_words(readings):
    words = []
    for _, (word, _) in readings:
        if word not in words:
            words.append(word)
    return words


def first_rule(s, tr, growth, span):
    for rule in (leak_rule, fragmentation_rule, retention_rule, outside_heap_rule):
        found = rule(s, tr, growth, span)
        if found:
            return found
    return stable_evidence(s, tr, span)


def settle_s(span):
    """The run that would settle it: long enough that this one would be
    its first third, which the warm-up check sets aside."""
    return max(3 * span, THRESHOLDS["min_duration_s"])


def too_short(n, span):
    need = THRESHOLDS["min_snapshots"]
    every = span / (n - 1) if n > 1 and span > 0 else None
    run_for = max(THRESHOLDS["min_duration_s"], (need - 1) * every) if every else None
    advice = ("take snapshots more often (MALLARD_STATS_INTERVAL_MS) or run longer"
              + (": at this interval (%s), at least %s" % (duration(every), duration(run_for))
                 if run_for else ""))
    evidence = [
        "not enough evidence: %d snapshot(s) over %s; a verdict needs at least %d snapshots "
        "over at least %s (thirds of 3 or more, so one odd snapshot cannot make or break a "
        "trend); the summary above is all there is"
        % (n, duration(span), need, duration(THRESHOLDS["min_duration_s"])),
        "to settle it: " + advice]
    return UNDECIDED, evidence, {"reason": "too short", "readings": [],
                                 "run_at_least_s": round(run_for, 1) if run_for else None}


def unclear_text(t, key):
    """"allocated rose 8.1 -> 10.0 MiB (+38.0 MiB/min) but not clearly as a
    trend: medians by thirds of the run ...; short of what a trend needs
    (1 = enough): floor 0.80"."""
    short = ["%s %.2f" % (TEST_NAMES[k], v) for k, v in sorted((t["tests"] or {}).items())
             if v < 1]
    text = "%s rose %s (%s) but not clearly as a trend" % (
        key.replace("_", " "), pair_of(key, t), rate_of(key, t))
    if t["thirds"]:
        text += ": medians by thirds of the run %s" % ", ".join(value_of(key, v) for v in t["thirds"])
    if short:
        text += "; short of what a trend needs (1 = enough): " + ", ".join(short)
    return text


TEST_NAMES = {"scatter": "change/scatter", "sustained": "sustained", "floor": "floor",
              "late": "late"}


def pair_of(key, t):
    if key == "external_fragmentation":
        return "%s -> %s" % (percent(t["first"]), percent(t["last"]))
    return span_pair(t["first"], t["last"])


def rate_of(key, t):
    if key == "external_fragmentation":
        return "%+.1f pts/min" % (100 * t["slope_per_min"])
    return rate(t["slope_per_min"])


def value_of(key, v):
    return percent(v) if key == "external_fragmentation" else human(v)


def readings_json(readings):
    return [{"figures": figures, "verdict": word} for figures, (word, _) in readings]


def undecided_unclear(tr, unclear, readings, span):
    evidence = [unclear_text(tr[key], key) for key in unclear]
    ways = []
    for figures, (word, _) in readings:
        how = ", ".join("%s %s" % (k.replace("_", " "), "rising" if st == "rising" else "not rising")
                        for k, st in figures.items())
        ways.append("%s -> %s" % (how, word))
    evidence.append("the cause depends on how that is read (%s): the snapshots cannot tell "
                    "these apart yet" % "; ".join(ways))
    evidence.append("to settle it: run at least %s (3 times this run) with snapshots as "
                    "often; leave out a warm-up with --from SECONDS" % duration(settle_s(span)))
    return UNDECIDED, evidence, {"reason": "unclear", "readings": readings_json(readings),
                                 "run_at_least_s": round(settle_s(span), 1)}


def undecided_warmup(word, evidence, later_words, later_readings, skipped_s, span):
    evidence = [
        "over the whole run the rules say %s (%s), but without its first third (the first %s) "
        "they say %s" % (word, evidence[0], duration(skipped_s), " or ".join(later_words)),
        "the heap changed its course during the run (a warm-up, a cache filling, a new phase "
        "of work): the snapshots cannot tell which course it keeps",
        "to settle it: run at least %s (3 times this run) with snapshots as often, or start "
        "the analysis after the warm-up with --from SECONDS" % duration(settle_s(span))]
    return UNDECIDED, evidence, {"reason": "warm-up", "whole_run": word,
                                 "readings": readings_json(later_readings),
                                 "run_at_least_s": round(settle_s(span), 1)}


def figure(tr, key, span):
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
            and s["active"][-1] - s["allocated"][-1] >= THRESHOLDS["frag_min_bytes"])


def leak_rule(s, tr, growth, span):
    if tr["allocated"]["state"] != "rising" or fragmentation_dominates(s, tr):
        return None
    line = figure(tr, "allocated", span)
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
        evidence.append("%s follows: %s" % (key, figure(tr, key, span)))
    return "leak", evidence


def fragmentation_rule(s, tr, growth, span):
    frag = tr["external_fragmentation"]
    gap = s["active"][-1] - s["allocated"][-1]
    frag_rising = (frag["state"] == "rising" and frag["last"] >= THRESHOLDS["frag_high"]
                   and gap >= THRESHOLDS["frag_min_bytes"])
    if tr["active"]["state"] != "rising" and not frag_rising:
        return None
    if tr["allocated"]["state"] == "rising":  # fragmentation_dominates
        first = ("%s, but %s: most of it is free space stranded in pages, not live blocks"
                 % (figure(tr, "allocated", span), figure(tr, "active", span)))
    elif tr["active"]["state"] == "rising":
        first = "%s while %s" % (not_rising(tr, "allocated"), figure(tr, "active", span))
    else:  # the program freed blocks, but their pages stay
        first = "%s while active does not fall: %s" % (figure(tr, "allocated", span),
                                                       figure(tr, "active", span))
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
    """Where the free blocks are stranded: the class with most of them."""
    rows = [r for r in class_rows(snap) if r["size"]]
    if not rows:
        return []
    worst = max(rows, key=lambda r: r["active"] - r["allocated"])
    line = ("most stranded in class %s: %s live in %s of pages (%s free blocks in partial pages)"
            % (worst["name"], human(worst["allocated"]), human(worst["active"]),
               number(worst["free_blocks"])))
    occ = worst.get("occupancy")
    if occ and sum(occ):
        line += ", %d of %d pages under 30%% full" % (sum(occ[:3]), sum(occ))
    return [line]


def retention_rule(s, tr, growth, span):
    k = max(1, (len(s["t"]) + 1) // 3)
    held = all(c >= THRESHOLDS["retention_ratio"] * a
               and c - a >= THRESHOLDS["retention_min_bytes"]
               for c, a in zip(s["committed"][-k:], s["active"][-k:]))
    if tr["committed"]["state"] != "rising" and not held:
        return None
    ret = tr["retention"]
    evidence = [not_rising(tr, "active")]
    if tr["committed"]["state"] == "rising":
        evidence.append(figure(tr, "committed", span))
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
        figure(tr, "rss", span) + "; the heap grew far less: " + heap,
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


def stranded(snap):
    """The free space stranded in partly used pages at a snapshot: bytes
    (active - allocated), their share of active, and the classes that hold
    most of them (largest first, until attribution_share of the bytes, at
    most attribution_max_classes)."""
    t = snap["totals"]
    total = max(0, t["active"] - t["allocated"])
    rows = sorted((r for r in class_rows(snap) if r["size"]),
                  key=lambda r: -(r["active"] - r["allocated"]))
    leaders, covered = [], 0
    for r in rows:
        gap = r["active"] - r["allocated"]
        if (gap <= 0 or covered >= THRESHOLDS["attribution_share"] * total
                or len(leaders) >= THRESHOLDS["attribution_max_classes"]):
            break
        leaders.append({"class": r["name"], "stranded": gap, "allocated": r["allocated"],
                        "active": r["active"], "free_blocks": r["free_blocks"],
                        "pages": r["pages"], "pages_partial": r.get("pages_partial")})
        covered += gap
    return {"bytes": total, "share_of_active": ratio(total, t["active"]), "classes": leaders}


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
                "%s %s (%s live in %s of pages, %s full on average%s)" % (
                    c["class"], human(c["stranded"]), human(c["allocated"]), human(c["active"]),
                    percent(ratio(c["allocated"], c["active"])),
                    ", %d of %d pages partly used" % (c["pages_partial"], c["pages"])
                    if c["pages_partial"] is not None else "")
                for c in st["classes"])))
    return lines


# ---------------------------------------------------------------- analysis


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


def analyse(path, all_snapshots, warnings):
    """Everything the text, JSON and SVG outputs show, as one dict."""
    snapshots, teardown = split_teardown(all_snapshots)
    notes = [teardown_note(teardown, snapshots, all_snapshots)] if teardown else []
    s = series(snapshots)
    s["last_snapshot"] = snapshots[-1]
    tr = trends(s)
    growth = growth_entries(snapshots)
    word, evidence, undecided = verdict(snapshots, s, tr, growth)
    return {"file": path, "summary": summary(snapshots, s), "trends": tr,
            "classes": growth, "verdict": word, "evidence": evidence, "undecided": undecided,
            "warnings": warnings, "notes": notes, "thresholds": THRESHOLDS,
            "snapshots": snapshots, "all_snapshots": all_snapshots, "teardown": teardown}


def summary(snapshots, s):
    last = snapshots[-1]
    t = last["totals"]
    rows = sorted(class_rows(last), key=lambda r: (-r["active"], -r["allocated"]))
    return {
        "pid": last["pid"], "bits": last["bits"], "snapshots": len(snapshots), "line": last["line"],
        "duration_s": s["t"][-1], "time_ms": last["time_ms"], "uptime_ms": last["uptime_ms"],
        "rss": last["rss"], "totals": dict(t),
        "internal_fragmentation":
            1 - ratio(t["requested"], t["allocated"]) if t["allocated"] else 0.0,
        "external_fragmentation": external_fragmentation(t),
        "retention": t["committed"] - t["active"],
        "outside_heap": last["rss"] - t["resident"],
        "address_space": last["address_space"], "large": last["large"], "huge": last["huge"],
        "classes": [{k: v for k, v in r.items() if k != "occupancy"} for r in rows],
        "stranded": stranded(last),
    }


# ---------------------------------------------------------------- text


def text_report(r):
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
    return "\n".join(out) + "\n"


def series_text(r):
    """--series: the totals of every snapshot (the teardown ones too,
    marked), one line each: how rss follows the live bytes over time."""
    snaps = r["all_snapshots"]
    out = ["", "totals per snapshot (MiB; ext. frag. = 1 - allocated/active)",
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
    out += ["  %-24s %10s   %s" % row for row in (
        ("internal fragmentation", percent(sm["internal_fragmentation"]),
         "1 - requested/allocated"),
        ("external fragmentation", percent(sm["external_fragmentation"]),
         "1 - allocated/active"),
        ("retention", human(sm["retention"]), "committed - active"),
        ("outside the heap", signed(sm["outside_heap"]).lstrip("+"), "rss - resident"))]
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
                                percent(1 - ratio(alloc, act) if act else 0)))
    for r in rows:
        if not r["size"] and (r["live_blocks"] or r["mallocs"]):  # large, huge once used
            out.append(CLASS_ROW % (r["name"], number(r["live_blocks"]), human(r["allocated"]),
                                    human(r["active"]), "", "", ""))
    return out


TREND_ROW = "  %-13s %16s   %-26s %s"


def trend_text(tr, sm):
    out = ["", "trends over %s (least-squares slope over %d snapshots)"
           % (duration(sm["duration_s"]), sm["snapshots"])]
    for key in TOTALS + ("rss", "retention", "outside_heap"):
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


# ---------------------------------------------------------------- JSON


def json_report(r):
    out = {k: r[k] for k in ("verdict", "evidence", "undecided", "trends", "classes", "summary",
                             "warnings", "notes", "thresholds")}
    out["file"] = r["file"]
    return json.dumps(out, indent=1, sort_keys=False) + "\n"


# ---------------------------------------------------------------- SVG

SVG_WIDTH = 900
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'
# Colour and dash per series so the lines stay apart in grey print too.
LINES = (("rss", "#d62728", ""), ("committed", "#ff7f0e", "8 4"),
         ("active", "#1f77b4", ""), ("allocated", "#2ca02c", "3 3"))
PLOT = {"left": 80, "top": 30, "width": 620, "height": 320}  # chart (1), below its title
CELL_W, CELL_H, MAP_LEFT = 62, 24, 110  # chart (2)


def esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def svg_text(x, y, text, size=12, anchor="start", extra=""):
    return '<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s"%s>%s</text>' % (
        x, y, size, anchor, (" " + extra) if extra else "", esc(text))


def svg_line(x1, y1, x2, y2, colour, extra=""):
    return '<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"%s/>' % (
        x1, y1, x2, y2, colour, (" " + extra) if extra else "")


def nice_ticks(hi, target=6):
    """Round tick values from 0 to at least hi (1-2-2.5-5 steps)."""
    hi = hi if hi > 0 else 1
    raw = hi / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = int(math.ceil(hi / step - 1e-9))
    return [i * step for i in range(n + 1)]


def tick_label(v):
    return ("%.3f" % v).rstrip("0").rstrip(".")


def svg_report(r):
    # The time series shows every snapshot, a teardown one too: it happened.
    totals = svg_totals_chart(r, r["all_snapshots"], top=50)
    occupancy, height = svg_occupancy_map(r["snapshots"][-1], top=50 + 420)
    sm = r["summary"]
    title = "%s: %s, pid %d, verdict: %s" % (PROG, r["file"], sm["pid"], r["verdict"])
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>'
        % (SVG_WIDTH, height, SVG_WIDTH, height, FONT),
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        svg_text(20, 28, title, 15, extra='font-weight="bold"'),
        totals, occupancy, "</svg>", ""])


def svg_totals_chart(r, snapshots, top):
    """Chart (1): rss, committed, active, allocated over time, in MiB."""
    left, width, height = PLOT["left"], PLOT["width"], PLOT["height"]
    plot_top = top + PLOT["top"]
    t0 = snapshots[0]["time_ms"]
    secs = [(s["time_ms"] - t0) / 1000 for s in snapshots]
    minutes = secs[-1] >= 180  # long runs read better in minutes
    xs = [t / 60 for t in secs] if minutes else secs
    values = {name: [figure_of(s, name) / MiB for s in snapshots] for name, _, _ in LINES}
    xticks = nice_ticks(xs[-1], 8)
    yticks = nice_ticks(max(max(v) for v in values.values()), 6)

    def px(x):
        return left + width * x / xticks[-1]

    def py(y):
        return plot_top + height - height * y / yticks[-1]

    out = ['<g id="totals">',
           svg_text(20, top + 10, "Totals over time (MiB)", 14, extra='font-weight="bold"')]
    out += svg_grid(xticks, yticks, px, py)
    out.append(svg_text(left + width / 2, plot_top + height + 40, "time since the first "
                        "snapshot (%s)" % ("min" if minutes else "s"), 13, "middle"))
    mid = plot_top + height / 2
    out.append(svg_text(20, mid, "memory (MiB)", 13, "middle",
                        'transform="rotate(-90 20 %.1f)"' % mid))
    for i, (name, colour, dash) in enumerate(LINES):
        dashes = 'stroke-dasharray="%s"' % dash if dash else ""
        out += svg_series(name, colour, dashes, [(px(x), py(y)) for x, y in zip(xs, values[name])])
        ly = plot_top + 20 + 24 * i
        out.append(svg_line(left + width + 20, ly, left + width + 50, ly, colour,
                            'stroke-width="2" ' + dashes))
        last = figure_of(r["snapshots"][-1], name)  # the figure the summary gives
        out.append(svg_text(left + width + 58, ly + 4, "%s (%s)" % (name, human(last)), 12))
    if r["teardown"]:
        x = px(xs[snapshots.index(r["teardown"])])
        out.append(svg_line(x, plot_top, x, plot_top + height, "#777777",
                            'stroke-dasharray="4 3"'))
        for dy, text in ((-6, "from the dashed line: exit teardown,"), (10, "left out of the analysis")):
            out.append(svg_text(left + width + 20, plot_top + height + dy, text, 12,
                                extra='fill="#555555"'))
    out.append("</g>")
    return "\n".join(out)


def svg_series(name, colour, dashes, points):
    path = " ".join("%.1f,%.1f" % p for p in points)
    out = ['<polyline fill="none" stroke="%s" stroke-width="2" %s points="%s"><title>%s</title>'
           '</polyline>' % (colour, dashes, path, name)]
    if len(points) <= 60:  # dots show where the samples are, while they stay apart
        out += ['<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (x, y, colour)
                for x, y in points]
    return out


def figure_of(snap, name):
    return snap["rss"] if name == "rss" else snap["totals"][name]


def svg_grid(xticks, yticks, px, py):
    left, width, height = PLOT["left"], PLOT["width"], PLOT["height"]
    top = py(yticks[-1])
    out = []
    for v in yticks:
        out.append(svg_line(left, py(v), left + width, py(v), "#dddddd"))
        out.append(svg_text(left - 8, py(v) + 4, tick_label(v), 12, "end"))
    for v in xticks:
        out.append(svg_line(px(v), top, px(v), top + height, "#dddddd"))
        out.append(svg_text(px(v), top + height + 18, tick_label(v), 12, "middle"))
    out.append('<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#444444"/>'
               % (left, top, width, height))
    return out


def svg_occupancy_map(snap, top):
    """Chart (2): pages by fill level, one row per class (the most pages)."""
    rows = [c for c in snap["classes"] if c.get("occupancy") and sum(c["occupancy"])]
    rows = sorted(sorted(rows, key=lambda c: -c["pages"])[:MAP_CLASSES], key=lambda c: c["size"])
    grid_top = top + 50
    right = MAP_LEFT + CELL_W * OCCUPANCY_BINS
    out = ['<g id="occupancy">',
           svg_text(20, top + 10, "Page occupancy of the last snapshot (line %d): pages per "
                    "fill level, per size class" % snap["line"], 14, extra='font-weight="bold"')]
    if not rows:
        out += [svg_text(MAP_LEFT, grid_top + 20, "no occupancy data in the last snapshot", 13),
                "</g>"]
        return "\n".join(out), grid_top + 60
    peak = max(max(c["occupancy"]) for c in rows)
    for j in range(OCCUPANCY_BINS):
        out.append(svg_text(MAP_LEFT + CELL_W * (j + 0.5), grid_top - 8,
                            "%d-%d%%" % (10 * j, 10 * (j + 1)), 12, "middle"))
    out.append(svg_text(right + 10, grid_top - 8, "pages", 12))
    for i, c in enumerate(rows):
        y = grid_top + i * CELL_H
        out.append(svg_text(MAP_LEFT - 8, y + CELL_H / 2 + 4, class_name(c["size"]), 12, "end"))
        for j, n in enumerate(c["occupancy"]):
            out += svg_cell(MAP_LEFT + j * CELL_W, y, n, peak)
        out.append(svg_text(right + 10, y + CELL_H / 2 + 4, str(c["pages"]), 12))
    bottom = grid_top + len(rows) * CELL_H
    out.append(svg_text((MAP_LEFT + right) / 2, bottom + 24, "page occupancy: share of the "
                        "page's blocks in use (darker = more pages)", 13, "middle"))
    mid = (grid_top + bottom) / 2
    out.append(svg_text(22, mid, "size class", 13, "middle",
                        'transform="rotate(-90 22 %.1f)"' % mid))
    out.append("</g>")
    return "\n".join(out), bottom + 50


def svg_cell(x, y, n, peak):
    # Log shade: one class often has 100x the pages of the next.
    f = math.log1p(n) / math.log1p(peak) if peak else 0
    light, dark = (247, 251, 255), (8, 48, 107)
    fill = "#%02x%02x%02x" % tuple(round(a + (b - a) * f) for a, b in zip(light, dark))
    ink = "#ffffff" if f > 0.55 else ("#bbbbbb" if n == 0 else "#222222")
    return ['<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#cccccc"/>'
            % (x, y, CELL_W, CELL_H, fill),
            svg_text(x + CELL_W / 2, y + CELL_H / 2 + 4, str(n), 12, "middle",
                     'fill="%s"' % ink)]


def write_svg(path, text):
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise InputError("%s: cannot write: %s" % (path, err.strerror or err)) from None


# ---------------------------------------------------------------- main


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one usage line plus one message, status 2."""

    def error(self, message):
        raise UsageError(message)


def parse_args(argv):
    p = Parser(prog=PROG, description="Explain a process's heap from libmallard's NDJSON "
               "snapshots (MALLARD_STATS_FORMAT=json): summary, trends, growth by size class "
               "and a verdict (leak, fragmentation, retention, outside-heap, stable, or "
               "undecided when the snapshots cannot tell them apart).",
               epilog="Exit status: 0 report printed, 1 bad input, 2 bad command line, "
               "3 report printed but the verdict is undecided (too little or too ambiguous "
               "evidence).")
    p.add_argument("file", metavar="FILE", help="NDJSON snapshots of one process ('-': stdin)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--svg", metavar="OUT", help="also draw the totals over time and the "
                   "page-occupancy map into the SVG file OUT")
    p.add_argument("--from", dest="from_s", metavar="SECONDS", type=seconds_arg,
                   help="leave out the snapshots taken less than SECONDS after the process "
                   "started (a warm-up): the trends, growth and verdict start there")
    p.add_argument("--series", action="store_true",
                   help="text output: end with the totals of every snapshot, one line each")
    return p.parse_args(argv)


def seconds_arg(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number of seconds: %r" % text) from None
    if not 0 <= value < 1e9:
        raise argparse.ArgumentTypeError("not in [0, 1e9): %r" % text)
    return value


EXIT_UNDECIDED = 3
USAGE = "usage: %s [-h] [--json] [--svg OUT] [--from SECONDS] [--series] FILE" % PROG


def uptime_s(snap, first):
    """Seconds since the process started (since the first snapshot when the
    writer gave no uptime)."""
    if snap["uptime_ms"] is not None:
        return snap["uptime_ms"] / 1000
    return (snap["time_ms"] - first["time_ms"]) / 1000


def skip_warmup(snapshots, from_s, name):
    """(the snapshots from FROM_S seconds of uptime on, a note or None)."""
    kept = [x for x in snapshots if uptime_s(x, snapshots[0]) >= from_s]
    if not kept:
        raise InputError("%s: no snapshot %s or more after the start (--from); the last is at %s"
                         % (name, duration(from_s), duration(uptime_s(snapshots[-1], snapshots[0]))))
    dropped = len(snapshots) - len(kept)
    note = ("left out the first %d snapshot(s), taken before %s of uptime (--from)"
            % (dropped, duration(from_s))) if dropped else None
    return kept, note


def run(argv):
    args = parse_args(argv)
    snapshots, warnings = read_snapshots(args.file)
    for w in warnings:
        print("%s: %s" % (PROG, w), file=sys.stderr)
    name = "stdin" if args.file == "-" else args.file
    note = None
    if args.from_s is not None:
        snapshots, note = skip_warmup(snapshots, args.from_s, name)
    report = analyse(name, snapshots, warnings)
    if note:
        report["notes"].insert(0, note)
    if args.svg:
        write_svg(args.svg, svg_report(report))
    text = json_report(report) if args.json else text_report(report)
    if args.series and not args.json:
        text += series_text(report)
    sys.stdout.write(text)
    sys.stdout.flush()
    return EXIT_UNDECIDED if report["verdict"] == UNDECIDED else 0


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except UsageError as err:
        print(USAGE, file=sys.stderr)
        print("%s: error: %s" % (PROG, err), file=sys.stderr)
        return 2
    except InputError as err:
        print("%s: %s" % (PROG, err), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (mallard-report ... | head): nothing to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug: still one line, never a traceback
        print("%s: internal error: %s: %s" % (PROG, type(err).__name__, err), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
