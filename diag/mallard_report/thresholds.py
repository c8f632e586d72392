"""thresholds - every threshold the trends and the verdict use, in one table.

docs/DIAGNOSTICS.md ("Thresholds") explains each one; --json repeats the
table so that a verdict can be reproduced. Nothing else in the package
holds a tuning constant of the analysis.
"""

from .figures import KiB, MiB

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
