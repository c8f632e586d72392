#!/bin/sh
# check-trace.sh - libmallard-trace.so records, mallard-replay replays and
# refuses bad traces. Prints TAP.
#
#  1    the helper (tests/trace/trace_helper.c) runs under the recorder and
#       leaves a trace
#  2-7  the trace holds exactly the helper's calls (picked out by their
#       sizes in mallard-replay --dump): 150 malloc, 10 calloc, 20 realloc,
#       1 each of posix_memalign/aligned_alloc/memalign, 163 free; the
#       second thread's records carry their own thread index
#  8    the helper's trace replays (exit 0, the four "key value" lines)
#  9    ... and replays under LD_PRELOAD=libmallard.so
#  10-12 python3 with PYTHONMALLOC=malloc (running /bin/true under the same
#       trace name, which must stay out of the file) is recorded, replayed, replayed
#       under libmallard (64-bit builds only: the system python is x86-64)
#  13-16 a truncated copy, a copy with an impossible op, a bad magic, an
#       empty file: exit status 1 (not a crash) and one stderr line that
#       names the file
#  17   a bad option: exit status 2
#  18   --fill writes every byte of each block (the peak over the base grows)

: "${top_builddir:?run from make check (top_builddir unset)}"
rec="$top_builddir/.libs/libmallard-trace.so"
replay="$top_builddir/mallard-replay"
helper="$top_builddir/tests/trace/trace_helper"
lib="${MALLARD_LIB:-$top_builddir/.libs/libmallard.so}"
bits="${MALLARD_HOST_BITS:-64}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-trace.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
unset MALLARD_TRACE_FILE

echo "1..18"
n=0

comment() {
	sed 's/^/# /' "$1"
}

# result OK DESCRIPTION [FILE to show on failure]
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "$3" ] && [ -f "$3" ] && comment "$3"
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# 1: record the helper
MALLARD_TRACE_FILE="$tmp/helper.trace" LD_PRELOAD="$rec" "$helper" 2>"$tmp/err"
st=$?
[ "$st" -eq 0 ] && [ -s "$tmp/helper.trace" ] && [ ! -s "$tmp/err" ]
result $? "helper runs under the recorder (status $st) and leaves a trace" "$tmp/err"

# 2-7: exact counts of the helper's own calls
"$replay" "$tmp/helper.trace" --dump >"$tmp/dump" 2>"$tmp/err"
# dump line: seq thread op id a b; the size is b for the two-argument ops
awk '{ size = ($3 == "calloc" || $3 == "reallocarray" || $3 == "posix_memalign" ||
	       $3 == "aligned_alloc" || $3 == "memalign") ? $6 : $5;
       # calloc (3 x 7201..7210): its free carries the whole size
       if ($3 == "free" && size >= 3 * 7201 && size <= 3 * 7210) count[$3]++;
       if (size >= 7000 && size < 9000) { count[$3]++;
	   if (size >= 8000) t2[$2] = 1; else t1[$2] = 1 } }
     END { for (op in count) print op, count[op];
	   n1 = 0; for (x in t1) { n1++; a = x }; n2 = 0; for (x in t2) { n2++; b = x };
	   print "threads", (n1 == 1 && n2 == 1 && a != b) ? "distinct" : "mixed" }' \
	"$tmp/dump" >"$tmp/counts"
expect() {
	got=$(awk -v op="$1" '$1 == op { print $2 }' "$tmp/counts")
	[ "${got:-0}" = "$2" ]
	result $? "trace holds $2 $1 record(s) of the helper (found ${got:-0})" "$tmp/err"
}
expect malloc 150
expect calloc 10
expect realloc 20
n_al=$(awk '$1 == "posix_memalign" || $1 == "aligned_alloc" || $1 == "memalign" { s += $2 } END { print s + 0 }' "$tmp/counts")
[ "$n_al" = 3 ]
result $? "trace holds 1 posix_memalign, 1 aligned_alloc, 1 memalign (found $n_al)" "$tmp/counts"
expect free 163
grep -qx 'threads distinct' "$tmp/counts"
result $? "the second thread's records carry their own thread index" "$tmp/counts"

# check_replay DESCRIPTION TRACE [PRELOAD]
check_replay() {
	if [ -n "$3" ]; then
		LD_PRELOAD="$3" "$replay" "$2" --stats >"$tmp/out" 2>"$tmp/err"
	else
		"$replay" "$2" --stats >"$tmp/out" 2>"$tmp/err"
	fi
	st=$?
	keys=$(awk '$1 == "ops" || $1 == "elapsed_s" || $1 == "ns_per_op" || $1 == "peak_rss_kib" { k++ } END { print k + 0 }' "$tmp/out")
	[ "$st" -eq 0 ] && [ "$keys" -eq 4 ] && [ ! -s "$tmp/err" ]
	result $? "$1 (status $st)" "$tmp/err"
	[ "$st" -eq 0 ] && sed 's/^/# /' "$tmp/out" | tr '\n' ' ' && echo
}

check_replay "helper trace replays" "$tmp/helper.trace"
if [ -f "$lib" ]; then
	check_replay "helper trace replays under libmallard" "$tmp/helper.trace" "$lib"
else
	skip "no $lib"
fi

# 10-12: python3
py=/usr/bin/python3
if [ "$bits" != 64 ]; then
	skip "python3 recording: $bits-bit build (the system python3 is 64-bit)"
	skip "python3 trace replay: $bits-bit build"
	skip "python3 trace replay under libmallard: $bits-bit build"
elif [ ! -x "$py" ]; then
	skip "no $py"; skip "no $py"; skip "no $py"
else
	PYTHONMALLOC=malloc MALLARD_TRACE_FILE="$tmp/py.trace" LD_PRELOAD="$rec" "$py" -c '
import json
d = [{"k%d" % i: [i] * (i % 7)} for i in range(20000)]
s = json.dumps(d)
assert json.loads(s) == d
import subprocess
subprocess.run(["/bin/true"], check=True)
print(len(s))' >"$tmp/out" 2>"$tmp/err"
	st=$?
	# /bin/true, run under the same trace name, must not record (one
	# "mallard-trace:" line) and must not spoil the parent's trace
	others=$(grep -cv '^mallard-trace: ' "$tmp/err")
	[ "$st" -eq 0 ] && [ -s "$tmp/py.trace" ] && [ "$others" -eq 0 ]
	result $? "python3 (and a child it runs) under the recorder (status $st)" "$tmp/err"
	check_replay "python3 trace replays" "$tmp/py.trace"
	if [ -f "$lib" ]; then
		check_replay "python3 trace replays under libmallard" "$tmp/py.trace" "$lib"
	else
		skip "no $lib"
	fi
fi

# 13-16: bad traces
# bad NAME FILE: exit status 1, one stderr line naming FILE
bad() {
	"$replay" "$2" >"$tmp/out" 2>"$tmp/err"
	st=$?
	lines=$(wc -l <"$tmp/err")
	first=$(head -n 1 "$tmp/err")
	case $first in
	"mallard-replay: $2: "*) named=yes ;;
	*) named=no ;;
	esac
	[ "$st" -eq 1 ] && [ "$lines" -eq 1 ] && [ "$named" = yes ]
	result $? "$1: status $st (want 1), $lines stderr line(s) (want 1), names the file: $named" "$tmp/err"
	[ "$lines" -ge 1 ] && comment "$tmp/err"
}
size=$(wc -c <"$tmp/helper.trace")
# cut one byte short of half the file: inside a chunk, so inside a record
head -c $((size / 2 + 1)) "$tmp/helper.trace" >"$tmp/truncated.trace"
bad "truncated trace" "$tmp/truncated.trace"
# byte 32 is the first record's type (a chunk header); byte 32 + k is the
# first operation's op byte for the k-byte chunk header: corrupt that one
k=$(od -An -tu1 -j33 -N40 "$tmp/helper.trace" | tr '\n' ' ' | awk '{ n = 1; i = 1
	for (v = 0; v < 4; v++) { while ($i >= 128) { n++; i++ } n++; i++ } print n }')
cp "$tmp/helper.trace" "$tmp/badop.trace"
printf '\356' | dd of="$tmp/badop.trace" bs=1 seek=$((32 + k)) conv=notrunc 2>/dev/null
bad "impossible operation" "$tmp/badop.trace"
cp "$tmp/helper.trace" "$tmp/magic.trace"
printf 'X' | dd of="$tmp/magic.trace" bs=1 seek=0 conv=notrunc 2>/dev/null
bad "bad magic" "$tmp/magic.trace"
: >"$tmp/empty.trace"
bad "empty file" "$tmp/empty.trace"

# 17: bad option
"$replay" "$tmp/helper.trace" --frobnicate >/dev/null 2>"$tmp/err"
st=$?
[ "$st" -eq 2 ]
result $? "a bad option: status $st (want 2)" "$tmp/err"

# 18: --fill writes whole blocks: the helper's 32 MiB block (glibc maps it
# afresh) is resident in full only when the replay fills it
grown() {
	"$replay" "$tmp/big.trace" --stats $1 2>>"$tmp/err" |
		awk '$1 == "peak_rss_kib" { p = $2 } $1 == "base_rss_kib" { b = $2 } END { print p - b }'
}
: >"$tmp/err"
MALLARD_TRACE_FILE="$tmp/big.trace" LD_PRELOAD="$rec" "$helper" big 2>>"$tmp/err"
plain=$(grown "")
filled=$(grown --fill)
[ -n "$plain" ] && [ -n "$filled" ] && [ "$plain" -lt 8192 ] && [ "$filled" -ge 24576 ] && [ ! -s "$tmp/err" ]
result $? "--fill writes whole blocks: a 32 MiB block adds $filled KiB to the peak, $plain KiB without" "$tmp/err"
