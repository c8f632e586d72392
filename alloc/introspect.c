/*
 * introspect.c - a read-only walk over every heap, for glibc's
 * introspection calls (mallinfo2, malloc_stats, malloc_info) and for
 * malloc_trim.
 *
 * The walk holds the registry lock (no heap is created meanwhile) and each
 * heap's seg_lock (none of its segments is unmapped meanwhile). Page
 * fields belong to their owners and are read with relaxed loads: figures
 * taken while other threads allocate are a consistent-enough snapshot, not
 * an exact one.
 */
#include <stdio.h>
#include <string.h>

typedef struct {
	size_t segments;        /* normal segments owned by heaps */
	size_t segment_bytes;   /* their mapped bytes */
	size_t in_use;          /* usable bytes of live blocks (normal segments) */
	size_t free_in_pages;   /* free bytes inside pages in use */
	size_t touched_free;    /* of those, in blocks ever handed out (resident) */
	size_t free_slices;     /* bytes of free slices */
	size_t dirty_slices;    /* bytes of free slices not yet purged */
	size_t pages;           /* pages in use */
	size_t heaps;           /* heaps (owned, abandoned, dead) */
	size_t huge_bytes;      /* bytes of huge mappings */
	size_t huge_count;
	size_t cached_segments; /* empty segments in the cache */
	size_t metadata;        /* heap structures */
	size_t mapped;          /* all address space mapped: segments (cached too), huge, metadata */
} introspect_totals_t;

#define LOAD_RELAXED(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static void introspect_segment(const segment_t *seg, introspect_totals_t *t)
{
	t->segments++;
	t->segment_bytes += SEGMENT_SIZE;
	uint64_t free_mask = LOAD_RELAXED(seg->free_mask);
	uint64_t dirty_mask = LOAD_RELAXED(seg->dirty_mask);
	t->free_slices += (size_t)__builtin_popcountll(free_mask) * SLICE_SIZE;
	t->dirty_slices += (size_t)__builtin_popcountll(dirty_mask & free_mask) * SLICE_SIZE;
	for (unsigned i = 0; i < SLICES_PER_SEGMENT; i++) {
		const page_t *page = &seg->pages[i];
		uint32_t flags = LOAD_RELAXED(page->flags);
		if (flags & (PAGE_TAIL | PAGE_FREE))
			continue;
		uint32_t used = LOAD_RELAXED(page->used);
		uint32_t bsize = LOAD_RELAXED(page->block_size);
		uint32_t reserved = LOAD_RELAXED(page->reserved);
		if (used > reserved)
			used = reserved;
		t->pages++;
		t->in_use += (size_t)used * bsize;
		t->free_in_pages += (size_t)(reserved - used) * bsize;
		uint32_t capacity = LOAD_RELAXED(page->capacity);
		if (capacity > used)
			t->touched_free += (size_t)(capacity - used) * bsize;
	}
}

static void introspect_totals(introspect_totals_t *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&heap_registry_lock);
	for (heap_t *h = heap_registry; h; h = h->next_all) {
		t->heaps++;
		pthread_mutex_lock(&h->seg_lock);
		for (segment_t *seg = h->segments; seg; seg = seg->next)
			introspect_segment(seg, t);
		pthread_mutex_unlock(&h->seg_lock);
	}
	pthread_mutex_unlock(&heap_registry_lock);
	pthread_mutex_lock(&segment_cache_lock);
	t->cached_segments = segment_cache_count;
	pthread_mutex_unlock(&segment_cache_lock);
	t->huge_bytes = atomic_load_explicit(&stat_huge_mapped, memory_order_relaxed);
	t->huge_count = atomic_load_explicit(&stat_huge_count, memory_order_relaxed);
	t->metadata = atomic_load_explicit(&stat_metadata, memory_order_relaxed);
	t->mapped = atomic_load_explicit(&stat_segments_mapped, memory_order_relaxed) + t->huge_bytes + t->metadata +
		    atomic_load_explicit(&stat_huge_cached, memory_order_relaxed);
}

/* malloc_trim: everything this thread's heap, the abandoned heaps and the
 * segment cache hold free goes back now; so do the free slices and empty
 * segments of other threads' heaps (unless the owner is in a span
 * operation at that moment), and their empty pages on their owner's next
 * allocation slow path. */
static int introspect_trim(void)
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
		if (h != heap && __atomic_load_n(&h->state, __ATOMIC_RELAXED) == HEAP_OWNED)
			released |= segment_purge_heap_try(h, 0, true);
	released |= segment_cache_flush() > 0;
	released |= segment_huge_cache_expire(0, true) > 0;
	return released ? 1 : 0;
}

/* The summary malloc_stats() prints, on stderr like glibc's. */
static void introspect_print(void)
{
	introspect_totals_t t;
	introspect_totals(&t);
	fprintf(stderr,
		"mallard %s\n"
		"system bytes     = %10zu\n"
		"in use bytes     = %10zu\n"
		"huge blocks      = %10zu (%zu bytes)\n"
		"segments         = %10zu (+%zu cached, empty)\n"
		"free in pages    = %10zu (%zu in blocks used before)\n"
		"free slices      = %10zu (%zu not yet purged)\n"
		"heaps            = %10zu\n",
		mallard_version(), t.mapped, t.in_use + t.huge_bytes, t.huge_count,
		t.huge_bytes, t.segments, t.cached_segments, t.free_in_pages, t.touched_free, t.free_slices, t.dirty_slices,
		t.heaps);
}
