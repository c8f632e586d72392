#!/bin/sh
# tests/preload/python.sh - CPython with PYTHONMALLOC=malloc (every object
# through malloc) on tests/preload/workload.py and on a wide import of the
# standard library, normally and under LD_PRELOAD=$MALLARD_LIB; and, under
# mallard only, a python3 that frees a heap of objects and then sleeps:
# its RSS must come back (mallard's background thread purges while the
# program does nothing at all); the workload again with allocations
# sampled every 4 KiB (MALLARD_SITES=4k); and leaker.py, whose growing
# line mallard-report must name from the sampled sites.
# 64-bit: python3 ($PYTHON, else /usr/bin/python3, else the one on PATH).
# 32-bit: the i386 python3.11 from tests/setup-i386-programs.sh.

. "${top_srcdir:-$(dirname "$0")/../..}/tests/preload/common.sh"
require_library

if [ "$MALLARD_HOST_BITS" = 32 ]; then
    use_i386_programs python3.11 usr/bin/python3.11
    PYTHONHOME=$i386/usr
    export PYTHONHOME
else
    if [ -n "${PYTHON:-}" ]; then
        prog=$PYTHON
    elif [ -x /usr/bin/python3 ]; then
        prog=/usr/bin/python3
    else
        prog=$(command -v python3) ||
            skip_all python3 "python3 is not installed (apt-get install python3)"
    fi
fi

PYTHONMALLOC=malloc
PYTHONHASHSEED=0
PYTHONDONTWRITEBYTECODE=1
PYTHONNOUSERSITE=1
export PYTHONMALLOC PYTHONHASHSEED PYTHONDONTWRITEBYTECODE PYTHONNOUSERSITE
unset PYTHONPATH PYTHONSTARTUP

if ! "$prog" -c pass >"$work/start.err" 2>&1; then
    skip_all python3 "$prog does not start: $(head -n 1 "$work/start.err")"
fi
tap_note "$("$prog" -c 'import sys; print(sys.executable, sys.version.split()[0], 64 if sys.maxsize > 2**32 else 32, "bit")') with $MALLARD_LIB"

imports='
import importlib, sys
names = """abc argparse ast base64 bisect calendar collections configparser contextlib copy
csv dataclasses datetime decimal difflib email enum fnmatch fractions functools glob gzip
hashlib heapq html http.client inspect io ipaddress itertools json logging math
operator optparse os pathlib pickle platform pprint queue random re shlex shutil socket
statistics string struct subprocess tarfile tempfile textwrap threading timeit tokenize
traceback typing unittest urllib.parse uuid warnings weakref xml.dom.minidom xml.etree.ElementTree
zipfile zlib""".split()
ok = [n for n in names if importlib.import_module(n)]
import decimal, fractions, statistics
print(len(ok), "modules imported")
print(decimal.Decimal(1) / decimal.Decimal(7))
print(fractions.Fraction(355, 113) ** 3)
print(statistics.median(range(1001)))
'

# Prints RSS (KiB) before and with 100-160 MiB of objects, frees them, says
# "freed" and sleeps; the shell polls its RSS from outside.
idle='
import os, time
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
before = rss()
x = [str(i) * 10 for i in range(1000000)]
y = [bytearray(2000) for i in range(20000)]
print(before, rss(), flush=True)
del x, y
print("freed", flush=True)
time.sleep(60)
'

# idle_give_back: one TAP line
idle_give_back() {
    name="python3 frees over 50 MiB of objects and sleeps: RSS comes back"
    env LD_PRELOAD="$MALLARD_LIB" "$prog" -c "$idle" >"$work/idle.out" 2>"$work/idle.err" &
    pid=$!
    tries=0
    while ! grep -q freed "$work/idle.out" && [ $tries -lt 600 ] && kill -0 $pid 2>/dev/null; do
        sleep 0.1
        tries=$((tries + 1))
    done
    set -- $(head -n 1 "$work/idle.out")
    before=${1:-0} full=${2:-0}
    page_kib=$(($(getconf PAGESIZE) / 1024))
    rss=$full
    tries=0 # poll, with a generous deadline: 10 s (it takes about 0.2 s)
    while [ $tries -lt 100 ] && kill -0 $pid 2>/dev/null; do
        rss=$(($(cut -d' ' -f2 /proc/$pid/statm) * page_kib))
        [ $((rss - before)) -lt $(((full - before) / 5)) ] && break
        sleep 0.1
        tries=$((tries + 1))
    done
    threads=$(cat /proc/$pid/task/*/comm 2>/dev/null | grep -c '^mallard-bg$')
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    tap_note "RSS $before KiB at start, $full KiB with the objects, $rss KiB after the free (looked $tries times, 100 ms apart); $threads background thread(s)"
    if [ $((full - before)) -lt 51200 ]; then
        tap_not_ok "$name: only $((full - before)) KiB were allocated" "$work/idle.out" "$work/idle.err"
    elif [ $((rss - before)) -ge $(((full - before) / 5)) ] || [ "$threads" != 1 ]; then
        tap_not_ok "$name" "$work/idle.out" "$work/idle.err"
    else
        tap_ok "$name"
    fi
}

# sites_name_the_line: one TAP line. leaker.py under MALLARD_SITES=16k with
# a snapshot every 100 ms for 3 s: mallard-report must put the worker
# thread's LEAK line first in the growth. A run too short to decide
# (undecided) is a SKIP: the sites are ranked for a verdict.
sites_name_the_line() {
    name="python3 leaker.py under MALLARD_SITES=16k: the growth's first site is the worker thread's LEAK line"
    report=${MALLARD_REPORT:-}
    if [ -z "$report" ] || ! command -v python3 >/dev/null 2>&1; then
        tap_skip "$name" "mallard-report or the host's python3 is not there (run from make check)"
        return
    fi
    line=$(grep -n '# LEAK' "$preload_dir/leaker.py" | cut -d: -f1)
    env MALLARD_SITES=16k MALLARD_STATS_INTERVAL_MS=100 MALLARD_STATS_FORMAT=json \
        MALLARD_STATS_FILE="$work/leaker.ndjson" LD_PRELOAD="$MALLARD_LIB" \
        "$prog" "$preload_dir/leaker.py" 3 >"$work/leaker.out" 2>"$work/leaker.err"
    status=$?
    # the host's python3 reads the report: not the i386 one's PYTHONHOME
    env -u PYTHONHOME "$report" --json "$work/leaker.ndjson" >"$work/leaker.json" 2>>"$work/leaker.err"
    verdict_status=$?
    env -u PYTHONHOME python3 "$top_srcdir/tests/diag/check_sites.py" ranked "$work/leaker.json" growth \
        "leaker\.py:$line in grow" >"$work/leaker.why" 2>&1
    if [ $status != 0 ]; then
        tap_not_ok "$name: exit status $status" "$work/leaker.err"
    elif [ $verdict_status = 3 ]; then
        tap_skip "$name" "the run was too short to decide a verdict"
    elif [ -s "$work/leaker.why" ] || [ $verdict_status != 0 ]; then
        tap_not_ok "$name" "$work/leaker.why" "$work/leaker.err"
    else
        tap_note "$(env -u PYTHONHOME python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["sites"]["ranked"][0]; print("%.1f%% of the growth: %s" % (100 * e["share"], e["python"][:1]))' "$work/leaker.json")"
        tap_ok "$name"
    fi
}

tap_plan 6
check_loaded "python3 -c pass" "$prog" -c pass
run_compare workload "python3 workload.py (dicts, sets, strings, json, generators, classes, threads)" \
    "$prog" "$preload_dir/workload.py"
run_compare imports "python3: importing 69 standard modules" "$prog" -c "$imports"
idle_give_back
run_compare sites "python3 workload.py with every allocation of 4 KiB or so sampled (MALLARD_SITES=4k)" \
    env MALLARD_SITES=4k "$prog" "$preload_dir/workload.py"
sites_name_the_line
tap_done
