/*
 * pyframes.c - the Python stack of a sampled allocation (pyframes.h).
 *
 * CPython 3.11 keeps each thread's frames in a chain the interpreter
 * links only once a frame is whole: _PyRuntime.gilstate.tstate_current is
 * the thread state of the thread holding the GIL, its cframe's
 * current_frame the innermost frame, each frame's f_code its code object
 * and prev_instr the instruction it is at, previous the caller. A malloc
 * made while running Python code is made by the GIL holder, which is not
 * changing its chain meanwhile, so the chain can be read from inside
 * malloc: plain loads, no call into the interpreter, no lock. A thread that
 * does not hold the GIL (its thread_id is not the holder's) has no Python
 * stack here. Every object read is checked against its type (PyCode_Type,
 * PyUnicode_Type, PyBytes_Type) before its fields are trusted.
 *
 * What a frame needs later - the file, the function's qualified name, its
 * first line and line table - is copied once per code object into the
 * code table, so a snapshot can name the line after the code object is
 * gone. Insertions come from the GIL holder only, so they never race.
 *
 * The layouts are those of CPython 3.11's release builds (Include/cpython/
 * pystate.h, Include/internal/pycore_frame.h, pycore_runtime.h, code.h,
 * unicodeobject.h, bytesobject.h), for 64- and 32-bit x86; a debug build
 * (Py_REF_DEBUG changes the object header) or another version is left
 * alone.
 */
#include "alloc/inspect.h"
#include "diag/emit.h"
#include "diag/pyframes.h"
#include "diag/table_map.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

typedef struct {
	size_t runtime_tstate; /* _PyRuntime.gilstate.tstate_current */
	size_t tstate_cframe, tstate_thread_id;
	size_t cframe_current;
	size_t frame_code, frame_previous, frame_prev_instr;
	size_t code_filename, code_qualname, code_linetable, code_firstlineno, code_adaptive;
	size_t object_type;
	size_t ascii_length, ascii_state, ascii_data, compact_data;
	size_t bytes_size, bytes_data;
} py_layout_t;

#if MALLARD_64BIT
static const py_layout_t py311 = {576, 56, 152, 8, 32, 48, 56, 112, 128, 136, 72, 184, 8, 16, 32, 48, 72, 16, 32};
#else
static const py_layout_t py311 = {356, 40, 88, 4, 16, 24, 28, 80, 88, 92, 48, 116, 4, 8, 16, 24, 36, 8, 16};
#endif
#define PY_VERSION_311 0x030b0000ul
#define PY_TEXT_MAX 240   /* bytes of a file name or qualified name kept */
#define PY_TABLE_MAX 4096 /* bytes of a line table kept: lines past it are unknown */

static bool py_on;
static const uint8_t *py_runtime;
static const void *py_code_type, *py_unicode_type, *py_bytes_type;

/* ---- the code table ---- */

typedef struct {
	uintptr_t code, linetable; /* with firstlineno: a new code object at the same address differs */
	int32_t firstlineno;
	uint16_t file_len, name_len, table_len;
	uint32_t text; /* file, name, line table: at this offset of py_text */
} pycode_t;

#define PYCODE_MAX ((uint32_t)1 << 13)
#define PYCODE_INDEX ((uint32_t)1 << 14)
#define PYCODE_PROBE 32
#define PY_TEXT_BYTES ((size_t)16 << 20)

static pycode_t *py_codes;
static _Atomic uint32_t *py_index; /* code entry + 1; 0: empty */
static _Atomic uint32_t py_code_count;
static uint8_t *py_text;
static size_t py_text_used;

#define LOAD(p, off, type) (*(type const *)((const uint8_t *)(p) + (off)))

static bool py_is(const void *obj, const void *type)
{
	return obj != NULL && LOAD(obj, py311.object_type, const void *) == type;
}

/* Copies a str object's text (ASCII or Latin-1, written as UTF-8) into
 * out; returns the bytes written, 1 ("?") for any other kind. */
static size_t py_copy_str(const void *s, uint8_t *out, size_t cap)
{
	if (!py_is(s, py_unicode_type)) {
		out[0] = '?';
		return 1;
	}
	size_t len = (size_t)LOAD(s, py311.ascii_length, intptr_t);
	unsigned state = LOAD(s, py311.ascii_state, unsigned);
	unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
	if (!compact || kind != 1) {
		out[0] = '?';
		return 1;
	}
	const uint8_t *data = (const uint8_t *)s + (ascii ? py311.ascii_data : py311.compact_data);
	size_t n = 0;
	for (size_t i = 0; i < len && n + 2 <= cap; i++) {
		uint8_t c = data[i];
		if (c < 0x80) {
			out[n++] = c;
		} else {
			out[n++] = (uint8_t)(0xC0 | (c >> 6));
			out[n++] = (uint8_t)(0x80 | (c & 0x3F));
		}
	}
	return n;
}

/* The entry of code object `code`, added if new; 0 when the table is full. */
static uint32_t py_code_id(const uint8_t *code)
{
	uintptr_t table = LOAD(code, py311.code_linetable, uintptr_t);
	int32_t first = LOAD(code, py311.code_firstlineno, int32_t);
	uint64_t h = ((uint64_t)(uintptr_t)code >> 4) * 0x9E3779B97F4A7C15ull;
	for (uint32_t i = 0; i < PYCODE_PROBE; i++) {
		_Atomic uint32_t *slot = &py_index[((uint32_t)(h >> 40) + i) & (PYCODE_INDEX - 1)];
		uint32_t id = atomic_load_explicit(slot, memory_order_acquire);
		if (id != 0) {
			const pycode_t *c = &py_codes[id - 1];
			if (c->code == (uintptr_t)code && c->linetable == table && c->firstlineno == first)
				return id;
			continue;
		}
		/* new: only the GIL holder gets here, so nobody else adds meanwhile */
		uint32_t n = atomic_load_explicit(&py_code_count, memory_order_relaxed);
		if (n >= PYCODE_MAX || py_text_used + 2 * PY_TEXT_MAX + PY_TABLE_MAX > PY_TEXT_BYTES ||
		    !py_is((const void *)table, py_bytes_type))
			return 0;
		pycode_t *c = &py_codes[n];
		uint8_t *text = py_text + py_text_used;
		c->code = (uintptr_t)code;
		c->linetable = table;
		c->firstlineno = first;
		c->text = (uint32_t)py_text_used;
		c->file_len = (uint16_t)py_copy_str(LOAD(code, py311.code_filename, const void *), text, PY_TEXT_MAX);
		c->name_len = (uint16_t)py_copy_str(LOAD(code, py311.code_qualname, const void *), text + c->file_len,
		                                    PY_TEXT_MAX);
		size_t tlen = (size_t)LOAD((const void *)table, py311.bytes_size, intptr_t);
		if (tlen > PY_TABLE_MAX)
			tlen = PY_TABLE_MAX;
		memcpy(text + c->file_len + c->name_len, (const uint8_t *)table + py311.bytes_data, tlen);
		c->table_len = (uint16_t)tlen;
		py_text_used += c->file_len + c->name_len + tlen;
		atomic_store_explicit(&py_code_count, n + 1, memory_order_release);
		atomic_store_explicit(slot, n + 1, memory_order_release);
		return n + 1;
	}
	return 0;
}

/* ---- start-up and capture ---- */

MALLARD_INTERNAL bool pyframes_start(void)
{
	const unsigned long *version = dlsym(RTLD_DEFAULT, "Py_Version");
	if (version == NULL || (*version & 0xffff0000ul) != PY_VERSION_311)
		return false;
	if (dlsym(RTLD_DEFAULT, "_Py_RefTotal") != NULL)
		return false; /* a debug build: another object layout */
	py_runtime = dlsym(RTLD_DEFAULT, "_PyRuntime");
	py_code_type = dlsym(RTLD_DEFAULT, "PyCode_Type");
	py_unicode_type = dlsym(RTLD_DEFAULT, "PyUnicode_Type");
	py_bytes_type = dlsym(RTLD_DEFAULT, "PyBytes_Type");
	if (!py_runtime || !py_code_type || !py_unicode_type || !py_bytes_type)
		return false;
	py_codes = table_map(PYCODE_MAX * sizeof(pycode_t));
	py_index = table_map(PYCODE_INDEX * sizeof(*py_index));
	py_text = table_map(PY_TEXT_BYTES);
	py_on = py_codes && py_index && py_text;
	return py_on;
}

MALLARD_INTERNAL uint32_t pyframes_capture(pyframe_t *out, uint32_t max)
{
	if (!py_on)
		return 0;
	const uint8_t *ts = __atomic_load_n((const uint8_t *const *)(py_runtime + py311.runtime_tstate), __ATOMIC_ACQUIRE);
	if (ts == NULL || LOAD(ts, py311.tstate_thread_id, unsigned long) != (unsigned long)pthread_self())
		return 0;
	const uint8_t *cframe = LOAD(ts, py311.tstate_cframe, const uint8_t *);
	const uint8_t *frame = cframe ? LOAD(cframe, py311.cframe_current, const uint8_t *) : NULL;
	uint32_t n = 0;
	for (; frame != NULL && n < max; frame = LOAD(frame, py311.frame_previous, const uint8_t *)) {
		const uint8_t *code = LOAD(frame, py311.frame_code, const uint8_t *);
		if (!py_is(code, py_code_type))
			break; /* not a frame as expected: keep what was read */
		const uint8_t *instr = LOAD(frame, py311.frame_prev_instr, const uint8_t *);
		const uint8_t *first = code + py311.code_adaptive;
		out[n].code = py_code_id(code);
		out[n].instr = instr >= first ? (uint32_t)((instr - first) / 2) : 0;
		n++;
	}
	return n;
}

/* ---- naming a frame (snapshot time) ---- */

static uint32_t py_varint(const uint8_t *t, size_t n, size_t *i)
{
	uint32_t v = 0;
	unsigned shift = 0;
	while (*i < n) {
		uint8_t b = t[(*i)++];
		v |= (uint32_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64) || shift > 30)
			break;
	}
	return v;
}

static int py_svarint(const uint8_t *t, size_t n, size_t *i)
{
	uint32_t v = py_varint(t, n, i);
	return (v & 1) ? -(int)(v >> 1) : (int)(v >> 1);
}

/* The line of instruction `instr` (code units) by CPython 3.11's location
 * table (Objects/locations.md): entries of a start byte (bit 7 set; bits
 * 3-6 the form, bits 0-2 the length in code units less one) and the
 * form's bytes; the line starts at co_firstlineno. -1: unknown. */
static int py_line(const uint8_t *t, size_t n, int line, uint32_t instr)
{
	uint32_t addr = 0;
	size_t i = 0;
	while (i < n) {
		uint8_t head = t[i++];
		if (!(head & 0x80))
			return -1;
		unsigned form = (head >> 3) & 15, len = (head & 7) + 1u;
		bool none = false;
		if (form == 15) {
			none = true;
		} else if (form == 14) {
			line += py_svarint(t, n, &i);
			py_varint(t, n, &i);
			py_varint(t, n, &i);
			py_varint(t, n, &i);
		} else if (form == 13) {
			line += py_svarint(t, n, &i);
		} else if (form >= 10) {
			line += (int)form - 10;
			i += 2;
		} else {
			i += 1;
		}
		if (instr < addr + len)
			return none ? -1 : line;
		addr += len;
	}
	return -1;
}

static size_t py_put(char *buf, size_t at, size_t cap, const char *s, size_t n)
{
	for (size_t k = 0; k < n && at + 1 < cap; k++)
		buf[at++] = s[k];
	return at;
}

MALLARD_INTERNAL size_t pyframes_describe(pyframe_t f, char *buf, size_t cap)
{
	size_t at = 0;
	uint32_t count = atomic_load_explicit(&py_code_count, memory_order_acquire);
	if (f.code == 0 || f.code > count) {
		at = py_put(buf, at, cap, "?", 1);
	} else {
		const pycode_t *c = &py_codes[f.code - 1];
		const char *text = (const char *)py_text + c->text;
		at = py_put(buf, at, cap, text, c->file_len);
		int line = py_line((const uint8_t *)text + c->file_len + c->name_len, c->table_len, c->firstlineno,
		                   f.instr);
		if (line >= 0) {
			char num[24];
			at = py_put(buf, at, cap, ":", 1);
			at = py_put(buf, at, cap, num, fmt_u64(num, (uint64_t)line));
		}
		at = py_put(buf, at, cap, " in ", 4);
		at = py_put(buf, at, cap, text + c->file_len, c->name_len);
	}
	buf[at] = '\0';
	return at;
}
