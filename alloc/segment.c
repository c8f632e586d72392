/*
 * segment.c - segments and the spans of slices that make pages.
 *
 * A heap allocates spans from its own segments (no lock: only the owner
 * touches them); a new segment comes from the process-wide cache of empty
 * segments or from the OS. Free slices stay resident ("dirty") until their
 * purge time, purge_delay_ms after they were freed; a segment whose slices
 * are all free is then released: purged into the cache, or unmapped so the
 * address space comes back (what keeps large requests possible on 32-bit).
 *
 * Huge blocks (above LARGE_MAX) get a segment of their own, owned by no
 * heap; any thread may free them.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#define SLICE_MASK_ALL (SLICES_PER_SEGMENT == 64 ? ~(uint64_t)0 : (((uint64_t)1 << SLICES_PER_SEGMENT) - 1))

/* Process-wide counters (bytes), for introspection. */
static _Atomic size_t stat_segments_mapped;  /* normal segments mapped, cached included */
static _Atomic size_t stat_huge_mapped;      /* bytes of huge mappings */
static _Atomic size_t stat_huge_count;
static _Atomic size_t stat_metadata;
static _Atomic uint64_t stat_huge_mallocs; /* huge blocks allocated since start */

/* Freed huge blocks kept mapped, and resident, for the purge delay: a
 * program that frees and allocates big buffers in turn (a string builder
 * outgrowing large spans: every block above 512 KiB on 32-bit) reuses a
 * mapping instead of faulting a fresh one in page by page. Guarded by
 * segment_cache_lock; out of the segment map while cached, so a stale
 * pointer into one is reported, not freed. Unmapped when due (from heap
 * maintenance), when pushed out by a newer one, and by malloc_trim. */
#define HUGE_CACHE_SLOTS 4
/* At most 16 MiB (8 MiB on 32-bit) wait in the cache: what an idle
 * process, which runs no maintenance, can keep resident this way. */
#define HUGE_CACHE_BLOCK_MAX (MALLARD_64BIT ? (size_t)4 << 20 : (size_t)2 << 20)
static struct {
	segment_t *seg;
	uint64_t due_ms;
} huge_cache[HUGE_CACHE_SLOTS];
static _Atomic unsigned huge_cache_count;
static _Atomic size_t stat_huge_cached; /* bytes of cached huge mappings */

static pthread_mutex_t segment_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static segment_t *segment_cache;
static unsigned segment_cache_count;

/* Huge segments the segment map cannot find (see segment_huge_alloc). */
static pthread_mutex_t segment_listed_lock = PTHREAD_MUTEX_INITIALIZER;
static segment_t *segment_listed;

#if MALLARD_DEBUG
static bool segment_is_valid(const segment_t *seg);
#endif

static uint64_t clock_now_ms(void)
{
	struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

MALLARD_HOT segment_t *segment_of(const void *p)
{
	return (segment_t *)((uintptr_t)p & ~SEGMENT_MASK);
}

MALLARD_HOT page_t *segment_slice_page(segment_t *seg, const void *p)
{
	return &seg->pages[((uintptr_t)p - (uintptr_t)seg) >> SLICE_SHIFT];
}

static uint8_t *segment_slice_start(segment_t *seg, unsigned slice)
{
	uint8_t *start = (uint8_t *)seg + (size_t)slice * SLICE_SIZE;
	return slice == 0 ? start + SEGMENT_HEADER_SIZE : start;
}

static void segment_init_header(segment_t *seg, heap_t *heap)
{
	memset(seg, 0, sizeof(*seg));
	seg->kind = SEGMENT_NORMAL;
	seg->heap = heap;
	seg->free_mask = SLICE_MASK_ALL;
	for (unsigned i = 0; i < SLICES_PER_SEGMENT; i++)
		seg->pages[i].flags = PAGE_FREE;
}

/* Gives the physical memory of free dirty slices back, run by run. */
static void segment_purge_dirty(segment_t *seg)
{
	uint64_t todo = seg->dirty_mask & seg->free_mask;
	size_t ps = os_page_size();
	while (todo) {
		unsigned first = (unsigned)__builtin_ctzll(todo);
		unsigned last = first;
		while (last + 1 < SLICES_PER_SEGMENT && (todo >> (last + 1) & 1))
			last++;
		uintptr_t start = (uintptr_t)segment_slice_start(seg, first);
		start = (start + ps - 1) & ~(uintptr_t)(ps - 1);
		uintptr_t end = (uintptr_t)seg + (size_t)(last + 1) * SLICE_SIZE;
		if (end > start)
			os_purge((void *)start, end - start);
		uint64_t run = (last - first + 1 == 64) ? ~(uint64_t)0 : ((((uint64_t)1 << (last - first + 1)) - 1) << first);
		todo &= ~run;
	}
	seg->dirty_mask = 0;
	seg->purge_at_ms = 0;
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
		segment_init_header(seg, heap);
		segmap_set(seg, true);
		if (atomic_fetch_add_explicit(&stat_segments_mapped, SEGMENT_SIZE, memory_order_relaxed) != 0)
			background_want(); /* the second segment: a heap worth a thread */
	} else {
		segment_init_header(seg, heap);
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
static void segment_release(segment_t *seg)
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
		segment_purge_dirty(seg);
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
static unsigned segment_cache_flush(void)
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

static uint64_t segment_run_mask(unsigned first, unsigned count)
{
	return (count == 64 ? ~(uint64_t)0 : (((uint64_t)1 << count) - 1)) << first;
}

/* Takes a span of `count` slices from the heap's segments (a new segment if
 * none has room) and returns its head page, zeroed but for slice_count and
 * area. Spans of more than one slice never use slice 0. Under slice_lock. */
static page_t *segment_span_alloc_locked(heap_t *heap, unsigned count)
{
	uint64_t avoid = count > 1 ? 1 : 0;
	segment_t *seg;
	int first = -1;
	/* Dirty slices first: they are resident already, so reusing them costs
	 * no page faults and keeps RSS down; then any free run, first fit.
	 * Full segments are all at the tail: each loop stops at the first. */
	for (seg = heap->segments; seg && seg->free_mask != 0; seg = seg->next) {
		first = segment_find_run(seg->dirty_mask & ~avoid, count);
		if (first >= 0)
			break;
	}
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
	seg->free_mask &= ~run;
	seg->dirty_mask &= ~run;
	seg->used_slices += count;
	if (seg->free_mask == 0)
		segment_list_move(heap, seg, false);

	page_t *page = &seg->pages[first];
	memset(page, 0, sizeof(*page));
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
	unsigned first = (unsigned)(page - seg->pages);
	unsigned old = page->slice_count;
	if (count <= old || first + count > SLICES_PER_SEGMENT)
		return false;
	uint64_t extra = segment_run_mask(first + old, count - old);
	if ((seg->free_mask & extra) != extra)
		return false;
	seg->free_mask &= ~extra;
	seg->dirty_mask &= ~extra;
	seg->used_slices += count - old;
	if (seg->free_mask == 0)
		segment_list_move(heap, seg, false);
	for (unsigned i = old; i < count; i++) {
		page_t *tail = page + i;
		memset(tail, 0, sizeof(*tail));
		tail->flags = PAGE_TAIL;
		tail->slice_offset = (uint8_t)i;
	}
	page->slice_count = (uint16_t)count;
	MALLARD_ASSERT(segment_is_valid(seg));
	return true;
}

/* Bytes a span offers to blocks. */
static size_t segment_span_bytes(const page_t *page)
{
	segment_t *seg = segment_of(page);
	uint8_t *end = (uint8_t *)seg + (size_t)((page - seg->pages) + page->slice_count) * SLICE_SIZE;
	return (size_t)(end - page->area);
}

/* Returns a page's span to its segment; the slices are dirty until purged.
 * Under slice_lock. */
static void segment_span_free_locked(heap_t *heap, page_t *page)
{
	segment_t *seg = segment_of(page);
	unsigned first = (unsigned)(page - seg->pages);
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
	if (seg->purge_at_ms == 0 && options.purge_delay_ms >= 0) {
		seg->purge_at_ms = clock_now_ms() + (uint64_t)options.purge_delay_ms;
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

/* Purges the heap's segments whose time has come (all of them if `force`),
 * releasing those left empty. Returns true if anything was given back.
 * Without `force` only the purge list is walked: the cost follows the
 * segments that have something to give back, not all of them. Under
 * slice_lock (by the owner, or by a thread purging for an idle owner). */
static bool segment_purge_heap_locked(heap_t *heap, uint64_t now, bool force)
{
	bool released = false;
	if (force) {
		segment_t *seg = heap->segments;
		while (seg) {
			segment_t *next = seg->next;
			if (seg->used_slices == 0) {
				segment_release(seg);
				released = true;
			} else {
				released |= (seg->dirty_mask & seg->free_mask) != 0;
				segment_purge_dirty(seg);
			}
			seg = next;
		}
		heap->purge_list = NULL;
		__atomic_store_n(&heap->purge_at_ms, 0, __ATOMIC_RELAXED);
		return released;
	}
	uint64_t next_due = 0;
	segment_t **link = &heap->purge_list;
	segment_t *seg;
	while ((seg = *link) != NULL) {
		if (seg->purge_at_ms > now) {
			if (next_due == 0 || seg->purge_at_ms < next_due)
				next_due = seg->purge_at_ms;
			link = &seg->purge_next;
			continue;
		}
		*link = seg->purge_next;
		seg->purge_next = NULL;
		if (seg->used_slices == 0)
			segment_release(seg);
		else
			segment_purge_dirty(seg);
		released = true;
	}
	__atomic_store_n(&heap->purge_at_ms, next_due, __ATOMIC_RELAXED);
	return released;
}

/* The span operations and purges as the heap code calls them: each under
 * the heap's slice_lock, uncontended unless another thread is purging this
 * heap for a quiet owner (the background thread, or heap_purge_idle). */
static page_t *segment_span_alloc(heap_t *heap, unsigned count)
{
	pthread_mutex_lock(&heap->slice_lock);
	page_t *page = segment_span_alloc_locked(heap, count);
	pthread_mutex_unlock(&heap->slice_lock);
	return page;
}

static bool segment_span_grow(heap_t *heap, page_t *page, unsigned count)
{
	pthread_mutex_lock(&heap->slice_lock);
	bool grown = segment_span_grow_locked(heap, page, count);
	pthread_mutex_unlock(&heap->slice_lock);
	return grown;
}

static void segment_span_free(heap_t *heap, page_t *page)
{
	pthread_mutex_lock(&heap->slice_lock);
	segment_span_free_locked(heap, page);
	pthread_mutex_unlock(&heap->slice_lock);
}

static bool segment_purge_heap(heap_t *heap, uint64_t now, bool force)
{
	pthread_mutex_lock(&heap->slice_lock);
	bool released = segment_purge_heap_locked(heap, now, force);
	pthread_mutex_unlock(&heap->slice_lock);
	return released;
}

/* Purges what is due (everything if `force`) in another thread's heap,
 * unless its owner is in a span operation right now (then the owner is
 * not idle anyway). */
static bool segment_purge_heap_try(heap_t *heap, uint64_t now, bool force)
{
	if (pthread_mutex_trylock(&heap->slice_lock) != 0)
		return false;
	bool released = segment_purge_heap_locked(heap, now, force);
	pthread_mutex_unlock(&heap->slice_lock);
	return released;
}

/* ---- huge blocks ---- */

/* Keeps a freed huge segment (already out of the segment map) in the
 * cache; returns the one it pushes out to make room (the caller unmaps it),
 * or NULL. */
static segment_t *segment_huge_cache_put(segment_t *seg)
{
	uint64_t due = options.purge_delay_ms < 0 ? UINT64_MAX : clock_now_ms() + (uint64_t)options.purge_delay_ms;
	segment_t *out = NULL;
	pthread_mutex_lock(&segment_cache_lock);
	unsigned slot = 0;
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
		if (huge_cache[i].seg == NULL) {
			slot = i;
			break;
		}
		if (huge_cache[i].due_ms < huge_cache[slot].due_ms)
			slot = i;
	}
	out = huge_cache[slot].seg;
	huge_cache[slot].seg = seg;
	huge_cache[slot].due_ms = due;
	if (out == NULL)
		atomic_fetch_add_explicit(&huge_cache_count, 1, memory_order_relaxed);
	else
		atomic_fetch_sub_explicit(&stat_huge_cached, out->map_size, memory_order_relaxed);
	atomic_fetch_add_explicit(&stat_huge_cached, seg->map_size, memory_order_relaxed);
	pthread_mutex_unlock(&segment_cache_lock);
	if (due != UINT64_MAX)
		background_due(due);
	return out;
}

/* Takes a cached mapping of map_size bytes to at most twice that whose
 * block starts at `offset`; returns the block, back in the segment map, or
 * NULL. */
static uint8_t *segment_huge_cache_take(size_t map_size, size_t offset)
{
	segment_t *seg = NULL;
	pthread_mutex_lock(&segment_cache_lock);
	unsigned best = HUGE_CACHE_SLOTS;
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
		segment_t *c = huge_cache[i].seg;
		if (c && c->map_size >= map_size && c->map_size / 2 <= map_size &&
		    c->map_size - c->huge_usable == offset &&
		    (best == HUGE_CACHE_SLOTS || c->map_size < huge_cache[best].seg->map_size))
			best = i;
	}
	if (best < HUGE_CACHE_SLOTS) {
		seg = huge_cache[best].seg;
		huge_cache[best].seg = NULL;
		atomic_fetch_sub_explicit(&huge_cache_count, 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&stat_huge_cached, seg->map_size, memory_order_relaxed);
	}
	pthread_mutex_unlock(&segment_cache_lock);
	if (seg == NULL)
		return NULL;
	/* The header, the block's page flags and area are as they were. */
	segmap_set(seg, true);
	atomic_fetch_add_explicit(&stat_huge_mapped, seg->map_size, memory_order_relaxed);
	atomic_fetch_add_explicit(&stat_huge_count, 1, memory_order_relaxed);
	if (config_stats)
		atomic_fetch_add_explicit(&stat_huge_mallocs, 1, memory_order_relaxed);
	return (uint8_t *)seg + offset;
}

/* Unmaps the cached huge mappings that are due at `now` (all if `all`);
 * returns how many. */
static unsigned segment_huge_cache_expire(uint64_t now, bool all)
{
	segment_t *out[HUGE_CACHE_SLOTS];
	unsigned n = 0;
	pthread_mutex_lock(&segment_cache_lock);
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
		segment_t *c = huge_cache[i].seg;
		if (c && (all || huge_cache[i].due_ms <= now)) {
			out[n++] = c;
			huge_cache[i].seg = NULL;
			atomic_fetch_sub_explicit(&huge_cache_count, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&stat_huge_cached, c->map_size, memory_order_relaxed);
		}
	}
	pthread_mutex_unlock(&segment_cache_lock);
	for (unsigned i = 0; i < n; i++)
		os_unmap(out[i]->map_base, out[i]->map_size);
	return n;
}

/* When the earliest cached huge mapping is due; UINT64_MAX if none. */
static uint64_t segment_huge_cache_next_due(void)
{
	uint64_t due = UINT64_MAX;
	pthread_mutex_lock(&segment_cache_lock);
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++)
		if (huge_cache[i].seg && huge_cache[i].due_ms < due)
			due = huge_cache[i].due_ms;
	pthread_mutex_unlock(&segment_cache_lock);
	return due;
}

/* Maps a segment holding one block of `size` bytes aligned to `align`
 * (a power of two, >= BLOCK_ALIGN). NULL with errno = ENOMEM on failure.
 *
 * The mapping is normally aligned to SEGMENT_SIZE, so the segment map finds
 * the header. Two kinds go on the `listed` list instead, found by search:
 * blocks aligned to SEGMENT_SIZE or more (they start a unit after their
 * header), and blocks for which no aligned mapping could be had (on 32-bit a
 * 2 GiB request may fit the address space only unaligned). */
static void *segment_huge_alloc(size_t size, size_t align, bool zero)
{
	size_t ps = os_page_size();
	bool overaligned = align >= SEGMENT_SIZE;
	size_t offset = overaligned ? align : ((SEGMENT_HEADER_SIZE + align - 1) & ~(align - 1));
	if (size > SIZE_MAX - offset - ps) {
		errno = ENOMEM;
		return NULL;
	}
	size_t map_size = (offset + size + ps - 1) & ~(ps - 1);
	if (!overaligned && atomic_load_explicit(&huge_cache_count, memory_order_relaxed)) {
		uint8_t *block = segment_huge_cache_take(map_size, offset);
		if (block) {
			if (zero)
				memset(block, 0, size); /* a used mapping: not zero any more */
			return block;
		}
	}
	void *p;
	bool listed = overaligned;
	if (os_map_aligned(map_size, overaligned ? align : SEGMENT_SIZE, &p) != 0 ||
	    (!listed && ((uintptr_t)p >> SEGMENT_SHIFT) >= SEGMAP_UNITS)) {
		if (overaligned || os_map_aligned(map_size, ps, &p) != 0) {
			errno = ENOMEM;
			return NULL;
		}
		listed = true;
	}
	if (!options.thp)
		os_no_huge_pages(p, map_size);
	/* The header goes at the start of the mapping. Fresh mappings are zero,
	 * so only the fields below need writing. */
	segment_t *seg = p;
	seg->kind = SEGMENT_HUGE;
	seg->map_base = p;
	seg->map_size = map_size;
	seg->huge_usable = map_size - offset;
	uint8_t *block = (uint8_t *)p + offset;
	if (!listed) {
		page_t *page = segment_slice_page(seg, block);
		page->flags = PAGE_HUGE;
		page->area = block;
		segmap_set(seg, true);
	} else {
		pthread_mutex_lock(&segment_listed_lock);
		seg->next = segment_listed;
		segment_listed = seg;
		pthread_mutex_unlock(&segment_listed_lock);
	}
	atomic_fetch_add_explicit(&stat_huge_mapped, map_size, memory_order_relaxed);
	atomic_fetch_add_explicit(&stat_huge_count, 1, memory_order_relaxed);
	if (config_stats)
		atomic_fetch_add_explicit(&stat_huge_mallocs, 1, memory_order_relaxed);
	if (map_size <= HUGE_CACHE_BLOCK_MAX) {
		/* its mapping will be cached when freed, and must expire */
		background_want();
		background_poll();
	}
	return block;
}

/* Unmaps a huge segment; `listed`: it was on the list (already unlinked),
 * not in the segment map. */
static void segment_huge_free(segment_t *seg, bool listed)
{
	atomic_fetch_sub_explicit(&stat_huge_mapped, seg->map_size, memory_order_relaxed);
	atomic_fetch_sub_explicit(&stat_huge_count, 1, memory_order_relaxed);
	if (!listed)
		segmap_set(seg, false);
	if (!listed && seg->map_size <= HUGE_CACHE_BLOCK_MAX && options.purge_delay_ms != 0) {
		seg = segment_huge_cache_put(seg); /* NULL, or the one it pushed out */
		if (seg == NULL)
			return;
	}
	os_unmap(seg->map_base, seg->map_size);
}

/* The listed huge segment whose block starts at p, unlinked if `unlink`;
 * NULL if there is none. */
static segment_t *segment_listed_find(const void *p, bool unlink)
{
	pthread_mutex_lock(&segment_listed_lock);
	segment_t **link = &segment_listed;
	segment_t *seg;
	while ((seg = *link) != NULL) {
		if ((uint8_t *)seg->map_base + (seg->map_size - seg->huge_usable) == p) {
			if (unlink)
				*link = seg->next;
			break;
		}
		link = &seg->next;
	}
	pthread_mutex_unlock(&segment_listed_lock);
	return seg;
}


/* Tries to grow a huge block in place (mremap without moving). */
static bool segment_huge_grow(segment_t *seg, size_t new_usable)
{
	size_t ps = os_page_size();
	size_t offset = seg->map_size - seg->huge_usable;
	if (new_usable > SIZE_MAX / 2)
		return false;
	size_t new_map = (offset + new_usable + ps - 1) & ~(ps - 1);
	if (os_grow_in_place(seg->map_base, seg->map_size, new_map) != 0)
		return false;
	atomic_fetch_add_explicit(&stat_huge_mapped, new_map - seg->map_size, memory_order_relaxed);
	seg->map_size = new_map;
	seg->huge_usable = new_map - offset;
	return true;
}

#if MALLARD_DEBUG
/* Checks the segment invariants of internal.h and the shape of its spans:
 * free slices carry PAGE_FREE, each span is a head page followed by tails
 * that point back to it. */
static bool segment_is_valid(const segment_t *seg)
{
	if (seg->kind != SEGMENT_NORMAL)
		return false;
	if ((seg->dirty_mask & ~seg->free_mask) != 0)
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
