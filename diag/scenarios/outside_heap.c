/*
 * outside_heap.c - scenario: memory grows outside the heap.
 *
 * The program maps CHUNK_COUNT chunks of CHUNK_BYTES (anonymous, private
 * mmap, every page written, never unmapped), spread evenly over the run:
 * 32 MiB in all, whatever its length (short run: a chunk almost every tick;
 * --long: one every half second or so). The allocator never sees these
 * mappings, as it would not see a JIT's code cache, a thread stack or a
 * second allocator inside a library.
 *
 * Meanwhile the heap does a steady churn: after the prelude, each tick
 * replaces RESIDENT_CHURN of RESIDENT_COUNT resident objects (32-512 bytes,
 * each slot with a size of its own) with new ones of the same size, so the
 * heap is busy but flat.
 *
 * Expected verdict: outside the heap. `allocated`, `active` and `committed`
 * flat (about 0.3 MiB of resident objects); `rss` rising by 32 MiB in a
 * straight line, with `rss - resident` accounting for it.
 */
#include "scenario.h"

#include <sys/mman.h>

#define CHUNK_BYTES (128u << 10)
#define CHUNK_COUNT 256
#define RESIDENT_COUNT 1024
#define RESIDENT_CHURN 64

static void *resident[RESIDENT_COUNT];
static size_t resident_size[RESIDENT_COUNT];
static void *volatile chunks[CHUNK_COUNT];

/* Sizes of the steady heap: 32-512 bytes in 16-byte steps. */
static size_t resident_pick(rng_t *rng)
{
	return 32 + 16 * rng_below(rng, 31);
}

static scenario_pool_t pool = {resident, resident_size, RESIDENT_COUNT, 0, resident_pick};

int main(int argc, char **argv)
{
	scenario_t sc;
	scenario_init(&sc, "outside_heap", argc, argv);
	rng_t rng = {UINT64_C(0xbf58476d1ce4e5b9)};

	scenario_pool_fill(&pool, &sc, &rng);

	unsigned long mapped = 0;
	while (scenario_next_tick(&sc)) {
		scenario_prelude(&sc, &rng);
		for (unsigned i = 0; i < RESIDENT_CHURN; i++)
			scenario_pool_replace(&pool, &sc, &rng, rng_below(&rng, RESIDENT_COUNT));
		unsigned long due = (unsigned long)((double)CHUNK_COUNT * (double)sc.tick / (double)sc.ticks);
		while (mapped < due) {
			void *p = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				fprintf(stderr, "%s: mmap of %u bytes: %s\n", sc.name, CHUNK_BYTES, strerror(errno));
				return 1;
			}
			scenario_touch(p, CHUNK_BYTES);
			chunks[mapped++] = p;
		}
	}

	printf("outside_heap: %lu ticks in %.1f s, mapped %lu chunks, %.1f MiB outside the heap, heap live %.2f "
	       "MiB\n",
	       sc.ticks, scenario_elapsed(&sc), mapped, (double)mapped * CHUNK_BYTES / MIB,
	       (double)pool.bytes / MIB);
	return 0;
}
