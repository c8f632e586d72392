/*
 * sample.h - the allocator's side of allocation sampling (MALLARD_SITES):
 * which allocations are sampled, and how a free finds that its block was.
 * What a sample records (the call stack, the site) is the diagnostics'
 * business: they install the hooks below (diag/sites.c).
 *
 * Sampling is by bytes, as in jemalloc and tcmalloc: each heap counts
 * down heap->sample_left by the size of every allocation, and the
 * allocation that takes it below zero is sampled; the next countdown is
 * drawn from an exponential distribution of mean MALLARD_SITES bytes. So
 * every byte allocated has the same chance of being the one sampled, and
 * a block of s bytes is sampled with probability 1 - exp(-s / rate).
 * With sampling off the countdown starts at PTRDIFF_MAX and only ever
 * reaches zero after that many bytes, when it is reset.
 *
 * A free finds a sampled block through its page: PAGE_SAMPLED sends every
 * free in the page to the slow path, which asks the hooks to forget the
 * block; page->sampled_live counts the page's sampled blocks not yet
 * forgotten, and the owner clears the flag when it reaches 0. Most pages
 * hold one sampled block at a time, a few two or three: page->sampled[]
 * names the first PAGE_SAMPLED_SLOTS live ones (page->sampled_unslotted
 * counts the rest), so while none is unslotted the frees of the page's
 * other blocks need not ask. Huge blocks are asked about on every free
 * while sampling is on (their frees are slow anyway).
 */
#ifndef MALLARD_SAMPLE_H
#define MALLARD_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/internal.h"
#include "alloc/linkage.h"

/* Installed by the diagnostics. record is called with the calling
 * thread's heap->sampling set, so nothing it allocates is sampled in turn;
 * forget must not allocate (it runs in free, on any thread). */
typedef struct {
	/* Records a sample of `size` bytes at `block`; false if it could not. */
	bool (*record)(void *block, size_t size);
	/* Forgets `block` if it is a recorded sample; whether it was. */
	bool (*forget)(void *block);
} sample_hooks_t;

/* The mean bytes between two samples; 0: sampling is off. Set from
 * MALLARD_SITES at start-up, constant afterwards. */
MALLARD_INTERNAL size_t sample_rate(void);

/* Installs the hooks (once, at start-up; NULL: none). Samples are taken
 * only while hooks are installed. */
MALLARD_INTERNAL void sample_install(const sample_hooks_t *hooks);

/* A heap's first countdown. */
MALLARD_INTERNAL void sample_heap_init(heap_t *heap);

/* The allocation of `size` bytes at p (NULL: it failed) took the heap's
 * countdown below zero: draws the next countdown, records p if sampling is
 * on, and returns p. */
MALLARD_COLD void *sample_taken(heap_t *heap, void *p, size_t size);

/* Counts `size` bytes down on `heap` (the caller's own) and samples p if
 * the countdown ran out; returns p. The slow paths' count. */
static inline void *sample_charge(heap_t *heap, void *p, size_t size)
{
	heap->sample_left -= (intptr_t)size;
	if (unlikely(heap->sample_left < 0))
		return sample_taken(heap, p, size);
	return p;
}

/* Counts `size` bytes down on the calling thread's heap and samples p if
 * the countdown ran out; returns p. For the paths that allocate without
 * passing alloc_malloc (huge blocks of calloc and of large alignments). */
MALLARD_INTERNAL void *sample_count(void *p, size_t size);

/* The block at `block` in a PAGE_SAMPLED page is being freed by the
 * thread whose heap is `heap`: forgets it if it was sampled. */
MALLARD_COLD void sample_page_free(heap_t *heap, page_t *page, void *block);

/* The slot of page->sampled[] naming `block`, or -1. */
static inline __attribute__((always_inline)) int sample_page_slot(page_t *page, const void *block)
{
	_Static_assert(PAGE_SAMPLED_SLOTS == 3, "one test per slot");
	uintptr_t b = (uintptr_t)block;
	if (atomic_load_explicit(&page->sampled[0], memory_order_relaxed) == b)
		return 0;
	if (atomic_load_explicit(&page->sampled[1], memory_order_relaxed) == b)
		return 1;
	if (atomic_load_explicit(&page->sampled[2], memory_order_relaxed) == b)
		return 2;
	return -1;
}

/* Whether `block`, freed in a PAGE_SAMPLED page, is certainly no sampled
 * block: the page's slots name all its live samples, none of them it, and
 * one at least (so the flag is not left set for nothing). When this is
 * false, sample_page_free finds out, and clears the flag when no sampled
 * block is left. */
static inline __attribute__((always_inline)) bool sample_page_unsampled(page_t *page, const void *block)
{
	return sample_page_slot(page, block) < 0 &&
	       atomic_load_explicit(&page->sampled_unslotted, memory_order_relaxed) == 0 &&
	       atomic_load_explicit(&page->sampled_live, memory_order_relaxed) != 0;
}

/* A huge block is being freed: forgets it if it was sampled (nothing
 * to ask while no hooks are installed: sampling off). */
MALLARD_INTERNAL void sample_huge_free(void *block);

#endif /* MALLARD_SAMPLE_H */
