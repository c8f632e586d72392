/*
 * pairs.c - one block allocated and freed at once, per size.
 *
 *   malloc_free/size:N   p = malloc(N); free(p)     N = 16 B .. 1 MiB, x2
 *   calloc_free/size:N   p = calloc(1, N); free(p)  N = 16 B .. 1 MiB, x4
 *
 * One iteration is one pair; items_per_second counts pairs. The block is
 * reused at once, so this is the fast path (or, for large N, the cost of
 * going to the OS, if the allocator does not keep the block). calloc
 * reports bytes_per_second: zeroing is its work, unless the allocator
 * knows the memory is fresh from the OS.
 */
#include <stdlib.h>

#include "bench/gbench/gbench.h"
#include "bench/gbench/micro.h"

static void bm_malloc_free(gb_state *st, int64_t iters, int64_t arg)
{
	size_t size = (size_t)arg;
	for (int64_t i = 0; i < iters; i++) {
		void *p = malloc(size);
		gb_escape(p);
		if (p == NULL) {
			gb_error(st, "malloc failed");
			return;
		}
		free(p);
	}
	gb_set_items(st, iters);
}

static void bm_calloc_free(gb_state *st, int64_t iters, int64_t arg)
{
	size_t size = (size_t)arg;
	for (int64_t i = 0; i < iters; i++) {
		void *p = calloc(1, size);
		gb_escape(p);
		if (p == NULL) {
			gb_error(st, "calloc failed");
			return;
		}
		free(p);
	}
	gb_set_items(st, iters);
	gb_set_bytes(st, iters * arg);
}

void pairs_register(void)
{
	gb_bench *b = gb_register("malloc_free", bm_malloc_free);
	gb_range(b, 16, 1 << 20, 2);
	gb_arg_name(b, "size");

	b = gb_register("calloc_free", bm_calloc_free);
	gb_range(b, 16, 1 << 20, 4);
	gb_arg_name(b, "size");
}
