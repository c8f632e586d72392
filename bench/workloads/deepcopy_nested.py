#!/usr/bin/env python3
"""deepcopy_nested.py - copy.deepcopy of nested containers, CPython workload.

    PYTHONMALLOC=malloc python3 deepcopy_nested.py [--scale F]

Per round: builds configuration-like documents (dicts of lists of dicts,
tuples of strings, sets of ints, instances with a __dict__, instances
with __slots__ and __deepcopy__, shared sub-objects referenced from
several places and a few cycles, so the memo dict grows with every object
copied), then deep-copies them again and again - the whole document, one
branch at a time, and a list of many small records - mutating each copy
(as code that snapshots state before editing it does), comparing a few
with the original, and keeping a bounded history of snapshots (the undo
stack of an editor). Every copy is made of small objects of a few sizes,
born together and mostly freed together, while the memo dict and the
history hold larger blocks; as in pyperformance's deepcopy benchmarks,
copy.py's Python code runs for every object.

Deterministic: random.Random(seed), nothing depends on addresses.
Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.
"""

import copy
import random

import common

KEYS = ("host port user timeout retries tls cert mode path level format handlers "
        "filters rules limits weight region zone tier owner").split()


class Setting:
    """A plain instance: deepcopy goes through __reduce_ex__ and copies
    its __dict__."""

    def __init__(self, name, value, tags):
        self.name = name
        self.value = value
        self.tags = tags
        self.history = []


class Range:
    """__slots__ with its own __deepcopy__ (it records the copy in the memo,
    as a well-behaved one must)."""

    __slots__ = ("lo", "hi", "step")

    def __init__(self, lo, hi, step):
        self.lo, self.hi, self.step = lo, hi, step

    def __deepcopy__(self, memo):
        dup = Range(self.lo, self.hi, self.step)
        memo[id(self)] = dup
        return dup


def leaf(rng, shared):
    k = rng.randrange(6)
    if k == 0:
        return rng.randrange(10 ** 6)
    if k == 1:
        return "%s-%d" % (rng.choice(KEYS), rng.randrange(1000))
    if k == 2:
        return round(rng.uniform(-1e3, 1e3), 4)
    if k == 3:
        return (rng.choice(KEYS), rng.randrange(100), rng.random() < 0.5)
    if k == 4:
        return rng.choice(shared)
    return Range(rng.randrange(100), rng.randrange(100, 10000), rng.randint(1, 9))


def tree(rng, depth, shared):
    if depth == 0:
        return leaf(rng, shared)
    k = rng.randrange(4)
    if k == 0:
        return {rng.choice(KEYS) + str(i): tree(rng, depth - 1, shared) for i in range(rng.randint(1, 6))}
    if k == 1:
        return [tree(rng, depth - 1, shared) for _ in range(rng.randint(1, 6))]
    if k == 2:
        return Setting(rng.choice(KEYS), tree(rng, depth - 1, shared),
                       {rng.randrange(64) for _ in range(rng.randint(0, 5))})
    return (tree(rng, depth - 1, shared), leaf(rng, shared))


def document(rng, n):
    shared = [{"name": k, "defaults": list(range(rng.randint(1, 8)))} for k in KEYS]
    doc = {"sections": [tree(rng, 5, shared) for _ in range(n)],
           "shared": shared,
           "records": [{"id": i, "key": rng.choice(KEYS), "vals": [rng.randrange(100) for _ in range(4)]}
                       for i in range(n * 20)]}
    cyc = Setting("cycle", None, set())
    cyc.value = {"self": cyc, "doc_shared": shared}
    doc["cycle"] = cyc
    return doc


def summary(obj):
    """Counts and sums over a structure, iteratively (no addresses)."""
    count = total = 0
    seen = set()
    stack = [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, (dict, list, tuple, Setting)):
            if id(o) in seen:
                continue
            seen.add(id(o))
        count += 1
        if isinstance(o, dict):
            stack.extend(o.values())
            total += len(o)
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, Setting):
            stack.append(o.value)
            total += sum(o.tags) + len(o.history)
        elif isinstance(o, Range):
            total += o.hi - o.lo
        elif isinstance(o, int):
            total += o
        elif isinstance(o, str):
            total += len(o)
    return count, total


def edit(rng, doc, r):
    """Changes a copy the way an editor would: records, sections, settings."""
    recs = doc["records"]
    for rec in recs[::5]:
        rec["vals"].append(r)
        rec["key"] = rec["key"].upper()
    del recs[::9]
    secs = doc["sections"]
    rng.shuffle(secs)
    secs.pop()
    doc["shared"][0]["defaults"].append(r)   # seen through every reference
    doc["cycle"].history.append(r)


def one_round(rng, ck, r, n, history):
    doc = document(rng, n)
    ck.add(*summary(doc))
    # the whole document, several times over: snapshot, then edit
    for i in range(4):
        snap = copy.deepcopy(doc)
        edit(rng, snap, r * 10 + i)
        ck.add(*summary(snap))
        history.append(snap)
        if len(history) > 6:
            history.pop(0)
    # branch by branch: many small deepcopy calls, each with its own memo
    parts = [copy.deepcopy(s) for s in doc["sections"]]
    ck.add(len(parts), sum(summary(p)[0] for p in parts))
    small = [copy.deepcopy(rec) for rec in doc["records"]]
    for rec in small[::3]:
        rec["vals"].reverse()
    ck.add(sum(rec["vals"][0] for rec in small))
    # a shallow copy for contrast, and a copy compared with its original
    flat = copy.copy(doc["records"])
    ck.add(len(flat), copy.deepcopy(doc["records"][:50]) == doc["records"][:50])
    # the cycle survives copying: the copy's self link is the copy
    c = copy.deepcopy(doc["cycle"])
    ck.add(c.value["self"] is c, c is not doc["cycle"])


def main():
    scale = common.parse_args("copy.deepcopy of nested containers")
    rounds = common.count(scale, 6)
    rng = random.Random(616161)
    ck = common.Checksum()
    history = []  # the last six snapshots stay alive
    for r in range(rounds):
        one_round(rng, ck, r, 40, history)
    ck.add(sum(summary(h)[0] for h in history))
    common.report(ck, rounds=rounds)


if __name__ == "__main__":
    main()
