/*
 * runs.h - blocks of RUNS_MIN+1 .. MEDIUM_MAX bytes carved from shared run
 * pages in units of RUN_UNIT, first fit, neighbours merged on free, and the
 * heap's small cache of freed ones (runs.c).
 *
 * A run page is a span of RUN_PAGE_SLICES slices flagged PAGE_RUNS, so that
 * every free of one of its blocks leaves the fast path. Its first units
 * hold its header: the bitmaps `used` (a unit belongs to a live block, or
 * to this header), `start` (a live block starts there) and `cached` (that
 * block is in the heap's cache), and its free runs counted by length; a
 * block ends at the next unit that starts a block or is free. Blocks of
 * every size share a page, so memory one size freed serves another, as in
 * a coalescing allocator.
 */
#ifndef MALLARD_RUNS_H
#define MALLARD_RUNS_H

#include "alloc/internal.h"
#include "alloc/locate.h"
#include "alloc/sizeclass.h"

#define RUN_UNIT ((size_t)1 << RUN_UNIT_SHIFT)
#define RUN_UNITS ((unsigned)((RUN_PAGE_SLICES * SLICE_SIZE) >> RUN_UNIT_SHIFT))
#define RUN_WORDS (RUN_UNITS / 64)

typedef struct {
	_Alignas(8) uint64_t used[RUN_WORDS]; /* 8-aligned on i386 too: read atomically by inspectors */
	uint64_t start[RUN_WORDS];
	uint64_t cached[RUN_WORDS]; /* a block starting here is in the heap's cache */
	/* free runs by length: short[k] runs of k units (1 <= k < 64), their
	 * presence in short_mask, and long_count runs of 64 units or more */
	uint64_t short_mask;
	uint16_t short_count[64];
	uint32_t long_count;
	/* no free run of 64 units or more is longer (an upper bound) */
	uint32_t long_max;
	/* no free run is longer: long_max if there is a long run, else the
	 * longest short one (exact) */
	uint32_t max_free;
	/* no unit below it is free */
	uint32_t first_free;
	/* the heap's bin it is in (runs.c) */
	uint32_t bin;
} run_meta_t;

#define RUN_META_UNITS ((unsigned)((sizeof(run_meta_t) + RUN_UNIT - 1) >> RUN_UNIT_SHIFT))
#define RUN_META_BYTES ((size_t)RUN_META_UNITS << RUN_UNIT_SHIFT)
_Static_assert(RUN_PAGE_SLICES < SLICES_PER_SEGMENT, "a run page never holds slice 0");

static inline run_meta_t *run_meta(const page_t *page)
{
	return (run_meta_t *)(page->area - RUN_META_BYTES);
}

static inline unsigned run_unit_of(const page_t *page, const void *p)
{
	return (unsigned)(((const uint8_t *)p - (page->area - RUN_META_BYTES)) >> RUN_UNIT_SHIFT);
}

/* Takes a block of n units from the heap's cache (runs_cached[n] is not
 * NULL): a malloc's fast way to a run block. */
static inline void *runs_cache_pop(heap_t *heap, size_t n)
{
	block_t *b = heap->runs_cached[n];
	heap->runs_cached[n] = b->next;
	heap->runs_cached_count[n]--;
	heap->runs_cached_bytes -= n << RUN_UNIT_SHIFT;
	page_t *page = page_head_of(segment_of(b), b);
	unsigned u = run_unit_of(page, b);
	run_meta(page)->cached[u >> 6] &= ~((uint64_t)1 << (u & 63));
	return b;
}

/* Puts the owner's freed block at unit u of the page of header m, n units
 * long, in the heap's cache (the caller checked the room). */
static inline void runs_cache_push(heap_t *heap, run_meta_t *m, unsigned u, void *p, size_t n)
{
	block_t *b = p;
	m->cached[u >> 6] |= (uint64_t)1 << (u & 63);
	b->next = heap->runs_cached[n];
	heap->runs_cached[n] = b;
	heap->runs_cached_count[n]++;
	heap->runs_cached_bytes += n << RUN_UNIT_SHIFT;
}

/* Units of a block for `size` bytes. */
static inline size_t runs_units(size_t size)
{
	return (size + RUN_UNIT - 1) >> RUN_UNIT_SHIFT;
}

/* The size class a block for `size` bytes is counted in: its length's. */
static inline unsigned runs_class_of(size_t size)
{
	return sizeclass_of_run(runs_units(size));
}

/* A block of `size` bytes (RUNS_MIN < size <= MEDIUM_MAX) for heap (not
 * heap_empty); NULL: no memory. Neither counted nor sampled: the caller's
 * job, as for a block popped from a page. */
MALLARD_INTERNAL void *runs_malloc(heap_t *heap, size_t size);

/* Frees p, a pointer into run page `page` (a block start, or inside a block
 * if the page has PAGE_ALIGNED). */
MALLARD_INTERNAL void runs_free(heap_t *heap, page_t *page, void *p);

/* Usable bytes from p to the end of its block; 0 (reported) if none. */
MALLARD_INTERNAL size_t runs_usable_from(page_t *page, const void *p, const char *func);

/* The calling thread's block of `size` bytes (up to MEDIUM_MAX) aligned to
 * `align` (a power of two up to SLICE_SIZE), counted and sampled; NULL: no
 * memory. */
MALLARD_INTERNAL void *runs_malloc_aligned(size_t size, size_t align);

/* The heap's cache of run blocks, the blocks other threads freed and the
 * empty page it kept go back to their pages and segment (the owner, or
 * whoever holds the heap). */
MALLARD_INTERNAL void runs_heap_collect(heap_t *heap);

/* The background thread's look at another thread's heap: other threads'
 * frees into its run pages go back to them, and the empty page it kept to
 * its segment if the owner is `quiet`; nothing while the owner is at its
 * run pages this moment. True if it looked. */
MALLARD_INTERNAL bool runs_quiet_collect(heap_t *heap, bool quiet);

/* The heap's kept sweep: the empty run page it kept goes back to its
 * segment if it was already empty at the last sweep. */
MALLARD_INTERNAL void runs_sweep(heap_t *heap);

/* Resizes the block at p in place to hold `size` bytes, if its neighbours
 * allow (the owner only). */
MALLARD_INTERNAL bool runs_resize(heap_t *heap, page_t *page, void *p, size_t size);

#if MALLARD_DEBUG
/* The invariants of runs.c's header comment, walking the bitmaps. */
MALLARD_INTERNAL bool runs_page_is_valid(const page_t *page);
#endif

/* inspect_runs_page (inspect.h): from one read of each bitmap word. */
_Static_assert((SLICE_SIZE >> RUN_UNIT_SHIFT) % 64 == 0, "a slice is whole bitmap words");
MALLARD_INTERNAL size_t runs_inspect_page(const page_t *page, void (*visit)(void *arg, size_t bytes), void *arg);

#endif /* MALLARD_RUNS_H */
