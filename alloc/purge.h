/*
 * purge.h - giving free slices back to the OS (purge.c).
 */
#ifndef MALLARD_PURGE_H
#define MALLARD_PURGE_H

#include "alloc/internal.h"

/* Gives the physical memory of a segment's free dirty slices back. */
MALLARD_INTERNAL void purge_segment_dirty(segment_t *seg);

/* The heap is about to make `bytes` more memory resident: gives back as
 * many bytes of its dirty free slices first (purge.c). The _locked one
 * under slice_lock. */
MALLARD_INTERNAL void purge_for_growth_locked(heap_t *heap, size_t bytes);
MALLARD_INTERNAL void purge_for_growth(heap_t *heap, size_t bytes);

/* The owner purges its heap: the segments due at `now` (all if `force`),
 * releasing those left empty. True if anything was given back. */
MALLARD_INTERNAL bool purge_heap(heap_t *heap, uint64_t now, bool force);

/* The same for another thread's heap, unless its owner is in a span
 * operation right now (then it is not idle anyway): false then. */
MALLARD_INTERNAL bool purge_heap_try(heap_t *heap, uint64_t now, bool force);

#endif /* MALLARD_PURGE_H */
