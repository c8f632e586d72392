/*
 * test_stats_linked.c - reporting with mallard as the process allocator
 * (linked with libmallard, so malloc is mallard's):
 *
 *   - taking and writing a snapshot (text, JSON, to a callback and to a
 *     file descriptor) calls malloc zero times: mallard's own malloc
 *     counters do not move across it;
 *   - snapshots taken and written while four threads allocate and free
 *     stay well-formed (pages add up, no span counted while being cut).
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mallard.h"

static mallard_stats_t s1, s2;
static char sink[128 * 1024];
static size_t sink_len;

static void to_sink(void *arg, const char *text, size_t len)
{
	(void)arg;
	if (sink_len + len > sizeof(sink))
		sink_len = 0;
	memcpy(sink + sink_len, text, len);
	sink_len += len;
}

static uint64_t total_mallocs(const mallard_stats_t *s)
{
	uint64_t n = s->large.mallocs + s->huge.mallocs;
	for (unsigned i = 0; i < s->class_count; i++)
		n += s->classes[i].mallocs;
	return n;
}

static void test_reporting_does_not_malloc(void **state)
{
	(void)state;
	int devnull = open("/dev/null", O_WRONLY);
	assert_true(devnull >= 0);
	free(malloc(64)); /* this thread has a heap */
	s1.size = s2.size = sizeof(s1);
	int rc = mallard_stats_get(&s1);
	rc |= mallard_stats_write(&s1, MALLARD_STATS_TEXT, to_sink, NULL);
	rc |= mallard_stats_write(&s1, MALLARD_STATS_JSON, to_sink, NULL);
	rc |= mallard_stats_write_fd(devnull, MALLARD_STATS_TEXT);
	rc |= mallard_stats_write_fd(devnull, MALLARD_STATS_JSON);
	rc |= mallard_stats_get(&s2);
	close(devnull);
	assert_int_equal(rc, 0);
	assert_true(total_mallocs(&s1) > 0);
	assert_int_equal(total_mallocs(&s2), total_mallocs(&s1));
}

#define GIB ((uint64_t)1 << 30)

static atomic_bool stop;

static void *churn(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	void *slots[512] = {0};
	while (!atomic_load(&stop)) {
		for (unsigned i = 0; i < 4096; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned k = (seed >> 8) % 512;
			free(slots[k]);
			/* mostly small blocks; 1 in 16 a large one (a span of slices
			 * cut and freed), so pages change under the snapshots */
			size_t n = (seed & 15) == 0 ? 65536 + (seed >> 12) % 200000 : 16 + (seed >> 20) % 4000;
			slots[k] = malloc(n);
		}
	}
	for (unsigned k = 0; k < 512; k++)
		free(slots[k]);
	return NULL;
}

static void test_snapshots_while_threads_allocate(void **state)
{
	(void)state;
	enum { THREADS = 4 };
	pthread_t t[THREADS];
	atomic_store(&stop, false);
	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1)), 0);
	unsigned bad = 0;
	for (unsigned n = 0; n < 200; n++) {
		s1.size = sizeof(s1);
		if (mallard_stats_get(&s1) != 0)
			bad++;
		for (unsigned i = 0; i < s1.class_count; i++) {
			const mallard_stats_class_t *c = &s1.classes[i];
			if (c->pages != c->pages_full + c->pages_partial + c->pages_empty)
				bad++;
		}
		/* The threads hold a few MiB: a page caught while its owner cuts
		 * it must not count as a wrapped-around span of gigabytes. */
		if (s1.totals.committed > GIB || s1.totals.active > GIB)
			bad++;
		sink_len = 0;
		if (mallard_stats_write(&s1, n & 1 ? MALLARD_STATS_JSON : MALLARD_STATS_TEXT, to_sink, NULL) != 0)
			bad++;
	}
	atomic_store(&stop, true);
	for (unsigned i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reporting_does_not_malloc),
		cmocka_unit_test(test_snapshots_while_threads_allocate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
