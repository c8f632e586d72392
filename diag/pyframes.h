/*
 * pyframes.h - the Python stack of a sampled allocation, in a CPython 3.11
 * process (pyframes.c): read from inside malloc without calling the
 * interpreter, decoded to "file:line in function" only when a snapshot is
 * written.
 */
#ifndef MALLARD_DIAG_PYFRAMES_H
#define MALLARD_DIAG_PYFRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/linkage.h"

#define PYFRAMES_MAX 16 /* Python frames kept per stack, innermost first */

/* One frame: the code object (by its entry in the code table, + 1; 0 for
 * none) and the instruction it was at, in code units. */
typedef struct {
	uint32_t code;
	uint32_t instr;
} pyframe_t;

/* At start-up: whether this process is a CPython 3.11 release build whose
 * frames can be read (the interpreter's symbols are looked up now). */
MALLARD_INTERNAL bool pyframes_start(void);

/* The calling thread's Python stack, if it holds the GIL and runs Python
 * code: up to max frames into out; returns how many (0: none). */
MALLARD_INTERNAL uint32_t pyframes_capture(pyframe_t *out, uint32_t max);

/* "file:line in name" for a frame, into buf (NUL-terminated); its length. */
MALLARD_INTERNAL size_t pyframes_describe(pyframe_t f, char *buf, size_t cap);

#endif /* MALLARD_DIAG_PYFRAMES_H */
