/*
 * heap.c - thread heaps: per-class page queues, remote frees, purging, and
 * the life cycle of heaps across thread start, thread exit and fork.
 *
 * A thread's first malloc finds tls_heap == &heap_empty (whose direct[]
 * entries all point at page_empty, so the fast path needs no init check)
 * and takes a heap: an abandoned one if any, else a new one. When the
 * thread exits, its heap is abandoned intact; remote frees into it keep
 * working (they only touch atomics), and the next thread to start adopts it.
 *
 * Maintenance (sweeps, purges) runs on the owner's slow paths; what falls
 * due while the owner is quiet is done by the background thread
 * (background.c), which may pop remote_pages and take slice_lock but never
 * touches the owner's queues.
 */
#include "alloc/internal.h"
#include "alloc/background.h"
#include "alloc/clock.h"
#include "alloc/counters.h"
#include "alloc/heap.h"
#include "alloc/huge.h"
#include "alloc/init.h"
#include "alloc/locate.h"
#include "alloc/options.h"
#include "alloc/os.h"
#include "alloc/page.h"
#include "alloc/purge.h"
#include "alloc/runs.h"
#include "alloc/sample.h"
#include "alloc/segment.h"
#include "alloc/sizeclass.h"

#include <errno.h>
#include <string.h>

MALLARD_INTERNAL heap_t heap_empty = {
	.direct = {[0 ... DIRECT_COUNT - 1] = &page_empty},
	.state = HEAP_DEAD,
};

MALLARD_INTERNAL __thread heap_t *tls_heap __attribute__((tls_model("initial-exec"))) = &heap_empty;

MALLARD_INTERNAL pthread_mutex_t heap_registry_lock = PTHREAD_MUTEX_INITIALIZER;
MALLARD_INTERNAL heap_t *heap_registry;
static uint8_t *heap_chunk_next, *heap_chunk_end;

MALLARD_INTERNAL pthread_mutex_t heap_abandoned_lock = PTHREAD_MUTEX_INITIALIZER;
static heap_t *heap_abandoned;

/* Bumped by malloc_trim: every heap purges all it can on its next slow path. */
MALLARD_INTERNAL _Atomic uint32_t heap_trim_epoch;

/* ---- page queues ---- */

static void heap_direct_update(heap_t *heap, unsigned cls)
{
	unsigned lo = sizeclass_table.direct_lo[cls], hi = sizeclass_table.direct_hi[cls];
	if (lo > hi)
		return; /* class above DIRECT_MAX */
	page_t *page = heap->queues[cls].first ? heap->queues[cls].first : &page_empty;
	for (unsigned i = lo; i <= hi; i++)
		heap->direct[i] = page;
}

static void heap_queue_push(heap_t *heap, page_t *page, bool front)
{
	unsigned cls = page->class_index;
	page_queue_t *q = &heap->queues[cls];
	if (front) {
		page->prev = NULL;
		page->next = q->first;
		if (q->first)
			q->first->prev = page;
		else
			q->last = page;
		q->first = page;
		heap_direct_update(heap, cls);
	} else {
		page->next = NULL;
		page->prev = q->last;
		if (q->last)
			q->last->next = page;
		else
			q->first = page;
		q->last = page;
		if (q->first == page)
			heap_direct_update(heap, cls);
	}
}

static void heap_queue_remove(heap_t *heap, page_t *page)
{
	unsigned cls = page->class_index;
	page_queue_t *q = &heap->queues[cls];
	bool was_first = q->first == page;
	if (page->prev)
		page->prev->next = page->next;
	else
		q->first = page->next;
	if (page->next)
		page->next->prev = page->prev;
	else
		q->last = page->prev;
	page->next = page->prev = NULL;
	if (was_first)
		heap_direct_update(heap, cls);
}

/* ---- pages leaving and re-entering the queues ---- */

/* A full page leaves its queue and floats, asking to be told of the next
 * remote free. Fails (page stays queued) if a remote free got in first. */
static bool heap_page_float(heap_t *heap, page_t *page)
{
	uintptr_t expected = 0;
	if (!atomic_compare_exchange_strong_explicit(&page->xthread_free, &expected, THREAD_FREE_NOTIFY,
						     memory_order_acq_rel, memory_order_relaxed))
		return false;
	heap_queue_remove(heap, page);
	page->flags |= PAGE_FLOATING;
	return true;
}

/* A page that came back from floating: free it if empty, else queue it. */
static void heap_page_unfloat(heap_t *heap, page_t *page)
{
	page->flags &= ~PAGE_FLOATING;
	page_collect_remote(page);
	MALLARD_ASSERT(page_is_valid(page));
	if (page->used == 0)
		segment_span_free(heap, page);
	else
		heap_queue_push(heap, page, false);
}

/* ---- slots of pages kept for reuse ----
 *
 * Kept large spans and spare pages wait in slots that only the owner
 * fills and any thread may empty (by exchange, to give an idle owner's
 * memory back). */

/* Puts `page` in the first empty slot of slots[0..n), else in slot
 * (*next)++ % n; returns the page that slot held (NULL if none). Owner
 * only: a slot seen empty stays empty. Inlined: the call cost a large
 * malloc+free pair 10 of its 160 instructions (bench/pairs 131072). */
static inline __attribute__((always_inline)) page_t *heap_slot_fill(_Atomic(page_t *) *slots, unsigned n,
								     uint32_t *next, page_t *page)
{
	unsigned slot = 0;
	while (slot < n && atomic_load_explicit(&slots[slot], memory_order_relaxed) != NULL)
		slot++;
	if (slot < n) {
		atomic_store_explicit(&slots[slot], page, memory_order_release);
		return NULL;
	}
	slot = (*next)++ % n;
	return atomic_exchange_explicit(&slots[slot], page, memory_order_acq_rel);
}

/* Empties a slot; returns the page it held (NULL if none, or if another
 * thread emptied it first). Any thread. */
static page_t *heap_slot_empty(_Atomic(page_t *) *slot)
{
	if (atomic_load_explicit(slot, memory_order_relaxed) == NULL)
		return NULL;
	return atomic_exchange_explicit(slot, NULL, memory_order_acquire);
}

/* Whether any of slots[0..n) holds a page (any thread; a moment's view). */
static bool heap_slot_any(_Atomic(page_t *) const *slots, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (atomic_load_explicit(&slots[i], memory_order_relaxed) != NULL)
			return true;
	return false;
}

/* The background thread is told to look at this heap's kept spans and
 * spare pages a sweep interval after `now`: if the owner has not run its
 * maintenance by then, it gives them back (background_pass), and while
 * any are kept it looks again when the owner could next have gone quiet. */
MALLARD_COLD_LOCAL void heap_kept_announce(heap_t *heap, uint64_t now)
{
	heap->kept_told_ms = now + heap_sweep_interval_ms();
	background_due(heap->kept_told_ms);
}

/* After a slot is filled: the background thread gives kept pages back if
 * the owner goes quiet, told at most once a sweep interval (its pass looks
 * again by itself while any are kept). */
static inline __attribute__((always_inline)) void heap_kept_tell(heap_t *heap)
{
	uint64_t now = atomic_load_explicit(&heap->maintained_ms, memory_order_relaxed);
	if (unlikely(heap->kept_told_ms <= now) && !options_purge_never())
		heap_kept_announce(heap, now);
}

/* ---- spare pages ----
 *
 * An emptied one-slice page leaves its queue for one of the heap's
 * HEAP_SPARE_PAGES spare_pages slots instead of going back to its segment
 * (when all are full, the one in the next slot in turn goes back). The
 * next new page of its class is then that page with its free list as it
 * was, and that of another one-slice class is made over from one: no span
 * search, no lock, no segment masks. A program that allocates a few
 * hundred KiB and frees them, again and again, does no span work at all
 * (bench/callgrind, pairs in batches of 1000: 200 B 87 -> 76 instructions
 * a pair, 1 KiB 117 -> 84). They go back to their segments, to be purged
 * after the purge delay, at the owner's sweep (every half purge delay),
 * when the heap is about to grow (heap_release_spare), and when the owner
 * has been quiet for a sweep interval (the background thread, told as for
 * kept large spans): they hold memory no longer than a freed span waits to
 * be purged anyway. PAGE_SPARE sends a free into one of them (a double
 * free: it has no live block) to the slow path, which reports it; a remote
 * one is reported when the page leaves its slot. */

/* A spare page leaves its slot: a remote free that landed on it meanwhile
 * was a second free of one of its blocks. */
static void heap_spare_check(page_t *page)
{
	if (unlikely(atomic_load_explicit(&page->xthread_free, memory_order_acquire) != 0))
		report_bad_pointer("free", page->area, "double free (by another thread, into an emptied page)", false);
}

static void heap_spare_put(heap_t *heap, page_t *page)
{
	page->flags |= PAGE_SPARE;
	page_t *out = heap_slot_fill(heap->spare_pages, HEAP_SPARE_PAGES, &heap->spare_next, page);
	if (out) {
		heap_spare_check(out);
		segment_span_free(heap, out);
	}
	heap_kept_tell(heap);
}

/* A spare page of class `cls`, else one of another class made over for
 * `cls`; NULL if there is none. For one-slice classes only. */
static page_t *heap_spare_take(heap_t *heap, unsigned cls)
{
	page_t *other = NULL;
	unsigned other_slot = 0;
	for (unsigned i = 0; i < HEAP_SPARE_PAGES; i++) {
		page_t *page = atomic_load_explicit(&heap->spare_pages[i], memory_order_acquire);
		if (page == NULL)
			continue;
		if (page->class_index != cls) {
			other = page;
			other_slot = i;
			continue;
		}
		/* NULL if a thread giving back an idle heap took it meanwhile */
		page = atomic_exchange_explicit(&heap->spare_pages[i], NULL, memory_order_acquire);
		if (page) {
			heap_spare_check(page);
			page->flags &= ~(uint32_t)PAGE_SPARE;
			return page;
		}
	}
	if (other == NULL)
		return NULL;
	page_t *page = atomic_exchange_explicit(&heap->spare_pages[other_slot], NULL, memory_order_acquire);
	if (page == NULL)
		return NULL;
	heap_spare_check(page);
	page_init(page, heap, cls, sizeclass_block_size(cls));
	page_extend(page);
	return page;
}

MALLARD_INTERNAL bool heap_spare_any(const heap_t *heap)
{
	return heap_slot_any(heap->spare_pages, HEAP_SPARE_PAGES);
}

MALLARD_INTERNAL bool heap_spare_release(heap_t *heap)
{
	bool released = false;
	for (unsigned i = 0; i < HEAP_SPARE_PAGES; i++) {
		page_t *page = heap_slot_empty(&heap->spare_pages[i]);
		if (page == NULL)
			continue;
		heap_spare_check(page);
		segment_span_free(heap, page);
		released = true;
	}
	return released;
}

/* A queued page whose last block was freed by its owner: a spare page (or,
 * spanning several slices, back to its segment), unless it is the page its
 * class allocates from (then keep it: the next malloc wants it; the sweep
 * frees it if it stays empty). */
MALLARD_COLD void heap_page_emptied(heap_t *heap, page_t *page)
{
	if (heap->queues[page->class_index].first == page)
		return;
	heap_queue_remove(heap, page);
	if (page->slice_count == 1)
		heap_spare_put(heap, page);
	else
		segment_span_free(heap, page);
}

/* Takes the pages that remote frees pushed back to this heap. */
static void heap_drain_remote(heap_t *heap)
{
	page_t *page = atomic_exchange_explicit(&heap->remote_pages, NULL, memory_order_acquire);
	while (page) {
		page_t *next = page->remote_next;
		heap_page_unfloat(heap, page);
		page = next;
	}
}

MALLARD_INTERNAL void heap_remote_push(_Atomic(page_t *) *stack, page_t *page)
{
	page_t *head = atomic_load_explicit(stack, memory_order_relaxed);
	do {
		page->remote_next = head;
	} while (!atomic_compare_exchange_weak_explicit(stack, &head, page, memory_order_release,
						       memory_order_relaxed));
	if (head == NULL && !options_purge_never())
		background_due(options_purge_due(clock_now_ms()));
}

/* ---- allocation slow path ---- */

static bool heap_large_kept_give_back(heap_t *heap, bool all);

/* Gives back what the heap holds only to be fast: its kept large spans,
 * its spare pages and the empty page each class keeps to allocate from.
 * Returns whether anything went back. Owner only. */
static bool heap_release_spare(heap_t *heap)
{
	bool released = heap_large_kept_give_back(heap, true);
	released |= heap_spare_release(heap);
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		page_t *page = heap->queues[cls].first;
		if (page != NULL && page->used == 0) {
			heap_queue_remove(heap, page);
			segment_span_free(heap, page);
			released = true;
		}
	}
	return released;
}

/* A span of `count` slices for a new page or large block. Resident free
 * slices first; when there are none, the spare memory the heap holds for
 * speed goes back to its segments and is reused before the heap grows,
 * and as many bytes of cached huge mappings (which cannot serve a span)
 * are unmapped: a program's peak is then its live memory, not that plus
 * every class's empty page, a few kept large blocks and its last big
 * buffers (bench/workloads/objects.py: 27 slices, 1.7 MiB, of a 22 MiB
 * peak; xml_etree.py: 1 MiB of cached documents). A class that loses its
 * page this way makes a new one from resident slices when next asked. A
 * zeroed span (calloc) leaves them: it wants slices known to be zero. */
MALLARD_INTERNAL page_t *heap_span_alloc(heap_t *heap, unsigned count, bool *zeroed)
{
	if (zeroed == NULL) {
		page_t *page = segment_span_reuse(heap, count);
		if (page != NULL)
			return page;
		if (heap_release_spare(heap) && (page = segment_span_reuse(heap, count)) != NULL)
			return page;
	}
	if (atomic_load_explicit(&huge_cache_count, memory_order_relaxed))
		huge_cache_shed((size_t)count * SLICE_SIZE);
	return segment_span_alloc(heap, count, zeroed);
}

/* A new page: a spare page if there is one (a one-slice class), else a
 * fresh span. The span is the malloc slow path's rare step, and where the
 * segment that makes the background thread wanted is mapped: the thread
 * starts here, once the span is this heap's and in no queue yet, so that
 * what its start-up allocates goes elsewhere. */
static page_t *heap_page_new(heap_t *heap, unsigned cls)
{
	page_t *page = sizeclass_table.slices[cls] == 1 ? heap_spare_take(heap, cls) : NULL;
	if (page) {
		heap_queue_push(heap, page, true);
		return page;
	}
	page = heap_span_alloc(heap, sizeclass_table.slices[cls], NULL);
	if (page == NULL)
		return NULL;
	background_poll();
	page_init(page, heap, cls, sizeclass_block_size(cls));
	page_extend(page);
	heap_queue_push(heap, page, true);
	return page;
}

/* A page of class `cls` with a non-empty free list, or NULL (out of memory).
 * Full pages met on the way float off the queue, so each is passed once. */
MALLARD_INTERNAL page_t *heap_find_page(heap_t *heap, unsigned cls)
{
	page_t *page = heap->queues[cls].first;
	while (page) {
		page_t *next = page->next;
		if (page->free == NULL)
			page_refill(page);
		if (page->free) {
			if (page != heap->queues[cls].first) {
				heap_queue_remove(heap, page);
				heap_queue_push(heap, page, true);
			}
			return page;
		}
		if (!heap_page_float(heap, page))
			continue; /* a remote free arrived: refill again */
		page = next;
	}
	return heap_page_new(heap, cls);
}

/* ---- kept large spans ----
 *
 * A program that allocates and frees a large block in turn (a buffer per
 * request) would otherwise search its segments for a span, take and drop
 * slice_lock, and set up a page header on every malloc, and undo it all
 * on every free. The owner's free keeps the span whole in one of the
 * heap's large_kept slots instead (flags PAGE_LARGE, used 0: a second
 * free of it is a double free, and a snapshot counts it as freed memory
 * still committed); the next large malloc that fits takes it back. A kept
 * span goes back to its segment when two sweeps of its owner (every
 * HEAP_KEPT_SWEEP_MS) find it unused, when its owner has been quiet for a
 * sweep interval (the background thread), at thread exit and at trim. */

/* Up to this many slices more than needed, a kept span is taken: the
 * block gets the spare ones as slack. */
static unsigned heap_large_fit_max(unsigned slices)
{
	return slices + slices / 4;
}

/* A kept span leaves its slot (taken back, or given back): a remote free
 * that landed on it while it was kept was a second free of its block. */
static inline void heap_large_kept_check(page_t *page)
{
	if (unlikely(atomic_load_explicit(&page->xthread_free, memory_order_acquire) != 0))
		report_bad_pointer("free", page->area, "double free (by another thread, of a freed large block)", false);
}

/* A kept span goes back to its segment (pushed out by a newer one, or
 * given back). */
MALLARD_COLD_LOCAL void heap_large_span_free(heap_t *heap, page_t *page)
{
	heap_large_kept_check(page);
	segment_span_free(heap, page);
}

/* Keeps the span of large page `page`, whose block its owner frees. No
 * remote free can be pending on it (its one block is being freed here),
 * so xthread_free is cleared with a plain store: a remote free of the
 * block while it is kept (a double free) leaves it non-zero, and the
 * next take reports it. */
MALLARD_HOT void heap_large_keep(heap_t *heap, page_t *page)
{
	if (page->flags & PAGE_SAMPLED) { /* its sample is forgotten: as new */
		atomic_store_explicit(&page->sampled_live, 0, memory_order_relaxed);
		atomic_store_explicit(&page->sampled_unslotted, 0, memory_order_relaxed);
		for (unsigned i = 0; i < PAGE_SAMPLED_SLOTS; i++)
			atomic_store_explicit(&page->sampled[i], 0, memory_order_relaxed);
	}
	page->used = 0;
	page->seen_empty = 0;
	page->flags = PAGE_LARGE;
	atomic_store_explicit(&page->xthread_free, 0, memory_order_relaxed);
	page_t *out = heap_slot_fill(heap->large_kept, HEAP_LARGE_KEPT, &heap->large_kept_next, page);
	if (out)
		heap_large_span_free(heap, out);
	heap_kept_tell(heap);
}

/* The first kept span of `slices` slices to at most
 * heap_large_fit_max(slices); NULL if none. (Keeps fill the first empty
 * slot, so a program that reuses one size finds it at once.) */
static inline page_t *heap_large_take(heap_t *heap, unsigned slices)
{
	unsigned extra_max = heap_large_fit_max(slices) - slices;
	for (unsigned i = 0; i < HEAP_LARGE_KEPT; i++) {
		page_t *page = atomic_load_explicit(&heap->large_kept[i], memory_order_acquire);
		if (page && (unsigned)page->slice_count - slices <= extra_max)
			/* NULL if a thread giving back an idle heap took it meanwhile */
			return atomic_exchange_explicit(&heap->large_kept[i], NULL, memory_order_acquire);
	}
	return NULL;
}

MALLARD_HOT void *heap_large_take_kept(heap_t *heap, size_t size)
{
	page_t *page = heap_large_take(heap, (unsigned)((size + SLICE_SIZE - 1) >> SLICE_SHIFT));
	if (page == NULL)
		return NULL;
	heap_large_kept_check(page);
	/* as it was kept (heap_large_keep): block_size is its span's */
	page->used = 1;
	page->flags = PAGE_LARGE | PAGE_FLOATING;
	atomic_store_explicit(&page->xthread_free, THREAD_FREE_NOTIFY, memory_order_relaxed);
	return page->area;
}

MALLARD_INTERNAL bool heap_large_kept_any(const heap_t *heap)
{
	return heap_slot_any(heap->large_kept, HEAP_LARGE_KEPT);
}

/* Gives kept spans back to their segments: all of them (any thread may),
 * or (`all` false: the owner's sweep, every HEAP_KEPT_SWEEP_MS) those the
 * sweep before found kept already, so a span unused for two sweeps goes.
 * Returns whether any went back. */
static bool heap_large_kept_give_back(heap_t *heap, bool all)
{
	bool released = false;
	for (unsigned i = 0; i < HEAP_LARGE_KEPT; i++) {
		page_t *page = heap_slot_empty(&heap->large_kept[i]);
		if (page == NULL)
			continue;
		if (all || page->seen_empty) {
			heap_large_span_free(heap, page);
			released = true;
		} else {
			page->seen_empty = 1; /* put back: only the owner sweeps */
			atomic_store_explicit(&heap->large_kept[i], page, memory_order_release);
		}
	}
	return released;
}

MALLARD_INTERNAL bool heap_large_kept_release(heap_t *heap)
{
	return heap_large_kept_give_back(heap, true);
}

/* ---- large blocks ---- */

/* From this size up, a large block that must be zero and is not is
 * purged rather than cleared, as jemalloc does for its large extents: the
 * kernel hands each page back zeroed when it is first touched, so a block
 * used in part (a hash table, an array filled as needed) costs only the
 * pages it touches, and one not touched at all costs one call. A block
 * written whole pays a page fault per page instead of a clear, about
 * twice the cost on bare metal. */
#define LARGE_ZERO_BY_PURGE ((size_t)256 << 10)

/* A large block: a span of whole slices holding one block. It floats from
 * the start, so a remote free hands it straight back to the owner. With
 * `zero`, its first `size` bytes are zero: cleared or purged, unless the
 * span's slices are known to read as zero already. */
MALLARD_INTERNAL void *heap_malloc_large(heap_t *heap, size_t size, bool zero)
{
	unsigned slices = (unsigned)((size + SLICE_SIZE - 1) >> SLICE_SHIFT);
	if (!zero) {
		void *kept = heap_large_take_kept(heap, size);
		if (kept)
			return kept;
		/* None fits: what is kept goes back to the segments, where the
		 * span search can reuse its resident slices merged with their
		 * free neighbours (kept while sizes wander, they made a program
		 * with buffers of random sizes hold 25 % more). calloc leaves
		 * them: it wants slices known to be zero. */
		heap_large_kept_release(heap);
	}
	bool zeroed = false;
	page_t *page = heap_span_alloc(heap, slices, zero ? &zeroed : NULL);
	if (page == NULL)
		return NULL;
	if (zero && !zeroed) {
		size_t ps = os_page_size(); /* page->area is slice-aligned */
		if (size < LARGE_ZERO_BY_PURGE || os_purge(page->area, (size + ps - 1) & ~(ps - 1)) != 0)
			memset(page->area, 0, size);
	}
	/* the span's head page is zero but for slice_count and area */
	page->heap = heap;
	page->block_size = (uint32_t)segment_span_bytes(page);
	page->reserved = 1;
	page->capacity = 1;
	page->used = 1;
	page->flags = PAGE_LARGE | PAGE_FLOATING;
	atomic_store_explicit(&page->xthread_free, THREAD_FREE_NOTIFY, memory_order_relaxed);
	background_poll(); /* as in heap_page_new */
	return page->area;
}

/* Grows the large block of `page` (owned by `heap`) in place to hold
 * `size` bytes, taking the free slices after its span. A doubling buffer
 * then neither copies nor touches a second span. */
MALLARD_INTERNAL bool heap_large_grow(heap_t *heap, page_t *page, size_t size)
{
	MALLARD_ASSERT(page->flags & PAGE_LARGE);
	unsigned slices = (unsigned)((size + SLICE_SIZE - 1) >> SLICE_SHIFT);
	if (!segment_span_grow(heap, page, slices))
		return false;
	page->block_size = (uint32_t)segment_span_bytes(page);
	return true;
}

/* ---- free slow paths ---- */

/* Pushes the chain head..tail of blocks of `page` (not its owner's
 * doing) onto its xthread_free with one compare-and-swap. */
static void heap_remote_chain_push(page_t *page, block_t *head, block_t *tail)
{
	heap_t *owner = page->heap; /* constant while the chain's blocks are live */
	uintptr_t old = atomic_load_explicit(&page->xthread_free, memory_order_relaxed);
	do {
		tail->next = (block_t *)(old & ~THREAD_FREE_NOTIFY);
	} while (!atomic_compare_exchange_weak_explicit(&page->xthread_free, &old, (uintptr_t)head,
						       memory_order_release, memory_order_relaxed));
	if (old & THREAD_FREE_NOTIFY)
		heap_remote_push(&owner->remote_pages, page); /* we cleared NOTIFY: we alone push */
}

/* A free by a thread that does not own the page, pushed at once. */
MALLARD_INTERNAL void heap_free_remote(page_t *page, block_t *block)
{
	heap_remote_chain_push(page, block, block);
}

/* ---- remote frees, a run at a time ----
 *
 * A thread that frees blocks another heap owns (a consumer of what a
 * producer allocates) would push each one onto its page with a
 * compare-and-swap on the cache line the owner takes them from: a line
 * bouncing between two cores per block. Consecutive frees into one page
 * are chained in the freeing thread's heap instead, with no atomic, and
 * the chain is pushed with one compare-and-swap when a free goes to
 * another page, when RFREE_RUN_MAX are chained, and at the freeing
 * thread's maintenance, thread exit and trim. Until then the chained
 * blocks count as live in their page: at most RFREE_RUN_MAX - 1 blocks
 * of one page wait while their thread makes no further free or malloc. */
#define RFREE_RUN_MAX 64

MALLARD_INTERNAL void heap_remote_flush(heap_t *self)
{
	if (self->rfree_count == 0)
		return;
	heap_remote_chain_push(self->rfree_page, self->rfree_head, self->rfree_tail);
	self->rfree_page = NULL;
	self->rfree_head = self->rfree_tail = NULL;
	self->rfree_count = 0;
}

MALLARD_INTERNAL void heap_free_remote_run(heap_t *self, page_t *page, block_t *block)
{
	if (self->rfree_page != page) {
		heap_remote_flush(self);
		self->rfree_page = page;
		self->rfree_tail = block;
	} else if (unlikely(block == self->rfree_head)) {
		report_bad_pointer("free", block, "double free", false);
		return;
	}
	block->next = self->rfree_head;
	self->rfree_head = block;
	if (++self->rfree_count >= RFREE_RUN_MAX)
		heap_remote_flush(self);
	if (unlikely(--self->free_countdown == 0))
		heap_free_beat(self); /* a thread that only frees others' blocks runs maintenance too */
}

/* An owner's free that the fast path declined: flagged page, last block,
 * or a suspected double free. `block` is the block start. */
MALLARD_INTERNAL void heap_free_local(heap_t *heap, page_t *page, block_t *block)
{
	if ((page->flags & ~PAGE_SAMPLED) == (PAGE_LARGE | PAGE_FLOATING) && heap_large_keepable(page)) {
		heap_large_keep(heap, page);
		return;
	}
	if (page->flags & PAGE_FLOATING) {
		/* Take the page back unless a remote free already did: then it
		 * is on its way through remote_pages and whoever pops it (this
		 * thread, or the background thread) alone may touch its free
		 * list, so the block goes the remote way. */
		uintptr_t expected = THREAD_FREE_NOTIFY;
		if (!atomic_compare_exchange_strong_explicit(&page->xthread_free, &expected, 0, memory_order_acq_rel,
							     memory_order_relaxed)) {
			heap_free_remote(page, block);
			return;
		}
		page->flags &= ~PAGE_FLOATING;
		if (unlikely(page->used == 0 || block == page->free))
			report_bad_pointer("free", block, "double free", false);
		if (page->flags & PAGE_LARGE) {
			/* its one block: back to the segment without a write to
			 * the block (pages it never touched stay unfaulted) */
			page->used = 0;
			segment_span_free(heap, page);
			return;
		}
		block->next = page->free;
		page->free = block;
		if (--page->used == 0)
			segment_span_free(heap, page);
		else
			heap_queue_push(heap, page, false);
		return;
	}
	if (unlikely(page->used == 0 || block == page->free))
		report_bad_pointer("free", block, "double free", false);
	block->next = page->free;
	page->free = block;
	if (--page->used == 0)
		heap_page_emptied(heap, page);
}

/* ---- collection and purging ---- */

/* Frees every spare page and every queued page with no live block (the
 * kept-for-reuse ones too), after collecting remote frees. */
static void heap_free_empty_pages(heap_t *heap)
{
	heap_spare_release(heap);
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		page_t *page = heap->queues[cls].first;
		while (page) {
			page_t *next = page->next;
			page_collect_remote(page);
			if (page->used == 0) {
				heap_queue_remove(heap, page);
				segment_span_free(heap, page);
			}
			page = next;
		}
	}
}

/* Frees the pages the free path kept (each class's allocation page) once
 * two looks in a row found them empty: a class in steady use keeps its
 * page, one the program moved away from gives it back within two periods.
 * O(classes), cheap enough to run every few milliseconds. */
static void heap_free_empty_kept_pages(heap_t *heap)
{
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		page_t *page = heap->queues[cls].first;
		if (page == NULL || page->slice_count > 1)
			continue;
		if (page->used != 0) {
			page->seen_empty = 0;
		} else if (!page->seen_empty) {
			page->seen_empty = 1;
		} else {
			heap_queue_remove(heap, page);
			segment_span_free(heap, page);
		}
	}
}

/* Gives back all a heap can: remote pages, empty pages, and (if `force`)
 * every dirty slice and empty segment now rather than when due. */
MALLARD_INTERNAL bool heap_collect(heap_t *heap, bool force)
{
	heap_remote_flush(heap);
	heap_drain_remote(heap);
	runs_heap_collect(heap);
	heap_free_empty_pages(heap);
	heap_large_kept_release(heap);
	return purge_heap(heap, clock_now_ms(), force);
}

MALLARD_INTERNAL bool heap_collect_abandoned(bool force)
{
	pthread_mutex_lock(&heap_abandoned_lock);
	heap_t *list = heap_abandoned;
	heap_abandoned = NULL;
	pthread_mutex_unlock(&heap_abandoned_lock);
	if (list == NULL)
		return false;
	bool released = false;
	heap_t *last = list;
	for (heap_t *h = list; h; h = h->next_abandoned) {
		released |= heap_collect(h, force);
		last = h;
	}
	pthread_mutex_lock(&heap_abandoned_lock);
	last->next_abandoned = heap_abandoned;
	heap_abandoned = list;
	pthread_mutex_unlock(&heap_abandoned_lock);
	return released;
}

/* Purges what is due in the heaps of other threads whose owners have not
 * run their maintenance for two purge delays: a thread that freed a lot and
 * then blocks (on a lock, a queue, a join) allocates nothing, so its own
 * slow paths never come to purge its freed pages. Runs at the sweep, every
 * half purge delay, of any thread that is active, when the background
 * thread (which does this and more) is off or could not start. */
static void heap_purge_idle(heap_t *self, uint64_t now)
{
	if (options_purge_never())
		return;
	uint64_t delay = (uint64_t)options.purge_delay_ms;
	pthread_mutex_lock(&heap_registry_lock);
	for (heap_t *h = heap_registry; h; h = h->next_all) {
		if (h == self || h->state != HEAP_OWNED)
			continue;
		uint64_t due = __atomic_load_n(&h->purge_at_ms, __ATOMIC_RELAXED);
		uint64_t seen = atomic_load_explicit(&h->maintained_ms, memory_order_relaxed);
		if (due != 0 && now >= due && now - seen >= 2 * delay)
			purge_heap_try(h, now, false);
	}
	pthread_mutex_unlock(&heap_registry_lock);
}

/* Folds the fast path's packed tallies whose byte part is half full into
 * the wide per-class counters. Run every HEAP_KEPT_SWEEP_MS: a tally takes
 * 2^28 calls at the least to get there. */
static void heap_stats_fold(heap_t *heap)
{
	for (unsigned i = 0; i < DIRECT_COUNT; i++) {
		uint64_t t = heap->tally[i];
		if ((t & TALLY_BYTES_MASK) < TALLY_FOLD_AT)
			continue;
		class_counts_t *c = &heap->counts[sizeclass_of((size_t)i << DIRECT_SHIFT)];
		c->mallocs += t >> TALLY_COUNT_SHIFT;
		c->requested += t & TALLY_BYTES_MASK;
		heap->tally[i] = 0;
	}
}

/* Runs on allocation slow paths: takes back remote pages and, every 16th
 * time, looks at the clock. Every HEAP_KEPT_SWEEP_MS it frees empty kept
 * pages; every half purge delay (HEAP_KEPT_SWEEP_MS at the least) it sweeps
 * every queued page for empty ones (emptied by remote frees), the
 * abandoned heaps and the heaps of idle threads; the purge of freed slices
 * follows when due. */
MALLARD_INTERNAL void heap_maintain(heap_t *heap)
{
	if (atomic_load_explicit(&heap->remote_pages, memory_order_relaxed))
		heap_drain_remote(heap);
	if ((++heap->maintain_tick & 15) != 0)
		return;
	heap_remote_flush(heap); /* here, not above: the refills of small pages pay nothing */
	uint32_t epoch = atomic_load_explicit(&heap_trim_epoch, memory_order_relaxed);
	if (epoch != heap->trim_epoch) {
		heap->trim_epoch = epoch;
		heap_collect(heap, true);
		return;
	}
	uint64_t now = clock_now_ms();
	atomic_store_explicit(&heap->maintained_ms, now, memory_order_relaxed);
	if (now >= heap->kept_sweep_at_ms) {
		heap->kept_sweep_at_ms = now + HEAP_KEPT_SWEEP_MS;
		heap_free_empty_kept_pages(heap);
		runs_sweep(heap);
		heap_large_kept_give_back(heap, false);
		if (config_stats)
			heap_stats_fold(heap);
	}
	if (now >= heap->sweep_at_ms) {
		heap->sweep_at_ms = now + heap_sweep_interval_ms();
		heap_free_empty_pages(heap);
		heap_collect_abandoned(false);
		if (!background_running())
			heap_purge_idle(heap, now);
	}
	uint64_t due = __atomic_load_n(&heap->purge_at_ms, __ATOMIC_RELAXED);
	if (due != 0 && now >= due)
		purge_heap(heap, now, false);
	if (atomic_load_explicit(&huge_cache_count, memory_order_relaxed))
		huge_cache_expire(now, false);
}

/* The free path's heartbeat: a program that only recycles blocks never
 * reaches an allocation slow path, yet what it freed earlier must still be
 * swept and purged. */
#define HEAP_FREE_BEAT 4096u

MALLARD_COLD void heap_free_beat(heap_t *heap)
{
	heap->free_countdown = HEAP_FREE_BEAT;
	heap_maintain(heap);
}

/* ---- heap life cycle ---- */

static heap_t *heap_new_locked(void)
{
	size_t size = (sizeof(heap_t) + 63) & ~(size_t)63;
	if (heap_chunk_next == NULL || (size_t)(heap_chunk_end - heap_chunk_next) < size) {
		size_t chunk = 16 * size;
		size_t ps = os_page_size();
		chunk = (chunk + ps - 1) & ~(ps - 1);
		void *p;
		if (os_map_aligned(chunk, ps, &p) != 0)
			return NULL;
		atomic_fetch_add_explicit(&stat_metadata, chunk, memory_order_relaxed);
		heap_chunk_next = p;
		heap_chunk_end = heap_chunk_next + chunk;
	}
	heap_t *heap = (heap_t *)heap_chunk_next;
	heap_chunk_next += size;
	for (unsigned i = 0; i < DIRECT_COUNT; i++)
		heap->direct[i] = &page_empty;
	pthread_mutex_init(&heap->seg_lock, NULL);
	pthread_mutex_init(&heap->slice_lock, NULL);
	heap->free_countdown = HEAP_FREE_BEAT;
	sample_heap_init(heap);
	heap->trim_epoch = atomic_load_explicit(&heap_trim_epoch, memory_order_relaxed);
	heap->next_all = heap_registry;
	heap_registry = heap;
	return heap;
}

/* The calling thread's first allocation: adopt an abandoned heap or make
 * one. NULL only when the OS has no memory for a new heap. */
MALLARD_COLD heap_t *heap_init_thread(void)
{
	process_ensure_init();
	if (tls_heap != &heap_empty)
		return tls_heap; /* start-up allocated through here already */
	pthread_mutex_lock(&heap_abandoned_lock);
	heap_t *heap = heap_abandoned;
	if (heap)
		heap_abandoned = heap->next_abandoned;
	pthread_mutex_unlock(&heap_abandoned_lock);
	if (heap == NULL) {
		pthread_mutex_lock(&heap_registry_lock);
		heap = heap_new_locked();
		pthread_mutex_unlock(&heap_registry_lock);
		if (heap == NULL)
			return NULL;
	}
	heap->next_abandoned = NULL;
	heap->state = HEAP_OWNED;
	tls_heap = heap;
	process_register_thread(heap);
	return heap;
}

/* Thread exit: tidy the heap and leave it in the pool for adoption. */
MALLARD_INTERNAL void heap_thread_done(void *value)
{
	heap_t *heap = value;
	if (heap == NULL || heap != tls_heap)
		return;
	heap_collect(heap, false);
	tls_heap = &heap_empty; /* later frees on this thread are remote frees */
	pthread_mutex_lock(&heap_abandoned_lock);
	heap->state = HEAP_ABANDONED;
	heap->next_abandoned = heap_abandoned;
	heap_abandoned = heap;
	pthread_mutex_unlock(&heap_abandoned_lock);
	/* remote frees may yet empty its queued pages: the background thread
	 * collects the abandoned heaps on its next pass */
	if (!options_purge_never())
		background_due(options_purge_due(clock_now_ms()));
	background_thread_exited();
}
