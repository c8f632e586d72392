#!/usr/bin/env python3
"""check_header.py [HEADER] - mallard-report's key lists and figure table
match include/mallard.h. TAP on stdout; exit status 1 when a case fails.

include/mallard.h writes each list of snapshot fields once, as an X-macro
(MALLARD_STATS_TOTALS, _CLASS_FIELDS, _SPAN_FIELDS), and defines the
derived figures once (MALLARD_STATS_DIFFERENCES, _FRACTIONS); the C writers
expand them. The Python package diag/mallard_report keeps its own copies
(snapshots.py: TOTALS, REQUIRED_CLASS_KEYS + OPTIONAL_CLASS_KEYS,
SPAN_KEYS, OCCUPANCY_BINS, FORMAT_VERSION; figures.py: DIFFERENCES,
FRACTIONS), which this compares with the header, entry for entry and in
order. It also checks that figures.py computes each derived figure by the
header's rule (clamped differences, fractions of an empty whole) and that
the text summary can name every total.

HEADER (default: $MALLARD_H, else $top_srcdir/include/mallard.h) lets a
test feed it an edited copy of the header, to see it fail. The package is
imported from $top_srcdir/diag (default: this file's ../../diag).
Python 3 standard library only.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("top_srcdir") or os.path.join(HERE, "..", "..")
sys.dont_write_bytecode = True  # the source tree may be read-only (distcheck)
sys.path.insert(0, os.path.join(TOP, "diag"))

from mallard_report import figures, snapshots, text  # noqa: E402 (needs the path above)

# One entry of an X-macro list: X(ident, ..., "what").
ENTRY = re.compile(r'\bX\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)')


def read_header(path):
    """The header's text with every backslash-newline joined."""
    with open(path, encoding="utf-8") as f:
        return f.read().replace("\\\n", " ")


def x_list(header, name):
    """The entries of the X-macro list NAME: tuples (idents..., what); None
    when the header does not define it."""
    m = re.search(r"^[ \t]*#[ \t]*define[ \t]+%s\(X\)(.*)$" % re.escape(name), header, re.M)
    if not m:
        return None
    return [tuple(re.split(r"\s*,\s*", e.group(1))) + (e.group(2),)
            for e in ENTRY.finditer(m.group(1))]


def constant(header, name):
    m = re.search(r"^[ \t]*#[ \t]*define[ \t]+%s[ \t]+(\d+)[ \t]*$" % re.escape(name), header, re.M)
    return int(m.group(1)) if m else None


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def case(self, ok, what, *why):
        self.n += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, what))
        if not ok:
            self.failed += 1
            for line in why:
                print("# " + str(line))

    def same(self, python, header, what):
        """A case: the Python list PYTHON equals the header's HEADER."""
        self.case(python == header, what, "python: %r" % (python,), "header: %r" % (header,))


def names(entries):
    return None if entries is None else tuple(e[0] for e in entries)


def check_keys(tap, h):
    tap.same(snapshots.FORMAT_VERSION, constant(h, "MALLARD_STATS_VERSION"),
             "snapshots.FORMAT_VERSION is MALLARD_STATS_VERSION")
    tap.same(snapshots.TOTALS, names(x_list(h, "MALLARD_STATS_TOTALS")),
             "snapshots.TOTALS is MALLARD_STATS_TOTALS, in order")
    classes = names(x_list(h, "MALLARD_STATS_CLASS_FIELDS"))
    ours = snapshots.REQUIRED_CLASS_KEYS + snapshots.OPTIONAL_CLASS_KEYS
    tap.same(sorted(ours), sorted(classes or ()),
             "REQUIRED_CLASS_KEYS + OPTIONAL_CLASS_KEYS are MALLARD_STATS_CLASS_FIELDS")
    tap.case(classes is not None and len(set(ours)) == len(ours),
             "no class key is both required and optional (and the header has the list)",
             "python: %r" % (ours,))
    tap.same(snapshots.SPAN_KEYS, names(x_list(h, "MALLARD_STATS_SPAN_FIELDS")),
             "snapshots.SPAN_KEYS is MALLARD_STATS_SPAN_FIELDS, in order")
    tap.same(snapshots.OCCUPANCY_BINS, constant(h, "MALLARD_STATS_OCCUPANCY_BINS"),
             "snapshots.OCCUPANCY_BINS is MALLARD_STATS_OCCUPANCY_BINS")


def check_figure_tables(tap, h):
    diffs, fracs = x_list(h, "MALLARD_STATS_DIFFERENCES"), x_list(h, "MALLARD_STATS_FRACTIONS")
    tap.same(list(figures.DIFFERENCES), diffs,
             "figures.DIFFERENCES is MALLARD_STATS_DIFFERENCES (name, plus, minus, what), in order")
    tap.same(list(figures.FRACTIONS), fracs,
             "figures.FRACTIONS is MALLARD_STATS_FRACTIONS (name, part, whole, what), in order")
    measured = set(names(x_list(h, "MALLARD_STATS_TOTALS")) or ()) | {"rss"}
    bad = ["%s: %s" % (row[0], op) for row in (diffs or []) + (fracs or [])
           for op in row[1:3] if op not in measured]
    tap.case(diffs is not None and fracs is not None and not bad,
             "every derived figure is computed from totals and rss", *bad)


def check_rules(tap):
    """figures.derived computes each figure by the header's rule."""
    wrong = []
    for name, plus, minus, _ in figures.DIFFERENCES:
        for a, b, want in ((7, 3, 4), (3, 7, 0), (5, 5, 0)):
            got = figures.derived(dict(measured_values(), **{plus: a, minus: b}))[name]
            if got != want:
                wrong.append("%s with %s=%d, %s=%d: %r, not %r" % (name, plus, a, minus, b, got, want))
    for name, part, whole, _ in figures.FRACTIONS:
        for a, b, want in ((1, 4, 0.75), (5, 4, 0.0), (0, 0, 0.0), (3, 0, 0.0)):
            got = figures.derived(dict(measured_values(), **{part: a, whole: b}))[name]
            if got != want:
                wrong.append("%s with %s=%d, %s=%d: %r, not %r" % (name, part, a, whole, b, got, want))
    tap.case(not wrong, "figures.derived: differences clamped at 0; fractions 0 for an "
             "empty whole or a part above it", *wrong)
    snap = {"rss": 1, "totals": {k: 1 for k in snapshots.TOTALS}}
    keys = set(figures.snapshot_figures(snap))
    want = set(snapshots.TOTALS) | {"rss"} | {r[0] for r in figures.DIFFERENCES + figures.FRACTIONS}
    tap.same(sorted(keys), sorted(want),
             "figures.snapshot_figures: the totals, rss and every derived figure")


def measured_values():
    return dict({k: 0 for k in snapshots.TOTALS}, rss=0)


def main(argv):
    path = (argv[0] if argv else os.environ.get("MALLARD_H")
            or os.path.join(TOP, "include", "mallard.h"))
    try:
        h = read_header(path)
    except (OSError, UnicodeDecodeError) as err:
        print("Bail out! cannot read %s: %s" % (path, err))
        return 1
    tap = Tap()
    print("1..12")
    print("# %s against diag/mallard_report" % path)
    check_keys(tap, h)
    check_figure_tables(tap, h)
    check_rules(tap)
    missing = [k for k in snapshots.TOTALS + ("rss",) if k not in text.TOTAL_MEANINGS]
    tap.case(not missing, "text.TOTAL_MEANINGS names every total and rss", *missing)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
