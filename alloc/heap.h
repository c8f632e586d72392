/*
 * heap.h - thread heaps (heap.c): the page queues of one thread, its
 * remote frees, its maintenance, and the life cycle of heaps across thread
 * start, thread exit and fork.
 */
#ifndef MALLARD_HEAP_H
#define MALLARD_HEAP_H

#include "alloc/internal.h"
#include "alloc/options.h"

/* How often a heap looks at empty kept pages (and folds its tallies). */
#define HEAP_KEPT_SWEEP_MS 10

/* The heap of a thread that has none yet: every direct[] entry points at
 * page_empty, so the fast paths need no init check. */
MALLARD_INTERNAL_VAR heap_t heap_empty;
MALLARD_INTERNAL_VAR __thread heap_t *tls_heap __attribute__((tls_model("initial-exec")));

/* Every heap ever made, newest first; heaps are never freed, so the list
 * behind a head read under the lock stays valid without it. */
MALLARD_INTERNAL_VAR pthread_mutex_t heap_registry_lock;
MALLARD_INTERNAL_VAR heap_t *heap_registry;
MALLARD_INTERNAL_VAR pthread_mutex_t heap_abandoned_lock;

/* Bumped by malloc_trim: every heap purges all it can on its next slow path. */
MALLARD_INTERNAL_VAR _Atomic uint32_t heap_trim_epoch;

/* The calling thread's first allocation: adopts an abandoned heap or makes
 * one; NULL only when the OS has no memory for a new heap. */
MALLARD_COLD heap_t *heap_init_thread(void);

/* Thread exit (the destructor of init.c's key): the heap goes to the pool. */
MALLARD_INTERNAL void heap_thread_done(void *value);

/* A page with a free block of class cls (a new page if need be); NULL when
 * the OS has no memory. */
MALLARD_INTERNAL page_t *heap_find_page(heap_t *heap, unsigned cls);

/* A block above MEDIUM_MAX up to LARGE_MAX, in a span of its own; its
 * first `size` bytes zero if `zero`. */
MALLARD_INTERNAL void *heap_malloc_large(heap_t *heap, size_t size, bool zero);

/* Whether the owner's free of the block of large page `page` (flags
 * PAGE_LARGE | PAGE_FLOATING, and maybe PAGE_SAMPLED) may keep its span
 * (heap_large_keep): purging is not immediate, and no remote free is in
 * sight (one would be a double free). */
static inline __attribute__((always_inline)) bool heap_large_keepable(page_t *page)
{
	return page->used == 1 && options.purge_delay_ms != 0 &&
	       atomic_load_explicit(&page->xthread_free, memory_order_relaxed) == THREAD_FREE_NOTIFY;
}

/* Keeps the span of a large page whose block its owner frees, with no
 * write to the block (pages it never touched stay unfaulted), for the
 * next large malloc of about its size. */
MALLARD_HOT void heap_large_keep(heap_t *heap, page_t *page);

/* The block of a kept span for a large malloc of `size` bytes (above
 * MEDIUM_MAX, at most LARGE_MAX), taken back; NULL if none fits. */
MALLARD_HOT void *heap_large_take_kept(heap_t *heap, size_t size);

/* Whether the heap keeps any large span (any thread; a moment's view). */
MALLARD_INTERNAL bool heap_large_kept_any(const heap_t *heap);

/* Gives the heap's kept large spans back to their segments (any thread:
 * each is taken by exchange); true if there was any. */
MALLARD_INTERNAL bool heap_large_kept_release(heap_t *heap);

/* Whether the heap keeps any spare page (any thread; a moment's view). */
MALLARD_INTERNAL bool heap_spare_any(const heap_t *heap);

/* Gives the heap's spare pages back to their segments (any thread: each
 * is taken by exchange); true if there was any. */
MALLARD_INTERNAL bool heap_spare_release(heap_t *heap);

/* Grows large page `page` in place to hold `size` bytes, if it can. */
MALLARD_INTERNAL bool heap_large_grow(heap_t *heap, page_t *page, size_t size);

/* A free by the page's owner that the fast path could not take. */
MALLARD_INTERNAL void heap_free_local(heap_t *heap, page_t *page, block_t *block);

/* A free by any other thread: pushed to the page's thread_free list. */
MALLARD_INTERNAL void heap_free_remote(page_t *page, block_t *block);

/* The same by a thread with a heap of its own (`self`): chained with the
 * thread's other frees into the same page, and pushed a run at a time. */
MALLARD_INTERNAL void heap_free_remote_run(heap_t *self, page_t *page, block_t *block);

/* Pushes the run of remote frees `self` holds. */
MALLARD_INTERNAL void heap_remote_flush(heap_t *self);

/* The fast free path emptied `page`. */
MALLARD_COLD void heap_page_emptied(heap_t *heap, page_t *page);

/* Every HEAP_FREE_BEAT owner frees: maintenance for programs that only free. */
MALLARD_COLD void heap_free_beat(heap_t *heap);

/* Pushes `page` on a heap's stack of pages other threads freed into
 * (heap->remote_pages, heap->runs_remote) through page->remote_next. The
 * first page pushed on an empty stack asks the background thread to come
 * one purge delay later, in case the owner does not: the pages after it
 * are taken in the same pop. */
MALLARD_INTERNAL void heap_remote_push(_Atomic(page_t *) *stack, page_t *page);

/* A span of `count` slices for a new page or large block (resident free
 * slices first); NULL when the OS has no memory. Owner only. */
MALLARD_INTERNAL page_t *heap_span_alloc(heap_t *heap, unsigned count, bool *zeroed);

/* The owner's maintenance on allocation slow paths. */
MALLARD_INTERNAL void heap_maintain(heap_t *heap);

/* heap_maintain with its common case inline (no remote page to take, not
 * the 16th call): for the large blocks' lane. */
static inline __attribute__((always_inline)) void heap_maintain_inline(heap_t *heap)
{
	if (likely(atomic_load_explicit(&heap->remote_pages, memory_order_relaxed) == NULL &&
		   ((heap->maintain_tick + 1) & 15) != 0)) {
		heap->maintain_tick++;
		return;
	}
	heap_maintain(heap);
}

/* Gives back the heap's empty pages and what is due (all if `force`);
 * true if anything went back. */
MALLARD_INTERNAL bool heap_collect(heap_t *heap, bool force);

/* The same for the abandoned heaps of exited threads. */
MALLARD_INTERNAL bool heap_collect_abandoned(bool force);

/* How often a heap sweeps all its pages, and how long the background
 * thread waits past a purge time for the owner to do it: half the purge
 * delay, HEAP_KEPT_SWEEP_MS at the least. */
static inline uint64_t heap_sweep_interval_ms(void)
{
	long delay = options.purge_delay_ms;
	return delay > 2 * HEAP_KEPT_SWEEP_MS ? (uint64_t)delay / 2 : HEAP_KEPT_SWEEP_MS;
}

#endif /* MALLARD_HEAP_H */
