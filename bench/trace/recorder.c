/*
 * recorder.c - libmallard-trace.so, a preload library that records every
 * malloc-family call into a trace file (format: bench/trace/format.h) and
 * forwards it to the next allocator (dlsym(RTLD_NEXT, ...)).
 *
 *   MALLARD_TRACE_FILE=NAME LD_PRELOAD=.../libmallard-trace.so program ...
 *
 * NAME defaults to "mallard-%p.trace"; %p is replaced by the process id,
 * %% by a percent sign. The recording process holds an flock on its file:
 * a program it runs under the same fixed NAME (no %p) is not recorded (one
 * warning line) rather than overwriting it; with %p each gets its own file.
 *
 * Data path of one call (malloc shown; the others differ in the record):
 *   real malloc -> id_alloc (free list of ids, one spinlock) -> seq_next (one
 *   atomic add) -> map_insert (pointer -> id, one of MAP_STRIPES striped
 *   open-addressing tables) -> rec_op (varints into this thread's buffer).
 * free runs it backwards: map_remove -> seq_next -> rec_op -> id_release ->
 * real free, so an id (and an address) is reused only after the free that
 * released it has taken its seq: replayed in seq order, nothing is aliased.
 *
 * Never calls malloc for itself: tables, id list and thread buffers come from
 * mmap. While dlsym looks up the real functions (it may call malloc/calloc),
 * requests are served from boot_buf and never passed to the real free.
 *
 * Threads: each has a buffer (thread-local pointer, initial-exec) flushed
 * with one writev under file_lock when full, when the thread exits (a
 * pthread key destructor) and at process exit (the destructor flushes every
 * buffer still listed, also those of threads still running: a thread that
 * allocates while the process exits can lose or tear its last records).
 * fork: the child stops recording (its allocations go straight through).
 * Frees of pointers never seen are not recorded; the end record counts them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "format.h"

#define TLS_IE __attribute__((tls_model("initial-exec")))
#define EXPORT __attribute__((visibility("default")))
#define COLD __attribute__((noinline, cold))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- the real allocator ---------------------------------------------- */

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static void *(*real_reallocarray)(void *, size_t, size_t);
static size_t (*real_malloc_usable_size)(void *);

/* ---- bootstrap buffer (while dlsym runs) ------------------------------- */

/* Each block: a 16-byte header holding its size, then the block. Never freed. */
#define BOOT_SIZE (64 * 1024)
static _Alignas(64) unsigned char boot_buf[BOOT_SIZE];
static size_t boot_used;
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int tls_booting TLS_IE;

static int boot_owns(const void *p)
{
	return (const unsigned char *)p >= boot_buf &&
	       (const unsigned char *)p < boot_buf + BOOT_SIZE;
}

static void *boot_alloc(size_t size, size_t align)
{
	if (align < 16)
		align = 16;
	if (align > 4096 || size > BOOT_SIZE)
		return NULL;
	size_t start = (boot_used + 16 + align - 1) & ~(align - 1);
	if (start + size > BOOT_SIZE)
		return NULL;
	boot_used = start + size;
	memcpy(boot_buf + start - sizeof(size_t), &size, sizeof(size_t));
	return boot_buf + start; /* zeroed: boot_buf is never reused */
}

static size_t boot_size(const void *p)
{
	size_t size;
	memcpy(&size, (const unsigned char *)p - sizeof(size_t), sizeof(size_t));
	return size;
}

/* ---- small helpers ----------------------------------------------------- */

static void spin_lock(int *lock)
{
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(lock, __ATOMIC_RELAXED))
			sched_yield();
}

static void spin_unlock(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

static void *os_map(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void say(const char *a, const char *b)
{
	struct iovec v[3] = {
		{ (void *)"mallard-trace: ", 15 },
		{ (void *)a, strlen(a) },
		{ (void *)b, strlen(b) },
	};
	ssize_t r = writev(2, v, 3);
	(void)r;
}

/* ---- state ------------------------------------------------------------- */

static int recording;     /* read on every call: 0 once stopped */
static int trace_fd = -1; /* open only in the process that opened it */
static int file_lock_word;
static uint64_t file_nops;      /* operation records written, under file_lock */
static uint64_t unknown_frees;  /* atomic */
static uint64_t seq_counter;    /* atomic */
static unsigned thread_counter; /* atomic */
static pthread_key_t thread_key;

static void stop_recording(const char *why)
{
	if (__atomic_exchange_n(&recording, 0, __ATOMIC_RELAXED))
		say(why, ": recording stopped\n");
}

/* ---- pointer -> id map: MAP_STRIPES independent linear-probing tables -- */

/* Invariant per stripe: count * 2 <= cap; every key sits in the run of
 * occupied slots that starts at its home slot (backward-shift deletion keeps
 * runs without holes, so there are no tombstones). key 0 = empty slot. */
#define MAP_STRIPES 64
#define MAP_INITIAL 1024
struct map_slot {
	uintptr_t key;
	uint32_t id;
};
struct map_stripe {
	int lock;
	size_t mask; /* cap - 1 */
	size_t count;
	struct map_slot *slots;
} __attribute__((aligned(64))); /* one cache line per stripe */
static struct map_stripe map[MAP_STRIPES];

/* Hash of the 4 KiB page holding key: picks the stripe and where the page's
 * run of slots starts. Blocks of one page then sit in neighbouring slots
 * (home = page position + offset in the page / 16), so the map keeps the
 * program's locality: a free of a block allocated nearby hits a cached line. */
static uintptr_t map_hash(uintptr_t key)
{
#if UINTPTR_MAX > 0xffffffffu
	uint64_t x = (uint64_t)key >> 12;
	x *= 0x9e3779b97f4a7c15ull;
	return (uintptr_t)(x ^ (x >> 29));
#else
	uint32_t x = (uint32_t)key >> 12;
	x *= 0x9e3779b1u;
	return x ^ (x >> 15);
#endif
}

static struct map_stripe *map_stripe_of(uintptr_t key)
{
	return &map[map_hash(key) & (MAP_STRIPES - 1)];
}

static size_t map_home(const struct map_stripe *s, uintptr_t key)
{
	return (((map_hash(key) >> 6) << 8) + ((key >> 4) & 255)) & s->mask;
}

/* Inserts key (or updates its id) in s, which is locked and has room. */
static void map_put(struct map_stripe *s, uintptr_t key, uint32_t id)
{
	size_t i = map_home(s, key);
	while (s->slots[i].key && s->slots[i].key != key)
		i = (i + 1) & s->mask;
	if (!s->slots[i].key)
		s->count++;
	s->slots[i].key = key;
	s->slots[i].id = id;
}

static COLD int map_grow(struct map_stripe *s)
{
	size_t cap = s->slots ? (s->mask + 1) * 2 : MAP_INITIAL;
	struct map_slot *old = s->slots;
	size_t old_cap = old ? s->mask + 1 : 0;
	struct map_slot *slots = os_map(cap * sizeof(*slots));
	if (!slots)
		return -1;
	s->slots = slots;
	s->mask = cap - 1;
	s->count = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			map_put(s, old[i].key, old[i].id);
	if (old)
		munmap(old, old_cap * sizeof(*old));
	return 0;
}

static int map_insert(void *p, uint32_t id)
{
	uintptr_t key = (uintptr_t)p;
	struct map_stripe *s = map_stripe_of(key);
	int ret = 0;
	spin_lock(&s->lock);
	if (unlikely(!s->slots || (s->count + 1) * 2 > s->mask + 1))
		ret = map_grow(s);
	if (likely(ret == 0))
		map_put(s, key, id);
	spin_unlock(&s->lock);
	return ret;
}

/* Removes p; its id in *id and 0, or -1 when p is not in the map. */
static int map_remove(void *p, uint32_t *id)
{
	uintptr_t key = (uintptr_t)p;
	struct map_stripe *s = map_stripe_of(key);
	int ret = -1;
	spin_lock(&s->lock);
	if (s->slots) {
		size_t i = map_home(s, key);
		while (s->slots[i].key && s->slots[i].key != key)
			i = (i + 1) & s->mask;
		if (s->slots[i].key) {
			*id = s->slots[i].id;
			ret = 0;
			s->count--;
			/* backward shift: pull later members of the run into the hole */
			size_t hole = i, j = i;
			for (;;) {
				j = (j + 1) & s->mask;
				if (!s->slots[j].key)
					break;
				size_t home = map_home(s, s->slots[j].key);
				/* j may move to hole when home is not in (hole, j] */
				if (((j - home) & s->mask) >= ((j - hole) & s->mask)) {
					s->slots[hole] = s->slots[j];
					hole = j;
				}
			}
			s->slots[hole].key = 0;
		}
	}
	spin_unlock(&s->lock);
	return ret;
}

/* ---- ids: dense, reused from a stack of freed ids ---------------------- */

static int id_lock_word;
static uint32_t id_next;
static uint32_t *id_stack;
static size_t id_top, id_cap;

static int id_alloc(uint32_t *id)
{
	int ret = 0;
	spin_lock(&id_lock_word);
	if (id_top)
		*id = id_stack[--id_top];
	else if (id_next < UINT32_MAX)
		*id = id_next++;
	else
		ret = -1;
	spin_unlock(&id_lock_word);
	return ret;
}

static COLD int id_stack_grow(void)
{
	size_t cap = id_cap ? id_cap * 2 : 16384;
	uint32_t *stack = os_map(cap * sizeof(*stack));
	if (!stack)
		return -1;
	if (id_stack) {
		memcpy(stack, id_stack, id_top * sizeof(*stack));
		munmap(id_stack, id_cap * sizeof(*stack));
	}
	id_stack = stack;
	id_cap = cap;
	return 0;
}

static void id_release(uint32_t id)
{
	spin_lock(&id_lock_word);
	if (id_top < id_cap || id_stack_grow() == 0)
		id_stack[id_top++] = id;
	/* else the id is simply never reused */
	spin_unlock(&id_lock_word);
}

/* ---- per-thread buffers ------------------------------------------------ */

#define TBUF_DATA (64 * 1024 - 128)
struct tbuf {
	struct tbuf *next, *prev; /* on tbuf_list (or tbuf_pool: next only) */
	uint32_t thread;
	uint32_t nops;
	uint64_t first_seq, last_seq;
	size_t len;
	uint8_t data[TBUF_DATA];
};
static __thread struct tbuf *tls_buf TLS_IE;
static __thread int tls_in_hook TLS_IE;
static int tbuf_lock_word;
static struct tbuf *tbuf_list, *tbuf_pool;

static void write_all(const struct iovec *iov, int n)
{
	struct iovec v[2];
	memcpy(v, iov, (size_t)n * sizeof(*v));
	struct iovec *cur = v;
	while (n > 0) {
		ssize_t w = writev(trace_fd, cur, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			stop_recording("write to the trace file failed");
			return;
		}
		while (n > 0 && (size_t)w >= cur->iov_len) {
			w -= (ssize_t)cur->iov_len;
			cur++;
			n--;
		}
		if (n > 0) {
			cur->iov_base = (char *)cur->iov_base + w;
			cur->iov_len -= (size_t)w;
		}
	}
}

/* Writes tb's records as one chunk; file_lock must not be held. */
static void tbuf_flush(struct tbuf *tb)
{
	if (!tb->nops)
		return;
	uint8_t hdr[TRACE_CHUNK_HEADER_MAX], *h = hdr;
	*h++ = TRACE_OP_CHUNK;
	h = trace_put_varint(h, tb->thread);
	h = trace_put_varint(h, tb->first_seq);
	h = trace_put_varint(h, tb->nops);
	h = trace_put_varint(h, tb->len);
	struct iovec v[2] = { { hdr, (size_t)(h - hdr) }, { tb->data, tb->len } };
	spin_lock(&file_lock_word);
	if (trace_fd >= 0) {
		write_all(v, 2);
		file_nops += tb->nops;
	}
	spin_unlock(&file_lock_word);
	tb->nops = 0;
	tb->len = 0;
}

static COLD struct tbuf *tbuf_new(void)
{
	struct tbuf *tb;
	spin_lock(&tbuf_lock_word);
	tb = tbuf_pool;
	if (tb)
		tbuf_pool = tb->next;
	spin_unlock(&tbuf_lock_word);
	if (!tb && !(tb = os_map(sizeof(*tb))))
		return NULL;
	tb->thread = __atomic_fetch_add(&thread_counter, 1, __ATOMIC_RELAXED);
	tb->nops = 0;
	tb->len = 0;
	spin_lock(&tbuf_lock_word);
	tb->prev = NULL;
	tb->next = tbuf_list;
	if (tbuf_list)
		tbuf_list->prev = tb;
	tbuf_list = tb;
	spin_unlock(&tbuf_lock_word);
	tls_buf = tb;
	pthread_setspecific(thread_key, tb); /* may calloc: tls_in_hook is set */
	return tb;
}

/* Thread exit: flush, unlist and pool the buffer. A buffer made after this
 * (the thread allocating in a later destructor) stays listed until exit. */
static void tbuf_thread_exit(void *arg)
{
	struct tbuf *tb = arg;
	tls_in_hook = 1;
	tbuf_flush(tb);
	spin_lock(&tbuf_lock_word);
	if (tb->prev)
		tb->prev->next = tb->next;
	else
		tbuf_list = tb->next;
	if (tb->next)
		tb->next->prev = tb->prev;
	tb->next = tbuf_pool;
	tbuf_pool = tb;
	spin_unlock(&tbuf_lock_word);
	if (tls_buf == tb)
		tls_buf = NULL;
	tls_in_hook = 0;
}

/* Appends one operation record (fast path: a few varints, no lock). */
static void rec_op(unsigned op, uint64_t seq, uint32_t id, uint64_t a, uint64_t b)
{
	struct tbuf *tb = tls_buf;
	if (unlikely(!tb) && !(tb = tbuf_new()))
		return;
	if (unlikely(tb->len + TRACE_OP_RECORD_MAX > TBUF_DATA))
		tbuf_flush(tb);
	uint8_t *p = tb->data + tb->len;
	*p++ = (uint8_t)op;
	if (tb->nops++ == 0) {
		tb->first_seq = seq;
		*p++ = 0;
	} else {
		p = trace_put_varint(p, seq - tb->last_seq);
	}
	tb->last_seq = seq;
	p = trace_put_varint(p, id);
	switch (trace_op_nargs(op)) {
	case 2:
		p = trace_put_varint(p, a);
		p = trace_put_varint(p, b);
		break;
	case 1:
		p = trace_put_varint(p, a);
		break;
	default:
		break;
	}
	tb->len = (size_t)(p - tb->data);
}

static uint64_t seq_next(void)
{
	return __atomic_fetch_add(&seq_counter, 1, __ATOMIC_RELAXED);
}

/* A new block p (from op with arguments a, b): give it an id and record it. */
static void track_new(unsigned op, void *p, uint64_t a, uint64_t b)
{
	uint32_t id;
	if (unlikely(id_alloc(&id) != 0)) {
		stop_recording("out of object ids");
		return;
	}
	uint64_t seq = seq_next();
	if (unlikely(map_insert(p, id) != 0)) {
		stop_recording("out of memory for the pointer map");
		return;
	}
	rec_op(op, seq, id, a, b);
}

/* p is about to be freed: record the free of its id. */
static void track_free(void *p)
{
	uint32_t id;
	if (map_remove(p, &id) != 0) {
		__atomic_fetch_add(&unknown_frees, 1, __ATOMIC_RELAXED);
		return;
	}
	rec_op(TRACE_OP_FREE, seq_next(), id, 0, 0);
	id_release(id);
}

/* ---- initialisation, fork, exit ---------------------------------------- */

static void fork_child(void)
{
	/* Another thread may have held a lock at fork: touch nothing shared. */
	recording = 0;
	trace_fd = -1; /* the parent's descriptor: never written by the child */
	tls_buf = NULL;
}

static void *lookup(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* Expands %p and %% of pattern into out (size n); -1 if it does not fit. */
static int format_name(const char *pattern, char *out, size_t n)
{
	size_t o = 0;
	for (const char *c = pattern; *c; c++) {
		char digits[24];
		const char *piece = c;
		size_t len = 1;
		if (c[0] == '%' && c[1] == 'p') {
			unsigned long pid = (unsigned long)getpid();
			size_t d = sizeof(digits);
			do {
				digits[--d] = (char)('0' + pid % 10);
				pid /= 10;
			} while (pid);
			piece = digits + d;
			len = sizeof(digits) - d;
			c++;
		} else if (c[0] == '%' && c[1] == '%') {
			c++;
		}
		if (o + len >= n)
			return -1;
		memcpy(out + o, piece, len);
		o += len;
	}
	out[o] = '\0';
	return 0;
}

static void open_trace(void)
{
	const char *pattern = getenv("MALLARD_TRACE_FILE");
	char name[4096];
	if (!pattern || !*pattern)
		pattern = "mallard-%p.trace";
	if (format_name(pattern, name, sizeof(name)) != 0) {
		say("MALLARD_TRACE_FILE is too long", ": not recording\n");
		return;
	}
	int fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		say(name, ": cannot open for writing: not recording\n");
		return;
	}
	/* The lock lives as long as the recording process: a program it execs
	 * (same MALLARD_TRACE_FILE without %p) finds it taken and stays out. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		say(name, ": being written by another process (put %p in MALLARD_TRACE_FILE):"
			  " not recording\n");
		close(fd);
		return;
	}
	if (ftruncate(fd, 0) != 0) {
		say(name, ": cannot truncate: not recording\n");
		close(fd);
		return;
	}
	uint8_t hdr[TRACE_HEADER_SIZE] = { 0 };
	memcpy(hdr, TRACE_MAGIC, TRACE_MAGIC_LEN);
	trace_put_u32(hdr + 8, TRACE_VERSION);
	trace_put_u32(hdr + 12, (uint32_t)(sizeof(void *) * 8));
	trace_put_u32(hdr + 16, 0);
	trace_put_u32(hdr + 20, 0);
	trace_put_u64(hdr + 24, (uint64_t)getpid());
	trace_fd = fd;
	struct iovec v = { hdr, sizeof(hdr) };
	write_all(&v, 1);
	if (trace_fd >= 0)
		recording = 1;
}

static COLD void trace_init(void)
{
	pthread_mutex_lock(&init_lock);
	if (real_malloc) {
		pthread_mutex_unlock(&init_lock);
		return;
	}
	tls_booting = 1;
	real_free = lookup("free");
	real_calloc = lookup("calloc");
	real_realloc = lookup("realloc");
	real_posix_memalign = lookup("posix_memalign");
	real_aligned_alloc = lookup("aligned_alloc");
	real_memalign = lookup("memalign");
	real_valloc = lookup("valloc");
	real_pvalloc = lookup("pvalloc");
	real_reallocarray = lookup("reallocarray");
	real_malloc_usable_size = lookup("malloc_usable_size");
	void *(*m)(size_t) = lookup("malloc");
	tls_booting = 0;
	if (!m || !real_free || !real_calloc || !real_realloc) {
		say("dlsym(RTLD_NEXT) found no malloc", "\n");
		abort();
	}
	tls_in_hook = 1; /* pthread_key_create, pthread_atfork may allocate */
	__atomic_store_n(&real_malloc, m, __ATOMIC_RELEASE);
	if (pthread_key_create(&thread_key, tbuf_thread_exit) == 0 &&
	    pthread_atfork(NULL, NULL, fork_child) == 0)
		open_trace();
	tls_in_hook = 0;
	pthread_mutex_unlock(&init_lock);
}

__attribute__((constructor)) static void trace_start(void)
{
	if (!real_malloc)
		trace_init();
}

__attribute__((destructor)) static void trace_finish(void)
{
	if (trace_fd < 0)
		return;
	tls_in_hook = 1;
	recording = 0;
	spin_lock(&tbuf_lock_word);
	for (struct tbuf *tb = tbuf_list; tb; tb = tb->next)
		tbuf_flush(tb);
	spin_unlock(&tbuf_lock_word);
	uint8_t end[1 + 2 * TRACE_VARINT_MAX], *p = end;
	*p++ = TRACE_OP_END;
	spin_lock(&file_lock_word);
	p = trace_put_varint(p, file_nops);
	p = trace_put_varint(p, __atomic_load_n(&unknown_frees, __ATOMIC_RELAXED));
	struct iovec v = { end, (size_t)(p - end) };
	if (trace_fd >= 0) {
		write_all(&v, 1);
		close(trace_fd);
		trace_fd = -1;
	}
	spin_unlock(&file_lock_word);
}

/* ---- the malloc family ------------------------------------------------- */

/* Every entry: bootstrap check, then forward untouched unless recording and
 * not already inside the recorder on this thread. */
#define ENTER(boot_expr)                               \
	do {                                           \
		if (unlikely(!real_malloc)) {          \
			if (tls_booting)               \
				return boot_expr;      \
			trace_init();                  \
		}                                      \
	} while (0)
#define TRACING() (likely(recording) && !tls_in_hook)

EXPORT void *malloc(size_t size)
{
	ENTER(boot_alloc(size, 16));
	if (!TRACING())
		return real_malloc(size);
	tls_in_hook = 1;
	void *p = real_malloc(size);
	if (p)
		track_new(TRACE_OP_MALLOC, p, size, 0);
	tls_in_hook = 0;
	return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
	ENTER(n && size > SIZE_MAX / n ? NULL : boot_alloc(n * size, 16));
	if (!TRACING())
		return real_calloc(n, size);
	tls_in_hook = 1;
	void *p = real_calloc(n, size);
	if (p)
		track_new(TRACE_OP_CALLOC, p, n, size);
	tls_in_hook = 0;
	return p;
}

EXPORT void free(void *p)
{
	if (!p || boot_owns(p))
		return;
	ENTER((void)0);
	if (TRACING()) {
		tls_in_hook = 1;
		track_free(p);
		tls_in_hook = 0;
	}
	real_free(p);
}

/* realloc and reallocarray: total is n * size (reallocarray) or size. */
/* tracing: TRACING() on entry (the caller then set tls_in_hook). */
static void *realloc_common(unsigned op, void *p, size_t n, size_t size, int tracing)
{
	void *q;
	uint32_t id;
	if (boot_owns(p)) { /* moves out of the boot buffer into the real heap */
		if (op == TRACE_OP_REALLOCARRAY && n && size > SIZE_MAX / n) {
			errno = ENOMEM;
			return NULL;
		}
		size_t total = op == TRACE_OP_REALLOCARRAY ? n * size : size;
		size_t old = boot_size(p);
		q = real_malloc(total ? total : 1);
		if (q)
			memcpy(q, p, old < total ? old : total);
		if (q && tracing)
			track_new(op, q, op == TRACE_OP_REALLOCARRAY ? n : size, size);
		return q;
	}
	int known = p && tracing && map_remove(p, &id) == 0;
	if (op == TRACE_OP_REALLOCARRAY) {
		if (real_reallocarray) {
			q = real_reallocarray(p, n, size);
		} else if (n && size > SIZE_MAX / n) {
			errno = ENOMEM;
			q = NULL;
		} else {
			q = real_realloc(p, n * size);
		}
	} else {
		q = real_realloc(p, size);
	}
	if (!tracing)
		return q;
	uint64_t a = op == TRACE_OP_REALLOCARRAY ? n : size;
	int zero = op == TRACE_OP_REALLOCARRAY ? (n == 0 || size == 0) : size == 0;
	if (!known) { /* realloc(NULL, ...) or a pointer never seen: a new id */
		if (q)
			track_new(op, q, a, size);
		else if (p && zero)
			__atomic_fetch_add(&unknown_frees, 1, __ATOMIC_RELAXED);
		return q;
	}
	if (q) {
		uint64_t seq = seq_next();
		if (map_insert(q, id) != 0)
			stop_recording("out of memory for the pointer map");
		else
			rec_op(op, seq, id, a, size);
	} else if (zero) { /* realloc(p, 0) freed p */
		rec_op(TRACE_OP_FREE, seq_next(), id, 0, 0);
		id_release(id);
	} else if (map_insert(p, id) != 0) { /* failed: p is still live */
		stop_recording("out of memory for the pointer map");
	}
	return q;
}

EXPORT void *realloc(void *p, size_t size)
{
	ENTER(boot_alloc(size, 16)); /* the boot buffer: realloc(NULL, n) only */
	int tracing = TRACING();
	if (!tracing && !boot_owns(p))
		return real_realloc(p, size);
	int saved = tls_in_hook;
	tls_in_hook = 1;
	void *q = realloc_common(TRACE_OP_REALLOC, p, 1, size, tracing);
	tls_in_hook = saved;
	return q;
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	ENTER(n && size > SIZE_MAX / n ? NULL : boot_alloc(n * size, 16));
	int tracing = TRACING();
	if (!tracing && !boot_owns(p) && real_reallocarray)
		return real_reallocarray(p, n, size);
	int saved = tls_in_hook;
	tls_in_hook = 1;
	void *q = realloc_common(TRACE_OP_REALLOCARRAY, p, n, size, tracing);
	tls_in_hook = saved;
	return q;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	if (unlikely(!real_malloc)) {
		if (tls_booting) {
			void *p = boot_alloc(size, align);
			if (!p)
				return ENOMEM;
			*out = p;
			return 0;
		}
		trace_init();
	}
	if (!TRACING())
		return real_posix_memalign(out, align, size);
	tls_in_hook = 1;
	int ret = real_posix_memalign(out, align, size);
	if (ret == 0)
		track_new(TRACE_OP_POSIX_MEMALIGN, *out, align, size);
	tls_in_hook = 0;
	return ret;
}

/* aligned_alloc, memalign, valloc, pvalloc: the real one, or NULL/ENOMEM
 * when the next allocator lacks it. */
static void *aligned_common(unsigned op, size_t align, size_t size)
{
	void *(*fn2)(size_t, size_t) = op == TRACE_OP_ALIGNED_ALLOC ? real_aligned_alloc : real_memalign;
	void *(*fn1)(size_t) = op == TRACE_OP_VALLOC ? real_valloc : real_pvalloc;
	int two = op == TRACE_OP_ALIGNED_ALLOC || op == TRACE_OP_MEMALIGN;
	void *p;
	if (two ? !fn2 : !fn1) {
		errno = ENOMEM;
		return NULL;
	}
	if (!TRACING())
		return two ? fn2(align, size) : fn1(size);
	tls_in_hook = 1;
	p = two ? fn2(align, size) : fn1(size);
	if (p)
		track_new(op, p, two ? align : size, size);
	tls_in_hook = 0;
	return p;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
	ENTER(boot_alloc(size, align));
	return aligned_common(TRACE_OP_ALIGNED_ALLOC, align, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
	ENTER(boot_alloc(size, align));
	return aligned_common(TRACE_OP_MEMALIGN, align, size);
}

EXPORT void *valloc(size_t size)
{
	ENTER(boot_alloc(size, 4096));
	return aligned_common(TRACE_OP_VALLOC, 0, size);
}

EXPORT void *pvalloc(size_t size)
{
	ENTER(boot_alloc((size + 4095) & ~(size_t)4095, 4096));
	return aligned_common(TRACE_OP_PVALLOC, 0, size);
}

EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (boot_owns(p))
		return boot_size(p);
	ENTER(0);
	return real_malloc_usable_size ? real_malloc_usable_size(p) : 0;
}
