/*
 * override_cxx.c - C++'s allocation operators (new, new[], delete,
 * delete[]: plain, nothrow, sized and aligned), written in C under their
 * Itanium-ABI names. Like override.c, names only; built into libmallard,
 * left out of libmallard-prefixed.
 *
 * Without them a C++ program reaches mallard through the C++ runtime's
 * operators, which call malloc and free through the PLT: two calls and
 * a wrapper per block (about 4 % of alloc-test's time). jemalloc,
 * mimalloc and tcmalloc export them too.
 *
 * Failure is the C++ runtime's business: the new-handler loop and
 * std::bad_alloc need C++. A new that gets no memory from mallard passes
 * the request to the next definition of the same operator (dlsym
 * RTLD_NEXT: the C++ runtime's, below mallard in the search order), which
 * calls malloc again (mallard's), runs the program's new-handler between
 * tries and throws std::bad_alloc or returns NULL as the standard says.
 * Only the failure path looks it up.
 */
#include "alloc/internal.h"
#include "alloc/alloc.h"
#include "alloc/report.h"

#include <dlfcn.h>
#include <stddef.h>

/* The mangled name of std::size_t: unsigned long (m) on x86-64, unsigned
 * int (j) on i386. std::align_val_t is an enum of size_t (passed as one),
 * and std::nothrow_t const& is a pointer the operators never read. */
#if __SIZEOF_SIZE_T__ == 8
#define CXX_SIZE "m"
#define CXX_SIZE_IS_ULONG 1
#else
#define CXX_SIZE "j"
#define CXX_SIZE_IS_ULONG 0
#endif
_Static_assert(_Generic((size_t)0, unsigned long: 1, unsigned int: 0, default: -1) == CXX_SIZE_IS_ULONG,
	       "CXX_SIZE mangles this target's size_t");
#define CXX_ALIGN "St11align_val_t"
#define CXX_NOTHROW "RKSt9nothrow_t"

typedef void *(*cxx_new_fn)(size_t);
typedef void *(*cxx_new_nothrow_fn)(size_t, const void *);
typedef void *(*cxx_new_aligned_fn)(size_t, size_t);
typedef void *(*cxx_new_aligned_nothrow_fn)(size_t, size_t, const void *);

/* The C++ runtime's operator `name`; NULL if the program has none below
 * mallard (a throwing new then aborts: it cannot throw from C; a nothrow
 * new returns NULL, as the runtime's would with no new-handler). */
static void *cxx_next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

MALLARD_COLD_LOCAL void cxx_no_runtime(size_t size)
{
	report_fatal("operator new: out of memory, and no C++ runtime below mallard to throw std::bad_alloc; bytes asked:",
		     (unsigned long long)size);
}

MALLARD_COLD_LOCAL void *cxx_new_failed(const char *name, size_t size)
{
	cxx_new_fn next = (cxx_new_fn)cxx_next(name);
	if (next == NULL)
		cxx_no_runtime(size);
	return next(size);
}

MALLARD_COLD_LOCAL void *cxx_new_nothrow_failed(const char *name, size_t size, const void *tag)
{
	cxx_new_nothrow_fn next = (cxx_new_nothrow_fn)cxx_next(name);
	return next ? next(size, tag) : NULL;
}

MALLARD_COLD_LOCAL void *cxx_new_aligned_failed(const char *name, size_t size, size_t align)
{
	cxx_new_aligned_fn next = (cxx_new_aligned_fn)cxx_next(name);
	if (next == NULL)
		cxx_no_runtime(size);
	return next(size, align);
}

MALLARD_COLD_LOCAL void *cxx_new_aligned_nothrow_failed(const char *name, size_t size, size_t align, const void *tag)
{
	cxx_new_aligned_nothrow_fn next = (cxx_new_aligned_nothrow_fn)cxx_next(name);
	return next ? next(size, align, tag) : NULL;
}

/* One new operator: mallard's block, or the failure path under the same
 * (mangled) name. */
#define CXX_NEW(fn, mangled)                                                  \
	MALLARD_EXPORT void *fn(size_t size) __asm__(mangled);                    \
	MALLARD_EXPORT void *fn(size_t size)                                      \
	{                                                                         \
		void *p = alloc_malloc(size);                                         \
		return likely(p != NULL) ? p : cxx_new_failed(mangled, size);         \
	}
#define CXX_NEW_NOTHROW(fn, mangled)                                          \
	MALLARD_EXPORT void *fn(size_t size, const void *tag) __asm__(mangled);   \
	MALLARD_EXPORT void *fn(size_t size, const void *tag)                     \
	{                                                                         \
		void *p = alloc_malloc(size);                                         \
		return likely(p != NULL) ? p : cxx_new_nothrow_failed(mangled, size, tag); \
	}
#define CXX_NEW_ALIGNED(fn, mangled)                                          \
	MALLARD_EXPORT void *fn(size_t size, size_t align) __asm__(mangled);      \
	MALLARD_EXPORT void *fn(size_t size, size_t align)                        \
	{                                                                         \
		void *p = aligned_memalign(align, size);                              \
		return likely(p != NULL) ? p : cxx_new_aligned_failed(mangled, size, align); \
	}
#define CXX_NEW_ALIGNED_NOTHROW(fn, mangled)                                  \
	MALLARD_EXPORT void *fn(size_t size, size_t align, const void *tag) __asm__(mangled); \
	MALLARD_EXPORT void *fn(size_t size, size_t align, const void *tag)       \
	{                                                                         \
		void *p = aligned_memalign(align, size);                              \
		return likely(p != NULL) ? p : cxx_new_aligned_nothrow_failed(mangled, size, align, tag); \
	}

CXX_NEW(cxx_new, "_Znw" CXX_SIZE)
CXX_NEW(cxx_new_array, "_Zna" CXX_SIZE)
CXX_NEW_NOTHROW(cxx_new_nothrow, "_Znw" CXX_SIZE CXX_NOTHROW)
CXX_NEW_NOTHROW(cxx_new_array_nothrow, "_Zna" CXX_SIZE CXX_NOTHROW)
CXX_NEW_ALIGNED(cxx_new_aligned, "_Znw" CXX_SIZE CXX_ALIGN)
CXX_NEW_ALIGNED(cxx_new_array_aligned, "_Zna" CXX_SIZE CXX_ALIGN)
CXX_NEW_ALIGNED_NOTHROW(cxx_new_aligned_nothrow, "_Znw" CXX_SIZE CXX_ALIGN CXX_NOTHROW)
CXX_NEW_ALIGNED_NOTHROW(cxx_new_array_aligned_nothrow, "_Zna" CXX_SIZE CXX_ALIGN CXX_NOTHROW)

/* Every delete is free: the size and alignment a sized or aligned delete
 * passes are the block's page's to know. */
#define CXX_DELETE(fn, mangled)                                               \
	MALLARD_EXPORT void fn(void *p) __asm__(mangled);                         \
	MALLARD_EXPORT void fn(void *p) { alloc_free(p); }
#define CXX_DELETE_1(fn, mangled, type)                                       \
	MALLARD_EXPORT void fn(void *p, type a) __asm__(mangled);                 \
	MALLARD_EXPORT void fn(void *p, type a)                                   \
	{                                                                         \
		(void)a;                                                              \
		alloc_free(p);                                                        \
	}
#define CXX_DELETE_2(fn, mangled, type_a, type_b)                             \
	MALLARD_EXPORT void fn(void *p, type_a a, type_b b) __asm__(mangled);     \
	MALLARD_EXPORT void fn(void *p, type_a a, type_b b)                       \
	{                                                                         \
		(void)a;                                                              \
		(void)b;                                                              \
		alloc_free(p);                                                        \
	}

CXX_DELETE(cxx_delete, "_ZdlPv")
CXX_DELETE(cxx_delete_array, "_ZdaPv")
CXX_DELETE_1(cxx_delete_sized, "_ZdlPv" CXX_SIZE, size_t)
CXX_DELETE_1(cxx_delete_array_sized, "_ZdaPv" CXX_SIZE, size_t)
CXX_DELETE_1(cxx_delete_nothrow, "_ZdlPv" CXX_NOTHROW, const void *)
CXX_DELETE_1(cxx_delete_array_nothrow, "_ZdaPv" CXX_NOTHROW, const void *)
CXX_DELETE_1(cxx_delete_aligned, "_ZdlPv" CXX_ALIGN, size_t)
CXX_DELETE_1(cxx_delete_array_aligned, "_ZdaPv" CXX_ALIGN, size_t)
CXX_DELETE_2(cxx_delete_sized_aligned, "_ZdlPv" CXX_SIZE CXX_ALIGN, size_t, size_t)
CXX_DELETE_2(cxx_delete_array_sized_aligned, "_ZdaPv" CXX_SIZE CXX_ALIGN, size_t, size_t)
CXX_DELETE_2(cxx_delete_aligned_nothrow, "_ZdlPv" CXX_ALIGN CXX_NOTHROW, size_t, const void *)
CXX_DELETE_2(cxx_delete_array_aligned_nothrow, "_ZdaPv" CXX_ALIGN CXX_NOTHROW, size_t, const void *)
