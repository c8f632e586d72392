/*
 * unit.h - the allocator's internals for unit tests: lib/unity.c built
 * without the override (malloc stays glibc's, cmocka uses it) and with the
 * debug walkers (page_is_valid, segment_is_valid).
 */
#ifndef MALLARD_TEST_UNIT_H
#define MALLARD_TEST_UNIT_H

#define MALLARD_NO_OVERRIDE 1
#define MALLARD_DEBUG 1
#include "lib/unity.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The page that holds p (head page of its span). */
static inline page_t *unit_page_of(const void *p)
{
	page_t *page = segment_slice_page(segment_of(p), p);
	if (page->flags & PAGE_TAIL)
		page -= page->slice_offset;
	return page;
}

/* n blocks for another thread to free (unit_free_batch, its start
 * routine): remote frees. */
typedef struct {
	void **ptrs;
	size_t n;
} unit_batch_t;

static inline void *unit_free_batch(void *arg)
{
	unit_batch_t *b = arg;
	for (size_t i = 0; i < b->n; i++)
		mallard_free(b->ptrs[i]);
	return NULL;
}

/* No background thread from here on, as MALLARD_BACKGROUND=0 leaves it at
 * init (background_init); setting the option after init does not stop it.
 * For tests that check what the owner's own paths give back: the thread
 * gives back what a quiet owner keeps, and a test stalled on a loaded
 * machine looks quiet. Call before the heap makes its second segment. */
static inline void unit_background_off(void)
{
	options.background = false;
	atomic_store(&bg_state, BG_OFF);
	atomic_store(&bg_earliest, 0);
}

#endif
