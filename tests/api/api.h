/*
 * api.h - what the API conformance tests (tests/api/test_*.c) share.
 *
 *   KiB, MiB             size units;
 *   struct api           one set of malloc-family entry points, by name;
 *   api_std, api_mallard the process names (malloc, ..., mallard's in a
 *                        program linked with libmallard) and the mallard_*
 *                        twins; BOTH(f) lists test f once with each;
 *   pin_purge_delay()    re-exec with a one-hour MALLARD_PURGE_DELAY_MS.
 *
 * A program that runs no test through both sets defines API_NO_PAIR before
 * including this: it gets neither api_std nor api_mallard nor BOTH, so it
 * references none of those names. test_prefixed must: it links
 * libmallard-prefixed, where the process names stay the C library's.
 *
 * Include it after <cmocka.h> (BOTH expands to struct CMUnitTest entries),
 * with _GNU_SOURCE defined before the first system header.
 */
#ifndef MALLARD_TESTS_API_H
#define MALLARD_TESTS_API_H

#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mallard.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* One set of entry points: the process names or the mallard_* twins. */
struct api {
	const char *name;
	void *(*malloc_fn)(size_t);
	void *(*calloc_fn)(size_t, size_t);
	void *(*realloc_fn)(void *, size_t);
	void *(*reallocarray_fn)(void *, size_t, size_t);
	void (*free_fn)(void *);
	int (*posix_memalign_fn)(void **, size_t, size_t);
	void *(*aligned_alloc_fn)(size_t, size_t);
	void *(*memalign_fn)(size_t, size_t);
	void *(*valloc_fn)(size_t);
	void *(*pvalloc_fn)(size_t);
	size_t (*usable_size_fn)(void *);
};

#ifndef API_NO_PAIR
/* mallard_usable_size takes a const pointer; malloc_usable_size does not. */
static inline size_t mallard_usable_size_nc(void *p)
{
	return mallard_usable_size(p);
}

static const struct api api_std = {
	.name = "process names",
	.malloc_fn = malloc,
	.calloc_fn = calloc,
	.realloc_fn = realloc,
	.reallocarray_fn = reallocarray,
	.free_fn = free,
	.posix_memalign_fn = posix_memalign,
	.aligned_alloc_fn = aligned_alloc,
	.memalign_fn = memalign,
	.valloc_fn = valloc,
	.pvalloc_fn = pvalloc,
	.usable_size_fn = malloc_usable_size,
};

static const struct api api_mallard = {
	.name = "mallard_*",
	.malloc_fn = mallard_malloc,
	.calloc_fn = mallard_calloc,
	.realloc_fn = mallard_realloc,
	.reallocarray_fn = mallard_reallocarray,
	.free_fn = mallard_free,
	.posix_memalign_fn = mallard_posix_memalign,
	.aligned_alloc_fn = mallard_aligned_alloc,
	.memalign_fn = mallard_memalign,
	.valloc_fn = mallard_valloc,
	.pvalloc_fn = mallard_pvalloc,
	.usable_size_fn = mallard_usable_size_nc,
};

/* Each test twice, named after the entry points it goes through. The tests
 * only read *state (as const struct api *): the cast drops const for
 * cmocka's void *initial_state. */
#define BOTH(f) \
	{ .name = #f " (process names)", .test_func = f, .initial_state = (void *)&api_std }, \
	{ .name = #f " (mallard_*)", .test_func = f, .initial_state = (void *)&api_mallard }
#endif /* API_NO_PAIR */

/*
 * Purging is time-based (MALLARD_PURGE_DELAY_MS, read once at start-up): on
 * a slow or loaded machine free pages could be purged before a test's trim
 * runs, leaving it nothing to release. Called first thing in main(), this
 * re-execs the program with a one-hour delay set, so only the trim gives
 * memory back.
 */
#define PURGE_DELAY_FOR_TESTS "3600000"

static inline void pin_purge_delay(char **argv)
{
	const char *delay = getenv("MALLARD_PURGE_DELAY_MS");

	if (delay != NULL && strcmp(delay, PURGE_DELAY_FOR_TESTS) == 0)
		return;
	setenv("MALLARD_PURGE_DELAY_MS", PURGE_DELAY_FOR_TESTS, 1);
	execv("/proc/self/exe", argv);
	perror("re-exec with MALLARD_PURGE_DELAY_MS set"); /* go on without it */
}

#endif /* MALLARD_TESTS_API_H */
