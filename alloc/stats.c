/*
 * stats.c - stats_get, behind mallard_stats_get: a snapshot of where every
 * byte of the heap is, per size class and in total (docs/DIAGNOSTICS.md
 * defines each figure).
 *
 * Two sources, merged here and nowhere else:
 *   - the structures themselves, walked like introspect.c does (registry
 *     lock, then each heap's seg_lock): live blocks, pages by fullness,
 *     stranded free blocks, spans, dirty slices, residency (mincore);
 *   - the per-heap allocation counters, which only their owner writes
 *     (plain adds on the fast path; see TALLY_* in internal.h), read here
 *     with relaxed loads: mallocs and requested bytes per class.
 * Frees are not counted on the free path at all: frees = mallocs - live.
 * Blocks freed by another thread and not yet collected by the page's owner
 * still count as live.
 *
 * Nothing here calls malloc; the only locks taken are the allocator's own
 * inspection locks, never held by a fast path.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Bytes from a head page's first block to the end of its span, from one
 * read of each field; 0 if the owner is changing the page (a span being
 * cut has a zero slice count for a moment, and the area of its last
 * owner): such a page is left out of this snapshot rather than counted as
 * a wrapped-around size. */
static size_t stats_span_bytes(const page_t *page)
{
	const segment_t *seg = segment_of(page);
	unsigned first = (unsigned)(page - seg->pages);
	unsigned count = LOAD_RELAXED(page->slice_count);
	const uint8_t *area = LOAD_RELAXED(page->area);
	const uint8_t *start = (const uint8_t *)seg + (size_t)first * SLICE_SIZE;
	const uint8_t *end = start + (size_t)count * SLICE_SIZE;
	if (count == 0 || first + count > SLICES_PER_SEGMENT || area < start || area >= end)
		return 0;
	return (size_t)(end - area);
}

/* Adds page `page` (a head page in use) of a normal segment to the snapshot;
 * returns its span bytes. */
static size_t stats_add_page(mallard_stats_t *s, const page_t *page)
{
	uint32_t flags = LOAD_RELAXED(page->flags);
	uint32_t used = LOAD_RELAXED(page->used);
	uint32_t reserved = LOAD_RELAXED(page->reserved);
	uint32_t bsize = LOAD_RELAXED(page->block_size);
	size_t span = stats_span_bytes(page);
	if (span == 0)
		return 0;
	if (used > reserved)
		used = reserved; /* a page another thread is changing */
	if (flags & PAGE_LARGE) {
		if (used) {
			s->large.blocks++;
			s->large.bytes += bsize;
			s->totals.active += span;
		}
		return span;
	}
	unsigned cls = LOAD_RELAXED(page->class_index);
	if (cls == 0 || cls > CLASS_COUNT || reserved == 0)
		return span;
	mallard_stats_class_t *c = &s->classes[cls];
	c->live_blocks += used;
	c->pages++;
	if (used == reserved) {
		c->pages_full++;
	} else if (used == 0) {
		c->pages_empty++;
	} else {
		c->pages_partial++;
		c->free_blocks += reserved - used;
	}
	if (used) {
		c->active += span;
		s->totals.active += span;
	}
	unsigned bin = (unsigned)((uint64_t)used * MALLARD_STATS_OCCUPANCY_BINS / reserved);
	c->occupancy[bin < MALLARD_STATS_OCCUPANCY_BINS ? bin : MALLARD_STATS_OCCUPANCY_BINS - 1]++;
	return span;
}

static void stats_add_segment(mallard_stats_t *s, const segment_t *seg)
{
	uint64_t free_mask = LOAD_RELAXED(seg->free_mask);
	uint64_t dirty_mask = LOAD_RELAXED(seg->dirty_mask) & free_mask;
	s->totals.committed += SEGMENT_HEADER_SIZE + (uint64_t)__builtin_popcountll(dirty_mask) * SLICE_SIZE;
	s->totals.metadata += SEGMENT_HEADER_SIZE;
	s->totals.resident += os_resident_bytes(seg, SEGMENT_SIZE);
	for (unsigned i = 0; i < SLICES_PER_SEGMENT; i++) {
		const page_t *page = &seg->pages[i];
		if ((free_mask >> i) & 1 || (LOAD_RELAXED(page->flags) & (PAGE_TAIL | PAGE_FREE)))
			continue;
		s->totals.committed += stats_add_page(s, page);
	}
}

/* Adds the allocation counters of one heap (its owner may be adding). */
static void stats_add_counts(mallard_stats_t *s, const heap_t *h)
{
	for (unsigned i = 0; i < DIRECT_COUNT; i++) {
		uint64_t t = LOAD_RELAXED(h->tally[i]);
		mallard_stats_class_t *c = &s->classes[sizeclass_of((size_t)i * 16)];
		c->mallocs += t >> TALLY_COUNT_SHIFT;
		c->requested += t & TALLY_BYTES_MASK; /* cumulative until stats_finish */
	}
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		s->classes[cls].mallocs += LOAD_RELAXED(h->counts[cls].mallocs);
		s->classes[cls].requested += LOAD_RELAXED(h->counts[cls].requested);
	}
	s->large.mallocs += LOAD_RELAXED(h->large_counts.mallocs);
}

/* Turns the per-class sums (indexed by class, requested still cumulative)
 * into the published form: requested of the live blocks, frees, totals,
 * and only the classes ever used, smallest first. */
static void stats_finish(mallard_stats_t *s)
{
	unsigned n = 0;
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		mallard_stats_class_t c = s->classes[cls];
		if (c.mallocs == 0 && c.pages == 0)
			continue;
		c.size = sizeclass_block_size(cls);
		/* Mean request of the calls so far, applied to the live blocks:
		 * the live blocks' own sizes are not kept. */
		c.requested = c.mallocs ? (uint64_t)((double)c.requested / (double)c.mallocs * (double)c.live_blocks)
					: c.live_blocks * c.size;
		if (c.requested > c.live_blocks * c.size)
			c.requested = c.live_blocks * c.size;
		c.frees = c.mallocs > c.live_blocks ? c.mallocs - c.live_blocks : 0;
		s->totals.allocated += c.live_blocks * c.size;
		s->totals.requested += c.requested;
		s->classes[n++] = c;
	}
	for (unsigned i = n; i < MALLARD_STATS_CLASSES_MAX; i++)
		memset(&s->classes[i], 0, sizeof(s->classes[i]));
	s->class_count = n;
	s->totals.allocated += s->large.bytes + s->huge.bytes;
	s->totals.requested += s->large.bytes + s->huge.bytes;
}

static uint64_t stats_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int stats_get(mallard_stats_t *s)
{
	if (s == NULL || s->size != sizeof(*s)) {
		errno = EINVAL;
		return -1;
	}
	process_ensure_init();
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->version = MALLARD_STATS_VERSION;
	s->pid = (uint64_t)getpid();
	s->time_ms = stats_wall_ms();
	s->uptime_ms = clock_now_ms() - process_start_ms;
	s->bits = MALLARD_64BIT ? 64 : 32;

	pthread_mutex_lock(&heap_registry_lock);
	for (heap_t *h = heap_registry; h; h = h->next_all) {
		stats_add_counts(s, h);
		pthread_mutex_lock(&h->seg_lock);
		for (segment_t *seg = h->segments; seg; seg = seg->next)
			stats_add_segment(s, seg);
		pthread_mutex_unlock(&h->seg_lock);
	}
	pthread_mutex_unlock(&heap_registry_lock);

	size_t huge = atomic_load_explicit(&stat_huge_mapped, memory_order_relaxed);
	s->huge.blocks = atomic_load_explicit(&stat_huge_count, memory_order_relaxed);
	s->huge.bytes = huge;
	s->huge.mallocs = atomic_load_explicit(&stat_huge_mallocs, memory_order_relaxed);
	size_t heap_meta = atomic_load_explicit(&stat_metadata, memory_order_relaxed);
	s->totals.active += huge;
	s->totals.committed += huge + heap_meta;
	s->totals.resident += huge + heap_meta; /* estimate: counted whole */
	s->totals.metadata += heap_meta;
	/* Freed huge blocks waiting in the cache: mapped and resident. */
	size_t huge_cached = atomic_load_explicit(&stat_huge_cached, memory_order_relaxed);
	s->totals.committed += huge_cached;
	s->totals.resident += huge_cached;
	s->totals.mapped = atomic_load_explicit(&stat_segments_mapped, memory_order_relaxed) + huge + heap_meta +
			   huge_cached;
	stats_finish(s);

	s->rss = procfs_rss();
	procfs_address_space(&s->address_space.free, &s->address_space.largest_free);
	return 0;
}
