/*
 * trace_helper.c - a known sequence of allocations for check-trace.sh,
 * recorded under libmallard-trace.so. Every size is in a range nothing else
 * in the process asks for (7000..8999), so the test can pick these calls
 * out of the trace (`mallard-replay --dump`) beside the C library's own.
 *
 *   main thread:   100 malloc (7001..7100), 10 calloc (3 x 7201..7210),
 *                  20 realloc of the first 20 mallocs (to 7301..7320),
 *                  1 posix_memalign (64, 7401), 1 aligned_alloc (256, 7424),
 *                  1 memalign (128, 7403), then frees all 113 blocks.
 *   second thread: 50 malloc (8001..8050), then frees them (50 frees).
 *
 * The second thread runs to completion (joined) before the main thread
 * starts; the test checks that its records carry one thread index and the
 * main thread's another.
 *
 *   trace_helper big: one malloc of BIG_BLOCK bytes, its first byte
 *   written, and its free (for mallard-replay --fill: the replay's peak
 *   RSS counts the whole block only when it fills it).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *worker(void *arg)
{
	void *p[50];
	(void)arg;
	for (int i = 0; i < 50; i++) {
		p[i] = malloc((size_t)(8001 + i));
		if (!p[i])
			abort();
		memset(p[i], 1, 1);
	}
	for (int i = 0; i < 50; i++)
		free(p[i]);
	return NULL;
}

#define BIG_BLOCK ((size_t)32 << 20)

int main(int argc, char **argv)
{
	void *m[100], *c[10], *a[3];
	pthread_t th;

	if (argc > 1 && strcmp(argv[1], "big") == 0) {
		char *big = malloc(BIG_BLOCK);
		if (!big)
			return 1;
		memset(big, 1, 1);
		free(big);
		return 0;
	}

	if (pthread_create(&th, NULL, worker, NULL) != 0 || pthread_join(th, NULL) != 0)
		return 1;
	for (int i = 0; i < 100; i++)
		if (!(m[i] = malloc((size_t)(7001 + i))))
			return 1;
	for (int i = 0; i < 10; i++)
		if (!(c[i] = calloc(3, (size_t)(7201 + i))))
			return 1;
	for (int i = 0; i < 20; i++)
		if (!(m[i] = realloc(m[i], (size_t)(7301 + i))))
			return 1;
	if (posix_memalign(&a[0], 64, 7401) != 0)
		return 1;
	if (!(a[1] = aligned_alloc(256, 7424)))
		return 1;
	if (!(a[2] = memalign(128, 7403)))
		return 1;
	for (int i = 0; i < 100; i++)
		free(m[i]);
	for (int i = 0; i < 10; i++)
		free(c[i]);
	for (int i = 0; i < 3; i++)
		free(a[i]);
	return 0;
}
