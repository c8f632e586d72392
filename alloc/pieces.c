/*
 * pieces.c - the kernel mappings a huge mapping is made of, and moving
 * its pages across them (see pieces.h).
 */
#include "alloc/pieces.h"
#include "alloc/os.h"

#include <errno.h>
#include <stdatomic.h>

/* Set at the first move the kernel refused whole and made piece by piece:
 * from then on a move of several pieces goes piece by piece at once, not
 * one refused call first. */
static atomic_bool pieces_moved_singly;

MALLARD_INTERNAL void pieces_whole(huge_pieces_t *p, size_t size)
{
	p->count = 1;
	p->end[0] = size;
}

MALLARD_INTERNAL size_t pieces_size(const huge_pieces_t *p)
{
	return p->count ? p->end[p->count - 1] : 0;
}

MALLARD_INTERNAL bool pieces_push(huge_pieces_t *p, size_t len)
{
	if (p->count == HUGE_PIECES_MAX)
		return false;
	p->end[p->count] = pieces_size(p) + len;
	p->count++;
	return true;
}

static size_t piece_start(const huge_pieces_t *p, unsigned i)
{
	return i ? p->end[i - 1] : 0;
}

MALLARD_INTERNAL unsigned pieces_within(const huge_pieces_t *p, size_t lo, size_t hi)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->count; i++)
		n += piece_start(p, i) < hi && p->end[i] > lo;
	return n;
}

MALLARD_INTERNAL void pieces_keep_below(huge_pieces_t *p, size_t keep)
{
	unsigned i = 0;
	while (p->end[i] < keep)
		i++;
	p->end[i] = keep;
	p->count = i + 1;
}

MALLARD_INTERNAL bool pieces_append(huge_pieces_t *dst, const huge_pieces_t *src, size_t lo, size_t hi)
{
	if (dst->count + pieces_within(src, lo, hi) > HUGE_PIECES_MAX)
		return false;
	size_t at = pieces_size(dst);
	for (unsigned i = 0; i < src->count; i++) {
		if (piece_start(src, i) >= hi || src->end[i] <= lo)
			continue;
		size_t end = src->end[i] < hi ? src->end[i] : hi;
		dst->end[dst->count++] = at + (end - lo);
	}
	return true;
}

MALLARD_INTERNAL size_t pieces_move(uint8_t *base, const huge_pieces_t *p, size_t from, size_t len, uint8_t *to)
{
	unsigned n = pieces_within(p, from, from + len);
	if (n == 1 || !atomic_load_explicit(&pieces_moved_singly, memory_order_relaxed)) {
		int err = os_move_to(base + from, len, to);
		if (err == 0)
			return len;
		if (n == 1 || err != EFAULT) /* EFAULT: the range is not one kernel mapping */
			return 0;
	}
	size_t moved = 0;
	for (unsigned i = 0; i < p->count && moved < len; i++) {
		size_t lo = piece_start(p, i), hi = p->end[i];
		if (hi <= from)
			continue;
		if (lo < from)
			lo = from;
		if (hi > from + len)
			hi = from + len;
		if (os_move_to(base + lo, hi - lo, to + (lo - from)) != 0)
			break;
		moved = hi - from;
	}
	if (moved)
		atomic_store_explicit(&pieces_moved_singly, true, memory_order_relaxed);
	return moved;
}
