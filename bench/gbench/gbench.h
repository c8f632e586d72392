/*
 * gbench.h - Google Benchmark driven from C.
 *
 * The benchmarks are C functions; bench/gbench/shim.cc registers them with
 * Google Benchmark (1.7.x) and runs its main loop, so every standard flag
 * works (--benchmark_filter, --benchmark_min_time, --benchmark_format=json,
 * --benchmark_out, --benchmark_repetitions, ...).
 *
 * A body runs all the iterations of one run in its own C loop:
 *
 *     static void bm(gb_state *st, int64_t iters, int64_t arg)
 *     {
 *         for (int64_t i = 0; i < iters; i++)
 *             gb_escape(... work on arg ...);
 *         gb_set_items(st, iters);
 *     }
 *
 * The clock runs from before the call to after its return (the shim hands
 * the body one batch of state.max_iterations): no call crosses from C++ to C
 * per iteration. Work that must not be timed goes between gb_pause() and
 * gb_resume(); a body returns with the clock running.
 *
 * Glossary: st = one thread's view of one run (a benchmark::State);
 * run = one call of the body per thread, with an iteration count Google
 * Benchmark chose; arg = the benchmark's parameter (range(0)).
 */
#ifndef MALLARD_BENCH_GBENCH_H
#define MALLARD_BENCH_GBENCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gb_state gb_state;	/* benchmark::State, opaque */
typedef struct gb_bench gb_bench;	/* one registered benchmark family */

/* Run exactly `iters` iterations with parameter `arg` (0 if it has none). */
typedef void gb_body(gb_state *st, int64_t iters, int64_t arg);

/* Registration: before gb_main. The name is copied. */
gb_bench *gb_register(const char *name, gb_body *body);
/* One more instance with this argument. */
void gb_arg(gb_bench *b, int64_t arg);
/* Instances lo, the powers of mult between, and hi (RangeMultiplier+Range). */
void gb_range(gb_bench *b, int64_t lo, int64_t hi, int mult);
/* Name the argument: instances are reported as "name/ARGNAME:value". */
void gb_arg_name(gb_bench *b, const char *arg_name);
/* Run the body on n threads at once, thread indices 0 .. n-1. */
void gb_threads(gb_bench *b, int n);
/* Report wall-clock time, not CPU time, as the main figure (threads that wait). */
void gb_real_time(gb_bench *b);

/* Inside a body. */
int gb_thread_index(const gb_state *st);
int gb_thread_count(const gb_state *st);
void gb_pause(gb_state *st);
void gb_resume(gb_state *st);
/* items_per_second / bytes_per_second in the report (summed over threads). */
void gb_set_items(gb_state *st, int64_t items);
void gb_set_bytes(gb_state *st, int64_t bytes);
/* A user counter; flags as benchmark::Counter::Flags (shim.cc checks). */
#define GB_RATE 1u			/* divided by the run's time */
#define GB_AVG_THREADS 2u		/* divided by the thread count */
#define GB_ITER_INVARIANT 4u		/* multiplied by the iterations */
#define GB_AVG_ITERATIONS 8u		/* divided by the iterations */
#define GB_INVERT 0x80000000u		/* 1/x, applied last */
void gb_counter(gb_state *st, const char *name, double value, unsigned flags);
/* Mark the run failed ("error_occurred" in JSON); the body should return. */
void gb_error(gb_state *st, const char *msg);

/* Initialize (flags), RunSpecifiedBenchmarks, Shutdown. Exit status: 0, or
 * 1 when no benchmark matched --benchmark_filter, 2 for an unknown flag. */
int gb_main(int argc, char **argv);

/*
 * The compiler must assume p is read and all memory changed, so a malloc
 * whose result reaches gb_escape can be neither deleted nor merged with its
 * free (jemalloc's no_opt_ptr, benchmark::DoNotOptimize). Inline: a call
 * into the shim would cost as much as some of what is measured.
 */
static inline void gb_escape(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

#ifdef __cplusplus
}
#endif

#endif /* MALLARD_BENCH_GBENCH_H */
