#!/bin/bash
# tests/cpython/check-cpython.sh [MALLARD-BUILD-DIR] - CPython 3.11 linked
# against libmallard (pymalloc off: every object through mallard) passes a
# short set of CPython's own tests. Not part of 'make check' (the first run
# builds CPython: about 10 minutes on 2 cores; later runs reuse it); for CI.
#
# MALLARD-BUILD-DIR: a 64-bit mallard build directory (default: build64, made
# here with configure and make if it holds no libmallard.so).
# Exit status: 0 when the build, its libmallard check and the tests pass.

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
# shellcheck disable=SC2086
bench/cpython/build --variant mallard --mallard-build "$build" -j "$jobs" --test short \
	${MALLARD_CPYTHON_ARGS:-} >/dev/null
echo "check-cpython: ok" >&2
