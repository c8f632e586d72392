/*
 * bigblocks.c - big blocks allocated, filled and freed in turn: the cases
 * where an allocator that maps every big block afresh pays the kernel for
 * each one (page faults, zeroing, unmapping) and one that keeps them does
 * not.
 *
 * Usage: bigblocks MODE [-n ITERATIONS] [-s SEED]
 *
 *   large   the pattern of mimalloc-bench's malloc-large: 20 slots, each
 *           iteration replaces a random slot's buffer with a new one of a
 *           random size from 5 to 25 MB, zero-filled as C++'s
 *           make_unique<char[]>(n) does (calloc-free: malloc, then memset).
 *           Default 5000 iterations.
 *   mid     the same with 4 slots of 128 KiB to 1 MiB (default 200000
 *           iterations): large spans inside segments, not mappings.
 *   calloc  calloc(1, 1 MiB) and free, the memory not touched: what an
 *           allocator that knows its memory is zero saves (default 200000).
 *
 * Every call goes through the PLT (-fno-builtin-*), so LD_PRELOAD swaps the
 * allocator. Prints "key value" lines: mode, iterations, seconds (wall
 * clock of the loop), bytes (allocated in all), checksum (a byte read back
 * from every buffer, so no write can be elided).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/rng.h"

_Noreturn static void usage(void)
{
	fprintf(stderr, "usage: bigblocks large|mid|calloc [-n ITERATIONS] [-s SEED]\n");
	exit(2);
}

/* Slots of buffers replaced at random, each zero-filled when made. */
static int replace_loop(unsigned slots, size_t lo, size_t hi, unsigned long iters, rng_t *rng, uint64_t *bytes,
                        unsigned long *check)
{
	enum { SLOTS_MAX = 64 };
	char *buf[SLOTS_MAX] = {0};
	size_t len[SLOTS_MAX] = {0};
	for (unsigned long i = 0; i < iters; i++) {
		unsigned k = rng_below(rng, slots);
		size_t n = lo + (size_t)(rng_next(rng) % (hi - lo + 1));
		char *p = malloc(n);
		if (p == NULL) {
			fprintf(stderr, "bigblocks: malloc(%zu) failed\n", n);
			return 1;
		}
		memset(p, 0, n);
		p[n / 2] = (char)i;
		if (buf[k])
			*check += (unsigned char)buf[k][len[k] / 2];
		free(buf[k]);
		buf[k] = p;
		len[k] = n;
		*bytes += n;
	}
	for (unsigned k = 0; k < slots; k++)
		free(buf[k]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	const char *mode = argv[1];
	unsigned long iters = 0;
	uint64_t seed = 42;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			iters = bench_parse_ulong("bigblocks", argv[++i], "iteration count");
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			seed = bench_parse_ulong("bigblocks", argv[++i], "seed");
		else
			usage();
	}
	rng_t rng = {seed * 2 + 1};
	uint64_t bytes = 0;
	unsigned long check = 0;
	int rc;
	double t0 = bench_now_s();
	if (strcmp(mode, "large") == 0) {
		iters = iters ? iters : 5000;
		rc = replace_loop(20, (size_t)5 << 20, (size_t)25 << 20, iters, &rng, &bytes, &check);
	} else if (strcmp(mode, "mid") == 0) {
		iters = iters ? iters : 200000;
		rc = replace_loop(4, (size_t)128 << 10, (size_t)1 << 20, iters, &rng, &bytes, &check);
	} else if (strcmp(mode, "calloc") == 0) {
		iters = iters ? iters : 200000;
		rc = 0;
		for (unsigned long i = 0; i < iters; i++) {
			char *p = calloc(1, (size_t)1 << 20);
			if (p == NULL) {
				fprintf(stderr, "bigblocks: calloc failed\n");
				return 1;
			}
			__asm__ volatile("" : : "r"(p) : "memory");
			bytes += (size_t)1 << 20;
			free(p);
		}
	} else {
		usage();
	}
	double t1 = bench_now_s();
	if (rc != 0)
		return rc;
	printf("mode %s\niterations %lu\nseconds %.3f\nbytes %llu\nchecksum %lu\n", mode, iters, t1 - t0,
	       (unsigned long long)bytes, check);
	return 0;
}
