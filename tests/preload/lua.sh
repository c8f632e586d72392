#!/bin/sh
# tests/preload/lua.sh - Lua 5.4 (every table, string and closure through
# realloc/free) on tests/preload/workload.lua, normally and under
# LD_PRELOAD=$MALLARD_LIB.
# 64-bit: lua5.4 ($LUA, else the one on PATH). 32-bit: the i386 lua5.4
# from tests/setup-i386-programs.sh.

. "${top_srcdir:-$(dirname "$0")/../..}/tests/preload/common.sh"
require_library

if [ "$MALLARD_HOST_BITS" = 32 ]; then
    use_i386_programs lua5.4 usr/bin/lua5.4
else
    prog=${LUA:-$(command -v lua5.4)} ||
        skip_all lua5.4 "lua5.4 is not installed (apt-get install lua5.4)"
fi
unset LUA_INIT LUA_INIT_5_4 LUA_PATH LUA_PATH_5_4 LUA_CPATH LUA_CPATH_5_4

if ! "$prog" -e 'os.exit(0)' >"$work/start.err" 2>&1; then
    skip_all lua5.4 "$prog does not start: $(head -n 1 "$work/start.err")"
fi
tap_note "$prog ($("$prog" -e 'print(_VERSION .. ", " .. string.packsize("T") * 8 .. "-bit")')) with $MALLARD_LIB"

tap_plan 2
check_loaded "lua5.4 -e" "$prog" -e 'local t = {} for i = 1, 1000 do t[i] = tostring(i) end'
run_compare workload "lua5.4 workload.lua (tables, strings, closures, coroutines, gc)" \
    "$prog" "$preload_dir/workload.lua"
tap_done
