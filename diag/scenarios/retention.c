/*
 * retention.c - scenario: the allocator keeps pages that hold no live block
 * (retention: committed far above active).
 *
 * Meant to run with MALLARD_PURGE_DELAY_MS=-1 (purging disabled; the test
 * harness sets it), so that mallard holds every slice it has freed.
 *
 * Each tick, after the prelude, replaces RESIDENT_CHURN of RESIDENT_COUNT
 * small resident objects with new ones of the same size (64-256 bytes,
 * each slot a size of its own: the live set, small and flat).
 * Every BURST_EVERY ticks (50 ms) it also makes a burst: large blocks of
 * 68-448 KiB (random, 4 KiB steps) until their total reaches the burst's
 * peak, every page written, then all freed in random order. The peak grows
 * in a straight line from PEAK_FIRST to PEAK_LAST over the run, so each
 * burst needs a little more memory than any before it.
 *
 * The blocks stay under 512 KiB: mallard gives blocks above half a segment
 * (2 MiB on 64-bit, 512 KiB on 32-bit) a mapping of their own, unmapped on
 * free, which would not be retained. Below that they are spans of 64 KiB
 * slices: freed, they stay committed (dirty) until purged, which
 * MALLARD_PURGE_DELAY_MS=-1 prevents; the next burst reuses them and adds
 * only the growth of the peak.
 *
 * Expected verdict: retention. `allocated` and `active` flat and small (the
 * resident objects, well under 1 MiB, between bursts); `committed` and `rss`
 * rising with the peak to about PEAK_LAST (24 MiB). With mallard's default
 * purge delay (100 ms) they rise too, with dips: a burst mostly reuses the
 * slices of the one before (50 ms earlier) before they are due to be
 * purged, but some are purged in between. Under glibc the blocks at or
 * above its mmap threshold (128 KiB at first, adjusted up as mapped blocks
 * are freed) are mapped and unmapped, the rest go in the brk heap, of which
 * only the free top is trimmed.
 */
#include "scenario.h"

#define RESIDENT_COUNT 2048
#define RESIDENT_CHURN 64
#define BURST_EVERY 5
#define PEAK_FIRST (4u << 20)
#define PEAK_LAST (24u << 20)
#define BLOCK_MIN (68u << 10)
#define BLOCK_STEPS 96 /* BLOCK_MIN + 0..95 x 4 KiB: up to 448 KiB */
#define BLOCK_STEP (4u << 10)
#define BURST_MAX (PEAK_LAST / BLOCK_MIN + 1)

static void *resident[RESIDENT_COUNT];
static size_t resident_size[RESIDENT_COUNT];
static void *burst[BURST_MAX];

/* Sizes of the small live set: 64-256 bytes in 16-byte steps. */
static size_t resident_pick(rng_t *rng)
{
	return 64 + 16 * rng_below(rng, 13);
}

static scenario_pool_t pool = {resident, resident_size, RESIDENT_COUNT, 0, resident_pick};

/* Large blocks up to `peak` bytes, written, then freed in random order. */
static size_t retention_burst(const scenario_t *sc, rng_t *rng, size_t peak)
{
	size_t n = 0, total = 0;
	while (total < peak && n < BURST_MAX) {
		size_t size = BLOCK_MIN + BLOCK_STEP * rng_below(rng, BLOCK_STEPS);
		burst[n] = scenario_malloc(sc, size);
		scenario_touch(burst[n], size);
		total += size;
		n++;
	}
	for (size_t left = n; left > 0; left--) {
		size_t j = rng_below(rng, left);
		free(burst[j]);
		burst[j] = burst[left - 1];
	}
	return total;
}

int main(int argc, char **argv)
{
	scenario_t sc;
	scenario_init(&sc, "retention", argc, argv);
	rng_t rng = {UINT64_C(0xd1b54a32d192ed03)};

	scenario_pool_fill(&pool, &sc, &rng);

	size_t peak_done = 0;
	while (scenario_next_tick(&sc)) {
		scenario_prelude(&sc, &rng);
		for (unsigned i = 0; i < RESIDENT_CHURN; i++)
			scenario_pool_replace(&pool, &sc, &rng, rng_below(&rng, RESIDENT_COUNT));
		if ((sc.tick - 1) % BURST_EVERY != 0)
			continue;
		double f = sc.ticks > 1 ? (double)(sc.tick - 1) / (double)(sc.ticks - 1) : 1.0;
		size_t peak = PEAK_FIRST + (size_t)((double)(PEAK_LAST - PEAK_FIRST) * f);
		size_t done = retention_burst(&sc, &rng, peak);
		if (done > peak_done)
			peak_done = done;
	}

	printf("retention: %lu ticks in %.1f s, live %.2f MiB in %u resident blocks, largest burst %.1f MiB "
	       "(all freed)\n",
	       sc.ticks, scenario_elapsed(&sc), (double)pool.bytes / MIB, RESIDENT_COUNT,
	       (double)peak_done / MIB);
	return 0;
}
