/*
 * test_calloc.c - calloc returns zeroed memory, also when it recycles
 * memory that was dirty when freed.
 *
 * For each size (small, medium, large, huge): fill many blocks with 0xAA,
 * free them, then calloc the same size as many times (count * size split
 * several ways) and check every requested byte is 0. Runs through the
 * process names and the mallard_* twins.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api.h"

static const unsigned char zeros[64 * 1024];

/* Offset of the first non-zero byte of [p, p+n), or n. */
static size_t first_nonzero(const unsigned char *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		size_t chunk = n - off < sizeof zeros ? n - off : sizeof zeros;

		if (memcmp(p + off, zeros, chunk) != 0) {
			while (p[off] == 0)
				off++;
			return off;
		}
		off += chunk;
	}
	return n;
}

/* calloc(count, size) with count * size == bytes, split by `way`. */
static void *calloc_split(const struct api *api, size_t bytes, int way)
{
	switch (way % 3) {
	case 0:
		return api->calloc_fn(1, bytes);
	case 1:
		return api->calloc_fn(bytes, 1);
	default:
		if (bytes % 8 == 0)
			return api->calloc_fn(bytes / 8, 8);
		return api->calloc_fn(1, bytes);
	}
}

static void check_zero(const struct api *api, const unsigned char *p, size_t bytes, const char *how)
{
	if (p == NULL)
		fail_msg("%s: calloc of %zu bytes (%s) returned NULL", api->name, bytes, how);
	size_t off = first_nonzero(p, bytes);
	if (off != bytes)
		fail_msg("%s: calloc of %zu bytes (%s) at %p: byte %zu is 0x%02x",
			 api->name, bytes, how, (const void *)p, off, p[off]);
}

/* Dirty n blocks of `bytes`, free them (in `order`), calloc n again. */
static void dirty_then_calloc(const struct api *api, size_t bytes, size_t n)
{
	void **blocks = calloc(n, sizeof *blocks);

	assert_non_null(blocks);
	for (int order = 0; order < 2; order++) {
		for (size_t i = 0; i < n; i++) {
			blocks[i] = api->malloc_fn(bytes);
			assert_non_null(blocks[i]);
			memset(blocks[i], 0xAA, api->usable_size_fn(blocks[i]));
		}
		for (size_t i = 0; i < n; i++)
			api->free_fn(blocks[order == 0 ? i : n - 1 - i]);
		for (size_t i = 0; i < n; i++) {
			blocks[i] = calloc_split(api, bytes, (int)i);
			check_zero(api, blocks[i], bytes, "after dirty free");
			/* dirty it again for the next round */
			memset(blocks[i], 0xAA, api->usable_size_fn(blocks[i]));
		}
		for (size_t i = 0; i < n; i++)
			api->free_fn(blocks[i]);
	}
	free(blocks);
}

/* About 8 MiB per size, at least 3 and at most 256 blocks. */
static size_t count_for(size_t bytes)
{
	size_t n = 8 * MiB / bytes;

	return n < 3 ? 3 : n > 256 ? 256 : n;
}

static void run_sizes(const struct api *api, const size_t *sizes, size_t nsizes)
{
	for (size_t i = 0; i < nsizes; i++)
		dirty_then_calloc(api, sizes[i], count_for(sizes[i]));
}

#define SIZES(api, ...) do { \
	const size_t sizes_[] = { __VA_ARGS__ }; \
	run_sizes((api), sizes_, sizeof sizes_ / sizeof sizes_[0]); \
} while (0)

static void test_small(void **state)
{
	SIZES(*state, 1, 8, 16, 17, 24, 32, 48, 64, 100, 128, 200, 256, 500, 1000, 1024, 2000, 4000,
	      4096, 8000);
}

static void test_medium(void **state)
{
	SIZES(*state, 10 * KiB, 16 * KiB, 30 * KiB, 64 * KiB, 100 * KiB);
}

static void test_large(void **state)
{
	SIZES(*state, 256 * KiB, 300 * KiB, MiB, 2 * MiB);
}

static void test_huge(void **state)
{
	SIZES(*state, 8 * MiB, 10 * MiB + 8, 40 * MiB);
}

/* Dirty memory of one size recycled for calloc of other sizes (a freed
 * block split or merged): mix sizes in one pass. */
static void test_mixed_sizes(void **state)
{
	const struct api *api = *state;
	size_t sizes[] = { 40, 1000, 24 * KiB, 200 * KiB, 3 * MiB, 9 * MiB };
	enum { NS = sizeof sizes / sizeof sizes[0], PER = 8 };
	void *p[NS * PER];

	for (size_t i = 0; i < NS * PER; i++) {
		p[i] = api->malloc_fn(sizes[i % NS]);
		assert_non_null(p[i]);
		memset(p[i], 0xAA, api->usable_size_fn(p[i]));
	}
	for (size_t i = 0; i < NS * PER; i++)
		api->free_fn(p[i]);
	for (size_t i = 0; i < NS * PER; i++) {
		size_t bytes = sizes[(i + 3) % NS] + i;

		p[i] = api->calloc_fn(1, bytes);
		check_zero(api, p[i], bytes, "mixed sizes");
	}
	for (size_t i = 0; i < NS * PER; i++)
		api->free_fn(p[i]);
}

/* A block shrunk by realloc then freed leaves dirty bytes beyond the new
 * size; calloc must still clear them. */
static void test_after_realloc(void **state)
{
	const struct api *api = *state;
	size_t sizes[] = { 64, 3000, 80 * KiB, 1 * MiB };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		enum { N = 32 };
		void *p[N];

		for (size_t j = 0; j < N; j++) {
			p[j] = api->malloc_fn(sizes[i]);
			assert_non_null(p[j]);
			memset(p[j], 0xAA, sizes[i]);
			p[j] = api->realloc_fn(p[j], sizes[i] / 4);
			assert_non_null(p[j]);
		}
		for (size_t j = 0; j < N; j++)
			api->free_fn(p[j]);
		for (size_t j = 0; j < N; j++) {
			p[j] = api->calloc_fn(sizes[i], 1);
			check_zero(api, p[j], sizes[i], "after realloc shrink");
		}
		for (size_t j = 0; j < N; j++)
			api->free_fn(p[j]);
	}
}

/* One dirty block at a time, freed, then the next size asked for: a
 * freed huge mapping is reused for a request of another size (taken
 * whole, trimmed, or grown in place or moved to a new address, its old
 * pages with it), and a freed large span for a large calloc (cleared by
 * writing, or by purging its pages). Every byte of each must be zero, and
 * the whole usable size writable. The sizes go up and down so each way of
 * reuse comes up. */
static void test_resized_reuse(void **state)
{
	const struct api *api = *state;
	const size_t sizes[] = { 12 * MiB, 9 * MiB, 16 * MiB, 5 * MiB, 24 * MiB, 6 * MiB + 100, 20 * MiB,
				 6 * MiB, 300 * KiB, 1 * MiB, 200 * KiB, 1 * MiB + 4096, 8 * MiB };
	unsigned char *prev = NULL;

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = i % 2 ? api->calloc_fn(1, sizes[i]) : api->malloc_fn(sizes[i]);

		if (i % 2)
			check_zero(api, p, sizes[i], "after a block of another size");
		assert_non_null(p);
		size_t usable = api->usable_size_fn(p);
		assert_true(usable >= sizes[i]);
		memset(p, 0xAA, usable);
		api->free_fn(prev);
		prev = p;
	}
	api->free_fn(prev);

	/* two freed blocks, then one bigger than either (built from the first
	 * and part of the second), then one the size of what is left */
	unsigned char *a = api->malloc_fn(4 * MiB + MiB / 2), *b = api->malloc_fn(3 * MiB + MiB / 2);
	assert_non_null(a);
	assert_non_null(b);
	memset(a, 0xAA, api->usable_size_fn(a));
	memset(b, 0xAA, api->usable_size_fn(b));
	api->free_fn(a);
	api->free_fn(b);
	a = api->calloc_fn(1, 5 * MiB + MiB / 2);
	check_zero(api, a, 5 * MiB + MiB / 2, "built from two freed blocks");
	b = api->calloc_fn(1, 2 * MiB + MiB / 5);
	check_zero(api, b, 2 * MiB + MiB / 5, "what is left of a freed block");
	memset(a, 0xAA, api->usable_size_fn(a));
	memset(b, 0xAA, api->usable_size_fn(b));
	api->free_fn(a);
	api->free_fn(b);
}

/* calloc with a zero count or size returns a freeable block, like malloc(0). */
static void test_zero(void **state)
{
	const struct api *api = *state;
	void *a = api->calloc_fn(0, 10);
	void *b = api->calloc_fn(10, 0);
	void *c = api->calloc_fn(0, 0);

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(b, c);
	assert_ptr_not_equal(a, c);
	api->free_fn(a);
	api->free_fn(b);
	api->free_fn(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_small),
		BOTH(test_medium),
		BOTH(test_large),
		BOTH(test_huge),
		BOTH(test_mixed_sizes),
		BOTH(test_after_realloc),
		BOTH(test_resized_reuse),
		BOTH(test_zero),
	};

	return cmocka_run_group_tests_name("calloc", tests, NULL, NULL);
}
