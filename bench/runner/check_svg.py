"""check_svg - the charts the bench scripts write are well-formed SVG:

    python3 bench/runner/check_svg.py [--panels N --lines M] FILE...

Each FILE parses as XML with an <svg> root; with --panels, it has N panels
(<g class="panel">, the give-back chart's) of M polylines each. Exit
status 0, or 1 with the first problem on stderr. Run by
bench/run-selftest.sh and bench/purge-selftest.sh.
"""

import argparse
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def problem(path, panels, lines):
    """What is wrong with the chart PATH, or None."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        return f"{path}: {e}"
    if root.tag != NS + "svg":
        return f"{path}: not an SVG document"
    if panels is None:
        return None
    found = [g for g in root.iter(NS + "g") if g.get("class") == "panel"]
    if len(found) != panels or any(len(g.findall(NS + "polyline")) != lines for g in found):
        return f"{path}: not {panels} panels of {lines} lines"
    return None


def main(argv):
    ap = argparse.ArgumentParser(prog="check_svg")
    ap.add_argument("--panels", type=int)
    ap.add_argument("--lines", type=int)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args(argv)
    for path in a.files:
        why = problem(path, a.panels, a.lines)
        if why:
            print(why, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
