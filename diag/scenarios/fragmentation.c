/*
 * fragmentation.c - scenario: live bytes stay flat while the pages holding
 * them grow in number (external fragmentation).
 *
 * Each tick, after the prelude, allocates a batch of BATCH_BYTES of small
 * objects of one size, keeps 1 in 64 of them (every 64th, so the survivors
 * are spread evenly over every page the batch filled) and frees the rest.
 * The survivors go into a pool of POOL_BYTES; the pool evicts (frees)
 * survivors until it is back under that, so the live bytes stay flat.
 *
 * Why the page count still grows:
 *
 *   - An allocator with pages of one size class and free lists per page
 *     (mallard, mimalloc, jemalloc's slabs) refills the holes of a class's
 *     pages before it takes a new page, so a class's page count never
 *     exceeds its peak need: repeating the same batch in the same class
 *     would pin one batch's worth of pages and no more. So the size changes
 *     with the phase: the run is cut into FRAG_SIZE_COUNT phases of equal
 *     length, each with its own size (32 B to 1280 B); each phase's first
 *     batch takes fresh pages, and later batches of the phase refill them.
 *   - The pool evicts a random survivor, but skips one that is the last in
 *     its 64 KiB region of address space (mallard's page, 16 OS pages) while
 *     it can find another within EVICT_TRIES picks. So old phases are
 *     thinned to one survivor per region rather than emptied: each keeps all
 *     of its pages, none of which can be released or reused by another size.
 *
 * With BATCH_BYTES = 1 MiB each phase pins 16 to 20 more 64 KiB pages (the
 * batch, and the survivors that refill its holes) while the pool holds
 * POOL_BYTES (512 KiB) throughout. The pool is filled before the first tick
 * (batches of the first size, at once), so the live set is flat from the
 * start. A snapshot taken during a batch sees up to BATCH_BYTES more
 * allocated: a tick's work takes about 0.5 ms of its 10 ms under mallard.
 *
 * Expected verdict: fragmentation. `allocated` flat at about POOL_BYTES;
 * `active` rising by about 1.2 MiB a phase to about 24 MiB (48 x allocated);
 * `committed` and `rss` follow `active`. Under glibc, whose free chunks of
 * any size coalesce and are reused for the next size, RSS stays near one
 * batch plus the pool instead of growing.
 */
#include "scenario.h"

#define BATCH_BYTES (1u << 20)
#define KEEP_EVERY 64
#define POOL_BYTES (512u << 10)
#define REGION_SHIFT 16 /* 64 KiB */
#define EVICT_TRIES 32

static const size_t frag_sizes[] = {32,  48,  64,  80,  96,  112, 128, 160, 192, 224,
				    256, 320, 384, 448, 512, 640, 768, 896, 1024, 1280};
#define FRAG_SIZE_COUNT (sizeof(frag_sizes) / sizeof(frag_sizes[0]))

#define BATCH_MAX (BATCH_BYTES / 32)
#define POOL_MAX (POOL_BYTES / 32 + BATCH_MAX / KEEP_EVERY + 1)
#define REGION_SLOTS (1u << 15) /* open-addressing table, kept under 3/4 full */

typedef struct {
	void *ptr;
	size_t size;
} survivor_t;

typedef struct {
	uintptr_t region; /* address >> REGION_SHIFT; 0: empty slot */
	uint32_t count;   /* survivors in the region */
} region_t;

static void *batch[BATCH_MAX];
static survivor_t pool[POOL_MAX];
static size_t pool_count;
static size_t pool_bytes;
static region_t regions[REGION_SLOTS];
static size_t regions_used; /* slots with a region, counts of 0 included */

static uintptr_t region_of(const void *p)
{
	return ((uintptr_t)p >> REGION_SHIFT) + 1; /* never 0 */
}

static region_t *region_find(uintptr_t key)
{
	size_t i = (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 17) & (REGION_SLOTS - 1);
	while (regions[i].region != 0 && regions[i].region != key)
		i = (i + 1) & (REGION_SLOTS - 1);
	return &regions[i];
}

/* Forgets the regions no survivor is in, when the table gets full. */
static void region_rebuild(void)
{
	memset(regions, 0, sizeof(regions));
	regions_used = 0;
	for (size_t i = 0; i < pool_count; i++) {
		region_t *r = region_find(region_of(pool[i].ptr));
		if (r->region == 0) {
			r->region = region_of(pool[i].ptr);
			regions_used++;
		}
		r->count++;
	}
}

static void pool_add(const scenario_t *sc, void *p, size_t n)
{
	if (pool_count == POOL_MAX) {
		fprintf(stderr, "%s: survivor pool overflow\n", sc->name);
		exit(1);
	}
	if (regions_used >= REGION_SLOTS / 4 * 3)
		region_rebuild();
	region_t *r = region_find(region_of(p));
	if (r->region == 0) {
		r->region = region_of(p);
		regions_used++;
	}
	r->count++;
	pool[pool_count].ptr = p;
	pool[pool_count].size = n;
	pool_count++;
	pool_bytes += n;
}

static void pool_evict(rng_t *rng)
{
	size_t j = 0;
	region_t *r = NULL;
	for (unsigned t = 0; t < EVICT_TRIES; t++) {
		j = rng_below(rng, pool_count);
		r = region_find(region_of(pool[j].ptr));
		if (r->count > 1)
			break;
	}
	r->count--;
	pool_bytes -= pool[j].size;
	free(pool[j].ptr);
	pool[j] = pool[--pool_count];
}

static size_t regions_pinned(void)
{
	size_t n = 0;
	for (size_t i = 0; i < REGION_SLOTS; i++)
		n += regions[i].region != 0 && regions[i].count > 0;
	return n;
}

/* One batch of `size`: allocate, keep 1 in KEEP_EVERY, free the rest. */
static void frag_batch(const scenario_t *sc, size_t size)
{
	size_t n = BATCH_BYTES / size;
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = scenario_malloc(sc, size);
		p[0] = (unsigned char)i;
		p[size - 1] = (unsigned char)size;
		batch[i] = p;
	}
	for (size_t i = 0; i < n; i++) {
		if (i % KEEP_EVERY == 0)
			pool_add(sc, batch[i], size);
		else
			free(batch[i]);
	}
}

int main(int argc, char **argv)
{
	scenario_t sc;
	scenario_init(&sc, "fragmentation", argc, argv);
	rng_t rng = {UINT64_C(0x2545f4914f6cdd1d)};
	unsigned long phase_ticks = (sc.ticks + FRAG_SIZE_COUNT - 1) / FRAG_SIZE_COUNT;

	while (pool_bytes < POOL_BYTES)
		frag_batch(&sc, frag_sizes[0]);

	unsigned long phases = 0;
	while (scenario_next_tick(&sc)) {
		scenario_prelude(&sc, &rng);
		unsigned long phase = (sc.tick - 1) / phase_ticks;
		phases = phase + 1;
		frag_batch(&sc, frag_sizes[phase % FRAG_SIZE_COUNT]);
		while (pool_bytes > POOL_BYTES)
			pool_evict(&rng);
	}

	printf("fragmentation: %lu ticks in %.1f s, %lu phases, live %.2f MiB in %zu survivors over %zu regions of "
	       "64 KiB (%.1f MiB)\n",
	       sc.ticks, scenario_elapsed(&sc), phases, (double)pool_bytes / MIB, pool_count, regions_pinned(),
	       (double)regions_pinned() * (1u << REGION_SHIFT) / MIB);
	return 0;
}
