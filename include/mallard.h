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

/* "major.minor.patch" */
const char *mallard_version(void);

#ifdef __cplusplus
}
#endif

#endif /* MALLARD_H */
