/*
 * pieces.h - the kernel mappings a huge mapping is made of (pieces.c).
 *
 * A huge mapping is one kernel mapping (VMA) when mapped, and becomes
 * several when freed mappings side by side merge in the cache, or pages
 * of several are moved into one: the kernel does not join mappings whose
 * pages came from different places. Linux before 6.17 moves (mremap) a
 * range within one kernel mapping only, so a huge segment's header keeps
 * where each of its pieces ends, and a move the kernel refuses whole goes
 * piece by piece. The list may count more pieces than the kernel has (the
 * kernel joins some after all; a cut in place splits a piece in the list
 * only), never fewer: a piece the kernel holds as two would be refused.
 */
#ifndef MALLARD_PIECES_H
#define MALLARD_PIECES_H

#include "alloc/linkage.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A mapping of more pieces does not form: the merge or the gather that
 * would make it stops short, so a move costs at most this many calls and
 * the process's count of kernel mappings stays bounded. Fewer cost reuse:
 * malloc-large's huge mappings are ~15 kernel mappings each (more in the
 * list, after cuts), and with 8, 16 or 32 here it took 270 k, 185 k or
 * 143 k page faults instead of 120 k (Linux 6.18). */
#define HUGE_PIECES_MAX 64

/* In address order: where each piece ends, in bytes from the mapping's
 * start; the last ends where the mapping does. */
typedef struct {
	uint32_t count;
	size_t end[HUGE_PIECES_MAX];
} huge_pieces_t;

/* One piece of `size` bytes. */
MALLARD_INTERNAL void pieces_whole(huge_pieces_t *p, size_t size);

/* Appends a piece of `len` bytes: false, p unchanged, if p is full. */
MALLARD_INTERNAL bool pieces_push(huge_pieces_t *p, size_t len);

/* How many pieces hold bytes of [lo, hi) (lo < hi). */
MALLARD_INTERNAL unsigned pieces_within(const huge_pieces_t *p, size_t lo, size_t hi);

/* Drops the bytes from `keep` on (0 < keep <= the mapping's size). */
MALLARD_INTERNAL void pieces_keep_below(huge_pieces_t *p, size_t keep);

/* Appends the pieces of src's bytes [lo, hi), placed from dst's end on:
 * false, dst unchanged, if they do not fit. */
MALLARD_INTERNAL bool pieces_append(huge_pieces_t *dst, const huge_pieces_t *src, size_t lo, size_t hi);

/* Where p ends (0 if it has no piece). */
MALLARD_INTERNAL size_t pieces_size(const huge_pieces_t *p);

/* Moves bytes [from, from + len) of the mapping at `base`, made of the
 * pieces `p` (a copy: the mapping's header may be among the bytes moved),
 * to `to` (os_move_to): in one call, or piece by piece where the kernel
 * refuses a move across its mappings. Returns how many bytes from `from`
 * on moved: len, or fewer where a piece would not (the rest is where it
 * was). */
MALLARD_INTERNAL size_t pieces_move(uint8_t *base, const huge_pieces_t *p, size_t from, size_t len, uint8_t *to);

#endif /* MALLARD_PIECES_H */
