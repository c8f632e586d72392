/*
 * test_realloc.c - realloc and reallocarray keep the content.
 *
 * Contract (glibc semantics):
 *   - realloc keeps min(old, new) bytes, growing and shrinking, inside a
 *     size class and across small (< 1 KiB), medium (10-100 KiB), large
 *     (256 KiB-2 MiB) and huge (8-64 MiB) sizes, in chains
 *     small -> huge -> small;
 *   - the result is usable for the new size (usable size >= it, all
 *     writable), and moving a block leaves its neighbours alone;
 *   - realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL.
 *
 * Every test runs through the process names and the mallard_* twins.
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

/* Byte i of a block filled with seed s: varies within every 256-byte run
 * and from page to page, so a shifted or stale copy does not match. */
static unsigned char pattern(size_t i, unsigned s)
{
	return (unsigned char)(i ^ (i >> 8) ^ (i >> 16) ^ (s * 37u));
}

static void fill(void *p, size_t from, size_t to, unsigned s)
{
	unsigned char *b = p;

	for (size_t i = from; i < to; i++)
		b[i] = pattern(i, s);
}

static void verify(const struct api *api, const void *p, size_t n, unsigned s, size_t old, size_t new)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != pattern(i, s))
			fail_msg("%s: realloc %zu -> %zu: byte %zu is 0x%02x, expected 0x%02x",
				 api->name, old, new, i, b[i], pattern(i, s));
}

/*
 * Walk a block through `sizes`, keeping [0, size) filled with the pattern:
 * after each realloc the common prefix must be intact, then the whole
 * usable size is refilled.
 */
static void realloc_chain(const struct api *api, const size_t *sizes, size_t n, unsigned seed)
{
	size_t cur = sizes[0];
	unsigned char *p = api->malloc_fn(cur);

	assert_non_null(p);
	size_t usable = api->usable_size_fn(p);
	assert_true(usable >= cur);
	fill(p, 0, usable, seed);
	for (size_t i = 1; i < n; i++) {
		size_t next = sizes[i];
		unsigned char *q = api->realloc_fn(p, next);

		if (q == NULL)
			fail_msg("%s: realloc %zu -> %zu returned NULL", api->name, cur, next);
		if (next >= 16 && ((uintptr_t)q & 15) != 0)
			fail_msg("%s: realloc %zu -> %zu returned %p (not 16-aligned)", api->name, cur, next, (void *)q);
		verify(api, q, cur < next ? cur : next, seed, cur, next);
		usable = api->usable_size_fn(q);
		if (usable < next)
			fail_msg("%s: realloc %zu -> %zu: usable size %zu", api->name, cur, next, usable);
		fill(q, 0, usable, seed);
		p = q;
		cur = next;
	}
	api->free_fn(p);
}

#define CHAIN(api, seed, ...) do { \
	const size_t chain_[] = { __VA_ARGS__ }; \
	realloc_chain((api), chain_, sizeof chain_ / sizeof chain_[0], (seed)); \
} while (0)

static void test_small(void **state)
{
	CHAIN(*state, 1, 1, 2, 3, 8, 15, 16, 17, 24, 32, 48, 64, 100, 128, 255, 256, 500, 1000, 1023,
	      700, 300, 129, 64, 33, 16, 9, 1);
}

static void test_medium(void **state)
{
	CHAIN(*state, 2, 10 * KiB, 12 * KiB, 16 * KiB + 1, 30 * KiB, 32 * KiB, 50 * KiB, 64 * KiB + 8,
	      100 * KiB, 70 * KiB, 40 * KiB, 20 * KiB, 10 * KiB);
}

static void test_large(void **state)
{
	CHAIN(*state, 3, 256 * KiB, 300 * KiB, 512 * KiB, 512 * KiB + 1, MiB, 1536 * KiB, 2 * MiB,
	      1800 * KiB, MiB - 1, 400 * KiB, 256 * KiB);
}

static void test_huge(void **state)
{
	CHAIN(*state, 4, 8 * MiB, 9 * MiB + 3, 16 * MiB, 32 * MiB, 64 * MiB, 48 * MiB, 20 * MiB + 1,
	      8 * MiB);
}

static void test_across_classes(void **state)
{
	/* small -> huge -> small, then jumps over several classes at once */
	CHAIN(*state, 5, 1, 100, 1000, 20 * KiB, 90 * KiB, 300 * KiB, 2 * MiB, 10 * MiB, 64 * MiB,
	      3 * MiB, 500 * KiB, 50 * KiB, 900, 10);
	CHAIN(*state, 6, 7, 64 * MiB, 5, 30 * KiB, 12 * MiB, 1000, 700 * KiB, 16, 8 * MiB, 1);
}

/* Grow one byte at a time (string building), then double up to 4 MiB. */
static void test_incremental_growth(void **state)
{
	const struct api *api = *state;
	size_t cur = 1;
	unsigned char *p = api->malloc_fn(cur);

	assert_non_null(p);
	p[0] = pattern(0, 7);
	for (size_t n = 2; n <= 3000; n++) {
		p = api->realloc_fn(p, n);
		assert_non_null(p);
		verify(api, p, n - 1, 7, n - 1, n);
		p[n - 1] = pattern(n - 1, 7);
		cur = n;
	}
	while (cur < 4 * MiB) {
		size_t n = cur + cur / 2 + 1;

		p = api->realloc_fn(p, n);
		assert_non_null(p);
		verify(api, p, cur, 7, cur, n);
		fill(p, cur, n, 7);
		cur = n;
	}
	api->free_fn(p);
}

/* Interleaved blocks: growing one (in place or by moving) and shrinking it
 * must not touch its neighbours. */
static void test_neighbours_untouched(void **state)
{
	const struct api *api = *state;
	size_t sizes[] = { 24, 200, 3000, 40 * KiB, 300 * KiB };

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		enum { N = 16 };
		unsigned char *p[N];
		size_t len[N];

		for (size_t i = 0; i < N; i++) {
			len[i] = sizes[s];
			p[i] = api->malloc_fn(len[i]);
			assert_non_null(p[i]);
			fill(p[i], 0, len[i], (unsigned)(100 + i));
		}
		for (size_t i = 0; i < N; i += 2) {
			size_t grown = len[i] * 3 + 5;

			p[i] = api->realloc_fn(p[i], grown);
			assert_non_null(p[i]);
			verify(api, p[i], len[i], (unsigned)(100 + i), len[i], grown);
			fill(p[i], 0, grown, (unsigned)(100 + i));
			len[i] = grown;
		}
		for (size_t i = 1; i < N; i += 4) {
			size_t shrunk = len[i] / 3 + 1;

			p[i] = api->realloc_fn(p[i], shrunk);
			assert_non_null(p[i]);
			len[i] = shrunk;
		}
		for (size_t i = 0; i < N; i++) {
			verify(api, p[i], len[i], (unsigned)(100 + i), len[i], len[i]);
			api->free_fn(p[i]);
		}
	}
}

/* Shrink in place then grow back: the bytes beyond the small size are not
 * promised, the prefix is. */
static void test_shrink_then_grow(void **state)
{
	const struct api *api = *state;
	size_t big[] = { 1000, 50 * KiB, MiB, 16 * MiB };

	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
		size_t small = big[i] / 10 + 1;
		unsigned char *p = api->malloc_fn(big[i]);

		assert_non_null(p);
		fill(p, 0, big[i], 9);
		p = api->realloc_fn(p, small);
		assert_non_null(p);
		verify(api, p, small, 9, big[i], small);
		p = api->realloc_fn(p, big[i]);
		assert_non_null(p);
		verify(api, p, small, 9, small, big[i]);
		fill(p, 0, big[i], 9);
		/* same size */
		p = api->realloc_fn(p, big[i]);
		assert_non_null(p);
		verify(api, p, big[i], 9, big[i], big[i]);
		api->free_fn(p);
	}
}

static void test_realloc_null_is_malloc(void **state)
{
	const struct api *api = *state;
	size_t sizes[] = { 0, 1, 100, 5000, 100 * KiB, MiB, 10 * MiB };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = api->realloc_fn(NULL, sizes[i]);

		if (p == NULL)
			fail_msg("%s: realloc(NULL, %zu) returned NULL", api->name, sizes[i]);
		size_t usable = api->usable_size_fn(p);
		assert_true(usable >= sizes[i]);
		memset(p, 0x77, usable);
		/* and the block is an ordinary one: it grows and frees */
		p = api->realloc_fn(p, sizes[i] + 100);
		assert_non_null(p);
		api->free_fn(p);
	}
}

/* glibc: realloc(p, 0) frees p and returns NULL. That p was freed shows in
 * mallinfo2: 100 rounds must not leave 100 blocks in use. */
static void test_realloc_zero_frees(void **state)
{
	const struct api *api = *state;
	size_t sizes[] = { 1, 100, 5000, 100 * KiB, MiB, 10 * MiB };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t before = mallinfo2().uordblks;

		for (int round = 0; round < 100; round++) {
			void *p = api->malloc_fn(sizes[i]);

			assert_non_null(p);
			memset(p, 1, sizes[i] < 4096 ? sizes[i] : 4096);
			void *q = api->realloc_fn(p, 0);
			if (q != NULL)
				fail_msg("%s: realloc(p of %zu, 0) returned %p, glibc returns NULL",
					 api->name, sizes[i], q);
		}
		size_t after = mallinfo2().uordblks;
		if (after > before + 10 * sizes[i] + 64 * KiB)
			fail_msg("%s: 100 x realloc(malloc(%zu), 0): in-use bytes went from %zu to %zu",
				 api->name, sizes[i], before, after);
	}
}

static void test_reallocarray(void **state)
{
	const struct api *api = *state;
	unsigned char *p = api->reallocarray_fn(NULL, 10, 10);

	assert_non_null(p);
	assert_true(api->usable_size_fn(p) >= 100);
	fill(p, 0, 100, 11);
	p = api->reallocarray_fn(p, 1000, 10);
	assert_non_null(p);
	assert_true(api->usable_size_fn(p) >= 10000);
	verify(api, p, 100, 11, 100, 10000);
	fill(p, 0, 10000, 11);
	p = api->reallocarray_fn(p, 3, 1 * MiB);
	assert_non_null(p);
	verify(api, p, 10000, 11, 10000, 3 * MiB);
	p = api->reallocarray_fn(p, 5, 5);
	assert_non_null(p);
	verify(api, p, 25, 11, 3 * MiB, 25);
	api->free_fn(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_small),
		BOTH(test_medium),
		BOTH(test_large),
		BOTH(test_huge),
		BOTH(test_across_classes),
		BOTH(test_incremental_growth),
		BOTH(test_neighbours_untouched),
		BOTH(test_shrink_then_grow),
		BOTH(test_realloc_null_is_malloc),
		BOTH(test_realloc_zero_frees),
		BOTH(test_reallocarray),
	};

	return cmocka_run_group_tests_name("realloc", tests, NULL, NULL);
}
