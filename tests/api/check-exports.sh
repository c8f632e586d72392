#!/bin/sh
# check-exports.sh - the exported symbols are a contract.
#
# nm -D lists what libmallard.so and libmallard-prefixed.so export; the
# function names (types T, W, i; version suffixes dropped) must be exactly
# those of tests/api/exports.txt (all of them for libmallard.so, the
# mallard_* ones for the prefixed library), and no data symbol may be
# exported. Prints TAP; a difference is shown as a diff (expected vs actual).

: "${top_builddir:?run from make check (top_builddir unset)}"
: "${top_srcdir:?run from make check (top_srcdir unset)}"
lib="${MALLARD_LIB:-$top_builddir/.libs/libmallard.so}"
prefixed="$top_builddir/.libs/libmallard-prefixed.so"
list="$top_srcdir/tests/api/exports.txt"
NM="${NM:-nm}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-exports.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

echo "1..4"
n=0

# Print each line of a file as a TAP comment.
comment() {
	sed 's/^/# /' "$1"
}

# std::size_t's letter in mangled C++ names: byte 4 of an ELF file is its
# class, 1 for 32-bit (size_t is unsigned int, j), 2 for 64-bit (m).
size_letter=m
if [ -f "$lib" ] && [ "$(od -An -j4 -N1 -tu1 "$lib" | tr -d ' ')" = 1 ]; then
	size_letter=j
fi

# Expected names: the list without comments and blank lines.
sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' -e "s/SIZE/$size_letter/g" "$list" |
	LC_ALL=C sort -u >"$tmp/all"
grep '^mallard_' "$tmp/all" >"$tmp/prefixed"

# check_functions NAME LIBRARY EXPECTED
check_functions() {
	n=$((n + 1))
	if [ ! -f "$2" ]; then
		echo "not ok $n - $1: functions exported # $2 missing"
		return
	fi
	if ! "$NM" -D --defined-only "$2" >"$tmp/nm" 2>"$tmp/nm.err"; then
		echo "not ok $n - $1: functions exported (nm failed)"
		comment "$tmp/nm.err"
		return
	fi
	# _init and _fini come from the C runtime's crti.o, not from us
	awk '$2 ~ /^[TWi]$/ { print $3 }' "$tmp/nm" | sed 's/@.*//' |
		grep -v -x -E '_init|_fini' | LC_ALL=C sort -u >"$tmp/actual"
	if diff -u "$3" "$tmp/actual" >"$tmp/diff"; then
		echo "ok $n - $1: functions exported"
	else
		echo "not ok $n - $1: functions exported"
		echo "# --- expected (tests/api/exports.txt), +++ actual ($2):"
		comment "$tmp/diff"
	fi
}

# check_no_data NAME LIBRARY: no exported variables (a version node is
# type A; _init/_fini and the linker's section markers are not ours).
check_no_data() {
	n=$((n + 1))
	if [ ! -f "$2" ] || ! "$NM" -D --defined-only "$2" >"$tmp/nm" 2>/dev/null; then
		echo "not ok $n - $1: no data exported # cannot read $2"
		return
	fi
	awk '$2 !~ /^[TWiA]$/ { print $2, $3 }' "$tmp/nm" |
		grep -v -E ' (_init|_fini|_edata|_end|__bss_start)(@.*)?$' >"$tmp/data"
	if [ -s "$tmp/data" ]; then
		echo "not ok $n - $1: no data exported"
		comment "$tmp/data"
	else
		echo "ok $n - $1: no data exported"
	fi
}

check_functions libmallard.so "$lib" "$tmp/all"
check_no_data libmallard.so "$lib"
check_functions libmallard-prefixed.so "$prefixed" "$tmp/prefixed"
check_no_data libmallard-prefixed.so "$prefixed"
exit 0
