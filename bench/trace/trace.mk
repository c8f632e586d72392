# bench/trace/trace.mk - allocation traces: libmallard-trace.so records a
# program's malloc-family calls (LD_PRELOAD, MALLARD_TRACE_FILE), and
# mallard-replay replays a trace through whatever malloc it runs with.
# Both are installed: users record their own programs. Format and semantics:
# bench/trace/format.h. (Included by Makefile.am, which defines
# bin_PROGRAMS.)
#
# The recorder is a libtool module (no version, no static archive needed)
# linked with -ldl for dlsym(RTLD_NEXT). Neither links libmallard: the
# replayer is measured under each allocator by LD_PRELOAD, like bench/*.
# -fno-builtin-*: every replayed call reaches the allocator.

lib_LTLIBRARIES += libmallard-trace.la
libmallard_trace_la_SOURCES = bench/trace/recorder.c bench/trace/format.h
libmallard_trace_la_CFLAGS = $(AM_CFLAGS) -O2 -fvisibility=hidden -ftls-model=initial-exec
libmallard_trace_la_LDFLAGS = -module -avoid-version -shared -no-undefined -pthread
libmallard_trace_la_LIBADD = -ldl

bin_PROGRAMS += mallard-replay
mallard_replay_SOURCES = bench/trace/replay.c bench/trace/format.h
mallard_replay_CFLAGS = $(AM_CFLAGS) -O2 -fno-builtin-malloc -fno-builtin-calloc \
	-fno-builtin-realloc -fno-builtin-free
mallard_replay_LDADD =

# The test's helper: a known sequence of calls from two threads.
check_PROGRAMS += tests/trace/trace_helper
tests_trace_trace_helper_SOURCES = tests/trace/trace_helper.c
tests_trace_trace_helper_CFLAGS = $(AM_CFLAGS) -fno-builtin
tests_trace_trace_helper_LDADD =

TESTS += tests/trace/check-trace.sh
EXTRA_DIST += tests/trace/check-trace.sh
