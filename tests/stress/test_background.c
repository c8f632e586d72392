/*
 * test_background.c - freed memory leaves RSS on time, whatever the
 * program does after the free; the background thread that sees to it
 * sleeps while nothing is due.
 *
 * Each case runs in a fresh process (this program, re-executed with
 * "--case NAME") so that it starts with no background thread and no
 * memory left over from another case. The case allocates FREED_BYTES of
 * small and medium blocks (or huge ones), frees them, and then does what
 * the case says - sleep, a little fast-path traffic, block, exit - while
 * the main thread polls anonymous RSS (/proc/self/statm read with
 * open/read, which allocate nothing) until it is within a tenth of the
 * freed bytes of what it was before the allocation, or DEADLINE_MS
 * passes. With the default
 * purge delay of 100 ms the memory goes back within a few hundred ms; the
 * deadline is generous so a loaded machine cannot fail the test. The case
 * prints one "# ..." line with its figures and exits 0 on success.
 *
 * Built a second time as test_background_tls with 256 KiB of static TLS,
 * more than the thread's small stack can hold (glibc carves static TLS out
 * of the stack): the thread must then start with a bigger stack.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mallard.h"
#include "stress.h"

#define MiB ((size_t)1 << 20)
#define FREED_BYTES (64 * MiB)
#define DEADLINE_MS 10000
#define QUIET_WINDOW_MS 2000 /* no wake-up of the thread for this long */
#define THREAD_ROUNDS 250    /* x THREADS_AT_ONCE threads, each one exits */
#define THREADS_AT_ONCE 8
#define CASE_SKIPPED 77 /* exit status of a case that cannot run here */

#ifdef BIG_TLS
static __thread char big_tls[256 * 1024];
#define PROGRAM "test_background_tls"
#else
#define PROGRAM "test_background"
#endif

/* ---- measuring, without allocating ---- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The process's anonymous resident bytes: statm's resident pages less its
 * shared ones (file-backed and shmem). The program's and its libraries'
 * pages faulted in after a case reads its base are not the allocator's;
 * where few were resident at the start (a small root file system under
 * qemu, tests/kernel/on-debian12-kernel) they alone outgrew the huge
 * case's slack. */
static size_t rss_bytes(void)
{
    char buf[128];
    unsigned long size, resident, shared;
    if (!stress_read_proc("/proc/self/statm", buf, sizeof buf) ||
        sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) != 3 || shared > resident)
        return SIZE_MAX;
    return (size_t)(resident - shared) * (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- the background thread, found by its name ---- */

/* Counts this process's threads that are (bg: true) or are not (false)
 * the background thread "mallard-bg"; *tid gets the id of the last one
 * counted. -1 if /proc/self/task cannot be read. */
static int count_threads(bool bg, long *tid)
{
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[96], comm[64];
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        bool is_bg = stress_read_proc(path, comm, sizeof comm) && strncmp(comm, "mallard-bg\n", 11) == 0;
        if (is_bg == bg) {
            n++;
            *tid = strtol(e->d_name, NULL, 10);
        }
    }
    closedir(d);
    return n;
}

/* Thread id of the thread named "mallard-bg", and how many there are. */
static int find_bg_thread(long *tid)
{
    return count_threads(true, tid);
}

/* Waits (up to DEADLINE_MS) until the background thread runs; false, with
 * a "# NAME: no background thread" line, if it does not. */
static bool bg_thread_started(const char *name)
{
    long tid;
    uint64_t t0 = now_ms();
    int threads;
    while ((threads = find_bg_thread(&tid)) != 1 && now_ms() - t0 < DEADLINE_MS)
        sleep_ms(10);
    if (threads != 1)
        printf("# %s: no background thread\n", name);
    return threads == 1;
}

/* Threads of this process other than the background thread: 1 in a
 * program that has started none, more where something else runs threads
 * of its own in the process (qemu-user's emulator thread, say). */
static int other_threads(void)
{
    long tid;
    return count_threads(false, &tid);
}

/* Voluntary plus involuntary context switches of thread `tid`. */
static long thread_switches(long tid)
{
    char path[96], buf[4096];
    snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
    if (!stress_read_proc(path, buf, sizeof buf))
        return -1;
    long total = 0;
    for (const char *key = "voluntary_ctxt_switches:"; key; key = key[0] == 'v' ? "nonvoluntary_ctxt_switches:" : NULL) {
        const char *p = strstr(buf, key);
        if (p == NULL || (key[0] == 'v' && p > buf && p[-1] == 'n'))
            return -1;
        total += strtol(p + strlen(key), NULL, 10);
    }
    return total;
}

/* ---- the memory to give back ---- */

typedef struct {
    void **blocks;
    size_t count, cap;
} heap_load;

static void *map_table(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* FREED_BYTES in 32 B - 64 KiB blocks, half the bytes in small ones, every
 * byte written. The table is mapped, not allocated: it is no heap memory. */
static bool load_fill(heap_load *l, uint64_t seed)
{
    stress_rng rng;
    stress_rng_seed(&rng, seed);
    l->cap = FREED_BYTES / 32;
    l->count = 0;
    l->blocks = map_table(l->cap * sizeof(void *));
    if (l->blocks == NULL)
        return false;
    size_t bytes = 0;
    while (bytes < FREED_BYTES && l->count < l->cap) {
        size_t size = (l->count & 1) ? stress_rng_range(&rng, 1024, 64 * 1024) : stress_rng_range(&rng, 32, 1024);
        char *p = malloc(size);
        if (p == NULL)
            return false;
        memset(p, (int)(l->count & 0x7f) | 1, size);
        l->blocks[l->count++] = p;
        bytes += size;
    }
    return true;
}

static void load_free(heap_load *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->blocks[i]);
    munmap(l->blocks, l->cap * sizeof(void *));
    l->blocks = NULL;
}

/* ---- cases (each in its own process) ---- */

static size_t rss_base, rss_full;

/* Polls until RSS is back within a tenth of the freed bytes of rss_base,
 * calling `between` (if any) between looks. Prints the figures; returns
 * 0 on success. */
static int wait_given_back(const char *name, void (*between)(void))
{
    if (rss_full < rss_base + FREED_BYTES / 2) {
        printf("# %s: only %zu KiB were resident to give back\n", name, (rss_full - rss_base) >> 10);
        return 1;
    }
    uint64_t start = now_ms();
    size_t rss = rss_bytes();
    while (rss >= rss_base + FREED_BYTES / 10 && now_ms() - start < DEADLINE_MS) {
        if (between)
            between();
        sleep_ms(10);
        rss = rss_bytes();
    }
    uint64_t waited = now_ms() - start;
    printf("# %s: anonymous RSS %zu KiB before, %zu KiB allocated, %zu KiB %llu ms after the free\n", name,
           rss_base >> 10, rss_full >> 10, rss >> 10, (unsigned long long)waited);
    return rss < rss_base + FREED_BYTES / 10 ? 0 : 1;
}

static int case_idle(void)
{
    heap_load l;
    rss_base = rss_bytes();
    if (!load_fill(&l, 1))
        return 2;
    rss_full = rss_bytes();
    load_free(&l);
    return wait_given_back("idle", NULL);
}

static void quiet_traffic(void)
{
    char *volatile p = malloc(64);
    if (p)
        p[0] = 1;
    free(p);
}

static int case_quiet(void)
{
    heap_load l;
    rss_base = rss_bytes();
    if (!load_fill(&l, 2))
        return 2;
    rss_full = rss_bytes();
    load_free(&l);
    return wait_given_back("quiet traffic", quiet_traffic);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool worker_done, worker_may_exit;
static heap_load shared_load;

static void signal_done(void)
{
    pthread_mutex_lock(&lock);
    worker_done = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static void wait_done(void)
{
    pthread_mutex_lock(&lock);
    while (!worker_done)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
}

/* Allocates and frees locally, then blocks until told (or exits). */
static void *worker_local(void *arg)
{
    bool block = arg != NULL;
    heap_load l;
    if (!load_fill(&l, 3))
        stress_fail("fill failed");
    rss_full = rss_bytes();
    load_free(&l);
    signal_done();
    if (block) {
        pthread_mutex_lock(&lock);
        while (!worker_may_exit)
            pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static int case_blocked(void)
{
    pthread_t t;
    rss_base = rss_bytes();
    if (pthread_create(&t, NULL, worker_local, (void *)1) != 0)
        return 2;
    wait_done();
    int rc = wait_given_back("blocked thread", NULL);
    pthread_mutex_lock(&lock);
    worker_may_exit = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return rc || stress_failures() != 0;
}

static int case_exit(void)
{
    pthread_t t;
    rss_base = rss_bytes();
    if (pthread_create(&t, NULL, worker_local, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 2;
    return wait_given_back("exited thread", NULL) || stress_failures() != 0;
}

/* Frees what the main thread allocated, then exits. */
static void *worker_remote(void *arg)
{
    (void)arg;
    load_free(&shared_load);
    return NULL;
}

static int case_remote(void)
{
    pthread_t t;
    rss_base = rss_bytes();
    if (!load_fill(&shared_load, 4))
        return 2;
    rss_full = rss_bytes();
    if (pthread_create(&t, NULL, worker_remote, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 2;
    return wait_given_back("remote frees to an idle owner", NULL);
}

/* Four blocks of `size` bytes filled and freed; then RSS is polled until
 * it is within `slack` of rss_base (which the caller reads first) or the
 * deadline passes. 0 when it got there. */
static int big_blocks_given_back(const char *what, size_t size, size_t slack)
{
    enum { N = 4 };
    char *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = malloc(size);
        if (p[i] == NULL)
            return 2;
        memset(p[i], i + 1, size);
    }
    rss_full = rss_bytes();
    for (int i = 0; i < N; i++)
        free(p[i]);
    uint64_t start = now_ms();
    size_t rss = rss_bytes();
    while (rss >= rss_base + slack && now_ms() - start < DEADLINE_MS) {
        sleep_ms(10);
        rss = rss_bytes();
    }
    printf("# %s: anonymous RSS %zu KiB before, %zu KiB allocated, %zu KiB %llu ms after the free\n", what, rss_base >> 10,
           rss_full >> 10, rss >> 10, (unsigned long long)(now_ms() - start));
    return rss_full >= rss_base + N * size / 2 && rss < rss_base + slack ? 0 : 1;
}

/* Huge blocks: their mappings are cached for reuse, then unmapped. */
static int case_huge(void)
{
    size_t size = 3 * MiB;
    rss_base = rss_bytes();
    return big_blocks_given_back("huge", size, 4 * size / 10);
}

/* Large blocks: their owner keeps the spans of the last few it freed for
 * reuse; an owner that goes quiet must not keep them. Four blocks, each
 * in a segment of its own or nearly (so the background thread is wanted),
 * freed and then the thread sleeps: their memory must go back, all but
 * half of one block (what else the process holds moves a little). */
static int case_large(void)
{
    size_t size = sizeof(void *) == 8 ? 3 * MiB / 2 : 480 * 1024;
    /* a first round starts the background thread (its stack and TLS are
     * not what this case measures); malloc_trim then gives back at once
     * what the round kept */
    void *first[4];
    for (int i = 0; i < 4; i++)
        first[i] = malloc(size);
    for (int i = 0; i < 4; i++)
        free(first[i]);
    if (!bg_thread_started("large"))
        return 1;
    malloc_trim(0);
    rss_base = rss_bytes();
    return big_blocks_given_back("large", size, size / 2);
}

/* The thread runs in the parent; the child of a fork allocates, frees and
 * idles, and gives back with a thread of its own. */
static int case_fork(void)
{
    int rc = case_idle(); /* the parent's thread is running, nothing due */
    if (rc)
        return rc;
    heap_load l;
    long tid;
    if (find_bg_thread(&tid) != 1) {
        printf("# fork: no background thread in the parent\n");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        rss_base = rss_bytes();
        if (!load_fill(&l, 6))
            _exit(2);
        rss_full = rss_bytes();
        load_free(&l);
        rc = wait_given_back("fork child", NULL);
        int threads = find_bg_thread(&tid);
        if (threads != 1)
            printf("# fork child: %d background threads\n", threads);
        fflush(stdout);
        _exit(rc || threads != 1);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

static void *short_thread(void *arg)
{
    size_t n = (size_t)(uintptr_t)arg % 64 + 16;
    void *b[80];
    for (size_t i = 0; i < n; i++) {
        b[i] = malloc(32 + i * 512);
        if (b[i] == NULL) {
            stress_fail("malloc failed in a short thread");
            return NULL;
        }
        memset(b[i], 1, 32 + i * 512);
    }
    for (size_t i = 0; i < n; i++)
        free(b[i]);
    return NULL;
}

/* Thousands of threads come and go while the background thread works;
 * then the memory of the case goes back as in case_idle. */
static int case_threads(void)
{
    for (unsigned r = 0; r < THREAD_ROUNDS; r++) {
        pthread_t t[THREADS_AT_ONCE];
        for (unsigned i = 0; i < THREADS_AT_ONCE; i++)
            if (pthread_create(&t[i], NULL, short_thread, (void *)(uintptr_t)(r * THREADS_AT_ONCE + i)) != 0)
                return 2;
        for (unsigned i = 0; i < THREADS_AT_ONCE; i++)
            pthread_join(t[i], NULL);
    }
    long tid;
    int threads = find_bg_thread(&tid);
    if (threads != 1) {
        printf("# threads: %d background threads after %u thread exits\n", threads,
               THREAD_ROUNDS * THREADS_AT_ONCE);
        return 1;
    }
    return case_idle() || stress_failures() != 0;
}

/* Once everything is given back, the thread sleeps: a window of
 * QUIET_WINDOW_MS without one context switch must come within the
 * deadline. A thread that woke every few hundred ms would never show one. */
static int case_quiet_thread(void)
{
    int rc = case_idle();
    if (rc)
        return rc;
    long tid;
    if (find_bg_thread(&tid) != 1) {
        printf("# no background thread\n");
        return 1;
    }
    uint64_t start = now_ms();
    long before = thread_switches(tid);
    while (now_ms() - start < DEADLINE_MS) {
        sleep_ms(QUIET_WINDOW_MS);
        long after = thread_switches(tid);
        if (after < 0 || before < 0)
            return 2;
        if (after == before) {
            printf("# the background thread stayed asleep for %d ms (%ld context switches in all)\n",
                   QUIET_WINDOW_MS, after);
            return 0;
        }
        before = after;
    }
    printf("# the background thread woke in every %d ms window for %d ms\n", QUIET_WINDOW_MS, DEADLINE_MS);
    return 1;
}

/* MALLARD_BACKGROUND=0: no thread, ever. */
static int case_off(void)
{
    heap_load l;
    if (!load_fill(&l, 7))
        return 2;
    load_free(&l);
    sleep_ms(300);
    if (!load_fill(&l, 8))
        return 2;
    load_free(&l);
    long tid;
    int threads = find_bg_thread(&tid);
    printf("# MALLARD_BACKGROUND=0: %d background threads\n", threads);
    return threads == 0 ? 0 : 1;
}

/* MALLARD_PURGE_DELAY_MS=-1: nothing is ever due, so no thread; a worker
 * frees and blocks, and malloc_trim(0) in the main thread gives its memory
 * back at once all the same. */
static int case_trim(void)
{
    pthread_t t;
    rss_base = rss_bytes();
    if (pthread_create(&t, NULL, worker_local, (void *)1) != 0)
        return 2;
    wait_done();
    size_t kept = rss_bytes();
    int trimmed = malloc_trim(0);
    size_t rss = rss_bytes();
    long tid;
    int threads = find_bg_thread(&tid);
    pthread_mutex_lock(&lock);
    worker_may_exit = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    printf("# trim: anonymous RSS %zu KiB before, %zu KiB allocated, %zu KiB after the worker's free, %zu KiB after "
           "malloc_trim (returned %d); %d background threads\n",
           rss_base >> 10, rss_full >> 10, kept >> 10, rss >> 10, trimmed, threads);
    return kept >= rss_base + FREED_BYTES / 2 && trimmed == 1 && rss < rss_base + FREED_BYTES / 10 &&
                   threads == 0 && stress_failures() == 0
               ? 0
               : 1;
}

/* No thread can be created (a seccomp filter fails clone and clone3):
 * the background thread's start fails, is retried, fails again, and the
 * program neither notices nor keeps its memory while it keeps allocating
 * (its own maintenance and the other threads' do the work then). */
static bool forbid_threads(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __NR_clone3
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#endif
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAGAIN),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof filter / sizeof filter[0]), filter};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

static stress_rng activity_rng;

/* The program's own work while the case waits (wait_given_back's kind). */
static void ordinary_activity(void)
{
    stress_small_churn(&activity_rng);
}

static void *do_nothing(void *arg)
{
    return arg;
}

static int case_no_thread(void)
{
    if (!forbid_threads()) {
        printf("# no_thread: cannot install a seccomp filter here (%s)\n", strerror(errno));
        return CASE_SKIPPED;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, do_nothing, NULL) == 0) {
        printf("# no_thread: the filter did not stop pthread_create\n");
        return 1;
    }
    stress_rng_seed(&activity_rng, 10);
    heap_load l;
    rss_base = rss_bytes();
    if (!load_fill(&l, 10))
        return 2;
    rss_full = rss_bytes();
    load_free(&l);
    int rc = wait_given_back("no thread can be created, the program keeps allocating", ordinary_activity);
    long tid;
    int threads = find_bg_thread(&tid);
    if (threads != 0)
        printf("# no_thread: %d background threads\n", threads);
    return rc || threads != 0;
}

/* A process ends when its last thread does, the background thread
 * notwithstanding: here the main thread calls pthread_exit and leaves the
 * work to a worker (run_case fails the case if the process outlives its
 * deadline). */
static void *worker_then_exit(void *arg)
{
    (void)arg;
    heap_load l;
    if (!load_fill(&l, 11))
        _exit(2);
    load_free(&l);
    sleep_ms(50);
    return NULL; /* the last thread of the program ends here */
}

/* Whether the process can end when its last thread does: not where a
 * thread the program did not start lives on (qemu-user's, whose threads
 * are host threads the program cannot see end), so the case cannot be
 * judged there. */
static bool last_thread_can_end_process(const char *name)
{
    /* polled: a background thread just started has not named itself yet */
    int threads = other_threads();
    for (uint64_t start = now_ms(); threads != 1 && now_ms() - start < 1000; threads = other_threads())
        sleep_ms(10);
    if (threads == 1)
        return true;
    printf("# %s: %d threads before the case starts one (an emulator's, such as qemu-user's?): "
           "the process cannot end with its last thread here, so the case cannot be judged\n",
           name, threads);
    return false;
}

static int case_main_exits(void)
{
    if (!last_thread_can_end_process("main_exits"))
        return CASE_SKIPPED;
    heap_load l;
    if (!load_fill(&l, 12)) /* the background thread starts */
        return 2;
    load_free(&l);
    pthread_t t;
    if (pthread_create(&t, NULL, worker_then_exit, NULL) != 0)
        return 2;
    pthread_exit(NULL);
}

/* The same in the child of a fork from a thread other than the main one:
 * the child's only thread returns, and the child must end (CPython's
 * test_threading does this). */
static void *fork_from_thread(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0) {
        heap_load l;
        if (!load_fill(&l, 13)) /* the child's background thread starts */
            _exit(2);
        load_free(&l);
        return NULL; /* the child's last thread */
    }
    int status = -1;
    uint64_t start = now_ms();
    pid_t got = 0;
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() - start < DEADLINE_MS)
        sleep_ms(10);
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        stress_fail("the child of a fork from a thread did not end when its thread returned");
    } else if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        stress_fail("the child of a fork from a thread ended with status 0x%x", (unsigned)status);
    } else {
        printf("# the child ended %llu ms after it was forked\n", (unsigned long long)(now_ms() - start));
    }
    return NULL;
}

static int case_fork_from_thread(void)
{
    if (!last_thread_can_end_process("fork_from_thread"))
        return CASE_SKIPPED;
    heap_load l;
    if (!load_fill(&l, 14)) /* the parent's background thread starts */
        return 2;
    load_free(&l);
    pthread_t t;
    if (pthread_create(&t, NULL, fork_from_thread, NULL) != 0 || pthread_join(t, NULL) != 0)
        return 2;
    return stress_failures() != 0;
}

/* The background thread's stack is smaller than a transparent huge page
 * (2 MiB), so that where THP is "always" the kernel cannot back it with
 * one (glibc's default 8 MiB stack got a 2 MiB huge page there, resident
 * for good); in test_background_tls the first size tried cannot hold the
 * thread's TLS. A thread's stack is an anonymous read-write mapping right
 * above an anonymous guard page (---p) in /proc/self/maps; the background
 * thread is the only thread here besides main, whose stack has none. */
static int case_stack(void)
{
    heap_load l;
    if (!load_fill(&l, 14)) /* the background thread starts */
        return 2;
    load_free(&l);
    if (!bg_thread_started("stack"))
        return 1;
    static char maps[1 << 20];
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0)
        return 2;
    size_t len = 0;
    ssize_t n;
    while (len < sizeof maps - 1 && (n = read(fd, maps + len, sizeof maps - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    maps[len] = '\0';
    int stacks = 0, too_big = 0;
    unsigned long guard_end = 0;
    for (char *line = maps; *line;) {
        unsigned long lo, hi, inode;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) == 4 && inode == 0) {
            if (strcmp(perms, "rw-p") == 0 && lo == guard_end) {
                stacks++;
                printf("# stack: a thread stack of %lu KiB\n", (hi - lo) >> 10);
                too_big += hi - lo >= 2 * MiB;
            }
            guard_end = strcmp(perms, "---p") == 0 ? hi : 0;
        } else {
            guard_end = 0;
        }
        char *next = strchr(line, '\n');
        if (next == NULL)
            break;
        line = next + 1;
    }
    return stacks >= 1 && too_big == 0 ? 0 : 1;
}

static const struct {
    const char *name;
    int (*run)(void);
    const char *env; /* NAME=VALUE set for the case, or NULL */
} cases[] = {
    {"idle", case_idle, NULL},
    {"quiet", case_quiet, NULL},
    {"blocked", case_blocked, NULL},
    {"exit", case_exit, NULL},
    {"remote", case_remote, NULL},
    {"huge", case_huge, NULL},
    {"large", case_large, NULL},
    {"fork", case_fork, NULL},
    {"threads", case_threads, NULL},
    {"asleep", case_quiet_thread, NULL},
    {"off", case_off, "MALLARD_BACKGROUND=0"},
    {"trim", case_trim, "MALLARD_PURGE_DELAY_MS=-1"},
    {"no_thread", case_no_thread, NULL},
    {"main_exits", case_main_exits, NULL},
    {"fork_from_thread", case_fork_from_thread, NULL},
    {"stack", case_stack, NULL},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

/* ---- the cmocka side: one test per case (the case's state is its index),
 * each in a fresh process ---- */

static int run_case(const char *name, const char *env)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* the environment as MALLARD_* options read it: set before exec */
        char *argv[] = {PROGRAM, "--case", (char *)name, NULL};
        if (env)
            putenv((char *)env);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    /* a deadline, not a blocking wait: a case whose process would not
     * end (main_exits) must fail, not hang */
    int status;
    pid_t got;
    uint64_t start = now_ms();
    while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() - start < 3 * DEADLINE_MS)
        sleep_ms(10);
    if (got == 0) {
        printf("# case %s: the process did not end within %d ms\n", name, 3 * DEADLINE_MS);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -2;
    }
    if (got != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_case(void **state)
{
    size_t i = (size_t)(uintptr_t)*state;
    int rc = run_case(cases[i].name, cases[i].env);
    if (rc == CASE_SKIPPED)
        skip();
    assert_int_equal(rc, 0);
}

int main(int argc, char **argv)
{
#ifdef BIG_TLS
    memset(big_tls, 1, sizeof big_tls);
#endif
    if (argc == 3 && strcmp(argv[1], "--case") == 0) {
        stress_init(PROGRAM, 60);
        for (size_t i = 0; i < CASE_COUNT; i++)
            if (strcmp(argv[2], cases[i].name) == 0)
                return cases[i].run();
        fprintf(stderr, PROGRAM ": unknown case '%s'\n", argv[2]);
        return 2;
    }
    stress_init(PROGRAM, 240);
    struct CMUnitTest tests[CASE_COUNT];
    for (size_t i = 0; i < CASE_COUNT; i++)
        tests[i] = (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *)(uintptr_t)i};
    return cmocka_run_group_tests_name(PROGRAM, tests, NULL, NULL);
}
