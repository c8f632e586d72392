/*
 * test_cxx_new.cc - C++'s allocation operators are mallard's, and fail
 * the way the standard says.
 *
 * libmallard defines every replaceable operator new and delete (in C,
 * alloc/override_cxx.c). Linked with libmallard, this program must find
 * each of them in libmallard, get mallard's blocks (aligned as asked),
 * and on failure see what C++ promises: the new-handler called until it
 * gives up, then std::bad_alloc, or NULL from the nothrow forms. mallard
 * hands that loop to the C++ runtime, so these cases check the hand-over.
 *
 * C++ because only C++ can catch std::bad_alloc; the one C++ file of the
 * tests, built with the C++ compiler the benchmarks use.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>

#include <cstddef>
#include <new>

/* cmocka 1.1 declares print_error outside its extern "C" block */
extern "C" {
#include <cmocka.h>
}

#include "mallard.h"

/* A size no allocator can give: the operators' failure path. volatile, so
 * the compiler cannot see through the calls (it may drop a new whose
 * block is never used). */
static volatile size_t impossible = SIZE_MAX - (1u << 20);
static volatile size_t small = 48;

static void expect_in_mallard(const void *fn, const char *what)
{
	Dl_info info;
	if (dladdr(fn, &info) == 0 || info.dli_fname == NULL)
		fail_msg("%s: dladdr found no object for %p", what, fn);
	if (strstr(info.dli_fname, "libmallard") == NULL)
		fail_msg("%s is defined in %s, not in libmallard", what, info.dli_fname);
}

static void expect_mallards(void *p, size_t align, const char *what)
{
	if (p == NULL)
		fail_msg("%s returned NULL", what);
	if (mallard_owns(p) != 1)
		fail_msg("%s returned %p, which is not mallard's", what, p);
	if ((uintptr_t)p % align != 0)
		fail_msg("%s returned %p, not aligned to %zu", what, p, align);
}

/* Every replaceable operator resolves to libmallard's definition. */
static void test_operators_are_mallards(void **state)
{
	(void)state;
	struct {
		const void *fn;
		const char *what;
	} ops[] = {
#define OP(type, name, what) {reinterpret_cast<const void *>(static_cast<type>(name)), what}
		OP(void *(*)(size_t), &::operator new, "operator new(size_t)"),
		OP(void *(*)(size_t), &::operator new[], "operator new[](size_t)"),
		OP(void *(*)(size_t, const std::nothrow_t &) noexcept, &::operator new, "operator new(size_t, nothrow)"),
		OP(void *(*)(size_t, const std::nothrow_t &) noexcept, &::operator new[], "operator new[](size_t, nothrow)"),
		OP(void *(*)(size_t, std::align_val_t), &::operator new, "operator new(size_t, align)"),
		OP(void *(*)(size_t, std::align_val_t), &::operator new[], "operator new[](size_t, align)"),
		OP(void *(*)(size_t, std::align_val_t, const std::nothrow_t &) noexcept, &::operator new,
		   "operator new(size_t, align, nothrow)"),
		OP(void *(*)(size_t, std::align_val_t, const std::nothrow_t &) noexcept, &::operator new[],
		   "operator new[](size_t, align, nothrow)"),
		OP(void (*)(void *) noexcept, &::operator delete, "operator delete(void *)"),
		OP(void (*)(void *) noexcept, &::operator delete[], "operator delete[](void *)"),
		OP(void (*)(void *, size_t) noexcept, &::operator delete, "operator delete(void *, size_t)"),
		OP(void (*)(void *, size_t) noexcept, &::operator delete[], "operator delete[](void *, size_t)"),
		OP(void (*)(void *, const std::nothrow_t &) noexcept, &::operator delete, "operator delete(void *, nothrow)"),
		OP(void (*)(void *, const std::nothrow_t &) noexcept, &::operator delete[],
		   "operator delete[](void *, nothrow)"),
		OP(void (*)(void *, std::align_val_t) noexcept, &::operator delete, "operator delete(void *, align)"),
		OP(void (*)(void *, std::align_val_t) noexcept, &::operator delete[], "operator delete[](void *, align)"),
		OP(void (*)(void *, size_t, std::align_val_t) noexcept, &::operator delete,
		   "operator delete(void *, size_t, align)"),
		OP(void (*)(void *, size_t, std::align_val_t) noexcept, &::operator delete[],
		   "operator delete[](void *, size_t, align)"),
		OP(void (*)(void *, std::align_val_t, const std::nothrow_t &) noexcept, &::operator delete,
		   "operator delete(void *, align, nothrow)"),
		OP(void (*)(void *, std::align_val_t, const std::nothrow_t &) noexcept, &::operator delete[],
		   "operator delete[](void *, align, nothrow)"),
#undef OP
	};
	for (const auto &op : ops)
		expect_in_mallard(op.fn, op.what);
}

/* Each form of new gives a mallard block, and each delete gives it back:
 * the next block of that size is the same one (mallard reuses the block
 * freed last first). */
static void test_blocks_round_trip(void **state)
{
	(void)state;
	size_t n = small;
	void *p = ::operator new(n);
	expect_mallards(p, alignof(std::max_align_t), "operator new");
	::operator delete(p, n);
	void *q = ::operator new[](n, std::nothrow);
	expect_mallards(q, alignof(std::max_align_t), "operator new[](nothrow)");
	assert_ptr_equal(q, p);
	::operator delete[](q);

	static const size_t aligns[] = {64, 4096, 65536};
	for (size_t align : aligns) {
		void *a = ::operator new(n, std::align_val_t(align));
		expect_mallards(a, align, "operator new(align)");
		::operator delete(a, n, std::align_val_t(align));
		void *b = ::operator new[](n, std::align_val_t(align), std::nothrow);
		expect_mallards(b, align, "operator new[](align, nothrow)");
		::operator delete[](b, std::align_val_t(align));
	}
}

/* Out of memory: std::bad_alloc from the throwing forms. */
static void test_bad_alloc(void **state)
{
	(void)state;
	int thrown = 0;
	try {
		void *p = ::operator new(impossible);
		::operator delete(p);
	} catch (const std::bad_alloc &) {
		thrown++;
	}
	try {
		void *p = ::operator new[](impossible, std::align_val_t(4096));
		::operator delete[](p, std::align_val_t(4096));
	} catch (const std::bad_alloc &) {
		thrown++;
	}
	assert_int_equal(thrown, 2);
}

static int handler_calls;

/* Gives up on its second call, as a handler with nothing left to free does. */
static void handler_twice(void)
{
	if (++handler_calls == 2)
		std::set_new_handler(nullptr);
}

/* The new-handler runs between tries until it gives up; then the
 * throwing form throws and the nothrow form returns NULL. */
static void test_new_handler_loop(void **state)
{
	(void)state;
	handler_calls = 0;
	std::set_new_handler(handler_twice);
	bool thrown = false;
	try {
		void *p = ::operator new(impossible);
		::operator delete(p);
	} catch (const std::bad_alloc &) {
		thrown = true;
	}
	assert_true(thrown);
	assert_int_equal(handler_calls, 2);

	handler_calls = 0;
	std::set_new_handler(handler_twice);
	void *p = ::operator new(impossible, std::nothrow);
	assert_null(p);
	assert_int_equal(handler_calls, 2);
	assert_null(std::get_new_handler());

	assert_null(::operator new[](impossible, std::align_val_t(64), std::nothrow));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operators_are_mallards),
		cmocka_unit_test(test_blocks_round_trip),
		cmocka_unit_test(test_bad_alloc),
		cmocka_unit_test(test_new_handler_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
