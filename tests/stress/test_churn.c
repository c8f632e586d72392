/*
 * test_churn.c - threads come and go: each allocates, frees some of its
 * blocks and hands the rest to the main thread, which frees them after the
 * thread has exited (frees into the heaps of dead threads). RSS must level
 * off: a heap leaked per thread shows up as steady growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "mallard.h"
#include "stress.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

#define CH_PARALLEL 8
#define CH_ROUNDS 300 /* 2400 thread lifetimes */
#define CH_BLOCKS 256
#define CH_BASELINE_ROUND 100

struct handoff {
    unsigned id;
    unsigned count;
    unsigned char *ptr[CH_BLOCKS];
    size_t size[CH_BLOCKS];
    uint64_t tag[CH_BLOCKS];
};

static struct handoff handoffs[CH_PARALLEL];

static void *churn_worker(void *arg)
{
    struct handoff *h = arg;
    stress_rng rng;
    stress_rng_seed(&rng, 6000 + h->id);
    unsigned char *ptr[CH_BLOCKS];
    size_t size[CH_BLOCKS];
    uint64_t tag[CH_BLOCKS];
    for (unsigned i = 0; i < CH_BLOCKS; i++) {
        uint64_t r = stress_rng_next(&rng) % 100;
        size[i] = r < 85 ? stress_rng_range(&rng, 16, 512)
                : r < 98 ? stress_rng_range(&rng, 513, 8 * KiB)
                         : stress_rng_range(&rng, 8 * KiB, 128 * KiB);
        ptr[i] = malloc(size[i]);
        if (ptr[i] == NULL) {
            stress_fail("thread %u: malloc(%zu) returned NULL", h->id, size[i]);
            size[i] = 0;
            continue;
        }
        STRESS_REQUIRE(stress_owned(ptr[i]), "malloc(%zu) = %p is not mallard's", size[i],
                       (void *)ptr[i]);
        tag[i] = stress_rng_next(&rng);
        stress_fill(ptr[i], size[i], tag[i]);
    }
    h->count = 0;
    for (unsigned i = 0; i < CH_BLOCKS; i++) {
        if (ptr[i] == NULL)
            continue;
        if (stress_rng_next(&rng) % 2 == 0) {
            STRESS_REQUIRE(stress_check(ptr[i], size[i], tag[i]), "block of %zu bytes corrupted",
                           size[i]);
            free(ptr[i]);
        } else {
            h->ptr[h->count] = ptr[i];
            h->size[h->count] = size[i];
            h->tag[h->count] = tag[i];
            h->count++;
        }
    }
    return NULL;
}

static void test_thread_churn(void **state)
{
    (void)state;
    stress_reset_failures();
    size_t rss_start = stress_rss_bytes(), rss_baseline = 0, rss_max = 0;
    unsigned long handed = 0;
    double t0 = stress_now();
    for (unsigned round = 1; round <= CH_ROUNDS; round++) {
        pthread_t th[CH_PARALLEL];
        for (unsigned i = 0; i < CH_PARALLEL; i++) {
            handoffs[i].id = round * CH_PARALLEL + i;
            assert_int_equal(pthread_create(&th[i], NULL, churn_worker, &handoffs[i]), 0);
        }
        for (unsigned i = 0; i < CH_PARALLEL; i++)
            assert_int_equal(pthread_join(th[i], NULL), 0);
        /* every thread of this round has exited: free what it left */
        for (unsigned i = 0; i < CH_PARALLEL; i++) {
            struct handoff *h = &handoffs[i];
            for (unsigned k = 0; k < h->count; k++) {
                STRESS_REQUIRE(stress_check(h->ptr[k], h->size[k], h->tag[k]),
                               "block of %zu bytes from exited thread %u corrupted", h->size[k], h->id);
                free(h->ptr[k]);
            }
            handed += h->count;
            h->count = 0;
        }
        size_t rss = stress_rss_bytes();
        if (rss > rss_max)
            rss_max = rss;
        if (round == CH_BASELINE_ROUND)
            rss_baseline = rss;
    }
    size_t rss_end = stress_rss_bytes();
    printf("# churn: %d thread lifetimes in %.2f s, %lu blocks freed after their thread exited\n",
           CH_PARALLEL * CH_ROUNDS, stress_now() - t0, handed);
    printf("# churn: RSS start %zu KiB, after round %d %zu KiB, end %zu KiB, max %zu KiB\n",
           rss_start / KiB, CH_BASELINE_ROUND, rss_baseline / KiB, rss_end / KiB, rss_max / KiB);
    STRESS_ASSERT_NO_FAILURES();
    assert_true(rss_baseline > 0);
    if (rss_end >= 2 * rss_baseline + 16 * MiB)
        fail_msg("RSS grew from %zu KiB after round %d to %zu KiB after round %d: thread heaps leak?",
                 rss_baseline / KiB, CH_BASELINE_ROUND, rss_end / KiB, CH_ROUNDS);
}

int main(void)
{
    stress_init("test_churn", 120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thread_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
