/*
 * internal.h - the allocator's types, and how its modules link to each other.
 *
 * Data path (one file per stage):
 *   override.c -> api.c -> alloc.c (malloc/free fast paths)
 *     -> heap.c (thread heaps, page queues, remote frees)
 *     -> page.c (blocks inside a page) -> segment.c (spans of slices)
 *     -> purge.c (giving free slices back) -> os.c (mmap/madvise);
 *     huge.c maps blocks above LARGE_MAX, sizeclass.c maps sizes to
 *     classes, segmap.c tells whether an address is in a segment.
 *
 * Glossary: see arch.h (segment, slice, page, unit). Also:
 *   block       one allocation unit inside a page.
 *   owner       the single thread that may change a heap (a running thread,
 *               or whoever holds an abandoned heap out of the pool).
 *   remote free a free by any thread but the owner: pushed to the page's
 *               atomic thread_free list, collected by the owner later.
 *   floating    a full page that is in no queue; it comes back through the
 *               heap's remote_pages stack or through a local free.
 *
 * Linkage: see linkage.h.
 */
#ifndef MALLARD_INTERNAL_H
#define MALLARD_INTERNAL_H

#include "config.h"
#include "alloc/arch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/linkage.h"
#include "alloc/pieces.h"
#include "alloc/prefetch.h"
#include "alloc/report.h"

#ifndef MALLARD_DEBUG
#define MALLARD_DEBUG 0
#endif

/* Debug builds (the unit tests) check invariants on slow paths. */
#if MALLARD_DEBUG
#define MALLARD_ASSERT(cond) \
	do { \
		if (!(cond)) \
			report_fatal("assertion failed: " #cond " at line", __LINE__); \
	} while (0)
#else
#define MALLARD_ASSERT(cond) ((void)0)
#endif

typedef struct block_s {
	struct block_s *next;
} block_t;

struct heap_s;

/* Page flags: any set flag sends a free to the slow path. */
enum {
	PAGE_FLOATING = 1u << 0, /* full, in no queue; see page_t invariants */
	PAGE_ALIGNED = 1u << 1,  /* handed out interior (aligned) pointers */
	PAGE_TAIL = 1u << 2,     /* not a page: a later slice of a span */
	PAGE_LARGE = 1u << 3,    /* one block spanning whole slices */
	PAGE_HUGE = 1u << 4,     /* the block of a huge segment */
	PAGE_FREE = 1u << 5,     /* slice belongs to no page */
	PAGE_SAMPLED = 1u << 6,  /* holds sampled blocks (sample.h): frees ask */
	PAGE_SPARE = 1u << 7,    /* empty, in heap->spare_pages, in no queue */
	PAGE_RUNS = 1u << 8,     /* a run page (runs.h): blocks of many sizes */
};

/* Sampled blocks a page names (sample.h): fills its second cache line. */
#define PAGE_SAMPLED_SLOTS 3

/* Low bit of page->xthread_free: the owner asked to be told of the next
 * remote free (the page is floating). */
#define THREAD_FREE_NOTIFY ((uintptr_t)1)

/*
 * A page: blocks of one size class in a span of slices.
 *
 * Invariants (owner's view, for a head page in use):
 *   used == capacity - |free|
 *           (thread_free blocks are still counted in used until collected)
 *   capacity <= reserved; blocks [capacity, reserved) were never touched.
 *   (flags & ~PAGE_SAMPLED) == 0 exactly when the page is in its class
 *   queue, owned, and has handed out no interior pointer. The free fast
 *   path tests flags == 0; a page whose only flag is PAGE_SAMPLED (it holds
 *   a live sampled block, sample.h) gets the same push from the slow path
 *   once the sample is seen to.
 *   PAGE_FLOATING and (xthread_free & NOTIFY): the page is in no queue and
 *   the next remote free will push it on heap->remote_pages.
 *   PAGE_FLOATING and !(xthread_free & NOTIFY): a remote thread cleared
 *   NOTIFY and is pushing (or pushed) it; only the pop may requeue or free it.
 */
typedef struct page_s {
	/* First cache line: the owner's (fast paths and slow paths). */
	block_t *free;        /* owner allocates from and frees to here (LIFO) */
	uint32_t used;        /* blocks handed out and not yet collected back */
	uint32_t flags;       /* PAGE_* */
	struct heap_s *heap;  /* owner heap; constant while the page is in use */
	uint8_t *area;        /* first block */
	uint32_t block_size;
	uint32_t capacity;    /* blocks initialised so far (lazy extension) */
	uint32_t reserved;    /* blocks that fit in the span */
	uint16_t slice_count; /* slices in the span (head page only) */
	uint8_t slice_offset; /* PAGE_TAIL: distance back to the head page */
	uint8_t class_index;  /* size class, 0 for large and huge */
	uint8_t seen_empty;   /* the last kept-page sweep found it empty */
	/* Second cache line: what other threads write, kept off the owner's
	 * line so a remote free does not steal it from the allocating core;
	 * and the queue links, used on slow paths only. */
	_Alignas(64) _Atomic uintptr_t xthread_free; /* remote frees | THREAD_FREE_NOTIFY */
	struct page_s *remote_next;      /* heap->remote_pages stack */
	struct page_s *next, *prev;      /* class queue */
	/* sampled blocks (sample.h): those not yet forgotten, the first few
	 * of them by address (0: a free slot), and how many found no slot */
	_Atomic uint32_t sampled_live;
	_Atomic uint32_t sampled_unslotted;
	_Atomic uintptr_t sampled[PAGE_SAMPLED_SLOTS];
} page_t;

_Static_assert(sizeof(page_t) == 128, "a page header is two cache lines: the index is a shift");

typedef enum { SEGMENT_NORMAL = 1, SEGMENT_HUGE = 2 } segment_kind_t;

/*
 * A segment: SEGMENT_SIZE-aligned. A normal segment is owned by one heap and
 * cut into slices; slice 0 starts after this header and only ever holds a
 * one-slice page. A huge segment holds one block and belongs to no heap.
 *
 * Invariants (normal): bit i of free_mask <=> slice i is in no page;
 * dirty_mask is a subset of free_mask (free slices that may be resident);
 * zero_mask is a subset of free_mask disjoint from dirty_mask, without
 * slice 0 (free slices known to read as zero: untouched since the segment
 * was mapped, or purged since they were last used);
 * used_slices == SLICES_PER_SEGMENT - popcount(free_mask).
 */
typedef struct segment_s {
	uint32_t kind;        /* segment_kind_t */
	uint32_t used_slices;
	struct heap_s *heap;
	struct segment_s *next, *prev; /* heap's segment list / cache / huge list */
	_Alignas(8) uint64_t free_mask; /* 8-aligned on i386 too: read atomically by inspectors */
	_Alignas(8) uint64_t dirty_mask;
	uint64_t zero_mask;
	uint64_t purge_at_ms; /* when dirty slices become due; 0: none */
	struct segment_s *purge_next; /* heap's purge list, while purge_at_ms != 0 */
	void *map_base;       /* huge: the whole mapping */
	size_t map_size;
	size_t huge_usable;   /* huge: usable bytes of the block */
	huge_pieces_t huge_pieces; /* huge: the kernel mappings it is made of */
	page_t pages[SLICES_PER_SEGMENT];
} segment_t;

#define SEGMENT_HEADER_SIZE ((sizeof(segment_t) + 127) & ~(size_t)127)
_Static_assert(SEGMENT_HEADER_SIZE <= SLICE_SIZE / 4, "segment header fits slice 0");

/* Slice 0's page starts at the first SLICE0_AREA_ALIGN boundary after the
 * header, as every other page starts at a slice boundary: so the blocks of
 * a class whose size is a multiple of an alignment up to this are aligned
 * to it in every page (aligned.c hands them out as they are). */
#define SLICE0_AREA_ALIGN ((size_t)4096)
#define SLICE0_AREA_OFFSET ((SEGMENT_HEADER_SIZE + SLICE0_AREA_ALIGN - 1) & ~(SLICE0_AREA_ALIGN - 1))
_Static_assert(SLICE0_AREA_OFFSET <= SLICE_SIZE / 4, "slice 0 keeps room for blocks");

typedef struct {
	page_t *first, *last;
} page_queue_t;

typedef enum { HEAP_OWNED = 1, HEAP_ABANDONED = 2, HEAP_DEAD = 3 } heap_state_t;

/* Allocation counters. The malloc fast path does one add per call into a
 * packed tally: the count in the bits from TALLY_COUNT_SHIFT up, requested
 * bytes below (at most DIRECT_MAX per call, so the byte part overflows
 * after 2^29 calls at the very least; heap maintenance folds a tally into
 * the wide per-class counters long before, see heap_stats_fold). */
#define TALLY_COUNT_SHIFT 40
#define TALLY_ONE ((uint64_t)1 << TALLY_COUNT_SHIFT)
#define TALLY_BYTES_MASK (TALLY_ONE - 1)
#define TALLY_FOLD_AT (TALLY_ONE >> 1)

/* Always compiled; --disable-stats makes the counting dead code. */
static const bool config_stats = MALLARD_STATS_ENABLED;

/* 8-aligned on i386 too, like tally[]: inspectors load them atomically. */
typedef struct {
	_Alignas(8) uint64_t mallocs; /* blocks allocated */
	uint64_t requested; /* bytes asked for by those calls */
} class_counts_t;

/*
 * A thread heap. Only the owner touches the plain fields; other threads
 * touch remote_pages (atomic) and, for inspection, the segment list under
 * seg_lock. Heaps are never unmapped: a heap of an exited thread goes to
 * the abandoned pool and is adopted by the next thread that starts.
 */
/* Empty one-slice pages a heap keeps for reuse (heap.c, "spare pages"). */
#define HEAP_SPARE_PAGES 16

/* Large spans a heap keeps for reuse (heap.c, "kept large spans"). */
#define HEAP_LARGE_KEPT 4

typedef struct heap_s {
	/* bytes the owner may allocate before the next sample (sample.h);
	 * below zero: the allocation that took it there is sampled */
	intptr_t sample_left;
	page_t *direct[DIRECT_COUNT]; /* by DIRECT_INDEX(size): page to allocate from */
	_Alignas(8) uint64_t tally[DIRECT_COUNT]; /* by DIRECT_INDEX(size): fast-path mallocs, packed */
	class_counts_t counts[CLASS_COUNT + 1]; /* slow-path mallocs, and folded tallies */
	class_counts_t large_counts;  /* large blocks (spans of slices) */
	page_queue_t queues[CLASS_COUNT + 1];
	_Atomic(page_t *) remote_pages;
	/* Large spans whose one block the owner freed, kept whole for its
	 * next large malloc of about the same size: no span search, no lock,
	 * no page set-up. Taken by exchange (owner or not), so that a thread
	 * giving back an idle owner's memory takes them too. */
	_Atomic(page_t *) large_kept[HEAP_LARGE_KEPT];
	uint32_t large_kept_next;     /* the slot the next keep replaces when all are full */
	uint64_t kept_told_ms;        /* the background thread was told to look at the kept pages then */
	/* Emptied one-slice pages kept for the next new page (heap.c, "spare
	 * pages"): only the owner fills a slot; taken by exchange (owner or
	 * not), so that a thread giving back an idle owner's memory takes them
	 * too. */
	_Atomic(page_t *) spare_pages[HEAP_SPARE_PAGES];
	uint32_t spare_next;          /* the slot the next spare replaces when all are full */
	/* Blocks of another heap's page this thread freed, chained (through
	 * their first word) and not yet pushed to the page: heap.c, "remote
	 * frees, a run at a time". Owner only. */
	page_t *rfree_page;
	block_t *rfree_head, *rfree_tail;
	uint32_t rfree_count;
	/* Run pages (runs.h) with a free unit, by the bin of their longest
	 * free run (runs_bin_mask: the bins not empty); full ones are in none.
	 * runs_remote: run pages with blocks other threads freed, pushed by
	 * the free that found none pending. runs_empty: the one empty run page
	 * kept. */
	page_t *runs_bins[RUN_BINS];
	uint32_t runs_bin_mask;
	page_t *runs_empty, *runs_empty_seen;
	_Atomic(page_t *) runs_remote;
	/* Held by whoever changes the run pages' bitmaps and bins: the owner
	 * on its slow paths, or the background thread for a quiet owner. */
	_Atomic uint32_t runs_busy;
	/* The owner's cache of blocks of run pages it freed (owner only):
	 * runs_cached[n] a stack of blocks n units long, chained through their
	 * first word, still marked used in their pages (and flagged cached),
	 * runs_cached_count[n] of them, runs_cached_bytes in all; a malloc of n
	 * units pops one. */
	block_t *runs_cached[RUN_MAX_UNITS + 1];
	uint16_t runs_cached_count[RUN_MAX_UNITS + 1];
	size_t runs_cached_bytes;
	uint32_t runs_misses; /* cache misses since the cache was last halved */
	/* All normal segments of this heap; those with a free slice come first,
	 * so a span search stops at the first full one. */
	segment_t *segments, *segments_tail;
	segment_t *purge_list;        /* segments with purge_at_ms != 0 */
	pthread_mutex_t seg_lock;     /* guards `segments` against inspectors */
	/* Guards the slice masks of this heap's segments and the purge list:
	 * the owner holds it for each span operation and purge, and another
	 * thread may take it (trylock) to purge the heap of an idle owner. */
	pthread_mutex_t slice_lock;
	_Atomic uint64_t maintained_ms; /* owner's last maintenance (clock_now_ms) */
	/* Earliest segment purge_at; 0: none. Written under slice_lock, read
	 * without it (relaxed) by the owner's maintenance: a stale value only
	 * makes it look at the purge list early or a little late. */
	_Alignas(8) uint64_t purge_at_ms;
	uint64_t sweep_at_ms;         /* next sweep of all queued pages */
	uint64_t kept_sweep_at_ms;    /* next look at the kept (first) pages */
	uint32_t maintain_tick;
	uint32_t free_countdown;      /* owner frees until the next heap_maintain */
	uint32_t trim_epoch;
	bool sampling;                /* in sample_taken: take no sample meanwhile */
	uint64_t sample_rng;          /* xorshift state of the sample countdowns */
	heap_state_t state;
	struct heap_s *next_all;       /* registry of every heap */
	struct heap_s *next_abandoned; /* abandoned pool */
} heap_t;


#endif /* MALLARD_INTERNAL_H */
