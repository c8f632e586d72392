/*
 * test_idle_purge.c - memory freed by a thread that then goes idle is given
 * back all the same.
 *
 * A thread's freed pages are purged by its own allocation slow paths once
 * the purge delay has passed. A thread that frees a lot and then blocks (on
 * a queue, a lock, a join) runs none: the other threads' maintenance must
 * purge for it. Here a worker allocates and frees IDLE_BYTES of small
 * blocks and waits on a condition variable; the main thread does ordinary
 * small allocations meanwhile, and the heap's resident bytes must fall
 * below a quarter of what the worker freed while the worker still waits.
 * (With the default purge delay of 100 ms the heap gives the memory back
 * in well under a second; the test allows IDLE_DEADLINE_MS.)
 *
 * This is the path without the background thread (which would purge the
 * worker's heap by itself, see test_background): the program re-runs
 * itself with MALLARD_BACKGROUND=0 unless that is set already.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mallard.h"
#include "stress.h"

#define MiB ((size_t)1 << 20)
#define IDLE_BYTES (32 * MiB)
#define IDLE_BLOCK 256
#define IDLE_DEADLINE_MS 5000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool worker_freed, worker_may_exit;

static void *worker(void *arg)
{
    (void)arg;
    size_t n = IDLE_BYTES / IDLE_BLOCK;
    void **blocks = malloc(n * sizeof(*blocks));
    if (blocks == NULL) {
        stress_fail("malloc of the block table failed");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        blocks[i] = malloc(IDLE_BLOCK);
        if (blocks[i] == NULL) {
            stress_fail("malloc(%d) returned NULL", IDLE_BLOCK);
            n = i;
            break;
        }
        stress_fill(blocks[i], IDLE_BLOCK, i);
    }
    for (size_t i = 0; i < n; i++)
        free(blocks[i]);
    free(blocks);

    pthread_mutex_lock(&lock);
    worker_freed = true;
    pthread_cond_broadcast(&cond);
    while (!worker_may_exit) /* idle: no allocation from here on */
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t heap_resident(void)
{
    mallard_stats_t s;
    s.size = sizeof(s);
    if (mallard_stats_get(&s) != 0)
        return UINT64_MAX;
    return s.totals.resident;
}

static void test_idle_thread_memory_is_purged(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, worker, NULL), 0);
    pthread_mutex_lock(&lock);
    while (!worker_freed)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);

    uint64_t freed_resident = heap_resident();
    stress_rng rng;
    stress_rng_seed(&rng, 42);
    uint64_t start = now_ms(), resident = freed_resident;
    while (resident >= IDLE_BYTES / 4 && now_ms() - start < IDLE_DEADLINE_MS) {
        stress_small_churn(&rng);
        struct timespec pause = {0, 2 * 1000 * 1000};
        nanosleep(&pause, NULL);
        resident = heap_resident();
    }
    uint64_t waited = now_ms() - start;

    pthread_mutex_lock(&lock);
    worker_may_exit = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    assert_int_equal(pthread_join(t, NULL), 0);
    STRESS_ASSERT_NO_FAILURES();

    print_message("# resident after the worker freed %zu MiB: %llu KiB; %llu KiB after %llu ms\n",
                  IDLE_BYTES / MiB, (unsigned long long)(freed_resident >> 10),
                  (unsigned long long)(resident >> 10), (unsigned long long)waited);
    /* The worker's memory was there to give back (the purge delay had not
     * passed when it signalled)... */
    assert_true(freed_resident >= IDLE_BYTES / 2);
    /* ...and went back while the worker still waited. */
    assert_true(resident < IDLE_BYTES / 4);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (getenv("MALLARD_BACKGROUND") == NULL) {
        setenv("MALLARD_BACKGROUND", "0", 1);
        execv("/proc/self/exe", argv);
        perror("test_idle_purge: execv /proc/self/exe");
        return 1;
    }
    stress_init("test_idle_purge", 60);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_thread_memory_is_purged),
    };
    return cmocka_run_group_tests_name("idle_purge", tests, NULL, NULL);
}
