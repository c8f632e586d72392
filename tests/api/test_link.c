/*
 * test_link.c - a program linked with libmallard gets mallard as its
 * malloc, and so does the C library inside it.
 *
 * Built twice: test_link links libmallard.so; test_link_static links
 * libmallard.a (libtool -static; the C library stays shared). Either way
 * malloc, calloc, ..., the __libc_* entry points glibc keeps for
 * compatibility, and the C library's own internal calls (strdup, asprintf,
 * getline, open_memstream) must all land in mallard's heap.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
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

#include "mallard.h"

#ifndef TEST_LINK_STATIC
#define TEST_LINK_STATIC 0
#endif

/* glibc's compatibility entry points (not in any header). */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static void expect_mallards(void *p, const char *what)
{
	if (p == NULL)
		fail_msg("%s returned NULL", what);
	if (mallard_owns(p) != 1)
		fail_msg("%s returned %p, which is not mallard's (mallard_owns == %d)", what, p,
			 mallard_owns(p));
}

static void test_malloc_is_mallards(void **state)
{
	(void)state;
	void *p = malloc(10);

	expect_mallards(p, "malloc(10)");
	free(p);
	p = mallard_malloc(10);
	expect_mallards(p, "mallard_malloc(10)");
	/* one heap: mallard_* and the plain names mix */
	free(p);
	p = malloc(20);
	expect_mallards(p, "malloc(20)");
	mallard_free(p);
}

static void test_every_allocator_is_mallards(void **state)
{
	(void)state;
	void *p;

	p = calloc(3, 7);
	expect_mallards(p, "calloc");
	p = realloc(p, 5000);
	expect_mallards(p, "realloc");
	p = reallocarray(p, 30, 1000);
	expect_mallards(p, "reallocarray");
	free(p);
	p = realloc(NULL, 10);
	expect_mallards(p, "realloc(NULL, 10)");
	free(p);
	p = NULL;
	assert_int_equal(posix_memalign(&p, 64, 100), 0);
	expect_mallards(p, "posix_memalign");
	free(p);
	p = aligned_alloc(128, 256);
	expect_mallards(p, "aligned_alloc");
	free(p);
	p = memalign(4096, 10);
	expect_mallards(p, "memalign");
	free(p);
	p = valloc(10);
	expect_mallards(p, "valloc");
	free(p);
	p = pvalloc(10);
	expect_mallards(p, "pvalloc");
	assert_true(malloc_usable_size(p) >= (size_t)sysconf(_SC_PAGESIZE));
	free(p);
	p = malloc(100 << 20);
	expect_mallards(p, "malloc(100 MiB)");
	free(p);
}

static void test_libc_entry_points(void **state)
{
	(void)state;
	void *p;

	p = __libc_malloc(10);
	expect_mallards(p, "__libc_malloc");
	p = __libc_realloc(p, 100000);
	expect_mallards(p, "__libc_realloc");
	__libc_free(p);
	p = __libc_calloc(10, 10);
	expect_mallards(p, "__libc_calloc");
	for (int i = 0; i < 100; i++)
		assert_int_equal(((unsigned char *)p)[i], 0);
	free(p);
	p = __libc_memalign(256, 10);
	expect_mallards(p, "__libc_memalign");
	assert_int_equal((uintptr_t)p & 255, 0);
	__libc_free(p);
	p = __libc_valloc(10);
	expect_mallards(p, "__libc_valloc");
	free(p);
	p = __libc_pvalloc(10);
	expect_mallards(p, "__libc_pvalloc");
	free(p);
	/* blocks cross between the names */
	p = malloc(10);
	__libc_free(p);
}

/* The C library allocates through the process malloc too. */
static void test_libc_internal_calls(void **state)
{
	(void)state;
	char *s = strdup("x");

	expect_mallards(s, "strdup(\"x\")");
	free(s);

	s = NULL;
	assert_true(asprintf(&s, "%d-%s", 42, "mallard") > 0);
	expect_mallards(s, "asprintf");
	assert_string_equal(s, "42-mallard");
	free(s);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d\n", i);
	assert_int_equal(fclose(f), 0);
	expect_mallards(buf, "open_memstream buffer");
	assert_true(len > 1000);
	free(buf);

	char *real = realpath(".", NULL);
	expect_mallards(real, "realpath(\".\", NULL)");
	free(real);
}

/* glibc's own malloc (reached through dlsym on libc.so.6) is not mallard's:
 * mallard_owns tells the heaps apart. */
static void test_glibc_block_not_owned(void **state)
{
	(void)state;
	void *libc = dlopen("libc.so.6", RTLD_NOW);

	assert_non_null(libc);
	void *(*glibc_malloc)(size_t) = (void *(*)(size_t))dlsym(libc, "malloc");
	void (*glibc_free)(void *) = (void (*)(void *))dlsym(libc, "free");
	assert_non_null(glibc_malloc);
	assert_non_null(glibc_free);
	assert_true((void *)glibc_malloc != (void *)dlsym(RTLD_DEFAULT, "malloc"));
	void *p = glibc_malloc(10);
	assert_non_null(p);
	assert_int_equal(mallard_owns(p), 0);
	glibc_free(p);
	dlclose(libc);
}

static void test_owns_edges(void **state)
{
	(void)state;
	int local;
	static int global;

	assert_int_equal(mallard_owns(NULL), 0);
	assert_int_equal(mallard_owns(&local), 0);
	assert_int_equal(mallard_owns(&global), 0);
	assert_int_equal(mallard_owns((void *)(uintptr_t)0x1000), 0);
	assert_int_equal(mallard_owns((void *)UINTPTR_MAX), 0);
}

/* The program is linked the way its name says: malloc comes from
 * libmallard.so, or from the program itself with libmallard.so not loaded. */
static void test_linkage(void **state)
{
	(void)state;
	Dl_info info;
	void *process_malloc = dlsym(RTLD_DEFAULT, "malloc");

	assert_non_null(process_malloc);
	assert_int_not_equal(dladdr(process_malloc, &info), 0);
	assert_non_null(info.dli_fname);
	if (TEST_LINK_STATIC) {
		if (dlopen("libmallard.so.0", RTLD_NOW | RTLD_NOLOAD) != NULL)
			fail_msg("libmallard.so.0 is loaded in the static-link test");
		if (strstr(info.dli_fname, "libmallard") != NULL || strstr(info.dli_fname, "libc.so") != NULL)
			fail_msg("malloc comes from %s, expected the program itself", info.dli_fname);
	} else {
		if (strstr(info.dli_fname, "libmallard.so") == NULL)
			fail_msg("malloc comes from %s, expected libmallard.so", info.dli_fname);
	}
}

static void test_version(void **state)
{
	(void)state;
	char want[32];

	snprintf(want, sizeof want, "%d.%d.%d", MALLARD_VERSION_MAJOR, MALLARD_VERSION_MINOR,
		 MALLARD_VERSION_PATCH);
	assert_non_null(mallard_version());
	assert_string_equal(mallard_version(), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malloc_is_mallards),
		cmocka_unit_test(test_every_allocator_is_mallards),
		cmocka_unit_test(test_libc_entry_points),
		cmocka_unit_test(test_libc_internal_calls),
		cmocka_unit_test(test_glibc_block_not_owned),
		cmocka_unit_test(test_owns_edges),
		cmocka_unit_test(test_linkage),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests_name(TEST_LINK_STATIC ? "link_static" : "link", tests, NULL, NULL);
}
