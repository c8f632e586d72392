/*
 * purge.c - giving free slices back to the OS: a segment's dirty slices
 * when their purge time has come (purge_delay_ms after the first of them
 * was freed), and a segment left with no slice in use goes back to the
 * segment cache or is unmapped (segment_release).
 *
 * Every purge runs under the heap's slice_lock: taken by the owner
 * on its maintenance, by the background thread, or by another thread's
 * malloc_trim or idle-heap sweep (trylock: an owner in a span operation is
 * not idle).
 */
#include "alloc/internal.h"
#include "alloc/locate.h"
#include "alloc/os.h"
#include "alloc/purge.h"
#include "alloc/segment.h"

/* Gives the physical memory of free dirty slices first..last back; they
 * are no longer dirty, and read as zero if the OS did it (slice 0 keeps
 * its header page, so it never does). */
static void purge_run(segment_t *seg, unsigned first, unsigned last)
{
	size_t ps = os_page_size();
	uintptr_t start = (uintptr_t)segment_slice_start(seg, first);
	start = (start + ps - 1) & ~(uintptr_t)(ps - 1);
	uintptr_t end = (uintptr_t)seg + (size_t)(last + 1) * SLICE_SIZE;
	uint64_t run = segment_run_mask(first, last - first + 1);
	seg->dirty_mask &= ~run;
	if (end > start && os_purge((void *)start, end - start) == 0)
		seg->zero_mask |= run & ~(uint64_t)1;
}

/* Gives the physical memory of free dirty slices back, run by run. */
MALLARD_INTERNAL void purge_segment_dirty(segment_t *seg)
{
	uint64_t todo;
	while ((todo = seg->dirty_mask & seg->free_mask) != 0) {
		unsigned first = (unsigned)__builtin_ctzll(todo);
		unsigned last = first;
		while (last + 1 < SLICES_PER_SEGMENT && (todo >> (last + 1) & 1))
			last++;
		purge_run(seg, first, last);
	}
	seg->dirty_mask = 0;
	seg->purge_at_ms = 0;
}

/* Purges dirty free slices of `seg`, the highest runs first, until
 * `want` slices are purged or none is left; returns how many were. The
 * lowest dirty slices stay: span searches are first fit, so those are the
 * ones the next small pages take. */
static unsigned purge_segment_dirty_top(segment_t *seg, unsigned want)
{
	unsigned done = 0;
	uint64_t todo;
	while (done < want && (todo = seg->dirty_mask & seg->free_mask) != 0) {
		unsigned last = 63u - (unsigned)__builtin_clzll(todo);
		unsigned first = last;
		while (first > 0 && (todo >> (first - 1) & 1) && done + (last - first + 1) < want)
			first--;
		purge_run(seg, first, last);
		done += last - first + 1;
	}
	return done;
}

/* The heap is about to make `bytes` more memory resident (fresh or purged
 * slices, a new segment, a new huge mapping) while freed slices wait out
 * the purge delay: they could not serve this request, so as many of them
 * go back now and the resident set stays where it was. A program that
 * frees one phase's small blocks and then builds big buffers no longer
 * holds both at its peak; what this costs is a page fault later for a
 * dirty slice that would have been reused, the cost the purge delay
 * accepts anyway. Under slice_lock. */
MALLARD_INTERNAL void purge_for_growth_locked(heap_t *heap, size_t bytes)
{
	unsigned want = (unsigned)((bytes + SLICE_SIZE - 1) / SLICE_SIZE);
	for (segment_t *seg = heap->purge_list; seg && want; seg = seg->purge_next)
		want -= purge_segment_dirty_top(seg, want);
}

MALLARD_INTERNAL void purge_for_growth(heap_t *heap, size_t bytes)
{
	/* the purge list is read under the lock: the background thread
	 * changes it under the same lock */
	pthread_mutex_lock(&heap->slice_lock);
	purge_for_growth_locked(heap, bytes);
	pthread_mutex_unlock(&heap->slice_lock);
}

/* Purges the heap's segments whose time has come (all of them if `force`),
 * releasing those left empty. Returns true if anything was given back.
 * Without `force` only the purge list is walked: the cost follows the
 * segments that have something to give back, not all of them. Under
 * slice_lock (by the owner, or by a thread purging for an idle owner). */
static bool purge_heap_locked(heap_t *heap, uint64_t now, bool force)
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
				purge_segment_dirty(seg);
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
			purge_segment_dirty(seg);
		released = true;
	}
	__atomic_store_n(&heap->purge_at_ms, next_due, __ATOMIC_RELAXED);
	return released;
}

/* The owner purges its own heap (what is due at `now`, or all if `force`). */
MALLARD_INTERNAL bool purge_heap(heap_t *heap, uint64_t now, bool force)
{
	pthread_mutex_lock(&heap->slice_lock);
	bool released = purge_heap_locked(heap, now, force);
	pthread_mutex_unlock(&heap->slice_lock);
	return released;
}

/* Purges what is due (everything if `force`) in another thread's heap,
 * unless its owner is in a span operation right now (then the owner is
 * not idle anyway). */
MALLARD_INTERNAL bool purge_heap_try(heap_t *heap, uint64_t now, bool force)
{
	if (pthread_mutex_trylock(&heap->slice_lock) != 0)
		return false;
	bool released = purge_heap_locked(heap, now, force);
	pthread_mutex_unlock(&heap->slice_lock);
	return released;
}

