#!/bin/sh
# tests/preload/gcc.sh - gcc -O2 compiling tests/preload/hello.c (1200
# lines) normally and under LD_PRELOAD=$MALLARD_LIB (inherited by cc1, as,
# collect2 and ld): the assembly must be identical, both builds must link,
# and the two programs must print the same.
# 64-bit only: gcc and cc1 are x86-64 programs; Debian has no i386 gcc that
# installs beside them, so a 32-bit build skips.

. "${top_srcdir:-$(dirname "$0")/../..}/tests/preload/common.sh"
require_library

if [ "$MALLARD_HOST_BITS" = 32 ]; then
    skip_all gcc "no i386 gcc (gcc and cc1 are 64-bit programs; the 32-bit library cannot be preloaded into them)"
fi
prog=$(command -v gcc) || skip_all gcc "gcc is not installed (apt-get install gcc)"
if ! echo 'int main(void) { return 0; }' | "$prog" -x c -o "$work/probe" - >"$work/start.err" 2>&1; then
    skip_all gcc "$prog cannot build a program: $(head -n 1 "$work/start.err")"
fi
tap_note "$("$prog" --version | head -n 1) ($prog) with $MALLARD_LIB"
src=$preload_dir/hello.c
unset GCC_EXEC_PREFIX COMPILER_PATH LIBRARY_PATH CPATH C_INCLUDE_PATH
LC_ALL=C
export LC_ALL

tap_plan 5
check_loaded "gcc -O2 -c" "$prog" -std=c11 -O2 -c -o "$work/loaded.o" "$src"
run_compare asm "gcc -O2 -S: the same assembly" "$prog" -std=c11 -O2 -Wall -S -o - "$src"
run_plain build "$prog" -std=c11 -O2 -Wall -o "$work/hello.plain" "$src"
run_mallard build "$prog" -std=c11 -O2 -Wall -o "$work/hello.mallard" "$src"
compare build "gcc -O2 compiles and links hello.c"
if cmp -s "$work/hello.plain" "$work/hello.mallard"; then
    tap_ok "the two executables are identical"
else
    cmp "$work/hello.plain" "$work/hello.mallard" >"$work/cmp.out" 2>&1
    tap_not_ok "the two executables are identical" "$work/cmp.out"
fi
# the program built without mallard, run without; the one built with
# mallard, run with it
if [ -x "$work/hello.plain" ] && [ -x "$work/hello.mallard" ]; then
    run_plain run "$work/hello.plain"
    run_mallard run "$work/hello.mallard"
    compare run "the programs built both ways print the same"
else
    tap_not_ok "the programs built both ways print the same (not built)"
fi
tap_done
