/*
 * linkage.h - how the allocator's modules link to each other.
 *
 * lib/unity.c compiles every module as one translation unit
 * (MALLARD_UNITY): then every name a module shares through its header is
 * static, the fast paths inline across modules, and the library exports
 * the public API only. Each module also compiles on its own (the check
 * 'standalone' in make check): then the shared names are hidden externs.
 * A module declares what it shares in its header with
 *   MALLARD_INTERNAL      functions (declaration and definition), and
 *                         definitions of shared variables;
 *   MALLARD_INTERNAL_VAR  declarations of shared variables;
 *   MALLARD_HOT/COLD      functions that must (not) be inlined;
 * and MALLARD_COLD_LOCAL for a cold function the module alone calls;
 * and keeps everything else static.
 */
#ifndef MALLARD_LINKAGE_H
#define MALLARD_LINKAGE_H

#include "config.h"

#ifdef MALLARD_UNITY
#define MALLARD_INTERNAL static
#define MALLARD_INTERNAL_VAR static
#define MALLARD_HOT static inline __attribute__((always_inline))
#define MALLARD_COLD static __attribute__((noinline, cold))
#else
#define MALLARD_INTERNAL __attribute__((visibility("hidden")))
#define MALLARD_INTERNAL_VAR extern __attribute__((visibility("hidden")))
#define MALLARD_HOT MALLARD_INTERNAL
#define MALLARD_COLD MALLARD_INTERNAL __attribute__((noinline, cold))
#endif
/* A name of the library's public interface (mallard.h, the malloc family). */
#define MALLARD_EXPORT __attribute__((visibility("default")))
/* A cold function its own module alone calls. */
#define MALLARD_COLD_LOCAL static __attribute__((noinline, cold))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif /* MALLARD_LINKAGE_H */
