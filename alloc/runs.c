/*
 * runs.c - run pages: blocks of RUNS_MIN+1 .. MEDIUM_MAX bytes in units of
 * RUN_UNIT, first fit within a page, the page with the shortest longest
 * free run that may hold the block first, free units merged with their
 * free neighbours (runs.h).
 *
 * Invariants (owner's view) of a run page `page` with header m:
 *   units 0 .. RUN_META_UNITS-1 are the header: used bits set, start bit
 *   0 set, never freed;
 *   a live block at unit u: start bit u set, used bits u .. end-1 set,
 *   where end is the next unit with its start bit set or used bit clear;
 *   m->short_count[k] (1 <= k < 64) is the number of free runs (maximal
 *   runs of clear used bits) k units long, short_mask has bit k set
 *   exactly when it is not 0, and long_count is the number of free runs of
 *   64 units or more, none longer than long_max;
 *   m->max_free == long_max if long_count, else the longest short run (0:
 *   none), so a search for fewer than 64 units never fails on a page whose
 *   max_free holds them; no unit below m->first_free is free;
 *   m->bin == runs_bin_of(m->max_free), and the page is in heap->runs_bins
 *   [m->bin] exactly when m->max_free != 0 (RUN_BIN_NONE otherwise);
 *   page->used == live blocks, counting those freed by other threads
 *   until collected and those in the heap's cache (runs_cached[], whose
 *   blocks also have their bit set in m->cached);
 *   page->xthread_free: blocks other threads freed, chained through their
 *   first word; non-zero exactly while the page is on heap->runs_remote or
 *   being collected from it.
 */
#include "alloc/internal.h"
#include "alloc/runs.h"
#include "alloc/background.h"
#include "alloc/heap.h"
#include "alloc/locate.h"
#include "alloc/report.h"
#include "alloc/sample.h"
#include "alloc/segment.h"
#include "alloc/sizeclass.h"

#include <sched.h>

#define RUN_BIN_NONE UINT32_MAX

_Static_assert(RUN_UNITS < (1u << RUN_BINS), "every longest free run has a bin");

static inline uint8_t *run_unit_addr(const page_t *page, unsigned u)
{
	return page->area - RUN_META_BYTES + ((size_t)u << RUN_UNIT_SHIFT);
}

/* ---- bitmaps of RUN_UNITS bits ---- */

/* Bits lo .. hi-1 of a word (0 <= lo < hi <= 64). */
static inline uint64_t word_bits(unsigned lo, unsigned hi)
{
	uint64_t upto = hi == 64 ? ~(uint64_t)0 : (((uint64_t)1 << hi) - 1);
	return upto & (~(uint64_t)0 << lo);
}

static inline void bits_assign(uint64_t *w, unsigned from, unsigned to, bool on)
{
	while (from < to) {
		unsigned base = from & ~63u;
		unsigned hi = to - base < 64 ? to - base : 64;
		uint64_t m = word_bits(from - base, hi);
		if (on)
			w[base >> 6] |= m;
		else
			w[base >> 6] &= ~m;
		from = base + hi;
	}
}

static inline bool bit_is_set(const uint64_t *w, unsigned i)
{
	return (w[i >> 6] >> (i & 63)) & 1;
}

/* The first unit in [from, limit) whose bit is `set`; limit if none
 * (from < limit <= RUN_UNITS). Reads only the words of that range. */
static inline unsigned bits_next_below(const uint64_t *w, unsigned from, unsigned limit, bool set)
{
	unsigned i = from >> 6, last = (limit - 1) >> 6;
	uint64_t x = (set ? w[i] : ~w[i]) & (~(uint64_t)0 << (from & 63));
	while (x == 0) {
		if (++i > last)
			return limit;
		x = set ? w[i] : ~w[i];
	}
	unsigned found = i * 64 + (unsigned)__builtin_ctzll(x);
	return found < limit ? found : limit;
}

/* The first unit >= from whose bit is `set`; RUN_UNITS if none. */
static inline unsigned bits_next(const uint64_t *w, unsigned from, bool set)
{
	return from >= RUN_UNITS ? RUN_UNITS : bits_next_below(w, from, RUN_UNITS, set);
}

/* The last unit < below whose bit is set (below > 0; unit 0, in the
 * header, always is in both bitmaps). */
static inline unsigned bits_prev_set(const uint64_t *w, unsigned below)
{
	unsigned i = (below - 1) >> 6;
	uint64_t x = w[i] & word_bits(0, ((below - 1) & 63) + 1);
	while (x == 0)
		x = w[--i];
	return i * 64 + 63 - (unsigned)__builtin_clzll(x);
}

/* The unit after the last of the live block starting at u. */
static inline unsigned run_block_end(const run_meta_t *m, unsigned u)
{
	unsigned from = u + 1;
	if (from >= RUN_UNITS)
		return RUN_UNITS;
	unsigned i = from >> 6;
	uint64_t x = (m->start[i] | ~m->used[i]) & (~(uint64_t)0 << (from & 63));
	while (x == 0) {
		if (++i == RUN_WORDS)
			return RUN_UNITS;
		x = m->start[i] | ~m->used[i];
	}
	return i * 64 + (unsigned)__builtin_ctzll(x);
}

/* ---- one page ---- */

/* The first unit of the lowest run of n free units inside one word of
 * used bits (n <= 64), or 64: a bit p of the shifted-and copy is set when
 * bits p .. p+n-1 are all free (O(log n) steps). */
static inline unsigned word_first_run(uint64_t used, unsigned n)
{
	uint64_t y = ~used;
	for (unsigned k = 1; k < n && y;) {
		unsigned s = k < n - k ? k : n - k;
		y &= y >> s;
		k += s;
	}
	return y ? (unsigned)__builtin_ctzll(y) : 64;
}

/* The first unit of the lowest run of n free units (first fit), or
 * RUN_UNITS: then no free run is n long (n >= 64: long_max becomes n - 1).
 * One word at a time from first_free, whatever the number of free runs:
 * the run that ends a word carries into the next. */
static unsigned run_find_first(run_meta_t *m, unsigned n)
{
	unsigned carried = 0; /* free units that end the words before this one */
	for (unsigned i = m->first_free >> 6; i < RUN_WORDS; i++) {
		uint64_t w = m->used[i];
		if (w == 0) {
			carried += 64;
			if (carried >= n)
				return i * 64 + 64 - carried;
			continue;
		}
		unsigned lead = (unsigned)__builtin_ctzll(w);
		if (carried + lead >= n)
			return i * 64 - carried;
		if (n < 64 && ~w != 0) {
			unsigned p = word_first_run(w, n);
			if (p < 64)
				return i * 64 + p;
		}
		carried = (unsigned)__builtin_clzll(w);
	}
	MALLARD_ASSERT(n >= 64);
	if (n - 1 < m->long_max) {
		m->long_max = n - 1;
		m->max_free = m->long_count ? m->long_max : m->max_free;
	}
	return RUN_UNITS;
}

/* The same for a block aligned to align_mask + 1 units: the first free run
 * whose start, rounded up to that, still leaves n units; RUN_UNITS if none.
 * Run by run (aligned requests are rare). *run_start: the run's start. */
static unsigned run_find_aligned(const run_meta_t *m, unsigned n, unsigned align_mask, unsigned *run_start)
{
	for (unsigned at = m->first_free;;) {
		unsigned s = bits_next(m->used, at, false);
		if (s >= RUN_UNITS)
			return RUN_UNITS;
		unsigned a = (s + align_mask) & ~align_mask;
		unsigned want = a + n < RUN_UNITS ? a + n : RUN_UNITS;
		unsigned e = bits_next_below(m->used, s, want, true);
		if (e == a + n) {
			*run_start = s;
			return a; /* [s, a + n) is free */
		}
		at = e == want ? bits_next(m->used, want, true) : e;
	}
}

/* A place for n units (aligned to align_mask + 1), and the start of the
 * free run it is in; RUN_UNITS if none. */
static unsigned run_find(run_meta_t *m, unsigned n, unsigned align_mask, unsigned *run_start)
{
	if (align_mask == 0)
		return *run_start = run_find_first(m, n);
	return run_find_aligned(m, n, align_mask, run_start);
}

/* ---- free runs by length ---- */

#define RUN_LONG 64 /* a run length of 64 units or more, as run_len_* say */

/* The length of the free run that starts at unit s, or RUN_LONG when it is
 * 64 units or more (reads at most two words). */
static inline unsigned run_len_from(const run_meta_t *m, unsigned s)
{
	if (s >= RUN_UNITS)
		return 0;
	unsigned limit = s + RUN_LONG < RUN_UNITS ? s + RUN_LONG : RUN_UNITS;
	unsigned e = bits_next_below(m->used, s, limit, true);
	return e == s + RUN_LONG ? RUN_LONG : e - s;
}

/* The length of the free run that ends at unit u (units before u), or
 * RUN_LONG (reads at most two words; unit 0, the header's, is used). */
static inline unsigned run_len_before(const run_meta_t *m, unsigned u)
{
	unsigned floor = u > RUN_LONG ? u - RUN_LONG : 0;
	unsigned i = (u - 1) >> 6;
	uint64_t x = m->used[i] & word_bits(0, ((u - 1) & 63) + 1);
	while (x == 0) {
		if (i == 0 || i * 64 <= floor)
			return RUN_LONG;
		x = m->used[--i];
	}
	unsigned last = i * 64 + 63 - (unsigned)__builtin_clzll(x);
	return last < floor ? RUN_LONG : u - 1 - last;
}

/* Counts a free run of `len` units (RUN_LONG or more: a long one) in or
 * out (delta +1 or -1); 0 units is no run. */
static inline void run_count(run_meta_t *m, unsigned len, int delta)
{
	if (len == 0)
		return;
	if (len >= RUN_LONG) {
		m->long_count += (uint32_t)delta;
		if (delta > 0)
			m->long_max = RUN_UNITS; /* its length is not known: the bound */
		return;
	}
	m->short_count[len] = (uint16_t)(m->short_count[len] + delta);
	if (m->short_count[len] == 0)
		m->short_mask &= ~((uint64_t)1 << len);
	else
		m->short_mask |= (uint64_t)1 << len;
}

static inline void run_max_update(run_meta_t *m)
{
	m->max_free = m->long_count ? m->long_max
				    : m->short_mask ? 63 - (unsigned)__builtin_clzll(m->short_mask) : 0;
}

/* Marks the free units a .. a+n-1, inside the free run that starts at s,
 * used (the caller sets a start bit, or grows a block into them): the run
 * leaves the counts, what is left of it on each side comes in. */
static void run_take(run_meta_t *m, unsigned s, unsigned a, unsigned n)
{
	bits_assign(m->used, a, a + n, true);
	unsigned rest = run_len_from(m, a + n);
	unsigned whole = rest == RUN_LONG ? RUN_LONG : a - s + n + rest;
	run_count(m, whole, -1);
	run_count(m, a - s, +1);
	run_count(m, rest, +1);
	run_max_update(m);
	if (s == m->first_free && a == s)
		m->first_free = bits_next(m->used, a + n, false);
}

/* Frees units u .. end-1 (used), merged with the free runs around them. */
static void run_free_units(run_meta_t *m, unsigned u, unsigned end)
{
	unsigned before = run_len_before(m, u);
	unsigned after = run_len_from(m, end);
	bits_assign(m->used, u, end, false);
	run_count(m, before, -1);
	run_count(m, after, -1);
	unsigned merged = before == RUN_LONG || after == RUN_LONG ? RUN_LONG : before + (end - u) + after;
	run_count(m, merged, +1);
	run_max_update(m);
	if (u < m->first_free)
		m->first_free = u;
}

/* The unit of the live block p is in (its start, or p inside it where the
 * page handed out interior pointers); RUN_UNITS, reported, if none. */
static inline unsigned run_block_of(page_t *page, const void *p, const char *func)
{
	run_meta_t *m = run_meta(page);
	unsigned u = run_unit_of(page, p);
	if (likely(((uintptr_t)p & (RUN_UNIT - 1)) == 0 && u >= RUN_META_UNITS && bit_is_set(m->start, u) &&
		   bit_is_set(m->used, u)))
		return u;
	if ((page->flags & PAGE_ALIGNED) && u >= RUN_META_UNITS && bit_is_set(m->used, u)) {
		u = bits_prev_set(m->start, u);
		if (u >= RUN_META_UNITS)
			return u;
	}
	report_bad_pointer(func, p, "double free, or a pointer into memory mallard has not handed out", true);
	return RUN_UNITS;
}

/* ---- the heap's lock on its run pages ---- */

/* The owner's lock: the background thread holds it only for a moment. */
static inline void runs_lock(heap_t *heap)
{
	while (atomic_exchange_explicit(&heap->runs_busy, 1, memory_order_acquire) != 0) {
		while (atomic_load_explicit(&heap->runs_busy, memory_order_relaxed) != 0)
			sched_yield();
	}
}

static inline void runs_unlock(heap_t *heap)
{
	atomic_store_explicit(&heap->runs_busy, 0, memory_order_release);
}

/* ---- bins of pages ---- */

static inline unsigned runs_bin_of(unsigned max_free)
{
	return max_free == 0 ? RUN_BIN_NONE : 31 - (unsigned)__builtin_clz(max_free);
}

static void runs_bin_remove(heap_t *heap, page_t *page, unsigned bin)
{
	if (page->prev)
		page->prev->next = page->next;
	else if ((heap->runs_bins[bin] = page->next) == NULL)
		heap->runs_bin_mask &= ~(1u << bin);
	if (page->next)
		page->next->prev = page->prev;
	page->next = page->prev = NULL;
}

static void runs_bin_push(heap_t *heap, page_t *page, unsigned bin)
{
	page->prev = NULL;
	page->next = heap->runs_bins[bin];
	if (page->next)
		page->next->prev = page;
	heap->runs_bins[bin] = page;
	heap->runs_bin_mask |= 1u << bin;
}

/* Puts the page in the bin its max_free says, if it is not there. */
static void runs_rebin(heap_t *heap, page_t *page)
{
	run_meta_t *m = run_meta(page);
	unsigned bin = runs_bin_of(m->max_free);
	if (bin == m->bin)
		return;
	if (m->bin != RUN_BIN_NONE)
		runs_bin_remove(heap, page, m->bin);
	if (bin != RUN_BIN_NONE)
		runs_bin_push(heap, page, bin);
	m->bin = bin;
}

/* ---- the heap's run pages ---- */

static page_t *runs_page_new(heap_t *heap)
{
	page_t *page = heap_span_alloc(heap, RUN_PAGE_SLICES, NULL);
	if (page == NULL)
		return NULL;
	background_poll(); /* as in heap_page_new */
	/* the span's head page is zero but for slice_count and area */
	run_meta_t *m = (run_meta_t *)page->area;
	page->area += RUN_META_BYTES;
	page->heap = heap;
	page->block_size = RUN_UNIT;
	page->flags = PAGE_RUNS;
	for (unsigned i = 0; i < RUN_WORDS; i++)
		m->used[i] = m->start[i] = m->cached[i] = 0;
	bits_assign(m->used, 0, RUN_META_UNITS, true);
	m->start[0] = 1;
	m->short_mask = 0;
	for (unsigned k = 0; k < 64; k++)
		m->short_count[k] = 0;
	m->long_count = 1; /* the whole page: RUN_UNITS - RUN_META_UNITS >= 64 */
	m->long_max = RUN_UNITS - RUN_META_UNITS;
	m->max_free = m->long_max;
	m->first_free = RUN_META_UNITS;
	m->bin = RUN_BIN_NONE;
	runs_rebin(heap, page);
	return page;
}

static void runs_page_release(heap_t *heap, page_t *page)
{
	run_meta_t *m = run_meta(page);
	runs_bin_remove(heap, page, m->bin);
	page->area -= RUN_META_BYTES;
	page->flags = 0;
	page->block_size = 0;
	segment_span_free(heap, page);
}

/* A page's last live block went: the page goes back to its segment unless
 * it is the only empty one the heap keeps. */
static void runs_page_emptied(heap_t *heap, page_t *page)
{
	if (heap->runs_empty == NULL)
		heap->runs_empty = page;
	else
		runs_page_release(heap, page);
}

static void runs_free_local(heap_t *heap, page_t *page, unsigned u)
{
	run_meta_t *m = run_meta(page);
	unsigned end = run_block_end(m, u);
	m->start[u >> 6] &= ~((uint64_t)1 << (u & 63));
	run_free_units(m, u, end);
	runs_rebin(heap, page);
	page->used--;
	MALLARD_ASSERT(runs_page_is_valid(page));
	if (page->used == 0)
		runs_page_emptied(heap, page);
}

/* The owner's free of the live block p (of a page of its own); under the
 * lock. */
static void runs_release_locked(heap_t *heap, void *p)
{
	page_t *page = page_head_of(segment_of(p), p);
	runs_free_local(heap, page, run_unit_of(page, p));
}

static __attribute__((noinline)) void runs_release_block(heap_t *heap, void *p)
{
	runs_lock(heap);
	runs_release_locked(heap, p);
	runs_unlock(heap);
}

/* Takes the blocks other threads freed into their pages' bitmaps. */
static void runs_collect_remote(heap_t *heap)
{
	page_t *page = atomic_exchange_explicit(&heap->runs_remote, NULL, memory_order_acquire);
	while (page) {
		page_t *next = page->remote_next;
		block_t *b = (block_t *)atomic_exchange_explicit(&page->xthread_free, 0, memory_order_acquire);
		while (b) {
			block_t *bnext = b->next;
			runs_free_local(heap, page, run_unit_of(page, b));
			b = bnext;
		}
		page = next;
	}
}

/* What the heap holds for speed alone goes back: the empty page it kept. */
static void runs_empty_release(heap_t *heap)
{
	if (heap->runs_empty) {
		runs_page_release(heap, heap->runs_empty);
		heap->runs_empty = NULL;
	}
}

/* Blocks of the heap's cache go back to their pages: of each stack, all
 * (`all`) or half, rounded up (the half a program did not need since the
 * last look). Under the lock. */
static void runs_cache_release(heap_t *heap, bool all)
{
	for (unsigned n = 1; n <= RUN_MAX_UNITS && heap->runs_cached_bytes; n++) {
		unsigned count = heap->runs_cached_count[n];
		unsigned drop = all ? count : (count + 1) / 2;
		for (; drop; drop--) {
			block_t *b = heap->runs_cached[n];
			heap->runs_cached[n] = b->next;
			heap->runs_cached_count[n]--;
			heap->runs_cached_bytes -= (size_t)n << RUN_UNIT_SHIFT;
			page_t *page = page_head_of(segment_of(b), b);
			unsigned u = run_unit_of(page, b);
			run_meta(page)->cached[u >> 6] &= ~((uint64_t)1 << (u & 63));
			runs_free_local(heap, page, u);
		}
	}
}

MALLARD_INTERNAL void runs_heap_collect(heap_t *heap)
{
	runs_lock(heap);
	runs_cache_release(heap, true);
	runs_collect_remote(heap);
	runs_empty_release(heap);
	runs_unlock(heap);
}

MALLARD_INTERNAL bool runs_quiet_collect(heap_t *heap, bool quiet)
{
	if (atomic_load_explicit(&heap->runs_remote, memory_order_relaxed) == NULL &&
	    (!quiet || __atomic_load_n(&heap->runs_empty, __ATOMIC_RELAXED) == NULL))
		return false;
	uint32_t idle = 0;
	if (!atomic_compare_exchange_strong_explicit(&heap->runs_busy, &idle, 1, memory_order_acquire,
						     memory_order_relaxed))
		return false;
	runs_collect_remote(heap);
	if (quiet)
		runs_empty_release(heap);
	runs_unlock(heap);
	return true;
}

MALLARD_INTERNAL void runs_sweep(heap_t *heap)
{
	runs_lock(heap);
	page_t *page = heap->runs_empty;
	if (page != NULL && page == heap->runs_empty_seen) {
		runs_empty_release(heap);
		page = NULL;
	}
	heap->runs_empty_seen = page;
	runs_unlock(heap);
}

/* A page with n free units (aligned as run_find says), the first of them
 * and the start of the free run they are in; a new page if none has them. */
static page_t *runs_find_page(heap_t *heap, unsigned n, unsigned align_mask, unsigned *unit, unsigned *run_start)
{
	if (atomic_load_explicit(&heap->runs_remote, memory_order_relaxed))
		runs_collect_remote(heap);
	for (int pass = 0; pass < 2; pass++) {
		unsigned low = runs_bin_of(n);
		uint32_t bins = heap->runs_bin_mask & ~((1u << low) - 1);
		while (bins) {
			unsigned bin = (unsigned)__builtin_ctz(bins);
			bins &= bins - 1;
			page_t *page = heap->runs_bins[bin];
			while (page) {
				page_t *next = page->next;
				run_meta_t *m = run_meta(page);
				if (m->max_free >= n) {
					unsigned u = run_find(m, n, align_mask, run_start);
					if (u != RUN_UNITS) {
						*unit = u;
						return page;
					}
					runs_rebin(heap, page);
				}
				page = next;
			}
		}
		/* before the heap grows, the blocks kept for reuse go back */
		if (heap->runs_cached_bytes == 0)
			break;
		runs_cache_release(heap, true);
	}
	page_t *page = runs_page_new(heap);
	if (page)
		*unit = run_find(run_meta(page), n, align_mask, run_start);
	return page;
}

/* Cache misses between two halvings of the heap's cache: a size the
 * program stopped asking for gives its blocks back within a few of these. */
#define RUNS_CACHE_LOOK_MISSES 64

static void *runs_alloc(heap_t *heap, size_t size, size_t align)
{
	unsigned n = (unsigned)runs_units(size);
	block_t *b = heap->runs_cached[n];
	if (b != NULL && ((uintptr_t)b & (align - 1)) == 0)
		return runs_cache_pop(heap, n);
	runs_lock(heap);
	if (++heap->runs_misses >= RUNS_CACHE_LOOK_MISSES) {
		heap->runs_misses = 0;
		runs_cache_release(heap, false);
	}
	unsigned u, run_start;
	void *p = NULL;
	page_t *page = runs_find_page(heap, n, (unsigned)(align >> RUN_UNIT_SHIFT) - 1, &u, &run_start);
	if (page != NULL) {
		if (page == heap->runs_empty)
			heap->runs_empty = NULL;
		run_meta_t *m = run_meta(page);
		run_take(m, run_start, u, n);
		m->start[u >> 6] |= (uint64_t)1 << (u & 63);
		runs_rebin(heap, page);
		page->used++;
		MALLARD_ASSERT(runs_page_is_valid(page));
		p = run_unit_addr(page, u);
	}
	runs_unlock(heap);
	return p;
}

MALLARD_INTERNAL void *runs_malloc(heap_t *heap, size_t size)
{
	return runs_alloc(heap, size, RUN_UNIT);
}

MALLARD_INTERNAL void *runs_malloc_aligned(size_t size, size_t align)
{
	heap_t *heap = tls_heap;
	if (unlikely(heap == &heap_empty)) {
		heap = heap_init_thread();
		if (heap == NULL)
			return NULL;
	}
	void *p = runs_alloc(heap, size, align > RUN_UNIT ? align : RUN_UNIT);
	if (p == NULL)
		return NULL;
	if (config_stats) {
		unsigned cls = runs_class_of(size);
		heap->counts[cls].mallocs++;
		heap->counts[cls].requested += size;
	}
	return sample_charge(heap, p, size);
}

/* Another thread's free: pushed on the page, and the page on its heap's
 * list of pages to collect when it is the first pending. */
static void runs_free_remote(page_t *page, block_t *block)
{
	uintptr_t head = atomic_load_explicit(&page->xthread_free, memory_order_relaxed);
	do {
		block->next = (block_t *)head;
	} while (!atomic_compare_exchange_weak_explicit(&page->xthread_free, &head, (uintptr_t)block,
							memory_order_release, memory_order_relaxed));
	if (head == 0)
		heap_remote_push(&page->heap->runs_remote, page);
}

/* Whether the heap's cache takes a block of n units: while it holds less
 * than RUNS_CACHE_BYTES with it, or nothing (one block of any length, so
 * that a malloc/free pair of 64 KiB stays off the bitmaps too). */
static inline bool runs_cache_has_room(const heap_t *heap, unsigned n)
{
	return heap->runs_cached_bytes == 0 ||
	       heap->runs_cached_bytes + ((size_t)n << RUN_UNIT_SHIFT) <= RUNS_CACHE_BYTES;
}

/* runs_free's other way out: a pointer that is no block start, a sampled
 * page, another thread's free, a block already in the cache, a cache too
 * full to take it. */
static __attribute__((noinline)) void runs_free_slow(heap_t *heap, page_t *page, void *p)
{
	unsigned u = run_block_of(page, p, "free");
	if (u == RUN_UNITS)
		return;
	run_meta_t *m = run_meta(page);
	block_t *block = (block_t *)run_unit_addr(page, u);
	if (bit_is_set(m->cached, u)) {
		report_bad_pointer("free", p, "double free", true);
		return;
	}
	if (page->flags & PAGE_SAMPLED)
		sample_page_free(heap, page, block);
	if (page->heap != heap) {
		runs_free_remote(page, block);
		return;
	}
	unsigned n = run_block_end(m, u) - u;
	if (runs_cache_has_room(heap, n))
		runs_cache_push(heap, m, u, block, n);
	else
		runs_release_block(heap, block);
}

MALLARD_INTERNAL void runs_free(heap_t *heap, page_t *page, void *p)
{
	run_meta_t *m = run_meta(page);
	unsigned u = run_unit_of(page, p);
	if (unlikely(((uintptr_t)p & (RUN_UNIT - 1)) != 0 || u < RUN_META_UNITS || !bit_is_set(m->start, u) ||
		     !bit_is_set(m->used, u) || bit_is_set(m->cached, u) || page->flags != PAGE_RUNS ||
		     page->heap != heap))
		return runs_free_slow(heap, page, p);
	unsigned n = run_block_end(m, u) - u;
	if (unlikely(!runs_cache_has_room(heap, n)))
		return runs_release_block(heap, p);
	/* kept, still marked used, for the next malloc of its length */
	runs_cache_push(heap, m, u, p, n);
}

MALLARD_INTERNAL size_t runs_usable_from(page_t *page, const void *p, const char *func)
{
	unsigned u = run_block_of(page, p, func);
	if (u == RUN_UNITS)
		return 0;
	uint8_t *end = run_unit_addr(page, run_block_end(run_meta(page), u));
	return (size_t)(end - (const uint8_t *)p);
}

static bool runs_resize_locked(heap_t *heap, page_t *page, void *p, size_t size);

MALLARD_INTERNAL bool runs_resize(heap_t *heap, page_t *page, void *p, size_t size)
{
	if (page->heap != heap || (page->flags & PAGE_ALIGNED) || size > MEDIUM_MAX || size <= RUNS_MIN ||
	    bit_is_set(run_meta(page)->cached, run_unit_of(page, p)))
		return false;
	runs_lock(heap);
	bool done = runs_resize_locked(heap, page, p, size);
	runs_unlock(heap);
	return done;
}

static bool runs_resize_locked(heap_t *heap, page_t *page, void *p, size_t size)
{
	run_meta_t *m = run_meta(page);
	unsigned u = run_block_of(page, p, "realloc");
	if (u == RUN_UNITS)
		return false;
	unsigned end = run_block_end(m, u);
	unsigned want = u + (unsigned)runs_units(size);
	if (want == end)
		return true;
	if (want < end) {
		run_free_units(m, want, end);
		runs_rebin(heap, page);
		return true;
	}
	if (want > RUN_UNITS || bits_next_below(m->used, end, want, true) < want)
		return false;
	run_take(m, end, end, want - end); /* the block's units: no start bit */
	runs_rebin(heap, page);
	return true;
}

MALLARD_INTERNAL size_t runs_inspect_page(const page_t *page, void (*visit)(void *arg, size_t bytes), void *arg)
{
	const run_meta_t *shared = run_meta(page);
	run_meta_t m;
	for (unsigned i = 0; i < RUN_WORDS; i++) {
		m.used[i] = __atomic_load_n(&shared->used[i], __ATOMIC_RELAXED);
		m.start[i] = __atomic_load_n(&shared->start[i], __ATOMIC_RELAXED);
		m.cached[i] = __atomic_load_n(&shared->cached[i], __ATOMIC_RELAXED);
	}
	/* live units: used, and neither the header's nor a cached block's */
	uint64_t live[RUN_WORDS];
	for (unsigned i = 0; i < RUN_WORDS; i++)
		live[i] = m.used[i];
	bits_assign(live, 0, RUN_META_UNITS, false);
	for (unsigned u = bits_next(m.start, RUN_META_UNITS, true); u < RUN_UNITS;) {
		unsigned end = run_block_end(&m, u);
		if (bit_is_set(m.cached, u))
			bits_assign(live, u, end, false);
		else if (bit_is_set(m.used, u))
			visit(arg, (size_t)(end - u) << RUN_UNIT_SHIFT);
		u = bits_next(m.start, u + 1, true);
	}
	/* a slice of the page is active while it holds a live unit, as a
	 * one-slice page is while it holds a live block */
	enum { WORDS_PER_SLICE = (SLICE_SIZE >> RUN_UNIT_SHIFT) / 64 };
	size_t active = 0;
	for (unsigned i = 0; i < RUN_WORDS; i += WORDS_PER_SLICE) {
		uint64_t any = 0;
		for (unsigned k = 0; k < WORDS_PER_SLICE; k++)
			any |= live[i + k];
		if (any)
			active += i == 0 ? SLICE_SIZE - RUN_META_BYTES : SLICE_SIZE;
	}
	return active;
}

#if MALLARD_DEBUG
MALLARD_INTERNAL bool runs_page_is_valid(const page_t *page)
{
	const run_meta_t *m = run_meta(page);
	if (!(page->flags & PAGE_RUNS) || page->block_size != RUN_UNIT)
		return false;
	for (unsigned u = 0; u < RUN_META_UNITS; u++)
		if (!bit_is_set(m->used, u) || bit_is_set(m->start, u) != (u == 0))
			return false;
	unsigned blocks = 0, longest = 0, longest_long = 0, first_free = RUN_UNITS, long_count = 0;
	uint16_t short_count[64] = {0};
	for (unsigned u = RUN_META_UNITS; u < RUN_UNITS;) {
		if (bit_is_set(m->start, u)) {
			if (!bit_is_set(m->used, u))
				return false;
			blocks++;
			u = run_block_end(m, u);
		} else if (bit_is_set(m->used, u)) {
			return false; /* a used unit no block starts before */
		} else {
			unsigned e = bits_next(m->used, u, true);
			if (first_free == RUN_UNITS)
				first_free = u;
			if (e - u > longest)
				longest = e - u;
			if (e - u >= RUN_LONG) {
				long_count++;
				if (e - u > longest_long)
					longest_long = e - u;
			} else {
				short_count[e - u]++;
			}
			u = e;
		}
	}
	if (blocks != page->used || m->first_free > first_free || m->long_count != long_count)
		return false;
	for (unsigned i = 0; i < RUN_WORDS; i++)
		if (m->cached[i] & ~m->start[i])
			return false;
	for (unsigned k = 1; k < 64; k++)
		if (m->short_count[k] != short_count[k] || ((m->short_mask >> k) & 1) != (short_count[k] != 0))
			return false;
	if (long_count ? (m->long_max < longest_long || m->max_free != m->long_max) : m->max_free != longest)
		return false;
	if (m->bin != runs_bin_of(m->max_free))
		return false;
	bool listed = false;
	if (m->bin != RUN_BIN_NONE)
		for (const page_t *p = page->heap->runs_bins[m->bin]; p; p = p->next)
			listed |= p == page;
	return listed == (m->bin != RUN_BIN_NONE);
}
#endif
