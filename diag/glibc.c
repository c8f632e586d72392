/*
 * glibc.c - glibc's introspection calls (malloc_stats, malloc_info,
 * mallinfo2, mallinfo), answered from a snapshot of the heap (snapshot.c,
 * without the residency and procfs parts: these calls may be made often).
 * The names themselves are only in the overriding library.
 */
#include "alloc/inspect.h"
#include "diag/glibc.h"
#include "diag/snapshot.h"
#include "mallard.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>

/* The figures these calls report, copied out of one snapshot. */
typedef struct {
	size_t mapped;       /* all address space mapped */
	size_t segment_bytes;
	size_t huge_bytes, huge_count;
	snapshot_layout_t layout;
} glibc_figures_t;

/* Only the figures leave the shared snapshot (snapshot.h). */
static void glibc_figures(glibc_figures_t *f)
{
	mallard_stats_t *s = &snapshot_shared;
	pthread_mutex_lock(&snapshot_lock);
	s->size = sizeof(*s);
	snapshot_take(s, &f->layout, SNAPSHOT_HEAP);
	f->mapped = (size_t)s->totals.mapped;
	f->huge_bytes = (size_t)s->huge.bytes;
	f->huge_count = (size_t)s->huge.blocks;
	pthread_mutex_unlock(&snapshot_lock);
	f->segment_bytes = f->layout.segments * SEGMENT_SIZE;
}

MALLARD_INTERNAL void glibc_print_stats(void)
{
	glibc_figures_t f;
	glibc_figures(&f);
	const snapshot_layout_t *l = &f.layout;
	fprintf(stderr,
		"mallard %s\n"
		"system bytes     = %10zu\n"
		"in use bytes     = %10zu\n"
		"huge blocks      = %10zu (%zu bytes)\n"
		"segments         = %10zu (+%zu cached, empty)\n"
		"free in pages    = %10zu (%zu in blocks used before)\n"
		"free slices      = %10zu (%zu not yet purged)\n"
		"heaps            = %10zu\n",
		mallard_version(), f.mapped, l->in_use + f.huge_bytes, f.huge_count, f.huge_bytes, l->segments,
		l->cached_segments, l->free_in_pages, l->touched_free, l->free_slices, l->dirty_slices, l->heaps);
}

#ifndef MALLARD_NO_OVERRIDE

MALLARD_EXPORT void malloc_stats(void)
{
	glibc_print_stats();
}

#if defined(HAVE_MALLOC_INFO)
MALLARD_EXPORT int malloc_info(int opts, FILE *out)
{
	if (opts != 0)
		return EINVAL; /* glibc returns the error number */
	glibc_figures_t f;
	glibc_figures(&f);
	fprintf(out,
		"<malloc version=\"mallard-%s\">\n"
		"<heap nr=\"0\">\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<total type=\"in-use\" size=\"%zu\"/>\n"
		"<total type=\"free-in-pages\" size=\"%zu\"/>\n"
		"<total type=\"free-slices\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
		"</heap>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"</malloc>\n",
		mallard_version(), f.segment_bytes, f.layout.in_use, f.layout.free_in_pages, f.layout.free_slices,
		f.huge_count, f.huge_bytes, f.segment_bytes + f.huge_bytes);
	return 0;
}
#endif

#if defined(HAVE_MALLINFO2)
MALLARD_EXPORT struct mallinfo2 mallinfo2(void)
{
	glibc_figures_t f;
	glibc_figures(&f);
	struct mallinfo2 mi = {0};
	mi.arena = f.segment_bytes;                                /* non-huge space mapped */
	mi.ordblks = f.layout.pages;                               /* pages in use */
	mi.hblks = f.huge_count;
	mi.hblkhd = f.huge_bytes;
	mi.uordblks = f.layout.in_use + f.huge_bytes;              /* bytes in live blocks */
	mi.fordblks = f.segment_bytes - f.layout.in_use;           /* free bytes held */
	mi.keepcost = f.layout.free_slices - f.layout.dirty_slices; /* free, already purged */
	return mi;
}
#endif

#if defined(HAVE_MALLINFO)
/* The old int-sized struct, saturated rather than wrapped. */
static int glibc_clamp_int(size_t x)
{
	return x > INT32_MAX ? INT32_MAX : (int)x;
}

MALLARD_EXPORT struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo mi = {0};
	mi.arena = glibc_clamp_int(m2.arena);
	mi.ordblks = glibc_clamp_int(m2.ordblks);
	mi.hblks = glibc_clamp_int(m2.hblks);
	mi.hblkhd = glibc_clamp_int(m2.hblkhd);
	mi.uordblks = glibc_clamp_int(m2.uordblks);
	mi.fordblks = glibc_clamp_int(m2.fordblks);
	mi.keepcost = glibc_clamp_int(m2.keepcost);
	return mi;
}
#endif

#endif /* MALLARD_NO_OVERRIDE */
