/*
 * sizeclass.h - request sizes to size classes (sizeclass.c).
 */
#ifndef MALLARD_SIZECLASS_H
#define MALLARD_SIZECLASS_H

#include <stddef.h>
#include <stdint.h>

#include "alloc/arch.h"
#include "alloc/linkage.h"

/* Filled once by sizeclass_init, read-only afterwards. */
typedef struct {
	uint32_t block_size[CLASS_COUNT + 1];
	uint8_t slices[CLASS_COUNT + 1];     /* slices per page of the class */
	uint16_t direct_lo[CLASS_COUNT + 1]; /* heap->direct[] indices served */
	uint16_t direct_hi[CLASS_COUNT + 1];
	uint8_t runs[(MEDIUM_MAX >> RUN_UNIT_SHIFT) + 1]; /* sizeclass_of_run */
} sizeclass_table_t;

MALLARD_INTERNAL_VAR sizeclass_table_t sizeclass_table;

MALLARD_INTERNAL void sizeclass_init(void);

/* Class (1..CLASS_COUNT) of a request of 0 <= size <= MEDIUM_MAX bytes. */
MALLARD_HOT unsigned sizeclass_of(size_t size);

/* Class a block of a run page `units` long (1 .. MEDIUM_MAX >> RUN_UNIT_SHIFT)
 * counts in: sizeclass_of its length, in one load. */
static inline unsigned sizeclass_of_run(size_t units)
{
	return sizeclass_table.runs[units];
}

/* Block size of class cls (1..CLASS_COUNT). */
MALLARD_HOT size_t sizeclass_block_size(unsigned cls);

#endif /* MALLARD_SIZECLASS_H */
