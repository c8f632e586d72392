# tests/diag.mk - tests of the diagnostics in the library (included by
# Makefile.am): snapshots, writers, the MALLARD_STATS* options.
#
#   test_stats         snapshots add up, count a known pattern exactly,
#                      large/huge apart, bad arguments, JSON shape
#                      (libmallard-prefixed: the heap holds only the test's blocks)
#   test_stats_linked  reporting calls no malloc; snapshots while threads
#                      allocate (libmallard: malloc is mallard's)
#   test_sites         MALLARD_SITES: estimates, every free path, threads,
#                      2000 short threads, fork, a signal handler's sample,
#                      JSON, a bad value (each case in a fresh process)
#   check-stats-env.sh MALLARD_STATS=exit, _FORMAT, _FILE with %p, _INTERVAL_MS,
#                      _SIGNAL, fork, bad values (on stats_helper)

check_PROGRAMS += tests/diag/stats_helper
tests_diag_stats_helper_SOURCES = tests/diag/stats_helper.c
tests_diag_stats_helper_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_diag_stats_helper_LDADD = libmallard.la

DIAG_SHELL_TESTS = tests/diag/check-stats-env.sh
TESTS += $(DIAG_SHELL_TESTS)
EXTRA_DIST += $(DIAG_SHELL_TESTS)

if HAVE_CMOCKA
DIAG_CMOCKA_TESTS = tests/diag/test_stats tests/diag/test_stats_linked tests/diag/test_sites
check_PROGRAMS += $(DIAG_CMOCKA_TESTS)
TESTS += $(DIAG_CMOCKA_TESTS)

tests_diag_test_stats_SOURCES = tests/diag/test_stats.c
tests_diag_test_stats_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -fno-builtin
tests_diag_test_stats_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_diag_test_stats_LDADD = libmallard-prefixed.la $(CMOCKA_LIBS)

tests_diag_test_stats_linked_SOURCES = tests/diag/test_stats_linked.c
tests_diag_test_stats_linked_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -fno-builtin
tests_diag_test_stats_linked_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_diag_test_stats_linked_LDADD = libmallard.la $(CMOCKA_LIBS)

tests_diag_test_sites_SOURCES = tests/diag/test_sites.c
tests_diag_test_sites_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -fno-builtin
tests_diag_test_sites_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_diag_test_sites_LDADD = libmallard.la $(CMOCKA_LIBS)
endif
