#!/bin/sh
# report-header.sh - mallard-report's key lists and derived-figure table match
# include/mallard.h: tests/diag/check_header.py parses the header's X-macro
# lists (MALLARD_STATS_TOTALS, _CLASS_FIELDS, _SPAN_FIELDS, _DIFFERENCES,
# _FRACTIONS) and constants (MALLARD_STATS_VERSION, _OCCUPANCY_BINS) and
# compares them with diag/mallard_report (snapshots.py, figures.py), entry
# for entry; a field added to the header and not to the package fails here.
# Prints TAP. Runs from the source tree too:
#   top_srcdir=. sh tests/diag/report-header.sh
# MALLARD_H, if set, is the header to check instead (an edited copy: the
# test must then fail).

: "${top_srcdir:?run from make check (top_srcdir unset)}"

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi

python3 "$top_srcdir/tests/diag/check_header.py" "${MALLARD_H:-$top_srcdir/include/mallard.h}"
