#!/usr/bin/env python3
"""make-fixtures.py OUTDIR - synthetic NDJSON snapshot series for mallard-report's tests.

Writes one file per scenario into OUTDIR, named after the verdict it should
get (the part before the first "-"; short: undecided): leak, leak-teardown,
fragmentation, fragmentation-growing, fragmentation-freed, retention,
retention-bursts, retention-held, outside-heap, stable, stable-warmup,
stable-spike, stable-pinned (steady, a third of its pages' blocks live),
stable-run-pages (steady, run pages holding 24 MiB of free units),
undecided-unclear (a rise within 2-4 times its scatter: leak or
fragmentation?), undecided-warmup (a rise that levels off for the last
third) and short.
Each is a run of 20 snapshots 10 s apart (short: 2 snapshots 0.5 s apart)
of a model heap: size classes in 64 KiB pages, with the page layout, the
occupancy histogram and the totals derived from the live blocks the way
libmallard defines them (docs/DIAGNOSTICS.md). Deterministic: a seeded
random generator adds about 0.5% of noise. Standard library only.
"""

import json
import os
import random
import sys

KiB = 1024
MiB = 1024 * KiB
PAGE = 64 * KiB
PID = 4242
T0_MS = 1764130000000
STEPS = 20
STEP_MS = 10000

# (block size, live blocks at the start): a small interpreter-like heap.
CLASSES = [(16, 60000), (32, 90000), (48, 40000), (64, 30000), (96, 12000),
           (128, 9000), (256, 4000), (512, 2000), (1024, 900), (2048, 300),
           (4096, 120), (8192, 40), (16384, 12), (32768, 4)]
CLASS_LIVE = dict(CLASSES)


def layout(size, live, pages, rng):
    """Live blocks per page: pages are filled fully first, the rest spread at random."""
    bpp = PAGE // size
    pages = max(pages, -(-live // bpp))  # never fewer pages than the blocks need
    full = min(pages, live // bpp) if pages * bpp - live < bpp else 0
    used = [bpp] * full
    rest, slots = live - full * bpp, pages - full
    weights = [rng.random() + 0.2 for _ in range(slots)]
    scale = rest / sum(weights) if slots else 0
    for w in weights:
        used.append(min(bpp, int(w * scale)))
    short = live - sum(used)
    for i in range(len(used)):  # hand out what rounding and the caps left over
        take = min(short, bpp - used[i])
        used[i] += take
        short -= take
    return used, bpp


def class_record(size, live, pages, rng):
    used, bpp = layout(size, live, pages, rng)
    occupancy = [0] * 10
    for u in used:
        occupancy[min(9, 10 * u // bpp)] += 1
    nonempty = sum(1 for u in used if u)
    return {"size": size, "live_blocks": live, "pages": len(used),
            "pages_full": sum(1 for u in used if u == bpp),
            "pages_partial": sum(1 for u in used if 0 < u < bpp),
            "pages_empty": len(used) - nonempty,
            "free_blocks": sum(bpp - u for u in used if 0 < u < bpp),
            "mallocs": live * 3 + 1000, "frees": live * 2 + 1000,
            "requested": int(size * live * 0.86), "active": nonempty * PAGE,
            "occupancy": occupancy}


def snapshot(k, live, pages, retained, outside, huge_bytes, rng, run_free=0):
    """Snapshot k of a run: live/pages per class, bytes held back and outside
    the heap, and free units of run pages (active bytes of no class)."""
    classes = [class_record(size, live[size], pages.get(size, 0), rng) for size, _ in CLASSES]
    large = {"blocks": 20, "bytes": 20 * 256 * KiB, "mallocs": 400}
    huge = {"blocks": 1 if huge_bytes else 0, "bytes": huge_bytes, "mallocs": 3}
    spans = large["bytes"] + huge["bytes"]
    allocated = sum(c["size"] * c["live_blocks"] for c in classes) + spans
    active = sum(c["active"] for c in classes) + spans + run_free
    empty = sum(c["pages_empty"] for c in classes) * PAGE
    metadata = 512 * KiB + 64 * sum(c["pages"] for c in classes)
    committed = active + empty + retained + metadata
    resident = int(committed * 0.97)
    return {"version": 1, "pid": PID, "time_ms": T0_MS + k * STEP_MS,
            "uptime_ms": 2000 + k * STEP_MS, "bits": 64, "rss": resident + outside,
            "totals": {"allocated": allocated,
                       "requested": sum(c["requested"] for c in classes) + spans * 95 // 100,
                       "active": active, "committed": committed, "resident": resident,
                       "mapped": (committed // (4 * MiB) + 3) * 4 * MiB, "metadata": metadata},
            "address_space": {"free": 127 << 40, "largest_free": 120 << 40},
            "large": large, "huge": huge, "classes": classes,
            "future_key": {"ignored": True}}


def noisy(value, rng, share=0.005):
    return max(0, int(value * (1 + rng.uniform(-share, share))))


def run(scenario, steps=STEPS):
    """The snapshots of one scenario: what grows is the scenario's point."""
    rng = random.Random(scenario)
    lines = []
    for k in range(steps):
        live = {size: noisy(n, rng) for size, n in CLASSES}
        pages = {}
        retained, outside, huge = noisy(MiB, rng), noisy(6 * MiB, rng), 0
        run_free = 0
        if scenario == "leak":  # 48 B and 64 B objects are never freed
            live[48] += 20000 * k
            live[64] += 12000 * k
        elif scenario == "fragmentation":  # the same live blocks spread over ever more pages
            for size in (32, 64):
                pages[size] = int(live[size] * size / PAGE * (1 + 0.25 * k))
        elif scenario == "fragmentation-growing":  # the live set grows a little, its pages a lot
            for size in (32, 64):
                live[size] = int(live[size] * (1 + 0.06 * k))
                pages[size] = int(live[size] * size / PAGE * (1 + 0.25 * k))
        elif scenario == "fragmentation-freed":  # most small blocks freed, their pages pinned
            for size in (16, 32, 48, 64):
                pages[size] = int(live[size] * size / PAGE) + 1
                live[size] = int(live[size] * (1 - 0.047 * k))
        elif scenario == "retention":  # freed pages are kept, not purged
            retained = MiB + 2 * MiB * k
        elif scenario == "retention-bursts":  # the same, most late snapshots catching a
            retained = MiB + 2 * MiB * k         # burst of big temporaries in flight: the
            if k >= steps // 3 and k % 3:         # live set's floor stays put
                huge = (8 + k) * MiB
        elif scenario == "retention-held":  # a big idle reserve that stays
            retained = noisy(40 * MiB, rng)
        elif scenario == "outside-heap":  # e.g. thread stacks or another allocator
            outside = 6 * MiB + 3 * MiB * k
        elif scenario == "stable-warmup":  # the working set builds up, then holds
            warm = min(1.0, 0.4 + 0.3 * k)
            live = {size: int(n * warm) for size, n in live.items()}
        elif scenario == "stable-spike" and k == steps - 1:  # one big block at the end
            huge = 16 * MiB
        elif scenario == "stable-pinned":  # survivors hold a third of their pages' blocks
            for size in (64, 128, 256):
                pages[size] = 3 * -(-live[size] * size // PAGE)
        elif scenario == "stable-run-pages":  # run pages hold many free units, steadily
            run_free = noisy(24 * MiB, rng)
        elif scenario == "undecided-unclear":  # live bytes grow, but every 4th snapshot
            for size in (32, 64):                # catches a deep collection: the rise is
                dip = 0.3 if k % 4 == 3 and k > 6 else 0  # within 2-4x its scatter, while
                live[size] += int(CLASS_LIVE[size] * (0.03 * k - dip))  # pages spread
                pages[size] = int(CLASS_LIVE[size] * size / PAGE * (1 + 0.03 * k))
        elif scenario == "undecided-warmup":  # live bytes rise for two thirds of the run,
            for size in (32, 64):             # then level off: a warm-up, or a leak that paused?
                live[size] += int(CLASS_LIVE[size] * 0.5 * min(k, 13) / 13)
        lines.append(snapshot(k, live, pages, retained, outside, huge, rng, run_free))
    return lines


def main(argv):
    if len(argv) != 2:
        print("usage: make-fixtures.py OUTDIR", file=sys.stderr)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    scenarios = ["leak", "fragmentation", "fragmentation-growing", "fragmentation-freed", "retention", "retention-bursts",
                 "retention-held",
                 "outside-heap", "stable", "stable-warmup", "stable-spike", "stable-pinned", "stable-run-pages",
                 "undecided-unclear", "undecided-warmup"]
    for name in scenarios:
        write(os.path.join(outdir, name + ".ndjson"), run(name))
    # A leak whose last two snapshots (an interval one, then the exit report)
    # came after the program freed its heap: both are left out.
    write(os.path.join(outdir, "leak-teardown.ndjson"), torn_leak("leak-teardown", (1, 50), (1, 50)))
    # The same, but the interval snapshot caught the heap half freed: it is
    # under half the one before, and the exit report under half of it.
    write(os.path.join(outdir, "leak-halftorn.ndjson"), torn_leak("leak-halftorn", (2, 5), (1, 50)))
    short = run("stable", steps=2)
    short[1]["time_ms"] = short[0]["time_ms"] + 500
    write(os.path.join(outdir, "short.ndjson"), short)
    return 0


def torn_leak(seed, interval_share, exit_share):
    """The leak series whose last two snapshots, an interval one and the
    exit report, hold the given (numerator, denominator) shares of each
    class's live blocks: the heap freed at exit."""
    snaps = run("leak")
    rng = random.Random(seed)
    for k, (num, den) in ((STEPS - 2, interval_share), (STEPS - 1, exit_share)):
        live = {size: n * num // den for size, n in CLASSES}
        snaps[k] = snapshot(k, live, {}, MiB, 6 * MiB, 0, rng)
    snaps[-2]["trigger"], snaps[-1]["trigger"] = "interval", "exit"
    return snaps


def write(path, snapshots):
    with open(path, "w", encoding="ascii") as f:
        for s in snapshots:
            f.write(json.dumps(s, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
