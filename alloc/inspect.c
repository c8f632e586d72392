/*
 * inspect.c - the allocator side of inspect.h.
 */
#include "alloc/internal.h"
#include "alloc/clock.h"
#include "alloc/counters.h"
#include "alloc/heap.h"
#include "alloc/init.h"
#include "alloc/inspect.h"
#include "alloc/os.h"
#include "alloc/runs.h"
#include "alloc/segment.h"

MALLARD_INTERNAL void inspect_heaps(const inspect_visitor_t *visitor, void *arg)
{
	pthread_mutex_lock(&heap_registry_lock);
	for (heap_t *h = heap_registry; h; h = h->next_all) {
		visitor->heap(arg, h);
		pthread_mutex_lock(&h->seg_lock);
		for (segment_t *seg = h->segments; seg; seg = seg->next)
			visitor->segment(arg, seg);
		pthread_mutex_unlock(&h->seg_lock);
	}
	pthread_mutex_unlock(&heap_registry_lock);
}

MALLARD_INTERNAL void inspect_process(inspect_process_t *p)
{
	pthread_mutex_lock(&segment_cache_lock);
	p->cached_segments = segment_cache_count;
	pthread_mutex_unlock(&segment_cache_lock);
	p->segments_mapped = atomic_load_explicit(&stat_segments_mapped, memory_order_relaxed);
	p->huge_mapped = atomic_load_explicit(&stat_huge_mapped, memory_order_relaxed);
	p->huge_count = atomic_load_explicit(&stat_huge_count, memory_order_relaxed);
	p->huge_cached = atomic_load_explicit(&stat_huge_cached, memory_order_relaxed);
	p->metadata = atomic_load_explicit(&stat_metadata, memory_order_relaxed);
	p->huge_mallocs = atomic_load_explicit(&stat_huge_mallocs, memory_order_relaxed);
}

MALLARD_INTERNAL void inspect_ready(void)
{
	process_ensure_init();
}

MALLARD_INTERNAL uint64_t inspect_uptime_ms(void)
{
	return clock_now_ms() - process_start_ms;
}

MALLARD_INTERNAL size_t inspect_resident_bytes(const void *addr, size_t size)
{
	return os_resident_bytes(addr, size);
}

MALLARD_INTERNAL size_t inspect_os_page_size(void)
{
	return os_page_size();
}

MALLARD_INTERNAL size_t inspect_runs_page(const page_t *page, void (*visit)(void *arg, size_t bytes), void *arg)
{
	return runs_inspect_page(page, visit, arg);
}
