/*
 * segment.c - segments and the spans of slices that make pages.
 *
 * A heap allocates spans from its own segments (no lock: only the owner
 * touches them; slice_lock keeps out a thread purging for it); a new
 * segment comes from the process-wide cache of empty segments or from the
 * OS. Freed slices stay resident ("dirty") until purge.c gives them back,
 * purge_delay_ms after they were freed; a segment whose slices are all
 * free is then released: purged into the cache, or unmapped so the address
 * space comes back (what keeps large requests possible on 32-bit).
 */
#include "alloc/internal.h"
#include "alloc/background.h"
#include "alloc/clock.h"
#include "alloc/counters.h"
#include "alloc/locate.h"
#include "alloc/options.h"
#include "alloc/os.h"
#include "alloc/purge.h"
#include "alloc/segmap.h"
#include "alloc/segment.h"

#include <errno.h>
#include <string.h>

#define SLICE_MASK_ALL (SLICES_PER_SEGMENT == 64 ? ~(uint64_t)0 : (((uint64_t)1 << SLICES_PER_SEGMENT) - 1))
/* Slice 0 holds the header: never known to be zero. */
#define SLICE_MASK_ZEROABLE (SLICE_MASK_ALL & ~(uint64_t)1)

MALLARD_INTERNAL pthread_mutex_t segment_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static segment_t *segment_cache;
MALLARD_INTERNAL unsigned segment_cache_count;

/* Zeroes a page header with word stores: GCC makes a memset of its 128
 * bytes a `rep stos`, whose start-up cost more than the stores on the
 * path of every large block. */
typedef uint64_t __attribute__((may_alias)) page_word_t;
static inline void page_clear(page_t *page)
{
	page_word_t *w = (page_word_t *)(void *)page;
#pragma GCC unroll 16
	for (unsigned i = 0; i < sizeof(*page) / sizeof(*w); i++)
		w[i] = 0;
}

static void segment_init_header(segment_t *seg, heap_t *heap, uint64_t zero_mask)
{
	memset(seg, 0, sizeof(*seg));
	seg->kind = SEGMENT_NORMAL;
	seg->heap = heap;
	seg->free_mask = SLICE_MASK_ALL;
	seg->zero_mask = zero_mask;
	for (unsigned i = 0; i < SLICES_PER_SEGMENT; i++)
		seg->pages[i].flags = PAGE_FREE;
}

/* The heap's segment list changes under seg_lock (inspectors walk it). */
static void segment_list_unlink(heap_t *heap, segment_t *seg)
{
	if (seg->prev)
		seg->prev->next = seg->next;
	else
		heap->segments = seg->next;
	if (seg->next)
		seg->next->prev = seg->prev;
	else
		heap->segments_tail = seg->prev;
	seg->next = seg->prev = NULL;
}

static void segment_list_link(heap_t *heap, segment_t *seg, bool at_head)
{
	if (at_head) {
		seg->prev = NULL;
		seg->next = heap->segments;
		if (heap->segments)
			heap->segments->prev = seg;
		else
			heap->segments_tail = seg;
		heap->segments = seg;
	} else {
		seg->next = NULL;
		seg->prev = heap->segments_tail;
		if (heap->segments_tail)
			heap->segments_tail->next = seg;
		else
			heap->segments = seg;
		heap->segments_tail = seg;
	}
}

/* at_head: the segment has a free slice; tail: it is full. */
static void segment_list_move(heap_t *heap, segment_t *seg, bool at_head)
{
	pthread_mutex_lock(&heap->seg_lock);
	segment_list_unlink(heap, seg);
	segment_list_link(heap, seg, at_head);
	pthread_mutex_unlock(&heap->seg_lock);
}

/* A fresh normal segment for `heap`, from the cache or the OS; NULL if the
 * OS refuses. */
static segment_t *segment_alloc(heap_t *heap)
{
	segment_t *seg = NULL;
	pthread_mutex_lock(&segment_cache_lock);
	if (segment_cache) {
		seg = segment_cache;
		segment_cache = seg->next;
		segment_cache_count--;
	}
	pthread_mutex_unlock(&segment_cache_lock);
	if (seg == NULL) {
		void *p;
		if (os_map_aligned(SEGMENT_SIZE, SEGMENT_SIZE, &p) != 0)
			return NULL;
		if (((uintptr_t)p >> SEGMENT_SHIFT) >= SEGMAP_UNITS) {
			os_unmap(p, SEGMENT_SIZE);
			return NULL;
		}
		if (!options.thp)
			os_no_huge_pages(p, SEGMENT_SIZE);
		seg = p;
		segment_init_header(seg, heap, SLICE_MASK_ZEROABLE); /* fresh from the OS */
		segmap_set(seg, true);
		if (atomic_fetch_add_explicit(&stat_segments_mapped, SEGMENT_SIZE, memory_order_relaxed) != 0)
			background_want(); /* the second segment: a heap worth a thread */
	} else {
		segment_init_header(seg, heap, seg->zero_mask); /* what its purge cleared */
	}
	pthread_mutex_lock(&heap->seg_lock);
	segment_list_link(heap, seg, true);
	pthread_mutex_unlock(&heap->seg_lock);
	return seg;
}

/* Gives a normal segment's address space back to the OS. */
static void segment_unmap(segment_t *seg)
{
	segmap_set(seg, false);
	os_unmap(seg, SEGMENT_SIZE);
	atomic_fetch_sub_explicit(&stat_segments_mapped, SEGMENT_SIZE, memory_order_relaxed);
}

/* An empty segment leaves its heap: purged into the cache, or unmapped. */
MALLARD_INTERNAL void segment_release(segment_t *seg)
{
	heap_t *heap = seg->heap;
	pthread_mutex_lock(&heap->seg_lock);
	segment_list_unlink(heap, seg);
	pthread_mutex_unlock(&heap->seg_lock);
	seg->heap = NULL;
	pthread_mutex_lock(&segment_cache_lock);
	if (segment_cache_count < options.segment_cache_max) {
		seg->dirty_mask = SLICE_MASK_ALL; /* purge all, header page excepted */
		seg->free_mask = SLICE_MASK_ALL;
		purge_segment_dirty(seg);
		seg->next = segment_cache;
		segment_cache = seg;
		segment_cache_count++;
		seg = NULL;
	}
	pthread_mutex_unlock(&segment_cache_lock);
	if (seg)
		segment_unmap(seg);
}

/* Unmaps every cached segment; returns how many. */
MALLARD_INTERNAL unsigned segment_cache_flush(void)
{
	pthread_mutex_lock(&segment_cache_lock);
	segment_t *list = segment_cache;
	unsigned n = segment_cache_count;
	segment_cache = NULL;
	segment_cache_count = 0;
	pthread_mutex_unlock(&segment_cache_lock);
	while (list) {
		segment_t *next = list->next;
		segment_unmap(list);
		list = next;
	}
	return n;
}

/* Lowest slice index starting a run of `count` free slices, or -1. */
static int segment_find_run(uint64_t free_mask, unsigned count)
{
	uint64_t m = free_mask;
	for (unsigned j = 1; j < count && m; j++)
		m &= free_mask >> j;
	return m ? __builtin_ctzll(m) : -1;
}

/* Takes a span of `count` slices from the heap's segments (a new segment if
 * none has room) and returns its head page, zeroed but for slice_count and
 * area. Spans of more than one slice never use slice 0. With `zeroed`, the
 * caller wants zeroed memory: slices known to be zero come first, and
 * *zeroed says whether the span is. With `reuse_only`, only dirty slices
 * will do: NULL if no run of them is free. Under slice_lock. */
static page_t *segment_span_alloc_locked(heap_t *heap, unsigned count, bool *zeroed, bool reuse_only)
{
	uint64_t avoid = count > 1 ? 1 : 0;
	segment_t *seg;
	int first = -1;
	/* For zeroed memory, slices known to be zero first: clearing them
	 * again would cost a write to every byte (and fault in every page).
	 * Otherwise dirty slices first: they are resident already, so reusing
	 * them costs no page faults and keeps RSS down; then any free run,
	 * first fit. Full segments are all at the tail: each loop stops at the
	 * first. */
	for (seg = heap->segments; zeroed && seg && seg->free_mask != 0; seg = seg->next) {
		first = segment_find_run(seg->zero_mask, count);
		if (first >= 0)
			break;
	}
	for (seg = first >= 0 ? seg : heap->segments; first < 0 && seg && seg->free_mask != 0; seg = seg->next) {
		first = segment_find_run(seg->dirty_mask & ~avoid, count);
		if (first >= 0)
			break;
	}
	if (first < 0 && reuse_only)
		return NULL;
	if (first < 0) {
		for (seg = heap->segments; seg && seg->free_mask != 0; seg = seg->next) {
			first = segment_find_run(seg->free_mask & ~avoid, count);
			if (first >= 0)
				break;
		}
	}
	if (first < 0) {
		seg = segment_alloc(heap);
		if (seg == NULL)
			return NULL;
		first = segment_find_run(seg->free_mask & ~avoid, count);
	}
	uint64_t run = segment_run_mask((unsigned)first, count);
	if (zeroed)
		*zeroed = (seg->zero_mask & run) == run;
	unsigned grown = (unsigned)__builtin_popcountll(run & ~seg->dirty_mask);
	seg->free_mask &= ~run;
	seg->dirty_mask &= ~run;
	seg->zero_mask &= ~run;
	seg->used_slices += count;
	if (seg->free_mask == 0)
		segment_list_move(heap, seg, false);
	if (grown && heap->purge_list)
		purge_for_growth_locked(heap, (size_t)grown * SLICE_SIZE);

	page_t *page = &seg->pages[first];
	page_clear(page);
	page->slice_count = (uint16_t)count;
	page->area = segment_slice_start(seg, (unsigned)first);
	for (unsigned i = 1; i < count; i++) {
		page_t *tail = page + i;
		tail->flags = PAGE_TAIL;
		tail->slice_offset = (uint8_t)i;
		tail->heap = NULL;
	}
	return page;
}

/* Grows the span of head page `page` to `count` slices in place, if the
 * slices after it are free (dirty or purged, both are fine to hand out).
 * Owner only, under slice_lock. The caller fixes the block size. */
static bool segment_span_grow_locked(heap_t *heap, page_t *page, unsigned count)
{
	segment_t *seg = segment_of(page);
	unsigned first = page_slice_index(seg, page);
	unsigned old = page->slice_count;
	if (count <= old || first + count > SLICES_PER_SEGMENT)
		return false;
	uint64_t extra = segment_run_mask(first + old, count - old);
	if ((seg->free_mask & extra) != extra)
		return false;
	unsigned grown = (unsigned)__builtin_popcountll(extra & ~seg->dirty_mask);
	seg->free_mask &= ~extra;
	seg->dirty_mask &= ~extra;
	seg->zero_mask &= ~extra;
	seg->used_slices += count - old;
	if (seg->free_mask == 0)
		segment_list_move(heap, seg, false);
	if (grown && heap->purge_list)
		purge_for_growth_locked(heap, (size_t)grown * SLICE_SIZE);
	for (unsigned i = old; i < count; i++) {
		page_t *tail = page + i;
		page_clear(tail);
		tail->flags = PAGE_TAIL;
		tail->slice_offset = (uint8_t)i;
	}
	page->slice_count = (uint16_t)count;
	MALLARD_ASSERT(segment_is_valid(seg));
	return true;
}

/* Bytes a span offers to blocks. */
MALLARD_INTERNAL size_t segment_span_bytes(const page_t *page)
{
	segment_t *seg = segment_of(page);
	uint8_t *end = (uint8_t *)seg + (size_t)(page_slice_index(seg, page) + page->slice_count) * SLICE_SIZE;
	return (size_t)(end - page->area);
}

/* Returns a page's span to its segment; the slices are dirty until purged.
 * Under slice_lock. */
static void segment_span_free_locked(heap_t *heap, page_t *page)
{
	segment_t *seg = segment_of(page);
	unsigned first = page_slice_index(seg, page);
	unsigned count = page->slice_count;
	for (unsigned i = 0; i < count; i++) {
		page[i].flags = PAGE_FREE;
		page[i].heap = NULL;
	}
	uint64_t run = segment_run_mask(first, count);
	if (seg->free_mask == 0)
		segment_list_move(heap, seg, true);
	seg->free_mask |= run;
	seg->dirty_mask |= run;
	seg->used_slices -= count;
	MALLARD_ASSERT(segment_is_valid(seg));
	if (seg->purge_at_ms == 0 && !options_purge_never()) {
		seg->purge_at_ms = options_purge_due(clock_now_ms());
		if (heap->purge_at_ms == 0 || seg->purge_at_ms < heap->purge_at_ms) {
			__atomic_store_n(&heap->purge_at_ms, seg->purge_at_ms, __ATOMIC_RELAXED);
			/* a later due time of this heap is found by the pass that
			 * this one (or an earlier one) brings */
			background_due(seg->purge_at_ms + background_grace_ms());
		}
		seg->purge_next = heap->purge_list;
		heap->purge_list = seg;
	}
}

/* The span operations as the heap code calls them: each under
 * the heap's slice_lock, uncontended unless another thread is purging this
 * heap for a quiet owner (the background thread, or heap_purge_idle). */
MALLARD_INTERNAL page_t *segment_span_alloc(heap_t *heap, unsigned count, bool *zeroed)
{
	pthread_mutex_lock(&heap->slice_lock);
	page_t *page = segment_span_alloc_locked(heap, count, zeroed, false);
	pthread_mutex_unlock(&heap->slice_lock);
	return page;
}

MALLARD_INTERNAL page_t *segment_span_reuse(heap_t *heap, unsigned count)
{
	pthread_mutex_lock(&heap->slice_lock);
	page_t *page = segment_span_alloc_locked(heap, count, NULL, true);
	pthread_mutex_unlock(&heap->slice_lock);
	return page;
}

MALLARD_INTERNAL bool segment_span_grow(heap_t *heap, page_t *page, unsigned count)
{
	pthread_mutex_lock(&heap->slice_lock);
	bool grown = segment_span_grow_locked(heap, page, count);
	pthread_mutex_unlock(&heap->slice_lock);
	return grown;
}

MALLARD_INTERNAL void segment_span_free(heap_t *heap, page_t *page)
{
	pthread_mutex_lock(&heap->slice_lock);
	segment_span_free_locked(heap, page);
	pthread_mutex_unlock(&heap->slice_lock);
}

#if MALLARD_DEBUG
/* Checks the segment invariants of internal.h and the shape of its spans:
 * free slices carry PAGE_FREE, each span is a head page followed by tails
 * that point back to it. */
MALLARD_INTERNAL bool segment_is_valid(const segment_t *seg)
{
	if (seg->kind != SEGMENT_NORMAL)
		return false;
	if ((seg->dirty_mask & ~seg->free_mask) != 0)
		return false;
	if ((seg->zero_mask & ~seg->free_mask) != 0 || (seg->zero_mask & seg->dirty_mask) != 0 || (seg->zero_mask & 1))
		return false;
	if (seg->used_slices != SLICES_PER_SEGMENT - (unsigned)__builtin_popcountll(seg->free_mask))
		return false;
	unsigned i = 0;
	while (i < SLICES_PER_SEGMENT) {
		const page_t *page = &seg->pages[i];
		bool is_free = (seg->free_mask >> i) & 1;
		if (is_free) {
			if (!(page->flags & PAGE_FREE))
				return false;
			i++;
			continue;
		}
		if (page->flags & (PAGE_FREE | PAGE_TAIL) || page->slice_count == 0 ||
		    i + page->slice_count > SLICES_PER_SEGMENT || (page->slice_count > 1 && i == 0))
			return false;
		for (unsigned j = 1; j < page->slice_count; j++) {
			const page_t *tail = page + j;
			if (!(tail->flags & PAGE_TAIL) || tail->slice_offset != j || ((seg->free_mask >> (i + j)) & 1))
				return false;
		}
		i += page->slice_count;
	}
	return true;
}
#endif
