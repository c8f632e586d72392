/*
 * glibc.c - the bodies of glibc's introspection calls (malloc_info,
 * mallinfo2, mallinfo; malloc_stats is mallard_stats_print), answered from mallard's heap. Only
 * the overriding library has them; override.c holds their names.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>

static int glibc_malloc_info(int opts, FILE *out)
{
	if (opts != 0)
		return EINVAL; /* glibc returns the error number */
	introspect_totals_t t;
	introspect_totals(&t);
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
		mallard_version(), t.segment_bytes, t.in_use, t.free_in_pages, t.free_slices, t.huge_count,
		t.huge_bytes, t.segment_bytes + t.huge_bytes);
	return 0;
}

#if defined(HAVE_MALLINFO2)
static struct mallinfo2 glibc_mallinfo2(void)
{
	introspect_totals_t t;
	introspect_totals(&t);
	struct mallinfo2 mi = {0};
	mi.arena = t.segment_bytes;                   /* non-huge space mapped */
	mi.ordblks = t.pages;                         /* pages in use */
	mi.hblks = t.huge_count;
	mi.hblkhd = t.huge_bytes;
	mi.uordblks = t.in_use + t.huge_bytes;        /* bytes in live blocks */
	mi.fordblks = t.segment_bytes - t.in_use;     /* free bytes held */
	mi.keepcost = t.free_slices - t.dirty_slices; /* free, already purged */
	return mi;
}
#endif

#if defined(HAVE_MALLINFO)
/* The old int-sized struct, saturated rather than wrapped. */
static int glibc_clamp_int(size_t x)
{
	return x > INT32_MAX ? INT32_MAX : (int)x;
}

static struct mallinfo glibc_mallinfo(void)
{
	struct mallinfo2 m2 = glibc_mallinfo2();
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
