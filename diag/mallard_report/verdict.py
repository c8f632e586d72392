"""verdict - the verdict: the first rule that holds, or "undecided".

verdict() runs the three checks of docs/DIAGNOSTICS.md ("Enough evidence")
around the rules of rules.py: enough snapshots; no cause that rests on an
unclear trend (decide() runs the rules once per way of reading the
unclear figures); the same cause without the first third of the run. An
undecided verdict says why, and how long a run would settle it.
"""

import itertools

from .classes import growth_entries
from .figures import duration, human, percent, rate, span_pair
from .rules import RULES, stable_evidence
from .thresholds import THRESHOLDS
from .trends import mark_minor, series, trends

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
    skipped_s, later = later_readings(snapshots)
    later_words = distinct_words(later)
    if word not in later_words:
        return undecided_warmup(word, evidence, later_words, later, skipped_s, span)
    return word, evidence, None


def later_readings(snapshots):
    """(seconds left out, the readings of decide()) for the run without its
    first warmup_share of snapshots."""
    k = int(len(snapshots) * THRESHOLDS["warmup_share"])
    later = snapshots[k:]
    s = series(later)
    _, readings = decide(s, trends(s), growth_entries(later), s["t"][-1])
    return (later[0]["time_ms"] - snapshots[0]["time_ms"]) / 1000, readings


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
    for rule in RULES:
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
