/*
 * arch.h - every constant that depends on the word size, in one place.
 *
 * Glossary:
 *   segment  an aligned block of address space reserved from the OS; a
 *            pointer finds its segment by masking off SEGMENT_SHIFT bits.
 *   slice    a fixed SLICE_SIZE part of a segment; spans of slices make pages.
 *   page     a span of one or more slices holding blocks of one size class
 *            (not the OS page: that one is os_page_size, read at run time).
 *   unit     one SEGMENT_SIZE-aligned stretch of address space; the segment
 *            map has one bit per unit.
 *
 * 64-bit targets can afford 4 MiB segments; 32-bit ones have 3-4 GiB of
 * address space in all, so they use 1 MiB segments: a segment pinned by one
 * survivor then costs a quarter as much address space.
 */
#ifndef MALLARD_ARCH_H
#define MALLARD_ARCH_H

#include <stdint.h>
#include <stddef.h>

#if UINTPTR_MAX == UINT64_MAX
#define MALLARD_64BIT 1
#elif UINTPTR_MAX == UINT32_MAX
#define MALLARD_64BIT 0
#else
#error "mallard supports 32- and 64-bit targets only"
#endif

#if MALLARD_64BIT
#define SEGMENT_SHIFT 22 /* 4 MiB */
#if defined(__x86_64__)
#define ADDRESS_BITS 47 /* user space of x86-64 with 4-level paging */
#else
#define ADDRESS_BITS 48
#endif
#define SEGMENT_CACHE_DEFAULT 4
#else
#define SEGMENT_SHIFT 20 /* 1 MiB */
#define ADDRESS_BITS 32
#define SEGMENT_CACHE_DEFAULT 2
#endif

#define SLICE_SHIFT 16 /* 64 KiB: a multiple of every common OS page size */
#define SEGMENT_SIZE ((uintptr_t)1 << SEGMENT_SHIFT)
#define SEGMENT_MASK (SEGMENT_SIZE - 1)
#define SLICE_SIZE ((size_t)1 << SLICE_SHIFT)
#define SLICES_PER_SEGMENT (1u << (SEGMENT_SHIFT - SLICE_SHIFT))

/* Every block of more than TINY_MAX bytes is aligned to this; a block of
 * TINY_MAX bytes or less (class 1) to TINY_MAX, which is all an object
 * that fits in it can need. */
#define BLOCK_ALIGN 16
#define TINY_MAX 8
#define SMALL_STEP_MAX 128 /* 16-byte steps up to here, then 4 classes per doubling */
/* sizes up to here index heap->direct[] directly; above, run pages. Not
 * 512: larson's blocks of 8-1000 bytes ran 1.5-2x slower in run pages */
#define DIRECT_MAX 1024
/* heap->direct[] and heap->tally[] by (size + 7) / 8: one entry for the
 * tiny class, two for each 16-byte step above it */
#define DIRECT_SHIFT 3
#define DIRECT_INDEX(size) (((size) + TINY_MAX - 1) >> DIRECT_SHIFT)
#define DIRECT_COUNT (DIRECT_INDEX(DIRECT_MAX) + 1)
#define SMALL_PAGE_MAX (8 * 1024) /* blocks up to here live in one-slice pages */
#define MEDIUM_MAX (64 * 1024)    /* largest size class; above: large spans */
/* 4 classes per doubling above 128 (8 was tried: more partly used pages
 * outweighed the smaller rounding, peak RSS of the Python workload +7%) */
#define CLASS_STEPS_SHIFT 2
#define CLASS_STEPS (1u << CLASS_STEPS_SHIFT)
/* classes 1..CLASS_COUNT; 0 is "no class"; 1 is TINY_MAX bytes, 2..9 the
 * 16-byte steps to 128, then CLASS_STEPS for each of the 9 doublings from
 * 128 to MEDIUM_MAX */
#define CLASS_SMALL_LAST 9
#define CLASS_COUNT (CLASS_SMALL_LAST + 9 * CLASS_STEPS)
#define MEDIUM_SPAN_MAX_SLICES 8

/* Blocks of RUNS_MIN+1 .. MEDIUM_MAX bytes live in run pages (runs.h):
 * spans of RUN_PAGE_SLICES slices cut in units of 1 << RUN_UNIT_SHIFT bytes,
 * shared by every size, so that memory one size freed serves another
 * (CPython's blocks of 0.5-64 KiB held 2 % more peak RSS in pages of
 * their own classes than in glibc's heap). Their classes remain for the
 * statistics: a run block counts in the class of its length. */
#define RUNS_MIN DIRECT_MAX
#define RUN_UNIT_SHIFT 8
#if MALLARD_64BIT
#define RUN_PAGE_SLICES 8u /* 7 run pages to a segment */
#else
#define RUN_PAGE_SLICES 4u /* 3 run pages to a 1 MiB segment, not 1 */
#endif
/* Run pages wait in bins by the log2 of their longest free run. */
#define RUN_BINS 16
/* Lengths of run blocks in units: the heap's cache of freed blocks has a
 * stack for each (1 .. RUN_MAX_UNITS), holding RUNS_CACHE_BYTES at most
 * (128 KiB cost CPython's replayed blocks 0.6 MiB of peak in other blocks'
 * way; 32 KiB about 0.1, and it takes most of larson's 0.5-1 KiB blocks). */
#define RUN_MAX_UNITS ((unsigned)(MEDIUM_MAX >> RUN_UNIT_SHIFT))
#define RUNS_CACHE_BYTES ((size_t)32 * 1024)

/* Large blocks are spans of whole slices, never slice 0 (which holds the
 * segment header); above LARGE_MAX a block gets a mapping of its own. */
#define LARGE_MAX (SEGMENT_SIZE / 2)

#define SEGMAP_UNITS ((uintptr_t)1 << (ADDRESS_BITS - SEGMENT_SHIFT))
#define SEGMAP_WORDS (SEGMAP_UNITS / (8 * sizeof(uintptr_t)))

_Static_assert(SLICES_PER_SEGMENT <= 64, "slice masks are 64-bit words");
_Static_assert(SLICES_PER_SEGMENT >= 16, "segments must hold several slices");
_Static_assert(LARGE_MAX <= (SLICES_PER_SEGMENT - 1) * SLICE_SIZE,
               "a large span must fit in a segment without slice 0");
_Static_assert(MEDIUM_SPAN_MAX_SLICES < SLICES_PER_SEGMENT, "medium spans fit a segment");
_Static_assert(SMALL_PAGE_MAX * 8 <= SLICE_SIZE, "a small page holds at least 8 blocks");
_Static_assert(MEDIUM_MAX <= LARGE_MAX, "classes end below large spans");
_Static_assert((DIRECT_MAX % BLOCK_ALIGN) == 0, "direct table steps");
_Static_assert((MEDIUM_MAX >> RUN_UNIT_SHIFT) <= UINT8_MAX + 1, "sizeclass_table.runs is indexed by units");
_Static_assert(SEGMAP_WORDS >= 1, "segment map");

#endif /* MALLARD_ARCH_H */
