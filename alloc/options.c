/*
 * options.c - the table of every MALLARD_* environment setting, read once
 * at start-up.
 *
 *   MALLARD_PURGE_DELAY_MS  ms a free page stays resident before it is
 *                           purged (0: at once, -1: never); default 100
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
 *   MALLARD_SITES           RATE: sample allocations, one in about every
 *                           RATE bytes (k, m, g suffixes: 512k), recording
 *                           their call stacks; on: RATE 2m; 0 or off
 *                           (default): no sampling
 *   MALLARD_INVALID_FREE    abort (default) | ignore: what to do after
 *                           reporting a free of a pointer mallard never gave
 *   MALLARD_STATS=exit            a snapshot when the process exits
 *   MALLARD_STATS_INTERVAL_MS=N   a snapshot every N ms (1 to 86400000)
 *   MALLARD_STATS_SIGNAL=USR2     a snapshot when the signal arrives (USR1
 *                                 or USR2, "SIG" prefix allowed)
 *   MALLARD_STATS_FORMAT=text|json
 *   MALLARD_STATS_FILE=path       where snapshots go ("%p": the pid); stderr
 *
 * A bad value gets one warning line on stderr and the default. getenv does
 * not allocate, so this is safe on the first malloc of the process.
 */
#include "alloc/internal.h"
#include "alloc/options.h"
#include "alloc/report.h"
#include "mallard.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define PURGE_DELAY_DEFAULT_MS 100
#define PURGE_DELAY_MAX_MS 3600000L
#define STATS_INTERVAL_MAX_MS 86400000L
#define SITES_RATE_MAX (1L << 30)
/* MALLARD_SITES=on: tcmalloc's mean gap between samples, where the cost
 * of sampling stays near 1 % in a program that does nothing but allocate */
#define SITES_RATE_ON (2L << 20)
#define OPTIONS_STR(x) OPTIONS_STR_(x)
#define OPTIONS_STR_(x) #x

MALLARD_INTERNAL options_t options = {
	.purge_delay_ms = PURGE_DELAY_DEFAULT_MS,
	.invalid_free_abort = true,
	.segment_cache_max = SEGMENT_CACHE_DEFAULT,
	.thp = false,
	.background = true,
	.stats_format = MALLARD_STATS_TEXT,
};

typedef struct {
	const char *word;
	long value;
} option_word_t;

typedef enum { OPTION_NUMBER, OPTION_BYTES, OPTION_WORD, OPTION_PATH } option_kind_t;
typedef enum { FIELD_LONG, FIELD_INT, FIELD_UNSIGNED, FIELD_BOOL, FIELD_TEXT } option_field_t;

typedef struct {
	const char *name;
	option_kind_t kind;
	size_t offset;               /* of the field in options_t */
	option_field_t field;
	long lo, hi;                 /* OPTION_NUMBER: the range */
	const option_word_t *words;  /* OPTION_WORD (OPTION_BYTES: also): the accepted words, up to a NULL word */
	const char *expected;        /* the warning's "expected ..." */
	const char *fallback;        /* the warning's "using ..." */
} option_t;

#define FIELD_OF(member) \
	_Generic(((options_t *)0)->member, \
		long: FIELD_LONG, \
		int: FIELD_INT, \
		unsigned: FIELD_UNSIGNED, \
		bool: FIELD_BOOL, \
		default: FIELD_TEXT)
#define NUMBER(env, member, min, max, exp, fb) \
	{.name = env, .kind = OPTION_NUMBER, .offset = offsetof(options_t, member), .field = FIELD_OF(member), \
	 .lo = min, .hi = max, .expected = exp, .fallback = fb}
#define BYTES(env, member, min, max, list, exp, fb) \
	{.name = env, .kind = OPTION_BYTES, .offset = offsetof(options_t, member), .field = FIELD_OF(member), \
	 .lo = min, .hi = max, .words = list, .expected = exp, .fallback = fb}
#define WORD(env, member, list, exp, fb) \
	{.name = env, .kind = OPTION_WORD, .offset = offsetof(options_t, member), .field = FIELD_OF(member), \
	 .words = list, .expected = exp, .fallback = fb}
#define PATH(env, member, exp, fb) \
	{.name = env, .kind = OPTION_PATH, .offset = offsetof(options_t, member), .field = FIELD_TEXT, \
	 .expected = exp, .fallback = fb}

static const option_word_t invalid_free_words[] = {{"abort", 1}, {"ignore", 0}, {NULL, 0}};
static const option_word_t stats_words[] = {{"exit", 1}, {"", 0}, {NULL, 0}};
static const option_word_t signal_words[] = {
	{"USR1", SIGUSR1}, {"SIGUSR1", SIGUSR1}, {"USR2", SIGUSR2}, {"SIGUSR2", SIGUSR2}, {NULL, 0}};
static const option_word_t sites_words[] = {{"on", SITES_RATE_ON}, {"off", 0}, {NULL, 0}};
static const option_word_t format_words[] = {
	{"text", MALLARD_STATS_TEXT}, {"json", MALLARD_STATS_JSON}, {NULL, 0}};

/* In the order the warnings come out. */
static const option_t option_table[] = {
	NUMBER("MALLARD_PURGE_DELAY_MS", purge_delay_ms, -1, PURGE_DELAY_MAX_MS,
	       "milliseconds from 0 to 3600000, or -1 for never", OPTIONS_STR(PURGE_DELAY_DEFAULT_MS)),
	NUMBER("MALLARD_SEGMENT_CACHE", segment_cache_max, 0, 1024, "a count from 0 to 1024",
	       OPTIONS_STR(SEGMENT_CACHE_DEFAULT)),
	NUMBER("MALLARD_THP", thp, 0, 1, "0 or 1", "0"),
	NUMBER("MALLARD_BACKGROUND", background, 0, 1, "0 or 1", "1"),
	BYTES("MALLARD_SITES", sites_rate, 0, SITES_RATE_MAX, sites_words,
	      "on, off, or bytes from 0 to 1g (k, m, g suffixes allowed)", "0, sampling off"),
	WORD("MALLARD_INVALID_FREE", invalid_free_abort, invalid_free_words, "abort or ignore", "abort"),
	WORD("MALLARD_STATS", stats_at_exit, stats_words, "exit", "no exit report"),
	NUMBER("MALLARD_STATS_INTERVAL_MS", stats_interval_ms, 1, STATS_INTERVAL_MAX_MS,
	       "milliseconds from 1 to 86400000", "no periodic snapshots"),
	WORD("MALLARD_STATS_SIGNAL", stats_signal, signal_words, "USR1 or USR2", "no signal"),
	WORD("MALLARD_STATS_FORMAT", stats_format, format_words, "text or json", "text"),
	PATH("MALLARD_STATS_FILE", stats_file, "a path of at most 511 bytes", "stderr"),
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

/* A decimal count of bytes with an optional k, m or g suffix (powers of
 * 1024), in [lo, hi]. */
static bool options_parse_bytes(const char *s, long lo, long hi, long *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end != '\0' || v > ((unsigned long long)hi >> shift) || (long long)(v << shift) < lo)
		return false;
	*out = (long)(v << shift);
	return true;
}

static bool options_parse_word(const char *s, const option_word_t *words, long *out)
{
	for (; words->word; words++) {
		if (strcmp(s, words->word) == 0) {
			*out = words->value;
			return true;
		}
	}
	return false;
}

static void options_store(const option_t *o, long v)
{
	char *field = (char *)&options + o->offset;
	switch (o->field) {
	case FIELD_LONG:
		*(long *)field = v;
		break;
	case FIELD_INT:
		*(int *)field = (int)v;
		break;
	case FIELD_UNSIGNED:
		*(unsigned *)field = (unsigned)v;
		break;
	case FIELD_BOOL:
		*(bool *)field = v != 0;
		break;
	case FIELD_TEXT:
		break;
	}
}

static void options_read(const option_t *o)
{
	const char *s = getenv(o->name);
	if (s == NULL)
		return;
	long v = 0;
	switch (o->kind) {
	case OPTION_NUMBER:
		if (options_parse_long(s, o->lo, o->hi, &v))
			options_store(o, v);
		else
			report_bad_option(o->name, s, o->expected, o->fallback);
		break;
	case OPTION_BYTES:
		if (options_parse_bytes(s, o->lo, o->hi, &v) || (o->words && options_parse_word(s, o->words, &v)))
			options_store(o, v);
		else
			report_bad_option(o->name, s, o->expected, o->fallback);
		break;
	case OPTION_WORD:
		/* the empty word, where accepted, leaves the default */
		if (!options_parse_word(s, o->words, &v))
			report_bad_option(o->name, s, o->expected, o->fallback);
		else if (*s != '\0')
			options_store(o, v);
		break;
	case OPTION_PATH:
		if (strlen(s) < OPTIONS_PATH_MAX)
			strcpy((char *)&options + o->offset, s);
		else
			report_bad_option(o->name, "(too long)", o->expected, o->fallback);
		break;
	}
}

MALLARD_INTERNAL void options_init(void)
{
	for (size_t i = 0; i < sizeof(option_table) / sizeof(option_table[0]); i++)
		options_read(&option_table[i]);
}
