/*
 * emit.c - the snapshot writers: text for people, JSON (one line) for
 * scripts and mallard-report.
 *
 * Both go through one emitter: a caller-supplied buffer flushed to an
 * output callback, and number formatting done here, so writing a report
 * never calls malloc (nor printf, which may). The JSON keys are the field
 * names of the X-macro lists in mallard.h, and the text report lists the
 * totals from the same list with their descriptions, so the struct and
 * both writers cannot drift apart.
 */
#include "alloc/inspect.h"
#include "diag/emit.h"
#include "diag/figures.h"
#include "diag/snapshot.h"
#include "mallard.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	char *buf;
	size_t cap, len;
	mallard_write_fn fn;
	void *arg;
} emitter_t;

static void emit_flush(emitter_t *e)
{
	if (e->len)
		e->fn(e->arg, e->buf, e->len);
	e->len = 0;
}

static void emit_mem(emitter_t *e, const char *s, size_t n)
{
	while (n) {
		if (e->len == e->cap)
			emit_flush(e);
		size_t k = e->cap - e->len < n ? e->cap - e->len : n;
		memcpy(e->buf + e->len, s, k);
		e->len += k;
		s += k;
		n -= k;
	}
}

static void emit_str(emitter_t *e, const char *s)
{
	emit_mem(e, s, strlen(s));
}

/* ---- formatting into small strings (each returns its length) ---- */

MALLARD_INTERNAL size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* v/10 with one decimal: 123 -> "12.3" */
static size_t fmt_tenths(char *out, uint64_t tenths)
{
	size_t n = fmt_u64(out, tenths / 10);
	out[n++] = '.';
	out[n++] = (char)('0' + tenths % 10);
	out[n] = '\0';
	return n;
}

/* Bytes with a binary unit and one decimal: "512 B", "12.3 KiB", ... */
static size_t fmt_bytes(char *out, uint64_t v)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	unsigned u = 0;
	uint64_t scale = 1;
	while (u + 1 < sizeof(units) / sizeof(units[0]) && v >= scale * 1024) {
		scale *= 1024;
		u++;
	}
	size_t n;
	if (u == 0)
		n = fmt_u64(out, v);
	else
		n = fmt_tenths(out, (uint64_t)((double)v * 10 / (double)scale + 0.5));
	out[n++] = ' ';
	strcpy(out + n, units[u]);
	return n + strlen(units[u]);
}

/* 100 * num / den with one decimal and " %"; "-" when den is 0. */
static size_t fmt_percent(char *out, uint64_t num, uint64_t den)
{
	if (den == 0) {
		strcpy(out, "-");
		return 1;
	}
	size_t n = fmt_tenths(out, (uint64_t)((double)num * 1000 / (double)den + 0.5));
	strcpy(out + n, " %");
	return n + 2;
}

static void emit_u64(emitter_t *e, uint64_t v)
{
	char tmp[24];
	emit_mem(e, tmp, fmt_u64(tmp, v));
}

/* s right-aligned in a column of `width` characters (left-aligned if
 * width < 0). */
static void emit_col(emitter_t *e, const char *s, int width)
{
	size_t n = strlen(s), w = (size_t)(width < 0 ? -width : width);
	if (width < 0)
		emit_mem(e, s, n);
	for (size_t i = n; i < w; i++)
		emit_mem(e, " ", 1);
	if (width >= 0)
		emit_mem(e, s, n);
}

static void emit_col_u64(emitter_t *e, uint64_t v, int width)
{
	char tmp[24];
	fmt_u64(tmp, v);
	emit_col(e, tmp, width);
}

static void emit_col_bytes(emitter_t *e, uint64_t v, int width)
{
	char tmp[32];
	fmt_bytes(tmp, v);
	emit_col(e, tmp, width);
}

/* ---- JSON: one object on one line ---- */

/* The trigger as a JSON string. */
static const char *trigger_name(uint32_t trigger)
{
	switch (trigger) {
	case MALLARD_STATS_TRIGGER_INTERVAL:
		return "\"interval\"";
	case MALLARD_STATS_TRIGGER_SIGNAL:
		return "\"signal\"";
	case MALLARD_STATS_TRIGGER_EXIT:
		return "\"exit\"";
	default:
		return "\"call\"";
	}
}

static void emit_json_key(emitter_t *e, const char *key, bool *first)
{
	if (!*first)
		emit_mem(e, ",", 1);
	*first = false;
	emit_mem(e, "\"", 1);
	emit_str(e, key);
	emit_mem(e, "\":", 2);
}

static void emit_json_u64(emitter_t *e, const char *key, uint64_t v, bool *first)
{
	emit_json_key(e, key, first);
	emit_u64(e, v);
}

#define EMIT_JSON_FIELD(name, what) emit_json_u64(e, #name, f->name, &first);

static void emit_json_totals(emitter_t *e, const mallard_stats_t *s)
{
	bool first = true;
	const __typeof__(s->totals) *f = &s->totals;
	emit_mem(e, "{", 1);
	MALLARD_STATS_TOTALS(EMIT_JSON_FIELD)
	emit_mem(e, "}", 1);
}

static void emit_json_span(emitter_t *e, const mallard_stats_span_t *f)
{
	bool first = true;
	emit_mem(e, "{", 1);
	MALLARD_STATS_SPAN_FIELDS(EMIT_JSON_FIELD)
	emit_mem(e, "}", 1);
}

static void emit_json_class(emitter_t *e, const mallard_stats_class_t *f)
{
	bool first = true;
	emit_mem(e, "{", 1);
	MALLARD_STATS_CLASS_FIELDS(EMIT_JSON_FIELD)
	emit_json_key(e, "occupancy", &first);
	emit_mem(e, "[", 1);
	for (unsigned i = 0; i < MALLARD_STATS_OCCUPANCY_BINS; i++) {
		if (i)
			emit_mem(e, ",", 1);
		emit_u64(e, f->occupancy[i]);
	}
	emit_mem(e, "]}", 2);
}

static void emit_json(emitter_t *e, const mallard_stats_t *s)
{
	bool first = true;
	emit_mem(e, "{", 1);
	emit_json_u64(e, "version", s->version, &first);
	emit_json_u64(e, "pid", s->pid, &first);
	emit_json_u64(e, "time_ms", s->time_ms, &first);
	emit_json_u64(e, "uptime_ms", s->uptime_ms, &first);
	emit_json_u64(e, "bits", s->bits, &first);
	emit_json_key(e, "trigger", &first);
	emit_str(e, trigger_name(s->trigger));
	emit_json_u64(e, "rss", s->rss, &first);
	emit_json_key(e, "totals", &first);
	emit_json_totals(e, s);
	emit_json_key(e, "address_space", &first);
	{
		bool first_as = true;
		emit_mem(e, "{", 1);
		emit_json_u64(e, "free", s->address_space.free, &first_as);
		emit_json_u64(e, "largest_free", s->address_space.largest_free, &first_as);
		emit_mem(e, "}", 1);
	}
	emit_json_key(e, "large", &first);
	emit_json_span(e, &s->large);
	emit_json_key(e, "huge", &first);
	emit_json_span(e, &s->huge);
	emit_json_key(e, "classes", &first);
	emit_mem(e, "[", 1);
	for (unsigned i = 0; i < s->class_count && i < MALLARD_STATS_CLASSES_MAX; i++) {
		if (i)
			emit_mem(e, ",", 1);
		emit_json_class(e, &s->classes[i]);
	}
	emit_mem(e, "]}\n", 3);
}

/* ---- text: one screen for people ---- */

#define TEXT_CLASSES_SHOWN 16

static uint64_t class_bytes(const mallard_stats_class_t *c)
{
	return c->live_blocks * c->size;
}

/* A class by its exact block size: "48 B", "1280 B", "8 KiB". */
static size_t fmt_class_size(char *out, uint64_t size)
{
	bool kib = size >= 1024 && size % 1024 == 0;
	size_t n = fmt_u64(out, kib ? size / 1024 : size);
	strcpy(out + n, kib ? " KiB" : " B");
	return n + (kib ? 4 : 2);
}

static void emit_text_class_row(emitter_t *e, const mallard_stats_class_t *c)
{
	char name[32];
	fmt_class_size(name, c->size);
	char ext[32];
	figure_t frag = figure_fraction(class_bytes(c), c->active); /* external fragmentation of the class */
	fmt_percent(ext, frag.num, frag.den);
	emit_col(e, name, 9);
	emit_col_bytes(e, class_bytes(c), 11);
	emit_col_u64(e, c->live_blocks, 11);
	emit_col_u64(e, c->pages, 7);
	emit_col_u64(e, c->pages_full, 6);
	emit_col_u64(e, c->pages_partial, 6);
	emit_col_u64(e, c->pages_empty, 6);
	emit_col_bytes(e, c->free_blocks * c->size, 11);
	emit_col(e, ext, 9);
	emit_col_u64(e, c->mallocs, 12);
	emit_col_u64(e, c->frees, 12);
	emit_str(e, "\n");
}

/* Large and huge blocks: one block per span or mapping, so no pages or
 * stranded blocks; the note fills the columns up to mallocs. */
static void emit_text_span_row(emitter_t *e, const char *name, const char *note, const mallard_stats_span_t *sp)
{
	emit_col(e, name, 9);
	emit_col_bytes(e, sp->bytes, 11);
	emit_col_u64(e, sp->blocks, 11);
	emit_col(e, note, -45);
	emit_col_u64(e, sp->mallocs, 12);
	emit_str(e, "\n");
}

/* "  name           12.3 MiB  what": a figure already formatted */
static void emit_text_line(emitter_t *e, const char *name, const char *value, const char *what)
{
	emit_str(e, "  ");
	emit_col(e, name, -13);
	emit_col(e, value, 11);
	emit_str(e, "  ");
	emit_str(e, what);
	emit_str(e, "\n");
}

static void emit_text_figure(emitter_t *e, const char *name, uint64_t bytes, const char *what)
{
	char tmp[32];
	fmt_bytes(tmp, bytes);
	emit_text_line(e, name, tmp, what);
}

static void emit_text_ratio(emitter_t *e, const char *name, figure_t fraction, const char *what)
{
	char tmp[32];
	fmt_percent(tmp, fraction.num, fraction.den);
	emit_text_line(e, name, tmp, what);
}

static void emit_text(emitter_t *e, const mallard_stats_t *s)
{
	const __typeof__(s->totals) *t = &s->totals;
	emit_str(e, "mallard ");
	emit_str(e, mallard_version());
	emit_str(e, ": pid ");
	emit_u64(e, s->pid);
	emit_str(e, s->bits == 32 ? ", 32-bit" : ", 64-bit");
	emit_str(e, ", up ");
	char tmp[32];
	fmt_tenths(tmp, s->uptime_ms / 100);
	emit_str(e, tmp);
	emit_str(e, s->trigger == MALLARD_STATS_TRIGGER_EXIT ? " s, at exit\n" : " s\n");

	figure_t f[FIGURE_COUNT];
	figures_of(s, f);
	emit_text_figure(e, "rss", s->rss, "the process's resident set");
#define EMIT_TEXT_TOTAL(name, what) emit_text_figure(e, #name, t->name, what);
	MALLARD_STATS_TOTALS(EMIT_TEXT_TOTAL)
	emit_text_ratio(e, "internal frag", f[FIGURE_internal_fragmentation], figure_what(FIGURE_internal_fragmentation));
	emit_text_ratio(e, "external frag", f[FIGURE_external_fragmentation], figure_what(FIGURE_external_fragmentation));
	emit_text_figure(e, "retention", f[FIGURE_retention].num, figure_what(FIGURE_retention));
	emit_text_figure(e, "outside heap", f[FIGURE_outside_heap].num, figure_what(FIGURE_outside_heap));
	emit_text_figure(e, "address free", s->address_space.free, "unmapped address space");
	emit_text_figure(e, "largest free", s->address_space.largest_free,
			 "largest unmapped range: the biggest block that can still be mapped");
	emit_str(e, "\n");

	/* Classes by allocated bytes, largest first (insertion sort of indices). */
	unsigned order[MALLARD_STATS_CLASSES_MAX], n = 0;
	for (unsigned i = 0; i < s->class_count && i < MALLARD_STATS_CLASSES_MAX; i++) {
		unsigned j = n++;
		while (j > 0 && class_bytes(&s->classes[order[j - 1]]) < class_bytes(&s->classes[i])) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	emit_str(e, "    class  allocated live blocks  pages  full  part empty   stranded ext.frag"
		    "     mallocs       frees\n");
	uint64_t rest_bytes = 0, rest_classes = 0;
	for (unsigned k = 0; k < n; k++) {
		const mallard_stats_class_t *c = &s->classes[order[k]];
		if (k < TEXT_CLASSES_SHOWN) {
			emit_text_class_row(e, c);
		} else {
			rest_bytes += class_bytes(c);
			rest_classes++;
		}
	}
	if (rest_classes) {
		emit_str(e, "   others");
		emit_col_bytes(e, rest_bytes, 11);
		emit_str(e, "  (");
		emit_u64(e, rest_classes);
		emit_str(e, " more classes)\n");
	}
	emit_text_span_row(e, "large", "  (each in whole 64 KiB slices)", &s->large);
	emit_text_span_row(e, "huge", "  (each in a mapping of its own)", &s->huge);
}

/* ---- entry points (mallard_stats_write, mallard_stats_write_fd) ---- */

static int emit_stats(const mallard_stats_t *s, int format, emitter_t *e)
{
	if (format == MALLARD_STATS_JSON)
		emit_json(e, s);
	else
		emit_text(e, s);
	emit_flush(e);
	return 0;
}

MALLARD_INTERNAL int emit_write(const mallard_stats_t *stats, int format, mallard_write_fn write, void *arg)
{
	if (stats == NULL || write == NULL || stats->size != sizeof(*stats) ||
	    (format != MALLARD_STATS_TEXT && format != MALLARD_STATS_JSON)) {
		errno = EINVAL;
		return -1;
	}
	char buf[1024];
	emitter_t e = {.buf = buf, .cap = sizeof(buf), .fn = write, .arg = arg};
	return emit_stats(stats, format, &e);
}

/* emit_write_fd takes the shared snapshot (snapshot.h) and builds the
 * whole report in one static buffer under snapshot_lock (a JSON line is
 * ~20 KiB with every class in use: too much for the stack of a small
 * thread), then hands it to write() at once. */
static char emit_fd_buf[64 * 1024];

typedef struct {
	int fd;
	int error; /* errno of the first failed write, or 0 */
} emit_fd_t;

static void emit_fd_write(void *arg, const char *text, size_t len)
{
	emit_fd_t *out = arg;
	while (len && out->error == 0) {
		ssize_t n = write(out->fd, text, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			out->error = errno;
			return;
		}
		text += n;
		len -= (size_t)n;
	}
}

MALLARD_INTERNAL int emit_write_fd(int fd, int format, uint32_t trigger)
{
	if (fd < 0 || (format != MALLARD_STATS_TEXT && format != MALLARD_STATS_JSON)) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&snapshot_lock);
	snapshot_shared.size = sizeof(snapshot_shared);
	snapshot_take(&snapshot_shared, NULL, SNAPSHOT_FULL);
	snapshot_shared.trigger = trigger;
	emit_fd_t out = {.fd = fd, .error = 0};
	emitter_t e = {.buf = emit_fd_buf, .cap = sizeof(emit_fd_buf), .fn = emit_fd_write, .arg = &out};
	emit_stats(&snapshot_shared, format, &e);
	pthread_mutex_unlock(&snapshot_lock);
	if (out.error) {
		errno = out.error;
		return -1;
	}
	return 0;
}
