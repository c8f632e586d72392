/*
 * micro.h - the topics of mallard-gbench: each file registers its benchmark
 * families with gbench.h; micro.c calls them in this order, which is the
 * order they run and are reported in.
 */
#ifndef MALLARD_BENCH_MICRO_H
#define MALLARD_BENCH_MICRO_H

void pairs_register(void);	/* pairs.c: malloc_free, calloc_free */
void aligned_register(void);	/* aligned.c: posix_memalign, aligned_alloc */
void batch_register(void);	/* batch.c: batch_lifo, batch_fifo, batch_random */
void grow_register(void);	/* grow.c: realloc_add, realloc_double */
void xthread_register(void);	/* xthread.c: xthread_free */
void mix_register(void);	/* mix.c: interp_mix */

#endif /* MALLARD_BENCH_MICRO_H */
