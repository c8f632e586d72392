/*
 * alloc.c - malloc and free: the fast paths, and the slow paths they hand
 * over to. Also calloc, realloc and the usable size of a block.
 */
#include "alloc/internal.h"
#include "alloc/alloc.h"
#include "alloc/heap.h"
#include "alloc/huge.h"
#include "alloc/init.h"
#include "alloc/locate.h"
#include "alloc/runs.h"
#include "alloc/sample.h"
#include "alloc/segmap.h"
#include "alloc/sizeclass.h"

#include <errno.h>
#include <string.h>

/* ---- slow paths ---- */

MALLARD_COLD_LOCAL void *alloc_malloc_slow(heap_t *heap, size_t size)
{
	if (unlikely(heap == &heap_empty)) {
		heap = heap_init_thread();
		if (heap == NULL)
			goto oom;
	}
	void *p;
	if (size > RUNS_MIN && size <= MEDIUM_MAX) {
		heap_maintain_inline(heap);
		p = runs_malloc(heap, size);
		if (p == NULL)
			goto oom;
		if (config_stats) {
			unsigned cls = runs_class_of(size);
			heap->counts[cls].mallocs++;
			heap->counts[cls].requested += size;
		}
		goto done;
	}
	if (likely(size <= MEDIUM_MAX)) {
		unsigned cls = sizeclass_of(size);
		page_t *page = heap->queues[cls].first;
		if (page == NULL || page->free == NULL) {
			heap_maintain(heap);
			page = heap_find_page(heap, cls);
			if (page == NULL)
				goto oom;
		}
		block_t *block = page->free;
		page->free = block->next;
		page->used++;
		p = block;
		if (config_stats) {
			heap->counts[cls].mallocs++;
			heap->counts[cls].requested += size;
		}
		goto done;
	}
	if (size <= LARGE_MAX) {
		heap_maintain(heap);
		p = heap_malloc_large(heap, size, false);
		if (config_stats && p) {
			heap->large_counts.mallocs++;
			heap->large_counts.requested += size;
		}
	} else if (size <= PTRDIFF_MAX) {
		heap_maintain(heap);
		p = huge_alloc(size, BLOCK_ALIGN, false);
	} else {
		p = NULL;
	}
	if (p == NULL)
		goto oom;
done:
	return sample_charge(heap, p, size);
oom:
	errno = ENOMEM;
	return NULL;
}

/* The fast path's countdown ran out on this allocation: gives it back
 * and lets the slow path allocate, count and sample. Out of line, so the
 * fast path keeps no copy of the countdown for the giving back. */
MALLARD_COLD_LOCAL void *alloc_malloc_sampled(heap_t *heap, size_t size)
{
	heap->sample_left += (intptr_t)size;
	return alloc_malloc_slow(heap, size);
}

/* free() of a pointer outside every segment: NULL, a listed huge
 * block, or a pointer mallard never handed out. */
MALLARD_COLD_LOCAL void alloc_free_unknown(void *p)
{
	if (p == NULL)
		return;
	segment_t *seg = huge_listed_find(p, true);
	if (seg) {
		sample_huge_free(p);
		huge_free(seg, true);
		return;
	}
	report_bad_pointer("free", p, "pointer was not allocated by mallard", true);
}

/* Resolves p (inside a segment) to its head page; reports and returns NULL
 * when p is no live block of mallard's. */
static page_t *alloc_page_of(segment_t *seg, const void *p, const char *func)
{
	page_t *page = page_head_of(seg, p);
	if (unlikely(page->flags & PAGE_FREE) || (uint8_t *)p < page->area) {
		report_bad_pointer(func, p, "double free, or a pointer into memory mallard has not handed out", true);
		return NULL;
	}
	if (!(page->flags & PAGE_ALIGNED) &&
	    ((size_t)((const uint8_t *)p - page->area) % page->block_size) != 0) {
		report_bad_pointer(func, p, "pointer is not the start of a block", true);
		return NULL;
	}
	return page;
}

/* Is p the block of huge segment seg? Reports it (as `func`) if not. */
static bool alloc_is_huge_block(segment_t *seg, const void *p, const char *func)
{
	page_t *page = segment_slice_page(seg, p);
	if ((page->flags & PAGE_HUGE) && page->area == p)
		return true;
	report_bad_pointer(func, p, "pointer was not allocated by mallard", true);
	return false;
}

/* The free fast path's push on an owned, queued page (block is not the
 * head of its free list): also taken by the slow path for a page whose
 * only flag is PAGE_SAMPLED, once the sample is seen to. */
static inline __attribute__((always_inline)) void alloc_push_local(heap_t *heap, page_t *page, block_t *block)
{
	block->next = page->free;
	page->free = block;
	if (unlikely(--page->used == 0))
		heap_page_emptied(heap, page);
	if (unlikely(--heap->free_countdown == 0))
		heap_free_beat(heap);
}

/* The free fast path's other way out. With sampling on, most frees here
 * are of the other blocks of an owned page holding a sampled block or two:
 * they need not ask (sample.h), and get the fast path's push. */
MALLARD_COLD_LOCAL void alloc_free_slow(heap_t *heap, segment_t *seg, void *p)
{
	page_t *slice_page = segment_slice_page(seg, p);
	if (slice_page->flags == PAGE_SAMPLED && slice_page->heap == heap && (block_t *)p != slice_page->free) {
		if (unlikely(!sample_page_unsampled(slice_page, p)))
			sample_page_free(heap, slice_page, p);
		alloc_push_local(heap, slice_page, p);
		return;
	}
	if (seg->kind == SEGMENT_HUGE) {
		if (alloc_is_huge_block(seg, p, "free")) {
			sample_huge_free(p);
			huge_free(seg, false);
		}
		return;
	}
	page_t *page = alloc_page_of(seg, p, "free");
	if (page == NULL)
		return;
	block_t *block = (page->flags & PAGE_ALIGNED) ? page_block_start(page, p) : p;
	if (page->flags & PAGE_SAMPLED)
		sample_page_free(heap, page, block);
	if (page->heap == heap)
		heap_free_local(heap, page, block);
	else if (heap != &heap_empty)
		heap_free_remote_run(heap, page, block);
	else
		heap_free_remote(page, block);
}

/* ---- medium and large blocks: lanes of their own ---- */

/* malloc above MEDIUM_MAX: a large block from a span the heap kept
 * (heap.c) takes a few dozen instructions; everything else goes the slow
 * way. Not cold: a program with a buffer per request comes here as often
 * as to the fast path. */
static __attribute__((noinline)) void *alloc_malloc_large(heap_t *heap, size_t size)
{
	if (size <= LARGE_MAX) {
		heap_maintain_inline(heap);
		void *p = heap_large_take_kept(heap, size);
		if (likely(p != NULL)) {
			if (config_stats) {
				heap->large_counts.mallocs++;
				heap->large_counts.requested += size;
			}
			return sample_charge(heap, p, size);
		}
	}
	return alloc_malloc_slow(heap, size);
}

/* malloc above RUNS_MIN up to MEDIUM_MAX: a block of its length from the
 * heap's cache of run blocks it freed (runs.h), else the slow path, which
 * cuts one from a run page (runs.c). A function apart from the large lane,
 * so that it needs none of that lane's register saves. */
static __attribute__((noinline)) void *alloc_malloc_medium(heap_t *heap, size_t size)
{
	size_t n = runs_units(size);
	if (likely(heap->runs_cached[n] != NULL)) { /* none on heap_empty */
		if (unlikely((heap->sample_left -= (intptr_t)size) < 0))
			return alloc_malloc_sampled(heap, size);
		void *p = runs_cache_pop(heap, n);
		if (config_stats) {
			unsigned cls = sizeclass_of_run(n);
			heap->counts[cls].mallocs++;
			heap->counts[cls].requested += size;
		}
		return p;
	}
	return alloc_malloc_slow(heap, size);
}

/* free of a block whose page the fast path declined: the owner's free of
 * an unsampled large block (the block starts its span's head slice) keeps
 * the span; a block of a run page goes to runs_free (any slice of its
 * span); everything else goes the slow way. Cold, like the slow path:
 * a hot one here made GCC set up its call inside the fast path (+2
 * instructions per small pair); cold costs the large pair about 10. */
MALLARD_COLD_LOCAL void alloc_free_flagged(heap_t *heap, segment_t *seg, void *p)
{
	page_t *page = segment_slice_page(seg, p);
	if (page->flags == (PAGE_LARGE | PAGE_FLOATING) && page->heap == heap && p == page->area &&
	    heap_large_keepable(page)) {
		heap_large_keep(heap, page);
		if (unlikely(--heap->free_countdown == 0))
			heap_free_beat(heap);
		return;
	}
	if (page->flags & (PAGE_RUNS | PAGE_TAIL)) {
		page_t *head = page_head_of(seg, p);
		if (head->flags & PAGE_RUNS) {
			runs_free(heap, head, p);
			if (unlikely(--heap->free_countdown == 0))
				heap_free_beat(heap);
			return;
		}
	}
	alloc_free_slow(heap, seg, p);
}

/* ---- fast paths ---- */

/* malloc fast path: size -> direct page -> countdown (sample.h) -> pop.
 * About 12 instructions with three tests; sizes above DIRECT_MAX are a
 * tail call to their lane, everything else (first call of a thread, empty
 * free list, a sample) to alloc_malloc_slow. */
MALLARD_HOT void *alloc_malloc(size_t size)
{
	heap_t *heap = tls_heap;
	if (likely(size <= DIRECT_MAX)) {
		page_t *page = heap->direct[DIRECT_INDEX(size)];
		block_t *block = page->free;
		if (likely(block != NULL)) {
			/* counted only once a block is there, so never on
			 * heap_empty; the hot path keeps just the subtract
			 * and the branch */
			if (unlikely((heap->sample_left -= (intptr_t)size) < 0))
				return alloc_malloc_sampled(heap, size);
			block_t *next = block->next;
			page->free = next;
			page->used++;
			block_prefetch(next);
			if (config_stats)
				heap->tally[DIRECT_INDEX(size)] += TALLY_ONE + size;
			return block;
		}
		return alloc_malloc_slow(heap, size);
	}
	if (size <= MEDIUM_MAX)
		return alloc_malloc_medium(heap, size);
	return alloc_malloc_large(heap, size);
}

/* free fast path: segment map -> mask -> page -> push on the page's free
 * list, where the next malloc of the class finds it while it is still in
 * cache. The page must be owned and unflagged, and p must not be the head
 * of its free list (the cheap double-free check). A page this free empties
 * goes back to its segment through a cold call (heap_page_emptied), and
 * every HEAP_FREE_BEAT owner frees the heap runs its maintenance, so purging
 * goes on in a program that only recycles blocks. About 20 instructions. */
MALLARD_HOT void alloc_free(void *p)
{
	if (unlikely(!segmap_contains((uintptr_t)p))) {
		alloc_free_unknown(p);
		return;
	}
	segment_t *seg = segment_of(p);
	page_t *page = segment_slice_page(seg, p);
	heap_t *heap = tls_heap;
	block_t *block = p;
	if (likely(page->heap == heap && page->flags == 0 && block != page->free)) {
		alloc_push_local(heap, page, block);
		return;
	}
	alloc_free_flagged(heap, seg, p);
}

/* ---- sizes of live blocks ---- */

/* Usable size of the live block at p; reports a bad pointer (as `func`)
 * and returns 0 if p is none. */
MALLARD_INTERNAL size_t alloc_usable_size(const void *p, const char *func)
{
	if (p == NULL)
		return 0;
	if (!segmap_contains((uintptr_t)p)) {
		segment_t *over = huge_listed_find(p, false);
		if (over)
			return over->huge_usable;
		report_bad_pointer(func, p, "pointer was not allocated by mallard", true);
		return 0;
	}
	segment_t *seg = segment_of(p);
	if (seg->kind == SEGMENT_HUGE)
		return alloc_is_huge_block(seg, p, func) ? seg->huge_usable : 0;
	page_t *page = alloc_page_of(seg, p, func);
	if (page == NULL)
		return 0;
	if (page->flags & PAGE_RUNS)
		return runs_usable_from(page, p, func);
	return page_usable_from(page, p);
}

/* ---- calloc and realloc ---- */

/* calloc of a large block: the slow path's large branch, asking for
 * slices known to be zero so that they need no clearing (calloc of a big
 * buffer, freed and asked for again, then costs no write to its bytes). */
static void *alloc_calloc_large(size_t size)
{
	heap_t *heap = tls_heap;
	if (unlikely(heap == &heap_empty)) {
		heap = heap_init_thread();
		if (heap == NULL)
			goto oom;
	}
	heap_maintain(heap);
	void *p = heap_malloc_large(heap, size, true);
	if (p == NULL)
		goto oom;
	if (config_stats) {
		heap->large_counts.mallocs++;
		heap->large_counts.requested += size;
	}
	return sample_charge(heap, p, size);
oom:
	errno = ENOMEM;
	return NULL;
}

MALLARD_INTERNAL void *alloc_calloc(size_t count, size_t size)
{
	size_t total;
	if (unlikely(__builtin_mul_overflow(count, size, &total))) {
		errno = ENOMEM;
		return NULL;
	}
	if (unlikely(total > LARGE_MAX)) {
		/* A huge block: a fresh mapping is zero already, so only a
		 * reused one is cleared. */
		if (total > PTRDIFF_MAX) {
			errno = ENOMEM;
			return NULL;
		}
		process_ensure_init();
		return sample_count(huge_alloc(total, BLOCK_ALIGN, true), total);
	}
	if (unlikely(total > MEDIUM_MAX))
		return alloc_calloc_large(total);
	void *p = alloc_malloc(total);
	if (likely(p != NULL))
		memset(p, 0, total);
	return p;
}

MALLARD_INTERNAL void *alloc_realloc(void *p, size_t size)
{
	if (p == NULL)
		return alloc_malloc(size);
	if (size == 0) { /* glibc: free and return NULL */
		alloc_free(p);
		return NULL;
	}
	size_t usable;
	page_t *page = segmap_contains((uintptr_t)p) ? segment_slice_page(segment_of(p), p) : NULL;
	if (page && page->flags == 0) /* a queued small page: p is a block start, as in free */
		usable = page->block_size;
	else
		usable = alloc_usable_size(p, "realloc");
	if (usable == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (page && (page->flags & (PAGE_RUNS | PAGE_TAIL)) && segment_of(p)->kind == SEGMENT_NORMAL) {
		page_t *head = page_head_of(segment_of(p), p);
		if ((head->flags & PAGE_RUNS) && runs_resize(tls_heap, head, p, size))
			return p;
	}
	/* Stay in place when the block is big enough and not more than twice
	 * too big (a shrink below half moves, so the rest can be reused). */
	if (size <= usable && size >= usable / 2)
		return p;
	if (size > usable && size <= LARGE_MAX && page && (page->flags & PAGE_LARGE) &&
	    page->heap == tls_heap && heap_large_grow(page->heap, page, size))
		return p;
	if (size > usable && usable > LARGE_MAX && size <= PTRDIFF_MAX && segmap_contains((uintptr_t)p)) {
		segment_t *seg = segment_of(p);
		if (seg->kind == SEGMENT_HUGE && huge_grow(seg, size))
			return p;
	}
	void *q = alloc_malloc(size);
	if (q == NULL)
		return NULL; /* errno is ENOMEM; p is untouched */
	memcpy(q, p, size < usable ? size : usable);
	alloc_free(p);
	return q;
}
