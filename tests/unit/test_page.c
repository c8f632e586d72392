/*
 * test_page.c - page invariants (used == capacity - |free|)
 * through allocation, local frees, remote frees and their collection, and
 * the floating of full pages.
 */
#include "tests/unit/unit.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static int setup(void **state)
{
	(void)state;
	process_ensure_init();
	return 0;
}

#define BLOCKS 3000

/* Counts the blocks in `ptrs` that live in `page`. */
static uint32_t live_in_page(page_t *page, void **ptrs, size_t n)
{
	uint32_t live = 0;
	for (size_t i = 0; i < n; i++)
		if (ptrs[i] && unit_page_of(ptrs[i]) == page)
			live++;
	return live;
}

static void test_local_alloc_free_keeps_invariants(void **state)
{
	(void)state;
	static void *ptrs[BLOCKS];
	for (size_t i = 0; i < BLOCKS; i++) {
		ptrs[i] = mallard_malloc(48);
		assert_non_null(ptrs[i]);
	}
	page_t *page = unit_page_of(ptrs[0]);
	assert_true(page_is_valid(page));
	assert_int_equal(page->block_size, 48);
	assert_int_equal(page->used, live_in_page(page, ptrs, BLOCKS));
	/* A full page has left its queue and floats. */
	assert_true(page->flags & PAGE_FLOATING);

	for (size_t i = 0; i < BLOCKS; i += 2) {
		mallard_free(ptrs[i]);
		ptrs[i] = NULL;
	}
	assert_true(page_is_valid(page));
	assert_int_equal(page->used, live_in_page(page, ptrs, BLOCKS));
	assert_false(page->flags & PAGE_FLOATING); /* a local free took it back */

	for (size_t i = 1; i < BLOCKS; i += 2)
		mallard_free(ptrs[i]);
	assert_true(page_is_valid(page) || (page->flags & PAGE_FREE));
}

/* Lazy extension: a fresh page touches only what it hands out. */
static void test_fresh_page_extends_lazily(void **state)
{
	(void)state;
	void *p = mallard_malloc(2000); /* a class of its own in this test */
	page_t *page = unit_page_of(p);
	assert_true(page->capacity < page->reserved);
	assert_true((size_t)page->capacity * page->block_size <= PAGE_EXTEND_BYTES + page->block_size);
	mallard_free(p);
}

typedef struct {
	void **ptrs;
	size_t n;
} batch_t;

static void *free_batch(void *arg)
{
	batch_t *b = arg;
	for (size_t i = 0; i < b->n; i++)
		mallard_free(b->ptrs[i]);
	return NULL;
}

/* Blocks freed by another thread sit in thread_free (still counted as
 * used) until the owner collects them, then the invariant holds again. */
static void test_remote_frees_are_collected(void **state)
{
	(void)state;
	static void *ptrs[BLOCKS];
	for (size_t i = 0; i < BLOCKS; i++)
		ptrs[i] = mallard_malloc(80);
	page_t *page = unit_page_of(ptrs[0]);
	uint32_t live_before = page->used;
	batch_t b = {ptrs, BLOCKS / 2};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, free_batch, &b), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	for (size_t i = 0; i < BLOCKS / 2; i++)
		ptrs[i] = NULL;

	/* Remote frees do not touch used. */
	assert_int_equal(page->used, live_before);
	uintptr_t tf = atomic_load(&page->xthread_free);
	assert_true((tf & ~THREAD_FREE_NOTIFY) != 0);

	/* The full page was floating: the first remote free pushed it back. */
	heap_t *heap = tls_heap;
	heap_drain_remote(heap);
	assert_false(page->flags & PAGE_FLOATING);
	assert_true(page_is_valid(page));
	assert_int_equal(page->used, live_in_page(page, ptrs, BLOCKS));

	for (size_t i = BLOCKS / 2; i < BLOCKS; i++)
		mallard_free(ptrs[i]);
}

/* An emptied page is swept back to its segment. */
static void test_empty_pages_return_to_segment(void **state)
{
	(void)state;
	static void *ptrs[BLOCKS];
	for (size_t i = 0; i < BLOCKS; i++)
		ptrs[i] = mallard_malloc(256);
	page_t *page = unit_page_of(ptrs[0]);
	segment_t *seg = segment_of(ptrs[0]);
	unsigned slice = (unsigned)(page - seg->pages);
	for (size_t i = 0; i < BLOCKS; i++)
		mallard_free(ptrs[i]);
	heap_free_empty_pages(tls_heap);
	assert_true((seg->free_mask >> slice) & 1);
	assert_true(seg->pages[slice].flags & PAGE_FREE);
	assert_true(segment_is_valid(seg));
}

/* Double free of the last freed block is caught on the fast path. */
static void test_double_free_is_reported(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(2);
		void *p = mallard_malloc(32);
		void *q = mallard_malloc(32);
		mallard_free(p);
		mallard_free(p);
		mallard_free(q);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_alloc_free_keeps_invariants),
		cmocka_unit_test(test_fresh_page_extends_lazily),
		cmocka_unit_test(test_remote_frees_are_collected),
		cmocka_unit_test(test_empty_pages_return_to_segment),
		cmocka_unit_test(test_double_free_is_reported),
	};
	return cmocka_run_group_tests_name("page", tests, setup, NULL);
}
