"""check_purge - checks of bench/runner/purge_report.py and svg.line_chart
on synthetic bench/purge outputs whose table, verdicts and chart are known:
the rows and cells of table.txt, the verdicts against delay + 1000 ms (the
bound is inclusive; a timeline that never drops is FAIL; first_under_10pct_ms
computed when an older output lacks it), --check's exit status, the
markdown tables, and the SVG: well-formed, a panel per mode, a line per
allocator with a point per sample, the 10 % and delay + 1 s lines where
they belong on the axes.

    python3 bench/runner/check_purge.py     (exit 0, or the failed check)

Run by bench/purge-selftest.sh (make check).
"""

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runner import purge_report, svg  # noqa: E402

NS = "{http://www.w3.org/2000/svg}"
MIB = 1024


def write_run(d, mode, alloc, curve, trim=1536, first_key=True, say_mode=None):
    """CURVE: RSS in KiB every 100 ms from t=0; the peak is 100 MiB."""
    peak = 100 * MIB
    lines = [f"mode {say_mode or mode}", "allocated_kib 99000", "blocks 1000", "rss_start_kib 1500",
             f"rss_full_kib {peak}", f"peak_rss_kib {peak}", f"rss_after_free_kib {curve[0]}"]
    lines += [f"rss_kib_t{i * 100} {v}" for i, v in enumerate(curve)]
    if first_key:
        fu = next((i * 100 for i, v in enumerate(curve) if v * 10 < peak), -1)
        lines.append(f"first_under_10pct_ms {fu}")
    lines += ["trim_returned 1", f"rss_after_trim_kib {trim}"]
    with open(os.path.join(d, f"{mode}-{alloc}.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def drop_at(ms, low=5 * MIB, n=21):
    return [100 * MIB if i * 100 < ms else low for i in range(n)]


def make_dir(root, name, modes, params=True):
    d = os.path.join(root, name)
    os.mkdir(d)
    flat = [100 * MIB] * 21
    if "idle" in modes:
        write_run(d, "idle", "glibc", flat, trim=3 * MIB)
        write_run(d, "idle", "mallard", drop_at(300))
    if "quiet" in modes:
        write_run(d, "quiet", "glibc", flat)
        # an older output, without first_under_10pct_ms; exactly 10 % is not under it
        write_run(d, "quiet", "jemalloc", drop_at(700)[:5] + [10 * MIB, 10 * MIB] + drop_at(700)[7:],
                  first_key=False)
        write_run(d, "quiet", "mallard", drop_at(1200))
    if "remote" in modes:  # 5 s
        write_run(d, "remote", "glibc", [100 * MIB] * 51)
        write_run(d, "remote", "mallard", [100 * MIB] * 50 + [20 * MIB])
    # neither a failed run nor a stray file is read
    with open(os.path.join(d, "idle-tcmalloc.txt.failed"), "w") as f:
        f.write("garbage\n")
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("not a run\n")
    if params:
        with open(os.path.join(d, "params.txt"), "w") as f:
            f.write("bits 64\nmib 100\nseconds 2\ndelay_ms 100\nmodes " + ",".join(modes)
                    + "\nallocators glibc,jemalloc,mallard\nhost x86_64, 2 CPUs\n"
                    "date 2024-01-01 00:00 UTC\ncommand bench/purge-compare --mib 100 --seconds 2\n")
    return d


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = purge_report.main(argv)
        except SystemExit as e:  # argparse
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


def sections(text):
    """{mode: [lines of its table, up to the verdict]}"""
    secs, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"== (\w+):", line)
        if m:
            cur = secs.setdefault(m.group(1), [])
        elif cur is not None:
            if not line.strip():
                cur = None
            else:
                cur.append(line)
    return secs


def cells(sec, label):
    """The cells of the row LABEL (the columns are at least two spaces apart)."""
    rows = [re.split(r"\s{2,}", line.strip())[1:] for line in sec
            if re.split(r"\s{2,}", line.strip())[0] == label]
    assert len(rows) == 1, (label, sec)
    return rows[0]


def check_table(d):
    rc, out, err = run([d])
    assert rc == 0, (rc, err)
    with open(os.path.join(d, "table.txt")) as f:
        assert f.read() == out, "table.txt is not what was printed"
    secs = sections(out)
    assert list(secs) == ["idle", "quiet", "remote"], list(secs)
    assert secs["idle"][0].split() == ["glibc", "mallard"], secs["idle"][0]
    assert secs["quiet"][0].split() == ["glibc", "jemalloc", "mallard"], secs["quiet"][0]
    idle = secs["idle"]
    assert cells(idle, "peak") == ["100.0", "100.0"]
    assert cells(idle, "t=0, right after the free") == ["100.0", "100.0"]
    assert cells(idle, "0.5 s after the free") == ["100.0", "5.0"]
    assert cells(idle, "1 s after the free") == ["100.0", "5.0"]
    assert cells(idle, "1.1 s after the free (delay + 1 s)") == ["100.0", "5.0"]
    assert cells(idle, "2 s after the free") == ["100.0", "5.0"]
    assert cells(idle, "after malloc_trim(0)") == ["3.0", "1.5"]
    assert cells(idle, "first < 10 % of peak (ms)") == ["never", "300"]
    assert idle[-1] == "mallard: under 10 % of peak at 300 ms (bound: delay+1000 = 1100 ms) - PASS", idle[-1]
    q = secs["quiet"]
    assert cells(q, "first < 10 % of peak (ms)") == ["never", "700", "1200"]
    assert cells(q, "1.1 s after the free (delay + 1 s)") == ["100.0", "5.0", "100.0"]
    assert q[-1] == "mallard: under 10 % of peak at 1200 ms (bound: delay+1000 = 1100 ms) - FAIL", q[-1]
    r = secs["remote"]
    assert r[-1] == "mallard: not under 10 % of peak within 5000 ms (bound: delay+1000 = 1100 ms) - FAIL", r[-1]
    assert cells(r, "5 s after the free") == ["100.0", "20.0"]
    assert not [line for line in q if line.startswith("5 s")]
    # the whole timeline of each mode
    for mode, n in (("idle", 21), ("quiet", 21), ("remote", 51)):
        tl = re.search(rf"timeline of {mode} .*?\n((?:t=.*\n)+)", out)
        assert tl and len(tl.group(1).splitlines()) == n, mode
        assert tl.group(1).splitlines()[-1].startswith(f"t={(n - 1) * 100} ")
    assert re.search(r"verdicts:\n  idle .* PASS\n  quiet .* FAIL\n  remote .* FAIL\n", out), out[-400:]

    # --check: mallard fails quiet and remote
    rc, _, err = run(["--check", d])
    assert rc == 1 and "quiet,remote" in err, (rc, err)
    # the bound is inclusive: 1200 ms passes with a 200 ms delay
    rc, out, _ = run(["--delay-ms", "200", "--modes", "quiet", d])
    assert rc == 0 and list(sections(out)) == ["quiet"]
    q = sections(out)["quiet"]
    assert q[-1].endswith("at 1200 ms (bound: delay+1000 = 1200 ms) - PASS"), q[-1]
    assert cells(q, "1.2 s after the free (delay + 1 s)") == ["100.0", "5.0", "5.0"]
    rc, out, _ = run(["--delay-ms", "150", "--modes", "quiet", d])
    assert cells(sections(out)["quiet"], "1.2 s after the free (past delay + 1 s)")
    rc, _, err = run(["--check", "--modes", "idle", d])
    assert rc == 0, (rc, err)
    rc, _, err = run(["--check", "--modes", "idle", "--allocators", "glibc", d])
    assert rc == 1 and "not measured" in err, (rc, err)


def check_markdown(d):
    with open(os.path.join(d, "report.md")) as f:
        md = f.read()
    for s in ("# Give-back curves, 64-bit", "MALLARD_PURGE_DELAY_MS=100", "1100 ms",
              "x86_64, 2 CPUs", "2024-01-01", "bench/purge-compare --mib 100 --seconds 2",
              "![give-back curves", "(purge-64.svg)", "| idle | 300 ms | PASS |",
              "| quiet | 1200 ms | **FAIL** |", "| remote | never | **FAIL** |",
              "| peak | 100.0 | 100.0 |", "| first < 10 % of peak (ms) | never | 300 |",
              "no result (the run failed: see <mode>-<allocator>.err): jemalloc in idle, jemalloc in remote"):
        assert s in md, s
    # every row of a table has as many cells as its header
    width = None
    for line in md.splitlines():
        if line.startswith("|"):
            n = line.count("|")
            if width is None:
                width = n
            assert n == width, line
        else:
            width = None
    assert md.count("<details>") == md.count("</details>") == 3
    # the condensed timeline: every 100 ms to 2 s, then every 500 ms
    remote = md[md.index("## remote"):]
    ts = [int(m) for m in re.findall(r"^\| (\d+) \|", remote, re.M)]
    assert ts == list(range(0, 2001, 100)) + list(range(2500, 5001, 500)), ts
    assert "| 5000 | 100.0 | 20.0 |" in remote


def points(poly):
    return [tuple(map(float, p.split(","))) for p in poly.get("points").split()]


def check_svg(d):
    root = ET.parse(os.path.join(d, "purge-64.svg")).getroot()
    assert root.tag == NS + "svg", root.tag
    panels = [g for g in root.iter(NS + "g") if g.get("class") == "panel"]
    assert len(panels) == 3, len(panels)
    texts = "".join("".join(t.itertext()) for t in root.iter(NS + "text"))
    for name in ("glibc", "jemalloc", "mallard", "idle", "quiet", "remote", "10 % of peak",
                 "delay + 1 s = 1100 ms", "ms after the free"):
        assert name in texts, name
    for g, n in zip(panels, (2, 3, 2)):
        polys = g.findall(NS + "polyline")
        assert len(polys) == n, (len(polys), n)
        for p in polys:
            pts = points(p)
            assert len(pts) == (51 if g is panels[2] else 21) and all(a[0] < b[0] for a, b in zip(pts, pts[1:])), p.get("points")
        hl = [e for e in g.iter(NS + "line") if e.get("class") == "hline"]
        vl = [e for e in g.iter(NS + "line") if e.get("class") == "vline"]
        assert len(hl) == 1 and len(vl) == 1
        # the y scale: 100 % (glibc, flat), 10 % (the dashed line), 5 % (mallard late)
        glibc, mallard = points(polys[0]), points(polys[-1])
        y100, y10 = glibc[0][1], float(hl[0].get("y1"))
        grid = {round(float(e.get("y1")), 1) for e in g.iter(NS + "line")
                if e.get("y1") == e.get("y2") and e.get("class") is None}
        assert round(y100, 1) in grid, (y100, grid)  # 100 % is on the gridline of the tick 100
        if g is panels[0]:
            y5 = mallard[-1][1]
            assert abs((y5 - y100) / (y10 - y100) - 95 / 90) < 0.01, (y5, y10, y100)
            assert abs(mallard[2][1] - y100) < 0.01 and mallard[3][1] > y10  # down at t=300
        # the x scale: the delay + 1 s line is at the 1100 ms sample, the axis ends at 5 s
        assert abs(float(vl[0].get("x1")) - glibc[11][0]) < 0.11, (vl[0].get("x1"), glibc[11])
        xs = sorted({round(float(e.get("x1")), 1) for e in g.iter(NS + "line")
                     if e.get("x1") == e.get("x2") and e.get("class") is None})
        assert len(xs) == 6 and abs(glibc[10][0] - (xs[0] + (xs[1] - xs[0]) * 1.0)) < 0.11, (xs, glibc[10])


def check_errors(root):
    rc, _, err = run([os.path.join(root, "no-such-dir")])
    assert rc == 2 and "no such directory" in err, (rc, err)
    d = make_dir(root, "noparams", ["idle"], params=False)
    rc, _, err = run([d])
    assert rc == 2 and "--bits" in err, (rc, err)
    rc, out, _ = run(["--bits", "32", d])
    assert rc == 0 and "32-bit" in out and os.path.exists(os.path.join(d, "purge-32.svg"))
    e = os.path.join(root, "empty")
    os.mkdir(e)
    rc, _, err = run(["--bits", "64", e])
    assert rc == 2 and "no <mode>-<allocator>.txt" in err, (rc, err)
    rc, _, err = run(["--bits", "64", "--modes", "idle,bogus", d])
    assert rc == 2 and "unknown mode 'bogus'" in err, (rc, err)
    m = os.path.join(root, "mismatch")
    os.mkdir(m)
    write_run(m, "idle", "glibc", [1] * 3, say_mode="quiet")
    rc, _, err = run(["--bits", "64", m])
    assert rc == 2 and "mode quiet" in err, (rc, err)


def check_line_chart():
    doc = svg.line_chart("t <&>", "s&", [("a <b>", {"x&y": [(0, 50.0), (100, None), (200, 130.0), (300, 20.0)],
                                                    "mallard": [(0, 100.0)]})],
                         ["x&y", "mallard", "nothing"], 300, "ms", "%", hline=(10, "10 %"), vline=(5000, "off"))
    root = ET.fromstring(doc)
    polys = list(root.iter(NS + "polyline"))
    assert len(polys) == 3, len(polys)  # x&y broken in two by the None, mallard one point
    assert not [e for e in root.iter(NS + "line") if e.get("class") == "vline"]  # past the x axis: not drawn
    ticks = [t.text for t in root.iter(NS + "text") if t.get("text-anchor") == "end" and t.text]
    assert "140" in ticks or "150" in ticks, ticks  # the y axis reaches past 130 %


def main():
    check_line_chart()
    root = tempfile.mkdtemp(prefix="check_purge.")
    try:
        d = make_dir(root, "res", ["idle", "quiet", "remote"])
        check_table(d)
        run([d])  # the files of the default report again
        check_markdown(d)
        check_svg(d)
        check_errors(root)
    finally:
        shutil.rmtree(root)
    print("check_purge: all checks passed")


if __name__ == "__main__":
    main()
