/*
 * rng.h - xorshift64* (Vigna): fast, deterministic, good enough for choosing
 * work. Shared by the benchmark programs, so a seed means the same sequence
 * in each of them.
 */
#ifndef MALLARD_BENCH_RNG_H
#define MALLARD_BENCH_RNG_H

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

#endif /* MALLARD_BENCH_RNG_H */
