/*
 * sizeclass.c - request sizes to size classes.
 *
 * Class 1 is TINY_MAX (8) bytes; classes 2..9 are 16..128 bytes in 16-byte
 * steps; above 128 each power of two (2^b, 2^(b+1)] is cut into 4 classes
 * 2^b * (1 + q/4), q = 1..4, up to MEDIUM_MAX (64 KiB, class 45). Larger
 * requests are large spans or huge mappings (alloc.c).
 *
 * Worst-case rounding waste (tested in tests/unit/test_sizeclass.c):
 *   0 <= size <= 128:  usable - size <= 15 bytes (size 0 gets 8 bytes);
 *   size > 128:        usable < 1.25 * size, i.e. (usable - size) / usable < 20%.
 * Every class size above TINY_MAX is a multiple of 16, so every block of
 * more than 8 bytes is 16-aligned, and a tiny one 8-aligned: C requires
 * of malloc an alignment fit for any object of the size asked (C17, DR
 * 445), and jemalloc, mimalloc and tcmalloc give the same. Half the size
 * of a 16-byte block for the many 1-8 byte strings and nodes of C
 * programs (half of mimalloc-bench alloc-test's blocks).
 */
#include "alloc/internal.h"
#include "alloc/sizeclass.h"

MALLARD_INTERNAL sizeclass_table_t sizeclass_table;

/* Class for 0 <= size <= MEDIUM_MAX; branch-light, no division. */
MALLARD_HOT unsigned sizeclass_of(size_t size)
{
	if (size <= SMALL_STEP_MAX)
		return size <= TINY_MAX ? 1 : 1 + (unsigned)((size + 15) >> 4);
	size_t s = size - 1;
	unsigned b = (unsigned)(8 * sizeof(size_t) - 1) - (unsigned)__builtin_clzl((unsigned long)s);
	unsigned q = (unsigned)(s >> (b - CLASS_STEPS_SHIFT)) & (CLASS_STEPS - 1);
	return CLASS_SMALL_LAST + (b - 7) * CLASS_STEPS + q + 1;
}

static size_t sizeclass_size_of_class(unsigned cls)
{
	if (cls == 1)
		return TINY_MAX;
	if (cls <= CLASS_SMALL_LAST)
		return (size_t)(cls - 1) * 16;
	unsigned b = 7 + (cls - CLASS_SMALL_LAST - 1) / CLASS_STEPS;
	unsigned q = (cls - CLASS_SMALL_LAST - 1) % CLASS_STEPS;
	return ((size_t)1 << b) + (size_t)(q + 1) * ((size_t)1 << (b - CLASS_STEPS_SHIFT));
}

MALLARD_HOT size_t sizeclass_block_size(unsigned cls)
{
	return sizeclass_table.block_size[cls];
}

/* Slices per page: one up to SMALL_PAGE_MAX; above, the smallest span that
 * holds at least 4 blocks with at most 1/8 of it left over (else the span
 * of at most MEDIUM_SPAN_MAX_SLICES slices that wastes least). */
static unsigned sizeclass_pick_slices(size_t bsize)
{
	if (bsize <= SMALL_PAGE_MAX)
		return 1;
	unsigned best = 1;
	size_t best_waste = SIZE_MAX;
	for (unsigned k = 1; k <= MEDIUM_SPAN_MAX_SLICES; k++) {
		size_t span = k * SLICE_SIZE;
		size_t n = span / bsize;
		size_t waste = span - n * bsize;
		if (n >= 4 && waste * 8 <= span)
			return k;
		if (n >= 1 && (best_waste == SIZE_MAX || waste * best < best_waste * k)) { /* compare waste/k */
			best = k;
			best_waste = waste;
		}
	}
	return best;
}

MALLARD_INTERNAL void sizeclass_init(void)
{
	for (unsigned cls = 1; cls <= CLASS_COUNT; cls++) {
		size_t bsize = sizeclass_size_of_class(cls);
		sizeclass_table.block_size[cls] = (uint32_t)bsize;
		sizeclass_table.slices[cls] = (uint8_t)sizeclass_pick_slices(bsize);
		sizeclass_table.direct_lo[cls] = UINT16_MAX;
		sizeclass_table.direct_hi[cls] = 0;
	}
	for (size_t units = 1; units <= MEDIUM_MAX >> RUN_UNIT_SHIFT; units++)
		sizeclass_table.runs[units] = (uint8_t)sizeclass_of(units << RUN_UNIT_SHIFT);
	for (unsigned i = 0; i < DIRECT_COUNT; i++) {
		unsigned cls = sizeclass_of((size_t)i << DIRECT_SHIFT);
		if (i < sizeclass_table.direct_lo[cls])
			sizeclass_table.direct_lo[cls] = (uint16_t)i;
		sizeclass_table.direct_hi[cls] = (uint16_t)i;
	}
}

_Static_assert(DIRECT_COUNT <= UINT16_MAX, "direct indices fit direct_lo/hi");
_Static_assert(CLASS_COUNT <= UINT8_MAX, "classes fit the medium table");
_Static_assert(DIRECT_INDEX(TINY_MAX) == 1 && DIRECT_INDEX(TINY_MAX + 1) == 2,
	       "the tiny class has direct index 1 alone");
