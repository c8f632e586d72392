"""benchmarks - what bench/run measures: the command of each benchmark and
how its output becomes rows of results.csv.

A *unit* is one program run per allocator per repetition; it yields one or
more *benchmarks* (Bench: a name, a group, the metric compared for time and
the one for peak RSS). Groups and their units:

  churn        bench/churn -t 1|2 -n N        time_s, cpu_s, peak_rss_kib (rusage)
  micro        bench/gbench/mallard-gbench    gb/<name>: ns_per_iter (real),
                                              cpu_ns_per_iter; gb/process: time_s,
                                              peak_rss_kib of the whole process
  interpreter  python3 / lua5.4 WORKLOAD --scale F
                                              time_s, cpu_s, peak_rss_kib (VmHWM, the
                                              workload's line), rss_end_kib, maxrss_kib
  replay       mallard-replay TRACE           ns_per_op, elapsed_s, peak_rss_kib
                                              (replay's lines), time_s
  cpython      python3.11 WORKLOAD --scale F   as interpreter (bench/run --cpython
               on each interpreter of          only: the "allocators" are stock,
               bench/cpython/build             mallard, system and system + a peer)

Plus two kinds of one-off runs that are not repeated: recording a trace of
each interpreter workload (glibc under libmallard-trace.so; cached by
content) and mallard's own view of each workload (MALLARD_STATS snapshots,
reduced to the frag_* figures by mallard_view).
"""

import glob
import hashlib
import json
import os
import re
import sys

from . import measure

GROUPS = ("micro", "churn", "interpreter", "replay", "cpython")

# the interpreter workloads --quick runs (all of them otherwise)
QUICK_WORKLOADS = ("python/objects", "python/json_roundtrip", "python/frag_cache", "lua/tables")
QUICK_GBENCH_MAX = 8


class Bench:
    """One benchmark: a row group of the report."""

    def __init__(self, name, group, time_metric, rss_metric, desc):
        self.name, self.group, self.desc = name, group, desc
        self.time_metric, self.rss_metric = time_metric, rss_metric

    def to_json(self):
        return dict(name=self.name, group=self.group, desc=self.desc,
                    time_metric=self.time_metric, rss_metric=self.rss_metric)


def slug(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


class Unit:
    """One program run per allocator per repetition.

    argv(out_dir, alloc, rep) -> the command; env: added to the
    environment; parse(result) -> ([(bench, metric, value)], checksum or
    None, progress text) or raises ValueError (output unusable)."""

    kind = None
    env = {}
    checksum_label = None

    def __init__(self, name):
        self.name = name
        self.benches = []

    def log(self, out_dir, alloc):
        return os.path.join(out_dir, "logs", f"{slug(self.name)}.{alloc}.log")

    def env_for(self, alloc):
        return self.env


class Churn(Unit):
    kind = "churn"

    def __init__(self, churn, threads, millions):
        super().__init__(f"churn-{threads}t")
        self.cmd = [churn, "-t", str(threads), "-n", str(millions)]
        self.benches = [Bench(self.name, "churn", "time_s", "peak_rss_kib",
                              f"bench/churn -t {threads} -n {millions}")]

    def argv(self, out_dir, alloc, rep):
        return self.cmd

    def parse(self, r):
        kv = r.kv()
        if "ops" not in kv:
            raise ValueError("no 'ops' line in the output")
        rows = [(self.name, "time_s", r.wall_s), (self.name, "cpu_s", r.cpu_s),
                (self.name, "peak_rss_kib", r.maxrss_kib)]
        if "mops_per_s" in kv:
            rows.append((self.name, "mops_per_s", float(kv["mops_per_s"])))
        return rows, None, f"{r.wall_s:.2f} s {r.maxrss_kib} KiB"


def workloads(root):
    """[(name, path)] of the interpreter workloads: python/<stem> for
    bench/workloads/*.py, lua/<stem> for *.lua (common.* are helpers)."""
    res = []
    for ext, lang in (("py", "python"), ("lua", "lua")):
        for path in sorted(glob.glob(os.path.join(root, "bench", "workloads", f"*.{ext}"))):
            stem = os.path.basename(path)[:-len(ext) - 1]
            if stem != "common":
                res.append((f"{lang}/{stem}", path))
    return res


# every CPython run: the same string hashes every run, no .pyc written, no
# user site-packages
PYTHON_RUN_ENV = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"}


def interp_env(interp):
    env = dict(interp.env)
    if interp.lang == "python":
        env.update(PYTHON_RUN_ENV, PYTHONMALLOC="malloc")  # every object through malloc
    return env


class Workload(Unit):
    kind = "interpreter"

    def __init__(self, name, path, interp, scale):
        super().__init__(name)
        self.path, self.interp, self.scale = path, interp, scale
        self.cmd = [interp.path, path, "--scale", f"{scale:g}"]
        self.env = interp_env(interp)
        self.benches = [Bench(name, "interpreter", "time_s", "peak_rss_kib",
                              f"{'PYTHONMALLOC=malloc ' if interp.lang == 'python' else ''}"
                              f"{os.path.basename(interp.path)} {os.path.basename(path)} --scale {scale:g}")]

    def argv(self, out_dir, alloc, rep):
        return self.cmd

    def parse(self, r):
        kv = r.kv()
        if "checksum" not in kv or "peak_rss_kib" not in kv:
            raise ValueError("no checksum or peak_rss_kib line in the output")
        peak = int(kv["peak_rss_kib"])
        rows = [(self.name, "time_s", r.wall_s), (self.name, "cpu_s", r.cpu_s),
                (self.name, "peak_rss_kib", peak), (self.name, "maxrss_kib", r.maxrss_kib)]
        if "rss_end_kib" in kv:
            rows.append((self.name, "rss_end_kib", int(kv["rss_end_kib"])))
        return rows, kv["checksum"], f"{r.wall_s:.2f} s {peak} KiB"


class CPythonWorkload(Workload):
    """A Python workload on the interpreters of bench/cpython/build: each
    'allocator' runs its own interpreter (INTERPS: {allocator:
    Interpreter}); pymalloc is on only in the stock build, so nothing sets
    PYTHONMALLOC. cmd and env are those of the mallard build (for the
    statistics run)."""

    kind = "cpython"

    def __init__(self, name, path, interps, scale):
        Unit.__init__(self, "cpython/" + name.split("/", 1)[1])
        self.path, self.scale, self.interps = path, scale, interps
        ref = "mallard" if "mallard" in interps else next(iter(interps))
        self.cmd, self.env = self.argv(None, ref, 0), self.env_for(ref)
        self.benches = [Bench(self.name, "cpython", "time_s", "peak_rss_kib",
                              f"python3.11 {os.path.basename(path)} --scale {scale:g}")]

    def argv(self, out_dir, alloc, rep):
        return [self.interps[alloc].path, self.path, "--scale", f"{self.scale:g}"]

    def env_for(self, alloc):
        return dict(self.interps[alloc].env, **PYTHON_RUN_ENV)


class Replay(Unit):
    kind = "replay"

    def __init__(self, workload, replay, trace, size):
        super().__init__("replay/" + workload.name)
        self.cmd = [replay, trace]
        self.trace, self.size = trace, size
        self.benches = [Bench(self.name, "replay", "ns_per_op", "peak_rss_kib",
                              f"mallard-replay {os.path.basename(trace)} ({size / 1048576:.1f} MiB)")]

    def argv(self, out_dir, alloc, rep):
        return self.cmd

    def parse(self, r):
        kv = r.kv()
        if "ns_per_op" not in kv or "peak_rss_kib" not in kv:
            raise ValueError("no ns_per_op or peak_rss_kib line in the output")
        peak = int(kv["peak_rss_kib"])
        rows = [(self.name, "ns_per_op", float(kv["ns_per_op"])),
                (self.name, "elapsed_s", float(kv["elapsed_s"])),
                (self.name, "peak_rss_kib", peak), (self.name, "time_s", r.wall_s)]
        return rows, kv.get("ops"), f"{float(kv['ns_per_op']):.1f} ns/op {peak} KiB"


TIME_UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
GB_PROCESS = "gb/process"


def gbench_list(gbench, log_path):
    """The benchmark names the binary has (--benchmark_list_tests)."""
    r = measure.run([gbench, "--benchmark_list_tests=true"], {}, "", log_path, 120)
    if r.failure:
        raise ValueError(f"{gbench} --benchmark_list_tests: {r.failure}")
    return [line.strip() for line in r.out.splitlines() if line.strip()]


def ere_escape(s):
    """S as a POSIX extended regular expression matching itself (Google
    Benchmark 1.7 compiles --benchmark_filter with std::regex::extended)."""
    return re.sub(r"([.\[\]()*+?{}|^$\\])", r"\\\1", s)


class Gbench(Unit):
    kind = "micro"

    def __init__(self, gbench, names, all_names, min_time):
        super().__init__("gbench")
        self.gbench, self.min_time = gbench, min_time
        self.names = names
        self.filter = None
        if len(names) < len(all_names):
            self.filter = "^(" + "|".join(ere_escape(n) for n in names) + ")$"
        desc = f"mallard-gbench --benchmark_min_time={min_time:g}"
        self.benches = [Bench("gb/" + n, "micro", "ns_per_iter", None, desc) for n in names]
        self.benches.append(Bench(GB_PROCESS, "micro", None, "peak_rss_kib",
                                  f"the whole {desc} process ({len(names)} benchmarks)"))
        self.context = None

    def argv(self, out_dir, alloc, rep):
        self.json = os.path.join(out_dir, "gbench", f"{alloc}.{rep}.json")
        os.makedirs(os.path.dirname(self.json), exist_ok=True)
        if os.path.exists(self.json):
            os.unlink(self.json)
        cmd = [self.gbench, f"--benchmark_out={self.json}", "--benchmark_out_format=json",
               f"--benchmark_min_time={self.min_time:g}"]
        if self.filter:
            cmd.append(f"--benchmark_filter={self.filter}")
        return cmd

    def parse(self, r):
        try:
            with open(self.json) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            raise ValueError(f"{self.json}: {e}")
        self.context = doc.get("context", {})
        wanted = set(self.names)
        rows, errors = [], []
        for b in doc.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration" or b.get("name") not in wanted:
                continue
            if b.get("error_occurred"):
                errors.append(f"{b['name']}: {b.get('error_message', 'error')}")
                continue
            k = TIME_UNITS.get(b.get("time_unit", "ns"))
            if k is None:
                raise ValueError(f"{b['name']}: unknown time_unit {b.get('time_unit')!r}")
            name = "gb/" + b["name"]
            rows.append((name, "ns_per_iter", b["real_time"] * k))
            rows.append((name, "cpu_ns_per_iter", b["cpu_time"] * k))
        if not rows:
            raise ValueError("no benchmark results in " + self.json)
        rows.append((GB_PROCESS, "time_s", r.wall_s))
        rows.append((GB_PROCESS, "peak_rss_kib", r.maxrss_kib))
        text = f"{len(rows) // 2 - 1} benchmarks {r.wall_s:.2f} s {r.maxrss_kib} KiB"
        if errors:
            text += f" ({len(errors)} reported errors: {'; '.join(errors)[:200]})"
        return rows, None, text


# --- traces -------------------------------------------------------------------

def trace_key(w, bits):
    """A short hash of what the trace depends on: the workload and its
    helper, the interpreter and its version, the scale, the word size."""
    h = hashlib.sha1()
    common = os.path.join(os.path.dirname(w.path), "common" + os.path.splitext(w.path)[1])
    for p in (w.path, common):
        try:
            with open(p, "rb") as f:
                h.update(f.read())
        except OSError:
            pass
    st = os.stat(os.path.realpath(w.interp.path))
    h.update(f"{os.path.realpath(w.interp.path)} {st.st_size} {st.st_mtime_ns} "
             f"{w.interp.version} {w.scale!r} {bits}".encode())
    return h.hexdigest()[:10]


def trace_path(cache_dir, w, bits):
    return os.path.join(cache_dir, f"{slug(w.name.replace('/', '-'))}-s{w.scale:g}-{trace_key(w, bits)}.trace")


def record_trace(w, trace_lib, path, out_dir):
    """Record W under glibc through libmallard-trace.so into PATH (via a
    temporary name, so a broken recording never looks cached). Returns
    (measure.Result, checksum or None)."""
    tmp = f"{path}.tmp-{os.getpid()}"
    env = dict(w.env, MALLARD_TRACE_FILE=tmp)
    r = measure.run(w.cmd, env, trace_lib, os.path.join(out_dir, "logs", f"{slug(w.name)}.record-trace.log"), 900)
    checksum = r.kv().get("checksum")
    if not r.failure and not (os.path.exists(tmp) and os.path.getsize(tmp) > 0):
        r.failure = f"no trace written to {tmp}"
    if r.failure:
        if os.path.exists(tmp):
            os.unlink(tmp)
        return r, checksum
    os.replace(tmp, path)
    return r, checksum


# --- mallard's own view ---------------------------------------------------------

def report_package(root):
    """mallard-report's package, diag/mallard_report of the source tree at
    ROOT (<root>/diag goes on sys.path); Python imports it once per process."""
    diag = os.path.join(root, "diag")
    if diag not in sys.path:
        sys.path.insert(0, diag)
    import mallard_report
    return mallard_report


# The source tree this runner is part of (bench/runner/ is two levels down).
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# what results.csv calls each figure, which figure of mallard_report.figures
# (a total, rss, or one derived from them as include/mallard.h defines it),
# and what it is (docs/DIAGNOSTICS.md); all in KiB
_FRAG = (
    ("frag_rss_kib", "rss", "the process's resident set"),
    ("frag_live_kib", "allocated", "usable bytes of live blocks"),
    ("frag_requested_kib", "requested", "bytes the live blocks asked for (estimate)"),
    ("frag_stranded_kib", "stranded", "free blocks in pages that hold a live block (external fragmentation)"),
    ("frag_retained_kib", "retention", "free pages not given back yet, segment headers, heap structures (retention)"),
    ("frag_not_resident_kib", "not_resident", "committed bytes not in RAM (purged or never touched)"),
    ("frag_outside_kib", "outside_heap", "outside mallard's heap: interpreter code, stacks, other mappings"),
    ("frag_metadata_kib", "metadata", "segment headers and heap structures (part of retained)"),
)
# (metric, how it is computed: "active - allocated", what it is), as report.md lists them
FRAG_FIGURES = tuple((metric, report_package(_ROOT).formula(name), what) for metric, name, what in _FRAG)
STATS_INTERVAL_MS = 50


def _figures(snap):
    """(metric, KiB) of FRAG_FIGURES for SNAP (a snapshot as read_snapshots
    returns it, or as libmallard wrote it)."""
    v = report_package(_ROOT).snapshot_figures(snap)
    return [(metric, v[name] / 1024) for metric, name, _ in _FRAG]


def end_snapshot(root, path):
    """The snapshot that shows the heap at the end of the work: mallard-report's
    summary (the last snapshot, the exit teardown left out), else the last
    interval snapshot. Returns (snapshot dict, how it was chosen)."""
    mr = report_package(root)
    try:
        report = mr.report_file(path)
    except Exception as err:  # as mallard-report itself: no file stops the run
        s, note = last_interval_snapshot(path)
        return s, f"{note} (mallard-report: {err})"
    s = report["snapshots"][-1]
    return s, (f"the last snapshot before the exit teardown (mallard-report), "
               f"{(s['uptime_ms'] or 0) / 1000:.2f} s after start, {len(report['all_snapshots'])} snapshots")


def last_interval_snapshot(path):
    """For snapshots mallard-report cannot read (a line it rejects): the last
    line that parses and is no exit report, else the last one."""
    snaps = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    snaps.append(json.loads(line))
                except ValueError:
                    pass
    snaps = [s for s in snaps if isinstance(s, dict)]
    if not snaps:
        raise ValueError(f"{path}: no snapshot")
    inner = [s for s in snaps if s.get("trigger") != "exit"] or snaps
    s = inner[-1]
    return s, f"the last interval snapshot, {s.get('uptime_ms', 0) / 1000:.2f} s after start"


def mallard_view(root, w, lib, out_dir):
    """One run of W under mallard with snapshots every STATS_INTERVAL_MS and
    at exit. Returns (result, checksum, rows, note); rows are
    (bench, metric, value) of FRAG_FIGURES."""
    path = os.path.join(out_dir, "mallard-stats", f"{slug(w.name)}.ndjson")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    env = dict(w.env, MALLARD_STATS="exit", MALLARD_STATS_FORMAT="json",
               MALLARD_STATS_INTERVAL_MS=str(STATS_INTERVAL_MS), MALLARD_STATS_FILE=path)
    r = measure.run(w.cmd, env, lib, os.path.join(out_dir, "logs", f"{slug(w.name)}.mallard-stats.log"), 900)
    checksum = r.kv().get("checksum")
    if r.failure:
        return r, checksum, [], None
    try:
        snap, note = end_snapshot(root, path)
        rows = [(w.name, m, v) for m, v in _figures(snap)]
    except (OSError, ValueError, KeyError, TypeError) as e:
        r.failure = f"snapshots unusable: {e}"
        return r, checksum, [], None
    return r, checksum, rows, note
