/*
 * mallard.h - public interface of mallard, a drop-in malloc with
 * fragmentation diagnostics.
 *
 * Two ways to use it:
 *   - as the process allocator: link -lmallard (shared or static) or
 *     LD_PRELOAD=libmallard.so; malloc, free, ... are then mallard's and the
 *     mallard_* names below reach the same heap;
 *   - beside the system malloc: link -lmallard-prefixed, which exports only
 *     the mallard_* names; malloc stays the C library's.
 *
 * Every function behaves like its unprefixed namesake in glibc, errno
 * included (see docs/ARCHITECTURE.md, "Semantics").
 */
#ifndef MALLARD_H
#define MALLARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MALLARD_VERSION_MAJOR 0
#define MALLARD_VERSION_MINOR 1
#define MALLARD_VERSION_PATCH 0

#if defined(__GNUC__)
#define MALLARD_ATTR_MALLOC __attribute__((malloc, warn_unused_result))
#define MALLARD_ATTR_ALLOC_SIZE(...) __attribute__((alloc_size(__VA_ARGS__)))
#else
#define MALLARD_ATTR_MALLOC
#define MALLARD_ATTR_ALLOC_SIZE(...)
#endif

void *mallard_malloc(size_t size) MALLARD_ATTR_MALLOC MALLARD_ATTR_ALLOC_SIZE(1);
void *mallard_calloc(size_t count, size_t size) MALLARD_ATTR_MALLOC MALLARD_ATTR_ALLOC_SIZE(1, 2);
void *mallard_realloc(void *ptr, size_t size) MALLARD_ATTR_ALLOC_SIZE(2);
void *mallard_reallocarray(void *ptr, size_t count, size_t size) MALLARD_ATTR_ALLOC_SIZE(2, 3);
void mallard_free(void *ptr);

int mallard_posix_memalign(void **out, size_t alignment, size_t size);
void *mallard_aligned_alloc(size_t alignment, size_t size) MALLARD_ATTR_MALLOC MALLARD_ATTR_ALLOC_SIZE(2);
void *mallard_memalign(size_t alignment, size_t size) MALLARD_ATTR_MALLOC MALLARD_ATTR_ALLOC_SIZE(2);
void *mallard_valloc(size_t size) MALLARD_ATTR_MALLOC MALLARD_ATTR_ALLOC_SIZE(1);
void *mallard_pvalloc(size_t size) MALLARD_ATTR_MALLOC;

/* Usable size of a live block (>= the size asked for); 0 for NULL. */
size_t mallard_usable_size(const void *ptr);

/* Give every free page of this thread's heap, of exited threads' heaps and
 * of the segment cache back to the OS now. Returns 1 if memory was released,
 * 0 otherwise (malloc_trim's contract). The pad argument is ignored. */
int mallard_trim(size_t pad);

/* Prints a summary of the heap on stderr (what malloc_stats() prints). */
void mallard_stats_print(void);

/* 1 if ptr lies in memory mallard handed out (any segment), else 0. */
int mallard_owns(const void *ptr);

/* ---- statistics: snapshots of where every byte is ----
 *
 * A snapshot is taken into a versioned struct, then written as text (for
 * people) or JSON (one object, one line: NDJSON when appended to a file).
 * Taking and writing a snapshot never calls malloc and is safe while other
 * threads allocate (the figures of pages other threads are changing are a
 * consistent-enough view, not an exact one). docs/DIAGNOSTICS.md defines
 * every figure.
 *
 * Each field list below is written once and expanded for the struct and
 * for both writers, so the three cannot drift apart.
 * X(name, what) - every field is a uint64_t.
 */
#define MALLARD_STATS_VERSION 1
#define MALLARD_STATS_CLASSES_MAX 64
#define MALLARD_STATS_OCCUPANCY_BINS 10

#define MALLARD_STATS_TOTALS(X) \
	X(allocated, "usable bytes of live blocks") \
	X(requested, "bytes asked for by the live blocks (estimate)") \
	X(active, "bytes of pages holding a live block") \
	X(committed, "may be resident: pages in use, free slices not yet purged, huge blocks, metadata") \
	X(resident, "bytes of the heap in RAM (mincore)") \
	X(mapped, "address space mapped by mallard") \
	X(metadata, "mallard's own structures")

#define MALLARD_STATS_CLASS_FIELDS(X) \
	X(size, "block size in bytes") \
	X(live_blocks, "blocks handed out and not freed") \
	X(pages, "pages of this class") \
	X(pages_full, "pages with no free block") \
	X(pages_partial, "pages with live and free blocks") \
	X(pages_empty, "pages with no live block, not yet given back") \
	X(free_blocks, "free blocks in partial pages: stranded by their live neighbours") \
	X(mallocs, "blocks allocated since start") \
	X(frees, "blocks freed since start (mallocs - live_blocks)") \
	X(requested, "bytes asked for by the live blocks (estimate)") \
	X(active, "bytes of the class's pages that hold a live block")

#define MALLARD_STATS_SPAN_FIELDS(X) \
	X(blocks, "live blocks") \
	X(bytes, "usable bytes of the live blocks") \
	X(mallocs, "blocks allocated since start")

/* Figures derived from a snapshot, defined here once for every reader (the
 * text writer, mallard-report, the benchmark runner).
 * X(name, plus, minus, what): name = plus - minus, in bytes, and 0 when
 * minus is the larger (figures read while other threads allocate may cross
 * for a moment). plus and minus name a total, or the snapshot's rss. */
#define MALLARD_STATS_DIFFERENCES(X) \
	X(stranded, active, allocated, "free blocks stranded in pages in use") \
	X(retention, committed, active, "free memory not yet given back") \
	X(not_resident, committed, resident, "committed bytes not in RAM (purged or never touched)") \
	X(outside_heap, rss, resident, "stacks, code, other mappings and allocators")

/* X(name, part, whole, what): name = 1 - part/whole, a fraction from 0 to 1;
 * 0 when whole is 0, and part counts as whole when it is the larger. */
#define MALLARD_STATS_FRACTIONS(X) \
	X(internal_fragmentation, requested, allocated, "rounding up to size classes") \
	X(external_fragmentation, allocated, active, "free blocks stranded in pages in use")

#define MALLARD_STATS_DECLARE_FIELD(name, what) uint64_t name;

typedef struct {
	MALLARD_STATS_CLASS_FIELDS(MALLARD_STATS_DECLARE_FIELD)
	/* pages by how full they are: [i] counts pages 10*i % to 10*(i+1) % full */
	uint64_t occupancy[MALLARD_STATS_OCCUPANCY_BINS];
} mallard_stats_class_t;

typedef struct {
	MALLARD_STATS_SPAN_FIELDS(MALLARD_STATS_DECLARE_FIELD)
} mallard_stats_span_t;

typedef struct {
	uint32_t size;    /* sizeof(mallard_stats_t) as the caller compiled it: set before the call */
	uint32_t version; /* MALLARD_STATS_VERSION of the library that filled it */
	uint64_t pid;
	uint64_t time_ms; /* wall clock, ms since the Unix epoch */
	uint64_t uptime_ms; /* since mallard started in this process */
	uint64_t bits;    /* 32 or 64 */
	uint64_t rss;     /* the process's resident set, bytes (/proc/self/statm) */
	struct {
		MALLARD_STATS_TOTALS(MALLARD_STATS_DECLARE_FIELD)
	} totals;
	struct {
		uint64_t free;         /* bytes of user address space not mapped */
		uint64_t largest_free; /* the largest unmapped range: the biggest block that could still be mapped */
	} address_space;
	mallard_stats_span_t large; /* blocks above the largest class, in spans of slices */
	mallard_stats_span_t huge;  /* blocks with a mapping of their own */
	uint32_t class_count;       /* classes[] entries filled (classes ever used) */
	uint32_t trigger;           /* MALLARD_STATS_TRIGGER_*: what asked for this snapshot */
	mallard_stats_class_t classes[MALLARD_STATS_CLASSES_MAX];
} mallard_stats_t;

enum { MALLARD_STATS_TEXT = 0, MALLARD_STATS_JSON = 1 };

/* "trigger" in JSON: a program's call, MALLARD_STATS_INTERVAL_MS,
 * MALLARD_STATS_SIGNAL, or MALLARD_STATS=exit (a program may have freed
 * most of its heap by then). */
enum {
	MALLARD_STATS_TRIGGER_CALL = 0,
	MALLARD_STATS_TRIGGER_INTERVAL = 1,
	MALLARD_STATS_TRIGGER_SIGNAL = 2,
	MALLARD_STATS_TRIGGER_EXIT = 3,
};

/* Fills *stats (stats->size must be sizeof(mallard_stats_t)). Returns 0, or
 * -1 with errno EINVAL for a NULL or mis-sized struct. */
int mallard_stats_get(mallard_stats_t *stats);

/* Output callback of the writers: called with pieces of the report. */
typedef void (*mallard_write_fn)(void *arg, const char *text, size_t len);

/* Writes a snapshot as MALLARD_STATS_TEXT or MALLARD_STATS_JSON (one line)
 * through `write`. Returns 0, or -1 with errno EINVAL for a bad argument. */
int mallard_stats_write(const mallard_stats_t *stats, int format, mallard_write_fn write, void *arg);

/* Takes a snapshot and writes it to file descriptor fd. JSON goes out with
 * one write() per line, so a process killed mid-write leaves at most one
 * truncated last line. Returns 0, or -1 with errno set. */
int mallard_stats_write_fd(int fd, int format);

/* ---- allocation sites (MALLARD_SITES=RATE) ----
 *
 * With MALLARD_SITES set, about one allocation in every RATE bytes is
 * sampled, its call stack recorded, and counted against its site (the
 * stack) until it is freed. The figures are estimates: each sample stands
 * for size / p bytes and 1 / p blocks, p = 1 - exp(-size / RATE) being the
 * chance that a block of its size is sampled, so they are unbiased. */
#define MALLARD_SITE_FRAMES_MAX 32

typedef struct {
	uint32_t size;         /* sizeof(mallard_site_t) as the caller compiled it: set in
	                        * sites[0] before the call; every record filled has it */
	uint64_t live_bytes;   /* estimated bytes of the site's live blocks */
	uint64_t live_blocks;  /* estimated live blocks */
	uint64_t alloc_bytes;  /* estimated bytes allocated here since start */
	uint64_t allocs;       /* estimated allocations since start */
	uint64_t samples_live; /* samples behind live_*: the fewer, the rougher */
	uint64_t samples;      /* samples behind alloc_* */
	uint64_t pinned_bytes; /* estimated stranded bytes of the pages its live blocks
	                        * keep in use, as of the last snapshot (0 before one) */
	uint32_t depth;        /* frames[] in use */
	void *frames[MALLARD_SITE_FRAMES_MAX]; /* return addresses, innermost first */
} mallard_site_t;

/* The sampling rate in bytes; 0 when sampling is off. */
size_t mallard_sites_rate(void);

/* Fills up to `max` sites, the most live bytes first; returns how many
 * sites have had a sample (more than `max` when some did not fit), 0 when
 * sampling is off. With max > 0, sites[0].size must be
 * sizeof(mallard_site_t): else (size_t)-1 with errno EINVAL, and nothing
 * filled. Never allocates. */
size_t mallard_sites_get(mallard_site_t *sites, size_t max);

/* "major.minor.patch" */
const char *mallard_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MALLARD_H */
