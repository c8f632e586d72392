"""service_common.py - what the CPython scenarios share: the command line
(--seconds S, --long, --close) and the 10 ms tick schedule, the same as the
C scenarios' (scenario.h)."""

import argparse
import time

TICK_S = 0.010
SHORT_SECONDS = 3.0  # default: what the tests run
LONG_SECONDS = 120.0  # --long: for a walkthrough


def positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not 0.0 < value <= 86400.0:
        raise argparse.ArgumentTypeError(f"not in (0, 86400]: {text!r}")
    return value


def make_parser(name, description, close_help):
    """The parser of the common options, for a scenario to add its own to."""
    parser = argparse.ArgumentParser(prog=name, description=description)
    parser.add_argument("--seconds", type=positive_seconds, default=SHORT_SECONDS,
                        help=f"run for about S seconds in ticks of 10 ms (default {SHORT_SECONDS:.0f})")
    parser.add_argument("--long", action="store_true", help=f"run for {LONG_SECONDS:.0f} seconds")
    parser.add_argument("--close", action="store_true", help=close_help)
    return parser


def parse_with(parser, argv):
    """The options; a bad one prints usage and exits 2 (argparse). --long
    sets the seconds."""
    args = parser.parse_args(argv)
    if args.long:
        args.seconds = LONG_SECONDS
    return args


def parse_args(name, description, close_help, argv):
    return parse_with(make_parser(name, description, close_help), argv)


def ticks_of(seconds):
    return max(1, round(seconds / TICK_S))


def wait_for_tick(start, tick):
    """Sleeps until tick `tick` of a schedule that began at `start`
    (time.monotonic()): an absolute schedule, so a slow tick is caught up."""
    delay = start + tick * TICK_S - time.monotonic()
    if delay > 0:
        time.sleep(delay)
