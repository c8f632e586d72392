/*
 * test_align.c - alignment and usable size of every allocating entry point.
 *
 * Contract (glibc semantics):
 *   - malloc(n), n >= 16, is 16-aligned (alignof(max_align_t)); a smaller
 *     block is aligned for any object that fits in it;
 *   - posix_memalign, aligned_alloc, memalign honour every power-of-two
 *     alignment from sizeof(void *) to 16 MiB, whatever the size;
 *   - valloc is page-aligned; pvalloc also rounds the size up to a page and
 *     pvalloc(0) gives a whole page;
 *   - usable size >= the size asked for, all of it writable; 0 for NULL;
 *   - malloc(0) gives distinct non-NULL pointers; free(NULL) does nothing.
 *
 * Every test runs twice: through the process names (malloc, ..., which are
 * mallard's because the program links libmallard) and through the
 * mallard_* twins.
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
#include <unistd.h>

#include <cmocka.h>

#include "api.h"

#define MIN_ALIGN ((size_t)16)

_Static_assert(_Alignof(max_align_t) <= 16, "contract: max_align_t alignment is at most 16");

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	assert_true(ps > 0);
	return (size_t)ps;
}

static int is_aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

/* The alignment malloc owes a block of n bytes: 16 once n >= 16, else the
 * largest power of two <= n (an object of n bytes needs no more). */
static size_t malloc_align_for(size_t n)
{
	size_t a = 1;

	while (a < MIN_ALIGN && a * 2 <= n)
		a *= 2;
	return a;
}

/*
 * Check a live block p asked for with `size` bytes and alignment `align`:
 * non-NULL, aligned, usable size >= size, every usable byte writable.
 * Fills the block with `fill` and returns its usable size.
 */
static size_t check_block(const struct api *api, const char *what, void *p,
			  size_t size, size_t align, unsigned char fill)
{
	size_t usable;

	if (p == NULL)
		fail_msg("%s: %s(size %zu, align %zu) returned NULL", api->name, what, size, align);
	if (!is_aligned(p, align))
		fail_msg("%s: %s(size %zu, align %zu) returned %p", api->name, what, size, align, p);
	usable = api->usable_size_fn(p);
	if (usable < size)
		fail_msg("%s: %s(size %zu, align %zu): usable size %zu", api->name, what, size, align, usable);
	memset(p, fill, usable);
	if (usable > 0) {
		assert_int_equal(((unsigned char *)p)[0], fill);
		assert_int_equal(((unsigned char *)p)[usable - 1], fill);
	}
	return usable;
}

/* Every byte of [p, p+n) equals c. */
static void check_filled(const void *p, size_t n, unsigned char c, const char *what, size_t size)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != c)
			fail_msg("%s (size %zu): byte %zu is 0x%02x, expected 0x%02x: blocks overlap?",
				 what, size, i, b[i], c);
}

/* Sizes 0..4096, all live at once: aligned, usable, writable, disjoint. */
static void test_malloc_every_size(void **state)
{
	const struct api *api = *state;
	enum { N = 4097 };
	void **blocks = calloc(N, sizeof *blocks);
	size_t *usable = calloc(N, sizeof *usable);

	assert_non_null(blocks);
	assert_non_null(usable);
	for (size_t n = 0; n < N; n++) {
		blocks[n] = api->malloc_fn(n);
		usable[n] = check_block(api, "malloc", blocks[n], n, malloc_align_for(n),
					(unsigned char)(n * 7 + 1));
	}
	for (size_t n = 0; n < N; n++)
		check_filled(blocks[n], usable[n], (unsigned char)(n * 7 + 1), "malloc", n);
	for (size_t n = 0; n < N; n++)
		api->free_fn(blocks[n]);
	free(usable);
	free(blocks);
}

/* A spread of sizes up to 64 MiB: 2^k - 1, 2^k, 2^k + 1, 1.5 * 2^k. */
static void test_malloc_spread_to_64mib(void **state)
{
	const struct api *api = *state;

	for (unsigned k = 4; k <= 26; k++) {
		size_t base = (size_t)1 << k;
		size_t sizes[] = { base - 1, base, base + 1, base + base / 2 };

		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			if (sizes[i] > 64 * MiB)
				continue;
			void *p = api->malloc_fn(sizes[i]);

			check_block(api, "malloc", p, sizes[i], MIN_ALIGN, 0x5a);
			api->free_fn(p);
		}
	}
	/* Blocks of several classes live together stay disjoint. */
	{
		size_t sizes[] = { 16, 100, 1000, 5000, 40 * KiB, 300 * KiB, 3 * MiB, 10 * MiB };
		enum { NS = sizeof sizes / sizeof sizes[0] };
		void *p[NS];
		size_t u[NS];

		for (size_t i = 0; i < NS; i++) {
			p[i] = api->malloc_fn(sizes[i]);
			u[i] = check_block(api, "malloc", p[i], sizes[i], MIN_ALIGN, (unsigned char)(0x10 + i));
		}
		for (size_t i = 0; i < NS; i++) {
			check_filled(p[i], u[i], (unsigned char)(0x10 + i), "malloc", sizes[i]);
			api->free_fn(p[i]);
		}
	}
}

/* malloc(0): distinct, non-NULL, freeable. */
static void test_malloc_zero_distinct(void **state)
{
	const struct api *api = *state;
	enum { N = 1000 };
	void *p[N];

	for (size_t i = 0; i < N; i++) {
		p[i] = api->malloc_fn(0);
		assert_non_null(p[i]);
		for (size_t j = 0; j < i; j++)
			if (p[j] == p[i])
				fail_msg("%s: malloc(0) #%zu and #%zu both returned %p", api->name, j, i, p[i]);
	}
	for (size_t i = 0; i < N; i++)
		api->free_fn(p[i]);
}

static void test_free_null_and_usable_null(void **state)
{
	const struct api *api = *state;

	api->free_fn(NULL);
	assert_int_equal(api->usable_size_fn(NULL), 0);
	/* The heap still works after it. */
	void *p = api->malloc_fn(10);
	check_block(api, "malloc", p, 10, 8, 1);
	api->free_fn(NULL);
	api->free_fn(p);
}

/* Usable size is stable for a live block and covers the request exactly
 * as it is reported, for a range of sizes. */
static void test_usable_size(void **state)
{
	const struct api *api = *state;
	size_t sizes[] = { 1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 127, 129, 255, 257, 511, 513,
			   1023, 1025, 2049, 4095, 4097, 8191, 8193, 16383, 16385, 65535, 65537,
			   131071, 131073, 262143, 262145, 524287, 524289, MiB - 1, MiB + 1,
			   4 * MiB - 1, 4 * MiB + 1, 16 * MiB + 1 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		void *p = api->malloc_fn(sizes[i]);
		size_t u = check_block(api, "malloc", p, sizes[i], malloc_align_for(sizes[i]), 0xc3);

		assert_int_equal(api->usable_size_fn(p), u);
		api->free_fn(p);
	}
}

enum align_fn { USE_POSIX_MEMALIGN, USE_ALIGNED_ALLOC, USE_MEMALIGN };
static const char *const align_fn_name[] = { "posix_memalign", "aligned_alloc", "memalign" };

static void *aligned_call(const struct api *api, enum align_fn fn, size_t align, size_t size)
{
	void *p = NULL;
	int rc;

	switch (fn) {
	case USE_POSIX_MEMALIGN:
		rc = api->posix_memalign_fn(&p, align, size);
		if (rc != 0)
			fail_msg("%s: posix_memalign(align %zu, size %zu) returned %d", api->name, align, size, rc);
		return p;
	case USE_ALIGNED_ALLOC:
		return api->aligned_alloc_fn(align, size);
	case USE_MEMALIGN:
		return api->memalign_fn(align, size);
	}
	return NULL;
}

/* Every power of two from sizeof(void *) to 16 MiB, sizes 0, 1, a-1, a,
 * a+1, 100000, 5 MiB. */
static void check_every_alignment(const struct api *api, enum align_fn fn)
{
	for (size_t align = sizeof(void *); align <= 16 * MiB; align *= 2) {
		size_t sizes[] = { 0, 1, align - 1, align, align + 1, 100000, 5 * MiB };

		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			void *p = aligned_call(api, fn, align, sizes[i]);

			check_block(api, align_fn_name[fn], p, sizes[i], align, 0xa5);
			api->free_fn(p);
		}
	}
}

/* Many small aligned blocks live at once: aligned and disjoint. */
static void check_many_aligned(const struct api *api, enum align_fn fn)
{
	enum { N = 64 };
	void *p[N];
	size_t u[N];

	for (size_t align = 32; align <= 8192; align *= 4) {
		size_t sizes[] = { 1, align / 2 + 1, align + 8 };

		for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
			for (size_t i = 0; i < N; i++) {
				p[i] = aligned_call(api, fn, align, sizes[s]);
				u[i] = check_block(api, align_fn_name[fn], p[i], sizes[s], align,
						   (unsigned char)(i + 1));
			}
			for (size_t i = 0; i < N; i++) {
				check_filled(p[i], u[i], (unsigned char)(i + 1), align_fn_name[fn], sizes[s]);
				api->free_fn(p[i]);
			}
		}
	}
}

static void test_posix_memalign(void **state)
{
	check_every_alignment(*state, USE_POSIX_MEMALIGN);
	check_many_aligned(*state, USE_POSIX_MEMALIGN);
}

static void test_aligned_alloc(void **state)
{
	check_every_alignment(*state, USE_ALIGNED_ALLOC);
	check_many_aligned(*state, USE_ALIGNED_ALLOC);
}

static void test_memalign(void **state)
{
	check_every_alignment(*state, USE_MEMALIGN);
	check_many_aligned(*state, USE_MEMALIGN);
}

/* Small powers of two below sizeof(void *) are fine for aligned_alloc and
 * memalign (not for posix_memalign: see test_badinput). */
static void test_small_alignments(void **state)
{
	const struct api *api = *state;

	for (size_t align = 1; align < sizeof(void *); align *= 2) {
		size_t sizes[] = { 0, 1, 3, 100 };

		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			void *p = api->aligned_alloc_fn(align, sizes[i]);

			check_block(api, "aligned_alloc", p, sizes[i], align, 0x11);
			api->free_fn(p);
			p = api->memalign_fn(align, sizes[i]);
			check_block(api, "memalign", p, sizes[i], align, 0x22);
			api->free_fn(p);
		}
	}
}

static void test_valloc(void **state)
{
	const struct api *api = *state;
	size_t ps = page_size();
	size_t sizes[] = { 0, 1, ps - 1, ps, ps + 1, 100000, 5 * MiB };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		void *p = api->valloc_fn(sizes[i]);

		check_block(api, "valloc", p, sizes[i], ps, 0x3c);
		api->free_fn(p);
	}
}

static void test_pvalloc(void **state)
{
	const struct api *api = *state;
	size_t ps = page_size();
	size_t sizes[] = { 0, 1, ps - 1, ps, ps + 1, 100000, 5 * MiB };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t rounded = (sizes[i] + ps - 1) / ps * ps;

		if (rounded == 0)
			rounded = ps; /* pvalloc(0) gives a page */
		void *p = api->pvalloc_fn(sizes[i]);

		check_block(api, "pvalloc", p, rounded, ps, 0x4b);
		api->free_fn(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_malloc_every_size),
		BOTH(test_malloc_spread_to_64mib),
		BOTH(test_malloc_zero_distinct),
		BOTH(test_free_null_and_usable_null),
		BOTH(test_usable_size),
		BOTH(test_posix_memalign),
		BOTH(test_aligned_alloc),
		BOTH(test_memalign),
		BOTH(test_small_alignments),
		BOTH(test_valloc),
		BOTH(test_pvalloc),
	};

	return cmocka_run_group_tests_name("align", tests, NULL, NULL);
}
