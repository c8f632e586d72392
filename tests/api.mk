# tests/api.mk - conformance tests of the public API (included by Makefile.am).
#
# One program per topic under tests/api/; each prints TAP (cmocka with
# CMOCKA_MESSAGE_OUTPUT=TAP, the shell scripts by hand).
#
#   test_align        alignment, usable size, malloc(0), free(NULL)
#   test_realloc      realloc/reallocarray keep content across size classes
#   test_calloc       calloc zeroes recycled (dirty) memory
#   test_badinput     overflow, bad alignments: same result and errno as glibc
#   test_invalid_free invalid and double free abort (or are ignored on request)
#   test_introspect   mallinfo2/mallinfo, malloc_trim, malloc_stats, malloc_info
#   test_prefixed     libmallard-prefixed beside the C library's malloc
#   test_link         linked with libmallard (shared), malloc is mallard's
#   test_link_static  the same with libmallard.a (libtool -static)
#   test_cxx_new      C++'s operators new and delete are mallard's (C++)
#   check-options.sh  a bad MALLARD_* value warns once and is ignored
#   check-exports.sh  nm -D of both libraries against tests/api/exports.txt
#
# -no-install: libtool links the program itself (rpath to the build tree)
# instead of a wrapper script, so a test can re-exec /proc/self/exe and the
# shell tests can run the helpers directly.
# -fno-builtin: the compiler must not fold or drop malloc/free pairs, nor
# assume anything about what the allocator returns: the tests check exactly that.

API_TEST_CC_FLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -fno-builtin
API_TEST_LD_FLAGS = $(AM_LDFLAGS) -no-install
API_TEST_LD_LIBS = libmallard.la $(CMOCKA_LIBS)

# Helpers for check-options.sh: one malloc/free, nothing printed.
check_PROGRAMS += tests/api/helper_plain tests/api/helper_linked
tests_api_helper_plain_SOURCES = tests/api/helper.c
tests_api_helper_plain_CPPFLAGS = $(AM_CPPFLAGS) -DHELPER_KIND=\"plain\"
tests_api_helper_linked_SOURCES = tests/api/helper.c
tests_api_helper_linked_CPPFLAGS = $(AM_CPPFLAGS) -DHELPER_KIND=\"linked\"
tests_api_helper_linked_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_helper_linked_LDADD = libmallard.la

API_SHELL_TESTS = tests/api/check-exports.sh tests/api/check-options.sh
TESTS += $(API_SHELL_TESTS)
EXTRA_DIST += $(API_SHELL_TESTS) tests/api/exports.txt

if HAVE_CMOCKA
API_CMOCKA_TESTS = \
	tests/api/test_align \
	tests/api/test_realloc \
	tests/api/test_calloc \
	tests/api/test_badinput \
	tests/api/test_invalid_free \
	tests/api/test_introspect \
	tests/api/test_prefixed \
	tests/api/test_link \
	tests/api/test_link_static \
	tests/api/test_cxx_new
check_PROGRAMS += $(API_CMOCKA_TESTS)
TESTS += $(API_CMOCKA_TESTS)

tests_api_test_align_SOURCES = tests/api/test_align.c tests/api/api.h
tests_api_test_align_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_align_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_align_LDADD = $(API_TEST_LD_LIBS)

tests_api_test_realloc_SOURCES = tests/api/test_realloc.c tests/api/api.h
tests_api_test_realloc_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_realloc_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_realloc_LDADD = $(API_TEST_LD_LIBS)

tests_api_test_calloc_SOURCES = tests/api/test_calloc.c tests/api/api.h
tests_api_test_calloc_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_calloc_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_calloc_LDADD = $(API_TEST_LD_LIBS)

tests_api_test_badinput_SOURCES = tests/api/test_badinput.c tests/api/api.h
tests_api_test_badinput_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_badinput_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_badinput_LDADD = $(API_TEST_LD_LIBS)

tests_api_test_invalid_free_SOURCES = tests/api/test_invalid_free.c
tests_api_test_invalid_free_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_invalid_free_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_invalid_free_LDADD = $(API_TEST_LD_LIBS)

tests_api_test_introspect_SOURCES = tests/api/test_introspect.c tests/api/api.h
tests_api_test_introspect_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_introspect_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_introspect_LDADD = $(API_TEST_LD_LIBS)

# Beside glibc's malloc: libmallard-prefixed, never libmallard.
tests_api_test_prefixed_SOURCES = tests/api/test_prefixed.c tests/api/api.h
tests_api_test_prefixed_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_prefixed_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_prefixed_LDADD = libmallard-prefixed.la $(CMOCKA_LIBS)

tests_api_test_link_SOURCES = tests/api/test_link.c
tests_api_test_link_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_link_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_link_LDADD = $(API_TEST_LD_LIBS)

# -static: libtool links libmallard.a into the program (libc stays shared).
tests_api_test_link_static_SOURCES = tests/api/test_link.c
tests_api_test_link_static_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_LINK_STATIC=1
tests_api_test_link_static_CFLAGS = $(API_TEST_CC_FLAGS)
tests_api_test_link_static_LDFLAGS = $(AM_LDFLAGS) -static
tests_api_test_link_static_LDADD = $(API_TEST_LD_LIBS)

# The one C++ test: only C++ can catch std::bad_alloc.
tests_api_test_cxx_new_SOURCES = tests/api/test_cxx_new.cc
# -fsized-deallocation: clang 14 declares the sized deletes only with it
tests_api_test_cxx_new_CXXFLAGS = $(WARN_CXXFLAGS) $(CMOCKA_CFLAGS) -std=c++17 -fsized-deallocation -fno-builtin -pthread
tests_api_test_cxx_new_LDFLAGS = $(API_TEST_LD_FLAGS)
tests_api_test_cxx_new_LDADD = $(API_TEST_LD_LIBS)
endif
