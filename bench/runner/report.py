"""report - results.csv, meta.json, report.md, summary.md, the charts and
the summary on stdout.

Everything here reads only results.csv and meta.json, so bench/run --report
DIR can write the report again without running anything.

Convention: ratio = peer median / mallard median of the same benchmark and
metric; above 1 mallard is faster (time) or smaller (peak RSS). The
geometric mean of the ratios is taken per group (micro, churn, interpreter,
replay; with --cpython the one group cpython, where the "peers" are the
other interpreters and preloads) and over all benchmarks (each counted once, so a group with many
benchmarks weighs more; 'groups equal' is the geometric mean of the group
means).
"""

import csv
import json
import os

from . import benchmarks, stats, svg

CSV_HEADER = ["benchmark", "allocator", "bits", "metric", "value", "rep"]
GROUP_TITLES = {"micro": "Micro-benchmarks (Google Benchmark)", "churn": "Churn",
                "interpreter": "Interpreter workloads", "replay": "Trace replays",
                "cpython": "Python workloads on CPython built three ways (bench/cpython/build)"}


# --- files ----------------------------------------------------------------------

class CsvWriter:
    """results.csv, written row by row (flushed: an interrupted run keeps
    what it measured)."""

    def __init__(self, path):
        self.f = open(path, "w", newline="")
        self.w = csv.writer(self.f, lineterminator="\n")
        self.w.writerow(CSV_HEADER)
        self.f.flush()

    def add(self, bench, alloc, bits, metric, value, rep):
        v = f"{value:.6g}" if isinstance(value, float) else str(value)
        self.w.writerow([bench, alloc, bits, metric, v, rep])
        self.f.flush()

    def close(self):
        self.f.close()


def read_csv(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r, None)
        if header != CSV_HEADER:
            raise ValueError(f"{path}: header is not {','.join(CSV_HEADER)}")
        return [(b, a, int(bits), m, float(v), int(rep)) for b, a, bits, m, v, rep in r]


def write_meta(path, meta):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


# --- analysis ---------------------------------------------------------------------

class Analysis:
    """Medians, spreads, ratios and geometric means of one results.csv."""

    def __init__(self, rows, meta):
        self.meta = meta
        self.allocs = meta["allocators"]
        self.peers = [a for a in self.allocs if a != "mallard"]
        self.benches = [b for b in meta["benches"]]
        self.values = {}
        for b, a, _bits, m, v, _rep in rows:
            self.values.setdefault((b, a, m), []).append(v)
        self.has_mallard = "mallard" in self.allocs

    def cell(self, bench, alloc, metric):
        """(median, min, max, n) or None."""
        xs = self.values.get((bench, alloc, metric)) if metric else None
        if not xs:
            return None
        lo, hi = stats.spread(xs)
        return stats.median(xs), lo, hi, len(xs)

    def ratio(self, bench, alloc, metric):
        p, m = self.cell(bench, alloc, metric), self.cell(bench, "mallard", metric)
        return stats.ratio(p and p[0], m and m[0])

    def ratios(self, kind):
        """{bench name: {peer: ratio}} for kind 'time' or 'rss'."""
        res = {}
        for b in self.benches:
            metric = b["time_metric"] if kind == "time" else b["rss_metric"]
            if not metric:
                continue
            d = {p: self.ratio(b["name"], p, metric) for p in self.peers}
            if any(d.values()):
                res[b["name"]] = d
        return res

    def groups_present(self):
        return [g for g in benchmarks.GROUPS if any(b["group"] == g for b in self.benches)]

    def geomeans(self, kind):
        """{peer: {column: (geomean or None, n)}} with columns the groups,
        'all' and 'groups equal'."""
        rs = self.ratios(kind)
        group_of = {b["name"]: b["group"] for b in self.benches}
        res = {}
        for p in self.peers:
            row = {}
            for g in self.groups_present():
                xs = [d[p] for n, d in rs.items() if group_of[n] == g and d.get(p)]
                row[g] = (stats.geomean(xs), len(xs))
            xs = [d[p] for d in rs.values() if d.get(p)]
            row["all"] = (stats.geomean(xs), len(xs))
            gs = [v for g, (v, _) in row.items() if g != "all" and v]
            row["groups equal"] = (stats.geomean(gs), len(gs))
            res[p] = row
        return res


# --- formatting ---------------------------------------------------------------------

def fmt_value(metric, v):
    if v is None:
        return "-"
    if metric.endswith("_kib"):
        return f"{v / 1024:.1f} MiB"
    if metric.startswith("ns_per") or metric.startswith("cpu_ns"):
        return f"{v:.3g} ns" if v < 1000 else f"{v / 1000:.3g} \u00b5s"
    if metric.endswith("_s"):
        return f"{v:.3g} s"
    return f"{v:.4g}"


def fmt_spread(metric, c):
    if not c:
        return "-"
    lo, hi = fmt_value(metric, c[1]), fmt_value(metric, c[2])
    return f"{lo.split()[0]}\u2013{hi}"


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}"


def geomean_columns(an):
    return an.groups_present() + ["all", "groups equal"]


def geomean_table_md(an, kind):
    gm = an.geomeans(kind)
    cols = geomean_columns(an)
    n = {c: max((gm[p][c][1] for p in an.peers), default=0) for c in cols}
    head = "| peer / mallard, " + ("time" if kind == "time" else "peak RSS") + " | " + \
        " | ".join(f"{c} ({n[c]})" for c in cols) + " |"
    lines = [head, "|---" * (len(cols) + 1) + "|"]
    for p in an.peers:
        lines.append(f"| {p} | " + " | ".join(fmt_ratio(gm[p][c][0]) for c in cols) + " |")
    return lines


def geomean_table_text(an, kind):
    gm = an.geomeans(kind)
    cols = geomean_columns(an)
    w = max([len(c) for c in cols] + [6])
    title = "time" if kind == "time" else "peak RSS"
    lines = [f"{title:<10}" + "".join(f"{c:>{w + 2}}" for c in cols)]
    for p in an.peers:
        lines.append(f"{p:<10}" + "".join(f"{fmt_ratio(gm[p][c][0]):>{w + 2}}" for c in cols))
    return lines


def cpython_how(meta):
    """What each 'allocator' of a bench/run --cpython report is."""
    return ("Every Python workload runs on the interpreters `bench/cpython/build` built from one "
            "CPython source, which differ only in how objects are allocated: "
            + "; ".join(f"**{a}** = {meta['cpython'][a]}" for a in meta["allocators"] if a in meta["cpython"])
            + ". No `PYTHONMALLOC` is set. ")


CONVENTION = ("Ratios are **peer / mallard** of the medians: **above 1.00 mallard is faster "
              "(time) or smaller (peak RSS)**, below 1.00 the peer is.")


# --- outputs ------------------------------------------------------------------------

def charts(an, out_dir):
    """Writes time_ratio.svg and rss_ratio.svg; returns their file names."""
    meta = an.meta
    names = []
    for kind, fname, what in (("time", "time_ratio.svg", "time"), ("rss", "rss_ratio.svg", "peak RSS")):
        rs = an.ratios(kind)
        if not rs or not an.peers:
            continue
        gm = an.geomeans(kind)
        sections = [("geometric mean", [(c, {p: gm[p][c][0] for p in an.peers})
                                        for c in geomean_columns(an)])]
        for g in an.groups_present():
            rows = [(b["name"], rs[b["name"]]) for b in an.benches
                    if b["group"] == g and b["name"] in rs]
            if rows:
                sections.append((GROUP_TITLES[g], rows))
        sub = (f"{meta['bits']}-bit, median of {meta['reps']} reps, {meta['date'][:10]}, "
               f"mallard {meta['commit']}; above 1: mallard better")
        doc = svg.ratio_chart(f"{what}: peer / mallard", sub, sections, an.peers)
        with open(os.path.join(out_dir, fname), "w") as f:
            f.write(doc)
        names.append(fname)
    return names


def summary_md(an, chart_names):
    meta = an.meta
    lines = [f"Allocators compared by `bench/run{' ' + meta['args'] if meta['args'] else ''}` "
             f"({meta['bits']}-bit, {meta['date'][:10]}, mallard {meta['commit']}, "
             f"median of {meta['reps']} reps). {CONVENTION} "
             "Geometric means over the benchmarks of each group (their number in parentheses).",
             ""]
    lines += geomean_table_md(an, "time") + [""] + geomean_table_md(an, "rss") + [""]
    for c in chart_names:
        lines.append(f"![{c[:-4].replace('_', ' ')}]({c})")
    return "\n".join(lines) + "\n"


def report_md(an, chart_names):
    """report.md: one function per section, in the order they appear."""
    sections = (_md_intro(an), _md_problems(an.meta), _md_machine(an.meta), _md_summary(an, chart_names),
                _md_results(an), _md_frag(an), _md_traces(an.meta), _md_checksums(an.meta), _md_files())
    return "\n".join(line for s in sections for line in s) + "\n"


def _md_intro(an):
    meta = an.meta
    how = (cpython_how(meta) if meta.get("cpython") else
           "Every benchmark runs one binary under each allocator, swapped in by "
           "`LD_PRELOAD` (glibc: nothing preloaded). ")
    return [f"# Allocator benchmarks, {meta['bits']}-bit, {meta['date']}", "",
            f"`bench/run {meta['args']}` took {meta.get('duration_s', 0) / 60:.1f} min. " + how
            + f"{meta['reps']} counted repetitions after one "
            "warm-up that is not counted; within a repetition the allocators alternate, the first "
            "one rotating from repetition to repetition, so slow drifts of the machine hit all alike. "
            "Cells: median (min\u2013max) over the repetitions.", "",
            CONVENTION + " Time is wall-clock time for the churn and interpreter runs, "
            "`ns_per_op` for the replays and real time per iteration for the micro-benchmarks; "
            "peak RSS is the process's high-water mark (`VmHWM`/`ru_maxrss`).", ""]


def _md_problems(meta):
    failed = [f"- **CHECKSUM MISMATCH** {m}" for m in meta.get("mismatches", [])]
    failed += [f"- **failed** {m}" for m in meta.get("failures", [])]
    errors = meta.get("gbench_errors", [])
    L = ["## Problems", ""] if failed or errors else []
    if failed:
        L += failed + [""]
    if errors:
        L += ["Micro-benchmarks that reported an error (Google Benchmark's `SkipWithError`: "
              "no time for that allocator):", ""] + [f"- {m}" for m in errors] + [""]
    return L


def _md_machine(meta):
    L = ["## Machine", "", "| | |", "|---|---|"]
    L += [f"| {k} | {v.replace('|', '/')} |" for k, v in meta["machine"]]
    if meta.get("loadavg_end"):
        L.append(f"| load average at end | {meta['loadavg_end']} |")
    L.append("")
    if meta.get("warnings"):
        L += ["Left out or noted:", ""] + [f"- {w}" for w in meta["warnings"]] + [""]
    return L


def _md_summary(an, chart_names):
    if not an.has_mallard:
        return ["## Summary", "", "mallard was not measured: no ratios.", ""]
    return (["## Summary", "",
             "Geometric mean of the per-benchmark ratios (the number of benchmarks in "
             "parentheses; *all* counts every benchmark once, *groups equal* is the "
             "geometric mean of the group means).", ""]
            + geomean_table_md(an, "time") + [""] + geomean_table_md(an, "rss") + [""]
            + [f"![{c[:-4].replace('_', ' ')}]({c})" for c in chart_names] + [""])


def _md_results(an):
    L = ["## Results per benchmark"]
    for g in an.groups_present():
        L += ["", f"### {GROUP_TITLES[g]}", "",
              "| benchmark | allocator | time | spread | peak RSS | spread | runs | time ratio | RSS ratio |",
              "|---|---|---|---|---|---|---|---|---|"]
        for b in an.benches:
            if b["group"] == g:
                L += [_md_bench_row(an, b, a, f"`{b['name']}`" if i == 0 else "")
                      for i, a in enumerate(an.allocs)]
        L += ["", _md_commands(an, g)]
    return L


def _md_bench_row(an, b, alloc, name):
    """The row of allocator ALLOC for benchmark B; NAME only in its first."""
    tm, rm = b["time_metric"], b["rss_metric"]
    tc, rc = an.cell(b["name"], alloc, tm), an.cell(b["name"], alloc, rm)
    if not tc and not rc:
        return f"| {name} | {alloc} | no result | | | | 0 | | |" if name else \
            f"| | {alloc} | no result | | | | 0 | | |"
    if alloc == "mallard":
        tr, rr = ("1 (ref)" if tc else "-"), ("1 (ref)" if rc else "-")
    else:
        tr, rr = fmt_ratio(an.ratio(b["name"], alloc, tm)), fmt_ratio(an.ratio(b["name"], alloc, rm))
    return (f"| {name} | {alloc} | {fmt_value(tm, tc and tc[0]) if tm else '-'} | "
            f"{fmt_spread(tm, tc) if tm else ''} | {fmt_value(rm, rc and rc[0]) if rm else '-'} | "
            f"{fmt_spread(rm, rc) if rm else ''} | {(tc or rc)[3]} | {tr} | {rr} |")


def _md_commands(an, g):
    descs = {b["desc"]: b["name"] for b in an.benches if b["group"] == g}
    if g != "micro":
        return "Commands: " + "; ".join(f"`{n}`: {d}" for d, n in descs.items()) + "."
    build_type = an.meta.get("gbench_build_type")
    return ("Commands: " + "; ".join(f"`{'gb/*' if n != benchmarks.GB_PROCESS else n}`: {d}"
                                     for d, n in descs.items())
            + "; one process per allocator and repetition runs them all."
            + (f" Google Benchmark's library says it was built as: {build_type}." if build_type else ""))


def _md_frag(an):
    frag = [b for b in an.benches if b["group"] in ("interpreter", "cpython")
            and an.cell(b["name"], "mallard", "frag_rss_kib")]
    if not frag:
        return []
    cols = benchmarks.FRAG_FIGURES
    L = ["", "## Where mallard's bytes were at the end", "",
         "One more run of each interpreter workload under mallard with "
         f"`MALLARD_STATS=exit MALLARD_STATS_INTERVAL_MS={benchmarks.STATS_INTERVAL_MS} "
         "MALLARD_STATS_FORMAT=json`; the figures are those of the last snapshot before the "
         "interpreter tore its heap down at exit (`mallard-report`'s choice; the exit report "
         "itself shows an almost empty heap). MiB. rss = live + stranded + retained "
         "\u2212 not resident + outside; metadata is part of retained; external "
         "fragmentation = stranded / (live + stranded). Definitions: docs/DIAGNOSTICS.md.", "",
         "| workload | " + " | ".join(c[0][5:-4].replace("_", " ") for c in cols) + " | external fragmentation |",
         "|---" * (len(cols) + 2) + "|"]
    L += [_md_frag_row(an, b, cols) for b in frag] + [""]
    L += [f"- *{metric[5:-4].replace('_', ' ')}* (`{metric}`): {expr} \u2014 {what}" for metric, expr, what in cols]
    notes = an.meta.get("frag_notes", {})
    if notes:
        L += ["", "Snapshot used: " + "; ".join(f"`{k}`: {v}" for k, v in notes.items()) + "."]
    return L


def _md_frag_row(an, b, cols):
    vals = [an.cell(b["name"], "mallard", c[0]) for c in cols]
    live, stranded = vals[1], vals[3]
    ext = "-"
    if live and stranded and live[0] + stranded[0] > 0:
        ext = f"{stranded[0] / (live[0] + stranded[0]) * 100:.0f} %"
    return f"| `{b['name']}` | " + " | ".join(f"{v[0] / 1024:.1f}" if v else "-" for v in vals) + f" | {ext} |"


def _md_traces(meta):
    traces = meta.get("traces")
    if not traces:
        return []
    return (["", "## Traces", "",
             "Recorded once per workload under glibc with `libmallard-trace.so`, kept in "
             f"`{meta.get('trace_dir', '')}` (reused while the workload, its interpreter and "
             "the scale are the same).", "",
             "| workload | file | size | operations |", "|---|---|---|---|"]
            + [f"| `{t['workload']}` | {os.path.basename(t['path'])} | "
               f"{t['size'] / 1048576:.1f} MiB | {t.get('ops') or '-'} |" for t in traces]
            + [f"\nTotal: {sum(t['size'] for t in traces) / 1048576:.0f} MiB."])


def _md_checksums(meta):
    if not meta.get("checksums"):
        return []
    return (["", "## Checksums", "",
             "Every run of a workload must print the same checksum, whatever the allocator "
             "(and in the trace recording and the mallard statistics runs).", "",
             "| benchmark | checksum (replays: operations) | runs |", "|---|---|---|"]
            + [f"| `{name}` | {s} | {', '.join(sorted(set(who)))} ({len(who)}) |"
               for name, sums in meta["checksums"].items() for s, who in sums.items()])


def _md_files():
    return ["", "## Files", "",
            "`results.csv` (`benchmark,allocator,bits,metric,value,rep`: one row per measured "
            "figure of each counted run; `frag_*` rows are the mallard statistics run), "
            "`meta.json` (what this report is written from: `bench/run --report DIR` writes it again), "
            "`logs/` (each run's command and output), `gbench/` (Google Benchmark's JSON), "
            "`mallard-stats/` (the snapshots)."]


def gbench_errors(out_dir):
    """["allocator: benchmark: message (in N runs)"] from the Google Benchmark
    JSON files of OUT_DIR/gbench (a benchmark that calls SkipWithError,
    e.g. on a misaligned block, has no time for that allocator)."""
    found = {}
    d = os.path.join(out_dir, "gbench")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        alloc = name.split(".")[0]
        try:
            with open(os.path.join(d, name)) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            continue
        for b in doc.get("benchmarks", []):
            if b.get("error_occurred"):
                key = (alloc, b.get("name"), b.get("error_message", "error"))
                found[key] = found.get(key, 0) + 1
    return [f"{a}: `gb/{n}`: {m} (in {k} run{'s' if k > 1 else ''}, warm-up included)"
            for (a, n, m), k in found.items()]


def write_all(out_dir):
    """Reads results.csv and meta.json in OUT_DIR and writes the charts,
    report.md and summary.md. Returns the Analysis."""
    rows = read_csv(os.path.join(out_dir, "results.csv"))
    with open(os.path.join(out_dir, "meta.json")) as f:
        meta = json.load(f)
    meta["gbench_errors"] = gbench_errors(out_dir)
    an = Analysis(rows, meta)
    names = charts(an, out_dir) if an.has_mallard else []
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(report_md(an, names))
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write(summary_md(an, names))
    return an


def stdout_summary(an):
    if not an.has_mallard or not an.peers:
        return ["(no ratios: mallard and at least one peer are needed)"]
    return (["peer / mallard, geometric means of the median ratios (above 1: mallard faster / smaller)"]
            + geomean_table_text(an, "time") + [""] + geomean_table_text(an, "rss"))
