/*
 * api.c - the public mallard_* allocation calls (mallard.h), each a thin
 * layer over alloc.h. The mallard_stats_* calls are diag/api.c's.
 */
#include "alloc/internal.h"
#include "alloc/alloc.h"
#include "alloc/huge.h"
#include "alloc/segmap.h"
#include "mallard.h"

#include <errno.h>

MALLARD_EXPORT void *mallard_malloc(size_t size)
{
	return alloc_malloc(size);
}

MALLARD_EXPORT void mallard_free(void *ptr)
{
	alloc_free(ptr);
}

MALLARD_EXPORT void *mallard_calloc(size_t count, size_t size)
{
	return alloc_calloc(count, size);
}

MALLARD_EXPORT void *mallard_realloc(void *ptr, size_t size)
{
	return alloc_realloc(ptr, size);
}

MALLARD_EXPORT void *mallard_reallocarray(void *ptr, size_t count, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(count, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return alloc_realloc(ptr, total);
}

MALLARD_EXPORT int mallard_posix_memalign(void **out, size_t alignment, size_t size)
{
	return aligned_posix_memalign(out, alignment, size);
}

MALLARD_EXPORT void *mallard_aligned_alloc(size_t alignment, size_t size)
{
	return aligned_memalign(alignment, size); /* glibc 2.36: same as memalign */
}

MALLARD_EXPORT void *mallard_memalign(size_t alignment, size_t size)
{
	return aligned_memalign(alignment, size);
}

MALLARD_EXPORT void *mallard_valloc(size_t size)
{
	return aligned_valloc(size);
}

MALLARD_EXPORT void *mallard_pvalloc(size_t size)
{
	return aligned_pvalloc(size);
}

MALLARD_EXPORT size_t mallard_usable_size(const void *ptr)
{
	return alloc_usable_size(ptr, "malloc_usable_size");
}

MALLARD_EXPORT int mallard_trim(size_t pad)
{
	(void)pad;
	return alloc_trim();
}

MALLARD_EXPORT int mallard_owns(const void *ptr)
{
	if (ptr == NULL)
		return 0;
	if (segmap_contains((uintptr_t)ptr))
		return 1;
	return huge_listed_find(ptr, false) != NULL;
}

MALLARD_EXPORT const char *mallard_version(void)
{
	return PACKAGE_VERSION;
}
