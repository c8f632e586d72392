"""svg - hand-written SVG charts of the ratios (no plotting library).

ratio_chart draws one horizontal grouped bar chart: a row per benchmark
(sections per group, geometric means first), a bar per peer allocator from
1.0 to its ratio, on a log2 axis with the 1.0 line drawn. Bars right of the
line: mallard is better (peer / mallard > 1). Each bar has a <title> with
its exact value (a tooltip in a browser).
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
