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
#include "diag/sites.h"
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

/* ---- JSON: the sampled sites, and the objects their frames fall in ---- */

#define EMIT_SITES_MAX 128 /* sites a snapshot lists, the most live bytes first */

/* v as a JSON string "0x..." (a 64-bit address does not fit a double) */
static void emit_hex(emitter_t *e, uintptr_t v)
{
	char tmp[REPORT_HEX_MAX + 1];
	size_t n = report_fmt_hex(tmp, v);
	emit_mem(e, "\"", 1);
	emit_mem(e, tmp, n);
	emit_mem(e, "\"", 1);
}

/* Bytes of the UTF-8 sequence at s (2 to 4), 0 if it is not one. */
static size_t utf8_length(const unsigned char *s)
{
	size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* A JSON string; control characters, quotes and backslashes escaped, and a
 * byte that is not UTF-8 (a file name may hold any) written as U+FFFD, so
 * the line stays readable. */
static void emit_json_string(emitter_t *e, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	emit_mem(e, "\"", 1);
	while (*s) {
		unsigned char c = *s;
		size_t n = 1;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			emit_mem(e, esc, 2);
		} else if (c < 0x20) {
			char esc[6] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
			emit_mem(e, esc, 6);
		} else if (c < 0x80) {
			emit_mem(e, (const char *)s, 1);
		} else if ((n = utf8_length(s)) != 0) {
			emit_mem(e, (const char *)s, n);
		} else {
			emit_mem(e, "\\ufffd", 6);
			n = 1;
		}
		s += n;
	}
	emit_mem(e, "\"", 1);
}

#define EMIT_PY_FRAMES 8 /* Python frames a site lists, innermost first */

static void emit_json_site(emitter_t *e, const mallard_site_t *f, uint32_t id)
{
	bool first = true;
	emit_mem(e, "{", 1);
	emit_json_u64(e, "live_bytes", f->live_bytes, &first);
	emit_json_u64(e, "live_blocks", f->live_blocks, &first);
	emit_json_u64(e, "alloc_bytes", f->alloc_bytes, &first);
	emit_json_u64(e, "allocs", f->allocs, &first);
	emit_json_u64(e, "samples_live", f->samples_live, &first);
	emit_json_u64(e, "samples", f->samples, &first);
	emit_json_u64(e, "pinned_bytes", f->pinned_bytes, &first);
	emit_json_key(e, "frames", &first);
	emit_mem(e, "[", 1);
	for (uint32_t i = 0; i < f->depth && i < MALLARD_SITE_FRAMES_MAX; i++) {
		if (i)
			emit_mem(e, ",", 1);
		emit_hex(e, (uintptr_t)f->frames[i]);
	}
	emit_mem(e, "]", 1);
	uint32_t py = sites_py_depth(id);
	if (py) {
		emit_json_key(e, "py", &first);
		emit_mem(e, "[", 1);
		for (uint32_t k = 0; k < py && k < EMIT_PY_FRAMES; k++) {
			char where[512];
			sites_py_describe(id, k, where, sizeof(where));
			if (k)
				emit_mem(e, ",", 1);
			emit_json_string(e, where);
		}
		emit_mem(e, "]", 1);
	}
	emit_mem(e, "}", 1);
}

typedef struct {
	emitter_t *e;
	bool first;
} emit_objects_t;

static void emit_json_object(void *arg, const sites_object_t *o)
{
	emit_objects_t *w = arg;
	emitter_t *e = w->e;
	if (!w->first)
		emit_mem(e, ",", 1);
	w->first = false;
	emit_mem(e, "{\"path\":", 8);
	emit_json_string(e, o->path);
	emit_mem(e, ",\"base\":", 8);
	emit_hex(e, o->base);
	emit_mem(e, ",\"lo\":", 6);
	emit_hex(e, o->lo);
	emit_mem(e, ",\"hi\":", 6);
	emit_hex(e, o->hi);
	emit_mem(e, ",\"build_id\":", 12);
	emit_json_string(e, o->build_id);
	emit_mem(e, "}", 1);
}

/* Read under snapshot_lock (emit_write_fd), into static storage. */
static mallard_site_t emit_sites[EMIT_SITES_MAX];
static uint32_t emit_site_ids[EMIT_SITES_MAX];

static void emit_json_sites(emitter_t *e, bool *first)
{
	sites_totals_t t;
	size_t count = sites_top(emit_sites, emit_site_ids, EMIT_SITES_MAX, &t);
	size_t listed = count < EMIT_SITES_MAX ? count : EMIT_SITES_MAX;
	bool first_s = true;
	emit_json_key(e, "sites", first);
	emit_mem(e, "{", 1);
	emit_json_u64(e, "rate", sample_rate(), &first_s);
	emit_json_u64(e, "count", count, &first_s);
	emit_json_u64(e, "samples_live", t.samples_live, &first_s);
	emit_json_u64(e, "samples_dropped", t.samples_dropped, &first_s);
	emit_json_u64(e, "live_bytes", t.live_bytes, &first_s);
	emit_json_u64(e, "live_blocks", t.live_blocks, &first_s);
	emit_json_key(e, "list", &first_s);
	emit_mem(e, "[", 1);
	for (size_t i = 0; i < listed; i++) {
		if (i)
			emit_mem(e, ",", 1);
		emit_json_site(e, &emit_sites[i], emit_site_ids[i]);
	}
	emit_mem(e, "]", 1);
	emit_json_key(e, "objects", &first_s);
	emit_mem(e, "[", 1);
	emit_objects_t w = {e, true};
	sites_objects(emit_json_object, &w);
	emit_mem(e, "]}", 2);
}

static void emit_json(emitter_t *e, const mallard_stats_t *s, bool with_sites)
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
	emit_mem(e, "]", 1);
	if (with_sites && sites_on())
		emit_json_sites(e, &first);
	emit_mem(e, "}\n", 2);
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

/* with_sites: s was taken just now, so the sites as they are go with it */
static int emit_stats(const mallard_stats_t *s, int format, emitter_t *e, bool with_sites)
{
	if (format == MALLARD_STATS_JSON)
		emit_json(e, s, with_sites);
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
	return emit_stats(stats, format, &e, false);
}

/* emit_write_fd takes the shared snapshot (snapshot.h) and builds the
 * whole report in one static buffer under snapshot_lock (a JSON line is
 * ~20 KiB with every class in use, up to ~300 KiB more with sites: too
 * much for the stack of a small thread), then hands it to write() at
 * once. */
static char emit_fd_buf[512 * 1024];

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
	snapshot_take(&snapshot_shared, NULL, SNAPSHOT_WRITE);
	snapshot_shared.trigger = trigger;
	emit_fd_t out = {.fd = fd, .error = 0};
	emitter_t e = {.buf = emit_fd_buf, .cap = sizeof(emit_fd_buf), .fn = emit_fd_write, .arg = &out};
	emit_stats(&snapshot_shared, format, &e, true);
	pthread_mutex_unlock(&snapshot_lock);
	if (out.error) {
		errno = out.error;
		return -1;
	}
	return 0;
}
