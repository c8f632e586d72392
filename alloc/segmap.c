/*
 * segmap.c - which units of the address space start a mallard segment.
 *
 * One bit per SEGMENT_SIZE unit of the user address space (4 MiB of bss on
 * x86-64, 512 bytes on i386; only the touched parts become resident). It lets
 * free() tell a pointer into a mallard segment from any other pointer without
 * touching memory that may not be mapped.
 *
 * Invariant: bit(u) == 1 <=> a mapped segment starts at u * SEGMENT_SIZE.
 * Set after the segment is mapped and its header written; cleared before it
 * is unmapped.
 */
#include "alloc/internal.h"
#include "alloc/segmap.h"

static _Atomic uintptr_t segmap_bits[SEGMAP_WORDS];

#define SEGMAP_WORD_BITS (8 * sizeof(uintptr_t))

MALLARD_HOT bool segmap_contains(uintptr_t addr)
{
	uintptr_t unit = addr >> SEGMENT_SHIFT;
	if (unlikely(unit >= SEGMAP_UNITS))
		return false;
	uintptr_t word = atomic_load_explicit(&segmap_bits[unit / SEGMAP_WORD_BITS], memory_order_relaxed);
	return (word >> (unit % SEGMAP_WORD_BITS)) & 1;
}

MALLARD_INTERNAL void segmap_set(const void *segment, bool present)
{
	uintptr_t unit = (uintptr_t)segment >> SEGMENT_SHIFT;
	if (unit >= SEGMAP_UNITS)
		report_fatal("segment mapped above the address range the segment map covers; unit", unit);
	uintptr_t bit = (uintptr_t)1 << (unit % SEGMAP_WORD_BITS);
	if (present)
		atomic_fetch_or_explicit(&segmap_bits[unit / SEGMAP_WORD_BITS], bit, memory_order_release);
	else
		atomic_fetch_and_explicit(&segmap_bits[unit / SEGMAP_WORD_BITS], ~bit, memory_order_release);
}
