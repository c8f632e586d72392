#!/usr/bin/env python3
"""dicts_strings.py - dict- and string-heavy CPython workload.

Run with PYTHONMALLOC=malloc (every object through malloc):

    PYTHONMALLOC=malloc python3 dicts_strings.py [--scale F]

Per round: builds a synthetic text (a few thousand lines) from a fixed
vocabulary, tokenises it, counts words and bigrams in dicts, builds an
inverted index (dict of lists), merges and filters dicts with
comprehensions, formats report lines (f-strings, %, str.format, join),
does replace/upper/encode/decode round trips, and deletes a third of the
keys of a large dict (dicts with holes, then rebuilt). Strings and dicts of
every size from a few bytes to hundreds of KiB are made and dropped.

Deterministic: random.Random(seed); nothing iterates a set of str or
depends on the hash seed. Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.
"""

import random

import common

SYLLABLES = ("ka ri to mo na shi ve lo qua zen tir bel fo gu pra sten dro "
             "mi lu xe").split()


def vocabulary(rng, n):
    words = []
    seen = {}
    while len(words) < n:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
        if w not in seen:
            seen[w] = len(words)
            words.append(w)
    return words


def make_text(rng, words, lines):
    out = []
    for i in range(lines):
        k = rng.randint(4, 16)
        # Zipf-ish: low indices more often
        line = " ".join(words[int(len(words) * rng.random() ** 3)] for _ in range(k))
        out.append("%05d: %s." % (i, line.capitalize()))
    return "\n".join(out)


def one_round(rng, words, ck, r):
    text = make_text(rng, words, 2500)
    counts = {}
    bigrams = {}
    index = {}
    for lineno, line in enumerate(text.splitlines()):
        _, _, body = line.partition(": ")
        toks = body.rstrip(".").lower().split()
        prev = None
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
            index.setdefault(t, []).append(lineno)
            if prev is not None:
                key = prev + "|" + t
                bigrams[key] = bigrams.get(key, 0) + 1
            prev = t
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:50]
    ck.add(r, len(counts), len(bigrams), top[:5])

    # dict comprehensions, merges and filters
    rare = {w: c for w, c in counts.items() if c <= 3}
    common_ = {w: c for w, c in counts.items() if c > 3}
    merged = {**rare, **{w: -c for w, c in common_.items()}}
    merged |= {w.upper(): len(lines) for w, lines in index.items() if len(lines) > 20}
    ck.add(len(rare), len(common_), len(merged), sum(merged.values()))

    # holes: delete every third key, then add new ones
    keys = list(bigrams)
    for k in keys[::3]:
        del bigrams[k]
    for i in range(len(keys) // 3):
        bigrams["new%d-%s" % (i, keys[i % len(keys)])] = i
    ck.add(len(bigrams))

    # formatting
    report = []
    for i, (w, c) in enumerate(top):
        report.append(f"{i:3d} {w:<16s} {c:6d} {c / len(counts):8.4f}")
        report.append("{0}:{1}:{2}".format(w, c, ",".join(map(str, index[w][:8]))))
        report.append("%s=%r" % (w, index[w][-3:]))
    blob = "\n".join(report)
    ck.add(blob)

    # replace / translate / encode round trips on the whole text
    t2 = text.replace("ka", "KA").replace("zen", "z-e-n")
    t3 = t2.upper().encode("utf-8")
    t4 = t3.decode("utf-8").lower().encode("utf-16-le").decode("utf-16-le")
    ck.add(len(t2), len(t4), t4[:200].count("z-e-n"))
    pieces = [s[::-1] for s in t4.split(" ") if s]
    ck.add(len("".join(pieces)))

    # dict of dicts: per-first-letter stats
    letters = {}
    for w, c in counts.items():
        d = letters.setdefault(w[0], {"words": 0, "total": 0, "longest": ""})
        d["words"] += 1
        d["total"] += c
        if len(w) > len(d["longest"]) or (len(w) == len(d["longest"]) and w < d["longest"]):
            d["longest"] = w
    ck.add(sorted((k, v["words"], v["total"], v["longest"]) for k, v in letters.items()))
    return counts


def main():
    scale = common.parse_args("dict- and string-heavy code")
    rounds = common.count(scale, 14)
    rng = random.Random(20250101)
    words = vocabulary(rng, 4000)
    ck = common.Checksum()
    keep = {}  # a slowly growing dict of survivors across rounds
    for r in range(rounds):
        counts = one_round(rng, words, ck, r)
        for w, c in counts.items():
            if c == 1:
                keep["r%d:%s" % (r, w)] = w * 3
    ck.add(len(keep), sum(len(v) for v in keep.values()))
    common.report(ck, rounds=rounds, survivors=len(keep))


if __name__ == "__main__":
    main()
