/*
 * purge.c - does the allocator give memory back after a big free?
 *
 *   1. allocate about 300 MiB (-m) in blocks of 32 B to 64 KiB - half of the
 *      bytes in small blocks (32 B - 1 KiB), half in medium ones
 *      (1 KiB - 64 KiB) - and write every byte;
 *   2. free them all, in a shuffled order;
 *   3. carry on with "ordinary activity" for 3 s (-d): every 10 ms, 2000
 *      small malloc/free replacements in a pool of 1024 blocks; RSS from
 *      /proc/self/statm is sampled every 100 ms;
 *   4. call malloc_trim(0) and read RSS once more.
 *
 * The pointer table lives in mmap'ed memory, not in the heap under test.
 * Blocks are sized by a fixed-seed xorshift64*: the same heap for every
 * allocator.
 *
 * Usage: purge [-m MiB] [-d seconds] [-s seed]
 * Output: "key value" lines, sizes in KiB (like GNU time's %M):
 *   allocated_kib, blocks, rss_start_kib, rss_full_kib (after step 1),
 *   peak_rss_kib (VmHWM or the largest sample), rss_after_free_kib,
 *   rss_kib_t<ms> (one per sample, ms after the free), rss_0.5s_kib,
 *   rss_1s_kib, rss_2s_kib, rss_3s_kib (the sample at that time; -1 past
 *   the end of a shorter -d), trim_returned, rss_after_trim_kib.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

enum {
	POOL = 1024,		/* blocks of the ordinary activity */
	TICK_MS = 10,
	OPS_PER_TICK = 2000,
	SAMPLE_MS = 100,
	MAX_SAMPLES = 100000,
};

static long page_kib;

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, resident = -1;
	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * page_kib;
}

static long hwm_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void sleep_until_ms(double t)
{
	double d = t - now_ms();
	if (d <= 0)
		return;
	struct timespec ts = { (time_t)(d / 1e3), (long)((d - (double)(time_t)(d / 1e3) * 1e3) * 1e6) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static size_t block_size(rng_t *r, int medium)
{
	/* log-uniform inside each band: many small blocks, fewer large ones */
	unsigned lo = medium ? 10 : 5, hi = medium ? 16 : 10;
	unsigned e = lo + rng_below(r, hi - lo);
	size_t base = (size_t)1 << e;
	return base + rng_below(r, (uint32_t)base);
}

static void usage(void)
{
	fprintf(stderr, "usage: purge [-m MiB (default 300)] [-d seconds (default 3)] [-s seed]\n");
	exit(2);
}

static void *map_table(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("purge: mmap");
		exit(2);
	}
	return p;
}

int main(int argc, char **argv)
{
	double mib = 300, seconds = 3;
	uint64_t seed = 1;
	int opt;
	char *end;

	while ((opt = getopt(argc, argv, "m:d:s:h")) != -1) {
		errno = 0;
		switch (opt) {
		case 'm':
			mib = strtod(optarg, &end);
			if (*end || errno || !(mib > 0) || mib > 4096)
				usage();
			break;
		case 'd':
			seconds = strtod(optarg, &end);
			if (*end || errno || !(seconds >= 0) || seconds > 3600)
				usage();
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end || errno)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	page_kib = sysconf(_SC_PAGESIZE) / 1024;

	rng_t rng = { seed ? seed : 1 };
	for (int i = 0; i < 4; i++)
		rng_next(&rng);

	long rss_start = rss_kib();

	/* 1. fill: the band with fewer bytes so far gets the next block, so
	 * medium blocks are interleaved with runs of small ones */
	uint64_t target = (uint64_t)(mib * 1024 * 1024), half = target / 2, band[2] = { 0, 0 };
	size_t cap = (size_t)(target / 32 + 16), n = 0;
	void **blocks = map_table(cap * sizeof(void *));
	while ((band[0] < half || band[1] < half) && n < cap) {
		int medium = band[0] >= half ? 1 : band[1] >= half ? 0 : band[1] <= band[0];
		size_t sz = block_size(&rng, medium);
		char *p = malloc(sz);
		if (p == NULL) {
			fprintf(stderr, "purge: malloc(%zu) failed after %zu blocks\n", sz, n);
			return 1;
		}
		memset(p, (int)(n & 0xff) | 1, sz);
		blocks[n++] = p;
		band[medium] += sz;
	}
	long rss_full = rss_kib();

	/* 2. free everything, shuffled (Fisher-Yates with the same generator) */
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rng_next(&rng) % i);
		void *t = blocks[i - 1];
		blocks[i - 1] = blocks[j];
		blocks[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		free(blocks[i]);
	munmap(blocks, cap * sizeof(void *));
	double t0 = now_ms();
	long rss_free = rss_kib();

	/* 3. ordinary activity, RSS sampled every 100 ms */
	static void *pool[POOL];
	static long samples[MAX_SAMPLES];
	size_t nsamples = (size_t)(seconds * 1000 / SAMPLE_MS);
	if (nsamples >= MAX_SAMPLES)
		nsamples = MAX_SAMPLES - 1;
	samples[0] = rss_free;
	unsigned long sink = 0;
	for (size_t s = 1; s <= nsamples; s++) {
		for (int tick = 0; tick < SAMPLE_MS / TICK_MS; tick++) {
			double tick_end = t0 + (double)((s - 1) * SAMPLE_MS + (size_t)(tick + 1) * TICK_MS);
			for (int k = 0; k < OPS_PER_TICK; k++) {
				uint32_t i = rng_below(&rng, POOL);
				free(pool[i]);
				size_t sz = 16 + rng_below(&rng, 241);
				char *p = malloc(sz);
				if (p == NULL)
					return 1;
				p[0] = (char)k;
				p[sz - 1] = (char)s;
				pool[i] = p;
			}
			sleep_until_ms(tick_end);
		}
		samples[s] = rss_kib();
	}
	for (size_t i = 0; i < POOL; i++) {
		if (pool[i] != NULL)
			sink += (unsigned char)((char *)pool[i])[0];
		free(pool[i]);
		pool[i] = NULL;
	}

	/* 4. explicit trim */
	int trimmed = malloc_trim(0);
	long rss_trim = rss_kib();

	printf("allocated_kib %llu\n", (unsigned long long)((band[0] + band[1]) / 1024));
	printf("blocks %zu\n", n);
	printf("rss_start_kib %ld\n", rss_start);
	printf("rss_full_kib %ld\n", rss_full);
	/* VmHWM is synced lazily by the kernel: take the largest figure seen */
	long peak = hwm_kib();
	if (rss_full > peak)
		peak = rss_full;
	for (size_t s = 0; s <= nsamples; s++)
		if (samples[s] > peak)
			peak = samples[s];
	printf("peak_rss_kib %ld\n", peak);
	printf("rss_after_free_kib %ld\n", rss_free);
	for (size_t s = 0; s <= nsamples; s++)
		printf("rss_kib_t%zu %ld\n", s * SAMPLE_MS, samples[s]);
	static const struct {
		const char *key;
		size_t ms;
	} marks[] = { { "rss_0.5s_kib", 500 }, { "rss_1s_kib", 1000 },
		      { "rss_2s_kib", 2000 }, { "rss_3s_kib", 3000 } };
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
		size_t s = marks[m].ms / SAMPLE_MS;
		printf("%s %ld\n", marks[m].key, s <= nsamples ? samples[s] : -1L);
	}
	printf("trim_returned %d\n", trimmed);
	printf("rss_after_trim_kib %ld\n", rss_trim);
	if (sink == 0xdeadbeef)
		fputc(' ', stderr);
	return 0;
}
