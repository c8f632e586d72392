"""svg - hand-written SVG charts (no plotting library).

ratio_chart draws one horizontal grouped bar chart: a row per benchmark
(sections per group, geometric means first), a bar per peer allocator from
1.0 to its ratio, on a log2 axis with the 1.0 line drawn. Bars right of the
line: mallard is better (peer / mallard > 1). Each bar has a <title> with
its exact value (a tooltip in a browser).

line_chart draws small multiples of line charts sharing their axes: a panel
per scenario, a polyline per allocator, dashed reference lines (the give-back
curves of bench/purge-compare). Each line has a <title> naming it.
"""

import math
from xml.sax.saxutils import escape

COLORS = {"glibc": "#7f7f7f", "jemalloc": "#1f77b4", "mimalloc": "#2ca02c",
          "tcmalloc": "#d62728", "mallard": "#ff7f0e"}
EXTRA_COLORS = ("#9467bd", "#8c564b", "#e377c2", "#17becf")

WIDTH = 960
LABEL_W = 300
RIGHT = 70
BAR_H = 7
ROW_GAP = 6
SECTION_H = 22
# the axis spans at most 1/4 to 4: a bar beyond is cut at the edge and
# labelled with its value, so that a few extreme micro-benchmarks do not
# squash the differences of a few per cent everywhere else
MAX_OCTAVES = 2


def _color(alloc, k):
    return COLORS.get(alloc, EXTRA_COLORS[k % len(EXTRA_COLORS)])


def _fmt_tick(v):
    return f"{v:g}"


def ratio_chart(title, subtitle, sections, peers):
    """SECTIONS: [(section title, [(row label, {peer: ratio or None})])].
    Returns the SVG document as a string."""
    vals = [r for _, rows in sections for _, d in rows for r in d.values() if r]
    lo = min(vals + [0.8])
    hi = max(vals + [1.25])
    lo_e = max(math.floor(math.log2(lo)), -MAX_OCTAVES)
    hi_e = min(math.ceil(math.log2(hi)), MAX_OCTAVES)
    x0, x1 = LABEL_W + 34, WIDTH - RIGHT  # 34 px for the value of a bar cut at the left

    def x(v):
        e = min(max(math.log2(v), lo_e), hi_e)
        return x0 + (e - lo_e) / (hi_e - lo_e) * (x1 - x0)

    row_h = max(1, len(peers)) * BAR_H + ROW_GAP
    top = 88
    height = top + sum(SECTION_H + len(rows) * row_h for _, rows in sections) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
           f'<text x="10" y="38" fill="#444">{escape(subtitle)}</text>']
    # legend
    lx = 10
    for k, p in enumerate(peers):
        out.append(f'<rect x="{lx}" y="48" width="12" height="12" fill="{_color(p, k)}"/>')
        out.append(f'<text x="{lx + 16}" y="58">{escape(p)} / mallard</text>')
        lx += 16 + 7 * (len(p) + 10) + 14
    out.append(f'<text x="{x1}" y="58" text-anchor="end" fill="#444">'
               f'\u2190 mallard worse | mallard better \u2192</text>')
    # grid: powers of two (labelled above and below), 1.5 times them (light)
    plot_top, plot_bottom = top - 8, height - 34
    for e in range(lo_e, hi_e + 1):
        for v, minor in ((2.0 ** e, False), (1.5 * 2.0 ** e, True)):
            if minor and e == hi_e:
                continue
            gx = x(v)
            strong = v == 1.0
            colour = "#000" if strong else "#eee" if minor else "#ccc"
            out.append(f'<line x1="{gx:.1f}" y1="{plot_top}" x2="{gx:.1f}" y2="{plot_bottom}" '
                       f'stroke="{colour}" stroke-width="{1.5 if strong else 1}"/>')
            label = _fmt_tick(v)
            size = ' font-size="9" fill="#888"' if minor else ""
            out.append(f'<text x="{gx:.1f}" y="{plot_bottom + 14}" text-anchor="middle"{size}>{label}</text>')
            out.append(f'<text x="{gx:.1f}" y="{plot_top - 2}" text-anchor="middle"{size}>{label}</text>')
    out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{plot_bottom + 28}" text-anchor="middle" fill="#444">'
               f'peer / mallard (log scale)</text>')
    y = top
    one = x(1.0)
    for stitle, rows in sections:
        out.append(f'<text x="10" y="{y + 15}" font-weight="bold">{escape(stitle)}</text>')
        out.append(f'<line x1="10" y1="{y + SECTION_H - 2}" x2="{x1}" y2="{y + SECTION_H - 2}" stroke="#bbb"/>')
        y += SECTION_H
        for label, d in rows:
            short = label if len(label) <= 46 else label[:21] + "\u2026" + label[-24:]
            out.append(f'<text x="{LABEL_W}" y="{y + row_h / 2 + 1:.1f}" text-anchor="end" '
                       f'dominant-baseline="middle">{escape(short)}</text>')
            for k, p in enumerate(peers):
                r = d.get(p)
                by = y + k * BAR_H
                if not r:
                    continue
                bx = x(r)
                left, w = min(one, bx), max(abs(bx - one), 1.0)
                out.append(f'<rect x="{left:.1f}" y="{by}" width="{w:.1f}" height="{BAR_H - 1}" '
                           f'fill="{_color(p, k)}"><title>{escape(f"{label}: {p} / mallard = {r:.3f}")}</title></rect>')
                if r < 2.0 ** lo_e or r > 2.0 ** hi_e:
                    out.append(f'<text x="{bx + (3 if r > 1 else -3):.1f}" y="{by + BAR_H - 0.5}" font-size="8" '
                               f'text-anchor="{"start" if r > 1 else "end"}">{r:.3g}</text>')
            y += row_h
    out.append("</svg>")
    return "\n".join(out) + "\n"


PANEL_H = 190       # plot height of one line-chart panel
PANEL_TOP = 24      # its title above the plot
PANEL_BOTTOM = 40   # tick labels and axis label below the plot
PANEL_LEFT = 48     # y tick labels
PANEL_RIGHT = 16
LINE_W = 2.2        # the last line drawn (the one on top)
LINE_W_STEP = 1.3   # each line drawn before it is this much wider


def _nice_step(span, max_ticks):
    """The smallest of 1, 2, 2.5, 5 times a power of ten that cuts SPAN into
    at most MAX_TICKS steps."""
    if span <= 0:
        return 1
    e = 10 ** math.floor(math.log10(span / max_ticks))
    for m in (1, 2, 2.5, 5, 10):
        if span / (m * e) <= max_ticks:
            return m * e
    return 10 * e


def line_chart(title, subtitle, panels, series, x_max, x_label, y_label,
               y_min_top=100.0, hline=None, vline=None, cols=2):
    """PANELS: [(panel title, {series: [(x, y or None), ...]})], drawn COLS
    to a row, every panel with the same axes: x from 0 to X_MAX, y from 0 to
    the larger of Y_MIN_TOP and the largest y (rounded up to a tick); a y of
    None breaks the line. SERIES: the names in legend order, drawn in that
    order, each line narrower than the one before, so that lines on top of
    each other show as nested stripes. HLINE and VLINE: (value, label) or
    None, a dashed reference line in every panel. Returns the SVG document
    as a string."""
    ys = [y for _, d in panels for pts in d.values() for _, y in pts if y is not None]
    y_top = max([y_min_top] + ys)
    y_step = _nice_step(y_top, 6)
    y_top = math.ceil(y_top / y_step - 1e-9) * y_step
    x_max = max(float(x_max), 1.0)
    x_step = _nice_step(x_max, 6)
    cols = max(1, min(cols, len(panels))) if panels else 1
    rows = max(1, math.ceil(len(panels) / cols))
    top = 78
    panel_w = (WIDTH - 20) / cols
    panel_h = PANEL_TOP + PANEL_H + PANEL_BOTTOM
    height = int(top + rows * panel_h + 10)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>',
           f'<text x="10" y="38" fill="#444">{escape(subtitle)}</text>']
    def width(k):
        return LINE_W + LINE_W_STEP * (len(series) - 1 - k)

    lx = 10
    for k, name in enumerate(series):
        out.append(f'<line x1="{lx}" y1="55" x2="{lx + 18}" y2="55" stroke="{_color(name, k)}" '
                   f'stroke-width="{width(k):.1f}"/>')
        out.append(f'<text x="{lx + 22}" y="59">{escape(name)}</text>')
        lx += 22 + 7 * len(name) + 18
    for i, (ptitle, data) in enumerate(panels):
        px = 10 + (i % cols) * panel_w
        py = top + (i // cols) * panel_h
        x0, x1 = px + PANEL_LEFT, px + panel_w - PANEL_RIGHT
        y0, y1 = py + PANEL_TOP, py + PANEL_TOP + PANEL_H  # y0 top, y1 bottom

        def sx(v, x0=x0, x1=x1):
            return x0 + min(max(v, 0.0), x_max) / x_max * (x1 - x0)

        def sy(v, y0=y0, y1=y1):
            return y1 - min(max(v, 0.0), y_top) / y_top * (y1 - y0)

        room = int((x1 - x0 + PANEL_LEFT - 12) / 6.6)  # about 6.6 px a character, bold
        short = ptitle if len(ptitle) <= room else ptitle[:room - 1] + "\u2026"
        out.append(f'<g class="panel"><text x="{px + 12:.1f}" y="{py + 15}" font-weight="bold">'
                   f'{escape(short)}<title>{escape(ptitle)}</title></text>')
        t = 0.0
        while t <= y_top + 1e-9:
            gy = sy(t)
            out.append(f'<line x1="{x0}" y1="{gy:.1f}" x2="{x1:.1f}" y2="{gy:.1f}" stroke="{"#888" if t == 0 else "#e4e4e4"}"/>')
            out.append(f'<text x="{x0 - 4}" y="{gy + 4:.1f}" text-anchor="end" fill="#444">{_fmt_tick(t)}</text>')
            t += y_step
        t = 0.0
        while t <= x_max + 1e-9:
            gx = sx(t)
            out.append(f'<line x1="{gx:.1f}" y1="{y0}" x2="{gx:.1f}" y2="{y1}" stroke="{"#888" if t == 0 else "#e4e4e4"}"/>')
            out.append(f'<text x="{gx:.1f}" y="{y1 + 14}" text-anchor="middle" fill="#444">{_fmt_tick(t)}</text>')
            t += x_step
        out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{y1 + 30}" text-anchor="middle" fill="#444">{escape(x_label)}</text>')
        out.append(f'<text transform="translate({px + 12:.1f},{(y0 + y1) / 2:.1f}) rotate(-90)" '
                   f'text-anchor="middle" fill="#444">{escape(y_label)}</text>')
        if hline is not None and 0 <= hline[0] <= y_top:
            hy = sy(hline[0])
            out.append(f'<line class="hline" x1="{x0}" y1="{hy:.1f}" x2="{x1:.1f}" y2="{hy:.1f}" '
                       f'stroke="#000" stroke-dasharray="5,4"/>')
            out.append(f'<text x="{x1 - 2:.1f}" y="{hy - 3:.1f}" text-anchor="end" font-size="10">{escape(hline[1])}</text>')
        if vline is not None and 0 <= vline[0] <= x_max:
            vx = sx(vline[0])
            out.append(f'<line class="vline" x1="{vx:.1f}" y1="{y0}" x2="{vx:.1f}" y2="{y1}" '
                       f'stroke="#000" stroke-dasharray="5,4"/>')
            out.append(f'<text x="{vx + 3:.1f}" y="{y0 + 0.45 * (y1 - y0):.1f}" font-size="10" '
                       f'stroke="white" stroke-width="3" paint-order="stroke">{escape(vline[1])}</text>')
        for k, name in enumerate(series):
            pts = data.get(name)
            if not pts:
                continue
            runs, cur = [], []
            for x, y in pts:
                if y is None:
                    if cur:
                        runs.append(cur)
                    cur = []
                else:
                    cur.append(f"{sx(x):.1f},{sy(y):.1f}")
            if cur:
                runs.append(cur)
            for run in runs:
                out.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{_color(name, k)}" '
                           f'stroke-width="{width(k):.1f}" stroke-linejoin="round">'
                           f'<title>{escape(f"{ptitle}: {name}")}</title></polyline>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
