/*
 * leak.c - scenario: the live set grows steadily (a leak).
 *
 * Each tick, after the prelude, allocates groups of 8 small objects
 * (32-256 bytes: 32, 48, 64, 96, 128, 192 and 256, picked at random), keeps
 * the first of each group forever in a global array and frees the other 7
 * at the end of the tick, as a service would with its temporaries. It
 * allocates groups until the kept bytes reach their share of LEAK_TOTAL for
 * the ticks run so far, so the live set grows in a straight line:
 *
 *   short run (3 s):    LEAK_TOTAL in 3 s, about 2.7 MiB a second;
 *   --long (120 s):     LEAK_TOTAL in 2 minutes, 4 MiB a minute.
 *
 * Expected verdict: leak. `allocated` rises by LEAK_TOTAL over the run, and
 * `active`, `committed` and `rss` rise with it; the size classes from 32 to
 * 256 bytes account for the growth.
 */
#include "scenario.h"

#define LEAK_TOTAL (8u << 20) /* bytes kept over a whole run */
#define GROUP 8               /* objects allocated per object kept */
#define TEMP_MAX 65536        /* temporaries one tick may hold */

static const size_t leak_sizes[] = {32, 48, 64, 96, 128, 192, 256};
#define LEAK_SIZE_COUNT (sizeof(leak_sizes) / sizeof(leak_sizes[0]))

static void **kept;      /* every kept object, never freed */
static size_t kept_count;
static size_t kept_cap;
static size_t kept_bytes;
static void *temps[TEMP_MAX];

static void leak_keep(const scenario_t *sc, void *p, size_t n)
{
	if (kept_count == kept_cap) {
		size_t cap = kept_cap ? 2 * kept_cap : 1024;
		void **grown = realloc(kept, cap * sizeof(*kept));
		if (grown == NULL) {
			fprintf(stderr, "%s: out of memory (kept array of %zu)\n", sc->name, cap);
			exit(1);
		}
		kept = grown;
		kept_cap = cap;
	}
	kept[kept_count++] = p;
	kept_bytes += n;
}

int main(int argc, char **argv)
{
	scenario_t sc;
	scenario_init(&sc, "leak", argc, argv);
	rng_t rng = {UINT64_C(0x9e3779b97f4a7c15)};

	while (scenario_next_tick(&sc)) {
		scenario_prelude(&sc, &rng);
		size_t target = (size_t)((double)LEAK_TOTAL * (double)sc.tick / (double)sc.ticks);
		size_t ntemps = 0;
		while (kept_bytes < target && ntemps + GROUP - 1 <= TEMP_MAX) {
			for (unsigned i = 0; i < GROUP; i++) {
				size_t n = leak_sizes[rng_below(&rng, LEAK_SIZE_COUNT)];
				unsigned char *p = scenario_malloc(&sc, n);
				memset(p, (int)(sc.tick & 0xff), n);
				if (i == 0)
					leak_keep(&sc, p, n);
				else
					temps[ntemps++] = p;
			}
		}
		for (size_t i = 0; i < ntemps; i++)
			free(temps[i]);
	}

	printf("leak: %lu ticks in %.1f s, kept %zu blocks, live %.1f MiB\n", sc.ticks, scenario_elapsed(&sc),
	       kept_count, (double)kept_bytes / MIB);
	return 0;
}
