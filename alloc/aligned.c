/*
 * aligned.c - allocations with an alignment above BLOCK_ALIGN.
 *
 * Most aligned requests need no over-allocation: every page starts at a
 * slice boundary (slice 0's at SLICE0_AREA_ALIGN), so when the alignment
 * divides the block size of the class that serves the size rounded up to
 * the alignment, every block of that class is aligned, and a large span
 * starts at a slice boundary. Such a block is a plain malloc's: its free
 * takes the fast path. Otherwise (a class whose size the alignment does
 * not divide, an alignment above what the block's page start guarantees),
 * up to LARGE_MAX the block is over-allocated by align - BLOCK_ALIGN and
 * an aligned pointer inside it handed out; its page is then flagged
 * PAGE_ALIGNED, so free() finds the block start (slow path only). Above
 * that the block gets a huge mapping placed at the alignment.
 */
#include "alloc/internal.h"
#include "alloc/alloc.h"
#include "alloc/huge.h"
#include "alloc/locate.h"
#include "alloc/os.h"
#include "alloc/runs.h"
#include "alloc/sample.h"
#include "alloc/sizeclass.h"

#include <errno.h>

static bool aligned_is_pow2(size_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* A block of `size` bytes (not 0) aligned to `align` (a power of two above
 * BLOCK_ALIGN) by its class alone, or NULL: not that kind of request, or
 * no memory (the caller's over-allocation then sets errno). */
static void *aligned_by_class(size_t align, size_t size)
{
	if (align > SLICE_SIZE)
		return NULL;
	size_t rounded = (size + align - 1) & ~(align - 1);
	if (rounded > LARGE_MAX)
		return NULL;
	if (rounded > RUNS_MIN && rounded <= MEDIUM_MAX)
		return runs_malloc_aligned(size, align);
	if (rounded <= MEDIUM_MAX && sizeclass_block_size(sizeclass_of(rounded)) % align != 0)
		return NULL;
	void *p = alloc_malloc(rounded);
	if (p == NULL || ((uintptr_t)p & (align - 1)) == 0)
		return p;
	/* a page that starts less aligned: slice 0's, for an alignment above
	 * SLICE0_AREA_ALIGN */
	alloc_free(p);
	return NULL;
}

/* align: a power of two. NULL + ENOMEM on failure. */
static void *aligned_alloc_internal(size_t align, size_t size)
{
	if (align <= BLOCK_ALIGN) /* a tiny block is only TINY_MAX-aligned */
		return alloc_malloc(align > TINY_MAX && size <= TINY_MAX ? TINY_MAX + 1 : size);
	if (size == 0)
		size = 1; /* the aligned pointer must lie inside its block */
	if (size > PTRDIFF_MAX || align > PTRDIFF_MAX / 2 || size + align > PTRDIFF_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	void *fit = aligned_by_class(align, size);
	if (fit)
		return fit;
	size_t padded = size + align - BLOCK_ALIGN;
	if (padded > LARGE_MAX)
		return sample_count(huge_alloc(size, align, false), size);
	uint8_t *p = alloc_malloc(padded);
	if (p == NULL)
		return NULL;
	uintptr_t aligned = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned != (uintptr_t)p) {
		/* Only the owner allocated p, so only it writes the flags here. */
		page_head_of(segment_of(p), p)->flags |= PAGE_ALIGNED;
	}
	return (void *)aligned;
}

/* glibc's memalign: an alignment that is not a power of two is rounded up
 * to one; one at or below 16 gives plain malloc. */
MALLARD_INTERNAL void *aligned_memalign(size_t align, size_t size)
{
	if (!aligned_is_pow2(align)) {
		if (align > SIZE_MAX / 2 + 1) {
			errno = EINVAL;
			return NULL;
		}
		size_t a = BLOCK_ALIGN;
		while (a < align)
			a <<= 1;
		align = a;
	}
	return aligned_alloc_internal(align, size);
}

MALLARD_INTERNAL int aligned_posix_memalign(void **out, size_t align, size_t size)
{
	if (align % sizeof(void *) != 0 || !aligned_is_pow2(align))
		return EINVAL;
	int saved = errno;
	void *p = aligned_alloc_internal(align, size);
	if (p == NULL) {
		errno = saved;
		return ENOMEM;
	}
	*out = p;
	return 0;
}

MALLARD_INTERNAL void *aligned_valloc(size_t size)
{
	return aligned_alloc_internal(os_page_size(), size);
}

/* pvalloc rounds the size up to whole pages (pvalloc(0) gives one page). */
MALLARD_INTERNAL void *aligned_pvalloc(size_t size)
{
	size_t ps = os_page_size();
	if (size > SIZE_MAX - ps) {
		errno = ENOMEM;
		return NULL;
	}
	size_t rounded = size == 0 ? ps : (size + ps - 1) & ~(ps - 1);
	return aligned_alloc_internal(ps, rounded);
}
