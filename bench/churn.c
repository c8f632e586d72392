/*
 * churn.c - interpreter-like allocation churn, measured under LD_PRELOAD.
 *
 * One binary serves every allocator: it calls plain malloc/realloc/free and
 * links against nothing but libc and pthread; bench/compare swaps the
 * allocator in with LD_PRELOAD and takes wall time and peak RSS.
 *
 * Each thread runs the same mix, driven by its own xorshift64* generator
 * (seeded from -s and the thread index), so the work per seed is fixed.
 * Each step is one of (probability per step):
 *
 *   slot      (1000/1024) replace a random slot of a pool of 64 Ki live
 *             blocks (16-512 bytes, mostly small): random lifetimes;
 *   burst     (23/1024) allocate 32-256 temporaries and free them again,
 *             last in first out; about 2 in 100 survive into a FIFO ring of
 *             4 Ki blocks, where they live for a long time;
 *   builder   (1/1024) a string builder: a buffer realloc'ed, doubling from
 *             16 bytes up to a random capacity of 32 B to 1 MiB, each new
 *             half written as it grows.
 *
 * With -t N > 1 a fraction (-r percent, default 25) of the slot blocks a
 * thread retires are freed by the next thread instead: they are pushed onto
 * that thread's inbox, an intrusive lock-free stack (the link lives in the
 * block; the owner takes the whole list with one exchange, so no ABA), in
 * batches of 64. Owners drain their inbox every 256 steps.
 *
 * Every block carries its size in its first word and a tag in its last byte,
 * checked before it is freed: a corrupted heap makes churn exit 1.
 *
 * Glossary: op = one call to malloc or realloc (frees are not counted).
 *
 * Usage: churn [-t threads] [-n ops_millions] [-s seed] [-r remote_percent]
 * Output: "key value" lines (threads, seed, ops, remote_frees, elapsed_s,
 * mops_per_s).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "rng.h"

enum {
	SLOTS = 65536,		/* live pool per thread */
	RING = 4096,		/* long-lived survivors of bursts, per thread */
	BURST_MAX = 256,
	HANDOFF_BATCH = 64,	/* blocks a sender collects before one push */
	MAX_THREADS = 64,
};

static void rng_seed(rng_t *r, uint64_t seed, unsigned idx)
{
	/* splitmix64 of seed and index: distinct, never-zero states */
	uint64_t z = seed + UINT64_C(0x9E3779B97F4A7C15) * (idx + 1);
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	z ^= z >> 31;
	r->s = z ? z : 1;
}

/* A block stores its size in its first word and a tag in its last byte. */
typedef struct block {
	size_t size;
	struct block *next;	/* only while on an inbox */
} block_t;

static unsigned char tag_of(size_t size)
{
	return (unsigned char)(0xA5 ^ size ^ (size >> 8));
}

static atomic_ulong corrupt_blocks;

static void *block_new(size_t size)
{
	if (size < sizeof(block_t))
		size = sizeof(block_t);
	unsigned char *p = malloc(size);
	if (p == NULL) {
		fprintf(stderr, "churn: malloc(%zu) failed\n", size);
		exit(2);
	}
	((block_t *)p)->size = size;
	p[size - 1] = tag_of(size);
	return p;
}

static void block_check(const void *p)
{
	const block_t *b = p;
	size_t size = b->size;
	if (size < sizeof(block_t) || size > (size_t)2 << 20 ||
	    ((const unsigned char *)p)[size - 1] != tag_of(size))
		atomic_fetch_add(&corrupt_blocks, 1);
}

static void block_free(void *p)
{
	if (p != NULL) {
		block_check(p);
		free(p);
	}
}

typedef struct thread_ctx {
	unsigned idx;
	unsigned nthreads;
	uint64_t seed;
	uint64_t target_ops;
	unsigned remote_percent;
	uint64_t ops;
	uint64_t remote_sent;
	uint64_t remote_freed;
	_Atomic(block_t *) inbox;
	struct thread_ctx *peer;	/* receives this thread's hand-offs */
	block_t *outbox;		/* private batch before the push */
	unsigned outbox_len;
	pthread_t tid;
	char pad[64];
} thread_ctx_t;

static pthread_barrier_t done_barrier;

static void outbox_flush(thread_ctx_t *t)
{
	if (t->outbox == NULL)
		return;
	block_t *last = t->outbox;
	while (last->next != NULL)
		last = last->next;
	block_t *head = atomic_load_explicit(&t->peer->inbox, memory_order_relaxed);
	do {
		last->next = head;
	} while (!atomic_compare_exchange_weak_explicit(&t->peer->inbox, &head, t->outbox,
							memory_order_release,
							memory_order_relaxed));
	t->outbox = NULL;
	t->outbox_len = 0;
}

static void handoff(thread_ctx_t *t, void *p)
{
	block_check(p);
	block_t *b = p;
	b->next = t->outbox;
	t->outbox = b;
	t->remote_sent++;
	if (++t->outbox_len == HANDOFF_BATCH)
		outbox_flush(t);
}

static void inbox_drain(thread_ctx_t *t)
{
	block_t *b = atomic_exchange_explicit(&t->inbox, NULL, memory_order_acquire);
	while (b != NULL) {
		block_t *next = b->next;
		free(b);	/* checked by the sender; the link overwrote the tag */
		t->remote_freed++;
		b = next;
	}
}

static void *churn_thread(void *arg)
{
	thread_ctx_t *t = arg;
	rng_t rng;
	void **slots = calloc(SLOTS, sizeof(void *));
	void **ring = calloc(RING, sizeof(void *));
	void *burst[BURST_MAX];
	unsigned ring_pos = 0;
	uint64_t ops = 0;
	unsigned steps = 0;
	unsigned long sink = 0;

	if (slots == NULL || ring == NULL) {
		fprintf(stderr, "churn: out of memory for the pools\n");
		exit(2);
	}
	rng_seed(&rng, t->seed, t->idx);

	while (ops < t->target_ops) {
		uint32_t what = rng_below(&rng, 1024);
		if (what < 1000) {
			/* slot: the bread and butter, random lifetimes */
			uint32_t i = rng_below(&rng, SLOTS);
			void *old = slots[i];
			if (old != NULL && t->nthreads > 1 &&
			    rng_below(&rng, 100) < t->remote_percent)
				handoff(t, old);
			else
				block_free(old);
			slots[i] = block_new(rng_small_size(&rng));
			ops++;
		} else if (what < 1023) {
			/* burst of temporaries, a few survive for long */
			unsigned n = 32 + rng_below(&rng, BURST_MAX - 32 + 1);
			for (unsigned k = 0; k < n; k++)
				burst[k] = block_new(16 + rng_below(&rng, 241));
			ops += n;
			/* temporaries die young, last in first out */
			for (unsigned k = n; k-- > 0;) {
				if (rng_below(&rng, 100) < 2) {
					block_free(ring[ring_pos]);
					ring[ring_pos] = burst[k];
					ring_pos = (ring_pos + 1) % RING;
				} else {
					block_free(burst[k]);
				}
			}
		} else {
			/* string builder: doubling reallocs up to 2^(5..20) bytes */
			size_t limit = (size_t)1 << (5 + rng_below(&rng, 16));
			size_t cap = 16, len = 0;
			char *buf = malloc(cap);
			ops++;
			if (buf == NULL) {
				fprintf(stderr, "churn: malloc failed\n");
				exit(2);
			}
			while (cap < limit) {
				size_t ncap = cap * 2;
				char *nbuf = realloc(buf, ncap);
				ops++;
				if (nbuf == NULL) {
					fprintf(stderr, "churn: realloc(%zu) failed\n", ncap);
					exit(2);
				}
				buf = nbuf;
				/* the builder appends: write the new half */
				memset(buf + len, (int)(ncap & 0x7f), ncap - len);
				len = ncap;
				cap = ncap;
			}
			sink += (unsigned char)buf[len ? len - 1 : 0];
			free(buf);
		}
		if (t->nthreads > 1 && (++steps & 255) == 0)
			inbox_drain(t);
	}

	for (unsigned i = 0; i < SLOTS; i++)
		block_free(slots[i]);
	for (unsigned i = 0; i < RING; i++)
		block_free(ring[i]);
	free(slots);
	free(ring);
	if (t->nthreads > 1) {
		outbox_flush(t);
		/* after the barrier no one pushes: one last drain gets the rest */
		pthread_barrier_wait(&done_barrier);
		inbox_drain(t);
	}
	t->ops = ops;
	if (sink == 0xdeadbeef)
		fputc(' ', stderr);	/* keep the builder writes observable */
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: churn [-t threads] [-n ops_millions] [-s seed] [-r remote_percent]\n"
		"  -t  threads (default 1, at most %d)\n"
		"  -n  malloc/realloc calls per thread, in millions (default 10; fractions allowed)\n"
		"  -s  seed (default 1)\n"
		"  -r  with -t > 1: percent of slot blocks freed by another thread (default 25)\n",
		MAX_THREADS);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned nthreads = 1, remote_percent = 25;
	double mops = 10.0;
	uint64_t seed = 1;
	int opt;
	char *end;

	while ((opt = getopt(argc, argv, "t:n:s:r:h")) != -1) {
		errno = 0;
		switch (opt) {
		case 't':
			nthreads = (unsigned)strtoul(optarg, &end, 10);
			if (*end || errno || nthreads < 1 || nthreads > MAX_THREADS)
				usage();
			break;
		case 'n':
			mops = strtod(optarg, &end);
			if (*end || errno || !(mops > 0) || mops > 1e6)
				usage();
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end || errno)
				usage();
			break;
		case 'r':
			remote_percent = (unsigned)strtoul(optarg, &end, 10);
			if (*end || errno || remote_percent > 100)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	thread_ctx_t *ctx = calloc(nthreads, sizeof(*ctx));
	if (ctx == NULL)
		return 2;
	for (unsigned i = 0; i < nthreads; i++) {
		ctx[i].idx = i;
		ctx[i].nthreads = nthreads;
		ctx[i].seed = seed;
		ctx[i].target_ops = (uint64_t)(mops * 1e6);
		ctx[i].remote_percent = remote_percent;
		atomic_init(&ctx[i].inbox, NULL);
		ctx[i].peer = &ctx[(i + 1) % nthreads];
	}

	double t0 = bench_now_s();
	if (nthreads == 1) {
		churn_thread(&ctx[0]);
	} else {
		pthread_barrier_init(&done_barrier, NULL, nthreads);
		for (unsigned i = 0; i < nthreads; i++) {
			int err = pthread_create(&ctx[i].tid, NULL, churn_thread, &ctx[i]);
			if (err != 0) {
				fprintf(stderr, "churn: pthread_create: %s\n", strerror(err));
				return 2;
			}
		}
		for (unsigned i = 0; i < nthreads; i++)
			pthread_join(ctx[i].tid, NULL);
		pthread_barrier_destroy(&done_barrier);
	}
	double elapsed = bench_now_s() - t0;

	uint64_t ops = 0, sent = 0, freed = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		ops += ctx[i].ops;
		sent += ctx[i].remote_sent;
		freed += ctx[i].remote_freed;
	}
	free(ctx);

	printf("threads %u\n", nthreads);
	printf("seed %" PRIu64 "\n", seed);
	printf("ops %" PRIu64 "\n", ops);
	printf("remote_frees %" PRIu64 "\n", freed);
	printf("elapsed_s %.3f\n", elapsed);
	printf("mops_per_s %.2f\n", elapsed > 0 ? (double)ops / elapsed / 1e6 : 0.0);

	unsigned long bad = atomic_load(&corrupt_blocks);
	if (bad != 0 || sent != freed) {
		fprintf(stderr, "churn: %lu corrupted blocks, %" PRIu64 " handed off, %" PRIu64
			" freed remotely\n", bad, sent, freed);
		return 1;
	}
	return 0;
}
