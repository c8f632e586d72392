/*
 * test_addrspace.c - the failure mallard was started for: on 32-bit, a
 * process that once had a big heap and kept a few scattered survivors can no
 * longer get one large block, because the allocator still holds the address
 * space around the survivors.
 *
 * Six rounds: fill about 1.2 GiB with small blocks (16-1024 B) and some
 * medium/large ones (4 KiB-1 MiB), keep about 1 small block in 2000 alive,
 * free the rest; big 64-256 MiB buffers come and go in between. Then, with
 * the survivors still alive, malloc(1 GiB) must succeed. The largest free
 * gap in the address space is reported before and after. On 64-bit the
 * volumes are divided by 8 (the address space is not the limit there; the
 * code path still runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mallard.h"
#include "stress.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

#define AS_SCALE (sizeof(void *) == 4 ? 1 : 8)
#define AS_ROUNDS 6
#define AS_ROUND_BYTES ((size_t)1200 * MiB / AS_SCALE)
#define AS_SURVIVOR_EVERY 2000
#define AS_BIG_MIN (64 * MiB / AS_SCALE)
#define AS_BIG_MAX (256 * MiB / AS_SCALE)
#define AS_FINAL ((size_t)1024 * MiB)

/* ---- /proc/self/maps ------------------------------------------------------ */

struct as_map_summary {
    uint64_t largest_gap;  /* largest hole between two mappings (or below the first) */
    uint64_t gap_start;
    uint64_t mapped;       /* sum of the sizes of all mappings */
    unsigned mappings;
};

static uint64_t read_mmap_min_addr(void)
{
    char buf[64];
    if (!stress_read_proc("/proc/sys/vm/mmap_min_addr", buf, sizeof buf))
        return 65536;
    return strtoull(buf, NULL, 10);
}

/* Streams the file through a fixed buffer: no malloc while measuring. */
static struct as_map_summary summarize_maps(void)
{
    struct as_map_summary s = {0, 0, 0, 0};
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return s;
    static char buf[65536];
    size_t have = 0;
    uint64_t prev_end = read_mmap_min_addr();
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        char *line = buf;
        char *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
            unsigned long long lo, hi;
            /* x86-64's [vsyscall] page sits in kernel space: not a gap we can use */
            if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && lo < 0x800000000000ull) {
                if (lo > prev_end && lo - prev_end > s.largest_gap) {
                    s.largest_gap = lo - prev_end;
                    s.gap_start = prev_end;
                }
                if (hi > prev_end)
                    prev_end = hi;
                s.mapped += hi - lo;
                s.mappings++;
            }
            line = nl + 1;
        }
        have = (size_t)(buf + have - line);
        memmove(buf, line, have);
    }
    close(fd);
    return s;
}

static void report_maps(const char *when, struct as_map_summary s)
{
    printf("# %s: largest free gap %" PRIu64 " MiB at 0x%" PRIx64 ", %" PRIu64
           " MiB mapped in %u mappings, RSS %zu MiB\n",
           when, s.largest_gap / MiB, s.gap_start, s.mapped / MiB, s.mappings, stress_rss_bytes() / MiB);
}

/* ---- the rounds ----------------------------------------------------------- */

static void *map_array(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Medium/large sizes, 4 KiB to 1 MiB, spread over the powers of two. */
static size_t medium_size(stress_rng *rng)
{
    unsigned shift = 12 + (unsigned)(stress_rng_next(rng) % 8); /* 4 KiB .. 512 KiB */
    size_t lo = (size_t)1 << shift;
    return stress_rng_range(rng, lo, 2 * lo);
}

/* Allocates, touches and frees one big buffer; false if malloc failed. */
static bool big_buffer(stress_rng *rng, const char *where, unsigned round)
{
    size_t size = stress_rng_range(rng, AS_BIG_MIN, AS_BIG_MAX);
    unsigned char *p = malloc(size);
    if (p == NULL) {
        fail_msg("round %u, %s: malloc(%zu MiB) returned NULL", round, where, size / MiB);
        return false;
    }
    assert_true(stress_owned(p));
    p[0] = 1;
    p[size - 1] = 2;
    free(p);
    return true;
}

static void test_survivors_then_1gib(void **state)
{
    (void)state;
    double t0 = stress_now();
    struct as_map_summary before = summarize_maps();
    report_maps("before", before);
    /* qemu-user's i386 emulation, for one, maps the program at 1 GiB and
     * leaves no such gap */
    if (before.largest_gap < AS_FINAL + AS_BIG_MAX) {
        printf("# skipped: the process starts with no free gap of %zu MiB, so the final block cannot fit "
               "whatever the allocator does\n", (AS_FINAL + AS_BIG_MAX) / MiB);
        skip();
    }

    size_t cap = AS_ROUND_BYTES / 400; /* small blocks average 520 B */
    size_t survivor_cap = (size_t)AS_ROUNDS * (cap / AS_SURVIVOR_EVERY) * 2 + 64;
    void **blocks = map_array(cap * sizeof *blocks);
    void **survivors = map_array(survivor_cap * sizeof *survivors);
    assert_non_null(blocks);
    assert_non_null(survivors);
    size_t n_survivors = 0;
    unsigned long mallocs = 0;
    stress_rng rng;
    stress_rng_seed(&rng, 9000);

    for (unsigned round = 1; round <= AS_ROUNDS; round++) {
        size_t small_bytes = 0, medium_bytes = 0, n = 0;
        while (small_bytes + medium_bytes < AS_ROUND_BYTES && n < cap) {
            bool medium = medium_bytes * 4 < small_bytes; /* medium/large: a fifth of the bytes */
            size_t size = medium ? medium_size(&rng) : stress_rng_range(&rng, 16, 1024);
            unsigned char *p = malloc(size);
            if (p == NULL)
                fail_msg("round %u: malloc(%zu) returned NULL after %zu MiB", round, size,
                         (small_bytes + medium_bytes) / MiB);
            if (!stress_owned(p))
                fail_msg("malloc(%zu) = %p is not mallard's", size, (void *)p);
            p[0] = (unsigned char)n; /* one byte: touching is the cost */
            mallocs++;
            if (medium) {
                medium_bytes += size;
            } else {
                small_bytes += size;
                if (stress_rng_next(&rng) % AS_SURVIVOR_EVERY == 0 && n_survivors < survivor_cap) {
                    uint64_t tag = (uint64_t)(uintptr_t)p ^ 0x5EED5EED5EED5EEDu;
                    memcpy(p, &tag, sizeof tag);
                    survivors[n_survivors++] = p;
                    continue;
                }
            }
            blocks[n++] = p;
        }
        /* at the peak, one big buffer on top */
        if (!big_buffer(&rng, "at the peak", round))
            return;
        if (round % 2) {
            for (size_t i = 0; i < n; i++)
                free(blocks[i]);
        } else {
            for (size_t i = n; i-- > 0;)
                free(blocks[i]);
        }
        /* in between, a few more */
        for (unsigned k = 0; k < 2; k++)
            if (!big_buffer(&rng, "between rounds", round))
                return;
    }
    struct as_map_summary after = summarize_maps();
    report_maps("after the rounds, survivors alive", after);
    printf("# %lu mallocs in %d rounds of %zu MiB, %zu survivors\n", mallocs, AS_ROUNDS,
           AS_ROUND_BYTES / MiB, n_survivors);
    /* what the allocator could give back: a figure to read, not asserted */
    int released = mallard_trim(0);
    char what[64];
    snprintf(what, sizeof what, "after mallard_trim(0) = %d", released);
    report_maps(what, summarize_maps());

    unsigned char *big = malloc(AS_FINAL);
    if (big == NULL)
        fail_msg("malloc(%zu MiB) failed with %zu survivors alive; largest free gap %" PRIu64 " MiB",
                 AS_FINAL / MiB, n_survivors, after.largest_gap / MiB);
    assert_true(stress_owned(big));
    big[0] = 1;
    big[AS_FINAL - 1] = 1;
    report_maps("with the 1 GiB block", summarize_maps());

    size_t bad = 0;
    for (size_t i = 0; i < n_survivors; i++) {
        uint64_t tag;
        memcpy(&tag, survivors[i], sizeof tag);
        if (tag != ((uint64_t)(uintptr_t)survivors[i] ^ 0x5EED5EED5EED5EEDu))
            bad++;
        free(survivors[i]);
    }
    free(big);
    munmap(blocks, cap * sizeof *blocks);
    munmap(survivors, survivor_cap * sizeof *survivors);
    printf("# address-space test took %.2f s\n", stress_now() - t0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    stress_init("test_addrspace", 120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survivors_then_1gib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
