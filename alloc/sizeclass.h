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
	uint8_t medium[(MEDIUM_MAX >> MEDIUM_INDEX_SHIFT) + 1]; /* sizeclass_of_medium */
} sizeclass_table_t;

MALLARD_INTERNAL_VAR sizeclass_table_t sizeclass_table;

MALLARD_INTERNAL void sizeclass_init(void);

/* Class (1..CLASS_COUNT) of a request of 0 <= size <= MEDIUM_MAX bytes. */
MALLARD_HOT unsigned sizeclass_of(size_t size);

/* Class of a request of DIRECT_MAX < size <= MEDIUM_MAX bytes, the same as
 * sizeclass_of's: one load, as every class size above DIRECT_MAX is a
 * multiple of 1 << MEDIUM_INDEX_SHIFT (malloc's medium fast path). */
static inline unsigned sizeclass_of_medium(size_t size)
{
	return sizeclass_table.medium[(size + ((size_t)1 << MEDIUM_INDEX_SHIFT) - 1) >> MEDIUM_INDEX_SHIFT];
}

/* Block size of class cls (1..CLASS_COUNT). */
MALLARD_HOT size_t sizeclass_block_size(unsigned cls);

#endif /* MALLARD_SIZECLASS_H */
