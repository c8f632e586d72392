/*
 * test_page.c - page invariants (used == capacity - |free|) through
 * allocation (the medium lane's never-used blocks too), local frees,
 * remote frees and their collection, the floating of full pages, and
 * emptied pages kept as spare pages.
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
	/* the spare-page test checks what the owner keeps */
	assert_false(background_running());
	unit_background_off();
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
	void *p = mallard_malloc(480); /* a class of its own in this test */
	page_t *page = unit_page_of(p);
	assert_true(page->capacity < page->reserved);
	assert_true((size_t)page->capacity * page->block_size <= PAGE_EXTEND_BYTES + page->block_size);
	mallard_free(p);
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
	unit_batch_t b = {ptrs, BLOCKS / 2};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, unit_free_batch, &b), 0);
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

/* The heap's spare pages into `out` (HEAP_SPARE_PAGES entries); how many. */
static unsigned spare_pages(page_t **out)
{
	unsigned n = 0;
	for (unsigned i = 0; i < HEAP_SPARE_PAGES; i++) {
		page_t *page = atomic_load(&tls_heap->spare_pages[i]);
		if (page)
			out[n++] = page;
	}
	return n;
}

static bool page_in(const page_t *page, page_t *const *set, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (set[i] == page)
			return true;
	return false;
}

static void *release_spares(void *heap)
{
	return (void *)(uintptr_t)heap_spare_release(heap);
}

/* Emptied one-slice pages stay with the heap as spare pages, at most
 * HEAP_SPARE_PAGES of them, their slices still in use: the next pages of
 * their class are those pages (no span taken), another class's next page
 * is one of them made over, and any thread can give them back. */
static void test_emptied_pages_become_spare(void **state)
{
	(void)state;
	assert_int_equal(atomic_load(&bg_state), BG_OFF); /* setup: only this thread gives them back */
	heap_free_empty_pages(tls_heap); /* no spare page left by earlier tests */
	const size_t per_page = SLICE_SIZE / 256;
	const size_t n = per_page * (HEAP_SPARE_PAGES + 4);
	static void *ptrs[SLICE_SIZE / 256 * (HEAP_SPARE_PAGES + 4)];
	for (size_t i = 0; i < n; i++)
		assert_non_null(ptrs[i] = mallard_malloc(256));
	page_t *last = unit_page_of(ptrs[n - 1]);
	for (size_t i = 0; i < n; i++)
		mallard_free(ptrs[i]);
	page_t *spare[HEAP_SPARE_PAGES];
	assert_int_equal(spare_pages(spare), HEAP_SPARE_PAGES);
	for (unsigned i = 0; i < HEAP_SPARE_PAGES; i++) {
		segment_t *seg = segment_of(spare[i]);
		assert_true(spare[i]->flags & PAGE_SPARE);
		assert_int_equal(spare[i]->used, 0);
		assert_false((seg->free_mask >> (spare[i] - seg->pages)) & 1); /* not back in its segment */
		assert_true(segment_is_valid(seg));
	}
	assert_false(page_in(last, spare, HEAP_SPARE_PAGES)); /* the page the class allocates from stays queued */

	/* the same class takes its spare pages back */
	for (size_t i = 0; i < per_page * 2; i++) {
		assert_non_null(ptrs[i] = mallard_malloc(256));
		page_t *page = unit_page_of(ptrs[i]);
		assert_true(page == last || page_in(page, spare, HEAP_SPARE_PAGES));
		assert_false(page->flags & PAGE_SPARE);
		assert_true(page_is_valid(page));
	}
	page_t *left[HEAP_SPARE_PAGES];
	unsigned n_left = spare_pages(left);
	assert_true(n_left < HEAP_SPARE_PAGES && n_left > 0);

	/* another one-slice class makes one of them over */
	void *big[SLICE_SIZE / 512 + 1];
	bool made_over = false;
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		assert_non_null(big[i] = mallard_malloc(512));
		page_t *page = unit_page_of(big[i]);
		if (page_in(page, left, n_left)) {
			made_over = true;
			assert_int_equal(page->block_size, 512);
			assert_true(page_is_valid(page));
		}
	}
	assert_true(made_over);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		mallard_free(big[i]);
	for (size_t i = 0; i < per_page * 2; i++)
		mallard_free(ptrs[i]);

	/* another thread (the background thread, for a quiet owner) gives
	 * them all back to their segments */
	n_left = spare_pages(left);
	assert_true(n_left > 0);
	pthread_t t;
	void *released;
	assert_int_equal(pthread_create(&t, NULL, release_spares, tls_heap), 0);
	assert_int_equal(pthread_join(t, &released), 0);
	assert_true(released != NULL);
	assert_false(heap_spare_any(tls_heap));
	for (unsigned i = 0; i < n_left; i++) {
		segment_t *seg = segment_of(left[i]);
		assert_true((seg->free_mask >> (left[i] - seg->pages)) & 1);
		assert_true(left[i]->flags & PAGE_FREE);
		assert_true(segment_is_valid(seg));
	}
}

/* A second free of a block whose page went spare is reported. */
static void test_double_free_in_spare_page_is_reported(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(2);
		static void *ptrs[BLOCKS];
		size_t n = SLICE_SIZE / 256 * 3;
		for (size_t i = 0; i < n; i++)
			ptrs[i] = mallard_malloc(256);
		for (size_t i = 0; i < n; i++)
			mallard_free(ptrs[i]);
		if (!(unit_page_of(ptrs[0])->flags & PAGE_SPARE))
			_exit(2); /* not the case under test */
		mallard_free(ptrs[0]);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
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
		cmocka_unit_test(test_emptied_pages_become_spare),
		cmocka_unit_test(test_double_free_in_spare_page_is_reported),
		cmocka_unit_test(test_double_free_is_reported),
	};
	return cmocka_run_group_tests_name("page", tests, setup, NULL);
}
