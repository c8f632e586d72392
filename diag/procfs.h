/*
 * procfs.h - what the kernel says about the whole process (procfs.c).
 * No malloc, no stdio: safe from anywhere.
 */
#ifndef MALLARD_DIAG_PROCFS_H
#define MALLARD_DIAG_PROCFS_H

#include <stdint.h>

#include "alloc/linkage.h"

/* The process's resident set in bytes (/proc/self/statm); 0 if unreadable. */
MALLARD_INTERNAL uint64_t procfs_rss(void);

/* Free bytes of the user address space and the largest free range
 * (/proc/self/maps); both 0 if unreadable. */
MALLARD_INTERNAL void procfs_address_space(uint64_t *free_bytes, uint64_t *largest);

#endif /* MALLARD_DIAG_PROCFS_H */
