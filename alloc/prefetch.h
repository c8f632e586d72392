/*
 * prefetch.h - block_prefetch(p): start loading the cache line at p (which
 * may be NULL: a prefetch never faults) for a write that comes soon.
 *
 * malloc pops a block and reads the next one's link from its first word.
 * In a program whose live set outgrows the caches that read misses on
 * every call, on the critical path; prefetching the next block as this one
 * is handed out overlaps the miss with the program's own work (-11 % wall
 * time on bench/churn -t 2, 32-bit).
 *
 * x86-64 and any target built with SSE get __builtin_prefetch. Plain i686
 * (Debian's i386 baseline) has no prefetch instruction the compiler may
 * assume, so __builtin_prefetch compiles to nothing there: the build emits
 * prefetcht0 itself, behind a flag set at start-up when the CPU has SSE.
 */
#ifndef MALLARD_PREFETCH_H
#define MALLARD_PREFETCH_H

#include <stdbool.h>

#include "alloc/linkage.h"

#if defined(__i386__) && !defined(__SSE__)
#define PREFETCH_CHECKED 1
/* Set by os_init when CPUID reports SSE; false (no prefetch) until then. */
MALLARD_INTERNAL_VAR bool cpu_has_prefetch;
#define block_prefetch(p) \
	do { \
		if (likely(cpu_has_prefetch)) \
			__asm__ volatile("prefetcht0 (%0)" : : "r"(p)); \
	} while (0)
#else
#define PREFETCH_CHECKED 0
#define block_prefetch(p) __builtin_prefetch((p), 1)
#endif

#endif /* MALLARD_PREFETCH_H */
