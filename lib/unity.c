/*
 * unity.c - libmallard as one translation unit.
 *
 * Every module of the allocator (alloc/) and of the diagnostics (diag/) is
 * #included here, lowest layer first, with MALLARD_UNITY set: the names the
 * modules share through their headers are then static (linkage.h), the
 * fast paths inline across modules, and the library exports the public
 * names only. Each module also compiles on its own (tests/build/
 * standalone.sh), so its includes say what it really uses. Unit tests
 * include this file (with MALLARD_NO_OVERRIDE) to reach the internals.
 */
#define _GNU_SOURCE
#define MALLARD_UNITY 1

/* The allocator. */
#include "alloc/os.c"
#include "alloc/report.c"
#include "alloc/options.c"
#include "alloc/counters.c"
#include "alloc/segmap.c"
#include "alloc/sizeclass.c"
#include "alloc/segment.c"
#include "alloc/purge.c"
#include "alloc/pieces.c"
#include "alloc/huge.c"
#include "alloc/page.c"
#include "alloc/heap.c"
#include "alloc/background.c"
#include "alloc/sample.c"
#include "alloc/runs.c"
#include "alloc/alloc.c"
#include "alloc/aligned.c"
#include "alloc/trim.c"
#include "alloc/init.c"
#include "alloc/inspect.c"
#include "alloc/api.c"
#ifndef MALLARD_NO_OVERRIDE
#include "alloc/override.c"
#include "alloc/override_cxx.c"
#endif

/* The diagnostics, above the allocator's inspect.h. */
#include "diag/procfs.c"
#include "diag/pyframes.c"
#include "diag/sites.c"
#include "diag/snapshot.c"
#include "diag/emit.c"
#include "diag/reporter.c"
#include "diag/glibc.c"
#include "diag/api.c"
#include "diag/start.c"
