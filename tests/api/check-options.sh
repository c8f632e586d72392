#!/bin/sh
# check-options.sh - a bad value in a MALLARD_* environment option is
# reported once and ignored.
#
# MALLARD_PURGE_DELAY_MS=banana: the program still runs (exit status 0) and
# stderr holds exactly one line, starting
# "mallard: warning: MALLARD_PURGE_DELAY_MS". Checked with mallard
# preloaded (LD_PRELOAD=$MALLARD_LIB) into a plain program and into
# /bin/true (64-bit builds only: /bin/true is x86-64), and with a program
# linked with libmallard. A valid value prints nothing. Prints TAP.

: "${top_builddir:?run from make check (top_builddir unset)}"
lib="${MALLARD_LIB:-$top_builddir/.libs/libmallard.so}"
plain="$top_builddir/tests/api/helper_plain"
linked="$top_builddir/tests/api/helper_linked"
prefix='mallard: warning: MALLARD_PURGE_DELAY_MS'

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-options.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# Options from the caller's environment must not change the outcome.
unset MALLARD_INVALID_FREE MALLARD_PURGE_DELAY_MS

echo "1..5"
n=0

comment() {
	sed 's/^/# /' "$1"
}

# run VALUE PRELOAD PROGRAM: runs PROGRAM with MALLARD_PURGE_DELAY_MS=VALUE
# (and LD_PRELOAD=PRELOAD unless empty); status in $status, stderr in $tmp/err
run() {
	if [ -n "$2" ]; then
		MALLARD_PURGE_DELAY_MS=$1 LD_PRELOAD=$2 "$3" >"$tmp/out" 2>"$tmp/err"
	else
		MALLARD_PURGE_DELAY_MS=$1 "$3" >"$tmp/out" 2>"$tmp/err"
	fi
	status=$?
}

# bad_value NAME PRELOAD PROGRAM
bad_value() {
	n=$((n + 1))
	run banana "$2" "$3"
	lines=$(wc -l <"$tmp/err")
	first=$(head -n 1 "$tmp/err")
	case $first in
	"$prefix"*) starts=yes ;;
	*) starts=no ;;
	esac
	if [ "$status" -eq 0 ] && [ "$lines" -eq 1 ] && [ "$starts" = yes ]; then
		echo "ok $n - $1: MALLARD_PURGE_DELAY_MS=banana warns once"
	else
		echo "not ok $n - $1: MALLARD_PURGE_DELAY_MS=banana warns once"
		echo "# exit status $status, $lines stderr line(s), expected 0 and one line starting \"$prefix\":"
		comment "$tmp/err"
	fi
}

# good_value NAME PRELOAD PROGRAM
good_value() {
	n=$((n + 1))
	run 250 "$2" "$3"
	if [ "$status" -eq 0 ] && [ ! -s "$tmp/err" ]; then
		echo "ok $n - $1: MALLARD_PURGE_DELAY_MS=250 is quiet"
	else
		echo "not ok $n - $1: MALLARD_PURGE_DELAY_MS=250 is quiet"
		echo "# exit status $status, stderr:"
		comment "$tmp/err"
	fi
}

# Without mallard the helpers are quiet: the checks above see mallard's output.
n=$((n + 1))
if "$plain" >"$tmp/out" 2>"$tmp/err" && [ ! -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
	echo "ok $n - helper_plain alone runs quietly"
else
	echo "not ok $n - helper_plain alone runs quietly"
	comment "$tmp/err"
fi

bad_value "LD_PRELOAD into helper_plain" "$lib" "$plain"
bad_value "helper_linked (linked with libmallard)" "" "$linked"

n=$((n + 1))
if [ "${MALLARD_HOST_BITS:-64}" = 64 ] && [ -x /bin/true ]; then
	n=$((n - 1))
	bad_value "LD_PRELOAD into /bin/true" "$lib" /bin/true
else
	echo "ok $n - LD_PRELOAD into /bin/true # SKIP /bin/true is not a ${MALLARD_HOST_BITS}-bit program"
fi

good_value "LD_PRELOAD into helper_plain" "$lib" "$plain"
exit 0
