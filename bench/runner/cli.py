"""cli - discover's answers for the shell scripts of bench/ (through
bench/lib.sh), so that they find builds and allocators exactly as bench/run
does:

    cli.py elf-bits FILE
        32 or 64 for an ELF file (symlinks followed), nothing otherwise
    cli.py setup --prog NAME --program PROG --bits 64|32
                 [--build DIR] [--lib PATH] [--allocators LIST]
        the build directory whose bench/PROG has that word size, then the
        library to preload for each allocator of LIST (default: all of
        bench/peers.tsv), one tab-separated line each:
            build  DIR
            lib    ALLOCATOR  PATH ('' for glibc)
            skip   ALLOCATOR  PATH WHY
        Warnings go to stderr as "NAME: warning: ...". Exit status 2 with
        one line "NAME: ..." when there is no build or no allocator left.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from runner import discover  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

USAGE = ("usage: cli.py elf-bits FILE\n"
         "       cli.py setup --prog NAME --program PROG --bits 64|32 [--build DIR] [--lib PATH] "
         "[--allocators LIST]\n")


class Usage(Exception):
    pass


def options(argv, known):
    """{name: value} of '--name value' pairs; the names must be in KNOWN."""
    if len(argv) % 2:
        raise Usage(f"no value for {argv[-1]}")
    opts = {}
    for flag, value in zip(argv[::2], argv[1::2]):
        if flag[2:] not in known or not flag.startswith("--"):
            raise Usage(f"unknown option {flag}")
        opts[flag[2:]] = value
    return opts


def wanted_allocators(text):
    """The names of a comma-separated list, once each, in its order."""
    names = list(dict.fromkeys(text.split(","))) if text else list(discover.ALLOCATORS)
    for name in names:
        if name not in discover.ALLOCATORS:
            raise discover.RunnerError(f"unknown allocator '{name}'")
    return names


def setup(opts):
    bits = int(opts["bits"])
    lib = os.path.abspath(opts["lib"]) if opts.get("lib") else None
    build = discover.find_build(ROOT, bits, opts.get("build"), opts["program"], lib, "--bits 32")
    wanted = wanted_allocators(opts.get("allocators"))
    libs, warnings = discover.allocator_libs(bits, build, wanted, lib)
    for w in warnings:
        print(f"{opts['prog']}: warning: {w}", file=sys.stderr)
    if not libs:
        raise discover.RunnerError("no allocator left to measure")
    lines = [("build", build)] + [("lib", a, p) for a, p in libs.items()]
    for a in wanted:
        if a not in libs:
            path = discover.allocator_path(a, bits, build, lib)
            lines.append(("skip", a, f"{path} {discover.unusable(path, bits)}"))
    print("\n".join("\t".join(x) for x in lines))


def main(argv):
    if argv[:1] == ["elf-bits"] and len(argv) == 2:
        bits = discover.elf_bits(argv[1])
        if bits:
            print(bits)
        return 0
    if argv[:1] != ["setup"]:
        raise Usage("no command")
    opts = options(argv[1:], ("prog", "program", "bits", "build", "lib", "allocators"))
    if not {"prog", "program", "bits"} <= set(opts) or opts["bits"] not in ("32", "64"):
        raise Usage("setup needs --prog, --program and --bits 64|32")
    try:
        setup(opts)
    except discover.RunnerError as e:
        print(f"{opts['prog']}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Usage as e:
        sys.stderr.write(f"cli.py: {e}\n{USAGE}")
        sys.exit(2)
