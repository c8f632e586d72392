/*
 * huge.c - blocks above LARGE_MAX (and blocks aligned to a segment or
 * more): each gets a mapping of its own, a segment of kind SEGMENT_HUGE
 * whose header sits at the start of the mapping. Huge segments belong to
 * no heap; any thread may free them.
 */
#include "alloc/internal.h"
#include "alloc/background.h"
#include "alloc/clock.h"
#include "alloc/counters.h"
#include "alloc/huge.h"
#include "alloc/locate.h"
#include "alloc/options.h"
#include "alloc/os.h"
#include "alloc/segmap.h"

#include <errno.h>
#include <string.h>

/* Freed huge blocks kept mapped, and resident, for the purge delay: a
 * program that frees and allocates big buffers in turn (a string builder
 * outgrowing large spans: every block above 512 KiB on 32-bit) reuses a
 * mapping instead of faulting a fresh one in page by page. Guarded by
 * huge_cache_lock; out of the segment map while cached, so a stale
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
MALLARD_INTERNAL pthread_mutex_t huge_cache_lock = PTHREAD_MUTEX_INITIALIZER;
MALLARD_INTERNAL _Atomic unsigned huge_cache_count; /* slots in use: read without the lock */

/* Huge segments the segment map cannot find (see huge_alloc). */
MALLARD_INTERNAL pthread_mutex_t huge_listed_lock = PTHREAD_MUTEX_INITIALIZER;
static segment_t *huge_listed;

/* Keeps a freed huge segment (already out of the segment map) in the
 * cache; returns the one it pushes out to make room (the caller unmaps it),
 * or NULL. */
static segment_t *huge_cache_put(segment_t *seg)
{
	uint64_t due = options_purge_due(clock_now_ms());
	segment_t *out = NULL;
	pthread_mutex_lock(&huge_cache_lock);
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
	pthread_mutex_unlock(&huge_cache_lock);
	if (due != UINT64_MAX)
		background_due(due);
	return out;
}

/* Takes a cached mapping of map_size bytes to at most twice that whose
 * block starts at `offset`; returns the block, back in the segment map, or
 * NULL. */
static uint8_t *huge_cache_take(size_t map_size, size_t offset)
{
	segment_t *seg = NULL;
	pthread_mutex_lock(&huge_cache_lock);
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
	pthread_mutex_unlock(&huge_cache_lock);
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
MALLARD_INTERNAL unsigned huge_cache_expire(uint64_t now, bool all)
{
	segment_t *out[HUGE_CACHE_SLOTS];
	unsigned n = 0;
	pthread_mutex_lock(&huge_cache_lock);
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
		segment_t *c = huge_cache[i].seg;
		if (c && (all || huge_cache[i].due_ms <= now)) {
			out[n++] = c;
			huge_cache[i].seg = NULL;
			atomic_fetch_sub_explicit(&huge_cache_count, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&stat_huge_cached, c->map_size, memory_order_relaxed);
		}
	}
	pthread_mutex_unlock(&huge_cache_lock);
	for (unsigned i = 0; i < n; i++)
		os_unmap(out[i]->map_base, out[i]->map_size);
	return n;
}

/* When the earliest cached huge mapping is due; UINT64_MAX if none. */
MALLARD_INTERNAL uint64_t huge_cache_next_due(void)
{
	uint64_t due = UINT64_MAX;
	pthread_mutex_lock(&huge_cache_lock);
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++)
		if (huge_cache[i].seg && huge_cache[i].due_ms < due)
			due = huge_cache[i].due_ms;
	pthread_mutex_unlock(&huge_cache_lock);
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
MALLARD_INTERNAL void *huge_alloc(size_t size, size_t align, bool zero)
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
		uint8_t *block = huge_cache_take(map_size, offset);
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
		pthread_mutex_lock(&huge_listed_lock);
		seg->next = huge_listed;
		huge_listed = seg;
		pthread_mutex_unlock(&huge_listed_lock);
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
MALLARD_INTERNAL void huge_free(segment_t *seg, bool listed)
{
	atomic_fetch_sub_explicit(&stat_huge_mapped, seg->map_size, memory_order_relaxed);
	atomic_fetch_sub_explicit(&stat_huge_count, 1, memory_order_relaxed);
	if (!listed)
		segmap_set(seg, false);
	if (!listed && seg->map_size <= HUGE_CACHE_BLOCK_MAX && options.purge_delay_ms != 0) {
		seg = huge_cache_put(seg); /* NULL, or the one it pushed out */
		if (seg == NULL)
			return;
	}
	os_unmap(seg->map_base, seg->map_size);
}

/* The listed huge segment whose block starts at p, unlinked if `unlink`;
 * NULL if there is none. */
MALLARD_INTERNAL segment_t *huge_listed_find(const void *p, bool unlink)
{
	pthread_mutex_lock(&huge_listed_lock);
	segment_t **link = &huge_listed;
	segment_t *seg;
	while ((seg = *link) != NULL) {
		if ((uint8_t *)seg->map_base + (seg->map_size - seg->huge_usable) == p) {
			if (unlink)
				*link = seg->next;
			break;
		}
		link = &seg->next;
	}
	pthread_mutex_unlock(&huge_listed_lock);
	return seg;
}


/* Tries to grow a huge block in place (mremap without moving). */
MALLARD_INTERNAL bool huge_grow(segment_t *seg, size_t new_usable)
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

