/*
 * reporter.h - the snapshots the MALLARD_STATS* options ask for (reporter.c).
 */
#ifndef MALLARD_DIAG_REPORTER_H
#define MALLARD_DIAG_REPORTER_H

#include "alloc/linkage.h"

/* Opens the report file and starts the thread, if the options ask. */
MALLARD_INTERNAL void reporter_start(void);

/* In a fork child: its own file and thread if the name has "%p", else none. */
MALLARD_INTERNAL void reporter_fork_child(void);

/* At exit: the exit report, if asked for. */
MALLARD_INTERNAL void reporter_at_exit(void);

#endif /* MALLARD_DIAG_REPORTER_H */
