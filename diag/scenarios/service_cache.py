#!/usr/bin/python3
"""service_cache.py - scenario: a Python service's bounded cache fragments the heap.

Run with PYTHONMALLOC=malloc (so every object goes through malloc, and the
allocator under test sees them all) and LD_PRELOAD of the allocator:

    PYTHONMALLOC=malloc python3 diag/scenarios/service_cache.py [--seconds S] [--long]

A service loop: each tick (10 ms) it polls a backend endpoint for a page of
BATCH_RECORDS records (dicts of strings, lists, numbers), round-trips it
through JSON as a real client would, and drops it, except that it caches 1
record in KEEP_EVERY of each page. The cache keeps the latest records of
every endpoint the service has polled, within one budget, CACHE_BYTES of
estimated size: when over it, it evicts the oldest record of the endpoint
that holds the most. So the live bytes stay flat. The cache is filled before
the first tick with records of the first endpoint built in a row, so the
live set is flat from the start.

The service moves to a new endpoint every 1/len(SHAPES) of the run (a
phase: 0.37 s in a short run, 15 s with --long). Each endpoint answers with
its own record shape: its payload comes in 1 to 8 strings of 1000 down to
100 characters, so its strings and the dicts holding them are of sizes no
other endpoint uses.

Why the heap fragments: a cached record's objects were allocated among the
63 records dropped around it, so each survivor is stranded in pages that
are otherwise free. Within a phase the next page's objects refill those
holes; a new phase's sizes take fresh pages. The endpoints of past phases
are polled no more, but the cache still holds their latest records, a
shrinking share of the budget: those records came from the phase's last
pages, spread over all of its pages, and pin them. So each phase adds its
pages to `active` while `allocated` stays put.

--close is accepted (as by service_generator.py) and changes nothing.

Expected verdict: fragmentation. `allocated` flat (the interpreter, about
4 MiB, the cache, CACHE_BYTES, and the tick's page in flight); `active`
rising phase by phase, by about 1 MiB each; `rss` follows `active`.
"""

import collections
import itertools
import json
import sys
import time

import service_common  # beside this file: the command line and the tick schedule

BATCH_RECORDS = 256  # records polled per tick
KEEP_EVERY = 64  # one record in KEEP_EVERY is cached
# (strings, characters each) of each endpoint's records: str objects of
# 149-1049 bytes, a different allocator size class for each endpoint.
SHAPES = ((1, 1000), (2, 500), (3, 330), (4, 250), (5, 200), (6, 160), (7, 130), (8, 100))
CACHE_BYTES = 1 << 20  # the cache's budget (estimated sizes)


def record(tick, i, shape):
    """A record with the payload of `shape`: (strings, characters each)."""
    strings, width = shape
    rec = {
        "id": f"{tick:08d}-{i:05d}",
        "user": f"user{(tick * 7919 + i) % 100000:05d}",
        "tags": [f"tag{(i + k) % 37}" for k in range(3)],
        "score": (tick * 31 + i * 17) % 997 / 10.0,
    }
    for k in range(strings):
        rec[f"f{k}"] = chr(97 + (i + k) % 26) * width
    return rec


def size_of(obj):
    """Bytes of obj and what it holds (dicts, lists, strings, numbers)."""
    n = sys.getsizeof(obj)
    if isinstance(obj, dict):
        n += sum(size_of(k) + size_of(v) for k, v in obj.items())
    elif isinstance(obj, list):
        n += sum(size_of(v) for v in obj)
    return n


class Cache:
    """The latest records of each endpoint, under `limit` bytes (estimated)
    in all: over it, the endpoint holding most loses its oldest record."""

    def __init__(self, limit):
        self.limit = limit
        self.queues = {}  # endpoint -> deque of (record, size), oldest first
        self.held = collections.Counter()  # endpoint -> bytes
        self.bytes = 0
        self.evicted = 0

    def put(self, endpoint, rec):
        size = size_of(rec)
        self.queues.setdefault(endpoint, collections.deque()).append((rec, size))
        self.held[endpoint] += size
        self.bytes += size
        while self.bytes > self.limit:
            victim = max(self.held, key=self.held.__getitem__)
            _, old = self.queues[victim].popleft()
            self.held[victim] -= old
            self.bytes -= old
            self.evicted += 1

    def records(self):
        return sum(len(q) for q in self.queues.values())


def poll(tick, shape):
    """One page from the backend, through JSON."""
    text = json.dumps([record(tick, i, shape) for i in range(BATCH_RECORDS)])
    return json.loads(text)


def main(argv):
    args = service_common.parse_args("service_cache", __doc__.splitlines()[0], "accepted; changes nothing here", argv)
    ticks = service_common.ticks_of(args.seconds)
    phase_ticks = -(-ticks // len(SHAPES))
    cache = Cache(CACHE_BYTES)
    for i in itertools.count():
        rec = record(-1, i, SHAPES[0])
        if cache.bytes + size_of(rec) > CACHE_BYTES:
            break
        cache.put(0, rec)
    start = time.monotonic()
    for tick in range(ticks):
        service_common.wait_for_tick(start, tick)
        endpoint = tick // phase_ticks
        page = poll(tick, SHAPES[endpoint])
        for rec in page[::KEEP_EVERY]:
            cache.put(endpoint, rec)
        del page
    elapsed = time.monotonic() - start
    print(f"service_cache: {ticks} ticks in {elapsed:.1f} s, {len(cache.queues)} endpoints, cache "
          f"{cache.records()} records, {cache.bytes / 2**20:.2f} MiB (estimated), {cache.evicted} evicted")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
