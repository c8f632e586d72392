#!/bin/sh
# tests/preload/python.sh - CPython with PYTHONMALLOC=malloc (every object
# through malloc) on tests/preload/workload.py and on a wide import of the
# standard library, normally and under LD_PRELOAD=$MALLARD_LIB.
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

tap_plan 3
check_loaded "python3 -c pass" "$prog" -c pass
run_compare workload "python3 workload.py (dicts, sets, strings, json, generators, classes, threads)" \
    "$prog" "$preload_dir/workload.py"
run_compare imports "python3: importing 69 standard modules" "$prog" -c "$imports"
tap_done
