/*
 * micro.c - main of mallard-gbench, the allocator micro-benchmarks.
 *
 * The program calls plain malloc/calloc/realloc/free/posix_memalign/
 * aligned_alloc and links against libc, pthread and Google Benchmark only -
 * never against libmallard - so one binary measures every allocator, each
 * swapped in with LD_PRELOAD. It is built with -fno-builtin-malloc & co.:
 * every call in the source reaches the allocator.
 *
 * Usage: mallard-gbench [Google Benchmark flags], e.g.
 *   --benchmark_min_time=0.05 --benchmark_format=json
 * Names and parameters: --benchmark_list_tests=true; see micro.h.
 */
#include "bench/gbench/gbench.h"
#include "bench/gbench/micro.h"

int main(int argc, char **argv)
{
	pairs_register();
	aligned_register();
	batch_register();
	grow_register();
	xthread_register();
	mix_register();
	return gb_main(argc, argv);
}
