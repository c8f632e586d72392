/*
 * rng.h - xorshift64* (Vigna): fast, deterministic, good enough for choosing
 * work. Shared by the benchmark programs, so a seed means the same sequence
 * in each of them.
 */
#ifndef MALLARD_BENCH_RNG_H
#define MALLARD_BENCH_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint64_t s;
} rng_t;

static inline uint64_t rng_next(rng_t *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * UINT64_C(2685821657736338717);
}

/* Uniform in [0, n) (n small: the modulo bias is irrelevant here). */
static inline uint32_t rng_below(rng_t *r, uint32_t n)
{
	return (uint32_t)((rng_next(r) >> 32) % n);
}

/* Interpreter-like small sizes: half 16-64, then thinning out to 512
 * (bench/churn and the gbench interpreter mix draw the same mix). */
static inline size_t rng_small_size(rng_t *r)
{
	uint32_t c = rng_below(r, 100);
	if (c < 50)
		return 16 + rng_below(r, 49);
	if (c < 80)
		return 65 + rng_below(r, 64);
	if (c < 95)
		return 129 + rng_below(r, 128);
	return 257 + rng_below(r, 256);
}

#endif /* MALLARD_BENCH_RNG_H */
