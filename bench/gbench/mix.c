/*
 * mix.c - an interpreter-like mix of allocations, one step per iteration.
 *
 *   interp_mix/live:L   L = 1024, 65536 live objects (about 100 KiB and
 *                       6 MiB: in cache and out of it)
 *
 * The mix of bench/churn.c, single-threaded and cut into steps. Each step
 * is one of (probability per step):
 *
 *   slot      (1000/1024) free a random one of the L live objects and
 *             allocate its replacement (16-512 bytes, mostly small):
 *             random lifetimes;
 *   burst     (23/1024) allocate 8-64 temporaries of 16-256 bytes and free
 *             them again, last in first out; about 2 in 100 survive into a
 *             ring of 1024 long-lived objects, displacing the oldest;
 *   builder   (1/1024) a string builder: a buffer realloc'ed, doubling from
 *             16 bytes up to a random capacity of 32 B to 64 KiB, each new
 *             half written as it grows (realloc_add/realloc_double go to
 *             1 MiB; here the builder stays small, so that a rare step does
 *             not dominate the iteration time).
 *
 * Every object has its size written into its first word, as an interpreter
 * writes an object header. The generator is reseeded to the same value for
 * every run, so a run of n iterations does the same work under every
 * allocator. The L live objects are allocated before the clock starts and
 * freed after it stops. items_per_second counts malloc and realloc calls
 * (frees are not counted), about 1.1 per step.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gbench/gbench.h"
#include "bench/gbench/micro.h"
#include "bench/rng.h"

enum { LIVE_MAX = 65536, SURVIVORS = 1024, BURST_MIN = 8, BURST_MAX = 64 };

/* One run's state. Invariant: live[0 .. nlive) and survivors[] hold only
 * blocks this run allocated and has not freed (or NULL). */
struct mix {
	rng_t rng;
	uint32_t nlive;
	uint32_t surv_pos;	/* the oldest survivor: replaced next */
	int64_t ops;
	bool failed;
};

static void *live[LIVE_MAX];
static void *survivors[SURVIVORS];

static void *obj_new(struct mix *m, size_t size)
{
	void *p = malloc(size);
	gb_escape(p);
	m->ops++;
	if (p == NULL)
		m->failed = true;
	else
		*(size_t *)p = size;
	return p;
}

static void step_slot(struct mix *m)
{
	uint32_t i = rng_below(&m->rng, m->nlive);
	free(live[i]);
	live[i] = obj_new(m, rng_small_size(&m->rng));
}

static void step_burst(struct mix *m)
{
	void *burst[BURST_MAX];
	uint32_t n = BURST_MIN + rng_below(&m->rng, BURST_MAX - BURST_MIN + 1);
	for (uint32_t k = 0; k < n; k++)
		burst[k] = obj_new(m, 16 + rng_below(&m->rng, 241));
	for (uint32_t k = n; k-- > 0;) {
		if (rng_below(&m->rng, 100) < 2) {
			free(survivors[m->surv_pos]);
			survivors[m->surv_pos] = burst[k];
			m->surv_pos = (m->surv_pos + 1) % SURVIVORS;
		} else {
			free(burst[k]);
		}
	}
}

static void step_builder(struct mix *m)
{
	size_t limit = (size_t)1 << (5 + rng_below(&m->rng, 12));
	size_t cap = 16;
	char *buf = obj_new(m, cap);
	while (buf != NULL && cap < limit) {
		char *nbuf = realloc(buf, cap * 2);
		gb_escape(nbuf);
		m->ops++;
		if (nbuf == NULL) {
			m->failed = true;
			break;
		}
		buf = nbuf;
		memset(buf + cap, (int)(cap & 0x7f), cap);	/* append the new half */
		cap *= 2;
	}
	free(buf);
}

static void bm_interp_mix(gb_state *st, int64_t iters, int64_t arg)
{
	if (arg < 1 || arg > LIVE_MAX) {
		gb_error(st, "live count out of range");
		return;
	}
	struct mix m = { .rng = { UINT64_C(0x6d616c6c617264) }, .nlive = (uint32_t)arg };

	gb_pause(st);
	for (uint32_t i = 0; i < m.nlive; i++)
		live[i] = obj_new(&m, rng_small_size(&m.rng));
	memset(survivors, 0, sizeof(survivors));
	m.ops = 0;
	gb_resume(st);

	for (int64_t i = 0; i < iters; i++) {
		uint32_t what = rng_below(&m.rng, 1024);
		if (what < 1000)
			step_slot(&m);
		else if (what < 1023)
			step_burst(&m);
		else
			step_builder(&m);
	}

	gb_pause(st);
	for (uint32_t i = 0; i < m.nlive; i++)
		free(live[i]);
	for (uint32_t i = 0; i < SURVIVORS; i++)
		free(survivors[i]);
	gb_resume(st);

	gb_set_items(st, m.ops);
	if (m.failed)
		gb_error(st, "malloc or realloc failed");
}

void mix_register(void)
{
	gb_bench *b = gb_register("interp_mix", bm_interp_mix);
	gb_arg(b, 1024);
	gb_arg(b, 65536);
	gb_arg_name(b, "live");
}
