"""svg - --svg OUT: the totals over time and the page-occupancy map, as SVG.

svg_report() draws analyse()'s report: chart (1), rss, committed, active
and allocated over time (every snapshot, the exit teardown marked), and
chart (2), the last snapshot's pages by fill level, one row per size
class. Plain SVG 1.1 text, no script, no external font or style.
"""

import math

from .figures import MiB, class_name, human, values
from .snapshots import OCCUPANCY_BINS, PROG, InputError

MAP_CLASSES = 16  # rows of the SVG occupancy map
SVG_WIDTH = 900
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'
# Colour and dash per series so the lines stay apart in grey print too.
LINES = (("rss", "#d62728", ""), ("committed", "#ff7f0e", "8 4"),
         ("active", "#1f77b4", ""), ("allocated", "#2ca02c", "3 3"))
PLOT = {"left": 80, "top": 30, "width": 620, "height": 320}  # chart (1), below its title
CELL_W, CELL_H, MAP_LEFT = 62, 24, 110  # chart (2)


def esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def svg_text(x, y, text, size=12, anchor="start", extra=""):
    return '<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s"%s>%s</text>' % (
        x, y, size, anchor, (" " + extra) if extra else "", esc(text))


def svg_line(x1, y1, x2, y2, colour, extra=""):
    return '<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"%s/>' % (
        x1, y1, x2, y2, colour, (" " + extra) if extra else "")


def nice_ticks(hi, target=6):
    """Round tick values from 0 to at least hi (1-2-2.5-5 steps)."""
    hi = hi if hi > 0 else 1
    raw = hi / target
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = int(math.ceil(hi / step - 1e-9))
    return [i * step for i in range(n + 1)]


def tick_label(v):
    return ("%.3f" % v).rstrip("0").rstrip(".")


def svg_report(r):
    """The SVG document of analyse()'s report R, as one string."""
    # The time series shows every snapshot, a teardown one too: it happened.
    totals = svg_totals_chart(r, r["all_snapshots"], top=50)
    occupancy, height = svg_occupancy_map(r["snapshots"][-1], top=50 + 420)
    sm = r["summary"]
    title = "%s: %s, pid %d, verdict: %s" % (PROG, r["file"], sm["pid"], r["verdict"])
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s>'
        % (SVG_WIDTH, height, SVG_WIDTH, height, FONT),
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        svg_text(20, 28, title, 15, extra='font-weight="bold"'),
        totals, occupancy, "</svg>", ""])


def svg_totals_chart(r, snapshots, top):
    """Chart (1): rss, committed, active, allocated over time, in MiB."""
    left, width, height = PLOT["left"], PLOT["width"], PLOT["height"]
    plot_top = top + PLOT["top"]
    t0 = snapshots[0]["time_ms"]
    secs = [(s["time_ms"] - t0) / 1000 for s in snapshots]
    minutes = secs[-1] >= 180  # long runs read better in minutes
    xs = [t / 60 for t in secs] if minutes else secs
    rows = [values(s) for s in snapshots]
    mib = {name: [row[name] / MiB for row in rows] for name, _, _ in LINES}
    xticks = nice_ticks(xs[-1], 8)
    yticks = nice_ticks(max(max(v) for v in mib.values()), 6)

    def px(x):
        return left + width * x / xticks[-1]

    def py(y):
        return plot_top + height - height * y / yticks[-1]

    out = ['<g id="totals">',
           svg_text(20, top + 10, "Totals over time (MiB)", 14, extra='font-weight="bold"')]
    out += svg_grid(xticks, yticks, px, py)
    out += svg_axis_titles(plot_top, "min" if minutes else "s")
    last = values(r["snapshots"][-1])  # the figures the summary gives
    for i, (name, colour, dash) in enumerate(LINES):
        dashes = 'stroke-dasharray="%s"' % dash if dash else ""
        out += svg_series(name, colour, dashes, [(px(x), py(y)) for x, y in zip(xs, mib[name])])
        out += svg_legend(plot_top + 20 + 24 * i, name, colour, dashes, last[name])
    if r["teardown"]:
        out += svg_teardown(px(xs[snapshots.index(r["teardown"])]), plot_top)
    out.append("</g>")
    return "\n".join(out)


def svg_axis_titles(plot_top, unit):
    left, width, height = PLOT["left"], PLOT["width"], PLOT["height"]
    mid = plot_top + height / 2
    return [svg_text(left + width / 2, plot_top + height + 40, "time since the first "
                     "snapshot (%s)" % unit, 13, "middle"),
            svg_text(20, mid, "memory (MiB)", 13, "middle",
                     'transform="rotate(-90 20 %.1f)"' % mid)]


def svg_legend(y, name, colour, dashes, last):
    """One legend entry of chart (1): the line's look, its name, its last value."""
    x = PLOT["left"] + PLOT["width"]
    return [svg_line(x + 20, y, x + 50, y, colour, 'stroke-width="2" ' + dashes),
            svg_text(x + 58, y + 4, "%s (%s)" % (name, human(last)), 12)]


def svg_teardown(x, plot_top):
    """The dashed line where the exit teardown starts, and what it means."""
    right, bottom = PLOT["left"] + PLOT["width"], plot_top + PLOT["height"]
    out = [svg_line(x, plot_top, x, bottom, "#777777", 'stroke-dasharray="4 3"')]
    for dy, text in ((-6, "from the dashed line: exit teardown,"), (10, "left out of the analysis")):
        out.append(svg_text(right + 20, bottom + dy, text, 12, extra='fill="#555555"'))
    return out


def svg_series(name, colour, dashes, points):
    path = " ".join("%.1f,%.1f" % p for p in points)
    out = ['<polyline fill="none" stroke="%s" stroke-width="2" %s points="%s"><title>%s</title>'
           '</polyline>' % (colour, dashes, path, name)]
    if len(points) <= 60:  # dots show where the samples are, while they stay apart
        out += ['<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (x, y, colour)
                for x, y in points]
    return out


def svg_grid(xticks, yticks, px, py):
    left, width, height = PLOT["left"], PLOT["width"], PLOT["height"]
    top = py(yticks[-1])
    out = []
    for v in yticks:
        out.append(svg_line(left, py(v), left + width, py(v), "#dddddd"))
        out.append(svg_text(left - 8, py(v) + 4, tick_label(v), 12, "end"))
    for v in xticks:
        out.append(svg_line(px(v), top, px(v), top + height, "#dddddd"))
        out.append(svg_text(px(v), top + height + 18, tick_label(v), 12, "middle"))
    out.append('<rect x="%d" y="%.1f" width="%d" height="%d" fill="none" stroke="#444444"/>'
               % (left, top, width, height))
    return out


def svg_occupancy_map(snap, top):
    """Chart (2): pages by fill level, one row per class (the most pages)."""
    rows = [c for c in snap["classes"] if c.get("occupancy") and sum(c["occupancy"])]
    rows = sorted(sorted(rows, key=lambda c: -c["pages"])[:MAP_CLASSES], key=lambda c: c["size"])
    grid_top = top + 50
    right = MAP_LEFT + CELL_W * OCCUPANCY_BINS
    out = ['<g id="occupancy">',
           svg_text(20, top + 10, "Page occupancy of the last snapshot (line %d): pages per "
                    "fill level, per size class" % snap["line"], 14, extra='font-weight="bold"')]
    if not rows:
        out += [svg_text(MAP_LEFT, grid_top + 20, "no occupancy data in the last snapshot", 13),
                "</g>"]
        return "\n".join(out), grid_top + 60
    peak = max(max(c["occupancy"]) for c in rows)
    for j in range(OCCUPANCY_BINS):
        out.append(svg_text(MAP_LEFT + CELL_W * (j + 0.5), grid_top - 8,
                            "%d-%d%%" % (10 * j, 10 * (j + 1)), 12, "middle"))
    out.append(svg_text(right + 10, grid_top - 8, "pages", 12))
    for i, c in enumerate(rows):
        out += svg_map_row(grid_top + i * CELL_H, c, peak)
    bottom = grid_top + len(rows) * CELL_H
    out.append(svg_text((MAP_LEFT + right) / 2, bottom + 24, "page occupancy: share of the "
                        "page's blocks in use (darker = more pages)", 13, "middle"))
    mid = (grid_top + bottom) / 2
    out.append(svg_text(22, mid, "size class", 13, "middle",
                        'transform="rotate(-90 22 %.1f)"' % mid))
    out.append("</g>")
    return "\n".join(out), bottom + 50


def svg_map_row(y, c, peak):
    """One row of chart (2): class C's name, a cell per fill level, its pages."""
    right = MAP_LEFT + CELL_W * OCCUPANCY_BINS
    out = [svg_text(MAP_LEFT - 8, y + CELL_H / 2 + 4, class_name(c["size"]), 12, "end")]
    for j, n in enumerate(c["occupancy"]):
        out += svg_cell(MAP_LEFT + j * CELL_W, y, n, peak)
    out.append(svg_text(right + 10, y + CELL_H / 2 + 4, str(c["pages"]), 12))
    return out


def svg_cell(x, y, n, peak):
    # Log shade: one class often has 100x the pages of the next.
    f = math.log1p(n) / math.log1p(peak) if peak else 0
    light, dark = (247, 251, 255), (8, 48, 107)
    fill = "#%02x%02x%02x" % tuple(round(a + (b - a) * f) for a, b in zip(light, dark))
    ink = "#ffffff" if f > 0.55 else ("#bbbbbb" if n == 0 else "#222222")
    return ['<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#cccccc"/>'
            % (x, y, CELL_W, CELL_H, fill),
            svg_text(x + CELL_W / 2, y + CELL_H / 2 + 4, str(n), 12, "middle",
                     'fill="%s"' % ink)]


def write_svg(path, text):
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise InputError("%s: cannot write: %s" % (path, err.strerror or err)) from None
