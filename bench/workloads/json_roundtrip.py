#!/usr/bin/env python3
"""json_roundtrip.py - JSON encode/decode CPython workload.

    PYTHONMALLOC=malloc python3 json_roundtrip.py [--scale F]

Per round: generates a batch of nested documents (orders with customers,
line items, addresses, tags, unicode names, floats, nulls), encodes them
compactly and indented (C encoder) and with sort_keys, decodes them back
(C scanner: many small dicts, lists and strings at once), transforms the
decoded trees (totals, re-keying, filtering), and re-encodes; plus one
object_hook/object_pairs_hook pass (a Python callback per object) and the
pure-Python encoder on a slice (JSONEncoder subclass with default()).
Large strings (the encoded text, up to a few MiB) alternate with
thousands of small objects.

Deterministic: random.Random(seed), floats rounded to fixed digits.
Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.
"""

import json
import random
import zlib

import common

FIRST = "Ana Bo Chidi Dana Émile Fatma Gö Hiro Ines Jonas Kári Lena Mío Noor Olu Päivi".split()
LAST = "Abara Bianchi Çelik Dupont Eze García Hoffmann Ito Jansen Kowalski Ngata Øster".split()
SKUS = ["SKU-%04d" % i for i in range(500)]
TAGS = "gift express fragile bulk promo repeat vip export sample returned".split()


class Money:
    __slots__ = ("cents",)

    def __init__(self, cents):
        self.cents = cents


class Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Money):
            return {"$money": o.cents}
        return super().default(o)


def make_order(rng, i):
    n_items = rng.randint(1, 12)
    return {
        "id": i,
        "customer": {
            "name": "%s %s" % (rng.choice(FIRST), rng.choice(LAST)),
            "email": "user%d@example.%s" % (rng.randrange(100000), rng.choice(("com", "org", "net"))),
            "address": {
                "street": "%d %s Street" % (rng.randint(1, 999), rng.choice(LAST)),
                "zip": "%05d" % rng.randrange(100000),
                "geo": [round(rng.uniform(-90, 90), 5), round(rng.uniform(-180, 180), 5)],
            },
            "vip": rng.random() < 0.1,
        },
        "items": [
            {"sku": rng.choice(SKUS), "qty": rng.randint(1, 9),
             "price": round(rng.uniform(0.5, 400.0), 2),
             "note": None if rng.random() < 0.7 else "x" * rng.randint(1, 200)}
            for _ in range(n_items)
        ],
        "tags": rng.sample(TAGS, rng.randint(0, 4)),
        "paid": rng.random() < 0.8,
    }


def pairs_hook(pairs):
    d = dict(pairs)
    if "sku" in d:
        d["line"] = round(d["qty"] * d["price"], 2)
    return d


def one_round(rng, ck, r, n):
    orders = [make_order(rng, r * n + i) for i in range(n)]
    compact = json.dumps(orders, separators=(",", ":"))
    pretty = json.dumps(orders, indent=2, sort_keys=True, ensure_ascii=False)
    ck.add(zlib.crc32(compact.encode()), len(pretty))

    back = json.loads(compact)
    back2 = json.loads(pretty)
    assert back == back2
    # transform
    totals = {}
    by_tag = {}
    for o in back:
        total = round(sum(it["qty"] * it["price"] for it in o["items"]), 2)
        o["total"] = total
        o["items"] = [it for it in o["items"] if it["qty"] > 1]
        totals[str(o["id"])] = total
        for t in o["tags"]:
            by_tag.setdefault(t, []).append(o["id"])
    out = json.dumps({"orders": back, "totals": totals, "by_tag": by_tag}, sort_keys=True)
    ck.add(zlib.crc32(out.encode()), len(totals))

    # hooks: one Python call per object
    hooked = json.loads(compact[: len(compact) // 2].rsplit("},{\"id\"", 1)[0] + "}]",
                        object_pairs_hook=pairs_hook)
    ck.add(len(hooked), round(sum(it["line"] for o in hooked for it in o["items"]), 2))

    # pure-Python encoder path with default()
    slice_ = [{"id": o["id"], "due": Money(int(o["total"] * 100))} for o in back[: n // 4]]
    text = Encoder(indent=1).encode(slice_)
    ck.add(zlib.crc32(text.encode()))
    return back


def main():
    scale = common.parse_args("JSON encode/decode round trips")
    rounds = common.count(scale, 6)
    rng = random.Random(424242)
    ck = common.Checksum()
    archive = []  # keeps the last few rounds' decoded documents alive
    for r in range(rounds):
        archive.append(one_round(rng, ck, r, 1000))
        if len(archive) > 3:
            archive.pop(0)
    ck.add(sum(len(a) for a in archive))
    common.report(ck, rounds=rounds)


if __name__ == "__main__":
    main()
