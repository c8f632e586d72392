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
#include "alloc/heap.h"
#include "alloc/huge.h"
#include "alloc/locate.h"
#include "alloc/options.h"
#include "alloc/os.h"
#include "alloc/pieces.h"
#include "alloc/purge.h"
#include "alloc/segmap.h"

#include <errno.h>
#include <string.h>

/* Freed huge blocks kept mapped, and resident, for the purge delay: a
 * program that frees and allocates big buffers in turn (a string builder
 * outgrowing large spans, every block above 512 KiB on 32-bit; buffers of
 * many MiB replaced one by one) reuses a mapping instead of faulting a
 * fresh one in page by page, which costs far more than the program's own
 * writes to it (a page fault and the kernel's zeroing per 4 KiB, and the
 * unmapping). Freed mappings side by side merge into one, so the cache
 * coalesces as a free list does (huge_cache_merge). Guarded by
 * huge_cache_lock; out of the segment map while cached, so a stale
 * pointer into one is reported, not freed. Unmapped
 * when due (heap maintenance or the background thread), when pushed out
 * by newer ones, and by malloc_trim. */
#define HUGE_CACHE_SLOTS 16
/* The cache holds at most half the bytes of the huge blocks still in use,
 * or this much when that is less: a process that frees its big buffers
 * for good keeps little of them, even with no maintenance running (an
 * idle process with MALLARD_BACKGROUND=0). */
#define HUGE_CACHE_FLOOR (MALLARD_64BIT ? (size_t)16 << 20 : (size_t)8 << 20)
static struct {
	segment_t *seg;
	uint64_t due_ms;
} huge_cache[HUGE_CACHE_SLOTS];
MALLARD_INTERNAL pthread_mutex_t huge_cache_lock = PTHREAD_MUTEX_INITIALIZER;
MALLARD_INTERNAL _Atomic unsigned huge_cache_count; /* slots in use: read without the lock */
static size_t huge_cache_bytes;                    /* their mappings' bytes, under the lock */

/* Huge segments the segment map cannot find (see huge_alloc). */
MALLARD_INTERNAL pthread_mutex_t huge_listed_lock = PTHREAD_MUTEX_INITIALIZER;
static segment_t *huge_listed;

/* Empties slot i (under the lock); returns its segment. */
static segment_t *huge_cache_remove(unsigned i)
{
	segment_t *seg = huge_cache[i].seg;
	huge_cache[i].seg = NULL;
	huge_cache_bytes -= seg->map_size;
	atomic_fetch_sub_explicit(&huge_cache_count, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&stat_huge_cached, seg->map_size, memory_order_relaxed);
	return seg;
}

/* Absorbs into seg the cached mappings next to it, while the whole stays
 * within `limit` bytes: freed neighbours become one mapping, as a free
 * list coalesces, so a later block bigger than any of them is cut from it
 * in place (no system call) instead of gathered by moving pages (one
 * mremap per part). Neighbours are mappings whose lower one ends within
 * the segment below the upper one's start; the gap between them (a
 * mapping is a whole number of pages, its start a segment boundary) is
 * filled by growing the lower one in place, and if that fails they stay
 * apart: something else is mapped there, or the lower one is several
 * kernel mappings already (merged before), which mremap does not grow.
 * (Growing such a one from its last page instead, so that every
 * neighbour merges, measured worse on malloc-large's pattern: each gap is
 * fresh memory to fault in, 145 k page faults to 202 k.) They stay apart
 * too where the whole would be more than HUGE_PIECES_MAX kernel mappings.
 * The merged mapping keeps the earliest due time of its parts, and its
 * parts stay separate kernel mappings, which munmap and madvise cross but
 * an old kernel's move does not (pieces.h). Under the lock; returns the
 * merged mapping, whose header is that of its lowest part. */
static segment_t *huge_cache_merge(segment_t *seg, uint64_t *due, size_t limit)
{
	for (bool merged = true; merged;) {
		merged = false;
		for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
			segment_t *c = huge_cache[i].seg;
			if (c == NULL)
				continue;
			bool c_low = (uintptr_t)c < (uintptr_t)seg;
			segment_t *low = c_low ? c : seg, *high = c_low ? seg : c;
			uintptr_t end = (uintptr_t)low + low->map_size;
			size_t total = (size_t)((uintptr_t)high - (uintptr_t)low) + high->map_size;
			if (((end + SEGMENT_MASK) & ~(uintptr_t)SEGMENT_MASK) != (uintptr_t)high || total > limit)
				continue;
			huge_pieces_t pieces = low->huge_pieces;
			if (end != (uintptr_t)high) {
				size_t grown = (size_t)((uintptr_t)high - (uintptr_t)low);
				/* the grown part takes the lower mapping's advice (no THP) */
				if (1 + high->huge_pieces.count > HUGE_PIECES_MAX ||
				    os_grow_in_place(low, low->map_size, grown) != 0)
					continue;
				pieces_whole(&pieces, grown); /* it grew: one kernel mapping */
			}
			if (!pieces_append(&pieces, &high->huge_pieces, 0, high->map_size))
				continue;
			if (huge_cache[i].due_ms < *due)
				*due = huge_cache[i].due_ms;
			huge_cache_remove(i);
			low->huge_usable += total - low->map_size;
			low->map_size = total;
			low->huge_pieces = pieces;
			seg = low;
			merged = true;
		}
	}
	return seg;
}

/* Fills empty slot i with seg, due at `due` (under the lock). */
static void huge_cache_insert(unsigned i, segment_t *seg, uint64_t due)
{
	huge_cache[i].seg = seg;
	huge_cache[i].due_ms = due;
	huge_cache_bytes += seg->map_size;
	atomic_fetch_add_explicit(&huge_cache_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&stat_huge_cached, seg->map_size, memory_order_relaxed);
}

/* The slot of the cached mapping due first among those of at most
 * `pieces` kernel mappings, or HUGE_CACHE_SLOTS if there is none (under
 * the lock). */
static unsigned huge_cache_oldest_of(unsigned pieces)
{
	unsigned oldest = HUGE_CACHE_SLOTS;
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
		segment_t *c = huge_cache[i].seg;
		if (c && c->huge_pieces.count <= pieces &&
		    (oldest == HUGE_CACHE_SLOTS || huge_cache[i].due_ms < huge_cache[oldest].due_ms))
			oldest = i;
	}
	return oldest;
}

/* The slot of the cached mapping due first, or HUGE_CACHE_SLOTS if the
 * cache is empty (under the lock). */
static unsigned huge_cache_oldest(void)
{
	return huge_cache_oldest_of(HUGE_PIECES_MAX);
}

/* An empty slot, or HUGE_CACHE_SLOTS if all are in use (under the lock). */
static unsigned huge_cache_free_slot(void)
{
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++)
		if (huge_cache[i].seg == NULL)
			return i;
	return HUGE_CACHE_SLOTS;
}

/* Keeps a freed huge segment (already out of the segment map) in the
 * cache, pushing out the oldest ones while the slots or the byte limit
 * would overflow. Fills out[] with what the caller must unmap (the pushed
 * out ones, or seg itself if it alone is over the limit); returns how
 * many. */
static unsigned huge_cache_put(segment_t *seg, segment_t *out[HUGE_CACHE_SLOTS + 1])
{
	uint64_t due = options_purge_due(clock_now_ms());
	size_t in_use = atomic_load_explicit(&stat_huge_mapped, memory_order_relaxed);
	size_t limit = in_use / 2 > HUGE_CACHE_FLOOR ? in_use / 2 : HUGE_CACHE_FLOOR;
	if (seg->map_size > limit) {
		out[0] = seg;
		return 1;
	}
	unsigned n = 0;
	pthread_mutex_lock(&huge_cache_lock);
	seg = huge_cache_merge(seg, &due, limit);
	for (;;) {
		unsigned slot = huge_cache_free_slot();
		if (slot < HUGE_CACHE_SLOTS && huge_cache_bytes + seg->map_size <= limit) {
			huge_cache_insert(slot, seg, due);
			break;
		}
		out[n++] = huge_cache_remove(huge_cache_oldest()); /* not empty: seg alone fits the limit */
	}
	pthread_mutex_unlock(&huge_cache_lock);
	if (due != UINT64_MAX)
		background_due(due);
	return n;
}

/* The biggest cached mapping taken whole (not cut) for a mapping of
 * `need` bytes: its spare pages stay with the block, as slack. */
static size_t huge_keep_whole(size_t need)
{
	return need / 2 < SIZE_MAX - need ? need + need / 2 : SIZE_MAX;
}

/* A cached mapping cut for a block keeps at least this much, or its
 * remainder is unmapped: a smaller one is not worth a slot. */
#define HUGE_REMAINDER_MIN ((size_t)1 << 20)

/* Whether the part of a cut mapping left over, `size` bytes with a block
 * at `offset`, is worth a cache slot (else it is unmapped). */
static bool huge_remainder_kept(size_t size, size_t offset)
{
	return size >= HUGE_REMAINDER_MIN && size > offset;
}

/* Bytes from a huge mapping's start to its block. */
static size_t huge_offset(const segment_t *seg)
{
	return seg->map_size - seg->huge_usable;
}

/* Puts a cached mapping taken out for a block back, with the due time it
 * had; unmaps it if the slots filled meanwhile. */
static void huge_cache_put_back(segment_t *seg, uint64_t due)
{
	pthread_mutex_lock(&huge_cache_lock);
	seg = huge_cache_merge(seg, &due, SIZE_MAX);
	unsigned slot = huge_cache_free_slot();
	if (slot < HUGE_CACHE_SLOTS) {
		huge_cache_insert(slot, seg, due);
		seg = NULL;
	}
	pthread_mutex_unlock(&huge_cache_lock);
	if (seg)
		os_unmap(seg, seg->map_size);
}

typedef struct {
	segment_t *seg;
	uint64_t due_ms;
} huge_part_t;

/* Moves the pages of cached mapping `part` (out of the cache) to `to`:
 * all of them, or its last `len` bytes, the rest going back to the cache
 * (or unmapped, under HUGE_REMAINDER_MIN), and appends the kernel
 * mappings they came in to `into`, the pieces of the mapping moved to.
 * Returns how many bytes moved: len, or none (the part goes back to the
 * cache as it was), or, where a move of one piece failed after others,
 * those before it (the bytes after them are unmapped: the block gets
 * fresh memory there). */
static size_t huge_part_move(huge_part_t part, size_t len, uint8_t *to, huge_pieces_t *into)
{
	segment_t *seg = part.seg;
	size_t map_size = seg->map_size, keep = map_size - len;
	huge_pieces_t pieces = seg->huge_pieces; /* the header moves too if keep is 0 */
	size_t moved = pieces_move((uint8_t *)seg, &pieces, keep, len, to);
	if (moved == 0) {
		huge_cache_put_back(seg, part.due_ms);
		return 0;
	}
	pieces_append(into, &pieces, keep, keep + moved); /* fits: huge_cache_take counted */
	if (moved < len)
		os_unmap((uint8_t *)seg + keep + moved, len - moved);
	if (keep == 0)
		return moved;
	size_t offset = huge_offset(seg);
	if (!huge_remainder_kept(keep, offset)) {
		os_unmap(seg, keep);
		return moved;
	}
	seg->map_size = keep;
	seg->huge_usable = keep - offset;
	pieces_keep_below(&seg->huge_pieces, keep);
	huge_cache_put_back(seg, part.due_ms);
	return moved;
}

/* Writes a huge segment's header at the start of mapped pages that hold
 * whatever they held: map_size bytes made of `pieces`, the block at
 * `offset`. */
static void huge_header_init(segment_t *seg, size_t map_size, size_t offset, const huge_pieces_t *pieces)
{
	memset(seg, 0, sizeof(*seg));
	seg->kind = SEGMENT_HUGE;
	seg->map_base = seg;
	seg->map_size = map_size;
	seg->huge_usable = map_size - offset;
	seg->huge_pieces = *pieces;
	segment_slice_page(seg, (uint8_t *)seg + offset)->flags = PAGE_HUGE;
}

/* Cuts cached mapping `part` (out of the cache) in place: it keeps its
 * first `keep` bytes (a multiple of the segment size), and the rest,
 * from that segment boundary, becomes a cached mapping of its own with a
 * header there and its block at the same offset (or is unmapped, under
 * HUGE_REMAINDER_MIN). No page moves, and no system call unless a small
 * rest is unmapped. */
static void huge_cut_in_place(huge_part_t part, size_t keep)
{
	segment_t *seg = part.seg;
	size_t offset = huge_offset(seg);
	if (keep >= seg->map_size)
		return;
	size_t rest_size = seg->map_size - keep;
	huge_pieces_t rest_pieces = {0};
	pieces_append(&rest_pieces, &seg->huge_pieces, keep, seg->map_size); /* no more than seg had */
	seg->map_size = keep;
	seg->huge_usable = keep - offset;
	pieces_keep_below(&seg->huge_pieces, keep);
	segment_t *rest = (segment_t *)((uint8_t *)seg + keep); /* segment-aligned, as seg is */
	if (!huge_remainder_kept(rest_size, offset)) {
		os_unmap(rest, rest_size);
		return;
	}
	huge_header_init(rest, rest_size, offset, &rest_pieces);
	huge_cache_put_back(rest, part.due_ms);
}

/* Makes the cache's mappings, or their pages, into a mapping of map_size
 * bytes whose block starts at `offset`, so that no page of it is faulted
 * in afresh that the cache held resident. In order of cost:
 *   1. one taken whole: from map_size to half again as big, its block at
 *      the same offset (no system call);
 *   2. the smallest bigger one, cut in place when its block is at the same
 *      offset (huge_cut_in_place: no system call), else its last map_size
 *      bytes moved to a fresh aligned range (mremap: page table entries
 *      move, the pages do not), its first part staying in the cache;
 *   3. the ones due first, their pages moved end to end into a fresh
 *      aligned range until they fill it: the pages the cache would unmap
 *      next serve the block instead of fresh ones faulted in (with the
 *      biggest taken first instead, malloc-large's page faults were
 *      147 k, not 119 k); the rest of the range, if any,
 *      is fresh zeroed memory, as is the share of a part the kernel
 *      would not move (it goes back to the cache). A part of several
 *      kernel mappings moves piece by piece where the kernel moves a
 *      range within one only (pieces.h), and a gather takes no more parts
 *      than the block's mapping can list.
 * Returns the block, in the segment map; NULL if the cache is empty, or
 * the OS refused a fresh range (what was taken out goes back) or to map
 * again what a refused move unmapped (what moved is unmapped with it).
 * *zero_from gets the address from which the block is fresh zeroed memory
 * (its end if none is). */
static uint8_t *huge_cache_take(size_t map_size, size_t offset, uint8_t **zero_from)
{
	huge_part_t parts[HUGE_CACHE_SLOTS];
	unsigned n = 0;
	unsigned whole = HUGE_CACHE_SLOTS, cut = HUGE_CACHE_SLOTS;
	pthread_mutex_lock(&huge_cache_lock);
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
		segment_t *c = huge_cache[i].seg;
		if (c == NULL)
			continue;
		if (c->map_size >= map_size && c->map_size <= huge_keep_whole(map_size) && huge_offset(c) == offset &&
		    (whole == HUGE_CACHE_SLOTS || c->map_size < huge_cache[whole].seg->map_size))
			whole = i;
		if (c->map_size > huge_keep_whole(map_size) &&
		    (cut == HUGE_CACHE_SLOTS || c->map_size < huge_cache[cut].seg->map_size))
			cut = i;
	}
	unsigned pick = whole < HUGE_CACHE_SLOTS ? whole : cut;
	if (pick < HUGE_CACHE_SLOTS) {
		parts[n].due_ms = huge_cache[pick].due_ms;
		parts[n++].seg = huge_cache_remove(pick);
	} else {
		/* the block's mapping: the parts' pieces, and one of fresh memory */
		unsigned pieces_left = HUGE_PIECES_MAX - 1;
		for (size_t have = 0; have < map_size; n++) {
			unsigned due_first = huge_cache_oldest_of(pieces_left);
			if (due_first == HUGE_CACHE_SLOTS)
				break;
			parts[n].due_ms = huge_cache[due_first].due_ms;
			parts[n].seg = huge_cache_remove(due_first);
			pieces_left -= parts[n].seg->huge_pieces.count;
			have += parts[n].seg->map_size;
		}
	}
	pthread_mutex_unlock(&huge_cache_lock);
	if (n == 0)
		return NULL;

	segment_t *seg;
	/* cut in place up to the next segment boundary, while the slack that
	 * leaves the block is no more than a block taken whole may have */
	size_t cut_keep = (map_size + SEGMENT_MASK) & ~(size_t)SEGMENT_MASK;
	bool in_place = whole < HUGE_CACHE_SLOTS ||
			(cut < HUGE_CACHE_SLOTS && pick == cut && huge_offset(parts[0].seg) == offset &&
			 cut_keep <= huge_keep_whole(map_size));
	if (in_place) {
		if (whole == HUGE_CACHE_SLOTS)
			huge_cut_in_place(parts[0], cut_keep);
		seg = parts[0].seg; /* header, page flags and area as they were */
		map_size = seg->map_size;
		*zero_from = (uint8_t *)seg + map_size;
	} else {
		void *target = NULL;
		if (os_map_aligned(map_size, SEGMENT_SIZE, &target) != 0 ||
		    ((uintptr_t)target >> SEGMENT_SHIFT) >= SEGMAP_UNITS) {
			if (target != NULL)
				os_unmap(target, map_size);
			for (unsigned i = 0; i < n; i++)
				huge_cache_put_back(parts[i].seg, parts[i].due_ms);
			return NULL;
		}
		if (!options.thp)
			os_no_huge_pages(target, map_size);
		/* the parts that move lie end to end from the target's start */
		uint8_t *to = target, *end = to + map_size;
		huge_pieces_t pieces = {0};
		bool refused = false;
		for (unsigned i = 0; i < n; i++) {
			size_t len = parts[i].seg->map_size;
			if (len > (size_t)(end - to))
				len = (size_t)(end - to);
			if (len == 0) {
				huge_cache_put_back(parts[i].seg, parts[i].due_ms);
				continue;
			}
			size_t moved = huge_part_move(parts[i], len, to, &pieces);
			refused |= moved < len;
			to += moved;
		}
		/* a refused move may have unmapped its destination (os_move_to):
		 * the rest of the range is mapped again, or the block is not had */
		if (refused && to < end) {
			if (os_map_over(to, (size_t)(end - to)) != 0) {
				os_unmap(target, map_size);
				return NULL;
			}
			if (!options.thp)
				os_no_huge_pages(to, (size_t)(end - to));
		}
		if (to < end)
			pieces_push(&pieces, (size_t)(end - to)); /* fits: one piece was kept for it */
		/* a header of its own: the moved pages hold whatever they held */
		seg = target;
		huge_header_init(seg, map_size, offset, &pieces);
		*zero_from = to;
	}
	uint8_t *block = (uint8_t *)seg + offset;
	segment_slice_page(seg, block)->area = block;
	segmap_set(seg, true);
	atomic_fetch_add_explicit(&stat_huge_mapped, seg->map_size, memory_order_relaxed);
	atomic_fetch_add_explicit(&stat_huge_count, 1, memory_order_relaxed);
	if (config_stats)
		atomic_fetch_add_explicit(&stat_huge_mallocs, 1, memory_order_relaxed);
	return block;
}

/* Unmaps the cached huge mappings that are due at `now` (all if `all`);
 * returns how many. */
MALLARD_INTERNAL unsigned huge_cache_expire(uint64_t now, bool all)
{
	segment_t *out[HUGE_CACHE_SLOTS];
	unsigned n = 0;
	pthread_mutex_lock(&huge_cache_lock);
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++) {
		if (huge_cache[i].seg && (all || huge_cache[i].due_ms <= now))
			out[n++] = huge_cache_remove(i);
	}
	pthread_mutex_unlock(&huge_cache_lock);
	for (unsigned i = 0; i < n; i++)
		os_unmap(out[i]->map_base, out[i]->map_size);
	return n;
}

/* Unmaps cached huge mappings, the oldest first, until at least `bytes`
 * of them are gone or none is left: a heap about to grow its resident
 * slices sheds as much of the cache, which cannot serve that growth
 * (heap.c, heap_span_alloc). */
MALLARD_INTERNAL void huge_cache_shed(size_t bytes)
{
	segment_t *out[HUGE_CACHE_SLOTS];
	unsigned n = 0;
	size_t shed = 0;
	pthread_mutex_lock(&huge_cache_lock);
	while (shed < bytes) {
		unsigned oldest = huge_cache_oldest();
		if (oldest == HUGE_CACHE_SLOTS)
			break;
		out[n] = huge_cache_remove(oldest);
		shed += out[n++]->map_size;
	}
	pthread_mutex_unlock(&huge_cache_lock);
	for (unsigned i = 0; i < n; i++)
		os_unmap(out[i]->map_base, out[i]->map_size);
}

/* When the earliest cached huge mapping is due; UINT64_MAX if none. */
MALLARD_INTERNAL uint64_t huge_cache_next_due(void)
{
	pthread_mutex_lock(&huge_cache_lock);
	unsigned oldest = huge_cache_oldest();
	uint64_t due = oldest < HUGE_CACHE_SLOTS ? huge_cache[oldest].due_ms : UINT64_MAX;
	pthread_mutex_unlock(&huge_cache_lock);
	return due;
}

/* Zeroes n bytes at p in a reused mapping: its whole pages by purging
 * them (they read as zero, and fault in zeroed only when touched, as
 * heap_malloc_large does for big large blocks), the rest by writing. */
static void huge_zero(uint8_t *p, size_t n)
{
	size_t ps = os_page_size();
	uint8_t *lo = (uint8_t *)(((uintptr_t)p + ps - 1) & ~(uintptr_t)(ps - 1));
	uint8_t *hi = (uint8_t *)((uintptr_t)(p + n) & ~(uintptr_t)(ps - 1));
	if (hi <= lo || os_purge(lo, (size_t)(hi - lo)) != 0) {
		memset(p, 0, n);
		return;
	}
	memset(p, 0, (size_t)(lo - p));
	memset(hi, 0, (size_t)(p + n - hi));
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
		uint8_t *zero_from;
		uint8_t *block = huge_cache_take(map_size, offset, &zero_from);
		if (block) {
			if (zero && zero_from > block) /* the used part is not zero any more */
				huge_zero(block, (size_t)(zero_from - block) < size ? (size_t)(zero_from - block) : size);
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
	pieces_whole(&seg->huge_pieces, map_size);
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
	/* the mapping will be resident as it is written: as much of the
	 * thread's freed slices goes back first (purge.c) */
	if (tls_heap != &heap_empty)
		purge_for_growth(tls_heap, map_size);
	/* its mapping may be cached when freed, and must expire */
	background_want();
	background_poll();
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
	if (!listed && options.purge_delay_ms != 0) {
		segment_t *out[HUGE_CACHE_SLOTS + 1];
		unsigned n = huge_cache_put(seg, out);
		for (unsigned i = 0; i < n; i++)
			os_unmap(out[i]->map_base, out[i]->map_size);
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


/* Tries to grow a huge block in place (mremap without moving its last
 * kernel mapping). */
MALLARD_INTERNAL bool huge_grow(segment_t *seg, size_t new_usable)
{
	size_t ps = os_page_size();
	size_t offset = seg->map_size - seg->huge_usable;
	if (new_usable > SIZE_MAX / 2)
		return false;
	size_t new_map = (offset + new_usable + ps - 1) & ~(ps - 1);
	huge_pieces_t *pieces = &seg->huge_pieces;
	size_t last = pieces->count > 1 ? pieces->end[pieces->count - 2] : 0;
	if (os_grow_in_place((uint8_t *)seg->map_base + last, seg->map_size - last, new_map - last) != 0)
		return false;
	pieces->end[pieces->count - 1] = new_map;
	atomic_fetch_add_explicit(&stat_huge_mapped, new_map - seg->map_size, memory_order_relaxed);
	if (tls_heap != &heap_empty) /* as for a fresh mapping (huge_alloc) */
		purge_for_growth(tls_heap, new_map - seg->map_size);
	seg->map_size = new_map;
	seg->huge_usable = new_map - offset;
	return true;
}

