/*
 * counters.h - process-wide counters of what the allocator has mapped,
 * kept with relaxed atomics where the mapping changes (counters.c).
 * Written by the allocator, read by inspect.c for the diagnostics.
 */
#ifndef MALLARD_COUNTERS_H
#define MALLARD_COUNTERS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/linkage.h"

MALLARD_INTERNAL_VAR _Atomic size_t stat_segments_mapped; /* normal segments mapped, cached included */
MALLARD_INTERNAL_VAR _Atomic size_t stat_huge_mapped;     /* bytes of huge mappings */
MALLARD_INTERNAL_VAR _Atomic size_t stat_huge_count;      /* huge blocks live */
MALLARD_INTERNAL_VAR _Atomic size_t stat_huge_cached;     /* bytes of cached huge mappings */
MALLARD_INTERNAL_VAR _Atomic size_t stat_metadata;        /* bytes of heap structures */
MALLARD_INTERNAL_VAR _Atomic uint64_t stat_huge_mallocs;  /* huge blocks allocated since start */

#endif /* MALLARD_COUNTERS_H */
