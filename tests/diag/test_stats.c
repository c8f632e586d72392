/*
 * test_stats.c - snapshots add up and follow a known pattern exactly.
 *
 * Linked with libmallard-prefixed: mallard's heap holds only what these
 * tests put there (cmocka keeps glibc's malloc), so every change in a
 * snapshot is the test's own doing.
 *
 *   - the per-class figures add up to the totals; pages split into full,
 *     partial and empty, and into the ten occupancy bins;
 *   - N blocks of size S allocated, M of them freed: the class of S reports
 *     exactly N - M more live blocks, N more mallocs and M more frees;
 *   - large and huge blocks are counted apart from the classes;
 *   - a mis-sized struct or a bad format is EINVAL;
 *   - the JSON writer gives one line holding every total and class; the
 *     text writer lists every total with its description.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mallard.h"

static mallard_stats_t before, after;

static void snapshot(mallard_stats_t *s)
{
	s->size = sizeof(*s);
	assert_int_equal(mallard_stats_get(s), 0);
	assert_int_equal(s->version, MALLARD_STATS_VERSION);
}

static const mallard_stats_class_t *class_of(const mallard_stats_t *s, uint64_t block_size)
{
	for (unsigned i = 0; i < s->class_count; i++)
		if (s->classes[i].size == block_size)
			return &s->classes[i];
	return NULL;
}

static void test_classes_add_up_to_totals(void **state)
{
	(void)state;
	void *keep[3000];
	for (unsigned i = 0; i < 3000; i++)
		keep[i] = mallard_malloc(16 + (i * 37) % 3000);
	for (unsigned i = 0; i < 3000; i += 3)
		mallard_free(keep[i]);
	snapshot(&after);
	uint64_t allocated = after.large.bytes + after.huge.bytes, requested = after.large.bytes + after.huge.bytes;
	assert_true(after.class_count > 10);
	for (unsigned i = 0; i < after.class_count; i++) {
		const mallard_stats_class_t *c = &after.classes[i];
		allocated += c->live_blocks * c->size;
		requested += c->requested;
		assert_int_equal(c->pages, c->pages_full + c->pages_partial + c->pages_empty);
		uint64_t binned = 0;
		for (unsigned b = 0; b < MALLARD_STATS_OCCUPANCY_BINS; b++)
			binned += c->occupancy[b];
		assert_int_equal(binned, c->pages);
		assert_true(c->requested <= c->live_blocks * c->size);
		assert_int_equal(c->frees, c->mallocs - c->live_blocks);
		if (i > 0)
			assert_true(c->size > after.classes[i - 1].size);
	}
	assert_int_equal(allocated, after.totals.allocated);
	assert_int_equal(requested, after.totals.requested);
	assert_true(after.totals.allocated <= after.totals.active);
	assert_true(after.totals.active <= after.totals.committed);
	assert_true(after.totals.committed <= after.totals.mapped);
	assert_true(after.totals.resident <= after.totals.mapped);
	assert_true(after.rss >= after.totals.resident);
	assert_true(after.address_space.largest_free > 0);
	assert_true(after.address_space.largest_free <= after.address_space.free);
	for (unsigned i = 1; i < 3000; i++)
		if (i % 3)
			mallard_free(keep[i]);
}

static void test_known_pattern_is_counted_exactly(void **state)
{
	(void)state;
	enum { N = 1000, M = 300, S = 200 };
	static void *blocks[N];
	void *probe = mallard_malloc(S);
	uint64_t block_size = mallard_usable_size(probe);
	mallard_free(probe);

	snapshot(&before);
	for (unsigned i = 0; i < N; i++)
		blocks[i] = mallard_malloc(S);
	for (unsigned i = 0; i < M; i++)
		mallard_free(blocks[i * 3]);
	snapshot(&after);

	const mallard_stats_class_t *b = class_of(&before, block_size), *a = class_of(&after, block_size);
	assert_non_null(a);
	uint64_t live0 = b ? b->live_blocks : 0, mallocs0 = b ? b->mallocs : 0, frees0 = b ? b->frees : 0;
	assert_int_equal(a->live_blocks - live0, N - M);
	assert_int_equal(a->mallocs - mallocs0, N);
	assert_int_equal(a->frees - frees0, M);
	assert_int_equal(after.totals.allocated - before.totals.allocated, (uint64_t)(N - M) * block_size);
	/* every block asked for S: the estimate is exact here */
	uint64_t req0 = b ? b->requested : 0;
	assert_true(a->requested - req0 >= (uint64_t)(N - M) * S - (N - M));
	assert_true(a->requested - req0 <= (uint64_t)(N - M) * S + (N - M));

	for (unsigned i = 0; i < N; i++)
		if (i % 3 || i / 3 >= M)
			mallard_free(blocks[i]);
	snapshot(&after);
	a = class_of(&after, block_size);
	assert_non_null(a);
	assert_int_equal(a->live_blocks, live0);
}

static void test_large_and_huge_apart(void **state)
{
	(void)state;
	snapshot(&before);
	void *large = mallard_malloc(300 * 1024);
	void *huge = mallard_malloc(16u << 20);
	assert_non_null(large);
	assert_non_null(huge);
	snapshot(&after);
	assert_int_equal(after.large.blocks - before.large.blocks, 1);
	assert_int_equal(after.large.mallocs - before.large.mallocs, 1);
	assert_true(after.large.bytes - before.large.bytes >= 300 * 1024);
	assert_int_equal(after.huge.blocks - before.huge.blocks, 1);
	assert_int_equal(after.huge.mallocs - before.huge.mallocs, 1);
	assert_true(after.huge.bytes - before.huge.bytes >= 16u << 20);
	assert_true(after.totals.mapped - before.totals.mapped >= 16u << 20);
	mallard_free(large);
	mallard_free(huge);
	snapshot(&after);
	assert_int_equal(after.large.blocks, before.large.blocks);
	assert_int_equal(after.huge.blocks, before.huge.blocks);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	mallard_stats_t s;
	s.size = sizeof(s) - 8;
	errno = 0;
	assert_int_equal(mallard_stats_get(&s), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(mallard_stats_get(NULL), -1);
	assert_int_equal(errno, EINVAL);
	snapshot(&s);
	errno = 0;
	assert_int_equal(mallard_stats_write(&s, 7, NULL, NULL), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(mallard_stats_write_fd(-1, MALLARD_STATS_JSON), -1);
	assert_int_equal(errno, EINVAL);
}

static char out[128 * 1024];
static size_t out_len;

static void collect(void *arg, const char *text, size_t len)
{
	(void)arg;
	assert_true(out_len + len < sizeof(out));
	memcpy(out + out_len, text, len);
	out_len += len;
	out[out_len] = '\0';
}

static void test_json_is_one_line_with_every_field(void **state)
{
	(void)state;
	void *p = mallard_malloc(100);
	snapshot(&after);
	out_len = 0;
	assert_int_equal(mallard_stats_write(&after, MALLARD_STATS_JSON, collect, NULL), 0);
	assert_true(out_len > 100);
	assert_int_equal(out[out_len - 1], '\n');
	assert_null(memchr(out, '\n', out_len - 1));
	assert_memory_equal(out, "{\"version\":1,", 13);
#define EXPECT_KEY(name, what) assert_non_null(strstr(out, "\"" #name "\":"));
	MALLARD_STATS_TOTALS(EXPECT_KEY)
	MALLARD_STATS_CLASS_FIELDS(EXPECT_KEY)
	EXPECT_KEY(occupancy, "")
	EXPECT_KEY(largest_free, "")
	char expect[64];
	snprintf(expect, sizeof(expect), "\"allocated\":%llu,", (unsigned long long)after.totals.allocated);
	assert_non_null(strstr(out, expect));
	/* as many class objects as classes */
	unsigned objects = 0;
	for (const char *q = out; (q = strstr(q, "{\"size\":")) != NULL; q++)
		objects++;
	assert_int_equal(objects, after.class_count);

	out_len = 0;
	assert_int_equal(mallard_stats_write(&after, MALLARD_STATS_TEXT, collect, NULL), 0);
	/* every total, with its description from the same X-macro list */
#define EXPECT_TEXT(name, what) \
	assert_non_null(strstr(out, "  " #name " ")); \
	assert_non_null(strstr(out, what));
	MALLARD_STATS_TOTALS(EXPECT_TEXT)
	assert_non_null(strstr(out, "external frag"));
	assert_non_null(strstr(out, "   112 B")); /* the class of the 100-byte block */
	mallard_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes_add_up_to_totals),
		cmocka_unit_test(test_known_pattern_is_counted_exactly),
		cmocka_unit_test(test_large_and_huge_apart),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_json_is_one_line_with_every_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
