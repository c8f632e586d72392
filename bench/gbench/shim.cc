// shim.cc - the C++ side of gbench.h: each gb_* function forwards to Google
// Benchmark (1.7.x). Glue only; the benchmarks are C (bench/gbench/*.c).

#include <benchmark/benchmark.h>

#include "bench/gbench/gbench.h"

using benchmark::Counter;
using benchmark::State;

static_assert(GB_RATE == Counter::kIsRate && GB_AVG_THREADS == Counter::kAvgThreads &&
		      GB_ITER_INVARIANT == Counter::kIsIterationInvariant &&
		      GB_AVG_ITERATIONS == Counter::kAvgIterations &&
		      GB_INVERT == static_cast<unsigned>(Counter::kInvert),
	      "gbench.h counter flags differ from benchmark::Counter::Flags");

// has_arg: State::range(0) exists only for a family given an argument.
struct gb_bench {
	benchmark::internal::Benchmark *bm;
	gb_body *body;
	bool has_arg;
};

static State &S(gb_state *st) { return *reinterpret_cast<State *>(st); }
static const State &S(const gb_state *st) { return *reinterpret_cast<const State *>(st); }

gb_bench *gb_register(const char *name, gb_body *body)
{
	gb_bench *b = new gb_bench{nullptr, body, false};	// lives as long as the program
	b->bm = benchmark::RegisterBenchmark(name, [b](State &st) {
		int64_t arg = b->has_arg ? st.range(0) : 0;
		// One batch of max_iterations: the loop runs once, the body does every iteration.
		while (st.KeepRunningBatch(st.max_iterations))
			b->body(reinterpret_cast<gb_state *>(&st), st.max_iterations, arg);
	});
	return b;
}

void gb_arg(gb_bench *b, int64_t arg) { b->bm->Arg(arg); b->has_arg = true; }

void gb_range(gb_bench *b, int64_t lo, int64_t hi, int mult)
{
	b->bm->RangeMultiplier(mult)->Range(lo, hi);
	b->has_arg = true;
}

void gb_arg_name(gb_bench *b, const char *arg_name) { b->bm->ArgName(arg_name); }
void gb_threads(gb_bench *b, int n) { b->bm->Threads(n); }
void gb_real_time(gb_bench *b) { b->bm->UseRealTime(); }

int gb_thread_index(const gb_state *st) { return S(st).thread_index(); }
int gb_thread_count(const gb_state *st) { return S(st).threads(); }
void gb_pause(gb_state *st) { S(st).PauseTiming(); }
void gb_resume(gb_state *st) { S(st).ResumeTiming(); }
void gb_set_items(gb_state *st, int64_t items) { S(st).SetItemsProcessed(items); }
void gb_set_bytes(gb_state *st, int64_t bytes) { S(st).SetBytesProcessed(bytes); }
void gb_error(gb_state *st, const char *msg) { S(st).SkipWithError(msg); }

void gb_counter(gb_state *st, const char *name, double value, unsigned flags)
{
	S(st).counters[name] = Counter(value, static_cast<Counter::Flags>(flags));
}

int gb_main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	size_t matched = benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return matched > 0 ? 0 : 1;
}
