#!/usr/bin/env python3
"""frag_cache.py - a fragmentation-prone cache.

    PYTHONMALLOC=malloc python3 frag_cache.py [--scale F]

Allocates a long stream of objects of mixed and shifting sizes (bytes,
str, lists, dicts, tuples, small class instances) and keeps exactly 1 in
64 of them in a bounded cache (a dict keyed by sequence number, oldest
evicted first, 400 entries at most: full from the third phase on); the
other 63 die young, but only after a batch of 256 has been allocated
around the survivor, so every survivor pins memory between freed
neighbours. The size mix changes per phase (small objects, then medium,
then large buffers, then mixed, then small again), which is where
allocators that cannot reuse or return the holes left by one phase for the
next show RSS growth: compare peak_rss_kib and rss_end_kib with the
cache's live bytes printed beside them.

Deterministic: random.Random(seed). Prints `checksum`, `live_bytes`,
`peak_rss_kib`, `rss_end_kib`.
"""

import random
import sys

import common

KEEP_EVERY = 64
CACHE_MAX = 400
BATCH = 256

# (name, min size, max size) per phase; sizes in bytes of payload
PHASES = (
    ("small", 8, 120),
    ("medium", 200, 2000),
    ("large", 4000, 40000),
    ("mixed", 8, 20000),
    ("small-again", 16, 256),
)


class Record:
    def __init__(self, seq, payload, tags):
        self.seq = seq
        self.payload = payload
        self.tags = tags


def make_object(rng, seq, lo, hi):
    size = rng.randint(lo, hi)
    kind = seq % 6
    if kind == 0:
        return bytes((seq + i) & 0xff for i in range(min(size, 64))) * (size // 64 + 1)
    if kind == 1:
        return ("%d:" % seq) * (size // 6 + 1)
    if kind == 2:
        return list(range(seq, seq + size // 8 + 1))
    if kind == 3:
        return {"k%d" % i: i for i in range(size // 48 + 1)}
    if kind == 4:
        return tuple(range(size // 8 + 1))
    return Record(seq, bytearray(size), ("t%d" % (seq % 13),) * (1 + size // 512))


def weight(obj):
    """A size measure that is the same on every allocator (not RSS)."""
    if isinstance(obj, Record):
        return len(obj.payload) + len(obj.tags)
    return len(obj)


def main():
    scale = common.parse_args("fragmentation-prone cache keeping 1 in 64 objects")
    per_phase = common.count(scale, 10000, BATCH)
    rng = random.Random(6464)
    cache = {}
    live = 0
    ck = common.Checksum()
    seq = 0
    for name, lo, hi in PHASES:
        for _ in range(per_phase // BATCH):
            batch = [make_object(rng, seq + i, lo, hi) for i in range(BATCH)]
            for i in range(0, BATCH, KEEP_EVERY):
                j = i + rng.randrange(KEEP_EVERY)
                obj = batch[j]
                cache[seq + j] = obj
                live += weight(obj)
            seq += BATCH
            while len(cache) > CACHE_MAX:
                old = next(iter(cache))
                live -= weight(cache.pop(old))
            # occasionally grow a survivor in place (realloc of a big block)
            victim = cache.get(seq - BATCH + rng.randrange(BATCH))
            if isinstance(victim, list):
                grow = rng.randrange(1, 200)
                victim.extend(range(grow))
                live += grow
            del batch
        assert live == sum(weight(o) for o in cache.values())
        ck.add(name, seq, len(cache), live)
        print("phase %-12s cached %5d live_bytes %d" % (name, len(cache), live))
        sys.stdout.flush()
    ck.add(sum(weight(o) for o in cache.values()))
    common.report(ck, live_bytes=sum(weight(o) for o in cache.values()))


if __name__ == "__main__":
    main()
