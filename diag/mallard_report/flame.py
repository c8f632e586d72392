"""flame - the live bytes of the sampled sites as a flame graph: the folded
stack text that flamegraph.pl, inferno and speedscope read, and an SVG
drawn here.

Both come from the last analysed snapshot with sites: one folded line per
stack of functions (sites that differ only in the lines of their calls
merge), its frames outermost first joined by ";", then the estimated live
bytes. A site with a Python stack is its Python frames ("file:line in
function") and then the C function that allocated.
"""

from .sites import Symbolizer
from .svg import esc, svg_text, write_svg
from .snapshots import InputError

WIDTH, ROW, LEFT, TOP = 1200, 18, 10, 60
COLOURS = ("#e8743b", "#f2a541", "#f6c85f", "#d95f43", "#eb9b5c")


def last_sites(report):
    """The last analysed snapshot's sites; InputError when none has any."""
    for snap in reversed(report["snapshots"]):
        if snap.get("sites"):
            return snap
    raise InputError("%s: no snapshot has sampled sites (run the program with "
                     "MALLARD_SITES=512k, say)" % report["file"])


def folded_stacks(report):
    """[(frames outermost first, live bytes)], the most bytes first."""
    snap = last_sites(report)
    table = snap["sites"]
    sym = Symbolizer(table["objects"])
    sym.prepare([a for s in table["list"] for a in s["frames"]])
    merged = {}
    for s in table["list"]:
        if s["live_bytes"] > 0:
            if s["py"]:  # the Python stack, then the C function that allocated
                names = list(reversed(s["py"])) + [sym.function(a) for a in s["frames"][:1]]
            else:
                names = [sym.function(a) for a in reversed(s["frames"])]
            frames = tuple(n.replace(";", ":") for n in names) or ("(no frames)",)
            merged[frames] = merged.get(frames, 0) + s["live_bytes"]
    return sorted(merged.items(), key=lambda st: (-st[1], st[0]))


def folded_text(report):
    return "".join("%s %d\n" % (";".join(frames), n) for frames, n in folded_stacks(report))


def flame_tree(stacks):
    """A tree {name: [bytes, children]} merging stacks by common prefix."""
    root = [0, {}]
    for frames, n in stacks:
        node = root
        node[0] += n
        for f in frames:
            node = node[1].setdefault(f, [0, {}])
            node[0] += n
    return root


def flame_svg(report):
    stacks = folded_stacks(report)
    root = flame_tree(stacks)
    depth = max((len(f) for f, _ in stacks), default=0)
    height = TOP + (depth + 1) * ROW + 40
    total = root[0] or 1
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif">' % (WIDTH + 2 * LEFT, height),
           '<rect width="100%" height="100%" fill="#ffffff"/>',
           svg_text(LEFT, 24, "Live bytes by allocation site (estimated from samples): %s, line %d"
                    % (report["file"], last_sites(report)["line"]), 15, extra='font-weight="bold"'),
           svg_text(LEFT, 44, "each box: a function; its width: the live bytes allocated under it; "
                    "callers below, callees above", 12)]
    base = height - 30
    flame_boxes(out, root, 0, LEFT, WIDTH / total, base)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def flame_boxes(out, node, level, x, scale, base):
    """Draws NODE's children at LEVEL (0: the bottom row) from x."""
    for k, (name, (n, children)) in enumerate(sorted(node[1].items(), key=lambda i: -i[1][0])):
        w = n * scale
        y = base - (level + 1) * ROW
        if w >= 1:
            out.append('<g><title>%s: %d bytes</title><rect x="%.1f" y="%d" width="%.1f" height="%d" '
                       'fill="%s" stroke="#ffffff"/>' % (esc(name), n, x, y, w, ROW - 1,
                                                        COLOURS[(level + k) % len(COLOURS)]))
            chars = int((w - 6) / 7)
            if chars >= 3:
                label = name if len(name) <= chars else name[:chars - 2] + ".."
                out.append(svg_text(x + 3, y + ROW - 5, label, 11))
            out.append("</g>")
            flame_boxes(out, [n, children], level + 1, x, scale, base)
        x += w


def write_folded(path, report):
    text = folded_text(report)
    if path == "-":
        return text
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise InputError("%s: cannot write: %s" % (path, err.strerror or err)) from None
    return ""


def write_flame(path, report):
    write_svg(path, flame_svg(report))
