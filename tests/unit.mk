# Unit tests of the allocator's internals: each includes lib/unity.c
# (built without the override, so cmocka keeps glibc's malloc) and reaches
# the static functions directly, like jemalloc's JET build.

if HAVE_CMOCKA
UNIT_TESTS = tests/unit/test_sizeclass tests/unit/test_page tests/unit/test_segment tests/unit/test_growth \
	tests/unit/test_pieces tests/unit/test_runs
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LIBS = $(CMOCKA_LIBS)

tests_unit_test_sizeclass_SOURCES = tests/unit/test_sizeclass.c tests/unit/unit.h
tests_unit_test_sizeclass_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sizeclass_LDADD = $(UNIT_LIBS)

tests_unit_test_page_SOURCES = tests/unit/test_page.c tests/unit/unit.h
tests_unit_test_page_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_page_LDADD = $(UNIT_LIBS)

tests_unit_test_segment_SOURCES = tests/unit/test_segment.c tests/unit/unit.h
tests_unit_test_segment_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_segment_LDADD = $(UNIT_LIBS)

tests_unit_test_growth_SOURCES = tests/unit/test_growth.c tests/unit/unit.h
tests_unit_test_growth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_growth_LDADD = $(UNIT_LIBS)

tests_unit_test_runs_SOURCES = tests/unit/test_runs.c tests/unit/unit.h
tests_unit_test_runs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runs_LDADD = $(UNIT_LIBS)

tests_unit_test_pieces_SOURCES = tests/unit/test_pieces.c tests/unit/unit.h
tests_unit_test_pieces_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pieces_LDADD = $(UNIT_LIBS)
endif
