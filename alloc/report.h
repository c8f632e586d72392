/*
 * report.h - messages to stderr that never allocate (report.c).
 */
#ifndef MALLARD_REPORT_H
#define MALLARD_REPORT_H

#include <stdbool.h>

#include "alloc/linkage.h"

/* "mallard: error: FUNC(0xADDR): WHAT", then abort, or go on when the user
 * chose MALLARD_INVALID_FREE=ignore and `may_ignore`. */
MALLARD_COLD void report_bad_pointer(const char *func, const void *p, const char *what, bool may_ignore);

/* "mallard: warning: NAME="VALUE" is not valid (expected EXPECTED); using FALLBACK" */
/* "mallard: warning: WHAT", one line on stderr. */
MALLARD_COLD void report_warning(const char *what);

MALLARD_COLD void report_bad_option(const char *name, const char *value, const char *expected, const char *fallback);

/* "mallard: fatal: WHAT NUMBER", then abort. */
MALLARD_COLD void report_fatal(const char *what, unsigned long long number);

#endif /* MALLARD_REPORT_H */
