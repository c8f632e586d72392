# tests/stress.mk - stress tests: threads, cross-thread frees, thread churn,
# fork under threads, 32-bit address space, the memory of an idle thread
# purged by the others, freed memory given back on time by the background
# thread whatever the program does next. Each program runs in a few seconds on 2 cores and
# arms a watchdog so that a deadlock fails it.

if HAVE_CMOCKA
STRESS_TESTS = \
	tests/stress/test_threads \
	tests/stress/test_crossthread \
	tests/stress/test_churn \
	tests/stress/test_fork \
	tests/stress/test_addrspace \
	tests/stress/test_idle_purge \
	tests/stress/test_background \
	tests/stress/test_background_tls

check_PROGRAMS += $(STRESS_TESTS)
TESTS += $(STRESS_TESTS)

STRESS_COMMON = tests/stress/stress.c tests/stress/stress.h
# -fno-builtin: the compiler must not fold malloc/free pairs away.
# -no-install: no libtool wrapper script, so gdb and LD_* work on the binary.
STRESS_COMPILE_FLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -fno-builtin
STRESS_LINK_FLAGS = $(AM_LDFLAGS) -no-install
STRESS_LIBS = libmallard.la $(CMOCKA_LIBS)

tests_stress_test_threads_SOURCES = tests/stress/test_threads.c $(STRESS_COMMON)
tests_stress_test_threads_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_threads_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_threads_LDADD = $(STRESS_LIBS)

tests_stress_test_crossthread_SOURCES = tests/stress/test_crossthread.c $(STRESS_COMMON)
tests_stress_test_crossthread_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_crossthread_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_crossthread_LDADD = $(STRESS_LIBS)

tests_stress_test_churn_SOURCES = tests/stress/test_churn.c $(STRESS_COMMON)
tests_stress_test_churn_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_churn_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_churn_LDADD = $(STRESS_LIBS)

tests_stress_test_fork_SOURCES = tests/stress/test_fork.c $(STRESS_COMMON)
tests_stress_test_fork_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_fork_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_fork_LDADD = $(STRESS_LIBS)

tests_stress_test_addrspace_SOURCES = tests/stress/test_addrspace.c $(STRESS_COMMON)
tests_stress_test_addrspace_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_addrspace_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_addrspace_LDADD = $(STRESS_LIBS)
tests_stress_test_idle_purge_SOURCES = tests/stress/test_idle_purge.c $(STRESS_COMMON)
tests_stress_test_idle_purge_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_idle_purge_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_idle_purge_LDADD = $(STRESS_LIBS)

tests_stress_test_background_SOURCES = tests/stress/test_background.c $(STRESS_COMMON)
tests_stress_test_background_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_background_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_background_LDADD = $(STRESS_LIBS)

# the same cases with more static TLS than the background thread's stack holds
tests_stress_test_background_tls_SOURCES = tests/stress/test_background.c $(STRESS_COMMON)
tests_stress_test_background_tls_CPPFLAGS = $(AM_CPPFLAGS) -DBIG_TLS
tests_stress_test_background_tls_CFLAGS = $(STRESS_COMPILE_FLAGS)
tests_stress_test_background_tls_LDFLAGS = $(STRESS_LINK_FLAGS)
tests_stress_test_background_tls_LDADD = $(STRESS_LIBS)
endif
