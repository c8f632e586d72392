/*
 * test_fork.c - fork while other threads allocate. Each child frees blocks
 * that threads which do not exist in the child allocated, allocates a few
 * thousand blocks of its own (some over 1 MiB), uses stdio and asprintf,
 * starts a thread, and exits 0. A child that deadlocks is killed by its
 * alarm and counted as a failure, not a hang. The workers pause while a
 * child runs (they were busy when it forked; that is what matters).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mallard.h"
#include "stress.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

#define FK_WORKERS 4
#define FK_FORKS 50
#define FK_SLOTS 64
#define FK_PREFORK 128
#define FK_CHILD_OPS 3000
#define FK_CHILD_ALARM_S 20

/* A published block carries its size and tag in its first bytes. */
struct header {
    size_t size;
    uint64_t tag;
};

static void *block_make(stress_rng *rng, size_t size)
{
    unsigned char *p = malloc(size);
    if (p == NULL)
        return NULL;
    struct header h = {size, stress_rng_next(rng)};
    stress_fill(p, size, h.tag);
    memcpy(p, &h, sizeof h);
    return p;
}

/* 1 if the block is intact; restores the pattern under its header. */
static bool block_ok(void *p)
{
    struct header h;
    memcpy(&h, p, sizeof h);
    if (h.size < sizeof h || h.size > 8 * MiB)
        return false;
    stress_fill_range(p, 0, sizeof h, h.tag);
    return stress_check(p, h.size, h.tag);
}

static atomic_bool fk_stop;
static atomic_bool fk_pause; /* while a child runs: it should not fight the workers for 2 cores */
static _Atomic(void *) published[FK_WORKERS][FK_SLOTS];
static void *prefork[FK_PREFORK];

static size_t fk_size(stress_rng *rng)
{
    uint64_t r = stress_rng_next(rng) % 1000;
    if (r < 3)
        return stress_rng_range(rng, MiB + 1, 3 * MiB);
    if (r < 50)
        return stress_rng_range(rng, 513, 64 * KiB);
    return stress_rng_range(rng, sizeof(struct header), 512);
}

static void *fk_worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    stress_rng rng;
    stress_rng_seed(&rng, 7000 + id);
    void *own[128] = {0};
    unsigned long ops = 0;
    while (!atomic_load_explicit(&fk_stop, memory_order_relaxed)) {
        if (atomic_load_explicit(&fk_pause, memory_order_relaxed)) {
            struct timespec nap = {0, 200000};
            nanosleep(&nap, NULL);
            continue;
        }
        unsigned k = (unsigned)(stress_rng_next(&rng) % 128);
        if (own[k] != NULL) {
            STRESS_REQUIRE(block_ok(own[k]), "worker %u: block corrupted", id);
            free(own[k]);
        }
        own[k] = block_make(&rng, fk_size(&rng));
        if (own[k] == NULL) {
            stress_fail("worker %u: malloc returned NULL", id);
            break;
        }
        if (++ops % 8 == 0) {
            void *p = block_make(&rng, fk_size(&rng));
            if (p == NULL) {
                stress_fail("worker %u: malloc returned NULL", id);
                break;
            }
            void *old = atomic_exchange(&published[id][stress_rng_next(&rng) % FK_SLOTS], p);
            if (old != NULL) {
                STRESS_REQUIRE(block_ok(old), "worker %u: published block corrupted", id);
                free(old);
            }
        }
    }
    for (unsigned k = 0; k < 128; k++)
        free(own[k]);
    return (void *)(uintptr_t)ops;
}

static void *child_thread(void *arg)
{
    stress_rng *rng = arg;
    void *keep[32] = {0};
    for (unsigned i = 0; i < 1000; i++) {
        unsigned k = i % 32;
        if (keep[k] != NULL && !block_ok(keep[k]))
            return (void *)1;
        free(keep[k]);
        keep[k] = block_make(rng, fk_size(rng));
        if (keep[k] == NULL)
            return (void *)1;
    }
    for (unsigned k = 0; k < 32; k++)
        free(keep[k]);
    return NULL;
}

/* Runs in the child; returns its exit status. */
static int child_main(unsigned n)
{
    signal(SIGALRM, SIG_DFL);
    alarm(FK_CHILD_ALARM_S);
    stress_rng rng;
    stress_rng_seed(&rng, 8000 + n);

    /* blocks of threads that do not exist here */
    for (unsigned w = 0; w < FK_WORKERS; w++)
        for (unsigned s = 0; s < FK_SLOTS; s++) {
            void *p = atomic_exchange(&published[w][s], NULL);
            if (p == NULL)
                continue;
            if (!block_ok(p)) {
                dprintf(2, "child %u: block of worker %u corrupted\n", n, w);
                return 2;
            }
            free(p);
        }
    /* blocks the main thread allocated before any fork */
    for (unsigned i = n % 2; i < FK_PREFORK; i += 2) {
        if (!block_ok(prefork[i])) {
            dprintf(2, "child %u: pre-fork block %u corrupted\n", n, i);
            return 2;
        }
        free(prefork[i]);
    }
    /* its own blocks, some over 1 MiB */
    void *keep[256] = {0};
    for (unsigned i = 0; i < FK_CHILD_OPS; i++) {
        unsigned k = (unsigned)(stress_rng_next(&rng) % 256);
        if (keep[k] != NULL && !block_ok(keep[k])) {
            dprintf(2, "child %u: own block corrupted\n", n);
            return 2;
        }
        free(keep[k]);
        size_t size = i % 500 == 0 ? stress_rng_range(&rng, MiB + 1, 4 * MiB) : fk_size(&rng);
        keep[k] = block_make(&rng, size);
        if (keep[k] == NULL) {
            dprintf(2, "child %u: malloc(%zu) returned NULL\n", n, size);
            return 3;
        }
        if (!stress_owned(keep[k])) {
            dprintf(2, "child %u: malloc(%zu) = %p is not mallard's\n", n, size, keep[k]);
            return 2;
        }
    }
    for (unsigned k = 0; k < 256; k++)
        free(keep[k]);
    /* the C library's own use of malloc */
    char *s = NULL;
    if (asprintf(&s, "child %u of %d, pid %ld, %s", n, FK_FORKS, (long)getpid(), "asprintf") < 0) {
        dprintf(2, "child %u: asprintf failed\n", n);
        return 3;
    }
    char expect[128];
    snprintf(expect, sizeof expect, "child %u of %d, pid %ld, asprintf", n, FK_FORKS, (long)getpid());
    if (strcmp(s, expect) != 0) {
        dprintf(2, "child %u: asprintf gave \"%s\"\n", n, s);
        return 2;
    }
    free(s);
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        char line[256];
        if (fgets(line, sizeof line, f) == NULL)
            line[0] = '\0';
        fclose(f);
    }
    /* a thread born in the child */
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, &rng) != 0) {
        dprintf(2, "child %u: pthread_create failed\n", n);
        return 3;
    }
    void *ret = (void *)1;
    pthread_join(t, &ret);
    if (ret != NULL) {
        dprintf(2, "child %u: its thread failed\n", n);
        return 2;
    }
    return 0;
}

static void test_fork_under_threads(void **state)
{
    (void)state;
    stress_reset_failures();
    stress_rng rng;
    stress_rng_seed(&rng, 7777);
    for (unsigned i = 0; i < FK_PREFORK; i++) {
        prefork[i] = block_make(&rng, fk_size(&rng));
        assert_non_null(prefork[i]);
    }
    atomic_store(&fk_stop, false);
    pthread_t th[FK_WORKERS];
    for (unsigned i = 0; i < FK_WORKERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, fk_worker, (void *)(uintptr_t)i), 0);

    unsigned ok = 0;
    double t0 = stress_now(), in_children = 0, slowest = 0;
    for (unsigned n = 0; n < FK_FORKS; n++) {
        struct timespec pause = {0, (long)stress_rng_range(&rng, 1, 5) * 1000000L};
        nanosleep(&pause, NULL); /* let the workers get going again */
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            stress_fail("fork %u failed: %s", n, strerror(errno));
            break;
        }
        if (pid == 0)
            _exit(child_main(n));
        atomic_store(&fk_pause, true);
        double started = stress_now();
        int status = 0;
        pid_t r;
        while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
            ;
        double took = stress_now() - started;
        atomic_store(&fk_pause, false);
        in_children += took;
        if (took > slowest)
            slowest = took;
        if (r != pid)
            stress_fail("waitpid(child %u) failed: %s", n, strerror(errno));
        else if (WIFSIGNALED(status))
            stress_fail("child %u killed by signal %d%s", n, WTERMSIG(status),
                        WTERMSIG(status) == SIGALRM ? " (its alarm: deadlocked after fork?)" : "");
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            stress_fail("child %u exited with status %d (see stderr)", n, WEXITSTATUS(status));
        else
            ok++;
    }
    atomic_store(&fk_stop, true);
    unsigned long ops = 0;
    for (unsigned i = 0; i < FK_WORKERS; i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        ops += (unsigned long)(uintptr_t)ret;
    }
    for (unsigned w = 0; w < FK_WORKERS; w++)
        for (unsigned s = 0; s < FK_SLOTS; s++) {
            void *p = atomic_exchange(&published[w][s], NULL);
            if (p != NULL) {
                STRESS_REQUIRE(block_ok(p), "published block corrupted");
                free(p);
            }
        }
    for (unsigned i = 0; i < FK_PREFORK; i++) {
        STRESS_REQUIRE(block_ok(prefork[i]), "pre-fork block %u corrupted in the parent", i);
        free(prefork[i]);
    }
    printf("# fork: %u of %d children exited 0 in %.2f s (children %.0f ms on average, slowest %.0f ms); "
           "workers did %lu allocations meanwhile\n",
           ok, FK_FORKS, stress_now() - t0, 1000 * in_children / FK_FORKS, 1000 * slowest, ops);
    STRESS_ASSERT_NO_FAILURES();
    assert_int_equal(ok, FK_FORKS);
}

int main(void)
{
    stress_init("test_fork", 180);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fork_under_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
