"""trends - the course of each figure over a run.

series() lays the snapshots out as one list per figure; trend() fits a
least-squares line to one of them and weighs the change by the tests of
docs/DIAGNOSTICS.md ("Trends"), giving it a state: rising, falling, flat,
uneven, unclear, minor or too short. The verdict reads only the states.
"""

import math

from .figures import derived, values
from .snapshots import TOTALS
from .thresholds import THRESHOLDS

# A slope and a middle: the fewest snapshots a trend is computed from (the
# verdict asks for more: min_snapshots).
TREND_MIN_SNAPSHOTS = 3
# The byte figures that get a trend, in the order the report lists them;
# external fragmentation (a fraction) gets one too, with its own thresholds.
TREND_FIGURES = TOTALS + ("rss", "retention", "outside_heap")


def series(snapshots):
    """Times (s since the first snapshot) and every figure the trends and
    the rules follow: the totals, rss and the derived figures."""
    t0 = snapshots[0]["time_ms"]
    out = {"t": [(s["time_ms"] - t0) / 1000 for s in snapshots]}
    rows = [values(s) for s in snapshots]
    for row in rows:
        row.update(derived(row))
    for key in rows[0]:
        out[key] = [row[key] for row in rows]
    out["last_snapshot"] = snapshots[-1]  # the rules' evidence quotes its classes
    return out


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


def median(numbers):
    v = sorted(numbers)
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
    the slope that counts. A change that counts is weighed by four tests
    (trend_tests), each a ratio to its threshold in t["tests"] (1 or more
    passes); trend_state names the state they give.
    """
    slope = fit_line(ts, ys)
    span = ts[-1] - ts[0]
    t = {"slope_per_min": slope * 60, "first": ys[0], "last": ys[-1],
         "mean": sum(ys) / len(ys), "state": "flat", "thirds": None, "tests": None}
    if len(ts) < TREND_MIN_SNAPSHOTS or span <= 0:
        t["state"] = "too short"
        return t
    parts = thirds(ts, ys)
    t["thirds"] = [p[1] for p in parts]  # medians: what the evidence quotes when outliers pull the slope
    if abs(slope) * span <= min_change or abs(slope) * 60 <= min_per_min:
        return t
    tests = trend_tests(ts, ys, slope, parts)
    t["tests"] = {k: round(v, 3) for k, v in tests.items() if v != math.inf}
    t["state"] = trend_state(ts, ys, slope, tests, (min_change, min_per_min))
    return t


def trend_tests(ts, ys, slope, parts):
    """Each test's ratio to its threshold: "scatter" (the fitted change
    against the scatter around the line), "sustained" (the medians of the
    first and last thirds), "floor" (their lowest values; for a fall, their
    highest) and "late" (the medians of the middle and last thirds)."""
    (t1, y1, lo1, hi1), (t2, y2, _, _), (t3, y3, lo3, hi3) = parts
    sign = 1 if slope > 0 else -1
    wanted = THRESHOLDS["sustained_share"] * abs(slope) * (t3 - t1)
    noise = scatter(ts, ys, slope)
    # A rise must lift the floor too (the lowest value of a third: the figure
    # between bursts), a fall the ceiling: snapshots that caught a burst of
    # temporaries in flight are not growth, however many of them there are.
    return {
        "scatter": (abs(slope) * (ts[-1] - ts[0]) / (THRESHOLDS["rise_over_scatter"] * noise)
                    if noise else math.inf),
        "sustained": sign * (y3 - y1) / wanted,
        "floor": sign * ((lo3 - lo1) if sign > 0 else (hi3 - hi1)) / wanted,
        "late": sign * (y3 - y2) / (THRESHOLDS["late_share"] * abs(slope) * (t3 - t2)),
    }


def trend_state(ts, ys, slope, tests, limits):
    """Every test passed: rising (falling). A test failed by more than the
    margin: not a trend - "flat" when it is the scatter (noise), "uneven"
    when the figure's base did not move (the floor stayed: bursts in
    flight) or it levelled off (the later two thirds on their own are flat:
    a warm-up). Anything else is "unclear": neither a trend nor shown not
    to be one, which the verdict must not read either way. limits:
    (min_change, min_per_min) of trend(), for the later two thirds."""
    if min(tests.values()) >= 1:
        return "rising" if slope > 0 else "falling"
    margin = THRESHOLDS["unclear_margin"]
    if tests["scatter"] < margin:
        return "flat"  # the line moves less than the snapshots scatter around it: noise
    if slope <= 0 or tests["floor"] < margin:
        # A fall that is no steady trend is no rise either; a floor that
        # stayed is a live set that returns to its level between bursts.
        return "uneven"
    if tests["late"] < margin:
        k = len(ts) // 3
        later = trend(ts[k:], ys[k:], *limits)
        if later["state"] in ("flat", "falling"):
            return "uneven"  # rose early, then levelled off: a warm-up
    return "unclear"


def trends(s):
    """The trend of every figure of TREND_FIGURES and of external fragmentation."""
    out = {}
    for key in TREND_FIGURES:
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
