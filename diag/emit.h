/*
 * emit.h - the snapshot writers: text for people, JSON (one line) for
 * scripts and mallard-report (emit.c). Writing never calls malloc.
 */
#ifndef MALLARD_DIAG_EMIT_H
#define MALLARD_DIAG_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "alloc/linkage.h"
#include "mallard.h"

/* mallard_stats_write: -1 with errno EINVAL for a bad argument. */
MALLARD_INTERNAL int emit_write(const mallard_stats_t *stats, int format, mallard_write_fn write, void *arg);

/* Takes a snapshot (what asked for it: `trigger`) and writes it to fd with
 * one write() per JSON line; -1 with errno set on failure. */
MALLARD_INTERNAL int emit_write_fd(int fd, int format, uint32_t trigger);

/* v in decimal into out (24 bytes will do); returns the length. */
MALLARD_INTERNAL size_t fmt_u64(char *out, uint64_t v);

#endif /* MALLARD_DIAG_EMIT_H */
