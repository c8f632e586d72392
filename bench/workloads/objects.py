#!/usr/bin/env python3
"""objects.py - an object-heavy CPython workload for comparing allocators.

Run it with PYTHONMALLOC=malloc so every object goes through malloc (and so
through the allocator under LD_PRELOAD):

    PYTHONMALLOC=malloc LD_PRELOAD=.../libmallard.so python3 objects.py [--scale F]

(a bare SCALE works too: `objects.py 0.5`, as bench/smoke.sh calls it).
What it does, in rounds (the scale multiplies the number of rounds, default 1.0):
small classes with and without __slots__, dicts of records, lists that grow
and get sorted, string formatting/splitting/joining, json dumps and loads,
generator pipelines, reference cycles for the cyclic collector, and an LRU
cache that keeps a slowly changing set of objects alive for long (the
survivors an interpreter heap is full of).

Deterministic: a fixed-seed random.Random drives everything, nothing depends
on string hashing; the `checksum` line is a CRC of the results, identical for
every allocator; then `peak_rss_kib` and `rss_end_kib` (see common.py).
Takes about 1.5 s with glibc on the development machine.
"""

import json
import random
import zlib
from collections import OrderedDict

import common


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm1(self):
        return abs(self.x) + abs(self.y)


class Slotted:
    __slots__ = ("name", "value", "tags")

    def __init__(self, name, value, tags):
        self.name = name
        self.value = value
        self.tags = tags


class Node:
    """A tree node with a parent back-link: every tree is a reference cycle."""

    def __init__(self, parent, key):
        self.parent = parent
        self.key = key
        self.children = []


WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
         "nu xi omicron pi rho sigma tau upsilon phi chi psi omega").split()


def make_record(rng, i):
    return {
        "id": i,
        "name": "%s-%s-%d" % (rng.choice(WORDS), rng.choice(WORDS), i),
        "score": rng.random() * 100.0,
        "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 6))],
        "pos": {"x": rng.randint(-1000, 1000), "y": rng.randint(-1000, 1000)},
        "active": rng.random() < 0.5,
    }


def records_round(rng, n):
    recs = [make_record(rng, i) for i in range(n)]
    text = json.dumps(recs, sort_keys=True)
    back = json.loads(text)
    back.sort(key=lambda r: (r["score"], r["id"]))
    by_tag = {}
    for r in back:
        for t in r["tags"]:
            by_tag.setdefault(t, []).append(r["id"])
    return zlib.crc32(text.encode()) ^ sum(len(v) for v in by_tag.values())


def objects_round(rng, n):
    pts = [Point(rng.randint(-50, 50), rng.randint(-50, 50)) for _ in range(n)]
    total = sum(p.norm1() for p in pts)
    slotted = [Slotted("s%d" % i, i * 3, (rng.choice(WORDS), i & 7)) for i in range(n)]
    by_name = {s.name: s for s in slotted}
    for i in range(0, n, 3):
        del by_name["s%d" % i]
    return total + sum(s.value for s in by_name.values())


def strings_round(rng, n):
    lines = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 12))]
        lines.append(" ".join(words) + " #%d" % i)
    text = "\n".join(lines)
    counts = {}
    for line in text.split("\n"):
        for w in line.split():
            counts[w] = counts.get(w, 0) + 1
    upper = [w.upper() + "_" + str(c) for w, c in sorted(counts.items())]
    return len(text) + len("".join(upper))


def generators_round(rng, n):
    def numbers():
        for i in range(n):
            yield rng.randint(0, 1 << 20)

    def pairs(it):
        it = iter(it)
        for a in it:
            b = next(it, 0)
            yield (a, b, (a ^ b) & 0xff)

    def keep_odd(it):
        return (t for t in it if t[2] & 1)

    acc = 0
    buckets = [[] for _ in range(16)]
    for a, b, c in keep_odd(pairs(numbers())):
        buckets[c & 15].append((a, b))
        acc += a - b
    return acc + sum(len(b) for b in buckets)


def trees_round(rng, n):
    roots = []
    for t in range(max(1, n // 200)):
        root = Node(None, t)
        frontier = [root]
        for k in range(200):
            parent = frontier[rng.randrange(len(frontier))]
            child = Node(parent, k)
            parent.children.append(child)
            frontier.append(child)
        roots.append(root)
    depth_sum = 0
    for root in roots:
        stack = [(root, 0)]
        while stack:
            node, d = stack.pop()
            depth_sum += d
            stack.extend((c, d + 1) for c in node.children)
    return depth_sum  # the trees are cycles: the collector frees them


def main():
    scale = common.parse_args("object churn: records, classes, strings, json, generators, cycles")
    rounds = max(1, int(12 * scale))
    rng = random.Random(20240611)
    cache = OrderedDict()  # LRU of long-lived survivors
    crc = 0
    for r in range(rounds):
        parts = (
            records_round(rng, 1500),
            objects_round(rng, 6000),
            strings_round(rng, 3000),
            generators_round(rng, 20000),
            trees_round(rng, 4000),
        )
        for i, v in enumerate(parts):
            crc = zlib.crc32(("%d:%d:%d;" % (r, i, v)).encode(), crc)
        # survivors: a few hundred records per round, 3000 at most, LRU order
        for i in range(300):
            key = "k%d" % rng.randrange(6000)
            if key in cache:
                cache.move_to_end(key)
            else:
                cache[key] = make_record(rng, i)
                if len(cache) > 3000:
                    cache.popitem(last=False)
    crc = zlib.crc32(json.dumps(list(cache.items())).encode(), crc)
    print("rounds %d" % rounds)
    print("survivors %d" % len(cache))
    common.report("%08x" % crc)


if __name__ == "__main__":
    main()
