/*
 * background.h - the maintenance thread (background.c): gives freed memory
 * back on time, whatever the program does after the free.
 */
#ifndef MALLARD_BACKGROUND_H
#define MALLARD_BACKGROUND_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc/linkage.h"

/* At start-up, after the options: on, or off for good. */
MALLARD_INTERNAL void background_init(void);

/* Something will be due at `due` (clock_now_ms time), published by the
 * caller before the call. One load and a compare unless `due` is earlier
 * than the thread's wake-up; never on a fast path. */
MALLARD_INTERNAL void background_due(uint64_t due);

/* How long past a heap's purge time the thread waits for its owner. */
MALLARD_INTERNAL uint64_t background_grace_ms(void);

/* Ask for the thread (the process mapped its second segment, or a
 * cacheable huge block); a malloc slow path starts it (background_poll). */
MALLARD_INTERNAL void background_want(void);

/* Starts the thread if it is wanted: only from malloc slow paths that hold
 * no allocator lock, never from free (see background.c). */
MALLARD_HOT void background_poll(void);
MALLARD_HOT bool background_wanted(void);
MALLARD_COLD void background_start(void);

MALLARD_INTERNAL bool background_running(void);

/* A thread exited: the background thread looks whether it is the last. */
MALLARD_INTERNAL void background_thread_exited(void);

MALLARD_INTERNAL void background_fork_prepare(void);
MALLARD_INTERNAL void background_fork_parent(void);
MALLARD_INTERNAL void background_fork_child(void);

#endif /* MALLARD_BACKGROUND_H */
