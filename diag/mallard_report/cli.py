"""cli - the mallard-report command: its flags, its outputs, its exit status.

Exit status: 0 report printed, 1 bad input (one line on stderr naming the
file and line), 2 bad command line, 3 report printed with the verdict
"undecided" (the snapshots are too few or too ambiguous to name a cause).
No input gives a traceback: main() turns every error into one line.
"""

import argparse
import json
import os
import sys

from .analysis import json_dict, report_file
from .flame import write_flame, write_folded
from .snapshots import PROG, InputError
from .svg import svg_report, write_svg
from .text import series_text, text_report
from .verdict import UNDECIDED

EXIT_UNDECIDED = 3
USAGE = ("usage: %s [-h] [--json] [--svg OUT] [--flame OUT] [--folded OUT] [--from SECONDS] "
         "[--series] FILE" % PROG)


class UsageError(Exception):
    """Bad command line: argparse's message, reported with the usage line."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one usage line plus one message, status 2."""

    def error(self, message):
        raise UsageError(message)


def parse_args(argv):
    p = Parser(prog=PROG, description="Explain a process's heap from libmallard's NDJSON "
               "snapshots (MALLARD_STATS_FORMAT=json): summary, trends, growth by size class "
               "and a verdict (leak, fragmentation, retention, outside-heap, stable, or "
               "undecided when the snapshots cannot tell them apart).",
               epilog="Exit status: 0 report printed, 1 bad input, 2 bad command line, "
               "3 report printed but the verdict is undecided (too little or too ambiguous "
               "evidence).")
    p.add_argument("file", metavar="FILE", help="NDJSON snapshots of one process ('-': stdin)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--svg", metavar="OUT", help="also draw the totals over time and the "
                   "page-occupancy map into the SVG file OUT")
    p.add_argument("--flame", metavar="OUT", help="also draw a flame graph of the live bytes by "
                   "allocation site (snapshots taken with MALLARD_SITES) into the SVG file OUT")
    p.add_argument("--folded", metavar="OUT", help="also write the live bytes by allocation site "
                   "as folded stacks (flamegraph.pl, inferno, speedscope) to OUT ('-': stdout, "
                   "instead of the report)")
    p.add_argument("--from", dest="from_s", metavar="SECONDS", type=seconds_arg,
                   help="leave out the snapshots taken less than SECONDS after the process "
                   "started (a warm-up): the trends, growth and verdict start there")
    p.add_argument("--series", action="store_true",
                   help="text output: end with the totals of every snapshot, one line each")
    return p.parse_args(argv)


def seconds_arg(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number of seconds: %r" % text) from None
    if not 0 <= value < 1e9:
        raise argparse.ArgumentTypeError("not in [0, 1e9): %r" % text)
    return value


def run(argv):
    """mallard-report ARGV: prints the report; returns the exit status."""
    args = parse_args(argv)
    report = report_file(args.file, args.from_s, warn)
    if args.svg:
        write_svg(args.svg, svg_report(report))
    if args.flame:
        write_flame(args.flame, report)
    if args.folded == "-":
        sys.stdout.write(write_folded("-", report))
        return 0
    if args.folded:
        write_folded(args.folded, report)
    if args.json:
        text = json.dumps(json_dict(report), indent=1, sort_keys=False) + "\n"
    else:
        text = text_report(report) + (series_text(report) if args.series else "")
    sys.stdout.write(text)
    sys.stdout.flush()
    return EXIT_UNDECIDED if report["verdict"] == UNDECIDED else 0


def warn(text):
    print("%s: %s" % (PROG, text), file=sys.stderr)


def main(argv=None):
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except UsageError as err:
        print(USAGE, file=sys.stderr)
        print("%s: error: %s" % (PROG, err), file=sys.stderr)
        return 2
    except InputError as err:
        print("%s: %s" % (PROG, err), file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (mallard-report ... | head): nothing to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug: still one line, never a traceback
        print("%s: internal error: %s: %s" % (PROG, type(err).__name__, err), file=sys.stderr)
        return 1
