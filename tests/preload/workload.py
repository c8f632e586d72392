"""Allocation-heavy, deterministic workload for tests/preload/python.sh.

Run with PYTHONMALLOC=malloc so every object goes through malloc. Prints
counts and checksums only (no addresses, no timings, no set order), so a
run under LD_PRELOAD=libmallard.so must print exactly what a normal run
prints.
"""
import gc
import hashlib
import json
import sys
import threading
import zlib


def crc(text):
    return zlib.crc32(text.encode("utf-8")) & 0xFFFFFFFF


class Rng:
    """A small LCG: identical streams on every platform and word size."""

    __slots__ = ("state",)

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return self.state >> 33

    def below(self, n):
        return self.next() % n


def dicts_and_lists(rng):
    table = {}
    for i in range(30000):
        key = "k%d" % rng.below(20000)
        table.setdefault(key, []).append(i)
    for key in list(table)[::3]:
        del table[key]
    total = sum(len(v) for v in table.values())
    longest = max(len(v) for v in table.values())
    nested = [[j * i for j in range(i % 17)] for i in range(10000)]
    flat = [x for row in nested for x in row if x % 3]
    return "dicts: keys=%d items=%d longest=%d flat=%d sum=%d" % (
        len(table), total, longest, len(flat), sum(flat) % 1000003)


def sets(rng):
    a = {rng.below(50000) for _ in range(20000)}
    b = {rng.below(50000) for _ in range(20000)}
    words = {"w%05d" % x for x in a ^ b}
    frozen = frozenset(sorted(words)[:1000])
    return "sets: a=%d b=%d and=%d or=%d xor=%d frozen=%d crc=%08x" % (
        len(a), len(b), len(a & b), len(a | b), len(a ^ b), len(frozen),
        crc(",".join(sorted(frozen))))


def strings(rng):
    parts = []
    for i in range(15000):
        n = rng.below(40)
        parts.append("".join(chr(97 + (i + j) % 26) for j in range(n)))
    joined = " ".join(parts)
    split = joined.split()
    upper = joined.upper().replace("A", "<a>")
    formatted = ["{:>8}|{:<6.2f}|{!r}".format(p[:8], len(p) / 3.0, p[:3]) for p in split[:5000]]
    fstrings = [f"{i:05d}:{p[::-1]}" for i, p in enumerate(split[:5000])]
    built = ""
    for p in split[:3000]:
        built += p[:2]
    return "strings: words=%d joined=%d upper=%08x fmt=%08x f=%08x built=%08x" % (
        len(split), len(joined), crc(upper), crc("".join(formatted)), crc("".join(fstrings)),
        crc(built))


def make_tree(rng, depth):
    if depth == 0 or rng.below(5) == 0:
        return rng.below(1000) if rng.below(2) else "leaf-%d" % rng.below(100)
    node = {"id": rng.below(1 << 20), "tags": ["t%d" % rng.below(50) for _ in range(rng.below(4))]}
    node["kids"] = [make_tree(rng, depth - 1) for _ in range(1 + rng.below(4))]
    return node


def json_round_trips(rng):
    digest = hashlib.sha256()
    nodes = 0
    for _ in range(20):
        tree = make_tree(rng, 7)
        text = json.dumps(tree, sort_keys=True)
        back = json.loads(text)
        assert back == tree
        pretty = json.dumps(back, indent=2, sort_keys=True)
        assert json.loads(pretty) == tree
        digest.update(text.encode())
        nodes += text.count('"id"')
    return "json: nodes=%d sha256=%s" % (nodes, digest.hexdigest()[:16])


def generators(rng):
    def fib():
        a, b = 0, 1
        while True:
            yield a
            a, b = b, a + b

    def chunks(seq, n):
        for i in range(0, len(seq), n):
            yield seq[i:i + n]

    fibs = [x % 1000007 for x, _ in zip(fib(), range(3000))]
    sums = sum(sum(c) for c in chunks(fibs, 7))
    squares = sum(x * x for x in range(50000) if x % 7 == 3)
    pipeline = (s.upper() for s in ("x%d" % rng.below(100) for _ in range(20000)) if s.endswith("7"))
    return "generators: fibsum=%d squares=%d pipeline=%d" % (sums, squares, sum(1 for _ in pipeline))


class Slotted:
    __slots__ = ("x", "y", "name")

    def __init__(self, x, y, name):
        self.x, self.y, self.name = x, y, name


class Plain:
    def __init__(self, x, y, name):
        self.x, self.y, self.name = x, y, name
        self.extra = {"n": name, "xy": (x, y)}


def classes_and_sorting(rng):
    objs = []
    for i in range(20000):
        cls = Slotted if i % 2 else Plain
        objs.append(cls(rng.below(1000), rng.below(1000), "o%d" % rng.below(5000)))
    objs.sort(key=lambda o: (o.x, o.y, o.name))
    head = ";".join("%s:%d:%d" % (o.name, o.x, o.y) for o in objs[:200])
    by_name = sorted(objs, key=lambda o: o.name, reverse=True)
    plain = sum(1 for o in objs if isinstance(o, Plain))
    del objs[::2]
    # cycles, left to the collector
    gc.collect()
    gc.disable()
    for i in range(3000):
        a, b = Plain(i, 0, "a"), Plain(0, i, "b")
        a.extra["peer"], b.extra["peer"] = b, a
    collected = gc.collect()
    gc.enable()
    return "classes: plain=%d left=%d head=%08x last=%s cycles_collected=%d" % (
        plain, len(objs), crc(head), by_name[-1].name, collected)


def thread_work(n, out):
    rng = Rng(1000 + n)
    acc = []
    for i in range(8000):
        d = {"i": i, "s": "t%d-%d" % (n, rng.below(1000)), "l": [i] * (i % 9)}
        acc.append(d)
        if len(acc) > 500:
            del acc[:250]
    out[n] = crc(json.dumps(acc[-50:], sort_keys=True))


def threads():
    out = [None] * 4
    ts = [threading.Thread(target=thread_work, args=(n, out)) for n in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return "threads: " + " ".join("%08x" % x for x in out)


def main():
    rng = Rng(20240601)
    for step in (dicts_and_lists, sets, strings, json_round_trips, generators, classes_and_sorting):
        print(step(rng))
    print(threads())
    print("done: python %d.%d, %d-bit" % (sys.version_info[0], sys.version_info[1],
                                          64 if sys.maxsize > 2**32 else 32))


if __name__ == "__main__":
    main()
