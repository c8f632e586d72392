#!/bin/bash
# bench/suite-selftest.sh - bench/suite works end to end on a stand-in for
# mimalloc-bench; times nothing. TAP.
#
# The stand-in is a tree with mimalloc-bench's file names whose programs
# print what the real ones print (larson its relative time, glibc-thread
# its iteration count) and allocate a little. Checked:
# - no --source: the usage on stderr, status 2;
# - a directory that is no checkout: one line, status 2;
# - a program that does not compile: one line naming it, status 2;
# - a run of every case under glibc and mallard: status 0, a report row per
#   case with a verdict, results.csv with a row per case and allocator,
#   larson's and glibc-thread's times read from their output;
# - --preload-first bench/.libs/mremap-refuse.so: preloaded ahead of glibc
#   and of mallard (its report line in each log), and said so in the report.
#
# Environment (set by 'make check'): top_srcdir, top_builddir,
# MALLARD_HOST_BITS. SKIP without python3 or g++.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
bits=${MALLARD_HOST_BITS:-64}

. "$top_srcdir/bench/lib.sh"
py=$(bench_python) || { echo "1..0 # SKIP python3 not found"; exit 0; }
command -v g++ >/dev/null || { echo "1..0 # SKIP g++ not found"; exit 0; }
suite="$top_srcdir/bench/suite"
m32=
[ "$bits" = 32 ] && m32=--m32

# TAP helpers and $work, a scratch directory removed on exit.
# shellcheck source=tests/preload/common.sh
. "$top_srcdir/tests/preload/common.sh"

tap_plan 5

"$py" "$suite" >"$work/nosrc.out" 2>"$work/nosrc.err"
rc=$?
if [ $rc = 2 ] && grep -q '^usage: bench/suite' "$work/nosrc.err" && ! grep -q Traceback "$work/nosrc.err"; then
	tap_ok "no --source: usage on stderr, status 2"
else
	tap_not_ok "no --source: status $rc" "$work/nosrc.err"
fi

"$py" "$suite" --source "$work" >"$work/notsrc.out" 2>"$work/notsrc.err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$work/notsrc.err")" = 1 ] && grep -q 'not a mimalloc-bench checkout' "$work/notsrc.err"; then
	tap_ok "not a checkout: one line ($(cat "$work/notsrc.err")), status 2"
else
	tap_not_ok "not a checkout: status $rc" "$work/notsrc.err"
fi

# The stand-in: every source file bench/suite compiles, empty but for the
# one with main().
src="$work/mb"
b="$src/bench"
mkdir -p "$b/espresso" "$b/larson" "$b/alloc-test" "$b/glibc-bench" "$b/malloc-large"
for f in cofactor cols compl contain cubestr cvrin cvrm cvrmisc cvrout dominate equiv espresso \
	essen exact expand gasp getopt gimpel globals hack indep irred map matrix mincov opo pair \
	part primes reduce rows set setc sharp sminterf solution sparse unate utility verify; do
	: >"$b/espresso/$f.c"
done
cat >"$b/espresso/main.c" <<'EOF'
#include <stdlib.h>
int main(void) { int i; for (i = 0; i < 1000; i++) free(malloc(100)); return 0; }
EOF
: >"$b/espresso/largest.espresso"
cat >"$b/larson/larson.cpp" <<'EOF'
#include <cstdio>
int main() { delete new int(1); std::printf("Throughput = 100 operations per second, relative time: 0.5s.\n"); }
EOF
: >"$b/alloc-test/test_common.cpp"
cat >"$b/alloc-test/allocator_tester.cpp" <<'EOF'
int main() { delete[] new char[64]; return 0; }
EOF
cat >"$b/glibc-bench/bench-malloc-thread.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void) { free(malloc(8)); printf("1000000 iterations\n"); return 0; }
EOF
cat >"$b/malloc-large/malloc-large.cpp" <<'EOF'
int main() { delete[] new char[8 << 20]; return 0; }
EOF

cp "$b/malloc-large/malloc-large.cpp" "$work/good.cpp"
echo 'this is not C++' >"$b/malloc-large/malloc-large.cpp"
# shellcheck disable=SC2086
"$py" "$suite" $m32 --source "$src" --build "$top_builddir" --allocators glibc,mallard \
	--out "$work/out-bad" >"$work/nocc.out" 2>"$work/nocc.err"
rc=$?
if [ $rc = 2 ] && [ "$(wc -l <"$work/nocc.err")" = 1 ] && grep -q '^bench/suite: malloc-large does not compile' "$work/nocc.err"; then
	tap_ok "a program that does not compile: one line, status 2"
else
	tap_not_ok "a program that does not compile: status $rc" "$work/nocc.err"
fi
cp "$work/good.cpp" "$b/malloc-large/malloc-large.cpp"

# shellcheck disable=SC2086
"$py" "$suite" $m32 --source "$src" --build "$top_builddir" --allocators glibc,mallard --reps 1 \
	--out "$work/out" >"$work/run.out" 2>"$work/run.err"
rc=$?
csv="$work/out/results.csv"
rows=$(grep -c -E '^\| (espresso|larson|alloc-test1|alloc-test2|glibc-thread|malloc-large) \| .*: (met|not met) \|$' \
	"$work/out/report.md" 2>/dev/null)
if [ $rc = 0 ] && [ "$rows" = 6 ] && [ "$(grep -c ',mallard,1,' "$csv")" = 6 ] &&
	[ "$(grep -c ',glibc,1,' "$csv")" = 6 ] &&
	grep -q '^larson,mallard,1,0.5000,' "$csv" && grep -q '^glibc-thread,glibc,1,1000.0000,' "$csv"; then
	tap_ok "every case under glibc and mallard: a verdict per case, the figures in results.csv"
else
	tap_not_ok "every case: status $rc, $rows report rows" "$work/run.err"
	sed 's/^/# /' "$csv" "$work/out/report.md" 2>/dev/null
fi

refuse="$top_builddir/bench/.libs/mremap-refuse.so"
# shellcheck disable=SC2086
"$py" "$suite" $m32 --source "$src" --build "$top_builddir" --allocators glibc,mallard --reps 1 \
	--cases malloc-large --preload-first "$refuse" --out "$work/out-first" \
	>"$work/first.out" 2>"$work/first.err"
rc=$?
logs="$work/out-first/logs"
if [ $rc = 0 ] && grep -q "^### LD_PRELOAD=[^ ]*mremap-refuse.so /" "$logs/malloc-large.glibc.log" &&
	grep -q "^### LD_PRELOAD=[^ ]*mremap-refuse.so [^ ]*libmallard.so" "$logs/malloc-large.mallard.log" &&
	[ "$(grep -c '^mremap-refuse: ' "$logs/malloc-large.mallard.log")" = 2 ] &&
	grep -q 'mremap-refuse.so preloaded first' "$work/out-first/report.md"; then
	tap_ok "--preload-first: ahead of glibc and of mallard, and in the report"
else
	tap_not_ok "--preload-first: status $rc" "$work/first.err"
	sed 's/^/# /' "$logs"/*.log "$work/out-first/report.md" 2>/dev/null
fi
