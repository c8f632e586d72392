#!/usr/bin/env python3
"""check_sites.py WHAT FILE [ARGS...] - the checks report-sites.sh makes on
mallard-report's output for snapshots with sampled sites.

  ranked BASIS FRAME  FILE is the --json output: "sites" is there, ranked
                      by BASIS (growth, pinned or live) in falling order,
                      shares between 0 and 1 adding up to at most 1, and
                      the first site's frames match the regular
                      expression FRAME; for BASIS pinned, each site's
                      pinned_share_bytes its share of stranded_bytes
  folded SNAPSHOTS    FILE is --folded output: "frame;frame;... BYTES" lines,
                      the bytes adding up to the live bytes of the sites
                      listed in the last snapshot of SNAPSHOTS (NDJSON)
  flame               FILE is the --flame SVG: well-formed XML with a box
                      (rect and title) per function

Prints what is wrong, one line each, or nothing. Python 3 standard library.
"""

import json
import re
import sys
import xml.dom.minidom


def check_ranked(r, basis, frame):
    sr = r.get("sites")
    if not isinstance(sr, dict):
        print("no sites in the report")
        return
    if sr.get("basis") != basis:
        print("sites ranked by %r, expected %r" % (sr.get("basis"), basis))
    ranked = sr.get("ranked") or []
    if not ranked:
        print("no site ranked")
        return
    key = {"growth": "growth_bytes", "pinned": "pinned_bytes", "live": "live_bytes"}[basis]
    values = [e[key] for e in ranked]
    if values != sorted(values, reverse=True) or values[-1] <= 0:
        print("the sites are not in falling order of %s: %r" % (key, values))
    shares = [e["share"] for e in ranked]
    if not all(0 <= s <= 1 for s in shares) or sum(shares) > 1.001:  # (a tiny share rounds to 0)
        print("shares out of range: %r" % shares)
    if basis == "pinned":
        whole = sr.get("stranded_bytes")
        if not isinstance(whole, int) or whole <= 0:
            print("stranded_bytes %r: expected the measured stranded bytes" % whole)
        else:
            wrong = [(e["share"], e.get("pinned_share_bytes")) for e in ranked
                     if abs(e.get("pinned_share_bytes", -1) - e["share"] * whole) > 1]
            if wrong:
                print("pinned_share_bytes is not share x %d: %r" % (whole, wrong[:3]))
    names = ranked[0].get("python", []) + ranked[0]["frames"]
    if not any(re.search(frame, f) for f in names):
        print("no frame of the first site matches %r: %r" % (frame, names))


def check_folded(text, snapshots):
    last = None
    with open(snapshots, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj.get("sites"):
                last = obj
    want = sum(s["live_bytes"] for s in last["sites"]["list"])
    got = 0
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            print("not a folded line: %r" % line)
            return
        got += int(count)
    if got != want:
        print("folded stacks add up to %d bytes, the sites to %d" % (got, want))


def check_flame(path):
    try:
        doc = xml.dom.minidom.parse(path)
    except Exception as err:  # any parse error is the finding
        print("not well-formed XML: %s" % err)
        return
    rects = [r for r in doc.getElementsByTagName("rect") if r.getAttribute("fill") != "#ffffff"]
    titles = doc.getElementsByTagName("title")
    if not rects or len(titles) != len(rects):
        print("%d boxes, %d titles: expected a titled box per function" % (len(rects), len(titles)))


def main(argv):
    what, path = argv[1], argv[2]
    if what == "ranked":
        with open(path, encoding="utf-8") as f:
            check_ranked(json.load(f), argv[3], argv[4])
    elif what == "folded":
        with open(path, encoding="utf-8") as f:
            check_folded(f.read(), argv[3])
    elif what == "flame":
        check_flame(path)
    else:
        print("unknown check %r" % what)


if __name__ == "__main__":
    main(sys.argv)
