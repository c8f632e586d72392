/*
 * grow.c - a buffer grown with realloc to 1 MiB, then freed.
 *
 *   realloc_add/step:S     S, 2S, 3S, ... 1 MiB (appending S bytes at a
 *                          time): S = 1 KiB, 16 KiB, 256 KiB, i.e. 1024, 64
 *                          and 4 reallocs per iteration
 *   realloc_double/to:T    16, 32, 64, ... T (a vector doubling its
 *                          capacity): T = 4 KiB, 64 KiB, 1 MiB
 *
 * The first call is realloc(NULL, ...). After each call the last byte of
 * the new size is written, as an appender would: the allocator must really
 * provide the memory. One iteration grows and frees one buffer;
 * items_per_second counts realloc calls. An allocator that copies on every
 * call of realloc_add/step:1024 moves about 512 MiB per iteration: slow, but
 * Google Benchmark then just runs fewer iterations.
 */
#include <stdlib.h>

#include "bench/gbench/gbench.h"
#include "bench/gbench/micro.h"

enum { GROW_TARGET = 1 << 20 };

/* Grow from `first` to at most `last` bytes, adding `step` bytes a call
 * (step 0: doubling). */
static void run_growth(gb_state *st, int64_t iters, size_t first, size_t last, size_t step)
{
	int64_t calls = 0;
	for (int64_t i = 0; i < iters; i++) {
		char *buf = NULL;
		for (size_t size = first; size <= last; size = step ? size + step : size * 2) {
			char *nbuf = realloc(buf, size);
			gb_escape(nbuf);
			if (nbuf == NULL) {
				free(buf);
				gb_error(st, "realloc failed");
				return;
			}
			buf = nbuf;
			buf[size - 1] = (char)size;
			calls++;
		}
		free(buf);
	}
	gb_set_items(st, calls);
}

static void bm_realloc_add(gb_state *st, int64_t iters, int64_t arg)
{
	run_growth(st, iters, (size_t)arg, GROW_TARGET, (size_t)arg);
}

static void bm_realloc_double(gb_state *st, int64_t iters, int64_t arg)
{
	run_growth(st, iters, 16, (size_t)arg, 0);
}

void grow_register(void)
{
	gb_bench *b = gb_register("realloc_add", bm_realloc_add);
	gb_arg(b, 1024);
	gb_arg(b, 16 * 1024);
	gb_arg(b, 256 * 1024);
	gb_arg_name(b, "step");

	b = gb_register("realloc_double", bm_realloc_double);
	gb_range(b, 4096, GROW_TARGET, 16);	/* 4 KiB, 64 KiB, 1 MiB */
	gb_arg_name(b, "to");
}
