/*
 * os.c - Linux implementation of os.h.
 */
#include "alloc/arch.h"
#include "alloc/os.h"
#include "alloc/prefetch.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#if PREFETCH_CHECKED
#include <cpuid.h>
#endif

static size_t os_page_size_value = 4096;
#if PREFETCH_CHECKED
MALLARD_INTERNAL bool cpu_has_prefetch;
#endif

MALLARD_INTERNAL void os_init(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	if (ps > 0 && (ps & (ps - 1)) == 0)
		os_page_size_value = (size_t)ps;
#if PREFETCH_CHECKED
	unsigned eax, ebx, ecx, edx;
	if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (edx & bit_SSE))
		cpu_has_prefetch = true;
#endif
}

MALLARD_INTERNAL size_t os_page_size(void)
{
	return os_page_size_value;
}

static int os_map(size_t size, void **out)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return errno ? errno : ENOMEM;
	*out = p;
	return 0;
}

MALLARD_INTERNAL int os_unmap(void *addr, size_t size)
{
	if (size == 0)
		return 0;
	return munmap(addr, size) == 0 ? 0 : errno;
}

#if MALLARD_64BIT && defined(MAP_FIXED_NOREPLACE)
/* Where the last aligned mapping started: the next one is tried right
 * below it, aligned down (the kernel's own top-down order), with
 * MAP_FIXED_NOREPLACE so that nothing mapped there is touched. One call
 * instead of the five of a misaligned try and a trimmed over-map, for
 * every huge block whose size is not a multiple of the alignment (a big
 * buffer replaced by another: mimalloc-bench's malloc-large). 64-bit
 * only: 32-bit address space is too scarce to leave gaps in. */
static _Atomic uintptr_t os_aligned_hint;

static void *os_map_at_hint(size_t size, size_t align)
{
	uintptr_t hint = atomic_load_explicit(&os_aligned_hint, memory_order_relaxed);
	if (hint == 0 || hint < size + align)
		return NULL;
	uintptr_t want = (hint - size) & ~(uintptr_t)(align - 1);
	void *p = mmap((void *)want, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if ((uintptr_t)p != want) { /* a kernel that took the flag for a hint */
		munmap(p, size);
		return NULL;
	}
	return p;
}

static void os_aligned_hint_set(void *p)
{
	atomic_store_explicit(&os_aligned_hint, (uintptr_t)p, memory_order_relaxed);
}
#else
static void *os_map_at_hint(size_t size, size_t align)
{
	(void)size;
	(void)align;
	return NULL;
}

static void os_aligned_hint_set(void *p)
{
	(void)p;
}
#endif

/* Below the last aligned mapping first (above); then a mapping of exactly
 * `size`, which Linux's top-down placement often aligns already (the
 * previous segment sits right above it); otherwise map size+align and
 * trim both ends, which reserves the extra address space only for the
 * duration of this call. */
MALLARD_INTERNAL int os_map_aligned(size_t size, size_t align, void **out)
{
	void *p = os_map_at_hint(size, align);
	if (p != NULL) {
		os_aligned_hint_set(p);
		*out = p;
		return 0;
	}
	int err = os_map(size, &p);
	if (err)
		return err;
	if (((uintptr_t)p & (align - 1)) == 0) {
		os_aligned_hint_set(p);
		*out = p;
		return 0;
	}
	os_unmap(p, size);
	if (size + align < size)
		return ENOMEM;
	err = os_map(size + align, &p);
	if (err)
		return err;
	uintptr_t start = (uintptr_t)p;
	uintptr_t aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
	size_t head = aligned - start;
	size_t tail = align - head;
	os_unmap(p, head);
	os_unmap((void *)(aligned + size), tail);
	os_aligned_hint_set((void *)aligned);
	*out = (void *)aligned;
	return 0;
}

MALLARD_INTERNAL int os_purge(void *addr, size_t size)
{
	if (size == 0)
		return 0;
	return madvise(addr, size, MADV_DONTNEED) == 0 ? 0 : errno;
}

MALLARD_INTERNAL int os_no_huge_pages(void *addr, size_t size)
{
#ifdef MADV_NOHUGEPAGE
	return madvise(addr, size, MADV_NOHUGEPAGE) == 0 ? 0 : errno;
#else
	(void)addr;
	(void)size;
	return 0;
#endif
}

MALLARD_INTERNAL int os_grow_in_place(void *addr, size_t old_size, size_t new_size)
{
#ifdef __linux__
	void *p = mremap(addr, old_size, new_size, 0);
	if (p == MAP_FAILED)
		return errno;
	return 0;
#else
	(void)addr;
	(void)old_size;
	(void)new_size;
	return ENOSYS;
#endif
}

MALLARD_INTERNAL int os_move_to(void *from, size_t size, void *to)
{
#ifdef __linux__
	void *p = mremap(from, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	return p == MAP_FAILED ? errno : 0;
#else
	(void)from;
	(void)size;
	(void)to;
	return ENOSYS;
#endif
}

MALLARD_INTERNAL int os_map_over(void *addr, size_t size)
{
	void *p = mmap(addr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		       -1, 0);
	return p == MAP_FAILED ? (errno ? errno : ENOMEM) : 0;
}

MALLARD_INTERNAL size_t os_resident_bytes(const void *addr, size_t size)
{
	/* mincore fills one byte per OS page: ask in chunks a stack buffer holds. */
	unsigned char vec[1024];
	size_t ps = os_page_size(), resident = 0;
	const uint8_t *p = addr, *end = p + size;
	while (p < end) {
		size_t chunk = (size_t)(end - p);
		if (chunk > sizeof(vec) * ps)
			chunk = sizeof(vec) * ps;
		if (mincore((void *)p, chunk, vec) != 0)
			return resident;
		size_t pages = (chunk + ps - 1) / ps;
		for (size_t i = 0; i < pages; i++)
			resident += (vec[i] & 1) * ps;
		p += chunk;
	}
	return resident;
}
