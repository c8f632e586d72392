/*
 * test_segment.c - segments and spans: large blocks are whole-slice spans
 * that avoid slice 0, huge blocks get segments of their own, the segment
 * map knows exactly the live segments, and freed memory is purged and
 * unmapped when due.
 */
#include "tests/unit/unit.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

static int setup(void **state)
{
	(void)state;
	process_ensure_init();
	options.purge_delay_ms = 0;
	options.segment_cache_max = 0;
	return 0;
}

static void test_large_block_is_a_span(void **state)
{
	(void)state;
	size_t size = 3 * SLICE_SIZE + 100;
	uint8_t *p = mallard_malloc(size);
	assert_non_null(p);
	segment_t *seg = segment_of(p);
	page_t *page = unit_page_of(p);
	assert_int_equal(seg->kind, SEGMENT_NORMAL);
	assert_true(page->flags & PAGE_LARGE);
	assert_int_equal(page->slice_count, 4);
	assert_true(page != &seg->pages[0]);
	assert_true(segment_is_valid(seg));
	assert_true(mallard_usable_size(p) >= size);
	/* Interior slices resolve to the head page. */
	assert_ptr_equal(unit_page_of(p + 2 * SLICE_SIZE), page);
	p[size - 1] = 1;
	mallard_free(p);
	assert_true(seg->pages[page - seg->pages].flags & PAGE_FREE);
	assert_true(segment_is_valid(seg));
}

/* A large block grows in place over the free slices after its span, and
 * moves (content kept) when the next slice is taken. */
static void test_large_block_grows_in_place(void **state)
{
	(void)state;
	size_t size = 2 * SLICE_SIZE;
	uint8_t *p = mallard_malloc(size);
	assert_non_null(p);
	memset(p, 0x5a, size);
	segment_t *seg = segment_of(p);
	page_t *page = unit_page_of(p);
	unsigned first = (unsigned)(page - seg->pages);
	if (first + 5 > SLICES_PER_SEGMENT || ((seg->free_mask >> (first + 2)) & 7) != 7) {
		mallard_free(p);
		skip(); /* no room after the span in this segment: nothing to test */
	}
	uint8_t *q = mallard_realloc(p, 4 * SLICE_SIZE + 1);
	assert_ptr_equal(q, p);
	assert_int_equal(page->slice_count, 5);
	assert_true(mallard_usable_size(q) >= 4 * SLICE_SIZE + 1);
	assert_ptr_equal(unit_page_of(q + 4 * SLICE_SIZE), page);
	assert_true(segment_is_valid(seg));
	assert_int_equal(q[size - 1], 0x5a);
	q[4 * SLICE_SIZE] = 1;

	/* A block in the next slice: the next growth must move. */
	uint8_t *b = mallard_malloc(2 * SLICE_SIZE);
	assert_non_null(b);
	if (unit_page_of(b) == page + 5) {
		uint8_t *r = mallard_realloc(q, 6 * SLICE_SIZE);
		assert_non_null(r);
		assert_ptr_not_equal(r, q);
		assert_int_equal(r[size - 1], 0x5a);
		assert_int_equal(r[4 * SLICE_SIZE], 1);
		q = r;
	}
	mallard_free(b);
	mallard_free(q);
	assert_true(segment_is_valid(seg));
}

static void test_huge_block_has_own_segment(void **state)
{
	(void)state;
	size_t size = LARGE_MAX + 12345;
	uint8_t *p = mallard_malloc(size);
	assert_non_null(p);
	segment_t *seg = segment_of(p);
	assert_int_equal(seg->kind, SEGMENT_HUGE);
	assert_true(segmap_contains((uintptr_t)p));
	assert_true(seg->huge_usable >= size);
	p[size - 1] = 7;
	mallard_free(p);
	assert_false(segmap_contains((uintptr_t)p));
}

/* With a purge delay, a freed huge block's mapping is kept (out of the
 * segment map) and reused by the next huge block that fits; calloc clears
 * a reused one; malloc_trim unmaps what is cached. */
static void test_huge_block_is_reused(void **state)
{
	(void)state;
	long delay = options.purge_delay_ms;
	options.purge_delay_ms = 60000;
	size_t size = LARGE_MAX + 12345;
	uint8_t *p = mallard_malloc(size);
	assert_non_null(p);
	memset(p, 0xab, size);
	mallard_free(p);
	assert_false(segmap_contains((uintptr_t)p)); /* a stale pointer is not ours */
	assert_false(mallard_owns(p));
	uint8_t *q = mallard_malloc(size - 1000);
	assert_ptr_equal(q, p);
	assert_true(segmap_contains((uintptr_t)q));
	assert_true(mallard_usable_size(q) >= size - 1000);
	mallard_free(q);
	uint8_t *r = mallard_calloc(1, size);
	assert_ptr_equal(r, p);
	for (size_t i = 0; i < size; i += 4093)
		assert_int_equal(r[i], 0);
	assert_int_equal(r[size - 1], 0);
	mallard_free(r);
	assert_int_equal(mallard_trim(0), 1);
	unsigned char vec;
	errno = 0;
	assert_int_equal(mincore((void *)((uintptr_t)p & ~(uintptr_t)(os_page_size() - 1)), 1, &vec), -1);
	assert_int_equal(errno, ENOMEM); /* unmapped */
	options.purge_delay_ms = delay;
}

static void test_overaligned_huge_block(void **state)
{
	(void)state;
	size_t align = 2 * SEGMENT_SIZE;
	void *p = NULL;
	assert_int_equal(mallard_posix_memalign(&p, align, 1000), 0);
	assert_int_equal((uintptr_t)p % align, 0);
	assert_true(mallard_owns(p));
	assert_true(mallard_usable_size(p) >= 1000);
	mallard_free(p);
	assert_false(mallard_owns(p));
}

static void test_segment_map_knows_only_segments(void **state)
{
	(void)state;
	int on_stack;
	assert_false(segmap_contains((uintptr_t)&on_stack));
	assert_false(segmap_contains(0));
	assert_false(segmap_contains(UINTPTR_MAX));
	void *p = mallard_malloc(100);
	assert_true(segmap_contains((uintptr_t)p));
	mallard_free(p);
}

/* Is the OS page at p resident? */
static bool resident(const void *p)
{
	size_t ps = os_page_size();
	unsigned char vec = 0;
	void *page = (void *)((uintptr_t)p & ~(uintptr_t)(ps - 1));
	if (mincore(page, ps, &vec) != 0)
		return false;
	return vec & 1;
}

/* With purge delay 0 and no segment cache: freed slices are purged (no
 * longer resident) and an emptied segment is unmapped (segment map bit
 * gone) by the next maintenance. */
static void test_free_memory_is_purged_and_unmapped(void **state)
{
	(void)state;
	enum { N = 4096 };
	static uint8_t *ptrs[N];
	for (size_t i = 0; i < N; i++) {
		ptrs[i] = mallard_malloc(4000);
		assert_non_null(ptrs[i]);
		memset(ptrs[i], 0x5a, 4000);
	}
	/* Keep one block alive in the first segment: its segment survives,
	 * the others are released. */
	segment_t *first_seg = segment_of(ptrs[0]);
	uint8_t *last = ptrs[N - 1];
	segment_t *last_seg = segment_of(last);
	assert_true(first_seg != last_seg);
	uint8_t *in_first_seg_other_page = NULL;
	for (size_t i = 1; i < N; i++)
		if (segment_of(ptrs[i]) == first_seg && unit_page_of(ptrs[i]) != unit_page_of(ptrs[0]))
			in_first_seg_other_page = ptrs[i];
	assert_non_null(in_first_seg_other_page);
	assert_true(resident(in_first_seg_other_page));
	for (size_t i = 1; i < N; i++)
		mallard_free(ptrs[i]);

	heap_t *heap = tls_heap;
	heap_collect(heap, false);
	assert_false(segmap_contains((uintptr_t)last));
	assert_true(segmap_contains((uintptr_t)ptrs[0]));
	assert_false(resident(in_first_seg_other_page));
	assert_true(segment_is_valid(first_seg));
	mallard_free(ptrs[0]);
	heap_collect(heap, false);
	assert_false(segmap_contains((uintptr_t)ptrs[0]));
}

/* mallard_trim gives back everything free at once, whatever the delay. */
static void test_trim_releases_now(void **state)
{
	(void)state;
	options.purge_delay_ms = 100000;
	void *p[64];
	for (int i = 0; i < 64; i++)
		p[i] = mallard_malloc(60000);
	segment_t *seg = segment_of(p[63]);
	for (int i = 0; i < 64; i++)
		mallard_free(p[i]);
	assert_true(segmap_contains((uintptr_t)seg));
	assert_int_equal(mallard_trim(0), 1);
	assert_false(segmap_contains((uintptr_t)seg));
	options.purge_delay_ms = 0;
}

/* Aligned mappings of sizes that are no multiple of the alignment (each
 * tried first right below the one before): every one aligned, none
 * overlapping another, all writable. */
static void test_aligned_mappings(void **state)
{
	(void)state;
	enum { N = 8 };
	uint8_t *maps[N];
	size_t sizes[N];
	for (unsigned i = 0; i < N; i++) {
		sizes[i] = SEGMENT_SIZE + (size_t)(i + 1) * 3 * 4096 + (i % 2) * SEGMENT_SIZE;
		void *p = NULL;
		assert_int_equal(os_map_aligned(sizes[i], SEGMENT_SIZE, &p), 0);
		maps[i] = p;
		assert_int_equal((uintptr_t)p & (SEGMENT_SIZE - 1), 0);
		maps[i][0] = (uint8_t)i;
		maps[i][sizes[i] - 1] = (uint8_t)i;
	}
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(maps[i][0], i);
		assert_int_equal(maps[i][sizes[i] - 1], i);
		for (unsigned j = 0; j < i; j++)
			assert_true(maps[i] + sizes[i] <= maps[j] || maps[j] + sizes[j] <= maps[i]);
	}
	for (unsigned i = 0; i < N; i++)
		os_unmap(maps[i], sizes[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_block_is_a_span),
		cmocka_unit_test(test_large_block_grows_in_place),
		cmocka_unit_test(test_huge_block_has_own_segment),
		cmocka_unit_test(test_huge_block_is_reused),
		cmocka_unit_test(test_overaligned_huge_block),
		cmocka_unit_test(test_segment_map_knows_only_segments),
		cmocka_unit_test(test_free_memory_is_purged_and_unmapped),
		cmocka_unit_test(test_trim_releases_now),
		cmocka_unit_test(test_aligned_mappings),
	};
	return cmocka_run_group_tests_name("segment", tests, setup, NULL);
}
