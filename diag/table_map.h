/*
 * table_map.h - address space for the diagnostics' lock-free tables
 * (sites.c, pyframes.c): mapped once, zero-filled, reserved lazily, and
 * kept out of transparent huge pages, since a slot written here and there
 * would otherwise make 2 MiB resident at a time.
 */
#ifndef MALLARD_DIAG_TABLE_MAP_H
#define MALLARD_DIAG_TABLE_MAP_H

#include <stddef.h>
#include <sys/mman.h>

/* bytes of zeroes, or NULL when the address space cannot be had */
static inline void *table_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_NOHUGEPAGE);
	return p;
}

#endif /* MALLARD_DIAG_TABLE_MAP_H */
