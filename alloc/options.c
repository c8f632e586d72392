/*
 * options.c - settings read once from the environment at start-up.
 *
 *   MALLARD_PURGE_DELAY_MS  ms a free page stays resident before it is
 *                           purged (0: at once, -1: never); default 100
 *   MALLARD_INVALID_FREE    abort (default) | ignore: what to do after
 *                           reporting a free of a pointer mallard never gave
 *   MALLARD_SEGMENT_CACHE   empty segments kept mapped (purged) for reuse;
 *                           default 4 on 64-bit, 2 on 32-bit
 *   MALLARD_THP             0 (default) | 1: let transparent huge pages back
 *                           segments (faster TLB, but RSS then moves in
 *                           2 MiB steps and purging frees less)
 *   MALLARD_BACKGROUND      1 (default) | 0: a maintenance thread, started
 *                           the first time something is due, purges on time
 *                           in heaps whose threads idle, block or stay on the
 *                           fast path; 0: only the program's own malloc and
 *                           free calls run maintenance
 *
 * A bad value gets one warning line on stderr and the default. getenv does
 * not allocate, so this is safe on the first malloc of the process.
 */
#include <stdlib.h>
#include <string.h>

#define PURGE_DELAY_DEFAULT_MS 100
#define PURGE_DELAY_MAX_MS 3600000L

static options_t options = {
	.purge_delay_ms = PURGE_DELAY_DEFAULT_MS,
	.invalid_free_abort = true,
	.segment_cache_max = SEGMENT_CACHE_DEFAULT,
	.thp = false,
	.background = true,
};

/* Parses a decimal integer in [lo, hi] filling the whole string. */
static bool options_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (*s == '\0')
		return false;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void options_read_long(const char *name, long lo, long hi, const char *expected, const char *fallback, long *inout)
{
	const char *s = getenv(name);
	if (s == NULL)
		return;
	if (!options_parse_long(s, lo, hi, inout))
		report_bad_option(name, s, expected, fallback);
}

static void options_init(void)
{
	long v = options.purge_delay_ms;
	options_read_long("MALLARD_PURGE_DELAY_MS", -1, PURGE_DELAY_MAX_MS,
			  "milliseconds from 0 to 3600000, or -1 for never", "100", &v);
	options.purge_delay_ms = v;

	v = options.segment_cache_max;
	options_read_long("MALLARD_SEGMENT_CACHE", 0, 1024, "a count from 0 to 1024",
			  MALLARD_64BIT ? "4" : "2", &v);
	options.segment_cache_max = (unsigned)v;

	v = options.thp;
	options_read_long("MALLARD_THP", 0, 1, "0 or 1", "0", &v);
	options.thp = v != 0;

	v = options.background;
	options_read_long("MALLARD_BACKGROUND", 0, 1, "0 or 1", "1", &v);
	options.background = v != 0;

	const char *s = getenv("MALLARD_INVALID_FREE");
	if (s != NULL) {
		if (strcmp(s, "abort") == 0)
			options.invalid_free_abort = true;
		else if (strcmp(s, "ignore") == 0)
			options.invalid_free_abort = false;
		else
			report_bad_option("MALLARD_INVALID_FREE", s, "abort or ignore", "abort");
	}
}
