/*
 * api.c - the public mallard_* entry points (mallard.h)  
 * Each is a thin layer over alloc.c, aligned.c and introspect.c.
 */
#include <errno.h>
#include <malloc.h>

#define MALLARD_EXPORT __attribute__((visibility("default")))

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
	return introspect_trim();
}

MALLARD_EXPORT void mallard_stats_print(void)
{
	introspect_print();
}

MALLARD_EXPORT int mallard_owns(const void *ptr)
{
	if (ptr == NULL)
		return 0;
	if (segmap_contains((uintptr_t)ptr))
		return 1;
	return segment_listed_find(ptr, false) != NULL;
}

MALLARD_EXPORT const char *mallard_version(void)
{
	return PACKAGE_VERSION;
}

MALLARD_EXPORT int mallard_stats_get(mallard_stats_t *stats)
{
	return stats_get(stats);
}

MALLARD_EXPORT int mallard_stats_write(const mallard_stats_t *stats, int format, mallard_write_fn write, void *arg)
{
	return emit_write(stats, format, write, arg);
}

MALLARD_EXPORT int mallard_stats_write_fd(int fd, int format)
{
	return emit_write_fd(fd, format, MALLARD_STATS_TRIGGER_CALL);
}
