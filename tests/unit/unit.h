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

#endif
