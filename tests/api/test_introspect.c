/*
 * test_introspect.c - glibc's introspection calls act on mallard's heap.
 *
 * Contract:
 *   - allocating 8 MiB in 64-byte blocks raises mallinfo2().uordblks by at
 *     least 8 MiB, and arena + hblkhd >= uordblks; mallinfo (int fields)
 *     moves the same way;
 *   - after freeing them malloc_trim(0) (and mallard_trim(0)) returns 1 and
 *     uordblks falls back;
 *   - malloc_stats() and mallard_stats_print() write text naming mallard
 *     to stderr;
 *   - malloc_info(0, fp) writes XML that starts with "<malloc" and names
 *     mallard; other options are refused as glibc refuses them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
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

#define API_NO_PAIR /* no test here runs through both sets */
#include "api.h"

enum { BLOCK = 64, NBLOCKS = (int)(8 * MiB / BLOCK) };

static void **alloc_8mib(void)
{
	void **blocks = malloc(NBLOCKS * sizeof *blocks);

	assert_non_null(blocks);
	for (int i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		assert_non_null(blocks[i]);
		memset(blocks[i], i, BLOCK);
	}
	return blocks;
}

static void free_blocks(void **blocks)
{
	for (int i = 0; i < NBLOCKS; i++)
		free(blocks[i]);
}

static void check_mallinfo2_consistent(const struct mallinfo2 *mi, const char *when)
{
	if (mi->arena + mi->hblkhd < mi->uordblks)
		fail_msg("%s: arena %zu + hblkhd %zu < uordblks %zu", when, mi->arena, mi->hblkhd, mi->uordblks);
}

static void test_mallinfo2_and_trim(void **state)
{
	(void)state;
	/* the pointer array itself (1 or 0.5 MiB) is allocated before the baseline */
	void **blocks = malloc(NBLOCKS * sizeof *blocks);
	assert_non_null(blocks);

	struct mallinfo2 before = mallinfo2();
	check_mallinfo2_consistent(&before, "before");
	for (int i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		assert_non_null(blocks[i]);
		memset(blocks[i], i, BLOCK);
	}
	struct mallinfo2 during = mallinfo2();
	check_mallinfo2_consistent(&during, "with 8 MiB in 64-byte blocks");
	if (during.uordblks < before.uordblks + 8 * MiB)
		fail_msg("uordblks went from %zu to %zu with 8 MiB more in use", before.uordblks,
			 during.uordblks);

	free_blocks(blocks);
	int trimmed = malloc_trim(0);
	struct mallinfo2 after = mallinfo2();
	check_mallinfo2_consistent(&after, "after free");
	if (trimmed != 1)
		fail_msg("malloc_trim(0) returned %d after freeing 8 MiB, expected 1", trimmed);
	if (after.uordblks > before.uordblks + 256 * KiB)
		fail_msg("uordblks went from %zu (before) to %zu (8 MiB in use) to %zu (freed)",
			 before.uordblks, during.uordblks, after.uordblks);
	free(blocks);
}

/* The same through the mallard_* name; mallard_trim's pad is ignored. */
static void test_mallard_trim(void **state)
{
	(void)state;
	void **blocks = alloc_8mib();

	free_blocks(blocks);
	free(blocks);
	int trimmed = mallard_trim(4096);
	if (trimmed != 1)
		fail_msg("mallard_trim(4096) returned %d after freeing 8 MiB, expected 1", trimmed);
}

/* Nothing freed since the last trim: nothing to give back, 0 (glibc may
 * still say 1; mallard's contract says "1 if memory was released"). After a
 * trim of everything a second trim has nothing left. */
static void test_trim_twice(void **state)
{
	(void)state;
	void **blocks = alloc_8mib();

	free_blocks(blocks);
	free(blocks);
	assert_int_equal(malloc_trim(0), 1);
	assert_int_equal(malloc_trim(0), 0);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static struct mallinfo old_mallinfo(void)
{
	return mallinfo();
}
#pragma GCC diagnostic pop

/* mallinfo: the int fields of the same numbers (8 MiB fits an int). */
static void test_mallinfo(void **state)
{
	(void)state;
	void **blocks = malloc(NBLOCKS * sizeof *blocks);
	assert_non_null(blocks);

	struct mallinfo before = old_mallinfo();
	for (int i = 0; i < NBLOCKS; i++) {
		blocks[i] = malloc(BLOCK);
		assert_non_null(blocks[i]);
	}
	struct mallinfo during = old_mallinfo();
	struct mallinfo2 during2 = mallinfo2();
	if ((long long)during.uordblks < (long long)before.uordblks + (long long)(8 * MiB))
		fail_msg("mallinfo: uordblks went from %d to %d with 8 MiB more in use", before.uordblks,
			 during.uordblks);
	if (during2.uordblks <= (size_t)INT_MAX && (size_t)during.uordblks > during2.uordblks + 64 * KiB)
		fail_msg("mallinfo uordblks %d, mallinfo2 uordblks %zu", during.uordblks, during2.uordblks);
	free_blocks(blocks);
	free(blocks);
}

/* What was written to a temporary file. */
static char *file_text(FILE *tmp)
{
	long len;
	char *text;

	fflush(tmp);
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	len = ftell(tmp);
	assert_true(len >= 0);
	rewind(tmp);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, tmp), (size_t)len);
	return text;
}

/* Run fn with stderr (fd 2) sent to a temporary file; return what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	int saved;
	char *text;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn();
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	text = file_text(tmp);
	fclose(tmp);
	return text;
}

static void call_malloc_stats(void)
{
	void *p = malloc(1000);

	malloc_stats();
	free(p);
}

/* The summary `fn` prints on stderr must name mallard. */
static void expect_stats_summary(void (*fn)(void), const char *name)
{
	char *text = capture_stderr(fn);

	if (strstr(text, "mallard") == NULL)
		fail_msg("%s wrote %zu bytes to stderr, none saying \"mallard\": \"%.400s\"", name,
			 strlen(text), text);
	free(text);
}

static void test_malloc_stats(void **state)
{
	(void)state;
	expect_stats_summary(call_malloc_stats, "malloc_stats()");
}

static void call_mallard_stats_print(void)
{
	void *p = mallard_malloc(1000);

	mallard_stats_print();
	mallard_free(p);
}

/* mallard_stats_print prints what malloc_stats prints (mallard.h). */
static void test_mallard_stats_print(void **state)
{
	(void)state;
	expect_stats_summary(call_mallard_stats_print, "mallard_stats_print()");
}


static void test_malloc_info(void **state)
{
	(void)state;
	FILE *tmp = tmpfile();
	void *p = malloc(5000);

	assert_non_null(tmp);
	assert_non_null(p);
	int rc = malloc_info(0, tmp);
	char *text = file_text(tmp);

	if (rc != 0)
		fail_msg("malloc_info(0, fp) returned %d", rc);
	if (strncmp(text, "<malloc", 7) != 0 || strstr(text, "mallard") == NULL)
		fail_msg("malloc_info(0, fp) wrote \"%.400s\": expected XML starting \"<malloc\" naming mallard",
			 text);
	free(text);
	free(p);
	fclose(tmp);
}

/* glibc refuses any option but 0 (EINVAL, nothing written). */
static void test_malloc_info_bad_option(void **state)
{
	(void)state;
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	int (*glibc_malloc_info)(int, FILE *);
	FILE *mine = tmpfile(), *theirs = tmpfile();

	assert_non_null(libc);
	glibc_malloc_info = (int (*)(int, FILE *))dlsym(libc, "malloc_info");
	assert_non_null(glibc_malloc_info);
	assert_non_null(mine);
	assert_non_null(theirs);
	int want = glibc_malloc_info(1, theirs);
	int got = malloc_info(1, mine);
	char *want_text = file_text(theirs), *got_text = file_text(mine);

	if (got != want)
		fail_msg("malloc_info(1, fp) returned %d, glibc %d", got, want);
	if ((want_text[0] == '\0') != (got_text[0] == '\0'))
		fail_msg("malloc_info(1, fp) wrote \"%.200s\", glibc \"%.200s\"", got_text, want_text);
	free(want_text);
	free(got_text);
	fclose(mine);
	fclose(theirs);
	dlclose(libc);
}

/* The heap seen by these calls is the one malloc uses: a block from malloc
 * is mallard's. (Otherwise every number above could be glibc's.) */
static void test_heap_is_mallards(void **state)
{
	(void)state;
	void *p = malloc(64);

	assert_non_null(p);
	assert_int_equal(mallard_owns(p), 1);
	free(p);
}

int main(int argc, char **argv)
{
	(void)argc;
	pin_purge_delay(argv); /* re-exec: only the trims purge (api.h) */

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_is_mallards),
		cmocka_unit_test(test_mallinfo2_and_trim),
		cmocka_unit_test(test_mallard_trim),
		cmocka_unit_test(test_trim_twice),
		cmocka_unit_test(test_mallinfo),
		cmocka_unit_test(test_malloc_stats),
		cmocka_unit_test(test_mallard_stats_print),
		cmocka_unit_test(test_malloc_info),
		cmocka_unit_test(test_malloc_info_bad_option),
	};

	return cmocka_run_group_tests_name("introspect", tests, NULL, NULL);
}
