/*
 * init.h - process start-up, thread registration and fork (init.c).
 */
#ifndef MALLARD_INIT_H
#define MALLARD_INIT_H

#include <stdint.h>

#include "alloc/internal.h"

/* clock_now_ms() at start-up. */
MALLARD_INTERNAL_VAR uint64_t process_start_ms;

/* Initialises the process on first use; cheap once done. */
MALLARD_INTERNAL void process_ensure_init(void);

/* Arms the thread-exit destructor for `heap`. */
MALLARD_INTERNAL void process_register_thread(heap_t *heap);

#endif /* MALLARD_INIT_H */
