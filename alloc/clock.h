/*
 * clock.h - the allocator's clock: milliseconds of CLOCK_MONOTONIC_COARSE
 * (a tick or so behind the precise clock, and much cheaper to read). Every
 * due time of the allocator (purge_at_ms, maintained_ms, the background
 * thread's wake-up) is in this clock.
 */
#ifndef MALLARD_CLOCK_H
#define MALLARD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ms(void)
{
	struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
	clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif /* MALLARD_CLOCK_H */
