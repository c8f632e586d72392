/*
 * segmap.h - which units of the address space start a mallard segment
 * (segmap.c).
 */
#ifndef MALLARD_SEGMAP_H
#define MALLARD_SEGMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc/linkage.h"

/* Whether a mapped segment starts at addr's unit: any address may be asked. */
MALLARD_HOT bool segmap_contains(uintptr_t addr);

/* Marks a segment mapped (after its header is written) or not (before it
 * is unmapped). */
MALLARD_INTERNAL void segmap_set(const void *segment, bool present);

#endif /* MALLARD_SEGMAP_H */
