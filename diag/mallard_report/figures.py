"""figures - the figures derived from a snapshot, and how numbers are written.

The derived figures are defined once, in include/mallard.h: the lists
MALLARD_STATS_DIFFERENCES and MALLARD_STATS_FRACTIONS, which the C text
writer expands. DIFFERENCES and FRACTIONS below are the same tables, row
for row (tests/diag/check_header.py compares them with the header), and
derived() is the one function that computes them: every figure the report,
its JSON, its SVG and bench/runner show comes from here.

A figure is read from a mapping of names to values: a snapshot's totals
with its rss (values(snapshot)), or a per-class row, which has the same
names for the figures it knows ("allocated", "active").
"""

KiB = 1024
MiB = 1024 * KiB

# X(name, plus, minus, what) of MALLARD_STATS_DIFFERENCES: name = plus - minus
# in bytes, 0 when minus is the larger (figures read while other threads
# allocate may cross for a moment; a negative byte count means nothing).
DIFFERENCES = (
    ("stranded", "active", "allocated", "free blocks stranded in pages in use"),
    ("retention", "committed", "active", "free memory not yet given back"),
    ("not_resident", "committed", "resident",
     "committed bytes not in RAM (purged or never touched)"),
    ("outside_heap", "rss", "resident", "stacks, code, other mappings and allocators"),
)

# X(name, part, whole, what) of MALLARD_STATS_FRACTIONS: name = 1 - part/whole,
# from 0 to 1; 0 when whole is 0, and part counts as whole when it is larger.
FRACTIONS = (
    ("internal_fragmentation", "requested", "allocated", "rounding up to size classes"),
    ("external_fragmentation", "allocated", "active", "free blocks stranded in pages in use"),
)

_DIFFERENCE = {name: (plus, minus) for name, plus, minus, _ in DIFFERENCES}
_FRACTION = {name: (part, whole) for name, part, whole, _ in FRACTIONS}


def values(snap):
    """The measured figures of a snapshot, by name: its totals and "rss".

    Takes a snapshot as read_snapshots returns it or as libmallard wrote it
    (the raw JSON object): both have "rss" and a "totals" object."""
    out = dict(snap["totals"])
    out["rss"] = snap["rss"]
    return out


def difference(vals, plus, minus):
    return max(0, vals[plus] - vals[minus])


def fraction(vals, part, whole):
    # 0.0 (a float, as the report has always printed it) for an empty whole.
    w = vals[whole]
    return 1 - min(vals[part], w) / w if w else 0.0


def figure(vals, name):
    """One derived figure (a name of DIFFERENCES or FRACTIONS) of vals."""
    if name in _DIFFERENCE:
        return difference(vals, *_DIFFERENCE[name])
    return fraction(vals, *_FRACTION[name])


def derived(vals):
    """Every derived figure of vals, by name, in the header's order."""
    return {row[0]: figure(vals, row[0]) for row in DIFFERENCES + FRACTIONS}


def snapshot_figures(snap):
    """The measured figures of a snapshot (totals, rss) and the derived ones."""
    vals = values(snap)
    vals.update(derived(vals))
    return vals


def formula(name):
    """How a figure is computed, as text: "active - allocated",
    "1 - allocated/active"; a measured figure is its own name."""
    if name in _DIFFERENCE:
        return "%s - %s" % _DIFFERENCE[name]
    if name in _FRACTION:
        return "1 - %s/%s" % _FRACTION[name]
    return name


# ---------------------------------------------------------------- numbers


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


def percent(share):
    return "%.1f%%" % (100 * share)


def ratio(num, den):
    return num / den if den else 0.0


def class_name(size):
    """Exact block sizes: "1280 B", "4 KiB", "1 MiB"."""
    if size >= MiB and size % MiB == 0:
        return "%d MiB" % (size // MiB)
    if size >= KiB and size % KiB == 0:
        return "%d KiB" % (size // KiB)
    return "%d B" % size
