#!/bin/sh
# standalone.sh - every module of libmallard compiles on its own: its
# #include lines name what it uses, so the dependency graph is in the files
# and not only in lib/unity.c's order. Each alloc/*.c and diag/*.c is
# compiled without MALLARD_UNITY (shared names become hidden externs, see
# alloc/linkage.h) with the library's warnings as errors, and each header
# compiles alone too. Also checks the layering: no alloc/ file includes a
# diag/ header, and diag/ reaches the allocator through alloc/inspect.h
# (and alloc/linkage.h) only.
#
# Environment (make check sets it, tests/build.mk): STANDALONE_CC,
# STANDALONE_CPPFLAGS (-I for the build and source trees), STANDALONE_CFLAGS
# (the warnings), top_srcdir. Prints TAP.

: "${top_srcdir:?run from make check (top_srcdir unset)}"
CC=${STANDALONE_CC:-cc}
CPPFLAGS=${STANDALONE_CPPFLAGS:--I. -Iinclude}
CFLAGS=${STANDALONE_CFLAGS:--Wall -Wextra}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/standalone.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

cd "$top_srcdir" || exit 99
files=$(ls alloc/*.c alloc/*.h diag/*.c diag/*.h)
n=0
count=$(($(echo "$files" | wc -l) + 2))
echo "1..$count"
failed=0
for f in $files; do
	n=$((n + 1))
	case $f in
	*.h) src="$tmp/header.c"; printf '#define _GNU_SOURCE\n#include "%s"\n' "$f" >"$src" ;;
	*) src="$tmp/module.c"; printf '#define _GNU_SOURCE\n#include "%s"\n' "$f" >"$src" ;;
	esac
	# shellcheck disable=SC2086 # flags are lists
	if $CC $CPPFLAGS $CFLAGS -Werror -fsyntax-only "$src" >"$tmp/out" 2>&1; then
		echo "ok $n - $f compiles on its own"
	else
		echo "not ok $n - $f compiles on its own"
		sed 's/^/# /' "$tmp/out"
		failed=$((failed + 1))
	fi
done

n=$((n + 1))
bad=$(grep -l '#include "diag/' alloc/* 2>/dev/null)
if [ -z "$bad" ]; then
	echo "ok $n - no alloc/ file includes diag/"
else
	echo "not ok $n - no alloc/ file includes diag/"
	echo "# $bad"
	failed=$((failed + 1))
fi

n=$((n + 1))
bad=$(grep -n '#include "alloc/' diag/*.c diag/*.h | grep -v '"alloc/inspect.h"\|"alloc/linkage.h"')
if [ -z "$bad" ]; then
	echo "ok $n - diag/ reaches the allocator through alloc/inspect.h only"
else
	echo "not ok $n - diag/ reaches the allocator through alloc/inspect.h only"
	echo "$bad" | sed 's/^/# /'
	failed=$((failed + 1))
fi
[ "$failed" -eq 0 ]
