"""stats - the few statistics bench/run reports.

Pure functions over lists of numbers; no I/O, so check_units.py can test
them. Glossary: spread = (min, max) of the repetitions; ratio = peer
median / mallard median (above 1: mallard faster or smaller); geomean =
the geometric mean of such ratios.
"""

import math


def median(xs):
    """The middle value (the mean of the two middle ones for an even count)."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def quantile(xs, q):
    """Linear interpolation between the order statistics (R's type 7)."""
    s = sorted(xs)
    if not s:
        raise ValueError("quantile of nothing")
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def spread(xs):
    """(min, max)."""
    return min(xs), max(xs)


def ratio(peer, mallard):
    """peer / mallard, or None when either is missing or not positive."""
    if peer is None or mallard is None or peer <= 0 or mallard <= 0:
        return None
    return peer / mallard


def geomean(xs):
    """Geometric mean of the positive values given (None ones are left out);
    None when nothing is left."""
    vals = [x for x in xs if x is not None and x > 0]
    if not vals:
        return None
    return math.exp(sum(math.log(x) for x in vals) / len(vals))
