#!/bin/sh
# bench/smoke.sh - run every benchmark once, tiny, under LD_PRELOAD=$MALLARD_LIB
# and check that it exits 0 (and that the library really was preloaded).
# No timing is asserted. Prints TAP.
#
# Environment (set by 'make check'): top_builddir, top_srcdir, MALLARD_LIB,
# MALLARD_HOST_BITS.

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
MALLARD_LIB=${MALLARD_LIB:-$top_builddir/.libs/libmallard.so}
bits=${MALLARD_HOST_BITS:-64}

echo "1..18"
n=0
failed=0
errfile=${TMPDIR:-/tmp}/mallard-smoke.$$
trap 'rm -f "$errfile"' EXIT

# run NAME CMD...: one TAP line; CMD runs with the library preloaded.
run() {
	name=$1
	shift
	n=$((n + 1))
	LD_PRELOAD=$MALLARD_LIB "$@" >"$errfile.out" 2>"$errfile"
	rc=$?
	sed 's/^/# /' "$errfile.out" "$errfile"
	if [ "$rc" -ne 0 ]; then
		echo "not ok $n - $name (exit $rc)"
		failed=$((failed + 1))
	elif grep -q 'cannot be preloaded' "$errfile"; then
		echo "not ok $n - $name (LD_PRELOAD=$MALLARD_LIB was not loaded)"
		failed=$((failed + 1))
	else
		echo "ok $n - $name"
	fi
	rm -f "$errfile.out"
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

if [ ! -f "$MALLARD_LIB" ]; then
	echo "Bail out! $MALLARD_LIB not found (build the library first)"
	exit 1
fi

b=$top_builddir/bench
run "churn, 1 thread" "$b/churn" -t 1 -n 0.05 -s 7
run "churn, 2 threads, cross-thread frees" "$b/churn" -t 2 -n 0.05 -s 7
run "churn, 4 threads, all frees remote" "$b/churn" -t 4 -n 0.02 -r 100
run "pairs 32 B" "$b/pairs" 32 1000 2
run "pairs 200 B" "$b/pairs" 200 1000 2
run "pairs 0 B" "$b/pairs" 0 100 1
run "purge, 8 MiB" "$b/purge" -m 8 -d 0.3
for mode in idle quiet blocked remote exit; do
	run "purge -w $mode, 8 MiB" "$b/purge" -w $mode -m 8 -d 0.3
done

# bigblocks: the same checksum (a byte read back from every buffer) under
# mallard as under the C library's malloc
for args in "large -n 12" "mid -n 200" "calloc -n 50"; do
	n=$((n + 1))
	# shellcheck disable=SC2086 # args is a word list
	want=$("$b/bigblocks" $args 2>&1 | grep -v '^seconds')
	# shellcheck disable=SC2086
	got=$(LD_PRELOAD=$MALLARD_LIB "$b/bigblocks" $args 2>&1 | grep -v '^seconds')
	if [ -n "$want" ] && [ "$got" = "$want" ] && echo "$got" | grep -q '^checksum '; then
		echo "ok $n - bigblocks $args: $(echo "$got" | grep '^checksum')"
	else
		printf '%s\n' "$want" "--- under mallard:" "$got" | sed 's/^/# /'
		echo "not ok $n - bigblocks $args: output differs under mallard"
		failed=$((failed + 1))
	fi
done

# bigblocks large where the kernel refuses to move a range of several
# kernel mappings, and unmaps the destination first (Linux before 6.17,
# bench/mremap-refuse.c): the same checksum, and a move was refused. The
# purge delay is a minute, so that which freed mappings are still cached
# to merge and move does not depend on how fast the machine runs.
n=$((n + 1))
refuse=$b/.libs/mremap-refuse.so
want=$("$b/bigblocks" large -n 60 2>&1 | grep -v '^seconds')
got=$(MALLARD_PURGE_DELAY_MS=60000 LD_PRELOAD="$refuse $MALLARD_LIB" "$b/bigblocks" large -n 60 2>&1 |
	grep -v '^seconds')
if [ ! -f "$refuse" ]; then
	echo "not ok $n - bigblocks large under mremap-refuse: $refuse not built"
	failed=$((failed + 1))
elif [ "$(echo "$got" | grep -v '^mremap-refuse:')" = "$want" ] &&
	echo "$got" | grep -q '^mremap-refuse: [0-9]* moves, [1-9][0-9]* refused$'; then
	echo "ok $n - bigblocks large under mremap-refuse: $(echo "$got" | grep '^mremap-refuse:')"
else
	printf '%s\n' "$want" "--- under mallard and mremap-refuse:" "$got" | sed 's/^/# /'
	echo "not ok $n - bigblocks large under mremap-refuse: output differs, or no move was refused"
	failed=$((failed + 1))
fi

# The Python workload needs a CPython of the library's word size.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 2>/dev/null)
if [ "$bits" != 64 ]; then
	skip "python objects.py" "the $bits-bit library cannot be preloaded into a 64-bit python3"
elif [ -z "$py" ]; then
	skip "python objects.py" "no python3"
else
	run "python objects.py (PYTHONMALLOC=malloc)" \
		env PYTHONMALLOC=malloc "$py" "$top_srcdir/bench/workloads/objects.py" 0.05
fi

# bench/sites-cost's plumbing: every configuration it has runs churn and
# gets its row (a 64-bit script: the peers it compares are 64-bit).
if [ "$bits" != 64 ] || [ -z "$py" ]; then
	skip "sites-cost, churn-1t" "a 64-bit build and python3 are needed"
else
	n=$((n + 1))
	out=${TMPDIR:-/tmp}/mallard-smoke-sites.$$
	if "$py" "$top_srcdir/bench/sites-cost" --reps 1 --churn-n 0.02 --only churn-1t \
		--build "$top_builddir" --lib "$MALLARD_LIB" --out "$out" >"$errfile.out" 2>"$errfile" &&
		grep -q '^churn-1t,mallard-on,wall_s,' "$out/results.csv" &&
		grep -q '^churn-1t,mallard-4k,wall_s,' "$out/results.csv"; then
		echo "ok $n - sites-cost, churn-1t: a row per configuration"
	else
		sed 's/^/# /' "$errfile.out" "$errfile"
		echo "not ok $n - sites-cost, churn-1t: a row per configuration"
		failed=$((failed + 1))
	fi
	rm -rf "$out" "$errfile.out"
fi

[ "$failed" -eq 0 ]
