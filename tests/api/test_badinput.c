/*
 * test_badinput.c - sizes that overflow and alignments that are not
 * allowed: mallard answers as glibc does, NULL-ness and errno included.
 *
 * glibc's own functions come from dlopen("libc.so.6") + dlsym: those are
 * the C library's even though this program links libmallard (which makes
 * malloc, ... mallard's). Each case calls glibc first (freeing what it gets
 * with glibc's free), then mallard, and compares. Run through the process
 * names and through the mallard_* twins.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"

#define HALF ((size_t)1 << (sizeof(size_t) * 8 / 2)) /* 2^32 or 2^16 */

/* glibc's own, filled in by setup_glibc(). */
static struct api glibc = { .name = "glibc" };

static void *must_dlsym(void *handle, const char *name)
{
	void *f = dlsym(handle, name);

	if (f == NULL)
		fprintf(stderr, "dlsym(libc.so.6, %s): %s\n", name, dlerror());
	return f;
}

/* glibc 2.36 malloc/reallocarray.c, on glibc's own realloc. */
static void *glibc_reallocarray(void *p, size_t count, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(count, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return glibc.realloc_fn(p, bytes);
}

static int setup_glibc(void **state)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	(void)state;
	if (libc == NULL)
		libc = dlopen("libc.so.6", RTLD_NOW);
	if (libc == NULL) {
		fprintf(stderr, "dlopen(libc.so.6): %s\n", dlerror());
		return -1;
	}
#define LOAD(field, name) (glibc.field = (__typeof__(glibc.field))must_dlsym(libc, name))
	LOAD(malloc_fn, "malloc");
	LOAD(calloc_fn, "calloc");
	LOAD(realloc_fn, "realloc");
	/* not glibc's reallocarray: it calls realloc through the PLT, which is
	 * mallard's here; glibc_reallocarray does what it does with glibc's */
	glibc.reallocarray_fn = glibc_reallocarray;
	LOAD(free_fn, "free");
	LOAD(posix_memalign_fn, "posix_memalign");
	LOAD(aligned_alloc_fn, "aligned_alloc");
	LOAD(memalign_fn, "memalign");
	LOAD(valloc_fn, "valloc");
	LOAD(pvalloc_fn, "pvalloc");
#undef LOAD
	return glibc.malloc_fn && glibc.calloc_fn && glibc.realloc_fn && glibc.reallocarray_fn &&
	       glibc.free_fn && glibc.posix_memalign_fn && glibc.aligned_alloc_fn &&
	       glibc.memalign_fn && glibc.valloc_fn && glibc.pvalloc_fn ? 0 : -1;
}

/* The comparison means something only if glibc's functions are not the
 * process ones (which this program gets from libmallard). */
static void test_glibc_is_separate(void **state)
{
	void *p;

	(void)state;
	assert_true((void *)glibc.malloc_fn != (void *)api_std.malloc_fn);
	assert_true((void *)glibc.free_fn != (void *)api_std.free_fn);
	p = glibc.malloc_fn(32);
	assert_non_null(p);
	assert_int_equal(mallard_owns(p), 0);
	glibc.free_fn(p);
}

/* What one call gave. */
struct outcome {
	int ok;			/* got a block (or posix_memalign returned 0) */
	int err;		/* errno after the call, or posix_memalign's result */
	int untouched;		/* posix_memalign left *out alone */
	const char *problem;	/* a broken promise seen by the run, or NULL */
};

/* printf into a static buffer: the call being checked, for messages. */
static const char *describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *describe(const char *fmt, ...)
{
	static char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return buf;
}

/* got (mallard through api) must match want (glibc). */
static void same(const struct api *api, struct outcome want, struct outcome got, const char *call)
{
	if (want.problem != NULL)
		fail_msg("test model wrong: glibc %s: %s", call, want.problem);
	if (got.problem != NULL)
		fail_msg("%s: %s: %s", api->name, call, got.problem);
	if (want.ok != got.ok || (!want.ok && want.err != got.err))
		fail_msg("%s: %s gave %s (error %d %s), glibc gave %s (error %d %s)", api->name, call,
			 got.ok ? "success" : "failure", got.err, strerror(got.err),
			 want.ok ? "success" : "failure", want.err, strerror(want.err));
	if (want.untouched != got.untouched)
		fail_msg("%s: %s %s *out, glibc %s it", api->name, call,
			 got.untouched ? "left" : "wrote", want.untouched ? "left" : "wrote");
}

/* Run a case on glibc, then on mallard through api (glibc's block, if any,
 * is freed first), and compare. */
#define SAME(api, call, run, ...) do { \
	struct outcome want_ = run(&glibc, __VA_ARGS__); \
	struct outcome got_ = run((api), __VA_ARGS__); \
	same((api), want_, got_, (call)); \
} while (0)

static size_t next_pow2(size_t x)
{
	size_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

static struct outcome run_malloc(const struct api *a, size_t n)
{
	struct outcome o = { 0 };
	void *p;

	errno = 0;
	p = a->malloc_fn(n);
	o.err = errno;
	o.ok = p != NULL;
	if (p != NULL) {
		if (((uintptr_t)p & 15) != 0)
			o.problem = "block not 16-aligned";
		a->free_fn(p);	/* before the other allocator tries */
	}
	return o;
}

static struct outcome run_calloc(const struct api *a, size_t count, size_t size)
{
	struct outcome o = { 0 };
	void *p;

	errno = 0;
	p = a->calloc_fn(count, size);
	o.err = errno;
	o.ok = p != NULL;
	if (p != NULL)
		a->free_fn(p);
	return o;
}

/* realloc or reallocarray of a live 100-byte block; on failure the old
 * block must be intact and still work (unless the new size is 0: glibc
 * then frees the block and returns NULL). */
static struct outcome run_realloc(const struct api *a, size_t count, size_t size, int array)
{
	struct outcome o = { 0 };
	unsigned char *p = a->malloc_fn(100);
	unsigned char *q;

	assert_non_null(p);
	for (int i = 0; i < 100; i++)
		p[i] = (unsigned char)(i * 3 + 1);
	errno = 0;
	q = array ? a->reallocarray_fn(p, count, size) : a->realloc_fn(p, size);
	o.err = errno;
	o.ok = q != NULL;
	if (q != NULL) {
		a->free_fn(q);
		return o;
	}
	size_t bytes;
	if (!__builtin_mul_overflow(count, size, &bytes) && bytes == 0)
		return o; /* realloc(p, 0): p was freed */
	for (int i = 0; i < 100; i++)
		if (p[i] != (unsigned char)(i * 3 + 1)) {
			o.problem = "failed, and the old block changed";
			break;
		}
	q = a->realloc_fn(p, 5000);
	if (q == NULL) {
		o.problem = "failed, and the old block cannot grow afterwards";
		a->free_fn(p);
		return o;
	}
	for (int i = 0; i < 100; i++)
		if (q[i] != (unsigned char)(i * 3 + 1)) {
			o.problem = "failed, and the old block lost its content when grown afterwards";
			break;
		}
	a->free_fn(q);
	return o;
}

static struct outcome run_realloc_size(const struct api *a, size_t size)
{
	return run_realloc(a, 1, size, 0);
}

static struct outcome run_reallocarray(const struct api *a, size_t count, size_t size)
{
	return run_realloc(a, count, size, 1);
}

static struct outcome run_reallocarray_null(const struct api *a, size_t count, size_t size)
{
	struct outcome o = { 0 };
	void *p;

	errno = 0;
	p = a->reallocarray_fn(NULL, count, size);
	o.err = errno;
	o.ok = p != NULL;
	if (p != NULL)
		a->free_fn(p);
	return o;
}

/* realloc(p, 0): glibc frees p and returns NULL. */
static struct outcome run_realloc_zero(const struct api *a, size_t from)
{
	struct outcome o = { 0 };
	void *p = a->malloc_fn(from);
	void *q;

	assert_non_null(p);
	errno = 0;
	q = a->realloc_fn(p, 0);
	o.err = errno;
	o.ok = q != NULL;
	if (q != NULL)
		a->free_fn(q);
	return o;
}

static struct outcome run_posix_memalign(const struct api *a, size_t align, size_t size)
{
	struct outcome o = { 0 };
	void *const sentinel = (void *)&o;
	void *p = sentinel;

	o.err = a->posix_memalign_fn(&p, align, size);
	o.ok = o.err == 0;
	o.untouched = p == sentinel;
	if (o.ok) {
		if (p == NULL || p == sentinel)
			o.problem = "returned 0 without a block";
		else if (((uintptr_t)p & (align - 1)) != 0)
			o.problem = "block not aligned";
		if (p != sentinel)
			a->free_fn(p);
		o.err = 0;
	}
	return o;
}

/* aligned_alloc (which = 0) or memalign (which = 1). glibc 2.36 rounds an
 * alignment that is not a power of two up to the next one: a block that
 * comes back must be aligned that much. */
static struct outcome run_aligned(const struct api *a, int which, size_t align, size_t size)
{
	struct outcome o = { 0 };
	void *p;

	errno = 0;
	p = which == 0 ? a->aligned_alloc_fn(align, size) : a->memalign_fn(align, size);
	o.err = errno;
	o.ok = p != NULL;
	if (p != NULL) {
		size_t need = next_pow2(align);

		if (((uintptr_t)p & (need - 1)) != 0)
			o.problem = "block not aligned to the alignment rounded up to a power of two";
		a->free_fn(p);
	}
	return o;
}

static struct outcome run_aligned_alloc(const struct api *a, size_t align, size_t size)
{
	return run_aligned(a, 0, align, size);
}

static struct outcome run_memalign(const struct api *a, size_t align, size_t size)
{
	return run_aligned(a, 1, align, size);
}

static struct outcome run_valloc(const struct api *a, size_t size)
{
	struct outcome o = { 0 };
	void *p;

	errno = 0;
	p = a->valloc_fn(size);
	o.err = errno;
	o.ok = p != NULL;
	if (p != NULL)
		a->free_fn(p);
	return o;
}

static struct outcome run_pvalloc(const struct api *a, size_t size)
{
	struct outcome o = { 0 };
	void *p;

	errno = 0;
	p = a->pvalloc_fn(size);
	o.err = errno;
	o.ok = p != NULL;
	if (p != NULL)
		a->free_fn(p);
	return o;
}

static void test_malloc_too_big(void **state)
{
	const struct api *api = *state;
	size_t sizes[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4095, (size_t)PTRDIFF_MAX + 1,
			   (size_t)PTRDIFF_MAX + 4096,
			   /* == PTRDIFF_MAX: glibc fails on 64-bit, and on 32-bit
			    * may map 2 GiB; mallard must do as it does */
			   SIZE_MAX / 2 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		SAME(api, describe("malloc(%#zx)", sizes[i]), run_malloc, sizes[i]);
}

static void test_calloc_overflow(void **state)
{
	const struct api *api = *state;
	size_t cases[][2] = {
		{ SIZE_MAX / 2 + 1, 4 }, { 4, SIZE_MAX / 2 + 1 },
		{ SIZE_MAX, 1 }, { 1, SIZE_MAX }, { SIZE_MAX, SIZE_MAX },
		{ SIZE_MAX / 2 + 1, 2 }, { HALF + 1, HALF + 1 }, { HALF, HALF },
		{ (size_t)PTRDIFF_MAX + 1, 1 },
		/* no overflow: zero bytes */
		{ 0, SIZE_MAX }, { SIZE_MAX, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		SAME(api, describe("calloc(%#zx, %#zx)", cases[i][0], cases[i][1]), run_calloc,
		     cases[i][0], cases[i][1]);
}

/* realloc(p, too much): NULL + ENOMEM, p intact and still usable. */
static void test_realloc_too_big(void **state)
{
	const struct api *api = *state;
	/* SIZE_MAX / 2 == PTRDIFF_MAX is impossible on 64-bit; on 32-bit it is
	 * 2 GiB, which either allocator may or may not find room for depending
	 * on the address space the test process has left: not a bad input. */
	size_t sizes[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4095, (size_t)PTRDIFF_MAX + 1,
			   sizeof(void *) == 8 ? SIZE_MAX / 2 : (size_t)PTRDIFF_MAX + 2 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		SAME(api, describe("realloc(p, %#zx)", sizes[i]), run_realloc_size, sizes[i]);
}

static void test_realloc_to_zero(void **state)
{
	const struct api *api = *state;
	size_t from[] = { 1, 100, 5000, 300 * KiB, 10 * MiB };

	for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
		SAME(api, describe("realloc(p of %zu bytes, 0)", from[i]), run_realloc_zero, from[i]);
}

static void test_reallocarray_overflow(void **state)
{
	const struct api *api = *state;
	size_t cases[][2] = {
		{ SIZE_MAX / 2 + 1, 2 }, { 2, SIZE_MAX / 2 + 1 }, { SIZE_MAX, SIZE_MAX },
		{ HALF + 1, HALF + 1 }, { SIZE_MAX, 2 }, { SIZE_MAX, 1 },
		/* no overflow */
		{ 0, SIZE_MAX }, { 10, 10 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		SAME(api, describe("reallocarray(p, %#zx, %#zx)", cases[i][0], cases[i][1]),
		     run_reallocarray, cases[i][0], cases[i][1]);
		SAME(api, describe("reallocarray(NULL, %#zx, %#zx)", cases[i][0], cases[i][1]),
		     run_reallocarray_null, cases[i][0], cases[i][1]);
	}
}

static void test_posix_memalign_bad_alignment(void **state)
{
	const struct api *api = *state;
	size_t aligns[] = { 0, 1, 2, 3, sizeof(void *) / 2, sizeof(void *) + 1, 12, 24, 48,
			    3 * sizeof(void *), 100, 1000, 4095, 4097, 65536 + 16, (size_t)1 << 20 | 8,
			    SIZE_MAX / 2, SIZE_MAX / 2 + 2, SIZE_MAX - 7, SIZE_MAX };
	size_t sizes[] = { 0, 1, 100, 5000 };

	for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++)
		for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			SAME(api, describe("posix_memalign(&p, %#zx, %zu)", aligns[i], sizes[j]),
			     run_posix_memalign, aligns[i], sizes[j]);
			/* and the contract itself: EINVAL, *out untouched */
			struct outcome o = run_posix_memalign(api, aligns[i], sizes[j]);
			if (o.ok || o.err != EINVAL || !o.untouched)
				fail_msg("%s: posix_memalign(&p, %#zx, %zu): returned %d, *out %s",
					 api->name, aligns[i], sizes[j], o.err,
					 o.untouched ? "untouched" : "written");
		}
}

static void test_posix_memalign_too_big(void **state)
{
	const struct api *api = *state;
	size_t aligns[] = { sizeof(void *), 16, 64, 4096, MiB, 16 * MiB, SIZE_MAX / 2 + 1 };
	size_t sizes[] = { SIZE_MAX, SIZE_MAX - 4095, (size_t)PTRDIFF_MAX + 1, 1 };

	for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++)
		for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			if (sizes[j] == 1 && aligns[i] != SIZE_MAX / 2 + 1)
				continue;
			SAME(api, describe("posix_memalign(&p, %#zx, %#zx)", aligns[i], sizes[j]),
			     run_posix_memalign, aligns[i], sizes[j]);
			struct outcome o = run_posix_memalign(api, aligns[i], sizes[j]);
			if (o.ok || o.err != ENOMEM)
				fail_msg("%s: posix_memalign(&p, %#zx, %#zx) returned %d, not ENOMEM",
					 api->name, aligns[i], sizes[j], o.err);
		}
}

/* Odd and extreme alignments, and too-big sizes, for aligned_alloc and
 * memalign: whatever glibc 2.36 does (it rounds a non-power-of-two
 * alignment up, rejects one above SIZE_MAX / 2 + 1 with EINVAL). */
static const size_t odd_aligns[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 17, 24, 31, 33, 48, 96, 100, 1000, 4095, 4097,
	65537, ((size_t)1 << 20) + 1, 3 * ((size_t)1 << 20),
	SIZE_MAX / 2, SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 2, SIZE_MAX - 1, SIZE_MAX,
};
static const size_t odd_sizes[] = { 0, 1, 100, 5000, SIZE_MAX, SIZE_MAX - 4095, (size_t)PTRDIFF_MAX + 1 };

static void test_aligned_alloc_odd(void **state)
{
	const struct api *api = *state;

	for (size_t i = 0; i < sizeof odd_aligns / sizeof odd_aligns[0]; i++)
		for (size_t j = 0; j < sizeof odd_sizes / sizeof odd_sizes[0]; j++)
			SAME(api, describe("aligned_alloc(%#zx, %#zx)", odd_aligns[i], odd_sizes[j]),
			     run_aligned_alloc, odd_aligns[i], odd_sizes[j]);
}

static void test_memalign_odd(void **state)
{
	const struct api *api = *state;

	for (size_t i = 0; i < sizeof odd_aligns / sizeof odd_aligns[0]; i++)
		for (size_t j = 0; j < sizeof odd_sizes / sizeof odd_sizes[0]; j++)
			SAME(api, describe("memalign(%#zx, %#zx)", odd_aligns[i], odd_sizes[j]),
			     run_memalign, odd_aligns[i], odd_sizes[j]);
}

static void test_valloc_pvalloc_too_big(void **state)
{
	const struct api *api = *state;
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	size_t sizes[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - ps + 1, SIZE_MAX - ps, SIZE_MAX - 2 * ps,
			   SIZE_MAX - 2 * ps + 2, (size_t)PTRDIFF_MAX + 1, (size_t)PTRDIFF_MAX + 2 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		SAME(api, describe("valloc(%#zx)", sizes[i]), run_valloc, sizes[i]);
		SAME(api, describe("pvalloc(%#zx)", sizes[i]), run_pvalloc, sizes[i]);
	}
	/* the contract itself */
	struct outcome o = run_valloc(api, SIZE_MAX);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: valloc(SIZE_MAX): ok %d errno %d", api->name, o.ok, o.err);
	o = run_pvalloc(api, SIZE_MAX);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: pvalloc(SIZE_MAX): ok %d errno %d", api->name, o.ok, o.err);
}

/* The contract spelled out, beside the comparison: these fail with ENOMEM. */
static void test_enomem_contract(void **state)
{
	const struct api *api = *state;
	struct outcome o;

	o = run_malloc(api, SIZE_MAX);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: malloc(SIZE_MAX): ok %d errno %d", api->name, o.ok, o.err);
	o = run_malloc(api, (size_t)PTRDIFF_MAX + 1);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: malloc(PTRDIFF_MAX + 1): ok %d errno %d", api->name, o.ok, o.err);
	o = run_calloc(api, SIZE_MAX / 2 + 1, 4);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: calloc(SIZE_MAX / 2 + 1, 4): ok %d errno %d", api->name, o.ok, o.err);
	o = run_calloc(api, SIZE_MAX, 1);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: calloc(SIZE_MAX, 1): ok %d errno %d", api->name, o.ok, o.err);
	o = run_reallocarray(api, SIZE_MAX / 2 + 1, 2);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: reallocarray(p, SIZE_MAX / 2 + 1, 2): ok %d errno %d", api->name, o.ok, o.err);
	o = run_realloc_size(api, SIZE_MAX);
	if (o.ok || o.err != ENOMEM)
		fail_msg("%s: realloc(p, SIZE_MAX): ok %d errno %d", api->name, o.ok, o.err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glibc_is_separate),
		BOTH(test_malloc_too_big),
		BOTH(test_calloc_overflow),
		BOTH(test_realloc_too_big),
		BOTH(test_realloc_to_zero),
		BOTH(test_reallocarray_overflow),
		BOTH(test_posix_memalign_bad_alignment),
		BOTH(test_posix_memalign_too_big),
		BOTH(test_aligned_alloc_odd),
		BOTH(test_memalign_odd),
		BOTH(test_valloc_pvalloc_too_big),
		BOTH(test_enomem_contract),
	};

	return cmocka_run_group_tests_name("badinput", tests, setup_glibc, NULL);
}
