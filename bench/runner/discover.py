"""discover - where the things bench/run measures are, and what machine it is.

- the build directory (holding bench/churn, or the program a shell script
  of bench/ runs, of the wanted word size), and the programs in it;
- the allocator libraries (bench/peers.tsv: Debian's packages, 64- or
  32-bit, and libmallard);
- the interpreters: /usr/bin/python3 and lua5.4, or for --m32 the i386
  ones tests/setup-i386-programs.sh unpacks into BUILD/i386-programs;
- the machine, the packages and the commit, for the report.

Nothing here runs a benchmark. Errors that stop the run raise RunnerError
(one line for the user); what only drops a part is returned as a warning.
"""

import os
import platform
import shutil
import subprocess


class RunnerError(Exception):
    """A setup problem: bench/run prints the message on one line, exit 2."""


MULTIARCH = {64: "x86_64-linux-gnu", 32: "i386-linux-gnu"}
PEERS_TSV = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "peers.tsv")


def _read_peers(path):
    """{allocator: (Debian package or None, library template or None)}, in
    the file's order."""
    peers = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, package, library = line.rstrip("\n").split("\t")
                peers[name] = (None if package == "-" else package, None if library == "-" else library)
    return peers


PEERS = _read_peers(PEERS_TSV)
ALLOCATORS = tuple(PEERS)

# build directories tried, in order, under the source tree (after the
# current directory)
BUILD_DIRS = ("build", "build{bits}", "build-bench", "build64", "build32",
              "b{bits}", "b64", "b32", ".")


def elf_bits(path):
    """32 or 64 for an ELF file (symlinks followed), else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(5)
    except OSError:
        return None
    if len(head) < 5 or head[:4] != b"\x7fELF":
        return None
    return {1: 32, 2: 64}.get(head[4])


def _is_build(d, bits, program):
    return elf_bits(os.path.join(d, "bench", program)) == bits


def _check_given_build(given, bits, program, flag32):
    d = os.path.abspath(given)
    if not os.path.isdir(d):
        raise RunnerError(f"--build {given}: no such directory")
    prog = os.path.join(d, "bench", program)
    if not os.path.exists(prog):
        raise RunnerError(f"{prog} not found: not a build directory, or not built yet (run make there)")
    if not _is_build(d, bits, program):
        raise RunnerError(f"{prog} is not a {bits}-bit program"
                          + (f" ({flag32} needs the 32-bit build)" if bits == 32 else f" (pass {flag32} for a 32-bit build)"))
    return d


def find_build(root, bits, given, program="churn", lib=None, flag32="--m32"):
    """The build directory (absolute) whose bench/PROGRAM is a BITS-bit
    program: GIVEN; else the one LIB (a libmallard.so in BUILD/.libs) was
    built in; else the current directory, or the first of BUILD_DIRS under
    ROOT."""
    if given:
        return _check_given_build(given, bits, program, flag32)
    tried = [os.getcwd()] + [os.path.join(root, n.format(bits=bits)) for n in BUILD_DIRS]
    if lib and os.path.basename(os.path.dirname(lib)) == ".libs":
        tried.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(lib))))
    for d in tried:
        if _is_build(d, bits, program):
            return os.path.normpath(d)
    raise RunnerError(f"no {bits}-bit build with bench/{program} under {root}; build first (see quickstart) "
                      "or pass --build DIR")


def allocator_path(name, bits, build, mallard_lib=None):
    """The library to preload for allocator NAME ('' for none)."""
    if name == "mallard" and mallard_lib:
        return mallard_lib
    template = PEERS[name][1]
    return template.format(multiarch=MULTIARCH[bits], build=build) if template else ""


def unusable(path, bits):
    """Why the library PATH cannot be preloaded into a BITS-bit program, or None."""
    if not os.path.exists(path):
        return "not found"
    if elf_bits(path) != bits:
        return f"is not a {bits}-bit library"
    return None


def stub_warning(lib):
    """A warning when LIB defines no malloc (the 'mallard' figures would be
    glibc's), else None."""
    out = _cmd(["nm", "-D", "--defined-only", lib])
    if out is None or any(line.split()[2:3] == ["malloc"] for line in out.splitlines()):
        return None
    return f"{lib} does not define malloc (still the stub?): the 'mallard' figures are glibc's"


def allocator_libs(bits, build, wanted, mallard_lib=None):
    """{name: library path ('' for glibc)} for the allocators of WANTED that
    are there, in WANTED's order, and a list of warnings for the others."""
    libs, warnings = {}, []
    for name in wanted:
        path = allocator_path(name, bits, build, mallard_lib)
        why = unusable(path, bits) if path else None
        if why:
            warnings.append(f"{name}: {path} {why} - skipped")
            continue
        libs[name] = os.path.realpath(path) if path else ""
    stub = stub_warning(libs["mallard"]) if libs.get("mallard") else None
    if stub:
        warnings.append(stub)
    return libs, warnings


def build_programs(build):
    """The programs bench/run takes from the build directory (paths; they
    may not exist)."""
    return {
        "churn": os.path.join(build, "bench", "churn"),
        "gbench": os.path.join(build, "bench", "gbench", "mallard-gbench"),
        "replay": os.path.join(build, "mallard-replay"),
        "trace_lib": os.path.join(build, ".libs", "libmallard-trace.so"),
    }


class Interpreter:
    """An interpreter to run workloads with: the program, the environment
    it needs (PYTHONHOME, LD_LIBRARY_PATH for the private i386 ones), its
    version; or why there is none (why)."""

    def __init__(self, lang, path=None, env=None, why=None):
        self.lang, self.path, self.env, self.why = lang, path, env or {}, why
        self.version = None


def _ask(interp, argv):
    """(answer, None) from running the interpreter, or (None, why not)."""
    env = dict(os.environ)
    env.update(interp.env)
    try:
        p = subprocess.run([interp.path] + argv, env=env, capture_output=True,
                           text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"{interp.path} does not start: {e}"
    if p.returncode != 0:
        first = (p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[0]
        return None, f"{interp.path} does not start: {first}"
    return (p.stdout + p.stderr).strip(), None


def interpreters(bits, build, python=None):
    """{'python': Interpreter, 'lua': Interpreter}, as
    bench/workloads/check-workloads.sh finds them; PYTHON (bench/run
    --python) before any of them."""
    res = {}
    if bits == 32:
        i386 = os.environ.get("MALLARD_I386_PROGRAMS") or os.path.join(build, "i386-programs")
        ld = f"{i386}/lib/i386-linux-gnu:{i386}/usr/lib/i386-linux-gnu"
        hint = "run 'make setup-i386-programs' in the 32-bit build first (tests/setup-i386-programs.sh)"
        for lang, rel, extra in (("python", "usr/bin/python3.11", {"PYTHONHOME": f"{i386}/usr"}),
                                 ("lua", "usr/bin/lua5.4", {})):
            path = os.path.join(i386, rel)
            if os.access(path, os.X_OK):
                env = {"LD_LIBRARY_PATH": ld}
                env.update(extra)
                res[lang] = Interpreter(lang, path, env)
            else:
                res[lang] = Interpreter(lang, why=f"no i386 {os.path.basename(rel)} at {path}; {hint}")
    else:
        py = os.environ.get("PYTHON") or ("/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else shutil.which("python3"))
        res["python"] = Interpreter("python", py) if py else Interpreter("python", why="python3 is not installed")
        lua = os.environ.get("LUA") or shutil.which("lua5.4")
        res["lua"] = Interpreter("lua", lua) if lua else Interpreter("lua", why="lua5.4 is not installed (apt-get install lua5.4)")
    if python and python != res["python"].path:
        res["python"] = Interpreter("python", python)
    for it in res.values():
        _probe(it, bits)
    return res


PROBES = {
    "python": ["-c", "import sys; print(sys.version.split()[0], 64 if sys.maxsize > 2**32 else 32)"],
    "lua": ["-e", "print(_VERSION:match('%d+%.%d+'), string.packsize('T') * 8)"],
}


def _probe(it, bits):
    """Fills in it.version, or clears it.path and says why in it.why: the
    interpreter does not start, or has the wrong word size."""
    if it.path is None:
        return
    out, why = _ask(it, PROBES[it.lang])
    if why:
        it.why, it.path = why, None
        return
    try:
        version, word = out.split()
    except ValueError:
        it.why, it.path = f"{it.path}: unexpected answer {out!r} to a version probe", None
        return
    if int(word) != bits:
        it.why, it.path = f"{it.path} is a {word}-bit interpreter, not {bits}-bit", None
        return
    it.version = version
    if it.lang == "lua":
        v, _ = _ask(it, ["-v"])
        if v:
            it.version = v.split("  ")[0]


# --- CPython built three ways (bench/cpython/build) ----------------------------

# bench/run --cpython: each "allocator" is an interpreter of bench/cpython/build
# and what is preloaded into it
CPYTHON_ALLOCATORS = ("pymalloc", "glibc", "jemalloc", "mimalloc", "tcmalloc", "mallard")
CPYTHON_VARIANT = {"pymalloc": "stock", "mallard": "mallard"}  # the rest run on "system"
CPYTHON_HOW = {
    "pymalloc": "`stock`: CPython's default build, pymalloc for objects up to 512 B, glibc for the rest",
    "glibc": "`system`: `--without-pymalloc`, glibc's malloc for everything",
    "jemalloc": "`system` with jemalloc preloaded",
    "mimalloc": "`system` with mimalloc preloaded",
    "tcmalloc": "`system` with tcmalloc preloaded",
    "mallard": "`mallard`: `--without-pymalloc`, linked with libmallard (no preload)",
}


def cpython_python(work, bits, variant):
    return os.path.join(work, str(bits), variant, "install", "bin", "python3.11")


def linked_library(prog, soname_prefix):
    """The path the dynamic linker resolves for PROG's library whose name
    starts with SONAME_PREFIX (ldd), or None."""
    for line in (_cmd(["ldd", prog]) or "").splitlines():
        name, _, rest = line.strip().partition(" => ")
        if name.startswith(soname_prefix) and rest and not rest.startswith("not found"):
            return rest.split(" (")[0].strip()
    return None


def cpython_setup(root, bits, build, wanted, work):
    """For bench/run --cpython: ({allocator: library to preload, '' for
    none}, {allocator: Interpreter}, warnings) for the allocators of WANTED
    whose interpreter (and library) is there, in WANTED's order. Raises
    RunnerError when no variant is built at all."""
    variants = {}
    for v in ("stock", "mallard", "system"):
        it = Interpreter("python", cpython_python(work, bits, v))
        if not os.access(it.path, os.X_OK):
            it.why, it.path = (f"no {bits}-bit '{v}' CPython at {it.path} (build it: bench/cpython/build "
                               f"--variant {v}{' --m32' if bits == 32 else ''})"), None
        _probe(it, bits)
        variants[v] = it
    if not any(it.path for it in variants.values()):
        raise RunnerError(f"no {bits}-bit CPython of bench/cpython/build under {work} (build them: "
                          f"bench/cpython/build{' --m32' if bits == 32 else ''}; or pass --cpython-work DIR)")
    mallard = variants["mallard"]
    if mallard.path and not linked_library(mallard.path, "libmallard"):
        mallard.why, mallard.path = f"{cpython_python(work, bits, 'mallard')} does not load libmallard (ldd)", None
    peers = [a for a in wanted if a not in CPYTHON_VARIANT]
    libs_peer, warnings = allocator_libs(bits, build, peers)
    libs, interps = {}, {}
    for a in wanted:
        it = variants[CPYTHON_VARIANT.get(a, "system")]
        if not it.path:
            warnings.append(f"{a}: {it.why} - skipped")
        elif a in CPYTHON_VARIANT:
            libs[a], interps[a] = "", it
        elif a in libs_peer:
            libs[a], interps[a] = libs_peer[a], it
    return libs, interps, warnings


def _cmd(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def package_of(path):
    """'package version' of the Debian package that installed PATH, or None."""
    for p in dict.fromkeys((os.path.realpath(path), path)):
        out = _cmd(["dpkg-query", "-S", p])
        if out:
            pkg = out.splitlines()[0].split(": ")[0].split(", ")[0]
            ver = _cmd(["dpkg-query", "-W", "-f=${Version}", pkg])
            return f"{pkg} {ver}" if ver else pkg
    return None


def git_commit(root):
    """Short commit of the source tree, '+dirty' when tracked files changed."""
    head = _cmd(["git", "-C", root, "rev-parse", "--short", "HEAD"])
    if not head:
        return "unknown (not a git checkout)"
    dirty = _cmd(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"])
    return head + ("+dirty" if dirty else "")


def machine(root, build, bits, libs, interps, progs):
    """[(key, value)] describing the machine and the software measured."""
    info = []
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ncpu = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = ncpu
    info.append(("CPU", f"{cpu}, {ncpu} logical CPUs ({usable} usable)"))
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
        info.append(("memory", f"{kib / 1048576:.1f} GiB"))
    except (OSError, ValueError, IndexError):
        pass
    info.append(("kernel", f"{platform.system()} {platform.release()} {platform.machine()}"))
    distro = "unknown"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    info.append(("distribution", distro))
    libc = f"/lib/{MULTIARCH[bits]}/libc.so.6"  # the name dpkg knows (usrmerge)
    info.append(("glibc", package_of(libc) or platform.libc_ver()[1] or "unknown"))
    for name, path in libs.items():
        if name in ("glibc", "mallard") or not path:
            continue
        info.append((name, f"{package_of(path) or 'not from a package'} ({path})"))
    mallard = libs.get("mallard")
    if mallard == "" and "mallard" in interps:  # --cpython: linked into the interpreter
        mallard = linked_library(interps["mallard"].path, "libmallard") or "?"
        mallard = f"{os.path.realpath(mallard)}, linked into the `mallard` CPython"
    info.append(("mallard", f"git {git_commit(root)}, {mallard or 'not measured'}"))
    conf = _cmd([os.path.join(build, "config.status"), "--config"])
    info.append(("build", f"{build}, {bits}-bit" + (f", configure {conf}" if conf else "")))
    shown = set()
    for lang, it in interps.items():
        if it.path in shown:
            continue
        shown.add(it.path)
        if lang in CPYTHON_ALLOCATORS:
            lang = "CPython " + CPYTHON_VARIANT.get(lang, "system")
        if it.path:
            pkg = package_of(it.path) if not it.env else None
            info.append((lang, f"{it.version} ({it.path}" + (f", {pkg}" if pkg else "") + ")"))
        else:
            info.append((lang, f"none: {it.why}"))
    gb = progs["gbench"]
    if os.path.exists(gb):
        lib = None
        out = _cmd(["ldd", gb]) or ""
        for line in out.splitlines():
            if "libbenchmark" in line and "=>" in line:
                lib = line.split("=>")[1].split("(")[0].strip()
        info.append(("Google Benchmark", (package_of(lib) if lib else None) or "linked statically or unknown"))
    try:
        with open("/proc/loadavg") as f:
            info.append(("load average at start", " ".join(f.read().split()[:3])))
    except OSError:
        pass
    return info
