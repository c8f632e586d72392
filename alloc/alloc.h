/*
 * alloc.h - the allocator's entry points: what api.c and override.c call.
 *   alloc.c    malloc and free (the fast paths), calloc, realloc, usable size
 *   aligned.c  allocations with an alignment above BLOCK_ALIGN
 *   trim.c     malloc_trim
 * Each follows glibc's contract: NULL with errno ENOMEM (EINVAL for a bad
 * alignment) on failure; a bad pointer is reported (report.h).
 */
#ifndef MALLARD_ALLOC_H
#define MALLARD_ALLOC_H

#include <stddef.h>

#include "alloc/linkage.h"

MALLARD_HOT void *alloc_malloc(size_t size);
MALLARD_HOT void alloc_free(void *p);
MALLARD_INTERNAL void *alloc_calloc(size_t count, size_t size);
MALLARD_INTERNAL void *alloc_realloc(void *p, size_t size);

/* Usable size of the live block at p; 0 for NULL. A pointer that is no
 * live block is reported as a bad call to `func`, and gives 0. */
MALLARD_INTERNAL size_t alloc_usable_size(const void *p, const char *func);

MALLARD_INTERNAL void *aligned_memalign(size_t align, size_t size);
MALLARD_INTERNAL int aligned_posix_memalign(void **out, size_t align, size_t size);
MALLARD_INTERNAL void *aligned_valloc(size_t size);
MALLARD_INTERNAL void *aligned_pvalloc(size_t size);

MALLARD_INTERNAL int alloc_trim(void);

#endif /* MALLARD_ALLOC_H */
