# tests/preload/common.sh - sourced by the preload tests (sh, TAP output).
#
# Each test runs a real program normally and under LD_PRELOAD=$MALLARD_LIB
# and compares stdout and exit status. It also proves that mallard was
# loaded and initialised in the program: a bad MALLARD_PURGE_DELAY_MS makes
# mallard print one warning line on stderr, and nothing else does.
#
# Environment (set by `make check`, defaults for running a script by hand
# from a build directory):
#   top_srcdir, top_builddir, MALLARD_LIB, MALLARD_HOST_BITS
#   MALLARD_I386_PROGRAMS  where tests/setup-i386-programs.sh unpacked the
#                          i386 programs (default $top_builddir/i386-programs)

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$(pwd)}"
: "${MALLARD_LIB:=$top_builddir/.libs/libmallard.so}"
: "${MALLARD_HOST_BITS:=64}"
: "${MALLARD_I386_PROGRAMS:=$top_builddir/i386-programs}"
# shellcheck disable=SC2034 # used by the scripts that source this file
preload_dir=$top_srcdir/tests/preload

tap_count=0
tap_failures=0

tap_plan() {
    echo "1..$1"
}

tap_ok() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1"
}

# tap_not_ok NAME [DIAGNOSTIC FILE...]
tap_not_ok() {
    tap_count=$((tap_count + 1))
    tap_failures=$((tap_failures + 1))
    echo "not ok $tap_count - $1"
    shift
    for f in "$@"; do
        [ -s "$f" ] || continue
        echo "# --- $(basename "$f") (first 40 lines)"
        head -n 40 "$f" | sed 's/^/#   /'
    done
}

tap_skip() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1 # SKIP $2"
}

tap_note() {
    echo "# $*"
}

# skip_all PROGRAM REASON: the whole script has nothing it can run.
skip_all() {
    echo "1..1"
    echo "ok 1 - $1 under mallard # SKIP $2"
    exit 0
}

tap_done() {
    [ "$tap_failures" -eq 0 ]
    exit $?
}

# A scratch directory, removed on exit.
work=$(mktemp -d "${TMPDIR:-/tmp}/mallard-preload.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
trap 'exit 98' HUP INT TERM

# require_library: the library under test must exist (a missing one is a
# build failure, not a reason to skip).
require_library() {
    if [ ! -f "$MALLARD_LIB" ]; then
        echo "1..1"
        echo "not ok 1 - MALLARD_LIB=$MALLARD_LIB does not exist (build libmallard.la first)"
        exit 1
    fi
}

# use_i386_programs NAME RELPATH: in a 32-bit build, point $prog at the
# i386 program unpacked by tests/setup-i386-programs.sh, or skip.
use_i386_programs() {
    i386=$MALLARD_I386_PROGRAMS
    prog=$i386/$2
    if [ ! -x "$prog" ]; then
        skip_all "$1" "32-bit build: no i386 $1 at $prog; run 'make setup-i386-programs' (tests/setup-i386-programs.sh; needs apt-get and the network) first"
    fi
    LD_LIBRARY_PATH=$i386/lib/i386-linux-gnu:$i386/usr/lib/i386-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
}

# run_plain TAG CMD...: runs CMD with the C library's malloc; stdout, stderr
# and exit status land in $work/TAG.plain.{out,err,rc}.
run_plain() {
    tag=$1
    shift
    "$@" >"$work/$tag.plain.out" 2>"$work/$tag.plain.err"
    echo $? >"$work/$tag.plain.rc"
}

# run_mallard TAG CMD...: the same under LD_PRELOAD=$MALLARD_LIB. CMD may
# be a shell function: every process it starts gets the library.
run_mallard() {
    tag=$1
    shift
    (
        LD_PRELOAD=$MALLARD_LIB
        export LD_PRELOAD
        "$@"
    ) >"$work/$tag.mallard.out" 2>"$work/$tag.mallard.err"
    echo $? >"$work/$tag.mallard.rc"
}

# compare TAG NAME: one TAP line. Same stdout and exit status, exit status
# 0, and no "mallard:" line on stderr (the library reports invalid frees
# and fatal errors there).
compare() {
    tag=$1
    name=$2
    plain_rc=$(cat "$work/$tag.plain.rc")
    mallard_rc=$(cat "$work/$tag.mallard.rc")
    diff -u "$work/$tag.plain.out" "$work/$tag.mallard.out" >"$work/$tag.diff" 2>&1
    same=$?
    grep '^mallard:' "$work/$tag.mallard.err" >"$work/$tag.mallard-lines"
    if [ "$plain_rc" != 0 ]; then
        tap_not_ok "$name (exits $plain_rc even without mallard)" "$work/$tag.plain.err"
    elif [ "$mallard_rc" != 0 ]; then
        tap_not_ok "$name: exit status $mallard_rc under mallard" "$work/$tag.mallard.err" "$work/$tag.diff"
    elif [ "$same" != 0 ]; then
        tap_not_ok "$name: output differs under mallard" "$work/$tag.diff" "$work/$tag.mallard.err"
    elif [ -s "$work/$tag.mallard-lines" ]; then
        tap_not_ok "$name: mallard complained" "$work/$tag.mallard-lines"
    else
        tap_ok "$name ($(wc -l <"$work/$tag.plain.out") lines of output match)"
    fi
}

# run_compare TAG NAME CMD...: run_plain, run_mallard, compare.
run_compare() {
    tag=$1
    name=$2
    shift 2
    run_plain "$tag" "$@"
    run_mallard "$tag" "$@"
    compare "$tag" "$name"
}

# check_loaded NAME CMD...: one TAP line; CMD must print mallard's warning
# about MALLARD_PURGE_DELAY_MS=banana, which proves the preloaded library
# was loaded and initialised in that process.
check_loaded() {
    name=$1
    shift
    env LD_PRELOAD="$MALLARD_LIB" MALLARD_PURGE_DELAY_MS=banana "$@" >"$work/loaded.out" 2>"$work/loaded.err"
    rc=$?
    if grep -q '^mallard: warning: MALLARD_PURGE_DELAY_MS' "$work/loaded.err"; then
        if [ "$rc" = 0 ]; then
            tap_ok "$name: mallard is loaded and initialised"
        else
            tap_not_ok "$name: mallard is loaded but the program exits $rc" "$work/loaded.err"
        fi
    else
        tap_not_ok "$name: no warning about MALLARD_PURGE_DELAY_MS=banana: mallard was not loaded ($MALLARD_HOST_BITS-bit library $MALLARD_LIB)" "$work/loaded.err"
    fi
}
