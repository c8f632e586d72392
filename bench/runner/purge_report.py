#!/usr/bin/env python3
"""purge_report - the give-back curves of bench/purge-compare: reads the
<mode>-<allocator>.txt files that bench/purge wrote into a results directory
and writes, into that directory:

  table.txt         per mode: RSS in MiB at the marks (peak, after the free,
                    0.5 s, 1 s, delay + 1 s, 2 s, the end, after
                    malloc_trim(0)), the first sample under 10 % of the
                    peak, mallard's verdict, and the whole timeline;
                    also printed on stdout
  report.md         the same in markdown (the timeline condensed), with a
                    header: word size, MiB, delay, host, date, how to
                    reproduce
  purge-<bits>.svg  the curves: a panel per mode, RSS as % of each run's
                    peak against ms after the free, a line per allocator

The verdict, per mode: mallard is under 10 % of its peak at the latest at
MALLARD_PURGE_DELAY_MS + 1000 ms after the free (PASS), or not (FAIL).

    purge_report.py [--check] [--bits N] [--mib N] [--delay-ms N]
                    [--modes LIST] [--allocators LIST] DIR

The figures not given come from DIR/params.txt ("key value" lines that
bench/purge-compare writes). Exit status: 0; 1 with --check when mallard
fails a mode or has no result for one; 2 for a bad command line or nothing
to report.
"""

import argparse
import datetime
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runner import svg  # noqa: E402
from runner.discover import ALLOCATORS  # noqa: E402

PROG = "purge_report"
MODES = ("churn", "idle", "quiet", "blocked", "remote", "exit")
MODE_DESC = {
    "churn": "main fills and frees, then 2000 small malloc/free every 10 ms",
    "idle": "main fills and frees, then only sleeps",
    "quiet": "main fills and frees, then one malloc(64)+free every 10 ms",
    "blocked": "a worker fills and frees, then blocks in pthread_cond_wait; main sleeps",
    "remote": "main fills, a worker frees all (remote frees) and exits; main sleeps",
    "exit": "a worker fills and frees, then exits; main sleeps",
}
# the chart's panel titles: what the memory's owner does after the free
MODE_SHORT = {
    "churn": "churn: light malloc/free churn",
    "idle": "idle: the owner sleeps",
    "quiet": "quiet: malloc(64)+free every 10 ms",
    "blocked": "blocked: the owner thread waits in pthread_cond_wait",
    "remote": "remote: freed by a thread that exited; the owner sleeps",
    "exit": "exit: the owner thread exited",
}
SAMPLE_MS = 100
DEFAULT_DELAY_MS = 100


class Usage(Exception):
    pass


def read_kv(path):
    """'key value' lines; the value is the rest of the line."""
    d = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            k, _, v = line.partition(" ")
            d[k] = v.strip()
    return d


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


class Run:
    """One bench/purge output."""

    def __init__(self, kv):
        self.kv = kv
        tl = []
        for k, v in kv.items():
            m = re.fullmatch(r"rss_kib_t(\d+)", k)
            if m and _int(v) is not None:
                tl.append((int(m.group(1)), int(v)))
        self.timeline = sorted(tl)
        self.by_t = dict(self.timeline)
        self.peak = _int(kv.get("peak_rss_kib"))
        if self.peak is None or self.peak <= 0:
            vals = [v for _, v in self.timeline if v > 0] + [_int(kv.get("rss_full_kib")) or 0]
            self.peak = max(vals) if vals else None
        fu = _int(kv.get("first_under_10pct_ms"))
        if fu is None and self.peak:  # older output: compute it
            fu = next((t for t, v in self.timeline if 0 <= v and v * 10 < self.peak), -1)
        self.first_under = fu

    def get(self, key):
        return _int(self.kv.get(key))

    def at(self, ms):
        v = self.by_t.get(ms)
        return v if v is not None and v >= 0 else None

    @property
    def end_ms(self):
        return self.timeline[-1][0] if self.timeline else 0

    def pct(self):
        """[(ms, RSS as % of the peak)]"""
        if not self.peak:
            return []
        return [(t, v * 100.0 / self.peak if v >= 0 else None) for t, v in self.timeline]


def load(directory, modes=None, allocators=None):
    """{mode: {alloc: Run}} of the <mode>-<alloc>.txt files in DIRECTORY,
    in the order of MODES and ALLOCATORS (or of the lists given)."""
    found = {}
    for name in sorted(os.listdir(directory)):
        m = re.fullmatch(r"([a-z]+)-([A-Za-z0-9_.+]+)\.txt", name)
        if not m or m.group(1) not in MODES:
            continue
        mode, alloc = m.groups()
        if modes and mode not in modes:
            continue
        if allocators and alloc not in allocators:
            continue
        kv = read_kv(os.path.join(directory, name))
        if kv.get("mode", mode) != mode:
            raise Usage(f"{name}: says 'mode {kv.get('mode')}'")
        run = Run(kv)
        if not run.timeline:
            continue
        found.setdefault(mode, {})[alloc] = run
    mode_order = list(modes) if modes else [m for m in MODES]
    out = {}
    for mode in mode_order:
        runs = found.get(mode)
        if not runs:
            continue
        order = list(allocators) if allocators else list(ALLOCATORS) + sorted(set(runs) - set(ALLOCATORS))
        out[mode] = {a: runs[a] for a in order if a in runs}
    return out


def mib(kib):
    return "-" if kib is None or kib < 0 else f"{kib / 1024:.1f}"


def _secs(ms):
    return f"{ms / 1000:g} s"


def marks(delay_ms, end_ms):
    """[(label, ms)] of the RSS rows after the free: 0, 0.5 s, 1 s, delay +
    1 s (the first sample at or past it), 2 s and the end, those in the
    timeline (delay + 1 s always)."""
    bound = delay_ms + 1000
    bound_sample = -(-bound // SAMPLE_MS) * SAMPLE_MS
    rows = {0: "t=0, right after the free"}
    for ms in (500, 1000, 2000, end_ms):
        if ms <= end_ms:
            rows.setdefault(ms, f"{_secs(ms)} after the free")
    tag = "delay + 1 s" if bound_sample == bound else "past delay + 1 s"
    if bound_sample in rows:
        rows[bound_sample] += f" = {tag}"
    else:
        rows[bound_sample] = f"{_secs(bound_sample)} after the free ({tag})"
    return [(rows[ms], ms) for ms in sorted(rows)]


def first_label(run):
    if run is None:
        return "-"
    return "never" if run.first_under is None or run.first_under < 0 else str(run.first_under)


def table_rows(runs, delay_ms):
    """[(label, [cell per allocator])] of one mode."""
    allocs = list(runs)
    end_ms = max(r.end_ms for r in runs.values())
    rows = [("peak", [mib(runs[a].peak) for a in allocs]),
            ("all allocated", [mib(runs[a].get("rss_full_kib")) for a in allocs])]
    for label, ms in marks(delay_ms, end_ms):
        rows.append((label, [mib(runs[a].at(ms)) for a in allocs]))
    rows.append(("after malloc_trim(0)", [mib(runs[a].get("rss_after_trim_kib")) for a in allocs]))
    rows.append(("malloc_trim returned", [runs[a].kv.get("trim_returned", "-") for a in allocs]))
    rows.append(("first < 10 % of peak (ms)", [first_label(runs[a]) for a in allocs]))
    return rows


def verdict(runs, delay_ms):
    """(passed or None when mallard has no result, the line)."""
    bound = delay_ms + 1000
    b = f"(bound: delay+1000 = {bound} ms)"
    run = runs.get("mallard")
    if run is None:
        return None, f"mallard: no result {b} - FAIL"
    fu = run.first_under
    if fu is None or fu < 0:
        return False, f"mallard: not under 10 % of peak within {run.end_ms} ms {b} - FAIL"
    ok = fu <= bound
    return ok, f"mallard: under 10 % of peak at {fu} ms {b} - {'PASS' if ok else 'FAIL'}"


def text_table(data, p):
    out = [f"RSS in MiB, {p['bits']}-bit: {p['mib']} MiB allocated (32 B - 64 KiB blocks) and freed, "
           f"RSS every {SAMPLE_MS} ms; mallard with MALLARD_PURGE_DELAY_MS={p['delay_ms']}", ""]
    verdicts = []
    for mode, runs in data.items():
        allocs = list(runs)
        rows = table_rows(runs, p["delay_ms"])
        w = max([36] + [len(label) + 2 for label, _ in rows])
        out.append(f"== {mode}: {MODE_DESC.get(mode, '')}")
        out.append(f"{'':<{w}}" + "".join(f" {a:>10}" for a in allocs))
        for label, cells in rows:
            out.append(f"{label:<{w}}" + "".join(f" {c:>10}" for c in cells))
        if "mallard" in p["allocators_all"]:
            ok, line = verdict(runs, p["delay_ms"])
            out.append(line)
            verdicts.append((mode, ok, line))
        out.append("")
        out.append(f"timeline of {mode} (ms after the free; MiB)")
        times = sorted({t for r in runs.values() for t, _ in r.timeline})
        for t in times:
            out.append(f"{'t=' + str(t):<{w}}" + "".join(f" {mib(runs[a].at(t)):>10}" for a in allocs))
        out.append("")
    if verdicts:
        out.append("verdicts:")
        for mode, _, line in verdicts:
            out.append(f"  {mode:<8} {line}")
    return "\n".join(out) + "\n", verdicts


def condensed_times(times):
    return [t for t in times if t <= 2000 or t % 500 == 0 or t == times[-1]]


def build_commands(p):
    if str(p["bits"]) == "32":
        conf = ("../configure --host=i686-linux-gnu CC='gcc -m32' CXX='g++ -m32' "
                "PKG_CONFIG_LIBDIR=/usr/lib/i386-linux-gnu/pkgconfig")
    else:
        conf = "../configure"
    d = f"build{p['bits']}"
    return f"autoreconf -fi && mkdir -p {d} && (cd {d} && {conf} && make -j2 bench/purge libmallard.la)"


def markdown(data, p, svg_name):
    host = p.get("host") or "?"
    lines = [f"# Give-back curves, {p['bits']}-bit",
             "",
             f"`bench/purge -w MODE`: {p['mib']} MiB in blocks of 32 B - 64 KiB allocated (every byte "
             f"written) and freed in a shuffled order, then RSS (`/proc/self/statm`) every {SAMPLE_MS} ms "
             f"for {_secs(max(r.end_ms for runs in data.values() for r in runs.values()))}; "
             "`malloc_trim(0)` only after that. One run per mode and allocator, one after another.",
             "",
             f"- word size: {p['bits']}-bit; MiB freed: {p['mib']}; mallard with "
             f"`MALLARD_PURGE_DELAY_MS={p['delay_ms']}`, so the bound is delay + 1000 = "
             f"{p['delay_ms'] + 1000} ms",
             f"- host: {host}" + (f"; kernel {p['kernel']}" if p.get("kernel") else ""),
             f"- date: {p.get('date') or datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}"]
    if p.get("git"):
        lines.append(f"- source: git {p['git']}")
    libs = [f"{a} `{p['lib_' + a]}`" for a in ALLOCATORS if p.get("lib_" + a)]
    if libs:
        lines.append("- libraries: " + ", ".join(libs) + " (glibc: the C library's own malloc)")
    if p.get("skipped"):
        lines.append(f"- not measured (library missing): {p['skipped']}")
    if p["allocators_list"]:
        lost = [f"{a} in {m}" for m, runs in data.items() for a in p["allocators_list"] if a not in runs]
        if lost:
            lines.append(f"- no result (the run failed: see <mode>-<allocator>.err): {', '.join(lost)}")
    lines += ["- reproduce:", "",
              "  ```sh",
              f"  {build_commands(p)}",
              f"  {p.get('command') or 'bench/purge-compare --bits ' + str(p['bits'])}",
              "  ```",
              "",
              "Modes:", ""]
    for mode in data:
        lines.append(f"- `{mode}`: {MODE_DESC.get(mode, '')}")
    lines += ["", f"![give-back curves: RSS as % of peak after the free]({svg_name})", ""]
    verdicts = []
    if "mallard" in p["allocators_all"]:
        lines += ["## Verdicts", "",
                  f"mallard under 10 % of its peak by delay + 1000 = {p['delay_ms'] + 1000} ms after the free?", "",
                  "| mode | first sample under 10 % of peak | verdict |", "|---|---|---|"]
        for mode, runs in data.items():
            ok, line = verdict(runs, p["delay_ms"])
            verdicts.append((mode, ok, line))
            fu = first_label(runs.get("mallard"))
            lines.append(f"| {mode} | {fu}{' ms' if fu.isdigit() else ''} | {'PASS' if ok else '**FAIL**'} |")
        lines.append("")
    for mode, runs in data.items():
        allocs = list(runs)
        lines += [f"## {mode}: {MODE_DESC.get(mode, '')}", "",
                  "| RSS, MiB | " + " | ".join(allocs) + " |",
                  "|---" * (len(allocs) + 1) + "|"]
        for label, cells in table_rows(runs, p["delay_ms"]):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
        for m, _, line in verdicts:
            if m == mode:
                lines += [line, ""]
        times = sorted({t for r in runs.values() for t, _ in r.timeline})
        lines += ["<details><summary>timeline (MiB; every 100 ms to 2 s, then every 500 ms)</summary>", "",
                  "| ms after the free | " + " | ".join(allocs) + " |",
                  "|---" * (len(allocs) + 1) + "|"]
        for t in condensed_times(times):
            lines.append(f"| {t} | " + " | ".join(mib(runs[a].at(t)) for a in allocs) + " |")
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def chart(data, p):
    series = []
    for runs in data.values():
        for a in runs:
            if a not in series:
                series.append(a)
    series.sort(key=lambda a: (ALLOCATORS.index(a) if a in ALLOCATORS else len(ALLOCATORS), a))
    panels = [(MODE_SHORT.get(mode, mode), {a: r.pct() for a, r in runs.items()})
              for mode, runs in data.items()]
    x_max = max(r.end_ms for runs in data.values() for r in runs.values())
    bound = p["delay_ms"] + 1000
    host = p.get("host") or ""
    sub = (f"RSS as % of each run's peak after freeing {p['mib']} MiB, every {SAMPLE_MS} ms; "
           f"mallard with MALLARD_PURGE_DELAY_MS={p['delay_ms']}" + (f"; {host}" if host else "")
           + (f"; {p['date']}" if p.get("date") else ""))
    return svg.line_chart(f"Give-back curves, {p['bits']}-bit: RSS after a {p['mib']} MiB free",
                          sub, panels, series, x_max, "ms after the free", "RSS, % of peak",
                          hline=(10, "10 % of peak"),
                          vline=(bound, f"delay + 1 s = {bound} ms"),
                          cols=2 if len(panels) > 1 else 1)


def params(args):
    p = {}
    path = os.path.join(args.dir, "params.txt")
    if os.path.exists(path):
        p.update(read_kv(path))
    for k in ("bits", "mib", "delay_ms", "modes", "allocators"):
        v = getattr(args, k)
        if v is not None:
            p[k] = str(v)
    if p.get("bits") not in ("32", "64"):
        raise Usage(f"word size unknown: no 'bits 32|64' in {path}; pass --bits")
    p.setdefault("mib", "?")
    try:
        p["delay_ms"] = int(p.get("delay_ms", DEFAULT_DELAY_MS))
    except ValueError:
        raise Usage(f"bad delay_ms '{p.get('delay_ms')}'") from None
    if p["delay_ms"] < 0:
        raise Usage(f"bad delay_ms {p['delay_ms']} (0 or more)")
    for k in ("modes", "allocators"):
        p[k + "_list"] = [x for x in p.get(k, "").split(",") if x] or None
    if p["modes_list"]:
        bad = [m for m in p["modes_list"] if m not in MODES]
        if bad:
            raise Usage(f"unknown mode '{bad[0]}' (known: {','.join(MODES)})")
    p["allocators_all"] = p["allocators_list"] or list(ALLOCATORS)
    return p


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description="Tables, markdown and an SVG chart of "
                                 "bench/purge-compare's give-back curves.")
    ap.add_argument("dir", help="results directory with <mode>-<allocator>.txt files")
    ap.add_argument("--bits", type=int, choices=(32, 64))
    ap.add_argument("--mib")
    ap.add_argument("--delay-ms", type=int, dest="delay_ms")
    ap.add_argument("--modes", help="comma-separated, in the order wanted (default: those found)")
    ap.add_argument("--allocators", help="comma-separated, in the order wanted (default: those found)")
    ap.add_argument("--check", action="store_true", help="exit 1 when mallard fails a mode")
    args = ap.parse_args(argv)
    try:
        if not os.path.isdir(args.dir):
            raise Usage(f"{args.dir}: no such directory")
        p = params(args)
        data = load(args.dir, p["modes_list"], p["allocators_list"])
        if not data:
            raise Usage(f"{args.dir}: no <mode>-<allocator>.txt results")
    except Usage as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    text, verdicts = text_table(data, p)
    svg_name = f"purge-{p['bits']}.svg"
    with open(os.path.join(args.dir, "table.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(args.dir, "report.md"), "w") as f:
        f.write(markdown(data, p, svg_name))
    with open(os.path.join(args.dir, svg_name), "w") as f:
        f.write(chart(data, p))
    sys.stdout.write(text)
    if args.check:
        measured = [m for m in (p["modes_list"] or data)]
        failed = [m for m, ok, _ in verdicts if not ok]
        failed += [m for m in measured if m not in data]
        if "mallard" not in p["allocators_all"]:
            print(f"{PROG}: --check: mallard was not measured", file=sys.stderr)
            return 1
        if failed:
            print(f"{PROG}: --check: mallard fails mode(s) {','.join(failed)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
