/*
 * snapshot.h - where every byte of the heap is, per size class and in
 * total, from one walk of the allocator (snapshot.c).
 */
#ifndef MALLARD_DIAG_SNAPSHOT_H
#define MALLARD_DIAG_SNAPSHOT_H

#include "alloc/inspect.h"
#include "mallard.h"

/* What glibc's introspection calls report beyond mallard_stats_t, from
 * the same walk. */
typedef struct {
	size_t heaps;           /* heaps (owned, abandoned, dead) */
	size_t segments;        /* normal segments owned by heaps */
	size_t pages;           /* pages in use */
	size_t in_use;          /* usable bytes of live blocks in normal segments */
	size_t free_in_pages;   /* free bytes inside pages in use */
	size_t touched_free;    /* of those, in blocks handed out before (resident) */
	size_t free_slices;     /* bytes of free slices */
	size_t dirty_slices;    /* of those, not yet purged */
	size_t cached_segments; /* empty segments in the cache */
} snapshot_layout_t;

typedef enum {
	SNAPSHOT_HEAP,  /* the walk and the counters only */
	SNAPSHOT_FULL,  /* also residency (mincore), rss and the free address space */
	SNAPSHOT_WRITE, /* also the pages the sampled sites pin (sites.h): for the
	                 * writers, whose caller holds snapshot_lock */
} snapshot_depth_t;

/* A snapshot in static storage, for callers that may run on a small
 * thread's stack (it is ~11 KiB): the writers (emit.c) and glibc's calls
 * (glibc.c) take it and read it under snapshot_lock, which fork takes
 * first (start.c). */
MALLARD_INTERNAL_VAR pthread_mutex_t snapshot_lock;
MALLARD_INTERNAL_VAR mallard_stats_t snapshot_shared;

/* Fills *s (whose size field the caller has set) and, if not NULL,
 * *layout. Returns 0, or -1 with errno EINVAL for a NULL or mis-sized s. */
MALLARD_INTERNAL int snapshot_take(mallard_stats_t *s, snapshot_layout_t *layout, snapshot_depth_t depth);

#endif /* MALLARD_DIAG_SNAPSHOT_H */
