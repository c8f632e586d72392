/*
 * report.c - messages to stderr that never allocate: a stack buffer and
 * write(2). Used for invalid frees, double frees and bad options.
 */
#include "alloc/report.h"
#include "alloc/options.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	char buf[512];
	size_t len;
} report_buf_t;

static void report_puts(report_buf_t *r, const char *s)
{
	while (*s && r->len < sizeof(r->buf) - 1)
		r->buf[r->len++] = *s++;
}

MALLARD_INTERNAL size_t report_fmt_hex(char *out, uintptr_t v)
{
	char tmp[REPORT_HEX_MAX];
	size_t n = sizeof(tmp);
	do {
		tmp[--n] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	tmp[--n] = 'x';
	tmp[--n] = '0';
	memcpy(out, tmp + n, sizeof(tmp) - n);
	out[sizeof(tmp) - n] = '\0';
	return sizeof(tmp) - n;
}

static void report_hex(report_buf_t *r, uintptr_t v)
{
	char tmp[REPORT_HEX_MAX + 1];
	report_fmt_hex(tmp, v);
	report_puts(r, tmp);
}

static void report_uint(report_buf_t *r, unsigned long long v)
{
	char tmp[24];
	size_t n = sizeof(tmp) - 1;
	tmp[n] = '\0';
	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	report_puts(r, tmp + n);
}

static void report_flush(report_buf_t *r)
{
	r->buf[r->len++] = '\n';
	size_t off = 0;
	while (off < r->len) {
		ssize_t w = write(STDERR_FILENO, r->buf + off, r->len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

/* "mallard: error: FUNC(0xADDR): WHAT" and then abort, or go on when the
 * user chose MALLARD_INVALID_FREE=ignore. */
MALLARD_COLD void report_bad_pointer(const char *func, const void *p, const char *what, bool may_ignore)
{
	report_buf_t r = {.len = 0};
	report_puts(&r, "mallard: error: ");
	report_puts(&r, func);
	report_puts(&r, "(");
	report_hex(&r, (uintptr_t)p);
	report_puts(&r, "): ");
	report_puts(&r, what);
	bool ignore = may_ignore && !options.invalid_free_abort;
	if (ignore)
		report_puts(&r, " (ignored: MALLARD_INVALID_FREE=ignore)");
	report_flush(&r);
	if (!ignore)
		abort();
}

/* "mallard: warning: WHAT" */
MALLARD_COLD void report_warning(const char *what)
{
	report_buf_t r = {.len = 0};
	report_puts(&r, "mallard: warning: ");
	report_puts(&r, what);
	report_flush(&r);
}

/* "mallard: warning: NAME="VALUE" is not valid (EXPECTED); using DEFAULT" */
MALLARD_COLD void report_bad_option(const char *name, const char *value, const char *expected, const char *fallback)
{
	report_buf_t r = {.len = 0};
	report_puts(&r, "mallard: warning: ");
	report_puts(&r, name);
	report_puts(&r, "=\"");
	report_puts(&r, value);
	report_puts(&r, "\" is not valid (expected ");
	report_puts(&r, expected);
	report_puts(&r, "); using ");
	report_puts(&r, fallback);
	report_flush(&r);
}

/* "mallard: error: WHAT NUMBER" for fatal internal conditions. */
MALLARD_COLD void report_fatal(const char *what, unsigned long long number)
{
	report_buf_t r = {.len = 0};
	report_puts(&r, "mallard: fatal: ");
	report_puts(&r, what);
	report_puts(&r, " ");
	report_uint(&r, number);
	report_flush(&r);
	abort();
}
