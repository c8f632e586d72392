# bench/bench.mk - benchmark programs, the smoke test that runs them, and the
# scripts that compare allocators (bench/run, bench/compare, bench/callgrind,
# bench/purge-compare and its bench/runner/purge_report.py, bench/sites-cost,
# bench/suite;
# see their --help).
# The shell ones source bench/lib.sh, which asks bench/runner/cli.py where
# the build and the allocators of bench/peers.tsv are, as bench/run finds them.
#
# The programs are plain C linked against libc and pthread only - never
# against libmallard - so one binary is measured under every allocator by
# swapping it in with LD_PRELOAD. -fno-builtin-* keeps the compiler from
# deleting malloc/free pairs or turning malloc+memset into calloc: every call
# the source makes reaches the allocator through the PLT.
#
# They are check_PROGRAMS (so 'make check' builds them) that 'all-local' also
# depends on (so plain 'make' builds them too, for the scripts above): automake
# refuses 'noinst_PROGRAMS +=' without an earlier 'noinst_PROGRAMS =', and a
# second '=' in another fragment would clash.

BENCH_PROGS = bench/churn bench/pairs bench/purge bench/bigblocks
BENCH_FLAGS = $(AM_CFLAGS) -O2 -fno-builtin-malloc -fno-builtin-calloc \
	-fno-builtin-realloc -fno-builtin-free

check_PROGRAMS += $(BENCH_PROGS)
all-local: $(BENCH_PROGS) bench/mremap-refuse.la

# mremap as Linux before 6.17 does it, to preload ahead of an allocator
# (bench/mremap-refuse.c): a libtool module, never installed (-rpath only
# makes libtool build the shared object).
check_LTLIBRARIES = bench/mremap-refuse.la
bench_mremap_refuse_la_SOURCES = bench/mremap-refuse.c
bench_mremap_refuse_la_CFLAGS = $(AM_CFLAGS)
bench_mremap_refuse_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

bench_churn_SOURCES = bench/churn.c bench/cli.h bench/rng.h
bench_churn_CFLAGS = $(BENCH_FLAGS)
bench_churn_LDADD =

bench_pairs_SOURCES = bench/pairs.c bench/cli.h
bench_pairs_CFLAGS = $(BENCH_FLAGS)
bench_pairs_LDADD =

bench_bigblocks_SOURCES = bench/bigblocks.c bench/cli.h bench/rng.h
bench_bigblocks_CFLAGS = $(BENCH_FLAGS)
bench_bigblocks_LDADD =

# purge's modes blocked, remote and exit run a worker thread: -pthread comes
# with AM_CFLAGS (in BENCH_FLAGS) and AM_LDFLAGS.
bench_purge_SOURCES = bench/purge.c bench/rng.h
bench_purge_CFLAGS = $(BENCH_FLAGS)
bench_purge_LDADD =

# Run each program and interpreter workload once, tiny, normally and under
# LD_PRELOAD=$MALLARD_LIB (TAP, no timing); run bench/run end to end on one
# tiny benchmark and check its files and arithmetic (no timing either); the
# same for bench/purge's modes and bench/purge-compare's report.
TESTS += bench/smoke.sh bench/workloads/check-workloads.sh bench/run-selftest.sh \
	bench/purge-selftest.sh bench/suite-selftest.sh

# make bench: every benchmark under every allocator, for this build directory
# (bench/run; half an hour on 2 cores, BENCH_ARGS=--quick for a few minutes).
# A 32-bit build runs the 32-bit set. .PHONY: the build tree has a bench/
# directory.
.PHONY: bench
bench: all
	@m32=; if test '$(MALLARD_HOST_BITS)' = 32; then m32=--m32; fi; \
	echo "$(srcdir)/bench/run --build $(abs_builddir) $$m32 $(BENCH_ARGS)"; \
	$(srcdir)/bench/run --build '$(abs_builddir)' $$m32 $(BENCH_ARGS)

EXTRA_DIST += bench/smoke.sh bench/compare bench/callgrind bench/purge-compare bench/sites-cost \
	bench/suite bench/suite-selftest.sh \
	bench/lib.sh bench/peers.tsv bench/pyprobe.py \
	bench/cpython/build bench/cpython/README.md tests/cpython/check-cpython.sh \
	bench/run bench/run-selftest.sh bench/runner/__init__.py bench/runner/benchmarks.py \
	bench/runner/check_units.py bench/runner/check_svg.py bench/runner/cli.py \
	bench/runner/discover.py bench/runner/measure.py \
	bench/runner/progress.py bench/purge-selftest.sh bench/runner/purge_report.py \
	bench/runner/check_purge.py \
	bench/runner/report.py bench/runner/stats.py bench/runner/svg.py \
	bench/workloads/objects.py quickstart tests/run-all \
	bench/workloads/README.md bench/workloads/common.py \
	bench/workloads/dicts_strings.py bench/workloads/json_roundtrip.py \
	bench/workloads/regex_scan.py bench/workloads/generators_coroutines.py \
	bench/workloads/class_sim.py bench/workloads/service_loop.py \
	bench/workloads/frag_cache.py bench/workloads/xml_etree.py \
	bench/workloads/pickle_graph.py bench/workloads/deepcopy_nested.py bench/workloads/tables.lua \
	bench/workloads/strings.lua bench/workloads/objects.lua bench/workloads/common.lua \
	bench/workloads/check-workloads.sh
