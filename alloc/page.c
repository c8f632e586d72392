/*
 * page.c - blocks inside one page: lazy free-list extension and the
 * collection of local and remote frees. The owner calls all of it.
 */
#include "alloc/internal.h"
#include "alloc/page.h"
#include "alloc/segment.h"

/* Blocks are threaded onto the free list at most this many bytes at a time,
 * so a fresh page touches memory only as it is used. */
#define PAGE_EXTEND_BYTES 4096u

MALLARD_INTERNAL page_t page_empty = {.flags = PAGE_FREE};

MALLARD_INTERNAL void page_init(page_t *page, heap_t *heap, unsigned cls, size_t block_size)
{
	page->heap = heap;
	page->class_index = (uint8_t)cls;
	page->block_size = (uint32_t)block_size;
	page->reserved = (uint32_t)(segment_span_bytes(page) / block_size);
	page->capacity = 0;
	page->used = 0;
	page->free = NULL;
	page->flags = 0;
	page->seen_empty = 0;
	atomic_store_explicit(&page->xthread_free, 0, memory_order_relaxed);
	atomic_store_explicit(&page->sampled_live, 0, memory_order_relaxed);
	atomic_store_explicit(&page->sampled_unslotted, 0, memory_order_relaxed);
	for (unsigned i = 0; i < PAGE_SAMPLED_SLOTS; i++)
		atomic_store_explicit(&page->sampled[i], 0, memory_order_relaxed);
}

/* Threads the next never-used blocks onto the (empty) free list. */
MALLARD_INTERNAL void page_extend(page_t *page)
{
	uint32_t avail = page->reserved - page->capacity;
	uint32_t n = PAGE_EXTEND_BYTES / page->block_size;
	if (n == 0)
		n = 1;
	if (n > avail)
		n = avail;
	uint8_t *start = page->area + (size_t)page->capacity * page->block_size;
	uint8_t *p = start;
	for (uint32_t i = 1; i < n; i++) {
		uint8_t *next = p + page->block_size;
		((block_t *)p)->next = (block_t *)next;
		p = next;
	}
	((block_t *)p)->next = page->free;
	page->free = (block_t *)start;
	page->capacity += n;
}

/* Moves remote frees into the free list; returns how many. Never called on
 * a page that carries NOTIFY (a floating page is collected only after it
 * came back through heap->remote_pages, when the bit is clear). */
MALLARD_INTERNAL uint32_t page_collect_remote(page_t *page)
{
	if (atomic_load_explicit(&page->xthread_free, memory_order_relaxed) == 0)
		return 0;
	uintptr_t tf = atomic_exchange_explicit(&page->xthread_free, 0, memory_order_acquire);
	block_t *list = (block_t *)tf;
	uint32_t n = 1;
	block_t *tail = list;
	while (tail->next) {
		tail = tail->next;
		n++;
	}
	if (unlikely(n > page->used))
		report_bad_pointer("free", list, "double free (a page got back more blocks than it gave out)", false);
	tail->next = page->free;
	page->free = list;
	page->used -= n;
	return n;
}

/* Makes page->free non-empty if the page has any free block: remote
 * frees first, then never-used blocks. */
MALLARD_INTERNAL void page_refill(page_t *page)
{
	page_collect_remote(page);
	if (page->free == NULL && page->capacity < page->reserved)
		page_extend(page);
}

#if MALLARD_DEBUG
/* Walks the lists and checks the page invariants of internal.h. */
MALLARD_INTERNAL bool page_is_valid(const page_t *page)
{
	uint32_t nfree = 0;
	for (block_t *b = page->free; b; b = b->next)
		nfree++;
	return page->capacity <= page->reserved && page->used + nfree == page->capacity;
}
#endif
