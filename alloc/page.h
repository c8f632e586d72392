/*
 * page.h - blocks inside one page (page.c). The owner calls all of it.
 */
#ifndef MALLARD_PAGE_H
#define MALLARD_PAGE_H

#include "alloc/internal.h"

/* The page every empty direct[] entry points at: no free block, flagged,
 * so both fast paths fall through to their slow paths. */
MALLARD_INTERNAL_VAR page_t page_empty;

/* Makes a fresh span (head page `page`) a page of class cls for `heap`. */
MALLARD_INTERNAL void page_init(page_t *page, heap_t *heap, unsigned cls, size_t block_size);

/* Threads up to PAGE_EXTEND_BYTES of never-used blocks onto the free list. */
MALLARD_INTERNAL void page_extend(page_t *page);

/* Moves remote frees into the free list; returns how many. */
MALLARD_INTERNAL uint32_t page_collect_remote(page_t *page);

/* Makes page->free non-empty if the page has any free block. */
MALLARD_INTERNAL void page_refill(page_t *page);

#if MALLARD_DEBUG
/* The page invariants of internal.h, walking the free list. */
MALLARD_INTERNAL bool page_is_valid(const page_t *page);
#endif

#endif /* MALLARD_PAGE_H */
