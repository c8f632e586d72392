/*
 * purge.c - does the allocator give memory back after a big free?
 *
 *   1. allocate about 300 MiB (-m) in blocks of 32 B to 64 KiB - half of the
 *      bytes in small blocks (32 B - 1 KiB), half in medium ones
 *      (1 KiB - 64 KiB) - and write every byte;
 *   2. free them all, in a shuffled order;
 *   3. for -d seconds (3 s in mode churn, 5 s in the others) sample RSS from
 *      /proc/self/statm every 100 ms while the mode's "afterwards" goes on;
 *   4. call malloc_trim(0) and read RSS once more.
 *
 * Modes (-w), the "give-back curves" of one heap in five situations:
 *   churn    (default, the original test) main fills and frees; then, every
 *            10 ms, 2000 small malloc/free replacements in a pool of 1024
 *            blocks ("ordinary activity").
 *   idle     main fills and frees, then only sleeps.
 *   quiet    main fills and frees, then one malloc(64) + write + free every
 *            10 ms: fast-path traffic only.
 *   blocked  a worker thread fills and frees, then blocks in
 *            pthread_cond_wait without exiting; main, which never allocated
 *            the blocks, sleeps. Time 0: the worker has signalled that its
 *            free is done. The worker is released after the trim.
 *   remote   main fills, a worker thread frees every block (cross-thread
 *            frees) and exits; main joins it and then sleeps: the owner of
 *            the memory is idle. Time 0: after the join.
 *   exit     a worker fills and frees, then exits; main joins it and sleeps.
 *            Time 0: after the join.
 * Sampling allocates nothing: statm is read with open/read/close into a
 * stack buffer and parsed by hand, the samples go to a static array, and
 * everything is printed at the end. No malloc_trim before the sampling ends.
 *
 * The pointer table lives in mmap'ed memory, not in the heap under test.
 * Blocks are sized by a fixed-seed xorshift64*: the same heap for every
 * allocator and every mode.
 *
 * Usage: purge [-w churn|idle|quiet|blocked|remote|exit] [-m MiB]
 *              [-d seconds] [-s seed]
 * Output: "key value" lines, sizes in KiB (like GNU time's %M):
 *   mode, allocated_kib, blocks, rss_start_kib, rss_full_kib (after
 *   step 1), peak_rss_kib (the largest of VmHWM, rss_full_kib and the
 *   samples), rss_after_free_kib (the sample at time 0), rss_kib_t<ms> (one
 *   per sample, ms after the free), rss_0.5s_kib, rss_1s_kib, rss_2s_kib,
 *   rss_3s_kib, rss_5s_kib (the sample at that time; -1 past the end of a
 *   shorter -d), first_under_10pct_ms (the first sample time with RSS under
 *   10 % of peak_rss_kib; -1 if none), trim_returned, rss_after_trim_kib.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
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

enum mode { CHURN, IDLE, QUIET, BLOCKED, REMOTE, EXIT };
static const char *const mode_names[] = { "churn", "idle", "quiet", "blocked", "remote", "exit" };

static long page_kib;

/* Reads a /proc file into BUF (NUL-terminated) with no stdio: no malloc. */
static ssize_t read_proc(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	if (fd < 0)
		return -1;
	while (len + 1 < size) {
		ssize_t r = read(fd, buf + len, size - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* The decimal number at *P (spaces skipped); -1 if there is none. */
static long parse_long(const char **p)
{
	const char *s = *p;
	long v = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	*p = s;
	return v;
}

/* Resident set from statm (its second field), in KiB. */
static long rss_kib(void)
{
	char buf[256];
	const char *p = buf;
	if (read_proc("/proc/self/statm", buf, sizeof(buf)) <= 0)
		return -1;
	if (parse_long(&p) < 0)
		return -1;
	long resident = parse_long(&p);
	return resident < 0 ? -1 : resident * page_kib;
}

static long hwm_kib(void)
{
	char buf[8192];
	if (read_proc("/proc/self/status", buf, sizeof(buf)) <= 0)
		return -1;
	const char *p = strstr(buf, "\nVmHWM:");
	if (p == NULL)
		return -1;
	p += strlen("\nVmHWM:");
	return parse_long(&p);
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
	fprintf(stderr, "usage: purge [-w churn|idle|quiet|blocked|remote|exit (default churn)] [-m MiB (default 300)]\n"
			"             [-d seconds (default 3 for churn, 5 for the others)] [-s seed]\n");
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

static void check(int err, const char *what)
{
	if (err != 0) {
		fprintf(stderr, "purge: %s: %s\n", what, strerror(err));
		exit(2);
	}
}

/* The heap under test and what became of it. */
struct heap {
	rng_t rng;
	uint64_t target, band[2];
	size_t cap, n;
	void **blocks;
	long rss_full;
	/* blocked mode: the worker's hand-shake with main */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int freed, release;
};

/* 1. fill: the band with fewer bytes so far gets the next block, so medium
 * blocks are interleaved with runs of small ones */
static void fill(struct heap *h)
{
	uint64_t half = h->target / 2;
	h->cap = (size_t)(h->target / 32 + 16);
	h->n = 0;
	h->blocks = map_table(h->cap * sizeof(void *));
	while ((h->band[0] < half || h->band[1] < half) && h->n < h->cap) {
		int medium = h->band[0] >= half ? 1 : h->band[1] >= half ? 0 : h->band[1] <= h->band[0];
		size_t sz = block_size(&h->rng, medium);
		char *p = malloc(sz);
		if (p == NULL) {
			fprintf(stderr, "purge: malloc(%zu) failed after %zu blocks\n", sz, h->n);
			exit(1);
		}
		memset(p, (int)(h->n & 0xff) | 1, sz);
		h->blocks[h->n++] = p;
		h->band[medium] += sz;
	}
	h->rss_full = rss_kib();
	/* the order of the frees (Fisher-Yates with the same generator) */
	for (size_t i = h->n; i > 1; i--) {
		size_t j = (size_t)(rng_next(&h->rng) % i);
		void *t = h->blocks[i - 1];
		h->blocks[i - 1] = h->blocks[j];
		h->blocks[j] = t;
	}
}

/* 2. free everything, in the shuffled order */
static void free_all(struct heap *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->blocks[i]);
	munmap(h->blocks, h->cap * sizeof(void *));
	h->blocks = NULL;
}

/* remote: frees what main allocated, then exits */
static void *remote_worker(void *arg)
{
	free_all(arg);
	return NULL;
}

/* exit: fills and frees, then exits */
static void *exit_worker(void *arg)
{
	fill(arg);
	free_all(arg);
	return NULL;
}

/* blocked: fills and frees, says so, then waits until released */
static void *blocked_worker(void *arg)
{
	struct heap *h = arg;
	fill(h);
	free_all(h);
	pthread_mutex_lock(&h->mu);
	h->freed = 1;
	pthread_cond_broadcast(&h->cv);
	while (!h->release)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int main(int argc, char **argv)
{
	double mib = 300, seconds = -1;
	uint64_t seed = 1;
	enum mode mode = CHURN;
	int opt;
	char *end;

	while ((opt = getopt(argc, argv, "w:m:d:s:h")) != -1) {
		errno = 0;
		switch (opt) {
		case 'w': {
			size_t m = 0;
			while (m < sizeof(mode_names) / sizeof(mode_names[0]) && strcmp(optarg, mode_names[m]) != 0)
				m++;
			if (m == sizeof(mode_names) / sizeof(mode_names[0]))
				usage();
			mode = (enum mode)m;
			break;
		}
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
	if (seconds < 0)
		seconds = mode == CHURN ? 3 : 5;
	page_kib = sysconf(_SC_PAGESIZE) / 1024;

	static struct heap h = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	h.rng.s = seed ? seed : 1;
	for (int i = 0; i < 4; i++)
		rng_next(&h.rng);
	h.target = (uint64_t)(mib * 1024 * 1024);

	long rss_start = rss_kib();

	/* 1 and 2, by the threads the mode says */
	pthread_t worker;
	switch (mode) {
	case CHURN:
	case IDLE:
	case QUIET:
		fill(&h);
		free_all(&h);
		break;
	case REMOTE:
		fill(&h);
		check(pthread_create(&worker, NULL, remote_worker, &h), "pthread_create");
		check(pthread_join(worker, NULL), "pthread_join");
		break;
	case EXIT:
		check(pthread_create(&worker, NULL, exit_worker, &h), "pthread_create");
		check(pthread_join(worker, NULL), "pthread_join");
		break;
	case BLOCKED:
		check(pthread_create(&worker, NULL, blocked_worker, &h), "pthread_create");
		pthread_mutex_lock(&h.mu);
		while (!h.freed)
			pthread_cond_wait(&h.cv, &h.mu);
		pthread_mutex_unlock(&h.mu);
		break;
	}
	double t0 = now_ms();
	long rss_free = rss_kib();

	/* 3. the afterwards of the mode, RSS sampled every 100 ms */
	static void *pool[POOL];
	static long samples[MAX_SAMPLES];
	size_t nsamples = (size_t)(seconds * 1000 / SAMPLE_MS + 1e-9);
	if (nsamples >= MAX_SAMPLES)
		nsamples = MAX_SAMPLES - 1;
	samples[0] = rss_free;
	unsigned long sink = 0;
	for (size_t s = 1; s <= nsamples; s++) {
		if (mode == CHURN || mode == QUIET) {
			for (int tick = 0; tick < SAMPLE_MS / TICK_MS; tick++) {
				double tick_end = t0 + (double)((s - 1) * SAMPLE_MS + (size_t)(tick + 1) * TICK_MS);
				if (mode == QUIET) {
					char *volatile p = malloc(64);
					if (p == NULL)
						return 1;
					memset(p, (int)tick | 1, 64);
					sink += (unsigned char)p[63];
					free(p);
				} else {
					for (int k = 0; k < OPS_PER_TICK; k++) {
						uint32_t i = rng_below(&h.rng, POOL);
						free(pool[i]);
						size_t sz = 16 + rng_below(&h.rng, 241);
						char *p = malloc(sz);
						if (p == NULL)
							return 1;
						p[0] = (char)k;
						p[sz - 1] = (char)s;
						pool[i] = p;
					}
				}
				sleep_until_ms(tick_end);
			}
		} else {
			sleep_until_ms(t0 + (double)(s * SAMPLE_MS));
		}
		samples[s] = rss_kib();
	}
	for (size_t i = 0; i < POOL; i++) {
		if (pool[i] != NULL)
			sink += (unsigned char)((char *)pool[i])[0];
		free(pool[i]);
		pool[i] = NULL;
	}

	/* 4. explicit trim (in blocked mode the worker still waits) */
	int trimmed = malloc_trim(0);
	long rss_trim = rss_kib();
	/* VmHWM is synced lazily by the kernel: take the largest figure seen */
	long peak = hwm_kib();
	if (mode == BLOCKED) {
		pthread_mutex_lock(&h.mu);
		h.release = 1;
		pthread_cond_broadcast(&h.cv);
		pthread_mutex_unlock(&h.mu);
		check(pthread_join(worker, NULL), "pthread_join");
	}

	if (h.rss_full > peak)
		peak = h.rss_full;
	for (size_t s = 0; s <= nsamples; s++)
		if (samples[s] > peak)
			peak = samples[s];
	long first_under = -1;
	for (size_t s = 0; s <= nsamples && first_under < 0; s++)
		if (samples[s] >= 0 && samples[s] * 10 < peak)
			first_under = (long)(s * SAMPLE_MS);

	printf("mode %s\n", mode_names[mode]);
	printf("allocated_kib %llu\n", (unsigned long long)((h.band[0] + h.band[1]) / 1024));
	printf("blocks %zu\n", h.n);
	printf("rss_start_kib %ld\n", rss_start);
	printf("rss_full_kib %ld\n", h.rss_full);
	printf("peak_rss_kib %ld\n", peak);
	printf("rss_after_free_kib %ld\n", rss_free);
	for (size_t s = 0; s <= nsamples; s++)
		printf("rss_kib_t%zu %ld\n", s * SAMPLE_MS, samples[s]);
	static const struct {
		const char *key;
		size_t ms;
	} marks[] = { { "rss_0.5s_kib", 500 }, { "rss_1s_kib", 1000 }, { "rss_2s_kib", 2000 },
		      { "rss_3s_kib", 3000 }, { "rss_5s_kib", 5000 } };
	for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
		size_t s = marks[m].ms / SAMPLE_MS;
		printf("%s %ld\n", marks[m].key, s <= nsamples ? samples[s] : -1L);
	}
	printf("first_under_10pct_ms %ld\n", first_under);
	printf("trim_returned %d\n", trimmed);
	printf("rss_after_trim_kib %ld\n", rss_trim);
	if (sink == 0xdeadbeef)
		fputc(' ', stderr);
	return 0;
}
