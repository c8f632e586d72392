/*
 * stress.c - helpers shared by the stress tests (see stress.h).
 */
#include "stress.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mallard.h"

void stress_rng_seed(stress_rng *rng, uint64_t seed)
{
    /* splitmix64 of the seed, never 0 */
    uint64_t z = seed + 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    rng->state = z ? z : 1;
}

uint64_t stress_rng_next(stress_rng *rng)
{
    uint64_t x = rng->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng->state = x;
    return x * 0x2545F4914F6CDD1Du;
}

size_t stress_rng_range(stress_rng *rng, size_t lo, size_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (size_t)((stress_rng_next(rng) >> 11) % span);
}

/* Byte i of a block with this tag: period 256 in i, so a page-sized piece
 * of another block with another tag does not match by chance. */
static inline uint8_t pattern_byte(uint64_t tag, size_t i)
{
    uint8_t base = (uint8_t)(tag ^ (tag >> 24) ^ (tag >> 48));
    uint8_t step = (uint8_t)((tag >> 8) | 1);
    return (uint8_t)(base + (uint8_t)i * step + (uint8_t)(i >> 8));
}

void stress_fill_range(void *ptr, size_t from, size_t to, uint64_t tag)
{
    uint8_t *p = ptr;
    for (size_t i = from; i < to; i++)
        p[i] = pattern_byte(tag, i);
}

bool stress_check_range(const void *ptr, size_t from, size_t to, uint64_t tag)
{
    const uint8_t *p = ptr;
    for (size_t i = from; i < to; i++)
        if (p[i] != pattern_byte(tag, i))
            return false;
    return true;
}

void stress_fill(void *ptr, size_t size, uint64_t tag)
{
    if (size <= STRESS_FULL_LIMIT) {
        stress_fill_range(ptr, 0, size, tag);
        return;
    }
    uint8_t *p = ptr;
    stress_fill_range(ptr, 0, 1024, tag);
    for (size_t i = 4096; i < size - 1024; i += 4096)
        p[i] = pattern_byte(tag, i);
    stress_fill_range(ptr, size - 1024, size, tag);
}

bool stress_check(const void *ptr, size_t size, uint64_t tag)
{
    if (size <= STRESS_FULL_LIMIT)
        return stress_check_range(ptr, 0, size, tag);
    const uint8_t *p = ptr;
    if (!stress_check_range(ptr, 0, 1024, tag))
        return false;
    for (size_t i = 4096; i < size - 1024; i += 4096)
        if (p[i] != pattern_byte(tag, i))
            return false;
    return stress_check_range(ptr, size - 1024, size, tag);
}

static bool mallard_active;
static const char *program_name = "stress";
static unsigned watchdog_seconds;

static void watchdog_fire(int sig)
{
    (void)sig;
    /* async-signal-safe: write(2) only */
    static const char msg1[] = "Bail out! ";
    static const char msg2[] = ": watchdog expired (deadlock or far too slow)\n";
    ssize_t r = write(STDOUT_FILENO, msg1, sizeof msg1 - 1);
    r = write(STDOUT_FILENO, program_name, strlen(program_name));
    r = write(STDOUT_FILENO, msg2, sizeof msg2 - 1);
    (void)r;
    _exit(99);
}

void stress_init(const char *program, unsigned watchdog_s)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    program_name = program;
    watchdog_seconds = watchdog_s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watchdog_fire;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(watchdog_s);

    void *probe = mallard_malloc(64);
    mallard_active = probe != NULL && mallard_owns(probe);
    mallard_free(probe);
    if (!mallard_active) {
        printf("# %s: mallard_owns(mallard_malloc(64)) is 0, so the library is a stand-in "
               "(lib/unity.c stub?): ownership checks are off\n", program);
    } else {
        void *m = malloc(64);
        if (!mallard_owns(m))
            printf("# %s: malloc() does not reach mallard (override missing?): "
                   "every ownership check will fail\n", program);
        free(m);
    }
}

bool stress_mallard_active(void)
{
    return mallard_active;
}

bool stress_owned(const void *ptr)
{
    return !mallard_active || mallard_owns(ptr);
}

static atomic_ulong failure_count;
static atomic_flag failure_taken = ATOMIC_FLAG_INIT;
static char failure_text[512] = "(none)";

void stress_fail(const char *fmt, ...)
{
    if (atomic_fetch_add(&failure_count, 1) == 0 && !atomic_flag_test_and_set(&failure_taken)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(failure_text, sizeof failure_text, fmt, ap);
        va_end(ap);
    }
}

unsigned long stress_failures(void)
{
    return atomic_load(&failure_count);
}

const char *stress_first_failure(void)
{
    return failure_text;
}

void stress_reset_failures(void)
{
    atomic_store(&failure_count, 0);
    atomic_flag_clear(&failure_taken);
    strcpy(failure_text, "(none)");
}

/* Reads a small /proc file into buf (NUL-terminated); false if it cannot. */
bool stress_read_proc(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return true;
}

size_t stress_rss_bytes(void)
{
    char buf[128];
    unsigned long size_pages = 0, rss_pages = 0;
    if (!stress_read_proc("/proc/self/statm", buf, sizeof buf) ||
        sscanf(buf, "%lu %lu", &size_pages, &rss_pages) != 2)
        return 0;
    return (size_t)rss_pages * (size_t)sysconf(_SC_PAGESIZE);
}

void stress_small_churn(stress_rng *rng)
{
    void *keep[64] = {0};
    for (unsigned i = 0; i < 20000; i++) {
        unsigned slot = (unsigned)stress_rng_range(rng, 0, 63);
        free(keep[slot]);
        keep[slot] = malloc(stress_rng_range(rng, 16, 1024));
    }
    for (unsigned i = 0; i < 64; i++)
        free(keep[i]);
}

double stress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
