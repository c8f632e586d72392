/*
 * sample.c - which allocations are sampled (sample.h), and the page flag
 * through which a free finds a sampled block. Nothing here is on a fast
 * path: the fast paths only count heap->sample_left down.
 */
#include "alloc/internal.h"
#include "alloc/heap.h"
#include "alloc/locate.h"
#include "alloc/options.h"
#include "alloc/sample.h"
#include "alloc/segmap.h"

#include <stdatomic.h>

static const sample_hooks_t *_Atomic sample_hooks;

MALLARD_INTERNAL size_t sample_rate(void)
{
	return (size_t)options.sites_rate;
}

MALLARD_INTERNAL void sample_install(const sample_hooks_t *hooks)
{
	atomic_store_explicit(&sample_hooks, hooks, memory_order_release);
}

/* ---- the countdown ---- */

static uint64_t sample_random(heap_t *heap)
{
	/* xorshift64*: any state but 0 cycles through every other value */
	uint64_t x = heap->sample_rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	heap->sample_rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* ln(u) for u in (0, 1], without libm: u = m * 2^e with m in [1, 2), and
 * ln(m) = 2 atanh(z) with z = (m - 1) / (m + 1) <= 1/3, whose series has
 * converged to double precision after 16 terms. */
static double sample_log(double u)
{
	int e = 0;
	while (u < 1.0) {
		u *= 2.0;
		e--;
	}
	double z = (u - 1.0) / (u + 1.0), z2 = z * z, term = z, sum = 0.0;
	for (int k = 1; k < 32; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2.0 * sum + e * 0.69314718055994530942;
}

/* Bytes to the next sample: exponential with mean `rate` (the waiting time
 * of a Poisson process in bytes), at least 1. */
static intptr_t sample_interval(heap_t *heap)
{
	size_t rate = sample_rate();
	if (rate == 0)
		return PTRDIFF_MAX;
	/* 53 random bits, as a double in (0, 1] */
	double u = (double)((sample_random(heap) >> 11) + 1) * (1.0 / 9007199254740992.0);
	double bytes = -sample_log(u) * (double)rate;
	if (bytes >= (double)PTRDIFF_MAX)
		return PTRDIFF_MAX;
	return bytes < 1.0 ? 1 : (intptr_t)bytes;
}

MALLARD_INTERNAL void sample_heap_init(heap_t *heap)
{
	/* seeded from the heap's address: no two heaps draw alike */
	uint64_t seed = ((uint64_t)(uintptr_t)heap >> 6) * 0x9E3779B97F4A7C15ull;
	heap->sample_rng = seed | 1;
	heap->sample_left = sample_interval(heap);
}

/* ---- taking a sample ---- */

/* The page of the small, medium or large block p (whose owner is the
 * calling thread); NULL for a huge block. */
static page_t *sample_page_of(void *p)
{
	if (!segmap_contains((uintptr_t)p))
		return NULL;
	segment_t *seg = segment_of(p);
	if (seg->kind == SEGMENT_HUGE)
		return NULL;
	return page_head_of(seg, p);
}

MALLARD_COLD void *sample_taken(heap_t *heap, void *p, size_t size)
{
	heap->sample_left = sample_interval(heap);
	const sample_hooks_t *hooks = atomic_load_explicit(&sample_hooks, memory_order_acquire);
	if (p == NULL || hooks == NULL || heap->sampling || sample_rate() == 0)
		return p;
	heap->sampling = true;
	page_t *page = sample_page_of(p);
	if (hooks->record(p, size) && page) {
		/* Counted and named before the flag is set, so a free that sees
		 * the flag finds them. Only the owner (us) writes the flags of a
		 * page it allocates from, and only it fills a slot; a slot is
		 * emptied by the one free of the block it names, before the
		 * block can be handed out again. */
		atomic_fetch_add_explicit(&page->sampled_live, 1, memory_order_relaxed);
		unsigned i = 0;
		while (i < PAGE_SAMPLED_SLOTS && atomic_load_explicit(&page->sampled[i], memory_order_relaxed) != 0)
			i++;
		if (i < PAGE_SAMPLED_SLOTS)
			atomic_store_explicit(&page->sampled[i], (uintptr_t)p, memory_order_relaxed);
		else
			atomic_fetch_add_explicit(&page->sampled_unslotted, 1, memory_order_relaxed);
		page->flags |= PAGE_SAMPLED;
	}
	heap->sampling = false;
	return p;
}

MALLARD_INTERNAL void *sample_count(void *p, size_t size)
{
	heap_t *heap = tls_heap;
	if (heap == &heap_empty || p == NULL)
		return p; /* no heap of its own to count on (yet, or any more) */
	return sample_charge(heap, p, size);
}

/* ---- freeing a sampled block ---- */

MALLARD_COLD void sample_page_free(heap_t *heap, page_t *page, void *block)
{
	/* The table is asked only while the page holds a sampled block that
	 * may be this one. forget allocates nothing, so it needs no guard (a
	 * thread past its exit frees on heap_empty, which it must not write). */
	const sample_hooks_t *hooks = atomic_load_explicit(&sample_hooks, memory_order_acquire);
	if (hooks && atomic_load_explicit(&page->sampled_live, memory_order_relaxed) != 0) {
		int slot = sample_page_slot(page, block);
		if (slot >= 0) {
			hooks->forget(block);
			atomic_store_explicit(&page->sampled[slot], 0, memory_order_relaxed);
			atomic_fetch_sub_explicit(&page->sampled_live, 1, memory_order_relaxed);
		} else if (atomic_load_explicit(&page->sampled_unslotted, memory_order_relaxed) != 0 &&
		           hooks->forget(block)) {
			atomic_fetch_sub_explicit(&page->sampled_unslotted, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&page->sampled_live, 1, memory_order_relaxed);
		}
	}
	/* The owner clears the flag once no sampled block is left, while the
	 * page is queued: a floating page's flags may be written by whoever
	 * pops it, so they are left to the next free after that. */
	if (page->heap == heap && !(page->flags & PAGE_FLOATING) &&
	    atomic_load_explicit(&page->sampled_live, memory_order_relaxed) == 0)
		page->flags &= ~(uint32_t)PAGE_SAMPLED;
}

MALLARD_INTERNAL void sample_huge_free(void *block)
{
	const sample_hooks_t *hooks = atomic_load_explicit(&sample_hooks, memory_order_acquire);
	if (hooks)
		hooks->forget(block);
}
