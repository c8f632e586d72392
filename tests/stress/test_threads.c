/*
 * test_threads.c - many threads allocating at once: random sizes with
 * verified contents, realloc growing buffers to 1 MiB, and calloc handing
 * out recycled memory that must read as zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mallard.h"
#include "stress.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

/* The alignment malloc owes a block of `size` bytes: max_align_t's, or
 * the largest power of two <= size when that is less (an object of `size`
 * bytes needs no more; mallard's 8-byte blocks are 8-aligned). */
static size_t align_owed(size_t size)
{
    size_t a = 1;
    while (a < alignof(max_align_t) && a * 2 <= size)
        a *= 2;
    return a;
}

static bool aligned_ok(const void *p, size_t size)
{
    return ((uintptr_t)p % align_owed(size)) == 0;
}

/* ---- 1. random sizes ---------------------------------------------------- */

#define RS_THREADS 8
#define RS_SLOTS 512
#define RS_OPS 100000

struct rs_slot {
    unsigned char *ptr;
    size_t size;
    uint64_t tag;
};

struct rs_result {
    unsigned long mallocs;
    unsigned long big;
};

/* Mostly 16-512 B, 2 % up to 256 KiB, 2 in 10000 4 MiB. */
static size_t rs_size(stress_rng *rng)
{
    uint64_t r = stress_rng_next(rng) % 10000;
    if (r < 2)
        return 4 * MiB - stress_rng_range(rng, 0, 64);
    if (r < 200)
        return stress_rng_range(rng, 513, 256 * KiB);
    return stress_rng_range(rng, 16, 512);
}

static void rs_release(struct rs_slot *s)
{
    STRESS_REQUIRE(stress_check(s->ptr, s->size, s->tag),
                   "block %p of %zu bytes was overwritten before free", (void *)s->ptr, s->size);
    free(s->ptr);
    s->ptr = NULL;
}

static void *rs_worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    struct rs_slot *slots = calloc(RS_SLOTS, sizeof *slots);
    struct rs_result *res = calloc(1, sizeof *res);
    if (slots == NULL || res == NULL) {
        stress_fail("thread %u: calloc for bookkeeping failed", id);
        free(slots);
        return res;
    }
    stress_rng rng;
    stress_rng_seed(&rng, 1000 + id);
    for (unsigned long op = 0; op < RS_OPS; op++) {
        struct rs_slot *s = &slots[stress_rng_next(&rng) % RS_SLOTS];
        if (s->ptr != NULL)
            rs_release(s);
        if (stress_rng_next(&rng) % 8 == 0)
            continue; /* leave some slots empty: the live count varies */
        size_t size = rs_size(&rng);
        unsigned char *p = malloc(size);
        if (p == NULL) {
            stress_fail("thread %u: malloc(%zu) returned NULL", id, size);
            break;
        }
        STRESS_REQUIRE(aligned_ok(p, size), "malloc(%zu) = %p is not aligned to %zu", size, (void *)p,
                       align_owed(size));
        STRESS_REQUIRE(stress_owned(p), "malloc(%zu) = %p is not mallard's", size, (void *)p);
        s->ptr = p;
        s->size = size;
        s->tag = stress_rng_next(&rng);
        stress_fill(p, size, s->tag);
        res->mallocs++;
        if (size >= MiB)
            res->big++;
    }
    for (unsigned i = 0; i < RS_SLOTS; i++)
        if (slots[i].ptr != NULL)
            rs_release(&slots[i]);
    free(slots);
    return res;
}

static void test_random_sizes(void **state)
{
    (void)state;
    stress_reset_failures();
    pthread_t th[RS_THREADS];
    for (unsigned i = 0; i < RS_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, rs_worker, (void *)(uintptr_t)i), 0);
    unsigned long mallocs = 0, big = 0;
    for (unsigned i = 0; i < RS_THREADS; i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_non_null(ret);
        struct rs_result *res = ret;
        mallocs += res->mallocs;
        big += res->big;
        free(res);
    }
    printf("# random sizes: %lu mallocs in %d threads, %lu of them 4 MiB\n", mallocs, RS_THREADS, big);
    STRESS_ASSERT_NO_FAILURES();
    assert_true(big > 0);
}

/* ---- 5a. realloc growing buffers ---------------------------------------- */

#define RG_THREADS 4
#define RG_ROUNDS 6
#define RG_BUFS 4 /* grown side by side, so neighbours get in each other's way */
#define RG_LIMIT MiB

struct rg_buf {
    unsigned char *ptr;
    size_t size;
    uint64_t tag;
};

static void *rg_worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    stress_rng rng;
    stress_rng_seed(&rng, 2000 + id);
    unsigned long reallocs = 0;
    for (unsigned round = 0; round < RG_ROUNDS; round++) {
        struct rg_buf bufs[RG_BUFS];
        for (unsigned b = 0; b < RG_BUFS; b++) {
            bufs[b].size = 16;
            bufs[b].tag = stress_rng_next(&rng);
            bufs[b].ptr = malloc(16);
            if (bufs[b].ptr == NULL) {
                stress_fail("thread %u: malloc(16) returned NULL", id);
                return NULL;
            }
            stress_fill_range(bufs[b].ptr, 0, 16, bufs[b].tag);
        }
        bool growing = true;
        while (growing) {
            growing = false;
            for (unsigned b = 0; b < RG_BUFS; b++) {
                struct rg_buf *g = &bufs[b];
                if (g->size >= RG_LIMIT)
                    continue;
                growing = true;
                size_t next;
                if (stress_rng_next(&rng) % 8 == 0 && g->size > 64)
                    next = g->size - stress_rng_range(&rng, 1, g->size / 4); /* shrink a little */
                else
                    next = g->size + stress_rng_range(&rng, 1, g->size / 2 + 16);
                if (next > RG_LIMIT)
                    next = RG_LIMIT;
                unsigned char *q = realloc(g->ptr, next);
                if (q == NULL) {
                    stress_fail("thread %u: realloc(%zu -> %zu) returned NULL", id, g->size, next);
                    return NULL;
                }
                reallocs++;
                size_t keep = next < g->size ? next : g->size;
                STRESS_REQUIRE(aligned_ok(q, next), "realloc(%zu) = %p is not aligned", next, (void *)q);
                STRESS_REQUIRE(stress_owned(q), "realloc(%zu) = %p is not mallard's", next, (void *)q);
                STRESS_REQUIRE(stress_check_range(q, 0, keep, g->tag),
                               "realloc %zu -> %zu lost contents (thread %u)", g->size, next, id);
                if (next > g->size)
                    stress_fill_range(q, g->size, next, g->tag);
                g->ptr = q;
                g->size = next;
            }
        }
        for (unsigned b = 0; b < RG_BUFS; b++) {
            STRESS_REQUIRE(stress_check_range(bufs[b].ptr, 0, bufs[b].size, bufs[b].tag),
                           "grown buffer of %zu bytes corrupted", bufs[b].size);
            free(bufs[b].ptr);
        }
    }
    return (void *)(uintptr_t)reallocs;
}

static void test_realloc_grow(void **state)
{
    (void)state;
    stress_reset_failures();
    pthread_t th[RG_THREADS];
    for (unsigned i = 0; i < RG_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, rg_worker, (void *)(uintptr_t)i), 0);
    unsigned long total = 0;
    for (unsigned i = 0; i < RG_THREADS; i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        total += (unsigned long)(uintptr_t)ret;
    }
    printf("# realloc: %lu reallocs in %d threads, 16 B to 1 MiB\n", total, RG_THREADS);
    STRESS_ASSERT_NO_FAILURES();
}

/* ---- 5b. calloc of recycled memory -------------------------------------- */

#define CZ_THREADS 4
#define CZ_OPS 6000
#define CZ_KEEP 64

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static void *cz_worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    stress_rng rng;
    stress_rng_seed(&rng, 3000 + id);
    unsigned char *keep[CZ_KEEP] = {0};
    size_t keep_size[CZ_KEEP] = {0};
    for (unsigned op = 0; op < CZ_OPS; op++) {
        uint64_t r = stress_rng_next(&rng) % 100;
        size_t size = r < 80 ? stress_rng_range(&rng, 1, 1024)
                    : r < 99 ? stress_rng_range(&rng, 1025, 64 * KiB)
                             : stress_rng_range(&rng, 64 * KiB, MiB);
        /* dirty a block of that size and give it back, so calloc is likely
         * to get recycled memory */
        unsigned char *dirty = malloc(size);
        if (dirty == NULL) {
            stress_fail("thread %u: malloc(%zu) returned NULL", id, size);
            break;
        }
        memset(dirty, 0xA5, size);
        free(dirty);
        size_t count = stress_rng_range(&rng, 1, 4);
        size_t each = (size + count - 1) / count;
        unsigned char *p = calloc(count, each);
        if (p == NULL) {
            stress_fail("thread %u: calloc(%zu, %zu) returned NULL", id, count, each);
            break;
        }
        STRESS_REQUIRE(stress_owned(p), "calloc = %p is not mallard's", (void *)p);
        STRESS_REQUIRE(aligned_ok(p, count * each), "calloc = %p is not aligned", (void *)p);
        STRESS_REQUIRE(all_zero(p, count * each), "calloc(%zu, %zu) = %p is not all zero", count, each,
                       (void *)p);
        memset(p, 0x5A, count * each);
        unsigned k = (unsigned)(stress_rng_next(&rng) % CZ_KEEP);
        free(keep[k]);
        keep[k] = p;
        keep_size[k] = count * each;
    }
    for (unsigned k = 0; k < CZ_KEEP; k++) {
        if (keep[k] != NULL)
            STRESS_REQUIRE(keep[k][0] == 0x5A && keep[k][keep_size[k] - 1] == 0x5A,
                           "calloc'd block overwritten");
        free(keep[k]);
    }
    return NULL;
}

static void test_calloc_recycled(void **state)
{
    (void)state;
    stress_reset_failures();
    pthread_t th[CZ_THREADS];
    for (unsigned i = 0; i < CZ_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, cz_worker, (void *)(uintptr_t)i), 0);
    for (unsigned i = 0; i < CZ_THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    STRESS_ASSERT_NO_FAILURES();
}

int main(void)
{
    stress_init("test_threads", 120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sizes),
        cmocka_unit_test(test_realloc_grow),
        cmocka_unit_test(test_calloc_recycled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
