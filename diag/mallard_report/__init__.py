"""mallard_report - explain a process's heap from libmallard's NDJSON snapshots.

The package behind the mallard-report command (cli.py; `python3 -m
mallard_report` runs it too), and a small API for other Python code, such
as bench/runner, that reads snapshots:

    read_snapshots(path) -> (snapshots, warnings)
        the snapshots of one process in time order, each a dict of checked
        non-negative integers (snapshots.check_snapshot says which keys);
        InputError, with the message mallard-report prints, on bad input.
    analyse(name, snapshots, warnings=None) -> report
        the report: everything mallard-report shows, as one dict. Beside
        json_dict's keys it holds "snapshots" (those analysed: the exit
        teardown left out; the summary is the last of them),
        "all_snapshots" and "teardown" (its first snapshot, or None).
    report_file(path, from_s=None, warn=None) -> report
        read_snapshots and analyse in one, as the command does (from_s:
        --from; warn: called with each warning).
    json_dict(report) -> dict
        the object `mallard-report --json` prints (docs/DIAGNOSTICS.md).
    snapshot_figures(snapshot) -> dict
        a snapshot's totals, rss and every derived figure (DIFFERENCES,
        FRACTIONS: include/mallard.h's lists), by name; takes a raw
        snapshot object too.
    formula(name) -> str
        how a figure is computed, as text: "committed - active".

Modules: snapshots (reading), figures (derived figures, number formats),
thresholds, trends, classes (per-class figures, growth), rules and verdict,
analysis (the report), text, svg, cli. Python 3 standard library only.
"""

from .analysis import analyse, json_dict, report_file
from .figures import DIFFERENCES, FRACTIONS, derived, formula, snapshot_figures
from .snapshots import InputError, read_snapshots
from .thresholds import THRESHOLDS
from .verdict import UNDECIDED

__all__ = ["DIFFERENCES", "FRACTIONS", "THRESHOLDS", "UNDECIDED", "InputError", "analyse",
           "derived", "formula", "json_dict", "read_snapshots", "report_file",
           "snapshot_figures"]
