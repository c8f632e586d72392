/*
 * aligned.c - aligned allocation, per alignment.
 *
 *   posix_memalign/align:A   posix_memalign(&p, A, S); free(p)
 *   aligned_alloc/align:A    p = aligned_alloc(A, S); free(p)
 *
 * A = 16, 64, 256, 4 KiB, 64 KiB; S = max(A, 256): a 256-byte object for
 * the small alignments (cache-line aligned structs), a block of the
 * alignment's own size for the large ones (page buffers). The same S for
 * both, so the two differ only in the entry point; S is a multiple of A, as
 * C11 requires for aligned_alloc. One iteration is one pair; the result's
 * alignment is checked (a misaligned block fails the run).
 */
#include <stdint.h>
#include <stdlib.h>

#include "bench/gbench/gbench.h"
#include "bench/gbench/micro.h"

static size_t block_size(size_t align)
{
	return align > 256 ? align : 256;
}

static void bm_posix_memalign(gb_state *st, int64_t iters, int64_t arg)
{
	size_t align = (size_t)arg, size = block_size(align);
	for (int64_t i = 0; i < iters; i++) {
		void *p = NULL;
		int err = posix_memalign(&p, align, size);
		gb_escape(p);
		if (err != 0 || ((uintptr_t)p & (align - 1)) != 0) {
			gb_error(st, err ? "posix_memalign failed" : "posix_memalign: misaligned");
			return;
		}
		free(p);
	}
	gb_set_items(st, iters);
}

static void bm_aligned_alloc(gb_state *st, int64_t iters, int64_t arg)
{
	size_t align = (size_t)arg, size = block_size(align);
	for (int64_t i = 0; i < iters; i++) {
		void *p = aligned_alloc(align, size);
		gb_escape(p);
		if (p == NULL || ((uintptr_t)p & (align - 1)) != 0) {
			gb_error(st, p ? "aligned_alloc: misaligned" : "aligned_alloc failed");
			return;
		}
		free(p);
	}
	gb_set_items(st, iters);
}

static void add_alignments(gb_bench *b)
{
	static const int64_t aligns[] = { 16, 64, 256, 4096, 65536 };
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++)
		gb_arg(b, aligns[i]);
	gb_arg_name(b, "align");
}

void aligned_register(void)
{
	add_alignments(gb_register("posix_memalign", bm_posix_memalign));
	add_alignments(gb_register("aligned_alloc", bm_aligned_alloc));
}
