/*
 * test_sizeclass.c - size classes: every size maps to the smallest class
 * that fits (the direct and medium lookup tables agree), the rounding waste
 * stays within the documented bound, and real allocations get exactly
 * their class's block (aligned ones too, where the class is aligned).
 */
#include "tests/unit/unit.h"

static int setup(void **state)
{
	(void)state;
	process_ensure_init();
	return 0;
}

static void test_classes_increase_and_align(void **state)
{
	(void)state;
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		size_t b = sizeclass_block_size(cls);
		if (cls == 1)
			assert_int_equal(b, TINY_MAX);
		else
			assert_int_equal(b % BLOCK_ALIGN, 0);
		if (cls > 1)
			assert_true(b > sizeclass_block_size(cls - 1));
	}
	assert_int_equal(sizeclass_block_size(CLASS_COUNT), MEDIUM_MAX);
	assert_int_equal(sizeclass_of(MEDIUM_MAX), CLASS_COUNT);
}

/* Every size from 0 to the largest class: smallest fitting class, and the
 * waste bound of sizeclass.c (<= 15 bytes up to 128, usable < 1.25 size
 * above). */
static void test_every_size_maps_to_smallest_fitting_class(void **state)
{
	(void)state;
	double worst = 0;
	for (size_t size = 0; size <= MEDIUM_MAX; size++) {
		unsigned cls = sizeclass_of(size);
		assert_in_range(cls, 1, CLASS_COUNT);
		size_t b = sizeclass_block_size(cls);
		assert_true(b >= size);
		if (cls > 1)
			assert_true(sizeclass_block_size(cls - 1) < size);
		if (size == 0) {
			assert_int_equal(b, TINY_MAX);
		} else if (size <= SMALL_STEP_MAX) {
			assert_true(b - size <= 15);
		} else {
			assert_true(b * 4 < size * 5);
			double waste = (double)(b - size) / (double)b;
			if (waste > worst)
				worst = waste;
		}
	}
	assert_true(worst < 0.20);
	assert_true(worst > 0.19); /* the bound is tight: 129 -> 160 */
}

static void test_direct_table_matches_classes(void **state)
{
	(void)state;
	for (size_t size = 0; size <= DIRECT_MAX; size++) {
		unsigned cls = sizeclass_of(size);
		unsigned idx = (unsigned)DIRECT_INDEX(size);
		assert_true(idx >= sizeclass_table.direct_lo[cls]);
		assert_true(idx <= sizeclass_table.direct_hi[cls]);
	}
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		if (sizeclass_block_size(cls) > DIRECT_MAX)
			assert_true(sizeclass_table.direct_lo[cls] > sizeclass_table.direct_hi[cls]);
	}
}

/* A run block counts in the class of its length, looked up by units: the
 * same class as sizeclass_of for every length. */
static void test_runs_table_matches_classes(void **state)
{
	(void)state;
	for (size_t units = 1; units <= MEDIUM_MAX >> RUN_UNIT_SHIFT; units++)
		assert_int_equal(sizeclass_of_run(units), sizeclass_of(units << RUN_UNIT_SHIFT));
	for (size_t size = RUNS_MIN + 1; size <= MEDIUM_MAX; size++)
		assert_int_equal(runs_class_of(size), sizeclass_of(runs_units(size) << RUN_UNIT_SHIFT));
}

/* Pages: one slice up to SMALL_PAGE_MAX with >= 8 blocks; every span of a
 * class holds at least one block and wastes at most 1/8 when it holds 4. */
static void test_pages_per_class(void **state)
{
	(void)state;
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		size_t b = sizeclass_block_size(cls);
		unsigned k = sizeclass_table.slices[cls];
		assert_in_range(k, 1, MEDIUM_SPAN_MAX_SLICES);
		size_t span = k * SLICE_SIZE;
		if (b <= SMALL_PAGE_MAX) {
			assert_int_equal(k, 1);
			assert_true(SLICE_SIZE / b >= 8);
		}
		assert_true(span / b >= 1);
	}
}

/* Real allocations of every size up to the largest class: usable size is
 * the class's block size, and the block is 16-aligned (8-aligned up to
 * TINY_MAX bytes). */
static void test_allocations_get_their_class(void **state)
{
	(void)state;
	for (size_t size = 0; size <= MEDIUM_MAX; size += (size < 4096 ? 1 : 61)) {
		void *p = mallard_malloc(size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % (size <= TINY_MAX ? TINY_MAX : BLOCK_ALIGN), 0);
		size_t expect = size > RUNS_MIN ? (size + RUN_UNIT - 1) & ~(RUN_UNIT - 1) : sizeclass_block_size(sizeclass_of(size));
		assert_int_equal(mallard_usable_size(p), expect);
		mallard_free(p);
	}
}

/* An aligned request gets a plain block, with no over-allocation: in a
 * run page (runs.h) when its size rounded up to the alignment is above
 * RUNS_MIN and up to MEDIUM_MAX (usable size: the size rounded up to
 * RUN_UNIT), else of the class that serves the rounded size when the
 * alignment divides that class's block size, in every page (slice 0's
 * too: enough blocks to fill several pages), else a span (large), which
 * starts at a slice boundary. No PAGE_ALIGNED flag: its free is a plain
 * free. */
static void test_aligned_blocks_by_class(void **state)
{
	(void)state;
	enum { N = 80 };
	static const size_t cases[][2] = { /* alignment, size */
		{ 64, 100 }, { 256, 256 }, { 256, 700 }, { 4096, 4096 }, { 4096, 10000 },
		{ 4096, 1 }, { 65536, 65536 }, { 65536, 100 }, { 65536, 200000 }, { 128, 384 },
	};
	void *p[N];
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t align = cases[c][0], size = cases[c][1];
		size_t rounded = (size + align - 1) & ~(align - 1);
		bool in_runs = rounded > RUNS_MIN && rounded <= MEDIUM_MAX;
		size_t expect = in_runs ? (size + RUN_UNIT - 1) & ~(RUN_UNIT - 1)
			      : rounded <= MEDIUM_MAX ? sizeclass_block_size(sizeclass_of(rounded)) : rounded;
		if (!in_runs)
			assert_int_equal(expect % align, 0);
		for (int i = 0; i < N; i++) {
			assert_int_equal(mallard_posix_memalign(&p[i], align, size), 0);
			assert_int_equal((uintptr_t)p[i] % align, 0);
			assert_int_equal(unit_page_of(p[i])->flags & PAGE_ALIGNED, 0);
			if (rounded <= MEDIUM_MAX)
				assert_int_equal(mallard_usable_size(p[i]), expect);
			else
				assert_true(mallard_usable_size(p[i]) >= rounded);
		}
		for (int i = 0; i < N; i++)
			mallard_free(p[i]);
	}
	/* slice 0's page starts at SLICE0_AREA_ALIGN, as other pages at a slice */
	segment_t *seg = segment_of(p[0]);
	assert_int_equal((uintptr_t)segment_slice_start(seg, 0) % SLICE0_AREA_ALIGN, 0);
	assert_true(segment_slice_start(seg, 0) >= (uint8_t *)seg + SEGMENT_HEADER_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes_increase_and_align),
		cmocka_unit_test(test_every_size_maps_to_smallest_fitting_class),
		cmocka_unit_test(test_direct_table_matches_classes),
		cmocka_unit_test(test_runs_table_matches_classes),
		cmocka_unit_test(test_pages_per_class),
		cmocka_unit_test(test_allocations_get_their_class),
		cmocka_unit_test(test_aligned_blocks_by_class),
	};
	return cmocka_run_group_tests_name("sizeclass", tests, setup, NULL);
}
