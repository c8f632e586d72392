/*
 * override.c - the standard names. Names only: each is a one-line forwarder
 * to the same code the mallard_* names run (in this translation unit, so it
 * compiles to the inlined fast path, not a call). Built into libmallard,
 * left out of libmallard-prefixed (MALLARD_NO_OVERRIDE). glibc's
 * introspection names (malloc_stats, malloc_info, mallinfo) are the
 * diagnostics' (diag/glibc.c).
 */
#include "alloc/internal.h"
#include "alloc/alloc.h"
#include "mallard.h"

#include <malloc.h>
#include <stdlib.h>

MALLARD_EXPORT void *malloc(size_t size) { return alloc_malloc(size); }
MALLARD_EXPORT void free(void *ptr) { alloc_free(ptr); }
MALLARD_EXPORT void *calloc(size_t count, size_t size) { return alloc_calloc(count, size); }
MALLARD_EXPORT void *realloc(void *ptr, size_t size) { return alloc_realloc(ptr, size); }
MALLARD_EXPORT void *reallocarray(void *ptr, size_t count, size_t size) { return mallard_reallocarray(ptr, count, size); }
MALLARD_EXPORT int posix_memalign(void **out, size_t align, size_t size) { return aligned_posix_memalign(out, align, size); }
MALLARD_EXPORT void *aligned_alloc(size_t align, size_t size) { return aligned_memalign(align, size); }
MALLARD_EXPORT void *memalign(size_t align, size_t size) { return aligned_memalign(align, size); }
MALLARD_EXPORT void *valloc(size_t size) { return aligned_valloc(size); }
MALLARD_EXPORT void *pvalloc(size_t size) { return aligned_pvalloc(size); }
MALLARD_EXPORT size_t malloc_usable_size(void *ptr) { return alloc_usable_size(ptr, "malloc_usable_size"); }
MALLARD_EXPORT int malloc_trim(size_t pad) { return mallard_trim(pad); }

/* glibc's internal names, for programs and libraries that call them. */
#if defined(HAVE___LIBC_MALLOC)
void *__libc_malloc(size_t size);
MALLARD_EXPORT void *__libc_malloc(size_t size) { return alloc_malloc(size); }
#endif
#if defined(HAVE___LIBC_FREE)
void __libc_free(void *ptr);
MALLARD_EXPORT void __libc_free(void *ptr) { alloc_free(ptr); }
#endif
#if defined(HAVE___LIBC_CALLOC)
void *__libc_calloc(size_t count, size_t size);
MALLARD_EXPORT void *__libc_calloc(size_t count, size_t size) { return alloc_calloc(count, size); }
#endif
#if defined(HAVE___LIBC_REALLOC)
void *__libc_realloc(void *ptr, size_t size);
MALLARD_EXPORT void *__libc_realloc(void *ptr, size_t size) { return alloc_realloc(ptr, size); }
#endif
#if defined(HAVE___LIBC_MEMALIGN)
void *__libc_memalign(size_t align, size_t size);
MALLARD_EXPORT void *__libc_memalign(size_t align, size_t size) { return aligned_memalign(align, size); }
#endif
#if defined(HAVE___LIBC_VALLOC)
void *__libc_valloc(size_t size);
MALLARD_EXPORT void *__libc_valloc(size_t size) { return aligned_valloc(size); }
#endif
#if defined(HAVE___LIBC_PVALLOC)
void *__libc_pvalloc(size_t size);
MALLARD_EXPORT void *__libc_pvalloc(size_t size) { return aligned_pvalloc(size); }
#endif
