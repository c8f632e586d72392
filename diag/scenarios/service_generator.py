#!/usr/bin/python3
"""service_generator.py - scenario: a Python service leaks through generators.

Run with PYTHONMALLOC=malloc (so every object goes through malloc, and the
allocator under test sees them all) and LD_PRELOAD of the allocator:

    PYTHONMALLOC=malloc python3 diag/scenarios/service_generator.py [--seconds S] [--long] [--close]

A service loop: each tick (10 ms) it polls a fake backend for a page of
records (dicts of strings, lists, numbers), round-trips the page through
JSON as a real client would, builds a summary and drops it all; that is the
churn. Each tick it also starts a poller: a generator that fetches pages and
yields the first record of each. The service takes one result from it and
keeps the generator in its registry of open pollers, never closing it. A
suspended generator's frame keeps its locals alive: here every page the
poller has fetched. So each tick leaves one page (about LEAK_RECORDS / ticks
records: the leak is spread so that a run of any length leaks about the same
total, about 8 MiB) alive for good.

--close: the service closes each poller once it has its result and forgets
it; the frame is cleared, its pages freed, and the leak disappears.

Expected verdict: leak (without --close): `allocated` rises in a straight
line by about 8 MiB over the run; the size classes of small dicts and
strings account for it. With --close: stable, `allocated` flat.
"""

import json
import sys
import time

import service_common  # beside this file: the command line and the tick schedule

LEAK_RECORDS = 9000  # records left alive over a whole run
CHURN_RECORDS = 300  # records built and dropped per tick


class Backend:
    """A fake remote service: pages of records as JSON text."""

    def __init__(self):
        self.served = 0

    def record(self, tick, i):
        self.served += 1
        return {
            "id": f"{tick:08d}-{i:05d}",
            "user": f"user{(tick * 7919 + i) % 100000:05d}",
            "status": ("ok", "retry", "failed")[i % 3],
            "tags": [f"tag{(i + k) % 37}" for k in range(4)],
            "latency_ms": (tick * 31 + i * 17) % 997 / 10.0,
            "message": "event " + "x" * (40 + (i * 13) % 120),
        }

    def fetch(self, tick, count):
        return json.dumps([self.record(tick, i) for i in range(count)])


def poller(backend, tick, page_records):
    """Fetches pages and yields the first record of each. Every page fetched
    stays in `fetched`, a local of this frame, until the generator ends."""
    fetched = []
    page_no = 0
    while True:
        page = json.loads(backend.fetch(tick + page_no, page_records))
        fetched.append(page)
        page_no += 1
        yield page[0]


def churn(backend, tick):
    """One tick's ordinary work: everything it builds is dropped at the end."""
    page = json.loads(backend.fetch(tick, CHURN_RECORDS))
    by_status = {}
    for rec in page:
        by_status.setdefault(rec["status"], []).append(rec["id"])
    summary = {s: len(ids) for s, ids in by_status.items()}
    return len(json.dumps(summary))


def main(argv):
    args = service_common.parse_args("service_generator", __doc__.splitlines()[0], "close each poller once its result is taken", argv)
    ticks = service_common.ticks_of(args.seconds)
    page_records = max(1, round(LEAK_RECORDS / ticks))
    backend = Backend()
    pollers = []  # the registry of open pollers
    results = 0
    start = time.monotonic()
    for tick in range(ticks):
        service_common.wait_for_tick(start, tick)
        churn(backend, tick)
        gen = poller(backend, tick, page_records)
        first = next(gen)
        results += first["id"] != ""
        if args.close:
            gen.close()
        else:
            pollers.append(gen)
        del gen, first
    elapsed = time.monotonic() - start
    held = len(pollers) * page_records
    print(f"service_generator: {ticks} ticks in {elapsed:.1f} s, {results} results, "
          f"{len(pollers)} pollers open holding {held} records"
          f"{' (pollers closed)' if args.close else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
