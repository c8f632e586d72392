"""common.py - shared helpers for the Python workloads in bench/workloads.

Every workload takes `--scale F` (float, default 1.0; the amount of work is
proportional to it; a bare number is accepted too, as objects.py always
did), does a fixed amount of work that depends only on the scale and a
pinned seed, and prints

    checksum <hex>        identical for every allocator and every run
    peak_rss_kib N        VmHWM from /proc/self/status
    rss_end_kib N         VmRSS from /proc/self/status

Nothing here may depend on addresses (id(), default repr, hash() of plain
objects, iteration order of sets of objects) or on the string hash seed
(iteration order of sets of str): those differ between allocators or runs.
"""

import argparse
import sys
import zlib


def parse_args(description, argv=None):
    """Returns the scale (float > 0)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--scale", type=float, default=None,
                   help="amount of work relative to the default (1.0)")
    p.add_argument("pos_scale", nargs="?", type=float, default=None,
                   metavar="SCALE", help="same as --scale")
    a = p.parse_args(argv)
    scale = a.scale if a.scale is not None else a.pos_scale
    if scale is None:
        scale = 1.0
    if not scale > 0:
        p.error("scale must be > 0")
    return scale


def count(scale, base, minimum=1):
    """The number of iterations for BASE at the default scale."""
    return max(minimum, int(base * scale + 0.5))


class Checksum:
    """A CRC-32 over a stream of values, rendered with repr() (ints, strs,
    tuples of them): deterministic whatever the allocator."""

    def __init__(self):
        self.crc = 0

    def add(self, *values):
        for v in values:
            if isinstance(v, bytes):
                self.crc = zlib.crc32(v, self.crc)
            else:
                self.crc = zlib.crc32(repr(v).encode("utf-8", "surrogatepass"), self.crc)
            self.crc = zlib.crc32(b";", self.crc)

    def hex(self):
        return "%08x" % self.crc


def _status_kib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def report(checksum, **extra):
    """Prints the extra KEY VALUE lines, the checksum and the RSS lines."""
    for k in sorted(extra):
        print("%s %s" % (k, extra[k]))
    if isinstance(checksum, Checksum):
        checksum = checksum.hex()
    elif isinstance(checksum, int):
        checksum = "%08x" % (checksum & 0xffffffff)
    print("checksum %s" % checksum)
    print("peak_rss_kib %d" % _status_kib("VmHWM"))
    print("rss_end_kib %d" % _status_kib("VmRSS"))
    sys.stdout.flush()
