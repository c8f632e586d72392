/*
 * sites.h - sampled allocation sites (MALLARD_SITES): the call stack of
 * each sampled allocation, interned as a site, and the sampled blocks
 * still live, so each site's live bytes can be estimated (sites.c).
 *
 * The estimate is unbiased, as jemalloc's and tcmalloc's heap profiles
 * are: a block of s bytes is sampled with probability p = 1 - exp(-s/rate)
 * (sample.h), so a sample stands for s/p bytes and 1/p blocks, and the sum
 * of those over the samples of a site has the site's true figure as its
 * expectation.
 */
#ifndef MALLARD_DIAG_SITES_H
#define MALLARD_DIAG_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/linkage.h"
#include "mallard.h"

/* At start-up, before any other thread may run: if MALLARD_SITES asks for
 * sampling, maps the tables, loads the unwinder and installs the hooks.
 * Anything that fails leaves sampling off, with one warning line. */
MALLARD_INTERNAL void sites_start(void);

/* Whether samples are being taken. */
MALLARD_INTERNAL bool sites_on(void);

/* What the whole table holds: live samples, samples the table had no room
 * for, and sites (the first of which gathers the stacks the site table had
 * no room for). */
typedef struct {
	uint64_t samples_live, samples_dropped;
	uint32_t sites;
	uint64_t live_bytes, live_blocks; /* estimates, over every site */
} sites_totals_t;

/* Fills up to max sites, the most live bytes first (then the most bytes
 * allocated), their ids into ids[] if not NULL, and *totals if not NULL;
 * returns how many sites have ever had a sample. Reads the tables as they
 * are: other threads go on sampling meanwhile. */
MALLARD_INTERNAL size_t sites_top(mallard_site_t *out, uint32_t *ids, size_t max, sites_totals_t *totals);

/* The Python frames of site `id` (0 outside CPython), and frame k's
 * "file:line in name" into buf (pyframes_describe). */
MALLARD_INTERNAL uint32_t sites_py_depth(uint32_t id);
MALLARD_INTERNAL size_t sites_py_describe(uint32_t id, uint32_t k, char *buf, size_t cap);

/* Who pins the pages: during a snapshot's walk (under snapshot_lock), the
 * stranded bytes of every page holding live blocks (its span less those
 * blocks) are shared out among them, and each sampled block's share,
 * weighted as its sample is, goes to its site: an unbiased estimate of the
 * stranded bytes the site's blocks keep in use. begin gathers the live
 * samples, page is called for each page of a size class with live blocks,
 * end publishes the figures (mallard_site_t.pinned_bytes). */
MALLARD_INTERNAL void sites_pin_begin(void);
MALLARD_INTERNAL void sites_pin_page(const uint8_t *area, size_t span, uint32_t used, uint32_t block_size);
MALLARD_INTERNAL void sites_pin_end(void);

/* The loaded objects a frame may fall in, for the report to symbolize:
 * calls `fn` once per object with an executable segment. */
typedef struct {
	const char *path;       /* "" for the main program when unknown */
	uintptr_t base;         /* load bias: address = base + file vaddr */
	uintptr_t lo, hi;       /* its executable segments span [lo, hi) */
	char build_id[41];      /* hex of NT_GNU_BUILD_ID (20 bytes at most shown), or "" */
	bool is_main;           /* the main program (path from /proc/self/exe) */
} sites_object_t;
MALLARD_INTERNAL void sites_objects(void (*fn)(void *arg, const sites_object_t *o), void *arg);

#endif /* MALLARD_DIAG_SITES_H */
