/*
 * test_pieces.c - the list of kernel mappings a huge mapping is made of
 * (alloc/pieces.c): what a cut, a merge and a gather make of it. The moves
 * themselves are tested on real mappings in test_growth.c.
 */
#include "tests/unit/unit.h"

enum { K = 4096 };

/* Pieces ending at the given offsets (in K), `n` of them. */
static huge_pieces_t pieces_of(const unsigned *ends, unsigned n)
{
	huge_pieces_t p = {0};
	for (unsigned i = 0; i < n; i++)
		assert_true(pieces_push(&p, (size_t)ends[i] * K - pieces_size(&p)));
	return p;
}

static void test_pieces_within(void **state)
{
	(void)state;
	huge_pieces_t p = pieces_of((unsigned[]){4, 10, 16}, 3);
	assert_int_equal(pieces_size(&p), 16 * K);
	assert_int_equal(pieces_within(&p, 0, 16 * K), 3);
	assert_int_equal(pieces_within(&p, 0, 4 * K), 1);
	assert_int_equal(pieces_within(&p, 3 * K, 5 * K), 2);
	assert_int_equal(pieces_within(&p, 4 * K, 10 * K), 1);
	assert_int_equal(pieces_within(&p, 9 * K, 16 * K), 2);
}

/* A cut in place: the lower part keeps the pieces below the cut, the rest
 * those above, the piece cut counted in both. */
static void test_pieces_cut(void **state)
{
	(void)state;
	huge_pieces_t p = pieces_of((unsigned[]){4, 10, 16}, 3);
	huge_pieces_t rest = {0};
	assert_true(pieces_append(&rest, &p, 6 * K, 16 * K));
	pieces_keep_below(&p, 6 * K);
	assert_int_equal(p.count, 2);
	assert_int_equal(p.end[0], 4 * K);
	assert_int_equal(p.end[1], 6 * K);
	assert_int_equal(rest.count, 2);
	assert_int_equal(rest.end[0], 4 * K);
	assert_int_equal(rest.end[1], 10 * K);

	/* a cut on a boundary splits nothing */
	huge_pieces_t q = pieces_of((unsigned[]){4, 10, 16}, 3);
	pieces_keep_below(&q, 10 * K);
	assert_int_equal(q.count, 2);
	assert_int_equal(q.end[1], 10 * K);
}

/* A merge or a gather appends after what is there; one that would make
 * more than HUGE_PIECES_MAX pieces does not happen, and changes nothing. */
static void test_pieces_append_bounded(void **state)
{
	(void)state;
	huge_pieces_t low = pieces_of((unsigned[]){8}, 1);
	huge_pieces_t high = pieces_of((unsigned[]){2, 5}, 2);
	assert_true(pieces_append(&low, &high, 0, 5 * K));
	assert_int_equal(low.count, 3);
	assert_int_equal(low.end[1], 10 * K);
	assert_int_equal(low.end[2], 13 * K);

	huge_pieces_t full = {0};
	for (unsigned i = 0; i < HUGE_PIECES_MAX - 1; i++)
		assert_true(pieces_push(&full, K));
	assert_false(pieces_append(&full, &high, 0, 5 * K));
	assert_int_equal(full.count, HUGE_PIECES_MAX - 1);
	assert_int_equal(pieces_size(&full), (HUGE_PIECES_MAX - 1) * K);
	assert_true(pieces_append(&full, &high, 3 * K, 5 * K)); /* one piece of it fits */
	assert_int_equal(pieces_size(&full), (HUGE_PIECES_MAX + 1) * K);
	assert_false(pieces_push(&full, K));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_within),
		cmocka_unit_test(test_pieces_cut),
		cmocka_unit_test(test_pieces_append_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
