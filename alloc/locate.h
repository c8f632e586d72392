/*
 * locate.h - from a pointer to its segment, slice and page: the address
 * arithmetic every module shares, and nothing else.
 *
 * A segment is SEGMENT_SIZE-aligned, so masking a pointer gives its header;
 * slice i of a segment starts at i * SLICE_SIZE and is described by
 * seg->pages[i]. Only a pointer the segment map (segmap.h) knows may be
 * resolved: these functions read no memory but the page descriptors.
 */
#ifndef MALLARD_LOCATE_H
#define MALLARD_LOCATE_H

#include "alloc/internal.h"

static inline __attribute__((always_inline)) segment_t *segment_of(const void *p)
{
	return (segment_t *)((uintptr_t)p & ~SEGMENT_MASK);
}

/* The descriptor of the slice p lies in: a head page, or a PAGE_TAIL entry. */
static inline __attribute__((always_inline)) page_t *segment_slice_page(segment_t *seg, const void *p)
{
	return &seg->pages[((uintptr_t)p - (uintptr_t)seg) >> SLICE_SHIFT];
}

/* The head page of the span p lies in (p inside a page in use). */
static inline page_t *page_head_of(segment_t *seg, const void *p)
{
	page_t *page = segment_slice_page(seg, p);
	if (page->flags & PAGE_TAIL)
		page -= page->slice_offset;
	return page;
}

/* The first byte of slice `slice` a page may use (slice 0 holds the header). */
static inline uint8_t *segment_slice_start(segment_t *seg, unsigned slice)
{
	uint8_t *start = (uint8_t *)seg + (size_t)slice * SLICE_SIZE;
	return slice == 0 ? start + SLICE0_AREA_OFFSET : start;
}

/* The index of head page `page` in its segment. */
static inline unsigned page_slice_index(const segment_t *seg, const page_t *page)
{
	return (unsigned)(page - seg->pages);
}

/* Block containing p (p may be an interior pointer from aligned allocation). */
static inline void *page_block_start(const page_t *page, const void *p)
{
	size_t offset = (size_t)((const uint8_t *)p - page->area);
	return page->area + offset - offset % page->block_size;
}

/* Usable bytes from p to the end of its block. */
static inline size_t page_usable_from(const page_t *page, const void *p)
{
	uint8_t *start = page_block_start(page, p);
	return page->block_size - (size_t)((const uint8_t *)p - start);
}

#endif /* MALLARD_LOCATE_H */
