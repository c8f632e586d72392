/*
 * replay.c - mallard-replay: replays an allocation trace recorded by
 * libmallard-trace.so (format: bench/trace/format.h) through whatever malloc
 * this process has (run it under LD_PRELOAD to measure another allocator).
 *
 *   mallard-replay TRACE [--repeat N] [--stats] [--decode-first] [--fill]
 *   mallard-replay TRACE --summary | --dump
 *
 * Stages: load (mmap the file) -> walk (check the header, then every record,
 * in file order) -> [place: decode each operation into ops[seq], only when
 * the file is not in seq order (threads whose chunks overlap) or with
 * --decode-first] -> check_lifetimes (in seq order: an id is allocated
 * before it is freed, never twice) -> replay (timed) -> report.
 * An in-order trace (any one-thread recording) is replayed straight from the
 * mapped file, whose pages are released behind the cursor: the replayer's
 * own RSS stays a few MiB whatever the trace's length, so peak_rss_kib is
 * mostly the allocator's. The varint decoding (a few ns per op) is then
 * inside the timed part, the same for every allocator.
 *
 * The replay is deterministic: one thread performs every operation in the
 * recorded global order (seq), whatever thread recorded it. The replayer's
 * own memory (the operations, the id -> pointer table) comes from mmap, so
 * the allocator under test sees only the trace's calls. Each new block has
 * its first byte written, so its page is really used (with --fill, every
 * byte, as a program that fills its blocks: peak_rss_kib then counts whole
 * blocks, the way the recorded program's RSS did). Whatever is still live
 * at the end of a pass is freed (inside the timed part). An allocation that
 * fails during the replay is counted ("failed" with --stats) and its id
 * holds NULL; it is not an error.
 *
 * Word size: a trace records 64-bit sizes whatever the recorder's word size;
 * a replayer whose size_t cannot hold a size (a 32-bit replayer and a request
 * over 4 GiB, calloc's count * size included) refuses the trace with an error
 * naming the record.
 *
 * Output ("key value" lines): ops, elapsed_s, ns_per_op, peak_rss_kib (from
 * getrusage: the whole process, so base_rss_kib - the resident size before
 * the replay, printed with --stats - is the replayer's own part).
 * Exit status: 0, 1 for an unreadable or invalid trace (one line on stderr:
 * "mallard-replay: FILE: record N: what"), 2 for a bad command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format.h"

/* One decoded operation: ops[seq]. op 0 = no operation has this seq. */
struct rop {
	size_t a;      /* size; count (calloc, reallocarray); alignment */
	size_t b;      /* size (calloc, reallocarray, aligned ops) */
	uint32_t id;
	uint32_t recno; /* record number in the file, for messages */
	uint16_t thread;
	uint8_t op;
};

struct trace {
	const char *name;
	const uint8_t *base, *end;
	uint32_t word_bits;
	uint64_t nops;          /* operation records */
	uint64_t nseq;          /* highest seq + 1 */
	uint64_t nids;          /* highest id + 1 */
	uint64_t nthreads;      /* highest thread index + 1 */
	uint64_t unknown_frees; /* from the end record */
	uint64_t count[TRACE_OP_NOPS];
	int in_order;           /* file order is seq order (one thread, or no overlap) */
	struct rop *ops;        /* nseq entries, only when !in_order */
};

/* Reads the operations in seq order: straight from the file when it is in
 * order (the usual one-thread trace: no decoded copy, and the file's pages
 * are dropped behind the cursor so they do not count in the RSS), else from
 * t->ops (skipping holes). */
struct cursor {
	const uint8_t *p, *dropped; /* file position; mapped pages before dropped are released */
	uint64_t left;              /* operations left in the current chunk */
	uint64_t seq, recno, index;
	uint16_t thread;
};

static const char *prog = "mallard-replay";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s TRACE [--repeat N] [--stats] [--decode-first] [--fill]\n"
		"       %s TRACE --summary | --dump\n"
		"Replays an allocation trace recorded with libmallard-trace.so through this\n"
		"process's malloc (use LD_PRELOAD to choose the allocator). All operations run\n"
		"in one thread in the recorded order, so a replay is deterministic.\n"
		"  --repeat N  replay N times (everything is freed after each pass)\n"
		"  --decode-first  decode the whole trace into memory before the replay (a\n"
		"              little less time per op outside the allocator, but the decoded\n"
		"              copy, about 32 bytes per op, counts in peak_rss_kib); this is\n"
		"              always done for a trace whose threads' chunks overlap in time\n"
		"  --fill      write every byte of each new block, not just its first (peak\n"
		"              RSS then counts whole blocks, as in a program that fills them)\n"
		"  --stats     also print base_rss_kib, failed, holes, threads, objects, word_bits\n"
		"  --summary   check the trace and print the number of operations of each kind\n"
		"  --dump      check the trace and print one line per operation, in order:\n"
		"              seq thread op id a b (free: a = size of the freed object)\n"
		"Prints: ops, elapsed_s, ns_per_op, peak_rss_kib. Exit status 1: bad trace.\n",
		prog, prog);
}

static __attribute__((noreturn, format(printf, 3, 4)))
void fail(const struct trace *t, uint64_t recno, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: %s: ", prog, t->name);
	if (recno)
		fprintf(stderr, "record %" PRIu64 ": ", recno);
	else
		fputs("header: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

#define DROP_STEP ((size_t)1 << 20)

/* Releases the file's pages below p (the mapping stays: they read back in if
 * touched again), so a streamed file costs about DROP_STEP of RSS. */
static void drop_behind(const struct trace *t, const uint8_t **dropped, const uint8_t *p)
{
	if ((size_t)(p - *dropped) < 2 * DROP_STEP)
		return;
	const uint8_t *upto = t->base + (((size_t)(p - t->base) - DROP_STEP) & ~(DROP_STEP - 1));
	if (upto > *dropped) {
		madvise((void *)*dropped, (size_t)(upto - *dropped), MADV_DONTNEED);
		*dropped = upto;
	}
}

static void *map_zeroed(const struct trace *t, uint64_t n, size_t elem)
{
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / elem)
		fail(t, 0, "too large for this replayer's address space");
	void *p = mmap(NULL, (size_t)n * elem, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: %s: cannot map %" PRIu64 " entries: %s\n", prog, t->name,
			n, strerror(errno));
		exit(1);
	}
	return p;
}

static void load(struct trace *t)
{
	int fd = open(t->name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, t->name, strerror(errno));
		exit(1);
	}
	if (st.st_size < (off_t)TRACE_HEADER_SIZE)
		fail(t, 0, st.st_size ? "file too short for a trace header" : "empty file");
	if ((uint64_t)st.st_size > SIZE_MAX)
		fail(t, 0, "file too large for this replayer");
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: %s: mmap: %s\n", prog, t->name, strerror(errno));
		exit(1);
	}
	close(fd);
	t->base = p;
	t->end = t->base + st.st_size;
}

static void check_header(struct trace *t)
{
	const uint8_t *h = t->base;
	if (memcmp(h, TRACE_MAGIC, TRACE_MAGIC_LEN) != 0)
		fail(t, 0, "bad magic (not a mallard trace)");
	uint32_t version = trace_get_u32(h + 8);
	if (version == 0 || version > TRACE_VERSION)
		fail(t, 0, "format version %" PRIu32 " (this replayer reads up to %u)",
		     version, TRACE_VERSION);
	t->word_bits = trace_get_u32(h + 12);
	if (t->word_bits != 32 && t->word_bits != 64)
		fail(t, 0, "word size %" PRIu32 " bits (expected 32 or 64)", t->word_bits);
	if (trace_get_u32(h + 16) != 0)
		fail(t, 0, "unknown flags 0x%" PRIx32, trace_get_u32(h + 16));
}

/* Reads one varint of record recno or fails naming it. */
static uint64_t get(const struct trace *t, const uint8_t **p, const uint8_t *end,
		    uint64_t recno, const char *what)
{
	uint64_t v;
	int r = trace_get_varint(p, end, &v);
	if (r == -1)
		fail(t, recno, "truncated in %s (%s)", what,
		     end == t->end ? "file ends mid-record" : "chunk ends mid-record");
	if (r == -2)
		fail(t, recno, "malformed varint in %s", what);
	return v;
}

static size_t fit(const struct trace *t, uint64_t recno, uint64_t v, const char *what)
{
	if (v > SIZE_MAX)
		fail(t, recno, "%s %" PRIu64 " does not fit this replayer's %u-bit size_t", what,
		     v, (unsigned)(sizeof(size_t) * 8));
	return (size_t)v;
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* One pass over the records. place = 0: check everything and size the
 * tables; place = 1: decode every operation into t->ops[seq]. */
static void walk(struct trace *t, int place)
{
	const uint8_t *p = t->base + TRACE_HEADER_SIZE, *dropped = t->base;
	uint64_t recno = 0, nops = 0, last_seq = 0;

	if (!place)
		t->in_order = 1;
	for (;;) {
		drop_behind(t, &dropped, p);
		if (p == t->end)
			fail(t, recno + 1, "trace ends without an end record (truncated after %" PRIu64
			     " operations)", nops);
		recno++;
		unsigned code = *p++;
		if (code == TRACE_OP_END) {
			uint64_t total = get(t, &p, t->end, recno, "end record");
			t->unknown_frees = get(t, &p, t->end, recno, "end record");
			if (total != nops)
				fail(t, recno, "end record counts %" PRIu64 " operations, the file holds %"
				     PRIu64, total, nops);
			if (p != t->end)
				fail(t, recno, "%zu bytes after the end record", (size_t)(t->end - p));
			t->nops = nops;
			return;
		}
		if (code != TRACE_OP_CHUNK)
			fail(t, recno, "unknown record type 0x%02x (expected a chunk or the end)", code);
		uint64_t thread = get(t, &p, t->end, recno, "chunk header");
		uint64_t seq = get(t, &p, t->end, recno, "chunk header");
		uint64_t n = get(t, &p, t->end, recno, "chunk header");
		uint64_t nbytes = get(t, &p, t->end, recno, "chunk header");
		if (thread > UINT16_MAX)
			fail(t, recno, "thread index %" PRIu64 " out of range", thread);
		if (n == 0)
			fail(t, recno, "empty chunk");
		if (nbytes > (uint64_t)(t->end - p))
			fail(t, recno, "chunk of %" PRIu64 " bytes runs past the end of the file (truncated)",
			     nbytes);
		if (thread + 1 > t->nthreads)
			t->nthreads = thread + 1;
		const uint8_t *cend = p + nbytes;
		for (uint64_t i = 0; i < n; i++) {
			if (p == cend)
				fail(t, recno + 1, "chunk ends after %" PRIu64 " of %" PRIu64 " operations", i, n);
			recno++;
			unsigned op = *p++;
			if (!trace_op_name(op))
				fail(t, recno, "impossible operation 0x%02x", op);
			uint64_t delta = get(t, &p, cend, recno, "seq");
			if (i > 0 && delta == 0)
				fail(t, recno, "sequence number does not increase");
			if (i == 0 && delta != 0)
				fail(t, recno, "first operation of a chunk has seq delta %" PRIu64, delta);
			if (delta > UINT64_MAX - seq)
				fail(t, recno, "sequence number overflows");
			seq += delta;
			uint64_t id = get(t, &p, cend, recno, "id");
			uint64_t a = 0, b = 0;
			unsigned nargs = trace_op_nargs(op);
			if (nargs >= 1)
				a = get(t, &p, cend, recno, "argument");
			if (nargs == 2)
				b = get(t, &p, cend, recno, "argument");
			if (!place) {
				if (id >= UINT32_MAX)
					fail(t, recno, "impossible object id %" PRIu64, id);
				/* seq and id are dense: each at most the number of operations
				 * (with a margin for records lost at exit) */
				uint64_t fsize = (uint64_t)(t->end - t->base);
				if (seq > fsize || id > fsize)
					fail(t, recno, "impossible %s %" PRIu64 " for a file of %" PRIu64 " bytes",
					     seq > fsize ? "sequence number" : "object id",
					     seq > fsize ? seq : id, fsize);
				switch (op) {
				case TRACE_OP_CALLOC:
				case TRACE_OP_REALLOCARRAY:
					fit(t, recno, a, "count");
					fit(t, recno, b, "size");
					if (a && b > SIZE_MAX / a)
						fail(t, recno, "%s of %" PRIu64 " x %" PRIu64
						     " bytes does not fit this replayer's %u-bit size_t",
						     trace_op_name(op), a, b, (unsigned)(sizeof(size_t) * 8));
					break;
				case TRACE_OP_POSIX_MEMALIGN:
				case TRACE_OP_ALIGNED_ALLOC:
				case TRACE_OP_MEMALIGN:
					if (!is_pow2(a))
						fail(t, recno, "alignment %" PRIu64 " is not a power of two", a);
					fit(t, recno, a, "alignment");
					fit(t, recno, b, "size");
					break;
				default:
					fit(t, recno, a, "size");
					break;
				}
				if (nops > 0 && seq <= last_seq)
					t->in_order = 0;
				last_seq = seq;
				if (seq + 1 > t->nseq)
					t->nseq = seq + 1;
				if (id + 1 > t->nids)
					t->nids = id + 1;
				t->count[op]++;
			} else {
				struct rop *r = &t->ops[seq];
				if (r->op)
					fail(t, recno, "sequence number %" PRIu64 " appears twice (record %" PRIu32 ")",
					     seq, r->recno);
				r->op = (uint8_t)op;
				r->thread = (uint16_t)thread;
				r->id = (uint32_t)id;
				r->recno = (uint32_t)(recno > UINT32_MAX ? UINT32_MAX : recno);
				r->a = (size_t)a;
				r->b = (size_t)b;
			}
			nops++;
		}
		if (p != cend)
			fail(t, recno, "chunk holds %zu bytes more than its %" PRIu64 " operations",
			     (size_t)(cend - p), n);
	}
}

static void cursor_start(const struct trace *t, struct cursor *c)
{
	memset(c, 0, sizeof(*c));
	c->p = t->base + TRACE_HEADER_SIZE;
	c->dropped = t->base;
}

/* The next operation in seq order into *r: 1, or 0 at the end. The trace
 * has been checked: nothing here can fail. */
static inline int cursor_next(const struct trace *t, struct cursor *c, struct rop *r)
{
	uint64_t v = 0, a = 0, b = 0;
	if (!t->in_order) {
		while (c->index < t->nseq) {
			*r = t->ops[c->index++];
			if (r->op)
				return 1;
		}
		return 0;
	}
	if (c->left == 0) {
		drop_behind(t, &c->dropped, c->p);
		if (*c->p == TRACE_OP_END)
			return 0;
		c->p++;
		c->recno++;
		trace_get_varint(&c->p, t->end, &v);
		c->thread = (uint16_t)v;
		trace_get_varint(&c->p, t->end, &c->seq);
		trace_get_varint(&c->p, t->end, &c->left);
		trace_get_varint(&c->p, t->end, &v); /* nbytes */
	}
	c->left--;
	c->recno++;
	r->op = *c->p++;
	trace_get_varint(&c->p, t->end, &v);
	c->seq += v;
	trace_get_varint(&c->p, t->end, &v);
	r->id = (uint32_t)v;
	unsigned nargs = trace_op_nargs(r->op);
	if (nargs >= 1)
		trace_get_varint(&c->p, t->end, &a);
	if (nargs == 2)
		trace_get_varint(&c->p, t->end, &b);
	r->a = (size_t)a;
	r->b = (size_t)b;
	r->thread = c->thread;
	r->recno = (uint32_t)(c->recno > UINT32_MAX ? UINT32_MAX : c->recno);
	c->index = c->seq;
	return 1;
}

/* In seq order: an object is allocated before it is freed and not allocated
 * twice (realloc of a dead id is realloc(NULL, ...)). With --dump, prints. */
static uint64_t check_lifetimes(struct trace *t, int dump)
{
	uint8_t *live = map_zeroed(t, t->nids, 1);
	size_t *size = dump ? map_zeroed(t, t->nids, sizeof(size_t)) : NULL;
	struct cursor c;
	struct rop op, *r = &op;

	cursor_start(t, &c);
	while (cursor_next(t, &c, r)) {
		uint64_t s = t->in_order ? c.seq : c.index - 1;
		size_t sz;
		switch (r->op) {
		case TRACE_OP_FREE:
			if (!live[r->id])
				fail(t, r->recno, "free of object %" PRIu32 ", which is not live", r->id);
			live[r->id] = 0;
			sz = size ? size[r->id] : 0;
			break;
		case TRACE_OP_REALLOC:
			live[r->id] = 1;
			sz = r->a;
			break;
		case TRACE_OP_REALLOCARRAY:
		case TRACE_OP_CALLOC:
			if (live[r->id] && r->op == TRACE_OP_CALLOC)
				fail(t, r->recno, "calloc gives object %" PRIu32 ", which is already live", r->id);
			live[r->id] = 1;
			sz = r->a * r->b;
			break;
		default:
			if (live[r->id])
				fail(t, r->recno, "%s gives object %" PRIu32 ", which is already live",
				     trace_op_name(r->op), r->id);
			live[r->id] = 1;
			sz = (r->op == TRACE_OP_POSIX_MEMALIGN || r->op == TRACE_OP_ALIGNED_ALLOC ||
			      r->op == TRACE_OP_MEMALIGN) ? r->b : r->a;
			break;
		}
		if (size && r->op != TRACE_OP_FREE)
			size[r->id] = sz;
		if (dump)
			printf("%" PRIu64 " %u %s %" PRIu32 " %zu %zu\n", s, r->thread,
			       trace_op_name(r->op), r->id, r->op == TRACE_OP_FREE ? sz : r->a, r->b);
	}
	munmap(live, t->nids ? t->nids : 1);
	if (size)
		munmap(size, (size_t)(t->nids ? t->nids : 1) * sizeof(size_t));
	return t->nseq - t->nops;
}

static int fill_blocks; /* --fill */

static void touch(void *p, size_t size)
{
	if (p && size) {
		if (fill_blocks)
			memset(p, 0x5a, size);
		else
			*(volatile char *)p = 1;
	}
}

/* One pass: every operation in seq order, then free what is left. Returns
 * the number of allocations that failed. */
static uint64_t replay(const struct trace *t, void **obj)
{
	uint64_t failed = 0;
	struct cursor c;
	struct rop op;
	const struct rop *r = &op;

	cursor_start(t, &c);
	while (cursor_next(t, &c, &op)) {
		void **slot = &obj[r->id];
		void *p = NULL;
		size_t size;
		switch (r->op) {
		case TRACE_OP_FREE:
			free(*slot);
			*slot = NULL;
			continue;
		case TRACE_OP_MALLOC:
			p = malloc(size = r->a);
			break;
		case TRACE_OP_CALLOC:
			p = calloc(r->a, r->b);
			size = r->a * r->b;
			break;
		case TRACE_OP_REALLOC:
			p = realloc(*slot, size = r->a);
			if (!p && size)
				continue; /* failed: the old block stays */
			break;
		case TRACE_OP_REALLOCARRAY:
			p = reallocarray(*slot, r->a, r->b);
			size = r->a * r->b;
			if (!p && size)
				continue;
			break;
		case TRACE_OP_POSIX_MEMALIGN:
			if (posix_memalign(&p, r->a, size = r->b) != 0)
				p = NULL;
			break;
		case TRACE_OP_ALIGNED_ALLOC:
			p = aligned_alloc(r->a, size = r->b);
			break;
		case TRACE_OP_MEMALIGN:
			p = memalign(r->a, size = r->b);
			break;
		case TRACE_OP_VALLOC:
			p = valloc(size = r->a);
			break;
		default: /* TRACE_OP_PVALLOC */
			p = pvalloc(size = r->a);
			break;
		}
		if (!p)
			failed++;
		touch(p, size);
		*slot = p;
	}
	for (uint64_t id = 0; id < t->nids; id++) {
		free(obj[id]);
		obj[id] = NULL;
	}
	return failed;
}

static long rss_now_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, resident = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct trace t;
	unsigned long repeat = 1;
	int stats = 0, summary = 0, dump = 0, decode_first = 0;

	memset(&t, 0, sizeof(t));
	t.name = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--repeat") && i + 1 < argc) {
			char *e;
			errno = 0;
			repeat = strtoul(argv[++i], &e, 10);
			if (errno || *e || e == argv[i] || repeat == 0 || argv[i][0] == '-') {
				fprintf(stderr, "%s: --repeat wants a positive number, not '%s'\n", prog, argv[i]);
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(a, "--stats")) {
			stats = 1;
		} else if (!strcmp(a, "--decode-first")) {
			decode_first = 1;
		} else if (!strcmp(a, "--fill")) {
			fill_blocks = 1;
		} else if (!strcmp(a, "--summary")) {
			summary = 1;
		} else if (!strcmp(a, "--dump")) {
			dump = 1;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, a);
			usage(stderr);
			return 2;
		} else if (!t.name) {
			t.name = a;
		} else {
			fprintf(stderr, "%s: one trace at a time ('%s')\n", prog, a);
			usage(stderr);
			return 2;
		}
	}
	if (!t.name) {
		usage(stderr);
		return 2;
	}

	load(&t);
	check_header(&t);
	walk(&t, 0);
	if (decode_first)
		t.in_order = 0;
	if (!t.in_order) {
		t.ops = map_zeroed(&t, t.nseq, sizeof(struct rop));
		walk(&t, 1);
	}
	uint64_t holes = check_lifetimes(&t, dump);
	if (dump)
		return 0;
	if (summary) {
		for (unsigned op = 1; op < TRACE_OP_NOPS; op++)
			printf("%s %" PRIu64 "\n", trace_op_name(op), t.count[op]);
		printf("ops %" PRIu64 "\nthreads %" PRIu64 "\nobjects %" PRIu64 "\nunknown_frees %" PRIu64
		       "\nword_bits %" PRIu32 "\n", t.nops, t.nthreads, t.nids, t.unknown_frees,
		       t.word_bits);
		return 0;
	}

	void **obj = map_zeroed(&t, t.nids, sizeof(void *));
	long base_rss = rss_now_kib();
	uint64_t failed = 0;
	double t0 = now_s();
	for (unsigned long i = 0; i < repeat; i++)
		failed += replay(&t, obj);
	double elapsed = now_s() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	uint64_t ops = t.nops * repeat;
	printf("ops %" PRIu64 "\n", ops);
	printf("elapsed_s %.6f\n", elapsed);
	printf("ns_per_op %.2f\n", ops ? elapsed * 1e9 / (double)ops : 0.0);
	printf("peak_rss_kib %ld\n", ru.ru_maxrss);
	if (stats) {
		printf("base_rss_kib %ld\n", base_rss);
		printf("failed %" PRIu64 "\n", failed);
		printf("holes %" PRIu64 "\n", holes);
		printf("threads %" PRIu64 "\n", t.nthreads);
		printf("objects %" PRIu64 "\n", t.nids);
		printf("unknown_frees %" PRIu64 "\n", t.unknown_frees);
		printf("word_bits %" PRIu32 "\n", t.word_bits);
	}
	return 0;
}
