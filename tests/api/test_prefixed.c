/*
 * test_prefixed.c - libmallard-prefixed beside the C library's malloc.
 *
 * This program links libmallard-prefixed (never libmallard): the mallard_*
 * functions work on mallard's heap, malloc stays glibc's, and each block
 * goes back through its own free.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
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

/* Linked with libmallard-prefixed: the process names are the C library's,
 * so no api_std / api_mallard pair here. */
#define API_NO_PAIR
#include "api.h"

/* malloc is the C library's: the name the program sees is libc.so.6's,
 * and the prefixed library does not define it (nor __libc_malloc). */
static void test_malloc_is_glibc(void **state)
{
	(void)state;
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	Dl_info info;

	assert_non_null(libc);
	void *glibc_malloc = dlsym(libc, "malloc");
	void *glibc_libc_malloc = dlsym(libc, "__libc_malloc");
	assert_non_null(glibc_malloc);
	assert_ptr_equal(dlsym(RTLD_DEFAULT, "malloc"), glibc_malloc);
	assert_ptr_equal(dlsym(RTLD_DEFAULT, "free"), dlsym(libc, "free"));

	/* Look up from the library itself: what it does not define comes
	 * from its dependency, libc. */
	assert_int_not_equal(dladdr((void *)mallard_malloc, &info), 0);
	assert_non_null(info.dli_fname);
	void *lib = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(lib);
	assert_ptr_equal(dlsym(lib, "malloc"), glibc_malloc);
	assert_ptr_equal(dlsym(lib, "__libc_malloc"), glibc_libc_malloc);
	assert_ptr_equal(dlsym(lib, "mallard_malloc"), (void *)mallard_malloc);
	dlclose(lib);
	dlclose(libc);
}

static void test_owns(void **state)
{
	(void)state;
	void *mine = mallard_malloc(100);
	void *theirs = malloc(100);
	int local;

	assert_non_null(mine);
	assert_non_null(theirs);
	assert_int_equal(mallard_owns(mine), 1);
	assert_int_equal(mallard_owns(theirs), 0);
	assert_int_equal(mallard_owns(NULL), 0);
	assert_int_equal(mallard_owns(&local), 0);
	memset(mine, 1, 100);
	memset(theirs, 2, 100);
	mallard_free(mine);
	free(theirs);

	char *dup = strdup("glibc's");
	assert_non_null(dup);
	assert_int_equal(mallard_owns(dup), 0);
	free(dup);
}

/* Many blocks of both heaps, interleaved, freed crosswise in time. */
static void test_two_heaps_interleaved(void **state)
{
	(void)state;
	enum { N = 2000 };
	void *mine[N], *theirs[N];

	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i % 97) * 13 + 1;

		mine[i] = mallard_malloc(n);
		theirs[i] = malloc(n);
		assert_non_null(mine[i]);
		assert_non_null(theirs[i]);
		memset(mine[i], 0x11, n);
		memset(theirs[i], 0x22, n);
		assert_int_equal(mallard_owns(mine[i]), 1);
		assert_int_equal(mallard_owns(theirs[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i % 97) * 13 + 1;

		assert_int_equal(((unsigned char *)mine[i])[0], 0x11);
		assert_int_equal(((unsigned char *)mine[i])[n - 1], 0x11);
		assert_int_equal(((unsigned char *)theirs[i])[0], 0x22);
		assert_int_equal(((unsigned char *)theirs[i])[n - 1], 0x22);
	}
	for (int i = 0; i < N; i++) {
		mallard_free(mine[i]);
		free(theirs[N - 1 - i]);
	}
}

static void test_calloc_realloc(void **state)
{
	(void)state;
	unsigned char *p = mallard_calloc(1000, 3);

	assert_non_null(p);
	assert_int_equal(mallard_owns(p), 1);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(p[i], 0);
	for (int i = 0; i < 3000; i++)
		p[i] = (unsigned char)i;
	p = mallard_realloc(p, 5 * MiB);
	assert_non_null(p);
	assert_int_equal(mallard_owns(p), 1);
	assert_true(mallard_usable_size(p) >= 5 * MiB);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(p[i], (unsigned char)i);
	p = mallard_realloc(p, 10);
	assert_non_null(p);
	for (int i = 0; i < 10; i++)
		assert_int_equal(p[i], (unsigned char)i);
	p = mallard_reallocarray(p, 100, 100);
	assert_non_null(p);
	assert_int_equal(mallard_owns(p), 1);
	for (int i = 0; i < 10; i++)
		assert_int_equal(p[i], (unsigned char)i);
	mallard_free(p);

	p = mallard_realloc(NULL, 50);
	assert_non_null(p);
	assert_int_equal(mallard_owns(p), 1);
	assert_null(mallard_realloc(p, 0));
	mallard_free(NULL);
	assert_int_equal(mallard_usable_size(NULL), 0);
}

static void test_aligned(void **state)
{
	(void)state;
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	void *p = NULL;

	assert_int_equal(mallard_posix_memalign(&p, 4096, 100), 0);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p & 4095, 0);
	assert_int_equal(mallard_owns(p), 1);
	mallard_free(p);

	assert_int_equal(mallard_posix_memalign(&p, 3, 100), EINVAL);

	p = mallard_aligned_alloc(256, 1000);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p & 255, 0);
	assert_int_equal(mallard_owns(p), 1);
	mallard_free(p);

	p = mallard_memalign(MiB, 10);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p & (MiB - 1), 0);
	assert_int_equal(mallard_owns(p), 1);
	mallard_free(p);

	p = mallard_valloc(10);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p & (ps - 1), 0);
	assert_int_equal(mallard_owns(p), 1);
	mallard_free(p);

	p = mallard_pvalloc(10);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p & (ps - 1), 0);
	assert_true(mallard_usable_size(p) >= ps);
	assert_int_equal(mallard_owns(p), 1);
	mallard_free(p);
}

static void test_errors(void **state)
{
	/* volatile: the compiler must not see the sizes (it would warn) */
	volatile size_t too_big = SIZE_MAX, half = SIZE_MAX / 2 + 1;

	(void)state;
	errno = 0;
	assert_null(mallard_malloc(too_big));
	assert_int_equal(errno, ENOMEM);
	errno = 0;
	assert_null(mallard_calloc(half, 4));
	assert_int_equal(errno, ENOMEM);
}

static void test_trim_and_version(void **state)
{
	(void)state;
	enum { N = 4096 };
	void *p[N];
	char want[32];

	for (int i = 0; i < N; i++) {
		p[i] = mallard_malloc(1024);
		assert_non_null(p[i]);
		memset(p[i], 3, 1024);
	}
	for (int i = 0; i < N; i++)
		mallard_free(p[i]);
	assert_int_equal(mallard_trim(0), 1);

	snprintf(want, sizeof want, "%d.%d.%d", MALLARD_VERSION_MAJOR, MALLARD_VERSION_MINOR,
		 MALLARD_VERSION_PATCH);
	assert_non_null(mallard_version());
	assert_string_equal(mallard_version(), want);
}

int main(int argc, char **argv)
{
	(void)argc;
	pin_purge_delay(argv); /* re-exec: only the trims purge (api.h) */

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malloc_is_glibc),
		cmocka_unit_test(test_owns),
		cmocka_unit_test(test_two_heaps_interleaved),
		cmocka_unit_test(test_calloc_realloc),
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_trim_and_version),
	};

	return cmocka_run_group_tests_name("prefixed", tests, NULL, NULL);
}
