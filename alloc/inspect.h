/*
 * inspect.h - the allocator as the diagnostics (diag/) may see it: the one
 * interface between the two layers. Everything here only reads; nothing
 * calls malloc.
 *
 * What may be read, and under which lock:
 *   - inspect_heaps() walks every heap under heap_registry_lock (no heap is
 *     added meanwhile; none is ever freed), and each heap's normal segments
 *     under its seg_lock (none is unlinked or unmapped meanwhile). Those
 *     locks are never held on a fast path.
 *   - In a visitor, the fields below belong to other threads, which may be
 *     changing them: read each once with INSPECT_LOAD, and bound what you
 *     read (a page's used may exceed reserved for a moment; a span being
 *     cut has slice_count 0 and the area of its last owner).
 *       heap_t     tally[], counts[], large_counts, state
 *       segment_t  free_mask, dirty_mask, pages[]
 *       page_t     flags, used, reserved, capacity, block_size,
 *                  class_index, slice_count, area
 *     Nothing else of a heap, segment or page may be read, and nothing may
 *     be written.
 *   - The layout (arch.h, locate.h), the size classes (sizeclass.h), the
 *     options (options.h) and report.h's messages are the allocator's
 *     constants and may be used as they are.
 *   - Allocation sampling (sample.h): the diagnostics install its hooks
 *     once at start-up (sample_install) and read sample_rate(); the hooks
 *     are called from malloc and free and must keep sample.h's rules.
 */
#ifndef MALLARD_INSPECT_H
#define MALLARD_INSPECT_H

#include "alloc/internal.h"
#include "alloc/locate.h"
#include "alloc/options.h"
#include "alloc/report.h"
#include "alloc/sample.h"
#include "alloc/sizeclass.h"

#define INSPECT_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

typedef struct {
	void (*heap)(void *arg, const heap_t *heap);         /* each heap, newest first */
	void (*segment)(void *arg, const segment_t *seg);    /* then each of its normal segments */
} inspect_visitor_t;

MALLARD_INTERNAL void inspect_heaps(const inspect_visitor_t *visitor, void *arg);

/* Process-wide figures, each read once (relaxed). */
typedef struct {
	size_t segments_mapped;  /* bytes of normal segments mapped, cached ones included */
	size_t cached_segments;  /* empty segments in the cache */
	size_t huge_mapped;      /* bytes of huge mappings in use */
	size_t huge_count;       /* huge blocks live */
	size_t huge_cached;      /* bytes of freed huge mappings kept for reuse */
	size_t metadata;         /* bytes of heap structures */
	uint64_t huge_mallocs;   /* huge blocks allocated since start */
} inspect_process_t;

MALLARD_INTERNAL void inspect_process(inspect_process_t *p);

/* Initialises the allocator if nothing has yet: call before the above. */
MALLARD_INTERNAL void inspect_ready(void);

/* Milliseconds since the allocator started in this process. */
MALLARD_INTERNAL uint64_t inspect_uptime_ms(void);

/* Bytes of [addr, addr + size) resident in RAM (mincore); 0 on error. */
MALLARD_INTERNAL size_t inspect_resident_bytes(const void *addr, size_t size);

/* Calls visit(arg, bytes) for each live block of run page `page`
 * (PAGE_RUNS, runs.h) as one read of its bitmaps finds it while the owner
 * may be changing them; returns the page's active bytes: those of its
 * slices that hold a live block (a block in the heap's cache of freed ones
 * is not live). */
MALLARD_INTERNAL size_t inspect_runs_page(const page_t *page, void (*visit)(void *arg, size_t bytes), void *arg);

/* The OS page size. */
MALLARD_INTERNAL size_t inspect_os_page_size(void);

#endif /* MALLARD_INSPECT_H */
