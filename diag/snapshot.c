/*
 * snapshot.c - one walk over the allocator (inspect.h) that answers every
 * question about the heap: mallard_stats_get, the writers' snapshots, and
 * glibc's mallinfo2, malloc_info and malloc_stats. docs/DIAGNOSTICS.md
 * defines each figure.
 *
 * Two sources, merged here and nowhere else:
 *   - the structures themselves: live blocks, pages by fullness, stranded
 *     free blocks, spans, dirty slices, residency (mincore);
 *   - the per-heap allocation counters, which only their owner writes
 *     (plain adds on the fast path; see TALLY_* in internal.h): mallocs and
 *     requested bytes per class.
 * Frees are not counted on the free path at all: frees = mallocs - live.
 * Blocks freed by another thread and not yet collected by the page's owner
 * still count as live.
 *
 * Nothing here calls malloc; the only locks taken are the allocator's own
 * inspection locks, never held by a fast path.
 */
#include "alloc/inspect.h"
#include "diag/procfs.h"
#include "diag/sites.h"
#include "diag/snapshot.h"
#include "mallard.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

MALLARD_INTERNAL pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
MALLARD_INTERNAL mallard_stats_t snapshot_shared;

typedef struct {
	mallard_stats_t *s;
	snapshot_layout_t *layout;
	bool residency;
	bool pin; /* attribute stranded bytes to the sampled sites (sites.h) */
} snapshot_walk_t;

/* Bytes from a head page's first block to the end of its span, from one
 * read of each field; 0 if the owner is changing the page (a span being
 * cut has a zero slice count for a moment, and the area of its last
 * owner): such a page is left out of this snapshot rather than counted as
 * a wrapped-around size. */
static size_t snapshot_span_bytes(const segment_t *seg, const page_t *page)
{
	unsigned first = page_slice_index(seg, page);
	unsigned count = INSPECT_LOAD(page->slice_count);
	const uint8_t *area = INSPECT_LOAD(page->area);
	const uint8_t *start = (const uint8_t *)seg + (size_t)first * SLICE_SIZE;
	const uint8_t *end = start + (size_t)count * SLICE_SIZE;
	if (count == 0 || first + count > SLICES_PER_SEGMENT || area < start || area >= end)
		return 0;
	return (size_t)(end - area);
}

/* What malloc_stats and mallinfo2 count of a page in use. */
static void snapshot_layout_page(snapshot_layout_t *l, uint32_t used, uint32_t reserved, uint32_t capacity,
				 uint32_t bsize)
{
	l->pages++;
	l->in_use += (size_t)used * bsize;
	l->free_in_pages += (size_t)(reserved - used) * bsize;
	if (capacity > used)
		l->touched_free += (size_t)(capacity - used) * bsize;
}

/* Adds a page of a size class (used <= reserved, reserved > 0). */
static void snapshot_class_page(mallard_stats_t *s, unsigned cls, uint32_t used, uint32_t reserved, size_t span)
{
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
}

typedef struct {
	mallard_stats_t *s;
	size_t bytes;
	uint32_t blocks;
} snapshot_runs_t;

/* A live block of a run page: counted in the class of its length, as a
 * block of that class's size (the class's own active bytes then strand
 * nothing: a run page's free units belong to no class). */
static void snapshot_run_block(void *arg, size_t bytes)
{
	snapshot_runs_t *r = arg;
	unsigned cls = sizeclass_of(bytes);
	mallard_stats_class_t *c = &r->s->classes[cls];
	c->live_blocks++;
	c->active += sizeclass_block_size(cls);
	r->bytes += bytes;
	r->blocks++;
}

/* Adds run page `page` (runs.h): its live blocks to their classes, and
 * its slices that hold one to the active bytes (so its free units there
 * are stranded bytes of the totals, of no class); returns its span bytes. */
static size_t snapshot_runs_page(snapshot_walk_t *w, const segment_t *seg, const page_t *page)
{
	size_t span = snapshot_span_bytes(seg, page);
	if (span == 0)
		return 0;
	snapshot_runs_t r = {.s = w->s};
	size_t active = inspect_runs_page(page, snapshot_run_block, &r);
	w->s->totals.active += active;
	if (w->layout) {
		w->layout->pages++;
		w->layout->in_use += r.bytes;
		w->layout->free_in_pages += span - r.bytes;
		w->layout->touched_free += active > r.bytes ? active - r.bytes : 0;
	}
	return span;
}

/* Adds head page `page` (in use) of normal segment `seg`; returns its span
 * bytes (0 when the owner is changing it). */
static size_t snapshot_page(snapshot_walk_t *w, const segment_t *seg, const page_t *page)
{
	mallard_stats_t *s = w->s;
	uint32_t flags = INSPECT_LOAD(page->flags);
	if (flags & PAGE_RUNS)
		return snapshot_runs_page(w, seg, page);
	uint32_t used = INSPECT_LOAD(page->used);
	uint32_t reserved = INSPECT_LOAD(page->reserved);
	uint32_t capacity = INSPECT_LOAD(page->capacity);
	uint32_t bsize = INSPECT_LOAD(page->block_size);
	if (used > reserved)
		used = reserved; /* a page another thread is changing */
	if (w->layout)
		snapshot_layout_page(w->layout, used, reserved, capacity, bsize);
	size_t span = snapshot_span_bytes(seg, page);
	if (span == 0)
		return 0;
	if (flags & PAGE_LARGE) {
		if (used) {
			s->large.blocks++;
			s->large.bytes += bsize;
			s->totals.active += span;
		}
		return span;
	}
	unsigned cls = INSPECT_LOAD(page->class_index);
	if (cls != 0 && cls <= CLASS_COUNT && reserved != 0) {
		snapshot_class_page(s, cls, used, reserved, span);
		if (w->pin)
			sites_pin_page(INSPECT_LOAD(page->area), span, used, bsize);
	}
	return span;
}

static void snapshot_segment(void *arg, const segment_t *seg)
{
	snapshot_walk_t *w = arg;
	mallard_stats_t *s = w->s;
	uint64_t free_mask = INSPECT_LOAD(seg->free_mask);
	uint64_t dirty_mask = INSPECT_LOAD(seg->dirty_mask) & free_mask;
	if (w->layout) {
		w->layout->segments++;
		w->layout->free_slices += (size_t)__builtin_popcountll(free_mask) * SLICE_SIZE;
		w->layout->dirty_slices += (size_t)__builtin_popcountll(dirty_mask) * SLICE_SIZE;
	}
	s->totals.committed += SEGMENT_HEADER_SIZE + (uint64_t)__builtin_popcountll(dirty_mask) * SLICE_SIZE;
	s->totals.metadata += SEGMENT_HEADER_SIZE;
	if (w->residency)
		s->totals.resident += inspect_resident_bytes(seg, SEGMENT_SIZE);
	for (unsigned i = 0; i < SLICES_PER_SEGMENT; i++) {
		const page_t *page = &seg->pages[i];
		if ((free_mask >> i) & 1 || (INSPECT_LOAD(page->flags) & (PAGE_TAIL | PAGE_FREE)))
			continue;
		s->totals.committed += snapshot_page(w, seg, page);
	}
}

/* Adds the allocation counters of one heap (its owner may be adding). */
static void snapshot_heap(void *arg, const heap_t *h)
{
	snapshot_walk_t *w = arg;
	mallard_stats_t *s = w->s;
	if (w->layout)
		w->layout->heaps++;
	for (unsigned i = 0; i < DIRECT_COUNT; i++) {
		uint64_t t = INSPECT_LOAD(h->tally[i]);
		mallard_stats_class_t *c = &s->classes[sizeclass_of((size_t)i << DIRECT_SHIFT)];
		c->mallocs += t >> TALLY_COUNT_SHIFT;
		c->requested += t & TALLY_BYTES_MASK; /* cumulative until snapshot_finish */
	}
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		s->classes[cls].mallocs += INSPECT_LOAD(h->counts[cls].mallocs);
		s->classes[cls].requested += INSPECT_LOAD(h->counts[cls].requested);
	}
	s->large.mallocs += INSPECT_LOAD(h->large_counts.mallocs);
}

/* Turns the per-class sums (indexed by class, requested still cumulative)
 * into the published form: requested of the live blocks, frees, totals,
 * and only the classes ever used, smallest first. */
static void snapshot_finish(mallard_stats_t *s)
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

/* Huge blocks, the cache of freed ones and the heap structures: from the
 * process-wide counters, not the walk. */
static void snapshot_process(mallard_stats_t *s, snapshot_layout_t *layout)
{
	inspect_process_t p;
	inspect_process(&p);
	s->huge.blocks = p.huge_count;
	s->huge.bytes = p.huge_mapped;
	s->huge.mallocs = p.huge_mallocs;
	s->totals.active += p.huge_mapped;
	s->totals.committed += p.huge_mapped + p.metadata;
	s->totals.resident += p.huge_mapped + p.metadata; /* estimate: counted whole */
	s->totals.metadata += p.metadata;
	/* Freed huge blocks waiting in the cache: mapped and resident. */
	s->totals.committed += p.huge_cached;
	s->totals.resident += p.huge_cached;
	s->totals.mapped = p.segments_mapped + p.huge_mapped + p.metadata + p.huge_cached;
	if (layout)
		layout->cached_segments = p.cached_segments;
}

static uint64_t snapshot_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

MALLARD_INTERNAL int snapshot_take(mallard_stats_t *s, snapshot_layout_t *layout, snapshot_depth_t depth)
{
	if (s == NULL || s->size != sizeof(*s)) {
		errno = EINVAL;
		return -1;
	}
	inspect_ready();
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->version = MALLARD_STATS_VERSION;
	s->pid = (uint64_t)getpid();
	s->time_ms = snapshot_wall_ms();
	s->uptime_ms = inspect_uptime_ms();
	s->bits = MALLARD_64BIT ? 64 : 32;
	if (layout)
		memset(layout, 0, sizeof(*layout));

	snapshot_walk_t w = {.s = s, .layout = layout, .residency = depth != SNAPSHOT_HEAP,
			     .pin = depth == SNAPSHOT_WRITE && sites_on()};
	static const inspect_visitor_t visitor = {.heap = snapshot_heap, .segment = snapshot_segment};
	if (w.pin)
		sites_pin_begin();
	inspect_heaps(&visitor, &w);
	if (w.pin)
		sites_pin_end();
	snapshot_process(s, layout);
	snapshot_finish(s);

	if (depth != SNAPSHOT_HEAP) {
		s->rss = procfs_rss();
		procfs_address_space(&s->address_space.free, &s->address_space.largest_free);
	}
	return 0;
}
