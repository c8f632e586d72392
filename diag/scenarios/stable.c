/*
 * stable.c - scenario: steady churn over a flat live set (the control).
 *
 * SLOT_COUNT live objects of random sizes are allocated before the first
 * tick. Each tick, after the prelude, replaces SLOT_CHURN random slots with
 * new objects of the slot's size (a record rewritten), and allocates and
 * frees TEMP_COUNT temporaries, of the same TEMP_COUNT random sizes each
 * tick. Sizes: 7 in 10 of 16-256 bytes, 1 in 4 of 257-2048, 1 in 20 of
 * 2-8 KiB, so many size classes are busy. The live set keeps its count, its
 * bytes and every size's share of them, and each tick's temporaries need
 * the same blocks as the last tick's, so freed blocks are reused and no page
 * is added. (Temporaries of sizes drawn afresh each tick would not do: the
 * peak count of a class would creep up as a random walk sets new records,
 * and with it the class's pages.)
 *
 * Expected verdict: stable, no finding. `allocated` flat at about 3 MiB,
 * `active`, `committed` and `rss` flat after the first tick.
 */
#include "scenario.h"

#define SLOT_COUNT 4096
#define SLOT_CHURN 256
#define TEMP_COUNT 512

static void *slots[SLOT_COUNT];
static size_t slot_size[SLOT_COUNT];
static void *temps[TEMP_COUNT];
static size_t temp_size[TEMP_COUNT];

static size_t stable_size(rng_t *rng)
{
	size_t r = rng_below(rng, 20);
	if (r < 14)
		return 16 + rng_below(rng, 241);
	if (r < 19)
		return 257 + rng_below(rng, 1792);
	return 2049 + rng_below(rng, 6144);
}

static scenario_pool_t pool = {slots, slot_size, SLOT_COUNT, 0, stable_size};

int main(int argc, char **argv)
{
	scenario_t sc;
	scenario_init(&sc, "stable", argc, argv);
	rng_t rng = {UINT64_C(0x94d049bb133111eb)};

	scenario_pool_fill(&pool, &sc, &rng);
	for (size_t i = 0; i < TEMP_COUNT; i++)
		temp_size[i] = stable_size(&rng);

	while (scenario_next_tick(&sc)) {
		scenario_prelude(&sc, &rng);
		for (unsigned i = 0; i < SLOT_CHURN; i++)
			scenario_pool_replace(&pool, &sc, &rng, rng_below(&rng, SLOT_COUNT));
		for (unsigned i = 0; i < TEMP_COUNT; i++) {
			size_t n = temp_size[i];
			unsigned char *p = scenario_malloc(&sc, n);
			p[0] = (unsigned char)i;
			p[n - 1] = (unsigned char)n;
			temps[i] = p;
		}
		for (unsigned i = 0; i < TEMP_COUNT; i++)
			free(temps[i]);
	}

	printf("stable: %lu ticks in %.1f s, live %.2f MiB in %u blocks, %lu replaced\n", sc.ticks,
	       scenario_elapsed(&sc), (double)pool.bytes / MIB, SLOT_COUNT, sc.ticks * SLOT_CHURN);
	return 0;
}
