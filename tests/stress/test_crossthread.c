/*
 * test_crossthread.c - blocks freed by a thread other than the one that
 * allocated them: producers hand blocks through a queue to consumers, and a
 * ring of threads each frees what its neighbour allocated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mallard.h"
#include "stress.h"

#define KiB ((size_t)1024)

/* A block as it travels: its size and tag sit in its first bytes, so the
 * receiver can check it without side tables. */
struct msg {
    size_t size;
    uint64_t tag;
    unsigned sender;
};

static void *msg_make(stress_rng *rng, unsigned sender)
{
    uint64_t r = stress_rng_next(rng) % 100;
    size_t size = r < 90 ? stress_rng_range(rng, sizeof(struct msg), 512)
                : r < 99 ? stress_rng_range(rng, 513, 16 * KiB)
                         : stress_rng_range(rng, 16 * KiB, 512 * KiB);
    unsigned char *p = malloc(size);
    if (p == NULL) {
        stress_fail("malloc(%zu) returned NULL", size);
        return NULL;
    }
    STRESS_REQUIRE(stress_owned(p), "malloc(%zu) = %p is not mallard's", size, (void *)p);
    struct msg m = {size, stress_rng_next(rng), sender};
    stress_fill(p, size, m.tag);
    memcpy(p, &m, sizeof m);
    return p;
}

static void msg_consume(void *p, unsigned receiver)
{
    struct msg m;
    memcpy(&m, p, sizeof m);
    /* the header replaced the pattern's first bytes: restore them, then
     * check the whole block */
    STRESS_REQUIRE(m.size >= sizeof m && m.size <= 512 * KiB,
                   "block %p header corrupted (size %zu) when thread %u got it", p, m.size, receiver);
    if (m.size >= sizeof m && m.size <= 512 * KiB) {
        stress_fill_range(p, 0, sizeof m, m.tag);
        STRESS_REQUIRE(stress_check(p, m.size, m.tag),
                       "block %p of %zu bytes from thread %u corrupted when thread %u got it", p,
                       m.size, m.sender, receiver);
    }
    free(p);
}

/* Bounded queue, mutex + condition variables. */
#define QCAP 256

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    void *items[QCAP];
    unsigned head, count;
};

static void queue_init(struct queue *q)
{
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    q->head = q->count = 0;
}

static void queue_destroy(struct queue *q)
{
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
}

static void queue_push(struct queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == QCAP)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->count) % QCAP] = item;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static void *queue_pop(struct queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0)
        pthread_cond_wait(&q->not_empty, &q->lock);
    void *item = q->items[q->head];
    q->head = (q->head + 1) % QCAP;
    q->count--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    return item;
}

static bool queue_try_push(struct queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    bool ok = q->count < QCAP;
    if (ok) {
        q->items[(q->head + q->count) % QCAP] = item;
        q->count++;
    }
    pthread_mutex_unlock(&q->lock);
    return ok;
}

static void *queue_try_pop(struct queue *q)
{
    void *item = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->count > 0) {
        item = q->items[q->head];
        q->head = (q->head + 1) % QCAP;
        q->count--;
    }
    pthread_mutex_unlock(&q->lock);
    return item;
}

/* ---- producers and consumers -------------------------------------------- */

#define PC_PRODUCERS 4
#define PC_CONSUMERS 4
#define PC_PER_PRODUCER 60000

static struct queue pc_queue;
static atomic_ulong pc_consumed;

static void *producer(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    stress_rng rng;
    stress_rng_seed(&rng, 4000 + id);
    for (unsigned i = 0; i < PC_PER_PRODUCER; i++) {
        void *p = msg_make(&rng, id);
        if (p == NULL)
            break;
        queue_push(&pc_queue, p);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (;;) {
        void *p = queue_pop(&pc_queue);
        if (p == NULL)
            return NULL; /* end marker */
        msg_consume(p, id);
        atomic_fetch_add(&pc_consumed, 1);
    }
}

static void test_producer_consumer(void **state)
{
    (void)state;
    stress_reset_failures();
    queue_init(&pc_queue);
    atomic_store(&pc_consumed, 0);
    pthread_t prod[PC_PRODUCERS], cons[PC_CONSUMERS];
    for (unsigned i = 0; i < PC_CONSUMERS; i++)
        assert_int_equal(pthread_create(&cons[i], NULL, consumer, (void *)(uintptr_t)(100 + i)), 0);
    for (unsigned i = 0; i < PC_PRODUCERS; i++)
        assert_int_equal(pthread_create(&prod[i], NULL, producer, (void *)(uintptr_t)i), 0);
    for (unsigned i = 0; i < PC_PRODUCERS; i++)
        assert_int_equal(pthread_join(prod[i], NULL), 0);
    for (unsigned i = 0; i < PC_CONSUMERS; i++)
        queue_push(&pc_queue, NULL);
    for (unsigned i = 0; i < PC_CONSUMERS; i++)
        assert_int_equal(pthread_join(cons[i], NULL), 0);
    queue_destroy(&pc_queue);
    printf("# producer/consumer: %lu blocks allocated by %d threads, freed by %d others\n",
           (unsigned long)atomic_load(&pc_consumed), PC_PRODUCERS, PC_CONSUMERS);
    STRESS_ASSERT_NO_FAILURES();
    assert_int_equal(atomic_load(&pc_consumed), (unsigned long)PC_PRODUCERS * PC_PER_PRODUCER);
}

/* ---- ring: thread i frees what thread i-1 allocated ---------------------- */

#define RING_THREADS 8
#define RING_PER_THREAD 40000

static struct queue ring[RING_THREADS]; /* ring[i]: from thread i to thread i+1 */

static void *ring_worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    struct queue *out = &ring[id];
    struct queue *in = &ring[(id + RING_THREADS - 1) % RING_THREADS];
    stress_rng rng;
    stress_rng_seed(&rng, 5000 + id);
    unsigned sent = 0, received = 0;
    void *pending = NULL;
    while (sent < RING_PER_THREAD || received < RING_PER_THREAD) {
        bool progress = false;
        if (sent < RING_PER_THREAD) {
            if (pending == NULL)
                pending = msg_make(&rng, id);
            if (pending == NULL)
                return NULL;
            if (queue_try_push(out, pending)) {
                pending = NULL;
                sent++;
                progress = true;
            }
        }
        void *p;
        for (unsigned n = 0; n < 32 && (p = queue_try_pop(in)) != NULL; n++) {
            msg_consume(p, id);
            received++;
            progress = true;
        }
        if (!progress)
            sched_yield();
    }
    return (void *)(uintptr_t)received;
}

static void test_ring(void **state)
{
    (void)state;
    stress_reset_failures();
    pthread_t th[RING_THREADS];
    for (unsigned i = 0; i < RING_THREADS; i++)
        queue_init(&ring[i]);
    for (unsigned i = 0; i < RING_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, ring_worker, (void *)(uintptr_t)i), 0);
    unsigned long received = 0;
    for (unsigned i = 0; i < RING_THREADS; i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        received += (unsigned long)(uintptr_t)ret;
    }
    for (unsigned i = 0; i < RING_THREADS; i++)
        queue_destroy(&ring[i]);
    printf("# ring: %lu blocks freed by the neighbour of the thread that allocated them\n", received);
    STRESS_ASSERT_NO_FAILURES();
    assert_int_equal(received, (unsigned long)RING_THREADS * RING_PER_THREAD);
}

int main(void)
{
    stress_init("test_crossthread", 120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_producer_consumer),
        cmocka_unit_test(test_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
