#!/bin/sh
# bench/workloads/check-workloads.sh - the interpreter workloads run, and do
# the same work with and without mallard. Prints TAP; times nothing.
#
# Every bench/workloads/*.py (but common.py) runs with --scale 0.05 under
# python3 with PYTHONMALLOC=malloc, and every *.lua (but common.lua) under
# lua5.4:
# - plain (the C library's malloc): exit status 0 and the lines `checksum`,
#   `peak_rss_kib` and `rss_end_kib` are printed;
# - under LD_PRELOAD=$MALLARD_LIB, when that file exists: exit status 0, no
#   "mallard:" line on stderr, and the same stdout apart from the two RSS
#   lines (so the same checksum). The two Python runs use different
#   PYTHONHASHSEEDs, so a workload whose checksum depends on the string
#   hash seed fails here rather than in the benchmark runner.
# Plus, per interpreter, a check that mallard really is loaded into it
# (tests/preload/common.sh: check_loaded).
#
# Environment: top_srcdir, top_builddir, MALLARD_LIB, MALLARD_HOST_BITS,
# MALLARD_I386_PROGRAMS as for tests/preload/*.sh (tests/preload/common.sh).
# MALLARD_HOST_BITS=32 uses the i386 python3.11 and lua5.4 unpacked by
# tests/setup-i386-programs.sh; a missing interpreter is a SKIP. 64-bit:
# $PYTHON (else /usr/bin/python3, else python3 on PATH) and $LUA (else
# lua5.4 on PATH).

# shellcheck source=tests/preload/common.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/preload/common.sh"

wl_dir=$top_srcdir/bench/workloads
pyprobe=$top_srcdir/bench/pyprobe.py
scale=0.05

PYTHONMALLOC=malloc
PYTHONDONTWRITEBYTECODE=1
PYTHONNOUSERSITE=1
export PYTHONMALLOC PYTHONDONTWRITEBYTECODE PYTHONNOUSERSITE
unset PYTHONPATH PYTHONSTARTUP PYTHONHASHSEED
unset LUA_INIT LUA_INIT_5_4 LUA_PATH LUA_PATH_5_4 LUA_CPATH LUA_CPATH_5_4
# options from the caller's environment must not change the outcome
unset MALLARD_INVALID_FREE MALLARD_PURGE_DELAY_MS

# python / lua: the interpreter, or empty with the reason in *_why
python=
python_why=
lua=
lua_why=
if [ "$MALLARD_HOST_BITS" = 32 ]; then
    i386=$MALLARD_I386_PROGRAMS
    LD_LIBRARY_PATH=$i386/lib/i386-linux-gnu:$i386/usr/lib/i386-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
    hint="run 'make setup-i386-programs' (tests/setup-i386-programs.sh; needs apt-get and the network) first"
    if [ -x "$i386/usr/bin/python3.11" ]; then
        python=$i386/usr/bin/python3.11
        PYTHONHOME=$i386/usr
        export PYTHONHOME
    else
        python_why="32-bit build: no i386 python3.11 at $i386/usr/bin/python3.11; $hint"
    fi
    if [ -x "$i386/usr/bin/lua5.4" ]; then
        lua=$i386/usr/bin/lua5.4
    else
        lua_why="32-bit build: no i386 lua5.4 at $i386/usr/bin/lua5.4; $hint"
    fi
else
    if [ -n "${PYTHON:-}" ]; then
        python=$PYTHON
    elif [ -x /usr/bin/python3 ]; then
        python=/usr/bin/python3
    else
        python=$(command -v python3) || python_why="python3 is not installed (apt-get install python3)"
    fi
    lua=${LUA:-$(command -v lua5.4)} || lua_why="lua5.4 is not installed (apt-get install lua5.4)"
fi
if [ -n "$python" ] && ! "$python" -c pass >"$work/start.err" 2>&1; then
    python_why="$python does not start: $(head -n 1 "$work/start.err")"
    python=
fi
if [ -n "$lua" ] && ! "$lua" -e 'os.exit(0)' >"$work/start.err" 2>&1; then
    lua_why="$lua does not start: $(head -n 1 "$work/start.err")"
    lua=
fi

if [ -f "$MALLARD_LIB" ]; then
    with_mallard=yes
else
    with_mallard=no
    no_mallard_why="MALLARD_LIB=$MALLARD_LIB does not exist"
fi

workloads=
for f in "$wl_dir"/*.py "$wl_dir"/*.lua; do
    case ${f##*/} in
    common.py | common.lua | '*.py' | '*.lua') ;;
    *) workloads="$workloads ${f##*/}" ;;
    esac
done
# shellcheck disable=SC2086 # file names from the glob above, no spaces
set -- $workloads
tap_plan $(($# * 2 + 2))
[ -n "$python" ] && tap_note "python: $("$python" "$pyprobe" info)"
[ -n "$lua" ] && tap_note "lua: $lua ($("$lua" -e 'print(_VERSION .. ", " .. string.packsize("T") * 8 .. "-bit")'))"
tap_note "mallard: $MALLARD_LIB ($with_mallard)"

# loaded NAME CMD...: mallard is loaded into the interpreter, or SKIP
loaded() {
    name=$1
    shift
    if [ "$with_mallard" = no ]; then
        tap_skip "$name: mallard is loaded" "$no_mallard_why"
    else
        check_loaded "$name" "$@"
    fi
}
if [ -n "$python" ]; then
    loaded "python3 (PYTHONMALLOC=malloc)" "$python" "$pyprobe" json
else
    tap_skip "python3: mallard is loaded" "$python_why"
fi
if [ -n "$lua" ]; then
    loaded "lua5.4" "$lua" -e 'local t = {} for i = 1, 1000 do t[i] = tostring(i) end'
else
    tap_skip "lua5.4: mallard is loaded" "$lua_why"
fi

# strip FILE: stdout without the RSS lines (which differ from run to run)
strip() {
    grep -v -e '^peak_rss_kib ' -e '^rss_end_kib ' "$1"
}

for w in "$@"; do
    tag=${w%.*}.${w##*.}
    case $w in
    *.py) prog=$python why=$python_why ;;
    *.lua) prog=$lua why=$lua_why ;;
    esac
    if [ -z "$prog" ]; then
        tap_skip "$w --scale $scale" "$why"
        tap_skip "$w --scale $scale: same checksum under mallard" "$why"
        continue
    fi
    PYTHONHASHSEED=1 run_plain "$tag" "$prog" "$wl_dir/$w" --scale "$scale"
    rc=$(cat "$work/$tag.plain.rc")
    out=$work/$tag.plain.out
    sum=$(sed -n 's/^checksum //p' "$out")
    if [ "$rc" != 0 ]; then
        tap_not_ok "$w --scale $scale: exit status $rc" "$work/$tag.plain.err" "$out"
    elif [ -z "$sum" ] || ! grep -q '^peak_rss_kib [0-9]' "$out" || ! grep -q '^rss_end_kib [0-9]' "$out"; then
        tap_not_ok "$w --scale $scale: no checksum, peak_rss_kib or rss_end_kib line" "$out" "$work/$tag.plain.err"
    else
        tap_ok "$w --scale $scale: checksum $sum"
    fi
    if [ "$with_mallard" = no ]; then
        tap_skip "$w --scale $scale: same checksum under mallard" "$no_mallard_why"
        continue
    fi
    PYTHONHASHSEED=2 run_mallard "$tag" "$prog" "$wl_dir/$w" --scale "$scale"
    mrc=$(cat "$work/$tag.mallard.rc")
    strip "$work/$tag.plain.out" >"$work/$tag.plain.cmp"
    strip "$work/$tag.mallard.out" >"$work/$tag.mallard.cmp"
    grep '^mallard:' "$work/$tag.mallard.err" >"$work/$tag.mallard-lines"
    if [ "$rc" != 0 ]; then
        tap_not_ok "$w --scale $scale: same checksum under mallard (the plain run failed)"
    elif [ "$mrc" != 0 ]; then
        tap_not_ok "$w --scale $scale: exit status $mrc under mallard" "$work/$tag.mallard.err" "$work/$tag.mallard.out"
    elif ! diff -u "$work/$tag.plain.cmp" "$work/$tag.mallard.cmp" >"$work/$tag.diff" 2>&1; then
        tap_not_ok "$w --scale $scale: output differs under mallard" "$work/$tag.diff" "$work/$tag.mallard.err"
    elif [ -s "$work/$tag.mallard-lines" ]; then
        tap_not_ok "$w --scale $scale: mallard complained" "$work/$tag.mallard-lines"
    else
        tap_ok "$w --scale $scale: same checksum under mallard ($sum)"
    fi
done
tap_done
