/*
 * cli.h - what the benchmark programs' mains share: reading a number
 * argument, and the monotonic clock in seconds.
 */
#ifndef MALLARD_BENCH_CLI_H
#define MALLARD_BENCH_CLI_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The unsigned number in s (decimal, 0x hex or 0 octal); on anything else
 * "PROG: bad WHAT 'S'" on stderr and exit status 2. */
static inline unsigned long bench_parse_ulong(const char *prog, const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0' || errno != 0) {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

static inline double bench_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif /* MALLARD_BENCH_CLI_H */
