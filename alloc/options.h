/*
 * options.h - every MALLARD_* setting, read once from the environment at
 * start-up (options.c holds the table of names, ranges and defaults) and
 * read-only afterwards.
 */
#ifndef MALLARD_OPTIONS_H
#define MALLARD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc/linkage.h"

#define OPTIONS_PATH_MAX 512

typedef struct {
	/* the allocator */
	long purge_delay_ms;  /* -1: never (ask options_purge_never) */
	bool invalid_free_abort;
	unsigned segment_cache_max;
	bool thp;
	bool background;      /* the maintenance thread of background.c */
	long sites_rate;      /* mean bytes between samples (sample.h); 0: off */
	/* the snapshots of diag/reporter.c */
	bool stats_at_exit;
	long stats_interval_ms; /* 0: none */
	int stats_signal;       /* 0: none */
	int stats_format;       /* MALLARD_STATS_TEXT or MALLARD_STATS_JSON */
	char stats_file[OPTIONS_PATH_MAX]; /* "%p" not yet expanded; "": stderr */
} options_t;

MALLARD_INTERNAL_VAR options_t options;

/* Reads the environment; a bad value gets one warning line and its default. */
MALLARD_INTERNAL void options_init(void);

/* Whether freed memory is never purged (MALLARD_PURGE_DELAY_MS=-1). */
static inline bool options_purge_never(void)
{
	return options.purge_delay_ms < 0;
}

/* When memory freed at `now` is due to be purged; UINT64_MAX for never. */
static inline uint64_t options_purge_due(uint64_t now)
{
	return options_purge_never() ? UINT64_MAX : now + (uint64_t)options.purge_delay_ms;
}

#endif /* MALLARD_OPTIONS_H */
