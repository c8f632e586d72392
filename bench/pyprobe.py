"""pyprobe - the few lines of Python that the shell scripts of bench/ run
inside the interpreter they test (Debian's python3, the i386 python3.11 of
tests/setup-i386-programs.sh, a CPython of bench/cpython/build); standard
library only, any Python 3:

  pyprobe.py info              "EXECUTABLE VERSION BITS bit"
  pyprobe.py json              a JSON dump of a list, for allocations
  pyprobe.py strings N         N new strings, kept until exit
  pyprobe.py without-pymalloc  exit status 0 when built --without-pymalloc
  pyprobe.py sigint-default ARG...
                               the interpreter again with ARG..., SIGINT at
                               its default action (see bench/cpython/build)
"""

import os
import signal
import sys


def info():
    print(sys.executable, sys.version.split()[0], 64 if sys.maxsize > 2**32 else 32, "bit")


def dump_json():
    import json
    json.dumps(list(range(1000)))


KEPT = []


def strings(n):
    KEPT.extend(str(i) for i in range(int(n)))


def without_pymalloc():
    import sysconfig
    sys.exit(sysconfig.get_config_var("WITH_PYMALLOC") != 0)


def sigint_default(*argv):
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(sys.executable, [sys.executable] + list(argv))


COMMANDS = {"info": info, "json": dump_json, "strings": strings,
            "without-pymalloc": without_pymalloc, "sigint-default": sigint_default}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
