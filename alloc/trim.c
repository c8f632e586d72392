/*
 * trim.c - malloc_trim: give back now everything that can go back.
 */
#include "alloc/internal.h"
#include "alloc/alloc.h"
#include "alloc/heap.h"
#include "alloc/huge.h"
#include "alloc/init.h"
#include "alloc/purge.h"
#include "alloc/segment.h"

/* What this thread's heap, the abandoned heaps and the segment cache hold
 * free goes back now; so do the free slices and empty segments of other
 * threads' heaps (unless the owner is in a span operation at that moment),
 * and their empty pages on their owner's next allocation slow path.
 * Returns 1 if anything went back, else 0. */
MALLARD_INTERNAL int alloc_trim(void)
{
	process_ensure_init();
	atomic_fetch_add_explicit(&heap_trim_epoch, 1, memory_order_relaxed);
	bool released = false;
	heap_t *heap = tls_heap;
	if (heap != &heap_empty) {
		heap->trim_epoch = atomic_load_explicit(&heap_trim_epoch, memory_order_relaxed);
		released |= heap_collect(heap, true);
	}
	released |= heap_collect_abandoned(true);
	pthread_mutex_lock(&heap_registry_lock);
	heap_t *first = heap_registry; /* the list behind the head never changes */
	pthread_mutex_unlock(&heap_registry_lock);
	for (heap_t *h = first; h; h = h->next_all)
		if (h != heap && __atomic_load_n(&h->state, __ATOMIC_RELAXED) == HEAP_OWNED) {
			released |= heap_large_kept_release(h);
			released |= purge_heap_try(h, 0, true);
		}
	released |= segment_cache_flush() > 0;
	released |= huge_cache_expire(0, true) > 0;
	return released ? 1 : 0;
}
