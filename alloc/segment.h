/*
 * segment.h - segments and the spans of slices that make pages
 * (segment.c).
 */
#ifndef MALLARD_SEGMENT_H
#define MALLARD_SEGMENT_H

#include "alloc/internal.h"

/* The cache of empty segments (purged, kept mapped for reuse). */
MALLARD_INTERNAL_VAR pthread_mutex_t segment_cache_lock;
MALLARD_INTERNAL_VAR unsigned segment_cache_count; /* under segment_cache_lock */

/* The mask bits of slices first .. first+count-1 (count >= 1). */
static inline uint64_t segment_run_mask(unsigned first, unsigned count)
{
	return (count == 64 ? ~(uint64_t)0 : (((uint64_t)1 << count) - 1)) << first;
}

/* A span of `count` slices from the heap's segments (a new segment if none
 * has room): its head page, zeroed but for slice_count and area; NULL when
 * the OS has no memory. Owner only. With `zeroed` (else NULL), the caller
 * wants zeroed memory: slices known to read as zero are taken first, and
 * *zeroed says whether the span's memory is. */
MALLARD_INTERNAL page_t *segment_span_alloc(heap_t *heap, unsigned count, bool *zeroed);

/* The same from resident free slices only, which cost no page fault and
 * no growth of the resident set: NULL if no run of `count` of them is
 * free. */
MALLARD_INTERNAL page_t *segment_span_reuse(heap_t *heap, unsigned count);

/* Grows the span of head page `page` to `count` slices in place, if the
 * slices after it are free. Owner only; the caller fixes the block size. */
MALLARD_INTERNAL bool segment_span_grow(heap_t *heap, page_t *page, unsigned count);

/* Returns a page's span to its segment; the slices stay dirty (resident)
 * until purge.c gives them back. */
MALLARD_INTERNAL void segment_span_free(heap_t *heap, page_t *page);

/* Bytes a span offers to blocks, from its head page. */
MALLARD_INTERNAL size_t segment_span_bytes(const page_t *page);

/* An empty segment leaves its heap: purged into the cache, or unmapped.
 * Under the heap's slice_lock. */
MALLARD_INTERNAL void segment_release(segment_t *seg);

/* Unmaps every cached segment; returns how many. */
MALLARD_INTERNAL unsigned segment_cache_flush(void);

#if MALLARD_DEBUG
/* The invariants of segment_t and the shape of the segment's spans. */
MALLARD_INTERNAL bool segment_is_valid(const segment_t *seg);
#endif

#endif /* MALLARD_SEGMENT_H */
