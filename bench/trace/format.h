/*
 * format.h - the allocation trace format written by libmallard-trace.so
 * (bench/trace/recorder.c) and read by mallard-replay (bench/trace/replay.c).
 *
 * Glossary
 *   record   one encoded item after the header: an operation (malloc, free,
 *            ...), a chunk header or the end record.
 *   chunk    a run of operation records from one thread, flushed in one
 *            write(); it opens with a chunk header record.
 *   seq      the global sequence number of an operation (0, 1, 2, ... in the
 *            order the recorder saw them, across all threads). Records of
 *            different threads interleave by chunk in the file; the replayer
 *            puts every operation back at its seq.
 *   id       the object id: a small dense integer the recorder gives a block
 *            when it is allocated and takes back (for reuse) when it is
 *            freed. The replayer keeps an array id -> pointer; recorded
 *            addresses are never written.
 *   thread   the thread index: 0 for the first thread that allocated, 1 for
 *            the next, ... (in order of first appearance).
 *   varint   an unsigned integer in LEB128: 7 bits a byte, low bits first,
 *            the top bit set on every byte but the last; at most 10 bytes.
 *
 * Layout (all fixed-width fields little-endian):
 *
 *   header, TRACE_HEADER_SIZE (32) bytes:
 *     0   magic      "MLDTRACE" (8 bytes)
 *     8   version    u32, TRACE_VERSION; a reader refuses a newer one
 *     12  word_bits  u32, 32 or 64: sizeof(void *) * 8 of the recording process
 *     16  flags      u32, no flag is defined yet: a reader refuses any set bit
 *     20  reserved   u32, 0
 *     24  pid        u64, the recording process
 *
 *   then records, each an op byte followed by varints:
 *     TRACE_OP_CHUNK   thread, first_seq, nops, nbytes
 *                      (nops operation records follow, nbytes bytes in all)
 *     operation        seq_delta, id, then the arguments of the op:
 *       malloc, valloc, pvalloc, realloc            size
 *       calloc, reallocarray                        count, size
 *       posix_memalign, aligned_alloc, memalign     alignment, size
 *       free                                        (none)
 *     TRACE_OP_END     nops, unknown_frees
 *                      (last record; nothing may follow it)
 *
 *   seq of an operation = first_seq of its chunk for the first one, then
 *   previous seq + seq_delta (seq_delta >= 1 after the first, which is 0).
 *   nops in the end record = the number of operation records in the file, so
 *   a file cut anywhere (even on a record boundary) is detected.
 *
 * Semantics the replayer relies on
 *   - Only calls that succeeded are recorded; free(NULL) is not recorded.
 *   - realloc and reallocarray keep the object's id. realloc(NULL, n) gives
 *     a new id (the id is not live before it). realloc(p, 0) that freed p is
 *     recorded as a free.
 *   - Frees of pointers the recorder never saw (allocated before it started,
 *     or by its own bootstrap) are not recorded; the end record counts them.
 *   - Sizes are those the program asked for, as 64-bit values whatever the
 *     word size: a 32-bit replayer refuses a trace with a size that does not
 *     fit its size_t (a clear error, never a truncated size).
 */
#ifndef MALLARD_TRACE_FORMAT_H
#define MALLARD_TRACE_FORMAT_H

#include <stdint.h>
#include <stddef.h>

#define TRACE_MAGIC "MLDTRACE"
#define TRACE_MAGIC_LEN 8
#define TRACE_VERSION 1u
#define TRACE_HEADER_SIZE 32u
#define TRACE_VARINT_MAX 10u /* bytes of a 64-bit varint */

/* Operation codes (the op byte). 0 is never valid, so a zeroed file fails. */
enum trace_op {
	TRACE_OP_MALLOC = 1,
	TRACE_OP_CALLOC = 2,
	TRACE_OP_REALLOC = 3,
	TRACE_OP_FREE = 4,
	TRACE_OP_POSIX_MEMALIGN = 5,
	TRACE_OP_ALIGNED_ALLOC = 6,
	TRACE_OP_MEMALIGN = 7,
	TRACE_OP_VALLOC = 8,
	TRACE_OP_PVALLOC = 9,
	TRACE_OP_REALLOCARRAY = 10,
	TRACE_OP_NOPS = 11, /* operation codes are 1 .. TRACE_OP_NOPS - 1 */
	TRACE_OP_CHUNK = 0x40,
	TRACE_OP_END = 0x7f
};

/* Largest operation record: op byte, seq_delta, id and two arguments. */
#define TRACE_OP_RECORD_MAX (1u + 4u * TRACE_VARINT_MAX)
/* Largest chunk header: op byte and four varints. */
#define TRACE_CHUNK_HEADER_MAX (1u + 4u * TRACE_VARINT_MAX)

/* The op's name as the replayer prints it, or NULL for a code that is not an
 * operation. */
static inline const char *trace_op_name(unsigned op)
{
	static const char *const names[TRACE_OP_NOPS] = {
		NULL, "malloc", "calloc", "realloc", "free", "posix_memalign",
		"aligned_alloc", "memalign", "valloc", "pvalloc", "reallocarray"
	};
	return op < TRACE_OP_NOPS ? names[op] : NULL;
}

/* How many argument varints follow seq_delta and id for operation op. */
static inline unsigned trace_op_nargs(unsigned op)
{
	switch (op) {
	case TRACE_OP_FREE:
		return 0;
	case TRACE_OP_MALLOC:
	case TRACE_OP_VALLOC:
	case TRACE_OP_PVALLOC:
	case TRACE_OP_REALLOC:
		return 1;
	default:
		return 2;
	}
}

/* Writes v as a varint at p; returns the byte after it. */
static inline uint8_t *trace_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Reads a varint from [*p, end): 0 and *p advanced, or -1 when the bytes run
 * out (truncated) and -2 when it is longer than 10 bytes or overflows 64 bits. */
static inline int trace_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t r = 0;
	unsigned shift = 0;

	for (;;) {
		if (q == end)
			return -1;
		uint8_t b = *q++;
		if (shift == 63 && b > 1)
			return -2;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return -2;
	}
	*p = q;
	*v = r;
	return 0;
}

static inline void trace_put_u32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void trace_put_u64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t trace_get_u32(const uint8_t *p)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static inline uint64_t trace_get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#endif /* MALLARD_TRACE_FORMAT_H */
