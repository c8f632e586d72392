/*
 * scenario.h - what the scenario programs share: the command line, the tick
 * clock, pools of steady live blocks, and the ways they keep the compiler
 * from deleting their allocations (the random generator is bench/rng.h).
 *
 * Each scenario makes the process's memory grow (or stay flat) for one known
 * reason, so the diagnostics can be tested against it. It calls plain
 * malloc/free/mmap and links against nothing but libc: the allocator under
 * test comes in with LD_PRELOAD.
 *
 * Glossary:
 *   tick      one step of a scenario's pattern, started every TICK_NS on an
 *             absolute CLOCK_MONOTONIC schedule; a run is a fixed number of
 *             ticks (seconds / 10 ms), so its figures do not depend on the
 *             machine's speed (a slow machine only takes longer).
 *   prelude   the churn every tick starts with, the background of any
 *             service: PRELUDE_PAIRS malloc/free pairs of temporaries
 *             (16-1024 bytes), one live at a time, so it moves no figure.
 *             It comes first, while the live set is at its resting level:
 *             an allocator that looks at its clock only when it is called
 *             would take an interval snapshot there rather than in the
 *             middle of a tick's burst (mallard's reporter is a thread of
 *             its own and lands anywhere; the bursts are short).
 *   sink      a volatile global every allocation's address is stored to:
 *             the pointer escapes, so no malloc/free pair can be folded away.
 *
 * Include this header first: it sets the feature-test macro.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS, clock_nanosleep */
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/rng.h" /* rng_t: the benchmarks' generator */

#define TICK_NS 10000000L /* 10 ms */
#define SHORT_SECONDS 3.0 /* default: what the tests run */
#define LONG_SECONDS 120.0 /* --long: for a walkthrough */
#define MAX_SECONDS 86400.0
#define PRELUDE_PAIRS 4500
#define OS_PAGE 4096 /* touch stride: no OS page is larger than this and smaller than a slice */
#define MIB (1024.0 * 1024.0)

typedef struct {
	const char *name;
	double seconds;
	unsigned long ticks; /* in the whole run: seconds / 10 ms, at least 1 */
	unsigned long tick;  /* ticks started so far */
	struct timespec start;
} scenario_t;

static volatile uintptr_t scenario_sink;

static inline void scenario_usage(FILE *out, const char *name)
{
	fprintf(out,
		"usage: %s [--seconds S] [--long]\n"
		"  --seconds S  run for about S seconds in ticks of 10 ms (default %.0f)\n"
		"  --long       run for %.0f seconds\n",
		name, SHORT_SECONDS, LONG_SECONDS);
}

static inline int scenario_parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v > 0.0) || v > MAX_SECONDS)
		return -1;
	*out = v;
	return 0;
}

/* Parses the command line (exits 2 with the usage on a bad one, 0 after
 * --help) and starts the clock. */
static inline void scenario_init(scenario_t *sc, const char *name, int argc, char **argv)
{
	sc->name = name;
	sc->seconds = SHORT_SECONDS;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--long") == 0) {
			sc->seconds = LONG_SECONDS;
		} else if (strcmp(a, "--seconds") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "%s: --seconds needs a value\n", name);
				scenario_usage(stderr, name);
				exit(2);
			}
			if (scenario_parse_seconds(argv[++i], &sc->seconds) != 0) {
				fprintf(stderr, "%s: bad value for --seconds: %s\n", name, argv[i]);
				scenario_usage(stderr, name);
				exit(2);
			}
		} else if (strncmp(a, "--seconds=", 10) == 0) {
			if (scenario_parse_seconds(a + 10, &sc->seconds) != 0) {
				fprintf(stderr, "%s: bad value for --seconds: %s\n", name, a + 10);
				scenario_usage(stderr, name);
				exit(2);
			}
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			scenario_usage(stdout, name);
			exit(0);
		} else {
			fprintf(stderr, "%s: unknown argument: %s\n", name, a);
			scenario_usage(stderr, name);
			exit(2);
		}
	}
	double t = sc->seconds * 1e9 / (double)TICK_NS;
	sc->ticks = t < 1.0 ? 1 : (unsigned long)(t + 0.5);
	sc->tick = 0;
	clock_gettime(CLOCK_MONOTONIC, &sc->start);
}

/* Waits for the next tick's start; 0 once every tick has run. The first
 * tick starts at once. */
static inline int scenario_next_tick(scenario_t *sc)
{
	if (sc->tick == sc->ticks)
		return 0;
	if (sc->tick > 0) {
		uint64_t ns = (uint64_t)sc->start.tv_nsec + (uint64_t)sc->tick * (uint64_t)TICK_NS;
		struct timespec at = {
			.tv_sec = sc->start.tv_sec + (time_t)(ns / 1000000000u),
			.tv_nsec = (long)(ns % 1000000000u),
		};
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR)
			;
	}
	sc->tick++;
	return 1;
}

static inline double scenario_elapsed(const scenario_t *sc)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - sc->start.tv_sec) + (double)(now.tv_nsec - sc->start.tv_nsec) / 1e9;
}

/* Writes the first and last byte and one byte per OS page in between, so
 * every page of the block is resident. */
static inline void scenario_touch(void *p, size_t n)
{
	volatile unsigned char *c = p;
	for (size_t i = 0; i < n; i += OS_PAGE)
		c[i] = (unsigned char)i;
	if (n > 0)
		c[n - 1] = 1;
}

/* malloc that never returns NULL (a scenario cannot go on without its
 * memory) and whose result escapes through the sink. */
static inline void *scenario_malloc(const scenario_t *sc, size_t n)
{
	void *p = malloc(n);
	if (p == NULL) {
		fprintf(stderr, "%s: out of memory (malloc(%zu))\n", sc->name, n);
		exit(1);
	}
	scenario_sink = (uintptr_t)p;
	return p;
}

/* The prelude: malloc/free pairs of temporaries, sizes 16-1024 bytes. */
static inline void scenario_prelude(const scenario_t *sc, rng_t *rng)
{
	for (unsigned i = 0; i < PRELUDE_PAIRS; i++) {
		size_t n = 16 + rng_below(rng, 1009);
		unsigned char *p = scenario_malloc(sc, n);
		p[0] = (unsigned char)i;
		p[n - 1] = (unsigned char)n;
		free(p);
	}
}

/* A steady live set: `count` blocks, each freed and allocated again at its
 * own size (picked once, by `pick`, when the slot is first filled), so the
 * pool moves no figure however much it churns. */
typedef struct {
	void **block;
	size_t *size;
	size_t count;
	size_t bytes; /* live bytes in the pool */
	size_t (*pick)(rng_t *rng);
} scenario_pool_t;

static inline void scenario_pool_replace(scenario_pool_t *pool, const scenario_t *sc, rng_t *rng, size_t i)
{
	if (pool->block[i] != NULL) {
		free(pool->block[i]);
		pool->bytes -= pool->size[i];
	}
	size_t n = pool->size[i] ? pool->size[i] : pool->pick(rng);
	pool->block[i] = scenario_malloc(sc, n);
	memset(pool->block[i], (int)i, n);
	pool->size[i] = n;
	pool->bytes += n;
}

static inline void scenario_pool_fill(scenario_pool_t *pool, const scenario_t *sc, rng_t *rng)
{
	for (size_t i = 0; i < pool->count; i++)
		scenario_pool_replace(pool, sc, rng, i);
}

#endif /* SCENARIO_H */
