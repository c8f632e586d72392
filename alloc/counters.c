/*
 * counters.c - the process-wide counters of counters.h.
 */
#include "alloc/internal.h"
#include "alloc/counters.h"

MALLARD_INTERNAL _Atomic size_t stat_segments_mapped;
MALLARD_INTERNAL _Atomic size_t stat_huge_mapped;
MALLARD_INTERNAL _Atomic size_t stat_huge_count;
MALLARD_INTERNAL _Atomic size_t stat_huge_cached;
MALLARD_INTERNAL _Atomic size_t stat_metadata;
MALLARD_INTERNAL _Atomic uint64_t stat_huge_mallocs;
