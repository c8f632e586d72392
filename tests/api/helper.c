/*
 * helper.c - the smallest program that allocates: one malloc, one free,
 * nothing printed, exit status 0. check-options.sh runs it under
 * LD_PRELOAD=libmallard.so (helper_plain) and linked with libmallard
 * (helper_linked) to see what the allocator itself prints at start-up.
 */
#include <stdlib.h>
#include <string.h>

#ifndef HELPER_KIND
#error "HELPER_KIND must name the build (plain or linked)"
#endif

int main(void)
{
	char *p = malloc(100);

	if (p == NULL)
		return 1;
	memcpy(p, HELPER_KIND, sizeof HELPER_KIND);
	free(p);
	return 0;
}
