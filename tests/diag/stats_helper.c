/*
 * stats_helper.c - a small program for check-stats-env.sh, linked with
 * libmallard: prints its pid, keeps a few thousand blocks alive while it
 * churns for the given time, then exits 0.
 *
 * Usage: stats_helper [milliseconds] [fork [count]]
 *   fork: `count` children (default 1) are forked first, one after the
 *   other; each allocates, exits, and is waited for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *keep[4096];

static void churn(unsigned rounds)
{
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned i = 0; i < 4096; i++) {
			free(keep[i]);
			keep[i] = malloc(16 + (i * 7 + r) % 500);
			if (keep[i])
				memset(keep[i], 1, 16);
		}
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 0;
	printf("%ld\n", (long)getpid());
	fflush(stdout);
	if (argc > 2 && strcmp(argv[2], "fork") == 0) {
		long forks = argc > 3 ? atol(argv[3]) : 1;
		for (long i = 0; i < forks; i++) {
			pid_t child = fork();
			if (child < 0)
				return 1;
			if (child == 0) {
				churn(2);
				exit(0);
			}
			waitpid(child, NULL, 0);
		}
	}
	churn(1);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
		churn(1);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
	return 0;
}
