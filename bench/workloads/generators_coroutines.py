#!/usr/bin/env python3
"""generators_coroutines.py - generators and asyncio coroutines.

    PYTHONMALLOC=malloc python3 generators_coroutines.py [--scale F]

Two halves per round:
- generators: pipelines of chained generator functions and generator
  expressions (filter/map/window/group), `yield from` delegation over a
  recursive tree walk, and send()-driven coroutine-style generators
  (running averages, a tiny state machine); every frame and every
  yielded tuple is a short-lived allocation.
- asyncio: one event loop per round runs thousands of tasks: a producer/
  consumer pipeline over bounded asyncio.Queues, fan-out with gather,
  async generators consumed with `async for`, and futures resolved by
  other tasks. Only asyncio.sleep(0) is used (no timers), so the schedule
  is a fixed FIFO order and the work is the same on every run.

Deterministic: random.Random(seed). Prints `checksum`, `peak_rss_kib`,
`rss_end_kib`.
"""

import asyncio
import itertools
import random

import common


# --- generators ---------------------------------------------------------------

def source(rng, n):
    for i in range(n):
        yield i, rng.randrange(1 << 16)


def windows(it, k):
    buf = []
    for x in it:
        buf.append(x)
        if len(buf) == k:
            yield tuple(buf)
            del buf[0]


def grouped(it, key):
    for k, g in itertools.groupby(it, key):
        yield k, list(g)


def walk(tree, depth=0):
    label, children = tree
    yield depth, label
    for c in children:
        yield from walk(c, depth + 1)


def build_tree(rng, n):
    nodes = [("n0", [])]
    for i in range(1, n):
        child = ("n%d" % i, [])
        nodes[rng.randrange(len(nodes))][1].append(child)
        nodes.append(child)
    return nodes[0]


def averager():
    total = 0
    count = 0
    avg = None
    while True:
        x = yield avg
        if x is None:
            return total, count
        total += x
        count += 1
        avg = total // count


def tokenizer_fsm():
    """Collects runs of digits sent one character at a time."""
    out = []
    cur = []
    while True:
        ch = yield
        if ch is None:
            if cur:
                out.append("".join(cur))
            return out
        if ch.isdigit():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []


def generators_half(rng, ck, n):
    pipe = ((i, v * 3 + 1) for i, v in source(rng, n) if v & 3)
    pipe = (w for w in windows(pipe, 4) if w[0][1] < w[3][1])
    pipe = grouped(pipe, key=lambda w: w[0][1] >> 13)
    acc = 0
    groups = 0
    for k, g in pipe:
        groups += 1
        acc += k * len(g) + sum(w[1][1] for w in g)
    ck.add(acc, groups)

    tree = build_tree(rng, n // 10)
    depths = {}
    for d, label in walk(tree):
        depths[d] = depths.get(d, 0) + len(label)
    ck.add(sorted(depths.items()))

    avg = averager()
    next(avg)
    last = 0
    for i in range(n // 4):
        last = avg.send(rng.randrange(1000))
    try:
        avg.send(None)
    except StopIteration as stop:
        ck.add(stop.value, last)

    fsm = tokenizer_fsm()
    next(fsm)
    text = " ".join(str(rng.randrange(10 ** rng.randint(1, 8))) + "x" for _ in range(n // 20))
    for ch in text:
        fsm.send(ch)
    try:
        fsm.send(None)
    except StopIteration as stop:
        ck.add(len(stop.value), sum(int(s) for s in stop.value) & 0xffffffff)


# --- asyncio -----------------------------------------------------------------

async def producer(q, rng_values, pid):
    for v in rng_values:
        await q.put((pid, v, "item-%d-%d" % (pid, v)))
        if v & 7 == 0:
            await asyncio.sleep(0)
    await q.put(None)


async def consumer(q, results, n_producers):
    done = 0
    while done < n_producers:
        item = await q.get()
        if item is None:
            done += 1
            continue
        pid, v, name = item
        results.append((pid, v * 2, len(name)))
        if v % 5 == 0:
            await asyncio.sleep(0)


async def ticker(n, step):
    for i in range(n):
        yield {"i": i, "v": i * step, "tag": "t%d" % (i % 13)}
        if i % 3 == 0:
            await asyncio.sleep(0)


async def small_job(i, futs):
    await asyncio.sleep(0)
    s = 0
    async for ev in ticker(8 + i % 16, i):
        s += ev["v"]
    futs[i].set_result(s)
    return [s, str(s)]


async def waiter(fut):
    return await fut + 1


async def main_async(rng, ck, n):
    loop = asyncio.get_running_loop()
    q = asyncio.Queue(maxsize=64)
    results = []
    producers = [producer(q, [rng.randrange(100000) for _ in range(n // 8)], p) for p in range(8)]
    await asyncio.gather(consumer(q, results, 8), *producers)
    ck.add(len(results), sum(r[1] for r in results) & 0xffffffff)

    futs = [loop.create_future() for _ in range(n // 4)]
    waiters = [asyncio.ensure_future(waiter(f)) for f in futs]
    jobs = await asyncio.gather(*(small_job(i, futs) for i in range(len(futs))))
    got = await asyncio.gather(*waiters)
    ck.add(sum(j[0] for j in jobs) & 0xffffffff, sum(got) & 0xffffffff)


def main():
    scale = common.parse_args("generators and asyncio coroutines")
    rounds = common.count(scale, 4)
    rng = random.Random(99173)
    ck = common.Checksum()
    for r in range(rounds):
        generators_half(rng, ck, 40000)
        asyncio.run(main_async(rng, ck, 8000))
    common.report(ck, rounds=rounds)


if __name__ == "__main__":
    main()
