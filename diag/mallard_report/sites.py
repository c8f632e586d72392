"""sites - the sampled allocation sites of a run (MALLARD_SITES): reading
them from a snapshot, naming their frames, and ranking them for the
verdict.

A snapshot taken with sampling on carries "sites": the sampling rate, the
sites with the most live bytes (each an estimate from its samples, with
the return addresses of its stack, innermost first, and in a CPython
process its Python stack as "file:line in function" lines) and the
objects loaded in the process (path, load address, executable range,
build-id).
Frames are named here, at report time, from the objects' files: the
function and, where debug information is there, file:line (addr2line),
else object+offset. A file whose build-id is not the one the process
loaded is not trusted for names.
"""

import math
import os
import shutil
import struct
import subprocess

from .figures import human, percent

SHOWN = 5  # sites the text report lists
FRAMES_SHOWN = 4  # frames of each


# ---- reading -----------------------------------------------------------

def read_sites(obj):
    """The "sites" member of a raw snapshot, checked, or None when absent.
    ValueError says what is wrong."""
    raw = obj.get("sites")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError('"sites" is not an object')
    out = {key: nonneg(raw, key, "sites.") for key in
           ("rate", "count", "samples_live", "samples_dropped", "live_bytes", "live_blocks")}
    sites = raw.get("list", [])
    if not isinstance(sites, list):
        raise ValueError('"sites.list" is not an array')
    out["list"] = [read_site(s, i) for i, s in enumerate(sites)]
    objects = raw.get("objects", [])
    if not isinstance(objects, list):
        raise ValueError('"sites.objects" is not an array')
    out["objects"] = [read_object(o, i) for i, o in enumerate(objects)]
    return out


def nonneg(obj, key, path):
    v = obj.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError('"%s%s" is not a non-negative integer' % (path, key))
    return v


def address(text, where):
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ValueError('"%s" is not an address ("0x...")' % where)
    try:
        return int(text, 16)
    except ValueError:
        raise ValueError('"%s" is not an address ("0x...")' % where) from None


def read_site(s, i):
    path = "sites.list[%d]." % i
    if not isinstance(s, dict):
        raise ValueError('"%s" is not an object' % path[:-1])
    out = {key: nonneg(s, key, path) for key in
           ("live_bytes", "live_blocks", "alloc_bytes", "allocs", "samples_live", "samples")}
    out["pinned_bytes"] = nonneg(s, "pinned_bytes", path) if "pinned_bytes" in s else 0
    frames = s.get("frames")
    if not isinstance(frames, list):
        raise ValueError('"%sframes" is not an array' % path)
    out["frames"] = tuple(address(f, "%sframes[%d]" % (path, k)) for k, f in enumerate(frames))
    py = s.get("py", [])
    if not isinstance(py, list) or not all(isinstance(f, str) for f in py):
        raise ValueError('"%spy" is not an array of strings' % path)
    out["py"] = tuple(py)
    return out


def read_object(o, i):
    path = "sites.objects[%d]." % i
    if not isinstance(o, dict) or not isinstance(o.get("path"), str):
        raise ValueError('"%spath" is not a string' % path)
    out = {"path": o["path"], "build_id": o.get("build_id") if isinstance(o.get("build_id"), str) else ""}
    for key in ("base", "lo", "hi"):
        out[key] = address(o.get(key), path + key)
    return out


# ---- naming frames -------------------------------------------------------

def elf_build_id(path):
    """The hex GNU build-id of the ELF file at PATH, "" if it has none,
    None if it cannot be read."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 16)  # the notes sit near the start
    except OSError:
        return None
    if data[:4] != b"\x7fELF" or len(data) < 64:
        return None
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if wide:
        phoff, = struct.unpack_from(order + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 54)
    else:
        phoff, = struct.unpack_from(order + "I", data, 28)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 42)
    for k in range(phnum):
        at = phoff + k * phentsize
        if at + phentsize > len(data):
            break
        ptype, = struct.unpack_from(order + "I", data, at)
        if ptype != 4:  # PT_NOTE
            continue
        if wide:
            offset, = struct.unpack_from(order + "Q", data, at + 8)
            size, = struct.unpack_from(order + "Q", data, at + 32)
        else:
            offset, = struct.unpack_from(order + "I", data, at + 4)
            size, = struct.unpack_from(order + "I", data, at + 16)
        p, end = offset, min(offset + size, len(data))
        while p + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from(order + "III", data, p)
            name = data[p + 12:p + 12 + namesz]
            desc = p + 12 + ((namesz + 3) & ~3)
            if ntype == 3 and name.rstrip(b"\0") == b"GNU":
                return data[desc:desc + min(descsz, 20)].hex()
            p = desc + ((descsz + 3) & ~3)
    return ""


class Symbolizer:
    """Names return addresses from the objects a snapshot lists."""

    def __init__(self, objects):
        self.objects = sorted(objects, key=lambda o: o["lo"])
        self.names = {}  # address -> "function at file:line (object+offset)"
        self.functions = {}  # address -> "function", or "object+offset" when unknown
        self.trusted = {}
        self.addr2line = shutil.which("addr2line")

    def find(self, addr):
        for o in self.objects:
            if o["lo"] <= addr < o["hi"]:
                return o
        return None

    def trust(self, o):
        """Whether O's file is the one the process loaded (same build-id)."""
        if o["path"] not in self.trusted:
            found = elf_build_id(o["path"]) if o["path"].startswith("/") else None
            self.trusted[o["path"]] = found is not None and (not o["build_id"] or found == o["build_id"])
        return self.trusted[o["path"]]

    def prepare(self, addrs):
        """Looks up every address at once, a call of addr2line per object."""
        todo = {}
        for a in set(addrs) - set(self.names):
            o = self.find(a)
            if o is None:
                self.names[a] = self.functions[a] = "0x%x" % a
            else:
                todo.setdefault(o["path"], (o, []))[1].append(a)
        for o, addrs_of in todo.values():
            where = {a: "%s+0x%x" % (os.path.basename(o["path"]) or "?", a - o["base"]) for a in addrs_of}
            found = self.run_addr2line(o, addrs_of) if self.trust(o) and self.addr2line else {}
            for a in addrs_of:
                func, line = found.get(a, (None, None))
                self.functions[a] = func or where[a]
                if func and line:
                    self.names[a] = "%s at %s (%s)" % (func, line, where[a])
                elif func:
                    self.names[a] = "%s (%s)" % (func, where[a])
                else:
                    self.names[a] = where[a]

    def run_addr2line(self, o, addrs):
        # a return address is the instruction after the call: name the call
        queries = ["0x%x" % (a - o["base"] - 1) for a in addrs]
        try:
            out = subprocess.run([self.addr2line, "-a", "-f", "-C", "-e", o["path"]] + queries,
                                 capture_output=True, text=True, timeout=60, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return {}
        lines = out.splitlines()
        found = {}
        for k, a in enumerate(addrs):
            if 3 * k + 2 >= len(lines):
                break
            func, line = lines[3 * k + 1], lines[3 * k + 2]
            func = None if func == "??" else func
            line = None if line.startswith("??") else os.path.basename(line.split(" ")[0])
            found[a] = (func, line)
        return found

    def name(self, addr):
        if addr not in self.names:
            self.prepare([addr])
        return self.names[addr]

    def function(self, addr):
        """The function alone (flame graphs merge a function's call sites)."""
        if addr not in self.functions:
            self.prepare([addr])
        return self.functions[addr]


# ---- ranking -------------------------------------------------------------

# the figures of sites that merge into one entry, added up
SUMMED = ("live_bytes", "live_blocks", "pinned_bytes", "alloc_bytes", "allocs", "samples_live")


def site_key(site):
    """What makes sites one entry: their Python stack when they have one
    (the C stacks under one Python line differ by the interpreter's paths),
    else their C stack."""
    return ("py",) + site["py"] if site["py"] else site["frames"]


def growth_by_site(snaps):
    """By site key: the growth of its estimated live bytes over SNAPS, as
    the least-squares slope times the time they span (a site missing from
    a snapshot's list counts 0 there). A slope, not last minus first: a
    sample of a short-lived block that happens to be live in the last
    snapshot is one point of the series, not a rise."""
    from .trends import fit_line  # trends reads snapshots, which reads this module
    ts = [(s["time_ms"] - snaps[0]["time_ms"]) / 1000 for s in snaps]
    span = ts[-1] - ts[0]
    series = {}
    for i, snap in enumerate(snaps):
        for site in snap["sites"]["list"]:
            ys = series.setdefault(site_key(site), [0] * len(snaps))
            ys[i] += site["live_bytes"]
    if span <= 0:
        return {}
    return {key: round(fit_line(ts, ys) * span) for key, ys in series.items()}


def sites_report(snapshots, word):
    """What the report says of the sites of SNAPSHOTS (those analysed), for
    the verdict WORD; None when no snapshot carries sites."""
    with_sites = [s for s in snapshots if s.get("sites")]
    if not with_sites:
        return None
    first, last = with_sites[0], with_sites[-1]
    table = last["sites"]
    sym = Symbolizer(table["objects"])
    sym.prepare([a for site in table["list"] for a in site["frames"]])
    trend = growth_by_site(with_sites)
    merged = {}
    for site in table["list"]:
        key = site_key(site)
        e = merged.get(key)
        if e is None or site["live_bytes"] > e["top_live"]:
            # the frames shown are those of the biggest site of the group
            shown = {"python": list(site["py"]), "frames": [sym.name(a) for a in site["frames"]],
                     "addresses": ["0x%x" % a for a in site["frames"]], "top_live": site["live_bytes"]}
            e = dict(e or {}, **shown)
            merged[key] = e
        for k in SUMMED:
            e[k] = e.get(k, 0) + site[k]
    entries = []
    for key, e in merged.items():
        e["growth_bytes"] = trend.get(key, 0)
        del e["top_live"]
        entries.append(e)
    # leak: who grew; fragmentation: who pins the sparse pages; else who holds
    basis, key = {"leak": ("growth", "growth_bytes"),
                  "fragmentation": ("pinned", "pinned_bytes")}.get(word, ("live", "live_bytes"))
    ranked = sorted((e for e in entries if e[key] > 0), key=lambda e: -e[key])
    whole = table["live_bytes"] if basis == "live" else sum(e[key] for e in ranked)
    for e in ranked:
        e["share"] = round(e[key] / whole, 4) if whole else 0.0
    measured = None
    if basis == "pinned":
        # A site's pinned_bytes is unbiased but rough: one sample of a
        # small block in a sparse page stands for hundreds of blocks. The
        # total stranded is measured, not sampled: each site is shown its
        # share of that.
        from .classes import stranded  # classes reads snapshots, which reads this module
        measured = stranded(last)["bytes"]
        for e in ranked:
            e["pinned_share_bytes"] = round(e["share"] * measured)
    return {"rate": table["rate"], "line": last["line"], "since_line": first["line"],
            "stranded_bytes": measured,
            "basis": basis, "samples_live": table["samples_live"],
            "samples_dropped": table["samples_dropped"], "sites": table["count"],
            "live_bytes": table["live_bytes"], "ranked": ranked,
            "under": dominant_path(ranked, key)}


def dominant_path(ranked, key):
    """The Python frames that at least half of the figure was allocated
    under, innermost last: [{"frame", "share"}]. Samples spread over many
    lines of one function add up here, which a ranking of single sites
    would split. (Snapshots keep the innermost frames of a stack only, so
    frames are matched wherever they sit in it.)"""
    whole = sum(e[key] for e in ranked)
    if whole <= 0:
        return []
    under, depth = {}, {}
    for e in ranked:
        for i, frame in enumerate(dict.fromkeys(e["python"])):  # once per site
            under[frame] = under.get(frame, 0) + e[key]
            depth.setdefault(frame, []).append(i)
    held = [(sum(depth[f]) / len(depth[f]), f, n / whole) for f, n in under.items() if n >= whole / 2]
    return [{"frame": f, "share": round(share, 4)} for _, f, share in sorted(held, reverse=True)]


def sites_text(sr):
    """The text report's section on the sites (after the verdict)."""
    if sr is None:
        return []
    head = {
        "growth": "where the growth was allocated (sites whose estimated live bytes rose as a "
                  "trend from line %d to line %d, by share of that growth)"
                  % (sr["since_line"], sr["line"]),
        "pinned": "who pins the pages (the stranded bytes of partly used pages, shared out among "
                  "the live blocks that keep each page in use, by site; line %d)" % sr["line"],
        "live": "where the live bytes were allocated (line %d, by share of the sampled live bytes)"
                % sr["line"]}[sr["basis"]]
    out = ["", "sites: %s; sampled every %s on average, %d samples live, %d sites"
           % (head, human(sr["rate"]), sr["samples_live"], sr["sites"])]
    if sr["under"]:
        deepest = sr["under"][-FRAMES_SHOWN - 1:]
        out.append("  most of it under %s (%s)" % (deepest[-1]["frame"], percent(deepest[-1]["share"])))
        for u in reversed(deepest[:-1]):
            out.append("    <- %s (%s)" % (u["frame"], percent(u["share"])))
    if sr["samples_dropped"]:
        out.append("  note: %d samples found no room in the table and are not counted"
                   % sr["samples_dropped"])
    if not sr["ranked"]:
        out.append("  none " + {"growth": "grew", "pinned": "pins a page",
                                "live": "holds live bytes"}[sr["basis"]])
    for e in sr["ranked"][:SHOWN]:
        err = " +/- %s" % percent(1 / math.sqrt(e["samples_live"])) if e["samples_live"] else ""
        if sr["basis"] == "growth":
            amount = "+%s, %s live" % (human(e["growth_bytes"]), human(e["live_bytes"]))
        elif sr["basis"] == "pinned":
            amount = "pins %s of the %s stranded, %s live" % (
                human(e["pinned_share_bytes"]), human(sr["stranded_bytes"]), human(e["live_bytes"]))
        else:
            amount = "%s live" % human(e["live_bytes"])
        out.append("  %6s  %s (%d samples%s)" % (percent(e["share"]), amount, e["samples_live"], err))
        frames = e["python"] or e["frames"] or ["(no frames)"]
        for k, f in enumerate(frames[:FRAMES_SHOWN]):
            out.append("          %s %s" % ("at" if k == 0 else "<-", f))
        if len(frames) > FRAMES_SHOWN:
            out.append("          <- ... %d more" % (len(frames) - FRAMES_SHOWN))
        if e["python"] and e["frames"]:
            out.append("          (in C: %s)" % e["frames"][0])
    return out
