"""check_units - checks of bench/run's arithmetic that time nothing:
median, quantile, ratio, geometric mean, the per-group geometric means of a
synthetic results table, the regular-expression escape for Google
Benchmark's filter, that a chart is well-formed XML, and that bench/lib.sh
reads the allocators and word sizes that discover does.

    python3 bench/runner/check_units.py     (exit 0, or the failed check)

Run by bench/run-selftest.sh (make check).
"""

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runner import benchmarks, discover, report, stats, svg  # noqa: E402

LIB_SH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib.sh")


def close(a, b):
    return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9)


def main():
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5
    assert stats.median([7]) == 7
    assert stats.quantile([1, 2, 3, 4, 5], 0.25) == 2
    assert stats.quantile([1, 2, 3, 4], 0.5) == 2.5
    assert stats.spread([3, 9, 1]) == (1, 9)
    assert close(stats.geomean([2, 8]), 4)
    assert close(stats.geomean([0.5, 2, None]), 1)
    assert stats.geomean([]) is None and stats.geomean([None, 0]) is None
    assert close(stats.ratio(3.0, 1.5), 2) and stats.ratio(None, 1) is None and stats.ratio(1, 0) is None
    try:
        stats.median([])
    except ValueError:
        pass
    else:
        raise AssertionError("median([]) did not raise")

    # Google Benchmark's filter: ERE metacharacters escaped, nothing else
    assert benchmarks.ere_escape("BM_x/64") == "BM_x/64"
    assert benchmarks.ere_escape("a.b(c)*[d]|e+f?{2}^$\\") == "a\\.b\\(c\\)\\*\\[d\\]\\|e\\+f\\?\\{2\\}\\^\\$\\\\"

    # two benchmarks in two groups; mallard twice as fast in one, RSS even
    rows = []
    for rep, (gm, gp, cm, cp) in enumerate([(1.0, 2.0, 10, 40), (1.2, 2.2, 10, 40), (0.8, 1.9, 12, 50)], 1):
        rows += [("churn-1t", "mallard", 64, "time_s", gm, rep), ("churn-1t", "glibc", 64, "time_s", gp, rep),
                 ("churn-1t", "mallard", 64, "peak_rss_kib", 100, rep), ("churn-1t", "glibc", 64, "peak_rss_kib", 100, rep),
                 ("gb/x", "mallard", 64, "ns_per_iter", cm, rep), ("gb/x", "glibc", 64, "ns_per_iter", cp, rep)]
    meta = dict(allocators=["glibc", "mallard"], benches=[
        dict(name="churn-1t", group="churn", time_metric="time_s", rss_metric="peak_rss_kib", desc=""),
        dict(name="gb/x", group="micro", time_metric="ns_per_iter", rss_metric=None, desc="")])
    an = report.Analysis(rows, meta)
    assert an.cell("churn-1t", "glibc", "time_s") == (2.0, 1.9, 2.2, 3)
    assert close(an.ratio("churn-1t", "glibc", "time_s"), 2.0)
    assert close(an.ratio("gb/x", "glibc", "ns_per_iter"), 4.0)
    gm = an.geomeans("time")["glibc"]
    assert close(gm["churn"][0], 2.0) and close(gm["micro"][0], 4.0)
    assert close(gm["all"][0], math.sqrt(8)) and gm["all"][1] == 2
    assert close(an.geomeans("rss")["glibc"]["all"][0], 1.0)

    # a chart with awkward names is well-formed XML with a bar per ratio
    doc = svg.ratio_chart("t <&>", "s", [("g", [("gb/BM<int>&", {"glibc": 2.0, "jemalloc": None}),
                                                ("x", {"glibc": 0.001, "jemalloc": 500.0})])],
                          ["glibc", "jemalloc"])
    root = ET.fromstring(doc)
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect") if e.find("{http://www.w3.org/2000/svg}title") is not None]
    assert len(bars) == 3, len(bars)
    check_peers()
    print("check_units: all checks passed")


def lib_sh(command, *args):
    """The stdout of COMMAND (a bash line) after sourcing bench/lib.sh."""
    return subprocess.run(["bash", "-c", '. "$0"; ' + command, LIB_SH] + list(args),
                          capture_output=True, text=True, check=True).stdout.strip()


def check_peers():
    assert discover.ALLOCATORS[0] == "glibc" and discover.ALLOCATORS[-1] == "mallard", discover.ALLOCATORS
    assert discover.allocator_path("glibc", 64, "/b") == ""
    assert discover.allocator_path("jemalloc", 32, "/b") == "/usr/lib/i386-linux-gnu/libjemalloc.so.2"
    assert discover.allocator_path("mallard", 64, "/b") == "/b/.libs/libmallard.so"
    assert discover.allocator_path("mallard", 64, "/b", "/x/libmallard.so") == "/x/libmallard.so"
    assert lib_sh("bench_allocators") == ",".join(discover.ALLOCATORS)
    assert lib_sh("bench_peer_of libjemalloc2") == "jemalloc"
    py = os.path.realpath(sys.executable)
    assert lib_sh('elf_bits "$1"', py) == str(discover.elf_bits(py)) != "None"
    assert lib_sh('elf_bits "$1"', __file__) == "" and discover.elf_bits(__file__) is None


if __name__ == "__main__":
    main()
