/*
 * test_runs.c - run pages (alloc/runs.c): blocks of RUNS_MIN+1 .. MEDIUM_MAX
 * bytes of every size sharing pages, first fit, free neighbours merged,
 * the heap's cache of freed blocks, remote frees, realloc in place,
 * aligned blocks, and the errors a free reports.
 */
#include "tests/unit/unit.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fresh heap state for each test: the last freed block and the remote
 * frees back in their pages, the kept empty page given back. */
static int collect(void **state)
{
	(void)state;
	runs_heap_collect(tls_heap);
	return 0;
}

static size_t units_of(size_t size)
{
	return (size + RUN_UNIT - 1) >> RUN_UNIT_SHIFT;
}

/* The run page of p, checked. */
static page_t *run_page_of(const void *p)
{
	page_t *page = unit_page_of(p);
	assert_true(page->flags & PAGE_RUNS);
	assert_true(runs_page_is_valid(page));
	return page;
}

/* Blocks of different sizes come from one page, back to back (first fit
 * in a fresh page), each of its size rounded up to RUN_UNIT; every size
 * from RUNS_MIN+1 to MEDIUM_MAX goes there. */
static void test_sizes_share_a_page(void **state)
{
	(void)state;
	static const size_t sizes[] = {RUNS_MIN + 1, 1100, 1500, 4096, 10000, 33000, MEDIUM_MAX};
	enum { N = sizeof sizes / sizeof sizes[0] };
	uint8_t *p[N];
	for (int i = 0; i < N; i++) {
		p[i] = mallard_malloc(sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % RUN_UNIT, 0);
		assert_int_equal(mallard_usable_size(p[i]), units_of(sizes[i]) * RUN_UNIT);
		memset(p[i], i + 1, sizes[i]);
	}
	page_t *page = run_page_of(p[0]);
	for (int i = 1; i < N; i++) {
		assert_ptr_equal(run_page_of(p[i]), page);
		assert_ptr_equal(p[i], p[i - 1] + units_of(sizes[i - 1]) * RUN_UNIT);
	}
	assert_int_equal(page->used, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i][sizes[i] - 1], i + 1);
		mallard_free(p[i]);
	}
	runs_heap_collect(tls_heap);
	for (size_t size = RUNS_MIN + 1; size <= MEDIUM_MAX; size += 97) {
		void *q = mallard_malloc(size);
		assert_true(unit_page_of(q)->flags & PAGE_RUNS);
		mallard_free(q);
	}
	void *small = mallard_malloc(RUNS_MIN);
	assert_false(unit_page_of(small)->flags & PAGE_RUNS);
	mallard_free(small);
}

/* Freed neighbours merge: three 4 KiB blocks freed make room for one of
 * 12 KiB in their place, and the memory of one size serves another. */
static void test_free_neighbours_merge(void **state)
{
	(void)state;
	uint8_t *a = mallard_malloc(4096), *b = mallard_malloc(4096), *c = mallard_malloc(4096);
	uint8_t *fence = mallard_malloc(1100); /* keeps the run after c in use */
	assert_ptr_equal(b, a + 4096);
	assert_ptr_equal(c, b + 4096);
	assert_ptr_equal(fence, c + 4096);
	mallard_free(b);
	mallard_free(a);
	mallard_free(c);
	runs_heap_collect(tls_heap); /* c was the heap's last freed block */
	page_t *page = run_page_of(fence);
	assert_int_equal(page->used, 1);
	uint8_t *big = mallard_malloc(3 * 4096);
	assert_ptr_equal(big, a);
	mallard_free(big);
	runs_heap_collect(tls_heap);
	uint8_t *x = mallard_malloc(6000), *y = mallard_malloc(6000);
	assert_ptr_equal(x, a);
	assert_ptr_equal(y, a + units_of(6000) * RUN_UNIT);
	run_page_of(x);
	mallard_free(x);
	mallard_free(y);
	mallard_free(fence);
}

/* A freed block waits in the heap's cache, still marked used in its page,
 * for the next malloc of its length; the cache holds RUNS_CACHE_BYTES at
 * most (a block that does not fit goes back to its page) and gives its
 * blocks back before the heap takes a new run page. A second free of a
 * cached block aborts (in a child). */
static void test_freed_blocks_are_cached(void **state)
{
	(void)state;
	void *p = mallard_malloc(5000);
	page_t *page = run_page_of(p);
	uint32_t used = page->used;
	size_t n = units_of(5000);
	mallard_free(p);
	assert_ptr_equal(tls_heap->runs_cached[n], p);
	assert_int_equal(tls_heap->runs_cached_bytes, n * RUN_UNIT);
	assert_int_equal(page->used, used); /* still marked in use */
	run_page_of(p);
	assert_ptr_equal(mallard_malloc(5000 - 100), p); /* same length in units */
	assert_null(tls_heap->runs_cached[n]);

	enum { BIG = 5 }; /* four fill the cache */
	const size_t big_size = RUNS_CACHE_BYTES / 4;
	void *big[BIG];
	for (int i = 0; i < BIG; i++)
		big[i] = mallard_malloc(big_size);
	page_t *last_page = run_page_of(big[BIG - 1]);
	uint32_t last_used = last_page->used;
	for (int i = 0; i < BIG; i++)
		mallard_free(big[i]);
	assert_int_equal(tls_heap->runs_cached_bytes, RUNS_CACHE_BYTES);
	assert_int_equal(last_page->used, last_used - 1); /* the one too many went back */
	runs_heap_collect(tls_heap);
	assert_int_equal(tls_heap->runs_cached_bytes, 0);
	mallard_free(p);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(2);
		void *r = mallard_malloc(7000), *t = mallard_malloc(7000);
		mallard_free(r);
		mallard_free(t);
		mallard_free(r); /* in the cache, under t */
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* A double free of a block back in its page, and a free of a pointer inside
 * a block, abort with a report (in a child). */
static void test_bad_frees_are_reported(void **state)
{
	(void)state;
	for (int which = 0; which < 2; which++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(2);
			uint8_t *p = mallard_malloc(9000);
			void *other = mallard_malloc(9000);
			if (which == 0) {
				mallard_free(p);
				mallard_free(other);
				runs_heap_collect(tls_heap); /* both back in their page */
				mallard_free(p);
			} else {
				mallard_free(p + RUN_UNIT);
			}
			_exit(0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGABRT);
	}
}

/* Another thread's frees wait on the page until the owner's next malloc
 * that searches the pages (or its collection) takes them back: the page
 * is then empty and kept; the kept sweep gives it back at the second
 * look. */
static void test_remote_frees_come_back(void **state)
{
	(void)state;
	enum { N = 20 }; /* at most 440 units: one page on 32-bit too */
	void *p[N];
	for (int i = 0; i < N; i++)
		p[i] = mallard_malloc(2048 + 512 * (size_t)(i % 8));
	page_t *page = run_page_of(p[0]);
	assert_int_equal(page->used, N);
	unit_batch_t b = {p, N};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, unit_free_batch, &b), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(page->used, N); /* not collected yet */
	assert_ptr_equal(atomic_load(&tls_heap->runs_remote), page);
	void *q = mallard_malloc(MEDIUM_MAX); /* no last freed block: searches the pages */
	assert_null(atomic_load(&tls_heap->runs_remote));
	assert_int_equal(atomic_load(&page->xthread_free), 0);
	assert_ptr_equal(run_page_of(q), page); /* emptied, kept, and taken again */
	assert_int_equal(page->used, 1);
	mallard_free(q);
	runs_heap_collect(tls_heap); /* q back, then the empty page to its segment */
	assert_true(page->flags & PAGE_FREE);
	assert_null(tls_heap->runs_empty);
}

/* realloc stays in place while the units after the block are free, in
 * both directions, and moves when they are not. */
static void test_realloc_in_place(void **state)
{
	(void)state;
	uint8_t *p = mallard_malloc(3000);
	memset(p, 7, 3000);
	uint8_t *q = mallard_realloc(p, 9000);
	assert_ptr_equal(q, p);
	assert_int_equal(mallard_usable_size(q), units_of(9000) * RUN_UNIT);
	assert_int_equal(q[2999], 7);
	run_page_of(q);
	uint8_t *fence = mallard_malloc(1100);
	assert_ptr_equal(fence, q + units_of(9000) * RUN_UNIT);
	q = mallard_realloc(q, 4000); /* shrinks in place: the tail is free again */
	assert_ptr_equal(q, p);
	assert_int_equal(mallard_usable_size(q), units_of(4000) * RUN_UNIT);
	run_page_of(q);
	uint8_t *r = mallard_realloc(q, 20000); /* the fence is in the way */
	assert_true(r != p);
	assert_int_equal(r[2999], 7);
	runs_heap_collect(tls_heap); /* p, freed by the move, back in its page */
	void *between = mallard_malloc(9000); /* fits where q was, before the fence */
	assert_ptr_equal(between, p);
	mallard_free(between);
	mallard_free(r);
	mallard_free(fence);
}

/* Aligned requests in the band take an aligned free run, not a padded
 * block: no PAGE_ALIGNED flag, the units skipped stay free. */
static void test_aligned_blocks(void **state)
{
	(void)state;
	static const size_t cases[][2] = {{2048, 1500}, {4096, 4096}, {4096, 700}, {65536, 65536}, {8192, 20000}};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		size_t align = cases[c][0], size = cases[c][1];
		void *p[6];
		for (int i = 0; i < 6; i++) {
			assert_int_equal(mallard_posix_memalign(&p[i], align, size), 0);
			assert_int_equal((uintptr_t)p[i] % align, 0);
			page_t *page = run_page_of(p[i]);
			assert_false(page->flags & PAGE_ALIGNED);
			assert_int_equal(mallard_usable_size(p[i]), units_of(size) * RUN_UNIT);
			memset(p[i], 1, size);
		}
		for (int i = 0; i < 6; i++)
			mallard_free(p[i]);
	}
}

/* A page runs_find_page prefers: the one whose longest free run is the
 * shortest that fits, so emptier pages stay empty. */
static void test_tightest_page_first(void **state)
{
	(void)state;
	size_t page_bytes = (size_t)(RUN_UNITS - RUN_META_UNITS) * RUN_UNIT;
	/* page A: full but for one 8 KiB hole; page B: half empty */
	uint8_t *a = mallard_malloc(MEDIUM_MAX);
	page_t *pa = run_page_of(a);
	void *fill[64];
	size_t n = 0;
	while (n < 64) {
		fill[n] = mallard_malloc(MEDIUM_MAX);
		if (unit_page_of(fill[n]) != pa)
			break;
		n++;
	}
	page_t *pb = run_page_of(fill[n]);
	assert_true(pb != pa);
	assert_true(n * MEDIUM_MAX < page_bytes);
	mallard_free(fill[0]);
	runs_heap_collect(tls_heap);
	/* a 8 KiB request: A's hole (64 KiB) is smaller than B's free run */
	void *x = mallard_malloc(8192);
	assert_ptr_equal(unit_page_of(x), pa);
	mallard_free(x);
	mallard_free(a);
	for (size_t i = 1; i <= n; i++)
		mallard_free(fill[i]);
}

int main(void)
{
	unit_background_off(); /* test_remote_frees_come_back: only the owner collects */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sizes_share_a_page, collect),
		cmocka_unit_test_setup(test_free_neighbours_merge, collect),
		cmocka_unit_test_setup(test_freed_blocks_are_cached, collect),
		cmocka_unit_test_setup(test_bad_frees_are_reported, collect),
		cmocka_unit_test_setup(test_realloc_in_place, collect),
		cmocka_unit_test_setup(test_aligned_blocks, collect),
		cmocka_unit_test_setup(test_tightest_page_first, collect),
		cmocka_unit_test_setup(test_remote_frees_come_back, collect),
	};
	return cmocka_run_group_tests_name("runs", tests, NULL, NULL);
}
