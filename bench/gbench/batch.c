/*
 * batch.c - N blocks allocated, then all freed, in three orders.
 *
 *   batch_lifo/n:N     freed last allocated first (a stack of temporaries)
 *   batch_fifo/n:N     freed first allocated first (a queue)
 *   batch_random/n:N   freed in a random order (fixed seed: the same order
 *                      in every run and under every allocator)
 *
 * N = 64, 1024, 16384 blocks of 64 bytes (4 KiB .. 1 MiB live). One
 * iteration is N mallocs then N frees; items_per_second counts pairs
 * (iterations x N). All three free through the same order[] table, so they
 * differ only in the order: the table lookup costs each the same. The table
 * is built with the clock paused, once per run.
 */
#include <stdint.h>
#include <stdlib.h>

#include "bench/gbench/gbench.h"
#include "bench/gbench/micro.h"
#include "bench/rng.h"

enum { BATCH_MAX = 16384, BLOCK_SIZE = 64 };

enum order_kind { ORDER_LIFO, ORDER_FIFO, ORDER_RANDOM };

/* Invariant during a run: order[0 .. n) is a permutation of 0 .. n-1. */
static void *blocks[BATCH_MAX];
static uint32_t order[BATCH_MAX];

static void order_build(enum order_kind kind, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		order[k] = kind == ORDER_LIFO ? n - 1 - k : k;
	if (kind == ORDER_RANDOM) {
		rng_t rng = { UINT64_C(0x6d616c6c617264) };	/* "mallard" */
		for (uint32_t k = n - 1; k > 0; k--) {	/* Fisher-Yates */
			uint32_t j = rng_below(&rng, k + 1);
			uint32_t t = order[k];
			order[k] = order[j];
			order[j] = t;
		}
	}
}

static void run_batches(gb_state *st, int64_t iters, int64_t arg, enum order_kind kind)
{
	uint32_t n = (uint32_t)arg;
	if (n == 0 || n > BATCH_MAX) {
		gb_error(st, "batch size out of range");
		return;
	}
	gb_pause(st);
	order_build(kind, n);
	gb_resume(st);

	for (int64_t i = 0; i < iters; i++) {
		for (uint32_t k = 0; k < n; k++) {
			void *p = malloc(BLOCK_SIZE);
			gb_escape(p);
			blocks[k] = p;
		}
		for (uint32_t k = 0; k < n; k++) {
			void *p = blocks[order[k]];
			if (p == NULL) {
				gb_error(st, "malloc failed");
				return;	/* leaks the rest of the batch: the run is void anyway */
			}
			free(p);
		}
	}
	gb_set_items(st, iters * n);
}

static void bm_lifo(gb_state *st, int64_t iters, int64_t arg)
{
	run_batches(st, iters, arg, ORDER_LIFO);
}

static void bm_fifo(gb_state *st, int64_t iters, int64_t arg)
{
	run_batches(st, iters, arg, ORDER_FIFO);
}

static void bm_random(gb_state *st, int64_t iters, int64_t arg)
{
	run_batches(st, iters, arg, ORDER_RANDOM);
}

static void add_sizes(gb_bench *b)
{
	gb_arg(b, 64);
	gb_arg(b, 1024);
	gb_arg(b, BATCH_MAX);
	gb_arg_name(b, "n");
}

void batch_register(void)
{
	add_sizes(gb_register("batch_lifo", bm_lifo));
	add_sizes(gb_register("batch_fifo", bm_fifo));
	add_sizes(gb_register("batch_random", bm_random));
}
