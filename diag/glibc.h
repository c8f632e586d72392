/*
 * glibc.h - glibc's introspection calls, answered from a snapshot (glibc.c).
 */
#ifndef MALLARD_DIAG_GLIBC_H
#define MALLARD_DIAG_GLIBC_H

#include "alloc/linkage.h"

/* The summary malloc_stats() prints, on stderr like glibc's. */
MALLARD_INTERNAL void glibc_print_stats(void);

#endif /* MALLARD_DIAG_GLIBC_H */
