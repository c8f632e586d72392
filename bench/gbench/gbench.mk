# bench/gbench/gbench.mk - mallard-gbench, the Google Benchmark
# micro-benchmarks (C bodies behind the C++ glue in bench/gbench/shim.cc),
# and its smoke test.
#
# Built only when configure found Google Benchmark (libbenchmark-dev). As in
# bench/bench.mk: linked against libc, pthread and libbenchmark - never
# libmallard - so one binary is measured under every allocator through
# LD_PRELOAD; -fno-builtin-* (BENCH_FLAGS) keeps every allocator call in the
# source; a check_PROGRAM that 'all-local' also builds. The .cc source makes
# libtool link it with the C++ compiler.
#
# The smoke test is listed either way: without the program it reports SKIP.

GBENCH_PROGS =
if HAVE_BENCHMARK
GBENCH_PROGS += bench/gbench/mallard-gbench
check_PROGRAMS += bench/gbench/mallard-gbench

bench_gbench_mallard_gbench_SOURCES = bench/gbench/gbench.h bench/gbench/shim.cc \
	bench/gbench/micro.h bench/gbench/micro.c bench/gbench/pairs.c \
	bench/gbench/aligned.c bench/gbench/batch.c bench/gbench/grow.c \
	bench/gbench/xthread.c bench/gbench/mix.c bench/rng.h
bench_gbench_mallard_gbench_CFLAGS = $(BENCH_FLAGS)
bench_gbench_mallard_gbench_CXXFLAGS = $(WARN_CXXFLAGS) $(BENCHMARK_CFLAGS) -O2 -pthread
bench_gbench_mallard_gbench_LDADD = $(BENCHMARK_LIBS)
endif
all-local: $(GBENCH_PROGS)

TESTS += bench/gbench/smoke.sh
EXTRA_DIST += bench/gbench/smoke.sh
