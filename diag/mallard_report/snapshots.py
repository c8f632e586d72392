"""snapshots - reading libmallard's NDJSON snapshots and checking each one.

read_snapshots() turns a file into a list of snapshots in time order, each
a dict of plain non-negative integers in a fixed shape (check_snapshot);
nothing after this module looks at the raw JSON. Bad input raises
InputError with the whole message, naming the file and line. The key lists
here follow include/mallard.h's field lists (tests/diag/check_header.py
checks them against the header).
"""

import json
import sys

from .figures import duration
from .sites import read_sites

PROG = "mallard-report"  # the command's name, as its messages give it
FORMAT_VERSION = 1  # the newest snapshot format this package reads (MALLARD_STATS_VERSION)
# The key lists follow mallard.h: MALLARD_STATS_TOTALS, _SPAN_FIELDS,
# _OCCUPANCY_BINS, in the header's order.
TOTALS = ("allocated", "requested", "active", "committed", "resident", "mapped", "metadata")
# MALLARD_STATS_CLASS_FIELDS, split in two: the keys every writer gives
# (docs/DIAGNOSTICS.md, "Input and errors"), and the others, read when present.
REQUIRED_CLASS_KEYS = ("size", "live_blocks", "pages", "free_blocks", "mallocs", "frees")
OPTIONAL_CLASS_KEYS = ("pages_full", "pages_partial", "pages_empty", "requested", "active")
SPAN_KEYS = ("blocks", "bytes", "mallocs")
OCCUPANCY_BINS = 10


class InputError(Exception):
    """Bad input: the message is the whole stderr line after "mallard-report: "."""


def read_snapshots(path):
    """Returns (snapshots in time order, warnings) read from path ("-": stdin).

    Every line must hold a version-1 snapshot of the same pid, except that a
    last line that does not parse is dropped with a warning: a process killed
    while writing leaves exactly that (libmallard writes a line per write()).
    """
    name = "stdin" if path == "-" else path
    data = read_bytes(path, name)
    if not data.strip():
        raise InputError("%s: empty file, no snapshots" % name)
    lines = data.split(b"\n")
    last = max(i for i, line in enumerate(lines) if line.strip())
    snapshots, warnings = [], []
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue  # blank lines separate nothing in NDJSON; skip them
        where = "%s:%d" % (name, index + 1)
        try:
            obj = parse_line(raw)
        except ValueError as err:
            if index == last and snapshots:
                warnings.append(truncation_warning(where, data, err))
                break
            raise InputError("%s: not a JSON object (%s)" % (where, err)) from None
        snapshots.append(line_snapshot(obj, where, index + 1, snapshots))
    # Sorted by wall clock; stable, so equal times keep the file's order.
    snapshots.sort(key=lambda s: s["time_ms"])
    return snapshots, warnings


def line_snapshot(obj, where, line, before):
    """The snapshot on line LINE (at WHERE, "FILE:LINE"), checked, and of the
    same pid as the snapshots BEFORE it: one file, one process."""
    try:
        snap = check_snapshot(obj)
    except ValueError as err:
        raise InputError("%s: %s" % (where, err)) from None
    snap["line"] = line
    if before and snap["pid"] != before[0]["pid"]:
        raise InputError("%s: snapshot of pid %d, but line %d is pid %d: one process per file"
                         % (where, snap["pid"], before[0]["line"], before[0]["pid"]))
    return snap


def read_bytes(path, name):
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as err:
        raise InputError("%s: cannot read: %s" % (name, err.strerror or err)) from None


def truncation_warning(where, data, err):
    if data.endswith(b"\n"):
        why = "last line is not valid JSON (%s)" % err
    else:
        why = "last line is truncated (the process was probably killed while writing it)"
    return "warning: %s: %s; reporting on the lines before it" % (where, why)


def parse_line(raw):
    """The JSON value on one line; ValueError with a short reason if none."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError("column %d: %s" % (err.colno, err.msg)) from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return obj


def check_snapshot(obj):
    """A normalized copy of one snapshot object; ValueError says what is wrong.

    The copy holds pid, time_ms, rss, uptime_ms and bits (None when absent),
    totals (every name of TOTALS), large and huge (SPAN_KEYS, 0 when absent),
    address_space and classes (read_class), and sites (sites.read_sites)
    when the snapshot has them; keys it does not know are left out (a newer
    writer's additions within version 1)."""
    if not isinstance(obj, dict):
        # It parsed, so it is not a truncated line: an error wherever it is.
        kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
        raise ValueError("not a JSON object (%s)" % kinds.get(type(obj), "a number"))
    check_version(obj)
    snap = {key: count(obj, key) for key in ("pid", "time_ms", "rss")}
    snap["uptime_ms"] = count(obj, "uptime_ms", None)
    snap["bits"] = count(obj, "bits", None)
    totals = member(obj, "totals", dict)
    snap["totals"] = {key: count(totals, key, path="totals.") for key in TOTALS}
    snap["large"] = read_span(obj, "large")
    snap["huge"] = read_span(obj, "huge")
    space = member(obj, "address_space", dict, {})
    snap["address_space"] = {key: count(space, key, None, "address_space.")
                             for key in ("free", "largest_free")}
    classes = member(obj, "classes", list)
    snap["classes"] = [read_class(c, i) for i, c in enumerate(classes)]
    sites = read_sites(obj)
    if sites is not None:
        snap["sites"] = sites
    return snap


def check_version(obj):
    if "version" not in obj:
        raise ValueError('not a mallard snapshot (no "version")')
    version = count(obj, "version")
    if version > FORMAT_VERSION:
        raise ValueError("snapshot format version %d is newer than this %s reads (%d)"
                         % (version, PROG, FORMAT_VERSION))
    if version < 1:
        raise ValueError("unknown snapshot format version %d" % version)


def member(obj, key, kind, default=ValueError):
    if key not in obj:
        if default is ValueError:
            raise ValueError('"%s" missing' % key)
        return default
    if not isinstance(obj[key], kind):
        raise ValueError('"%s" is not a JSON %s' % (key, "object" if kind is dict else "array"))
    return obj[key]


def count(obj, key, default=ValueError, path=""):
    """obj[key] as a non-negative integer (bool is not one)."""
    if key not in obj:
        if default is ValueError:
            raise ValueError('"%s%s" missing' % (path, key))
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError('"%s%s" is not a non-negative integer' % (path, key))
    return value


def read_span(obj, key):
    span = member(obj, key, dict, {})
    return {k: count(span, k, 0, key + ".") for k in SPAN_KEYS}


def read_class(obj, index):
    path = "classes[%d]." % index
    if not isinstance(obj, dict):
        raise ValueError('"classes[%d]" is not a JSON object' % index)
    c = {k: count(obj, k, path=path) for k in REQUIRED_CLASS_KEYS}
    c.update({k: count(obj, k, None, path) for k in OPTIONAL_CLASS_KEYS})
    if c["requested"] is None:
        c["requested"] = c["size"] * c["live_blocks"]
    if c["active"] is None:
        # A writer without the key: the class's blocks, live or stranded, as an estimate.
        c["active"] = c["size"] * (c["live_blocks"] + c["free_blocks"])
    c["occupancy"] = read_occupancy(obj.get("occupancy"), path)
    return c


def read_occupancy(value, path):
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != OCCUPANCY_BINS
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value)):
        raise ValueError('"%soccupancy" is not %d non-negative integers' % (path, OCCUPANCY_BINS))
    return list(value)


def uptime_s(snap, first):
    """Seconds since the process started (since the first snapshot when the
    writer gave no uptime)."""
    if snap["uptime_ms"] is not None:
        return snap["uptime_ms"] / 1000
    return (snap["time_ms"] - first["time_ms"]) / 1000


def skip_warmup(snapshots, from_s, name):
    """(the snapshots from FROM_S seconds of uptime on, a note or None)."""
    kept = [x for x in snapshots if uptime_s(x, snapshots[0]) >= from_s]
    if not kept:
        raise InputError("%s: no snapshot %s or more after the start (--from); the last is at %s"
                         % (name, duration(from_s), duration(uptime_s(snapshots[-1], snapshots[0]))))
    dropped = len(snapshots) - len(kept)
    note = ("left out the first %d snapshot(s), taken before %s of uptime (--from)"
            % (dropped, duration(from_s))) if dropped else None
    return kept, note
