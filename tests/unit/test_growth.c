/*
 * test_growth.c - before a heap takes slices it has not got resident, it
 * gives back what it holds only to be fast and reuses that: a kept large
 * span, the empty page a class keeps to allocate from; it unmaps as many
 * bytes of cached huge mappings; and when a span must be cut from fresh
 * slices while freed ones wait out the purge delay (or a block grows in
 * place over fresh ones), it purges as many of those first. And a huge
 * block is cut in place from a bigger cached mapping before anything is
 * mapped afresh; freed huge mappings side by side merge in the cache; a
 * block gathered from several takes those due first; cached mappings
 * whose pages the kernel will not move stay cached, and the block gets
 * fresh memory where the refused move unmapped it; and a cached mapping
 * of several kernel mappings moves piece by piece where the kernel moves
 * only within one.
 *
 * The purge delay is an hour here, so nothing in these tests is given back
 * because it fell due: only the growth rules can do it. Each test starts
 * from a trimmed heap (no dirty slice, no kept span, no cached mapping).
 */
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Whether [lo, hi) lies within one kernel mapping (/proc/self/maps). */
static bool one_kernel_mapping(uintptr_t lo, uintptr_t hi)
{
	static char maps[1 << 20];
	int fd = open("/proc/self/maps", O_RDONLY);
	assert_true(fd >= 0);
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, maps + len, sizeof(maps) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	maps[len] = '\0';
	for (char *line = maps; *line;) {
		char *end;
		uintptr_t start = (uintptr_t)strtoull(line, &end, 16);
		uintptr_t stop = (uintptr_t)strtoull(end + 1, &end, 16);
		if (start <= lo && hi <= stop)
			return true;
		char *next = strchr(line, '\n');
		if (next == NULL)
			break;
		line = next + 1;
	}
	return false;
}

/* The kernel's mremap, or one that refuses a move (MREMAP_FIXED) as Linux
 * before 6.17 refuses one of a range made of several kernel mappings: it
 * unmaps the destination, then fails with EFAULT. With refuse_moves set,
 * every move is refused; with refuse_across set, those of ranges that are
 * not within one kernel mapping. The allocator's sources are part of this
 * program (unit.h), so their calls come here. */
static bool refuse_moves, refuse_across;
static unsigned moves_refused;

void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...)
{
	void *new_address = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_address = va_arg(ap, void *);
		va_end(ap);
		if (refuse_moves ||
		    (refuse_across &&
		     !one_kernel_mapping((uintptr_t)old_address, (uintptr_t)old_address + old_size))) {
			moves_refused++;
			munmap(new_address, new_size);
			errno = EFAULT;
			return MAP_FAILED;
		}
	}
	return (void *)syscall(SYS_mremap, old_address, old_size, new_size, flags, new_address);
}

static int setup(void **state)
{
	(void)state;
	process_ensure_init();
	options.purge_delay_ms = 3600000;
	assert_false(background_running());
	unit_background_off();
	return 0;
}

/* A trimmed heap whose sweeps are not due for the rest of the test: what
 * goes back, goes back by the growth rules. */
static int trim(void **state)
{
	(void)state;
	mallard_free(mallard_malloc(16)); /* the thread has a heap */
	mallard_trim(0);
	tls_heap->sweep_at_ms = UINT64_MAX;
	tls_heap->kept_sweep_at_ms = UINT64_MAX;
	return 0;
}

static bool within(const void *p, const void *lo, size_t len)
{
	return (const uint8_t *)p >= (const uint8_t *)lo && (const uint8_t *)p < (const uint8_t *)lo + len;
}

/* Small blocks of a class no test has used yet, until one lands in
 * [lo, lo+len) or `max` were allocated; all are freed again. Returns
 * whether one landed there. */
static bool small_blocks_reach(size_t size, const void *lo, size_t len, unsigned max)
{
	void **blocks = calloc(max, sizeof *blocks); /* glibc's: the unit build does not override */
	assert_non_null(blocks);
	bool reached = false;
	unsigned n = 0;
	while (n < max && !reached) {
		blocks[n] = mallard_malloc(size);
		assert_non_null(blocks[n]);
		reached = within(blocks[n], lo, len);
		n++;
	}
	while (n > 0)
		mallard_free(blocks[--n]);
	free(blocks);
	return reached;
}

/* A large block freed by its owner is kept for the next large malloc; a
 * heap that needs a new small page and has no resident free slice takes
 * the kept span's slices instead of fresh ones. */
static void test_kept_large_span_reused_before_growth(void **state)
{
	(void)state;
	size_t size = 4 * SLICE_SIZE;
	void *big = mallard_malloc(size);
	assert_non_null(big);
	memset(big, 1, size);
	mallard_free(big);
	bool kept = false;
	for (unsigned i = 0; i < HEAP_LARGE_KEPT; i++)
		kept |= atomic_load(&tls_heap->large_kept[i]) == unit_page_of(big);
	assert_true(kept);
	/* 3 KiB blocks (run pages): 4 MiB of them is far more than the free
	 * slices left in the heap's segments after a trim */
	assert_true(small_blocks_reach(3072, big, size, 64 * 21));
}

/* The empty page a class keeps to allocate from is given back, and its
 * slice reused, when another class needs a page and nothing resident is
 * free. */
static void test_empty_class_page_reused_before_growth(void **state)
{
	(void)state;
	void *a = mallard_malloc(448);
	assert_non_null(a);
	page_t *page = unit_page_of(a);
	mallard_free(a);
	/* kept: its class's page, empty */
	assert_ptr_equal(tls_heap->queues[page->class_index].first, page);
	assert_int_equal(page->used, 0);
	/* 320-byte blocks: 204 to a page */
	assert_true(small_blocks_reach(320, page->area, segment_span_bytes(page), 64 * 205));
}

/* A freed huge block waits in the cache; a heap that grows its slices
 * unmaps it first. */
static void test_huge_cache_shed_before_growth(void **state)
{
	(void)state;
	size_t size = LARGE_MAX + SLICE_SIZE;
	void *huge = mallard_malloc(size);
	assert_non_null(huge);
	memset(huge, 1, size);
	mallard_free(huge);
	assert_int_equal(atomic_load(&huge_cache_count), 1);
	void *small = mallard_malloc(1536);
	assert_non_null(small);
	/* 1.5 KiB blocks (run pages): 4 MiB of them needs fresh slices */
	(void)small_blocks_reach(1536, NULL, 0, 64 * 42);
	assert_int_equal(atomic_load(&huge_cache_count), 0);
	mallard_free(small);
}

/* A huge block of `size` bytes, written whole and freed: where it was
 * (its mapping now the one in the cache). */
static uint8_t *huge_freed(size_t size)
{
	uint8_t *block = mallard_malloc(size);
	assert_non_null(block);
	memset(block, 1, size);
	mallard_free(block);
	assert_int_equal(atomic_load(&huge_cache_count), 1);
	return block;
}

/* A freed huge mapping much bigger than the next huge block is cut in
 * place: the block starts where the freed one did, and the rest, from the
 * next segment boundary, waits in the cache as a mapping of its own, which
 * the next block that fits takes whole (calloc clears what it held). */
static void test_huge_cut_in_place(void **state)
{
	(void)state;
	size_t seg = SEGMENT_SIZE;
	uint8_t *a = huge_freed(3 * seg + seg / 2);

	/* needs 2 segments: too small to take a whole, big enough to cut */
	uint8_t *b = mallard_malloc(seg + seg * 7 / 8);
	assert_ptr_equal(b, a);
	assert_int_equal(atomic_load(&huge_cache_count), 1);
	assert_int_equal(mallard_usable_size(b), 2 * seg - ((uintptr_t)b & SEGMENT_MASK));

	size_t c_size = seg + seg / 5;
	uint8_t *c = mallard_calloc(1, c_size);
	assert_ptr_equal(c, b + 2 * seg);
	assert_int_equal(atomic_load(&huge_cache_count), 0);
	for (size_t i = 0; i < c_size; i += 4096)
		assert_int_equal(c[i], 0);
	assert_int_equal(c[c_size - 1], 0);
	memset(b, 2, seg + seg * 7 / 8);
	assert_int_equal(c[0], 0); /* the two blocks do not overlap */
	mallard_free(b);
	mallard_free(c);
}

/* The cached huge mapping that starts at `base`, or NULL. */
static segment_t *huge_cached_at(const void *base)
{
	segment_t *found = NULL;
	pthread_mutex_lock(&huge_cache_lock);
	for (unsigned i = 0; i < HUGE_CACHE_SLOTS; i++)
		if (huge_cache[i].seg == base)
			found = huge_cache[i].seg;
	pthread_mutex_unlock(&huge_cache_lock);
	return found;
}

/* A huge block cut from a cached mapping, freed, merges with the rest of
 * that mapping again: one mapping in the cache, the size it had, which a
 * block of the first size then takes whole. */
static void test_huge_freed_neighbours_merge(void **state)
{
	(void)state;
	size_t seg = SEGMENT_SIZE;
	size_t a_size = 3 * seg + seg / 2;
	uint8_t *a = huge_freed(a_size);
	segment_t *mapping = segment_of(a);
	size_t map_size = mapping->map_size;

	uint8_t *b = mallard_malloc(seg + seg * 7 / 8); /* cut in place, as above */
	assert_ptr_equal(b, a);
	assert_int_equal(atomic_load(&huge_cache_count), 1);
	mallard_free(b);
	assert_int_equal(atomic_load(&huge_cache_count), 1);
	segment_t *merged = huge_cached_at(mapping);
	assert_non_null(merged);
	assert_int_equal(merged->map_size, map_size);

	uint8_t *c = mallard_malloc(a_size);
	assert_ptr_equal(c, a);
	assert_int_equal(atomic_load(&huge_cache_count), 0);
	mallard_free(c);
}

/* Two huge blocks of `size` bytes, the lower one's mapping ending short
 * of the segment where the upper one's starts. False, both freed, where
 * the kernel did not place the second block right below the first (the
 * 64-bit placement does). */
static bool huge_two_with_gap(size_t size, uint8_t **upper, uint8_t **lower)
{
	*upper = mallard_malloc(size);
	*lower = mallard_malloc(size);
	assert_non_null(*upper);
	assert_non_null(*lower);
	segment_t *hi = segment_of(*upper), *lo = segment_of(*lower);
	uintptr_t lo_end = (uintptr_t)lo + lo->map_size;
	if (((lo_end + SEGMENT_MASK) & ~(uintptr_t)SEGMENT_MASK) == (uintptr_t)hi && lo_end != (uintptr_t)hi)
		return true;
	mallard_free(*lower);
	mallard_free(*upper);
	return false;
}

/* Two freed huge mappings, the lower ending short of the segment where the
 * upper starts, merge over the gap: the lower one grows into it, and one
 * block spans all three, written end to end. Nothing to test where the
 * kernel placed them otherwise. */
static void test_huge_freed_neighbours_merge_over_gap(void **state)
{
	(void)state;
	size_t size = SEGMENT_SIZE + SEGMENT_SIZE / 4;
	uint8_t *upper, *lower;
	if (!huge_two_with_gap(size, &upper, &lower))
		skip();
	segment_t *hi = segment_of(upper), *lo = segment_of(lower);
	size_t total = (size_t)((uintptr_t)hi - (uintptr_t)lo) + hi->map_size;
	mallard_free(upper);
	mallard_free(lower);
	assert_int_equal(atomic_load(&huge_cache_count), 1);
	segment_t *merged = huge_cached_at(lo);
	assert_non_null(merged);
	assert_int_equal(merged->map_size, total);

	size_t want = total - (size_t)(lower - (uint8_t *)lo);
	uint8_t *whole = mallard_malloc(want);
	assert_ptr_equal(whole, lower);
	assert_int_equal(atomic_load(&huge_cache_count), 0);
	memset(whole, 3, want); /* the gap is mapped */
	assert_int_equal(whole[want - 1], 3);
	mallard_free(whole);
}

/* Two huge blocks of a_size and b_size bytes, filled with a_fill and
 * b_fill and freed, with live blocks of a segment beside them (spacers[0]
 * and [1]) so that they do not merge in the cache. False, the spacers
 * freed, where the kernel placed them side by side all the same. */
static bool huge_two_cached_apart(size_t a_size, int a_fill, size_t b_size, int b_fill, uint8_t *spacers[2])
{
	uint8_t *a = mallard_malloc(a_size);
	spacers[0] = mallard_malloc(SEGMENT_SIZE);
	uint8_t *b = mallard_malloc(b_size);
	spacers[1] = mallard_malloc(SEGMENT_SIZE);
	assert_non_null(a);
	assert_non_null(spacers[0]);
	assert_non_null(b);
	assert_non_null(spacers[1]);
	memset(a, a_fill, a_size);
	memset(b, b_fill, b_size);
	mallard_free(a);
	mallard_free(b);
	if (atomic_load(&huge_cache_count) == 2)
		return true;
	mallard_free(spacers[0]);
	mallard_free(spacers[1]);
	return false;
}

/* A huge block gathered from cached mappings whose pages the kernel will
 * not move is fresh memory, and the mappings stay in the cache as they
 * were (they are not lost, and not half moved). */
static void test_huge_gather_move_refused(void **state)
{
	(void)state;
	size_t seg = SEGMENT_SIZE;
	size_t part = seg + seg / 5;
	uint8_t *spacers[2];
	if (!huge_two_cached_apart(part, 1, part, 1, spacers))
		skip();

	/* bigger than either, and than both taken whole: gathered */
	size_t need = 2 * seg;
	refuse_moves = true;
	uint8_t *g = mallard_malloc(need);
	refuse_moves = false;
	assert_non_null(g);
	assert_int_equal(atomic_load(&huge_cache_count), 2);
	for (size_t i = 0; i < need; i += 4096)
		assert_int_equal(g[i], 0); /* fresh: nothing moved in */
	memset(g, 2, need);
	mallard_free(g);
	mallard_free(spacers[0]);
	mallard_free(spacers[1]);
}

/* A huge block gathered from several cached mappings takes the one due
 * first (freed first) before a bigger one: its pages are the next the
 * cache would unmap. The block's front holds what that one held. */
static void test_huge_gather_takes_due_first(void **state)
{
	(void)state;
	size_t seg = SEGMENT_SIZE;
	size_t first_size = seg + seg / 5, big_size = seg + seg * 3 / 5;
	uint8_t *spacers[2];
	if (!huge_two_cached_apart(first_size, 'f', big_size, 'b', spacers))
		skip();

	/* bigger than either, too small to cut the bigger one: gathered */
	size_t need = 2 * seg + seg / 5;
	uint8_t *g = mallard_malloc(need);
	assert_non_null(g);
	assert_int_equal(g[0], 'f');
	assert_int_equal(g[first_size - 1], 'f');
	mallard_free(g);
	mallard_free(spacers[0]);
	mallard_free(spacers[1]);
}

/* A cached mapping made of two kernel mappings (two freed neighbours
 * merged over a gap) gathered into a bigger block, under a kernel that
 * refuses to move a range across its mappings: the move goes piece by
 * piece, and the block holds what both held, where they held it, then
 * fresh zeroed memory. Nothing to test where the kernel placed them
 * otherwise, or joined the two mappings. */
static void test_huge_gather_moves_piece_by_piece(void **state)
{
	(void)state;
	size_t size = SEGMENT_SIZE + SEGMENT_SIZE / 4;
	uint8_t *upper, *lower;
	if (!huge_two_with_gap(size, &upper, &lower))
		skip();
	segment_t *hi = segment_of(upper), *lo = segment_of(lower);
	memset(lower, 'l', size);
	memset(upper, 'u', size);
	size_t total = (size_t)((uintptr_t)hi - (uintptr_t)lo) + hi->map_size;
	mallard_free(upper);
	mallard_free(lower);
	segment_t *merged = huge_cached_at(lo);
	assert_non_null(merged);
	assert_int_equal(merged->map_size, total);
	assert_int_equal(merged->huge_pieces.count, 2);
	if (one_kernel_mapping((uintptr_t)lo, (uintptr_t)lo + total))
		skip();

	/* bigger than the merged mapping: gathered, its pages moved to the
	 * front of a fresh range */
	size_t need = total + SEGMENT_SIZE / 2;
	refuse_across = true;
	moves_refused = 0;
	uint8_t *g = mallard_malloc(need);
	refuse_across = false;
	assert_non_null(g);
	/* the whole refused, then its pieces one by one; the next move of
	 * several pieces goes piece by piece at once */
	assert_in_range(moves_refused, 0, 1);
	assert_true(atomic_load(&pieces_moved_singly));
	assert_int_equal(atomic_load(&huge_cache_count), 0);
	segment_t *seg = segment_of(g);
	assert_int_equal(seg->huge_pieces.count, 3); /* the two moved, and fresh memory */
	assert_int_equal(g[0], 'l');
	assert_int_equal(g[size - 1], 'l');
	size_t upper_at = (size_t)(upper - lower);
	assert_int_equal(g[upper_at], 'u');
	assert_int_equal(g[upper_at + size - 1], 'u');
	size_t fresh_at = total - (size_t)(lower - (uint8_t *)lo);
	for (size_t i = fresh_at; i < need; i += 4096)
		assert_int_equal(g[i], 0);
	memset(g, 2, need);
	mallard_free(g);
}

enum { SEGS_MAX = 16 };

/* `n` large blocks of two slices each, written whole. */
static void two_slice_blocks(void **blocks, unsigned n)
{
	size_t two = 2 * SLICE_SIZE - 256;
	for (unsigned i = 0; i < n; i++) {
		blocks[i] = mallard_malloc(two);
		assert_non_null(blocks[i]);
		memset(blocks[i], 1, two);
	}
}

/* Frees blocks[first], blocks[first + 2], ... below n. */
static void free_every_other(void **blocks, unsigned n, unsigned first)
{
	for (unsigned i = first; i < n; i += 2)
		mallard_free(blocks[i]);
}

/* The heap's dirty slices at one moment, per segment, so that a test can
 * count later which of them were purged since. */
typedef struct {
	unsigned n;
	segment_t *seg[SEGS_MAX];
	uint64_t dirty[SEGS_MAX];
} dirty_seen_t;

/* Records them; returns how many slices are dirty. */
static unsigned dirty_see(dirty_seen_t *d)
{
	unsigned slices = 0;
	d->n = 0;
	for (segment_t *seg = tls_heap->segments; seg && d->n < SEGS_MAX; seg = seg->next, d->n++) {
		d->seg[d->n] = seg;
		d->dirty[d->n] = seg->dirty_mask;
		slices += (unsigned)__builtin_popcountll(seg->dirty_mask);
	}
	return slices;
}

/* Slices dirty then and purged (known to read as zero) now. */
static unsigned dirty_purged_since(const dirty_seen_t *d)
{
	unsigned purged = 0;
	for (unsigned i = 0; i < d->n; i++) {
		assert_true(segment_is_valid(d->seg[i]));
		purged += (unsigned)__builtin_popcountll(d->dirty[i] & d->seg[i]->zero_mask);
	}
	return purged;
}

/* Freed 2-slice spans between live ones cannot hold a 5-slice block:
 * cutting it from fresh slices purges as many of the freed ones first. */
static void test_growth_purges_dirty_slices(void **state)
{
	(void)state;
	enum { SPANS = 12 };
	void *spans[SPANS];
	dirty_seen_t seen;
	two_slice_blocks(spans, SPANS);
	free_every_other(spans, SPANS, 0);
	heap_large_kept_release(tls_heap); /* the kept ones too: all six dirty */
	assert_true(dirty_see(&seen) >= SPANS);
	void *five = mallard_malloc(5 * SLICE_SIZE - 256);
	assert_non_null(five);
	assert_true(dirty_purged_since(&seen) >= 1);
	mallard_free(five);
	free_every_other(spans, SPANS, 1);
}

/* A large block grown in place (realloc) over fresh slices purges as many
 * of the freed ones, as a new span would. */
static void test_growth_in_place_purges_dirty_slices(void **state)
{
	(void)state;
	enum { SPANS = 8 };
	void *spans[SPANS];
	dirty_seen_t seen;
	two_slice_blocks(spans, SPANS);
	uint8_t *q = mallard_malloc(2 * SLICE_SIZE - 256); /* after them: fresh slices follow */
	assert_non_null(q);
	segment_t *qseg = segment_of(q);
	unsigned first = (unsigned)(unit_page_of(q) - qseg->pages);
	if (first + 4 > SLICES_PER_SEGMENT || ((qseg->free_mask >> (first + 2)) & 3) != 3 ||
	    ((qseg->dirty_mask >> (first + 2)) & 3) != 0) {
		free_every_other(spans, SPANS, 0);
		free_every_other(spans, SPANS, 1);
		mallard_free(q);
		skip(); /* no fresh slices after it in this segment: nothing to test */
	}
	free_every_other(spans, SPANS, 0);
	heap_large_kept_release(tls_heap);
	assert_true(dirty_see(&seen) >= SPANS);
	uint8_t *r = mallard_realloc(q, 4 * SLICE_SIZE - 256);
	assert_ptr_equal(r, q);
	assert_true(dirty_purged_since(&seen) >= 1);
	mallard_free(r);
	free_every_other(spans, SPANS, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_kept_large_span_reused_before_growth, trim),
		cmocka_unit_test_setup(test_empty_class_page_reused_before_growth, trim),
		cmocka_unit_test_setup(test_huge_cache_shed_before_growth, trim),
		cmocka_unit_test_setup(test_huge_cut_in_place, trim),
		cmocka_unit_test_setup(test_huge_freed_neighbours_merge, trim),
		cmocka_unit_test_setup(test_huge_freed_neighbours_merge_over_gap, trim),
		cmocka_unit_test_setup(test_huge_gather_move_refused, trim),
		cmocka_unit_test_setup(test_huge_gather_takes_due_first, trim),
		cmocka_unit_test_setup(test_huge_gather_moves_piece_by_piece, trim),
		cmocka_unit_test_setup(test_growth_purges_dirty_slices, trim),
		cmocka_unit_test_setup(test_growth_in_place_purges_dirty_slices, trim),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
