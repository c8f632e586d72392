/*
 * sites.c - sampled allocation sites (sites.h): the hooks sample.h calls,
 * the tables they fill, and what snapshots read of them.
 *
 * Two tables, both mapped once at start-up and never freed or grown, both
 * written without locks (a free may run on any thread, in a signal
 * handler's neighbourhood, and must never wait):
 *
 *   sites    a dense array of interned call stacks, appended to with one
 *            atomic increment, and an open-addressing index over it by
 *            hash of the frames. An entry is filled before its index slot
 *            is published (release), so a reader that finds it in the
 *            index sees it whole. Site 0 collects what finds no room.
 *   samples  the live sampled blocks, by address: open addressing with at
 *            most SAMPLE_PROBE slots looked at per level (below); a slot
 *            goes EMPTY -> BUSY (claimed) -> the block's address (filled)
 *            -> TOMB (forgotten), and a tombstone may be claimed again. A
 *            sample that finds no slot in any level is dropped and counted.
 *
 * Stacks come from glibc's backtrace(), which unwinds with the DWARF call
 * frame information every Debian object carries (.eh_frame), not frame
 * pointers; it lives in libc (it loads libgcc_s.so.1 once, which start-up
 * does before the hooks go in), so libmallard needs no other library.
 * Frames are kept as return addresses: symbols are looked up by the report,
 * from the objects snapshots list (path, load address, build-id).
 */
#include "alloc/inspect.h"
#include "diag/pyframes.h"
#include "diag/sites.h"
#include "diag/table_map.h"

#include <elf.h>
#include <execinfo.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SITE_FRAMES MALLARD_SITE_FRAMES_MAX
#define SITE_OWN_FRAMES_MAX 12 /* frames of mallard's own above the caller, at most */
#define SITE_FRAMES_UNDER_PYTHON 8 /* C frames kept when there are Python frames */
#define SITE_INDEX_SLOTS ((uint32_t)1 << 14)
#define SITE_MAX (SITE_INDEX_SLOTS / 2)
#define SITE_PROBE 64
#define SAMPLE_PROBE 32
#define FX_SHIFT 10 /* live_blocks_fx: blocks in 1/1024ths */

/* The sample table comes in levels, each four times the one before,
 * mapped when the ones before have no room: level 0 holds the samples of
 * a heap of SAMPLE_BUDGET bytes at half load, so a program's table is
 * about the size its live samples need (an entry written is a page made
 * resident: a table much larger than its contents would cost a page per
 * sample). */
#if MALLARD_64BIT
#define SAMPLE_BUDGET ((uint64_t)256 << 20)
#define SAMPLE_SLOTS0_MAX ((size_t)1 << 20) /* 32 MiB of address space */
#define SAMPLE_LEVELS 5
#else
#define SAMPLE_BUDGET ((uint64_t)64 << 20)
#define SAMPLE_SLOTS0_MAX ((size_t)1 << 17) /* 3 MiB of address space */
#define SAMPLE_LEVELS 3
#endif
#define SAMPLE_SLOTS_MIN ((size_t)1 << 10)

/* A stack as captured: C frames, and the Python stack (innermost first,
 * pyframes.h) when there is one. */
typedef struct {
	uint32_t depth, py_depth;
	uintptr_t frames[SITE_FRAMES];
	pyframe_t py[PYFRAMES_MAX];
} site_stack_t;

typedef struct {
	uint64_t hash;
	site_stack_t stack;
	_Atomic uint64_t live_bytes, live_blocks_fx, samples_live;
	_Atomic uint64_t alloc_bytes, allocs_fx, samples;
	_Atomic uint64_t pinned_bytes; /* written by snapshots, under snapshot_lock */
} site_t;

enum { SLOT_EMPTY = 0, SLOT_BUSY = 1, SLOT_TOMB = 2 };

typedef struct {
	_Atomic uintptr_t key; /* SLOT_* or the block's address */
	uint32_t site;
	uint64_t size;   /* bytes asked for */
	uint64_t weight; /* bytes the sample stands for: size / p */
} sample_slot_t;

/* A live sample as a snapshot's pinning pass sees it. */
typedef struct {
	uintptr_t block;
	uint32_t site;
	uint64_t blocks_fx;
} pin_t;

#define PIN_MAX ((size_t)1 << 16) /* live samples a snapshot attributes pages to */

static site_t *sites;
static pin_t *pins;          /* sorted by block, pin_count of them */
static size_t pin_count;
static uint64_t *pin_sums;   /* by site: stranded bytes x 1024 */
static _Atomic uint32_t *site_index; /* site + 1; 0: empty */
static _Atomic uint32_t sites_used;
static sample_slot_t *_Atomic sample_levels[SAMPLE_LEVELS];
static _Atomic bool sample_level_failed[SAMPLE_LEVELS]; /* no memory for it: not tried again */
static _Atomic unsigned sample_levels_mapped; /* levels [0, this) may be mapped */
static size_t sample_slots0; /* slots of level 0; level k has sample_slots0 << 2k */
static _Atomic uint64_t samples_dropped;
static double sites_rate_bytes;
static bool sites_running;
static uintptr_t own_lo, own_hi; /* mallard's own code, when it is a library */

/* ---- the estimate ---- */

/* 1 - exp(-x) for x >= 0, without libm: the series for small x (no
 * cancellation), else exp(-x) = exp(-1)^floor(x) * exp(-frac(x)). */
static double sites_one_minus_exp(double x)
{
	if (x >= 40.0)
		return 1.0;
	if (x < 0.5) {
		double term = x, sum = 0.0;
		for (int k = 1; k < 24; k++) {
			sum += term;
			term *= -x / (k + 1);
		}
		return sum;
	}
	double e = 1.0;
	for (int n = (int)x; n > 0; n--)
		e *= 0.36787944117144232160;
	double f = x - (int)x, term = 1.0, sum = 0.0;
	for (int k = 1; k < 24; k++) {
		sum += term;
		term *= -f / k;
	}
	return 1.0 - e * sum;
}

/* Bytes a sample of `size` bytes stands for: size / p, at least size. */
static uint64_t sites_weight(uint64_t size)
{
	if (size == 0)
		size = 1;
	double p = sites_one_minus_exp((double)size / sites_rate_bytes);
	double w = (double)size / p;
	return w < (double)size ? size : (uint64_t)(w + 0.5);
}

/* Blocks it stands for, in 1/1024ths: 1/p = weight/size. */
static uint64_t sites_blocks_fx(uint64_t size, uint64_t weight)
{
	if (size == 0)
		size = 1;
	return (uint64_t)((double)weight * (double)(1u << FX_SHIFT) / (double)size + 0.5);
}

/* ---- sites ---- */

static uint64_t sites_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ull;
	return h ^ (h >> 29);
}

static uint64_t sites_hash(const site_stack_t *st)
{
	uint64_t h = 0xcbf29ce484222325ull ^ st->depth ^ ((uint64_t)st->py_depth << 32);
	for (uint32_t i = 0; i < st->depth; i++)
		h = sites_mix(h, (uint64_t)st->frames[i]);
	for (uint32_t i = 0; i < st->py_depth; i++)
		h = sites_mix(h, ((uint64_t)st->py[i].code << 32) | st->py[i].instr);
	return h;
}

static bool sites_same(const site_t *s, uint64_t hash, const site_stack_t *st)
{
	const site_stack_t *t = &s->stack;
	return s->hash == hash && t->depth == st->depth && t->py_depth == st->py_depth &&
	       memcmp(t->frames, st->frames, st->depth * sizeof(st->frames[0])) == 0 &&
	       memcmp(t->py, st->py, st->py_depth * sizeof(st->py[0])) == 0;
}

/* The site of this stack, interned if new; 0 when the table is full. */
static uint32_t sites_intern(const site_stack_t *st)
{
	uint64_t hash = sites_hash(st);
	uint32_t fresh = 0; /* a site filled for this stack, not yet published */
	for (uint32_t i = 0; i < SITE_PROBE; i++) {
		_Atomic uint32_t *slot = &site_index[(hash + i) & (SITE_INDEX_SLOTS - 1)];
		uint32_t id = atomic_load_explicit(slot, memory_order_acquire);
		if (id == 0) {
			if (fresh == 0) {
				fresh = atomic_fetch_add_explicit(&sites_used, 1, memory_order_relaxed);
				if (fresh >= SITE_MAX)
					return 0;
				sites[fresh].hash = hash;
				sites[fresh].stack = *st;
			}
			uint32_t expected = 0;
			if (atomic_compare_exchange_strong_explicit(slot, &expected, fresh + 1, memory_order_release,
			                                            memory_order_acquire))
				return fresh;
			id = expected; /* another thread published a site here first */
		}
		if (sites_same(&sites[id - 1], hash, st))
			return id - 1; /* (a site filled meanwhile stays unused, with no samples) */
	}
	return 0;
}

/* The caller's stack, innermost first, without mallard's own frames. */
static uint32_t sites_capture(uintptr_t *frames, uint32_t max)
{
	void *raw[SITE_FRAMES + SITE_OWN_FRAMES_MAX];
	int n = backtrace(raw, (int)(max + SITE_OWN_FRAMES_MAX));
	int first = 0;
	while (first < n && first < SITE_OWN_FRAMES_MAX && (uintptr_t)raw[first] >= own_lo &&
	       (uintptr_t)raw[first] < own_hi)
		first++;
	uint32_t depth = 0;
	for (int i = first; i < n && depth < max; i++)
		frames[depth++] = (uintptr_t)raw[i];
	return depth;
}

/* ---- the hooks ---- */

static uint64_t sample_hash(const void *block)
{
	return ((uint64_t)(uintptr_t)block >> 4) * 0x9E3779B97F4A7C15ull;
}

static size_t sample_level_slots(unsigned level)
{
	return sample_slots0 << (2 * level);
}

/* Level `level` of the sample table, mapped now if it is not yet (by
 * whichever thread gets there first); NULL if it cannot be. */
static sample_slot_t *sample_level(unsigned level, bool map)
{
	sample_slot_t *t = atomic_load_explicit(&sample_levels[level], memory_order_acquire);
	if (t || !map || atomic_load_explicit(&sample_level_failed[level], memory_order_relaxed))
		return t;
	sample_slot_t *fresh = table_map(sample_level_slots(level) * sizeof(sample_slot_t));
	if (fresh == NULL) {
		atomic_store_explicit(&sample_level_failed[level], true, memory_order_relaxed);
		return NULL;
	}
	if (!atomic_compare_exchange_strong_explicit(&sample_levels[level], &t, fresh, memory_order_acq_rel,
	                                             memory_order_acquire)) {
		munmap(fresh, sample_level_slots(level) * sizeof(sample_slot_t));
		return t;
	}
	unsigned mapped = atomic_load_explicit(&sample_levels_mapped, memory_order_relaxed);
	while (mapped < level + 1 &&
	       !atomic_compare_exchange_weak_explicit(&sample_levels_mapped, &mapped, level + 1, memory_order_release,
	                                              memory_order_relaxed))
		;
	return fresh;
}

/* Claims and fills a slot for `block` in level `level`; false if the
 * level has no free slot within SAMPLE_PROBE of the block's home. */
static bool sample_insert(sample_slot_t *t, unsigned level, void *block, size_t size, uint32_t site)
{
	size_t mask = sample_level_slots(level) - 1, home = (size_t)(sample_hash(block) >> 20);
	for (size_t i = 0; i < SAMPLE_PROBE; i++) {
		sample_slot_t *slot = &t[(home + i) & mask];
		uintptr_t key = atomic_load_explicit(&slot->key, memory_order_relaxed);
		if (key != SLOT_EMPTY && key != SLOT_TOMB)
			continue;
		if (!atomic_compare_exchange_strong_explicit(&slot->key, &key, SLOT_BUSY, memory_order_acquire,
		                                             memory_order_relaxed))
			continue;
		uint64_t weight = sites_weight(size);
		uint64_t blocks = sites_blocks_fx(size, weight);
		slot->site = site;
		slot->size = size;
		slot->weight = weight;
		site_t *s = &sites[site];
		atomic_fetch_add_explicit(&s->live_bytes, weight, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->live_blocks_fx, blocks, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->samples_live, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->alloc_bytes, weight, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->allocs_fx, blocks, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->samples, 1, memory_order_relaxed);
		atomic_store_explicit(&slot->key, (uintptr_t)block, memory_order_release);
		return true;
	}
	return false;
}

static bool sites_record(void *block, size_t size)
{
	site_stack_t st;
	/* Under Python, the C frames past the first few are the interpreter's
	 * loop, which the Python frames say better: unwinding them (the costly
	 * part of a sample) is left out. */
	st.py_depth = pyframes_capture(st.py, PYFRAMES_MAX);
	st.depth = sites_capture(st.frames, st.py_depth ? SITE_FRAMES_UNDER_PYTHON : SITE_FRAMES);
	uint32_t site = sites_intern(&st);
	for (unsigned level = 0; level < SAMPLE_LEVELS; level++) {
		sample_slot_t *t = sample_level(level, true);
		if (t && sample_insert(t, level, block, size, site))
			return true;
	}
	atomic_fetch_add_explicit(&samples_dropped, 1, memory_order_relaxed);
	return false;
}

static bool sites_forget(void *block)
{
	size_t home = (size_t)(sample_hash(block) >> 20);
	unsigned levels = atomic_load_explicit(&sample_levels_mapped, memory_order_acquire);
	for (unsigned level = 0; level < levels; level++) {
		sample_slot_t *t = atomic_load_explicit(&sample_levels[level], memory_order_acquire);
		if (t == NULL)
			continue;
		size_t mask = sample_level_slots(level) - 1;
		for (size_t i = 0; i < SAMPLE_PROBE; i++) {
			sample_slot_t *slot = &t[(home + i) & mask];
			uintptr_t key = atomic_load_explicit(&slot->key, memory_order_acquire);
			if (key == SLOT_EMPTY)
				break; /* an insert takes the first free slot: the block is not further on */
			if (key != (uintptr_t)block)
				continue;
			/* the block is being freed: no other thread records or
			 * forgets it meanwhile, so the slot is ours until the
			 * tombstone */
			site_t *s = &sites[slot->site];
			atomic_fetch_sub_explicit(&s->live_bytes, slot->weight, memory_order_relaxed);
			atomic_fetch_sub_explicit(&s->live_blocks_fx, sites_blocks_fx(slot->size, slot->weight),
			                          memory_order_relaxed);
			atomic_fetch_sub_explicit(&s->samples_live, 1, memory_order_relaxed);
			atomic_store_explicit(&slot->key, SLOT_TOMB, memory_order_release);
			return true;
		}
	}
	return false;
}

static const sample_hooks_t sites_hooks = {sites_record, sites_forget};

/* ---- start-up ---- */

/* The object holding this code, when that is a library (linked into the
 * program, mallard's frames cannot be told from the program's: they are
 * kept, and the report shows them). */
static void sites_note_own(void *arg, const sites_object_t *o)
{
	uintptr_t self = (uintptr_t)arg;
	if (!o->is_main && self >= o->lo && self < o->hi) {
		own_lo = o->lo;
		own_hi = o->hi;
	}
}

MALLARD_INTERNAL void sites_start(void)
{
	size_t rate = sample_rate();
	if (rate == 0)
		return;
	uint64_t want = 2 * (SAMPLE_BUDGET / rate);
	sample_slots0 = SAMPLE_SLOTS_MIN;
	while (sample_slots0 < want && sample_slots0 < SAMPLE_SLOTS0_MAX)
		sample_slots0 *= 2;
	sites = table_map(SITE_MAX * sizeof(site_t));
	site_index = table_map(SITE_INDEX_SLOTS * sizeof(*site_index));
	pins = table_map(PIN_MAX * sizeof(pin_t));
	pin_sums = table_map(SITE_MAX * sizeof(uint64_t));
	if (sites == NULL || site_index == NULL || pins == NULL || pin_sums == NULL || !sample_level(0, true)) {
		report_warning("MALLARD_SITES: no memory for the sample tables; sampling is off");
		return;
	}
	sites_rate_bytes = (double)rate;
	atomic_store_explicit(&sites_used, 1, memory_order_relaxed); /* site 0: no room */
	sites_objects(sites_note_own, (void *)(uintptr_t)sites_start);
	pyframes_start();
	/* the first backtrace() loads the unwinder (and allocates): now, with
	 * no hook in place, rather than inside a malloc */
	void *warm[4];
	backtrace(warm, 4);
	sites_running = true;
	sample_install(&sites_hooks);
}

MALLARD_INTERNAL bool sites_on(void)
{
	return sites_running;
}

/* ---- reading ---- */

static void sites_view(uint32_t id, mallard_site_t *v)
{
	const site_t *s = &sites[id];
	v->size = sizeof(*v);
	v->live_bytes = atomic_load_explicit(&s->live_bytes, memory_order_relaxed);
	v->live_blocks = atomic_load_explicit(&s->live_blocks_fx, memory_order_relaxed) >> FX_SHIFT;
	v->alloc_bytes = atomic_load_explicit(&s->alloc_bytes, memory_order_relaxed);
	v->allocs = atomic_load_explicit(&s->allocs_fx, memory_order_relaxed) >> FX_SHIFT;
	v->samples_live = atomic_load_explicit(&s->samples_live, memory_order_relaxed);
	v->samples = atomic_load_explicit(&s->samples, memory_order_relaxed);
	v->pinned_bytes = atomic_load_explicit(&s->pinned_bytes, memory_order_relaxed);
	v->depth = s->stack.depth;
	for (uint32_t i = 0; i < SITE_FRAMES; i++)
		v->frames[i] = i < s->stack.depth ? (void *)s->stack.frames[i] : NULL;
}

static bool sites_before(const mallard_site_t *a, const mallard_site_t *b)
{
	return a->live_bytes != b->live_bytes ? a->live_bytes > b->live_bytes : a->alloc_bytes > b->alloc_bytes;
}

MALLARD_INTERNAL size_t sites_top(mallard_site_t *out, uint32_t *ids, size_t max, sites_totals_t *totals)
{
	sites_totals_t t = {0, 0, 0, 0, 0};
	size_t listed = 0, with_samples = 0;
	if (sites_running) {
		uint32_t used = atomic_load_explicit(&sites_used, memory_order_acquire);
		if (used > SITE_MAX)
			used = SITE_MAX;
		for (uint32_t id = 0; id < used; id++) {
			mallard_site_t v;
			sites_view(id, &v);
			if (v.samples == 0)
				continue; /* site 0 unused, or a stack another thread published first */
			with_samples++;
			t.samples_live += v.samples_live;
			t.live_bytes += v.live_bytes;
			t.live_blocks += v.live_blocks;
			/* insertion into the top `max`, best first */
			size_t at = listed < max ? listed : max;
			while (at > 0 && sites_before(&v, &out[at - 1])) {
				if (at < max) {
					out[at] = out[at - 1];
					if (ids)
						ids[at] = ids[at - 1];
				}
				at--;
			}
			if (at < max) {
				out[at] = v;
				if (ids)
					ids[at] = id;
				if (listed < max)
					listed++;
			}
		}
		t.sites = (uint32_t)with_samples;
		t.samples_dropped = atomic_load_explicit(&samples_dropped, memory_order_relaxed);
	}
	if (totals)
		*totals = t;
	return with_samples;
}

MALLARD_INTERNAL uint32_t sites_py_depth(uint32_t id)
{
	return sites_running && id < SITE_MAX ? sites[id].stack.py_depth : 0;
}

MALLARD_INTERNAL size_t sites_py_describe(uint32_t id, uint32_t k, char *buf, size_t cap)
{
	return pyframes_describe(sites[id].stack.py[k], buf, cap);
}

/* ---- who pins the pages ---- */

static void pin_sift_down(size_t at, size_t n)
{
	for (;;) {
		size_t child = 2 * at + 1;
		if (child >= n)
			return;
		if (child + 1 < n && pins[child + 1].block > pins[child].block)
			child++;
		if (pins[at].block >= pins[child].block)
			return;
		pin_t t = pins[at];
		pins[at] = pins[child];
		pins[child] = t;
		at = child;
	}
}

/* Heapsort: in place, no allocation, n log n. */
static void pin_sort(size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		pin_sift_down(i, n);
	for (size_t end = n; end-- > 1;) {
		pin_t t = pins[0];
		pins[0] = pins[end];
		pins[end] = t;
		pin_sift_down(0, end);
	}
}

MALLARD_INTERNAL void sites_pin_begin(void)
{
	pin_count = 0;
	if (!sites_running)
		return;
	for (unsigned level = 0; level < SAMPLE_LEVELS; level++) {
		sample_slot_t *t = sample_level(level, false);
		for (size_t i = 0; t && i < sample_level_slots(level) && pin_count < PIN_MAX; i++) {
			uintptr_t key = atomic_load_explicit(&t[i].key, memory_order_acquire);
			if (key == SLOT_EMPTY || key == SLOT_BUSY || key == SLOT_TOMB)
				continue;
			pin_t *p = &pins[pin_count++];
			p->block = key;
			p->site = t[i].site;
			p->blocks_fx = sites_blocks_fx(t[i].size, t[i].weight);
		}
	}
	pin_sort(pin_count);
	uint32_t used = atomic_load_explicit(&sites_used, memory_order_acquire);
	memset(pin_sums, 0, (used < SITE_MAX ? used : SITE_MAX) * sizeof(*pin_sums));
}

MALLARD_INTERNAL void sites_pin_page(const uint8_t *area, size_t span, uint32_t used, uint32_t block_size)
{
	if (pin_count == 0 || used == 0 || (uint64_t)used * block_size >= span)
		return;
	uintptr_t lo = (uintptr_t)area, hi = lo + span;
	size_t a = 0, b = pin_count; /* first pin at or above lo */
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (pins[mid].block < lo)
			a = mid + 1;
		else
			b = mid;
	}
	uint64_t share = (span - (uint64_t)used * block_size) / used; /* stranded bytes per live block */
	for (; a < pin_count && pins[a].block < hi; a++)
		pin_sums[pins[a].site] += pins[a].blocks_fx * share;
}

MALLARD_INTERNAL void sites_pin_end(void)
{
	if (!sites_running)
		return;
	uint32_t used = atomic_load_explicit(&sites_used, memory_order_acquire);
	for (uint32_t id = 0; id < used && id < SITE_MAX; id++)
		atomic_store_explicit(&sites[id].pinned_bytes, pin_sums[id] >> FX_SHIFT, memory_order_relaxed);
}

/* ---- the loaded objects ---- */

typedef struct {
	void (*fn)(void *arg, const sites_object_t *o);
	void *arg;
	bool exe_seen;
} sites_objects_walk_t;

static void sites_build_id(struct dl_phdr_info *info, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	hex[0] = '\0';
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + sizeof(*n);
			const uint8_t *desc = name + ((n->n_namesz + 3) & ~3u);
			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
				uint32_t len = n->n_descsz < 20 ? n->n_descsz : 20;
				for (uint32_t k = 0; k < len; k++) {
					hex[2 * k] = digits[desc[k] >> 4];
					hex[2 * k + 1] = digits[desc[k] & 15];
				}
				hex[2 * len] = '\0';
				return;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
}

static int sites_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	sites_objects_walk_t *w = arg;
	sites_object_t o = {info->dlpi_name ? info->dlpi_name : "", info->dlpi_addr, UINTPTR_MAX, 0, "", false};
	char exe[512];
	if (o.path[0] == '\0' && !w->exe_seen) {
		/* the main program comes first, with no name: its path */
		o.is_main = true;
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			o.path = exe;
		}
	}
	w->exe_seen = true;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (lo < o.lo)
			o.lo = lo;
		if (lo + ph->p_memsz > o.hi)
			o.hi = lo + ph->p_memsz;
	}
	if (o.hi == 0)
		return 0;
	sites_build_id(info, o.build_id);
	w->fn(w->arg, &o);
	return 0;
}

MALLARD_INTERNAL void sites_objects(void (*fn)(void *arg, const sites_object_t *o), void *arg)
{
	sites_objects_walk_t w = {fn, arg, false};
	dl_iterate_phdr(sites_object, &w);
}
