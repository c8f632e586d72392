/*
 * xthread.c - cross-thread free: one thread allocates, another frees.
 *
 *   xthread_free/size:N/real_time/threads:2   N = 16, 256, 4096
 *
 * Google Benchmark runs the body on two threads at once: thread 0 (the
 * producer) mallocs N bytes and pushes the pointer into a ring; thread 1
 * (the consumer) pops it and frees it. Every block is freed by a thread
 * that did not allocate it - the path where allocators differ most (remote
 * free lists, locks, returning memory to the owner). The blocks are not
 * touched: this measures the allocator, not moving the payload between
 * caches.
 *
 * Both threads run the same number of iterations (Google Benchmark gives
 * every thread the same count), so each run pushes and pops exactly as many
 * blocks and leaves the ring empty. Time is wall-clock (the threads wait on
 * each other). items_per_second counts blocks handed over; real_time is per
 * thread-iteration, i.e. the wall time of one block divided by 2.
 */
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "bench/gbench/gbench.h"
#include "bench/gbench/micro.h"

enum { RING_SLOTS = 256, SPINS_BEFORE_YIELD = 64 };

_Static_assert((RING_SLOTS & (RING_SLOTS - 1)) == 0, "RING_SLOTS must be a power of two");

/*
 * Single-producer single-consumer ring. Positions only grow (mod 2^width;
 * RING_SLOTS divides that, so the unsigned differences stay right).
 * Invariant: 0 <= tail - head <= RING_SLOTS, and slot[p % RING_SLOTS] for
 * head <= p < tail holds a block not yet freed. The producer writes slot and
 * tail (release); the consumer reads the slot after an acquire of tail and
 * publishes head (release) only after reading it. Between runs tail == head.
 */
static struct {
	alignas(64) atomic_size_t head;		/* written by the consumer only */
	alignas(64) atomic_size_t tail;		/* written by the producer only */
	alignas(64) void *slot[RING_SLOTS];
} ring;

/* Wait politely: the machine may have no spare core for a spinning thread. */
static void backoff(unsigned *spins)
{
	if (++*spins >= SPINS_BEFORE_YIELD) {
		*spins = 0;
		sched_yield();
	}
}

static void produce(gb_state *st, int64_t iters, size_t size)
{
	size_t tail = atomic_load_explicit(&ring.tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&ring.head, memory_order_acquire);
	int64_t failed = 0;

	for (int64_t i = 0; i < iters; i++) {
		void *p = malloc(size);
		gb_escape(p);
		failed += p == NULL;	/* pushed anyway: the consumer expects iters blocks */
		unsigned spins = 0;
		while (tail - head == RING_SLOTS) {
			head = atomic_load_explicit(&ring.head, memory_order_acquire);
			if (tail - head == RING_SLOTS)
				backoff(&spins);
		}
		ring.slot[tail % RING_SLOTS] = p;
		atomic_store_explicit(&ring.tail, ++tail, memory_order_release);
	}
	gb_set_items(st, iters);
	if (failed)
		gb_error(st, "malloc failed");
}

static void consume(int64_t iters)
{
	size_t head = atomic_load_explicit(&ring.head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&ring.tail, memory_order_acquire);

	for (int64_t i = 0; i < iters; i++) {
		unsigned spins = 0;
		while (head == tail) {
			tail = atomic_load_explicit(&ring.tail, memory_order_acquire);
			if (head == tail)
				backoff(&spins);
		}
		void *p = ring.slot[head % RING_SLOTS];
		atomic_store_explicit(&ring.head, ++head, memory_order_release);
		free(p);
	}
}

static void bm_xthread_free(gb_state *st, int64_t iters, int64_t arg)
{
	if (gb_thread_count(st) != 2) {
		gb_error(st, "xthread_free needs exactly 2 threads");
		return;
	}
	if (gb_thread_index(st) == 0)
		produce(st, iters, (size_t)arg);
	else
		consume(iters);
}

void xthread_register(void)
{
	gb_bench *b = gb_register("xthread_free", bm_xthread_free);
	gb_arg(b, 16);
	gb_arg(b, 256);
	gb_arg(b, 4096);
	gb_arg_name(b, "size");
	gb_threads(b, 2);
	gb_real_time(b);
}
