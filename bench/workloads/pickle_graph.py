#!/usr/bin/env python3
"""pickle_graph.py - pickling and unpickling of object graphs, CPython workload.

    PYTHONMALLOC=malloc python3 pickle_graph.py [--scale F]

Per round: builds an object graph - instances of classes with and without
__slots__, with __getstate__/__setstate__ and __reduce__, dicts, lists,
tuples, sets of ints, bytes, floats, nested containers, shared references
and cycles (a parent link on every node, a registry that refers to the
same objects again, so the memo is exercised) - and pickles it with the
pure-Python pickler (pickle._Pickler: the interpreter runs the whole
pickling loop, one frame and a few temporaries per object, as in
pyperformance's pickle_pure_python) at protocols 2 and 5, unpickles it
with pickle._Unpickler (its stack and memo lists grow by one entry per
object), checks the copy, and does the same once with the C pickler on
the whole graph. The unpickled graphs of the last two rounds are kept
alive; pickles are bytes objects of a few hundred KiB to a few MiB.

Deterministic: random.Random(seed); the pickles' bytes do not depend on
addresses (no sets of objects, no id()), so their CRC goes into the
checksum.
Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.
"""

import io
import pickle
import random
import zlib

import common

NAMES = "ada bela chen dara emil fern gus hana ivo jun kai lia moss nia oto pia".split()


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __getstate__(self):
        return (self.x, self.y)

    def __setstate__(self, state):
        self.x, self.y = state

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


class Money:
    """Pickled through __reduce__ (a callable and its arguments)."""

    def __init__(self, cents, currency):
        self.cents, self.currency = cents, currency

    def __reduce__(self):
        return (Money, (self.cents, self.currency))


class Node:
    """A plain instance: its __dict__ is pickled. Has a parent link (a
    cycle through the children list)."""

    def __init__(self, name, parent, payload):
        self.name = name
        self.parent = parent
        self.children = []
        self.payload = payload
        self.meta = {}


def make_payload(rng, i):
    kind = i % 5
    if kind == 0:
        return {"id": i, "tags": [rng.choice(NAMES) for _ in range(rng.randint(0, 6))],
                "score": round(rng.random() * 100, 3), "ok": rng.random() < 0.5}
    if kind == 1:
        return [Point(rng.randint(-999, 999), rng.randint(-999, 999)) for _ in range(rng.randint(1, 8))]
    if kind == 2:
        return (Money(rng.randrange(10 ** 6), rng.choice(("EUR", "USD"))), "%s-%d" % (rng.choice(NAMES), i))
    if kind == 3:
        return {"blob": bytes(rng.getrandbits(8) for _ in range(rng.randint(8, 200))),
                "ints": frozenset(rng.randrange(1000) for _ in range(rng.randint(0, 10)))}
    return "%s %s %d" % (rng.choice(NAMES), rng.choice(NAMES), rng.randrange(10 ** 9))


def build(rng, n):
    """A random recursive tree of n nodes (each node's parent drawn from
    the nodes before it, fan-out 1-8 at a time: depth about 3 ln n), with
    a registry and links to ancestors."""
    root = Node("root", None, {"n": n})
    nodes = [root]
    i = 1
    while i < n:
        parent = nodes[rng.randrange(len(nodes))]
        for _ in range(rng.randint(1, 8)):
            if i >= n:
                break
            child = Node("%s%d" % (rng.choice(NAMES), i), parent, make_payload(rng, i))
            parent.children.append(child)
            nodes.append(child)
            i += 1
    # shared references: the memo sees these objects again. A peer is an
    # ancestor, which the picklers have memoized before they reach the
    # node (they recurse depth first: a link to an unvisited node could
    # make the recursion as deep as the graph is large)
    for node in nodes[::7]:
        peer = node
        for _ in range(rng.randint(1, 4)):
            peer = peer.parent or peer
        node.meta["peer"] = peer
        node.meta["path"] = tuple(rng.choice(NAMES) for _ in range(3))
    registry = {node.name: node for node in nodes[::3]}
    return {"root": root, "registry": registry, "version": (3, 11), "size": len(nodes)}


def walk(graph):
    """A summary of a graph that does not depend on addresses."""
    count = depth_sum = tags = points = cents = 0
    stack = [(graph["root"], 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        depth_sum += depth
        p = node.payload
        if isinstance(p, dict) and "tags" in p:
            tags += len(p["tags"])
        elif isinstance(p, list):
            points += sum(pt.x - pt.y for pt in p)
        elif isinstance(p, tuple):
            cents += p[0].cents
        for c in node.children:
            stack.append((c, depth + 1))
    return count, depth_sum, tags, points, cents, len(graph["registry"])


def pure_dumps(obj, protocol):
    f = io.BytesIO()
    pickle._Pickler(f, protocol=protocol).dump(obj)
    return f.getvalue()


def pure_loads(data):
    return pickle._Unpickler(io.BytesIO(data)).load()


def one_round(rng, ck, r, n):
    graph = build(rng, n)
    want = walk(graph)
    ck.add(*want)
    kept = None
    for protocol in (2, 5):
        data = pure_dumps(graph, protocol)
        ck.add(protocol, len(data), zlib.crc32(data))
        back = pure_loads(data)
        assert walk(back) == want
        kept = back
        del data, back
    # the C pickler on the same graph, and the pure unpickler on its output
    data = pickle.dumps(graph, protocol=4)
    ck.add(len(data), zlib.crc32(data))
    again = pure_loads(data)
    assert walk(again) == want
    # a list of small independent pickles: many short bytes objects
    parts = [pure_dumps(node.payload, 4) for node in again["registry"].values()]
    ck.add(len(parts), sum(len(p) for p in parts))
    ck.add(sum(1 for p in parts if pickle.loads(p) is not None))
    return kept


def main():
    scale = common.parse_args("pure-Python pickling and unpickling of object graphs")
    rounds = common.count(scale, 4)
    rng = random.Random(515151)
    ck = common.Checksum()
    kept = []  # the last two rounds' unpickled graphs stay alive
    for r in range(rounds):
        kept.append(one_round(rng, ck, r, 1000))
        if len(kept) > 2:
            kept.pop(0)
    ck.add(sum(g["size"] for g in kept))
    common.report(ck, rounds=rounds)


if __name__ == "__main__":
    main()
