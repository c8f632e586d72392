"""progress - one line on stderr per run, with an estimate of the time left.

    [12/180] rep 2 jemalloc python/json_roundtrip 1.23 s 41200 KiB, ETA 3m20s

The estimate: for each run still to come, the mean duration of the runs of
the same benchmark so far (of all runs, for a benchmark not run yet).
"""

import sys


def fmt_duration(s):
    s = int(s + 0.5)
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


class Progress:
    """One line per run: [done/total] what, result, ETA (the mean duration
    of each kind of run so far, times the runs left)."""

    def __init__(self, planned):
        self.planned = list(planned)  # keys of the runs to come, in order
        self.total = len(self.planned)
        self.done = 0
        self.seen = {}

    def line(self, key, what, result, duration):
        self.done += 1
        self.seen.setdefault(key, []).append(duration)
        if key in self.planned:
            self.planned.remove(key)
        all_d = [d for ds in self.seen.values() for d in ds]
        mean_all = sum(all_d) / len(all_d)
        left = sum(sum(self.seen[k]) / len(self.seen[k]) if k in self.seen else mean_all
                   for k in self.planned)
        eta = f", ETA {fmt_duration(left)}" if self.planned else ""
        print(f"[{self.done}/{self.total}] {what} {result}{eta}", file=sys.stderr, flush=True)
