#!/bin/bash
# tests/cpython/check-cpython.sh [MALLARD-BUILD-DIR] - CPython 3.11 linked
# against libmallard (pymalloc off: every object through mallard) passes a
# short set of CPython's own tests. Not part of 'make check' (the first run
# builds CPython: about 10 minutes on 2 cores; later runs reuse it); for CI.
#
# MALLARD-BUILD-DIR: a 64-bit mallard build directory (default: build64, made
# here with configure and make if it holds no libmallard.so).
# The short set runs a second time with allocations sampled every 4 KiB
# (MALLARD_SITES=4k), and tests/preload/leaker.py's growing line must be
# the first site mallard-report names. Then bench/run --cpython measures
# one small workload on it (nothing timed: it must run, print its checksum
# and give results.csv its rows).
# Exit status: 0 when the build, its libmallard check, the tests and the
# bench/run --cpython run pass; 3 when Debian's python3.11 source could not
# be fetched (bench/cpython/build's status: cpython/fetch-source's error line
# says which versions were tried and why each failed); else 1 or 2.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)

build=${1:-build64}
jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -f "$build/.libs/libmallard.so" ]; then
	echo "check-cpython: building libmallard in $build" >&2
	[ -x configure ] || autoreconf -fi
	mkdir -p "$build"
	(cd "$build" && { [ -f Makefile ] || "$root/configure" -q; } && make -j"$jobs" >/dev/null)
fi
# MALLARD_CPYTHON_ARGS: more options for bench/cpython/build (run-all passes
# --no-install with its own --no-install).
# bench/cpython/build's status passes through: run-all tells 3 (no source)
# from a failing build or test.
rc=0
# shellcheck disable=SC2086
bench/cpython/build --variant mallard --mallard-build "$build" -j "$jobs" --test short \
	${MALLARD_CPYTHON_ARGS:-} >/dev/null || rc=$?
[ $rc = 0 ] || exit $rc
# The same tests with an allocation sampled every 4 KiB or so, each with
# its Python stack read from inside malloc (MALLARD_SITES, diag/pyframes.c).
echo "check-cpython: the short tests again with MALLARD_SITES=4k" >&2
# shellcheck disable=SC2086
MALLARD_SITES=4k bench/cpython/build --variant mallard --mallard-build "$build" -j "$jobs" --test short \
	${MALLARD_CPYTHON_ARGS:-} >/dev/null || exit 1

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/env python3 bench/run --cpython --allocators mallard --only 'cpython/objects$' --reps 1 \
	--scale 0.05 --build "$build" --out "$out/results" >"$out/run.log" 2>&1 || {
	cat "$out/run.log" >&2
	echo "check-cpython: bench/run --cpython failed" >&2
	exit 1
}
# The sites of a leaking thread name its Python line (the built
# interpreter has no pymalloc: every object goes through libmallard).
py=bench/cpython/work/64/mallard/install/bin/python3.11
if [ -x "$py" ]; then
	line=$(grep -n '# LEAK' tests/preload/leaker.py | cut -d: -f1)
	MALLARD_SITES=16k MALLARD_STATS_INTERVAL_MS=100 MALLARD_STATS_FORMAT=json \
		MALLARD_STATS_FILE="$out/leaker.ndjson" "$py" tests/preload/leaker.py 3 >/dev/null
	st=0
	"$build/mallard-report" --json "$out/leaker.ndjson" >"$out/leaker.json" || st=$?
	if [ $st = 0 ]; then
		python3 tests/diag/check_sites.py ranked "$out/leaker.json" growth "leaker\.py:$line in grow" >"$out/why"
		if [ -s "$out/why" ]; then
			cat "$out/why" >&2
			echo "check-cpython: the sites of leaker.py do not name its LEAK line first" >&2
			exit 1
		fi
		echo "check-cpython: MALLARD_SITES names leaker.py:$line in grow first" >&2
	elif [ $st = 3 ]; then
		echo "check-cpython: leaker.py: the run was too short for a verdict; sites not checked" >&2
	else
		echo "check-cpython: mallard-report failed on leaker.py's snapshots (status $st)" >&2
		exit 1
	fi
fi
for metric in time_s peak_rss_kib frag_live_kib; do
	grep -q "^cpython/objects,mallard,64,$metric," "$out/results/results.csv" || {
		echo "check-cpython: bench/run --cpython: no $metric row for cpython/objects in results.csv" >&2
		exit 1
	}
done
echo "check-cpython: ok" >&2
