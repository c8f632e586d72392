/*
 * report.h - messages to stderr that never allocate (report.c).
 */
#ifndef MALLARD_REPORT_H
#define MALLARD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/linkage.h"

/* "mallard: error: FUNC(0xADDR): WHAT", then abort, or go on when the user
 * chose MALLARD_INVALID_FREE=ignore and `may_ignore`. */
MALLARD_COLD void report_bad_pointer(const char *func, const void *p, const char *what, bool may_ignore);

/* "mallard: warning: NAME="VALUE" is not valid (expected EXPECTED); using FALLBACK" */
/* v as "0x..." (lower-case hex, no leading zeros) into out, which has
 * room for REPORT_HEX_MAX bytes and a NUL; returns the length. */
#define REPORT_HEX_MAX (2 + 2 * sizeof(uintptr_t))
MALLARD_INTERNAL size_t report_fmt_hex(char *out, uintptr_t v);

/* "mallard: warning: WHAT", one line on stderr. */
MALLARD_COLD void report_warning(const char *what);

MALLARD_COLD void report_bad_option(const char *name, const char *value, const char *expected, const char *fallback);

/* "mallard: fatal: WHAT NUMBER", then abort. */
MALLARD_COLD void report_fatal(const char *what, unsigned long long number);

#endif /* MALLARD_REPORT_H */
