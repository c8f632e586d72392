/*
 * unity.c - the allocator as one translation unit.
 *
 * Every module is #included here in data-path order (lowest layer first),
 * then the diagnostics of diag/ that need the allocator's internals,
 * so internal functions are static, the fast paths inline across modules,
 * and libmallard.a exports the public names only. Unit tests include this
 * file (with MALLARD_NO_OVERRIDE) to reach the internals.
 */
#define _GNU_SOURCE
#include "alloc/internal.h"
#include "alloc/os.h"
#include "mallard.h"

/* Declarations that cross modules against the include order. */
static options_t options;
MALLARD_COLD void report_bad_pointer(const char *func, const void *p, const char *what, bool may_ignore);
MALLARD_COLD void report_bad_option(const char *name, const char *value, const char *expected, const char *fallback);
MALLARD_COLD void report_fatal(const char *what, unsigned long long number);
static void reporter_init(void);
static pthread_mutex_t emit_fd_lock; /* diag/emit.c; taken at fork */
static void background_due(uint64_t due);
static uint64_t background_grace_ms(void);
static inline void background_poll(void);
static inline bool background_wanted(void);
MALLARD_COLD void background_start(void);
static void background_want(void);
static void background_thread_exited(void);
static bool background_running(void);

#include "alloc/os.c"
#include "alloc/report.c"
#include "alloc/options.c"
#include "alloc/segmap.c"
#include "alloc/sizeclass.c"
#include "alloc/segment.c"
#include "alloc/page.c"
#include "alloc/heap.c"
#include "alloc/background.c"
#include "alloc/alloc.c"
#include "alloc/aligned.c"
#include "alloc/init.c"
#include "alloc/introspect.c"
/* Diagnostics: snapshots (stats.c reads the structures above), their
 * writers and the environment-driven reporter. In this unit too, so
 * their helpers stay static. */
#include "diag/procfs.c"
#include "alloc/stats.c"
#include "diag/emit.c"
#include "diag/reporter.c"
#include "alloc/api.c"
#ifndef MALLARD_NO_OVERRIDE
#include "alloc/glibc.c"
#include "alloc/override.c"
#endif
