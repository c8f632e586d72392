/*
 * huge.h - blocks with a mapping of their own (huge.c).
 */
#ifndef MALLARD_HUGE_H
#define MALLARD_HUGE_H

#include "alloc/internal.h"

/* Freed huge mappings kept for reuse until their purge time. */
MALLARD_INTERNAL_VAR pthread_mutex_t huge_cache_lock;
MALLARD_INTERNAL_VAR _Atomic unsigned huge_cache_count;

/* Huge segments not in the segment map: found by search (huge_listed_find). */
MALLARD_INTERNAL_VAR pthread_mutex_t huge_listed_lock;

/* A block of `size` bytes aligned to `align` (a power of two, at least
 * BLOCK_ALIGN), zeroed if `zero`; NULL with errno ENOMEM on failure. */
MALLARD_INTERNAL void *huge_alloc(size_t size, size_t align, bool zero);

/* Frees huge segment `seg`; `listed`: it was on the list (already
 * unlinked by huge_listed_find), not in the segment map. */
MALLARD_INTERNAL void huge_free(segment_t *seg, bool listed);

/* Tries to grow a huge block in place to `new_usable` bytes. */
MALLARD_INTERNAL bool huge_grow(segment_t *seg, size_t new_usable);

/* The listed huge segment whose block starts at p (unlinked if `unlink`),
 * or NULL. */
MALLARD_INTERNAL segment_t *huge_listed_find(const void *p, bool unlink);

/* Unmaps the cached mappings due at `now` (all if `all`); returns how many. */
MALLARD_INTERNAL unsigned huge_cache_expire(uint64_t now, bool all);

/* Unmaps cached mappings, oldest first, until `bytes` of them are gone. */
MALLARD_INTERNAL void huge_cache_shed(size_t bytes);

/* When the earliest cached mapping is due; UINT64_MAX if none. */
MALLARD_INTERNAL uint64_t huge_cache_next_due(void);

#endif /* MALLARD_HUGE_H */
