/*
 * pairs.c - malloc+free pairs for counting instructions (bench/callgrind).
 *
 * Usage: pairs SIZE SINGLES BATCHES
 *
 *   1. SINGLES times: p = malloc(SIZE); free(p);  (the block is reused at once)
 *   2. BATCHES times: 1000 x malloc(SIZE), then the 1000 blocks freed in the
 *      order they were allocated (free lists are walked, not just one slot).
 *
 * Pairs in all: SINGLES + 1000 * BATCHES. Every call goes through the PLT to
 * whatever malloc the dynamic linker bound (one binary for every allocator,
 * swapped in with LD_PRELOAD). Each pointer is passed to an empty asm
 * statement that claims to read it and clobber memory (jemalloc's no_opt_ptr
 * idea), and the program is built with -fno-builtin-malloc/-free: the
 * compiler can neither delete a pair nor merge the calls.
 *
 * Output: "key value" lines (size, singles, batches, pairs).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench/cli.h"

enum { BATCH = 1000 };

static void *batch[BATCH];

/* The compiler must assume p escapes and memory changed: no pair elision. */
static inline void keep(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: pairs SIZE SINGLES BATCHES\n");
		return 2;
	}
	size_t size = bench_parse_ulong("pairs", argv[1], "SIZE");
	unsigned long singles = bench_parse_ulong("pairs", argv[2], "SINGLES");
	unsigned long batches = bench_parse_ulong("pairs", argv[3], "BATCHES");

	for (unsigned long i = 0; i < singles; i++) {
		void *p = malloc(size);
		keep(p);
		if (p == NULL)
			return 1;
		free(p);
	}

	for (unsigned long b = 0; b < batches; b++) {
		for (unsigned i = 0; i < BATCH; i++) {
			void *p = malloc(size);
			keep(p);
			batch[i] = p;
		}
		for (unsigned i = 0; i < BATCH; i++) {
			if (batch[i] == NULL)
				return 1;
			free(batch[i]);
		}
	}

	printf("size %zu\n", size);
	printf("singles %lu\n", singles);
	printf("batches %lu\n", batches);
	printf("pairs %lu\n", singles + (unsigned long)BATCH * batches);
	return 0;
}
