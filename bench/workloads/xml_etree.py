#!/usr/bin/env python3
"""xml_etree.py - XML parsing and tree processing CPython workload.

    PYTHONMALLOC=malloc python3 xml_etree.py [--scale F]

Per round: builds a catalogue document of a few thousand records as an
ElementTree (SubElement, attributes, text and tails, namespaces),
serializes it (tostring, with and without the XML declaration), parses it
back three ways - fromstring (expat builds the whole tree: one Element, an
attribute dict and a few short strings per node), iterparse over a byte
stream with start/end events, clearing each record once read (the
streaming idiom: elements made and freed in step), and XMLPullParser fed
in chunks - then processes the tree: findall/iterfind with paths and
predicates, attribute and text rewrites, records moved between sections,
subtrees deep-copied, a third of the records removed, and the result
serialized again with indentation. The last two rounds' trees are kept
alive. Element counts in the tens of thousands, strings of a few bytes
to tens of KiB, serialized documents of a few MiB.

Deterministic: random.Random(seed), fixed-digit numbers; attribute order
is insertion order, so the serialized text is the same for every run.
Prints `checksum`, `peak_rss_kib`, `rss_end_kib`.
"""

import copy
import io
import random
import xml.etree.ElementTree as ET
import zlib

import common

NS = "http://example.org/catalogue"
ET.register_namespace("c", NS)
Q = "{%s}" % NS

CATEGORIES = "books music tools garden toys kitchen sport office travel health".split()
WORDS = ("amber brisk cedar dune ember fjord glade harbor iris juniper kestrel lumen "
         "meadow nectar orchid pebble quartz river sable thistle umber velvet willow "
         "yarrow zephyr").split()
CURRENCIES = ("EUR", "USD", "GBP", "JPY")


def phrase(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def build(rng, r, n):
    """A catalogue of n records in len(CATEGORIES) sections."""
    root = ET.Element(Q + "catalogue", {"round": str(r), "version": "1.%d" % (r % 7)})
    sections = {}
    for cat in CATEGORIES:
        sections[cat] = ET.SubElement(root, Q + "section", {"name": cat})
    for i in range(n):
        sec = sections[rng.choice(CATEGORIES)]
        rec = ET.SubElement(sec, "item", {"id": "i%d-%d" % (r, i), "sku": "S%05d" % rng.randrange(100000)})
        ET.SubElement(rec, "title").text = phrase(rng, 2, 6).title()
        price = ET.SubElement(rec, "price", {"currency": rng.choice(CURRENCIES)})
        price.text = "%.2f" % rng.uniform(0.5, 900.0)
        ET.SubElement(rec, "stock").text = str(rng.randint(0, 500))
        tags = ET.SubElement(rec, "tags")
        for t in rng.sample(WORDS, rng.randint(0, 5)):
            ET.SubElement(tags, "tag").text = t
        if rng.random() < 0.3:
            desc = ET.SubElement(rec, "description")
            desc.text = phrase(rng, 10, 80)
            if rng.random() < 0.2:
                em = ET.SubElement(desc, "em")
                em.text = phrase(rng, 1, 3)
                em.tail = " " + phrase(rng, 3, 20)
        if rng.random() < 0.05:
            ET.SubElement(rec, "blob").text = "x" * rng.randint(1000, 40000)
    return root


def iterparse_pass(data):
    """Streams the document, clearing each record once its end is seen."""
    count = total = 0
    depth = 0
    for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if elem.tag == "item":
            count += 1
            p = elem.find("price")
            total += int(round(float(p.text) * 100)) if p is not None else 0
            elem.clear()
    return count, total, depth


def pull_pass(data, chunk):
    """XMLPullParser fed in fixed chunks; counts tags by name."""
    parser = ET.XMLPullParser(events=("end",))
    seen = {}
    for off in range(0, len(data), chunk):
        parser.feed(data[off:off + chunk])
        for _event, elem in parser.read_events():
            seen[elem.tag] = seen.get(elem.tag, 0) + 1
            if elem.tag == "item":
                elem.clear()
    parser.close()
    return sorted(seen.items())


def process(rng, root, ck):
    """Queries and rewrites of a parsed tree."""
    expensive = root.findall(".//item[price]")
    n_exp = 0
    for rec in expensive:
        p = rec.find("price")
        if float(p.text) > 500:
            n_exp += 1
            p.set("band", "high")
    tagged = sum(1 for _ in root.iterfind(".//item/tags/tag"))
    titles = sorted(t.text for t in root.iter("title"))
    ck.add(n_exp, tagged, len(titles), titles[0] if titles else "", titles[-1] if titles else "")

    sections = root.findall(Q + "section")
    # move every fourth record of each section to the next section
    for si, sec in enumerate(sections):
        dest = sections[(si + 1) % len(sections)]
        for rec in list(sec)[::4]:
            sec.remove(rec)
            dest.append(rec)
    # rewrite stock counts and titles
    for st in root.iter("stock"):
        st.text = str(int(st.text) * 3 // 2)
    for t in root.iter("title"):
        t.text = t.text.upper()
    # deep-copied subtrees: a "featured" section
    featured = ET.SubElement(root, Q + "section", {"name": "featured"})
    recs = root.findall(".//item")
    for rec in recs[::50]:
        featured.append(copy.deepcopy(rec))
    # drop a third of the records
    for sec in sections:
        for rec in list(sec)[::3]:
            sec.remove(rec)
    return sum(1 for _ in root.iter("item"))


def one_round(rng, ck, r, n):
    tree = build(rng, r, n)
    data = ET.tostring(tree, encoding="utf-8", xml_declaration=True)
    text = ET.tostring(tree, encoding="unicode")
    ck.add(zlib.crc32(data), len(text))
    del tree, text

    parsed = ET.fromstring(data)
    ck.add(sum(1 for _ in parsed.iter()))
    ck.add(*iterparse_pass(data))
    ck.add(*pull_pass(data, 16384 + r * 1000))

    left = process(rng, parsed, ck)
    ET.indent(parsed, space=" ")
    out = ET.tostring(parsed, encoding="utf-8")
    ck.add(left, zlib.crc32(out))
    return parsed


def main():
    scale = common.parse_args("XML parsing, iterparse and tree processing (xml.etree)")
    rounds = common.count(scale, 5)
    rng = random.Random(707070)
    ck = common.Checksum()
    kept = []  # the last two rounds' processed trees stay alive
    for r in range(rounds):
        kept.append(one_round(rng, ck, r, 1500))
        if len(kept) > 2:
            kept.pop(0)
    ck.add(sum(1 for t in kept for _ in t.iter()))
    common.report(ck, rounds=rounds)


if __name__ == "__main__":
    main()
