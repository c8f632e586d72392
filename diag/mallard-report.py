#!/usr/bin/env python3
"""mallard-report - explain a process's heap from libmallard's NDJSON snapshots.

Reads the snapshots one process wrote (MALLARD_STATS_FORMAT=json, one JSON
object per line, format version 1) and prints the summary of the last
snapshot, the trend of each figure, the size classes that account for most
of the growth, and a verdict - leak, fragmentation, retention, outside-heap
or stable, or undecided when the snapshots cannot tell them apart - with
the figures that support it. --json prints the same as one JSON object;
--svg OUT draws the totals over time and a page-occupancy map.
docs/DIAGNOSTICS.md (section "mallard-report") documents the rules and
every threshold.

This file is only the launcher: the code is the package mallard_report
(diag/mallard_report/ in the source tree). Exit status: 0 report printed,
1 bad input, 2 bad command line, 3 verdict "undecided".
Python 3 standard library only.
"""

import os
import sys

# The directory that holds the package mallard_report: this file's own in
# the source tree (python3 diag/mallard-report.py). diag/report.mk makes
# the launchers `make` builds from this file by replacing this line with a
# fixed directory: the source tree's diag/ for the build tree's
# mallard-report, $(pkgdatadir)/python for the installed one.
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# No __pycache__ beside the package: an installed one would be left behind
# by `make uninstall`, and the source tree may be read-only (distcheck).
sys.dont_write_bytecode = True
sys.path.insert(0, PACKAGE_DIR)

try:
    from mallard_report.cli import main
except ImportError as err:  # an install without its package: one line, no traceback
    sys.exit("mallard-report: cannot load the package mallard_report from %s: %s"
             % (PACKAGE_DIR, err))

if __name__ == "__main__":
    sys.exit(main())
