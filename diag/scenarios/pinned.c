/*
 * pinned.c - scenario: a steady heap that holds far more than its live data
 * (survivors pinned their pages early, then nothing grows).
 *
 * Before the first tick it loads PIN_BYTES of records in each of
 * PIN_CLASS_COUNT sizes (64 B to 512 B) and keeps one in PIN_KEEP_EVERY of
 * them (every third: the survivors are spread evenly over every page the
 * load filled), freeing the rest: a start-up that builds a big working set
 * and keeps a third of it. Each page then holds a third of its blocks; none
 * can be released. After that every tick does what stable.c does: the
 * prelude, and a steady pool of STEADY_COUNT objects of other sizes
 * (16-48 B and 1-2 KiB) rewritten in place. Nothing grows; the holes of the
 * pinned pages are never needed (the steady sizes are other classes), so
 * they stay stranded for the whole run.
 *
 * Expected verdict: stable, with the note that the heap holds far more than
 * its live data: `allocated` flat at about 9 MiB (8 MiB of survivors and
 * 1 MiB of the pool), `active` flat at about 26 MiB, external fragmentation
 * about 65 %, stranded in the four pinned classes.
 */
#include "scenario.h"

#define PIN_BYTES (6u << 20)
#define PIN_KEEP_EVERY 3
#define STEADY_COUNT 1024
#define STEADY_CHURN 128

static const size_t pin_sizes[] = {64, 128, 256, 512};
#define PIN_CLASS_COUNT (sizeof(pin_sizes) / sizeof(pin_sizes[0]))
#define PIN_MAX (PIN_BYTES / 64)

static void *loaded[PIN_MAX];
static void *survivors[PIN_CLASS_COUNT][PIN_MAX / PIN_KEEP_EVERY + 1];
static void *steady[STEADY_COUNT];
static size_t steady_size[STEADY_COUNT];

static size_t steady_pick(rng_t *rng)
{
	if (rng_below(rng, 2) == 0)
		return 16 + 16 * rng_below(rng, 3);
	return 1024 + rng_below(rng, 1025);
}

static scenario_pool_t pool = {steady, steady_size, STEADY_COUNT, 0, steady_pick};

/* Loads PIN_BYTES of one size and keeps every PIN_KEEP_EVERY-th block;
 * returns the bytes kept. */
static size_t pin_class(const scenario_t *sc, size_t c)
{
	size_t n = pin_sizes[c], count = PIN_BYTES / n, kept = 0;
	for (size_t i = 0; i < count; i++) {
		loaded[i] = scenario_malloc(sc, n);
		memset(loaded[i], (int)i, n);
	}
	for (size_t i = 0; i < count; i++) {
		if (i % PIN_KEEP_EVERY == 0)
			survivors[c][kept++] = loaded[i];
		else
			free(loaded[i]);
	}
	return kept * n;
}

int main(int argc, char **argv)
{
	scenario_t sc;
	scenario_init(&sc, "pinned", argc, argv);
	rng_t rng = {UINT64_C(0x2545f4914f6cdd1d)};

	size_t pinned = 0;
	for (size_t c = 0; c < PIN_CLASS_COUNT; c++)
		pinned += pin_class(&sc, c);
	scenario_pool_fill(&pool, &sc, &rng);

	while (scenario_next_tick(&sc)) {
		scenario_prelude(&sc, &rng);
		for (unsigned i = 0; i < STEADY_CHURN; i++)
			scenario_pool_replace(&pool, &sc, &rng, rng_below(&rng, STEADY_COUNT));
	}

	printf("pinned: %lu ticks in %.1f s, %.2f MiB of survivors in %.0f MiB of loaded records, "
	       "steady pool %.2f MiB\n",
	       sc.ticks, scenario_elapsed(&sc), (double)pinned / MIB,
	       (double)(PIN_BYTES * PIN_CLASS_COUNT) / MIB, (double)pool.bytes / MIB);
	return 0;
}
