/*
 * os.h - the OS layer: the only code that calls mmap, munmap and madvise.
 * It knows nothing about pages, segments or size classes.
 *
 * Every call returns 0 on success or an errno value; none sets errno for
 * the caller to read. Sizes and addresses passed in must be multiples of
 * os_page_size() unless stated otherwise.
 */
#ifndef MALLARD_OS_H
#define MALLARD_OS_H

#include <stdbool.h>

#include "alloc/linkage.h"
#include <stddef.h>

/* Reads the page size (sysconf) and, where prefetch.h asks, whether the
 * CPU can prefetch; call once before anything else. */
MALLARD_INTERNAL void os_init(void);
MALLARD_INTERNAL size_t os_page_size(void);

/* Maps `size` bytes of fresh zeroed read-write memory aligned to `align`
 * (a power of two >= the page size). *out gets the address. */
MALLARD_INTERNAL int os_map_aligned(size_t size, size_t align, void **out);

/* Unmaps a range previously returned by os_map_aligned, or part of it. */
MALLARD_INTERNAL int os_unmap(void *addr, size_t size);

/* Gives the physical memory of the range back: it reads as zero afterwards
 * and stops counting in RSS at once (MADV_DONTNEED, not MADV_FREE). */
MALLARD_INTERNAL int os_purge(void *addr, size_t size);

/* Asks the kernel not to back the range with transparent huge pages, so
 * purging 64 KiB really frees 64 KiB. */
MALLARD_INTERNAL int os_no_huge_pages(void *addr, size_t size);

/* Tries to extend the mapping [addr, addr+old) to new_size in place. */
MALLARD_INTERNAL int os_grow_in_place(void *addr, size_t old_size, size_t new_size);

/* Moves the pages of [from, from+size) to [to, to+size) (mremap), which
 * must be mapped and is replaced: page table entries move, the pages do
 * not, so resident ones stay resident. On failure [from, from+size) is as
 * it was, but [to, to+size) may be unmapped: Linux before 6.17 unmaps it
 * before it finds it cannot move the range (os_map_over maps it again). */
MALLARD_INTERNAL int os_move_to(void *from, size_t size, void *to);

/* Maps fresh zeroed memory over [addr, addr+size), whatever is there
 * (MAP_FIXED): for ranges of the caller's own that a failed move may have
 * left unmapped. */
MALLARD_INTERNAL int os_map_over(void *addr, size_t size);

/* Bytes of [addr, addr+size) resident in RAM (mincore); 0 on error. */
MALLARD_INTERNAL size_t os_resident_bytes(const void *addr, size_t size);

#endif /* MALLARD_OS_H */
