/*
 * stress.h - helpers shared by the stress tests in tests/stress/.
 *
 * Glossary:
 *   tag      64-bit value a block's contents are derived from; a block
 *            written with one tag and read back with another fails.
 *   active   mallard is the allocator under test: mallard_owns() says yes to
 *            a block from mallard_malloc(). When it is not (the glibc stub
 *            that stands in while the allocator is written), ownership checks
 *            are off and the tests exercise whatever malloc is linked.
 *   failure  a check that failed on a worker thread. cmocka's asserts
 *            longjmp and may only run on the test's own thread, so workers
 *            record failures here and the test asserts there were none.
 */
#ifndef STRESS_H
#define STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* xorshift64* generator, one per thread. */
typedef struct {
    uint64_t state;
} stress_rng;

void stress_rng_seed(stress_rng *rng, uint64_t seed);
uint64_t stress_rng_next(stress_rng *rng);
/* Uniform in [lo, hi], both included. */
size_t stress_rng_range(stress_rng *rng, size_t lo, size_t hi);

/* Contents of a block: byte i is a function of (tag, i). Blocks up to
 * STRESS_FULL_LIMIT bytes are written whole; larger ones at their first and
 * last KiB and one byte per 4 KiB, so that big blocks stay cheap. */
#define STRESS_FULL_LIMIT 4096
void stress_fill(void *ptr, size_t size, uint64_t tag);
bool stress_check(const void *ptr, size_t size, uint64_t tag);
/* Every byte of [from, to). */
void stress_fill_range(void *ptr, size_t from, size_t to, uint64_t tag);
bool stress_check_range(const void *ptr, size_t from, size_t to, uint64_t tag);

/* Call first in main(): line-buffers stdout, arms a watchdog that bails
 * out (TAP "Bail out!") after watchdog_s seconds instead of hanging, and
 * finds out whether mallard is active. */
void stress_init(const char *program, unsigned watchdog_s);
bool stress_mallard_active(void);
/* True if ptr is mallard's, or mallard is not active. */
bool stress_owned(const void *ptr);

/* Record a failure from any thread; the first message is kept. */
void stress_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned long stress_failures(void);
const char *stress_first_failure(void);
void stress_reset_failures(void);

#define STRESS_REQUIRE(cond, ...) \
    do { \
        if (!(cond)) \
            stress_fail(__VA_ARGS__); \
    } while (0)

/* In a cmocka test, on its own thread: fail if any worker failed. */
#define STRESS_ASSERT_NO_FAILURES() \
    do { \
        if (stress_failures() != 0) \
            fail_msg("%lu failed checks; first: %s", stress_failures(), stress_first_failure()); \
    } while (0)

/* Reads a small /proc file into buf (NUL-terminated); false if it cannot. */
bool stress_read_proc(const char *path, char *buf, size_t size);

/* Resident set size of this process in bytes (/proc/self/statm). */
size_t stress_rss_bytes(void);

/* Small allocations with short lifetimes, as a service's main loop makes:
 * 20,000 malloc/free pairs of 16 to 1024 bytes among 64 slots, all freed
 * at the end. */
void stress_small_churn(stress_rng *rng);

/* Seconds since an arbitrary start, monotonic. */
double stress_now(void);

#endif /* STRESS_H */
