/*
 * test_sites.c - sampled allocation sites (MALLARD_SITES): the estimate
 * of each site's live bytes, forgetting on every kind of free, the frames,
 * threads (thousands of them) and fork, a sample taken in a signal handler,
 * the JSON a snapshot carries, the words on and off, and a bad value.
 *
 * Sampling is read from the environment at start-up, so every case runs
 * in a fresh process: this program, re-executed with "--case NAME" and the
 * case's MALLARD_SITES. A case prints "# ..." lines with its figures and
 * exits 0 on success. The estimates are random (each heap draws its own
 * sample points); the bounds are several standard deviations wide for the
 * number of samples a case takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mallard.h"

#define PROGRAM "test_sites"
#define CASE_SKIPPED 77
#define SITES_SHOWN 16

static mallard_site_t shown[SITES_SHOWN];

/* ---- four allocation sites, each a function of its own ---- */

#define SITE_FN(name) \
	__attribute__((noinline)) static void *name(size_t n) \
	{ \
		void *p = malloc(n); \
		__asm__ volatile("" ::"r"(p) : "memory"); \
		return p; \
	}
SITE_FN(site_small)
SITE_FN(site_medium)
SITE_FN(site_large)
SITE_FN(site_leak)

/* The site whose frames include a return address inside fn (the first
 * SITE_FN_SPAN bytes of it), or NULL. */
#define SITE_FN_SPAN 64
static const mallard_site_t *site_of(void *(*fn)(size_t), size_t count)
{
	uintptr_t lo = (uintptr_t)fn;
	for (size_t i = 0; i < count && i < SITES_SHOWN; i++)
		for (uint32_t k = 0; k < shown[i].depth; k++)
			if ((uintptr_t)shown[i].frames[k] - lo < SITE_FN_SPAN)
				return &shown[i];
	return NULL;
}

/* Estimated live bytes of the sites where this program's own code called
 * malloc (the innermost frame between __executable_start and etext): the
 * case's frees must bring it back to what it was at the case's start. The
 * C library and the loader allocate for themselves meanwhile, and keep it
 * (stdout's buffer). */
extern char __executable_start[], etext[];

static uint64_t live_now(void)
{
	size_t n = mallard_sites_get(shown, SITES_SHOWN);
	uint64_t total = 0;
	for (size_t i = 0; i < n && i < SITES_SHOWN; i++)
		if (shown[i].depth > 0 && (uintptr_t)shown[i].frames[0] - (uintptr_t)__executable_start <
		                              (uintptr_t)(etext - __executable_start))
			total += shown[i].live_bytes;
	return total;
}

/* ---- cases (each in its own process) ---- */

static int case_off(void)
{
	void *p = site_small(100);
	free(p);
	size_t n = mallard_sites_get(shown, SITES_SHOWN);
	printf("# off: rate %zu, %zu sites\n", mallard_sites_rate(), n);
	return mallard_sites_rate() == 0 && n == 0 ? 0 : 1;
}

/* MALLARD_SITES=on: the default rate, 2 MiB. 64 MiB held in 64 KiB
 * blocks get about 32 samples of 2 MiB each; the estimate is outside
 * [0.35, 2] x the truth with a chance below one in a million. */
static int case_on(void)
{
	enum { BLOCKS = 1024, SIZE = 64 * 1024 };
	static void *held[BLOCKS];
	uint64_t base = live_now();
	for (int i = 0; i < BLOCKS; i++)
		if ((held[i] = site_medium(SIZE)) == NULL)
			return 2;
	uint64_t live = live_now() - base, truth = (uint64_t)BLOCKS * SIZE;
	printf("# on: rate %zu, %llu live bytes estimated of %llu\n", mallard_sites_rate(),
	       (unsigned long long)live, (unsigned long long)truth);
	int rc = mallard_sites_rate() == ((size_t)2 << 20) && live >= truth * 35 / 100 && live <= 2 * truth ? 0 : 1;
	/* a record of another size (an older header): refused, nothing filled */
	mallard_site_t other[1] = {{.size = sizeof(mallard_site_t) - 8, .depth = 12345}};
	errno = 0;
	size_t got = mallard_sites_get(other, 1);
	printf("# on: a mis-sized record: %zd, errno %d\n", (ssize_t)got, errno);
	if (got != (size_t)-1 || errno != EINVAL || other[0].depth != 12345 || shown[0].size != sizeof(mallard_site_t))
		rc = 1;
	for (int i = 0; i < BLOCKS; i++)
		free(held[i]);
	return rc;
}

/* Three sites churn about the same volume; the fourth keeps every other
 * block it allocates. The leaking site must come first with >= 90 % of
 * the live bytes, and its estimate be within 15 % of the truth. */
static int case_leak(void)
{
	uint64_t base = live_now();
	enum { ROUNDS = 100000 };
	static void *kept[ROUNDS / 2];
	size_t nkept = 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		void *a = site_small(64), *b = site_medium(200), *c = site_large(1000);
		memset(a, 1, 64);
		memset(b, 1, 200);
		memset(c, 1, 1000);
		free(a);
		free(b);
		free(c);
		if (r % 2 == 0)
			kept[nkept++] = site_leak(100);
	}
	uint64_t truth = (uint64_t)nkept * 100, total = live_now() - base;
	size_t n = mallard_sites_get(shown, SITES_SHOWN);
	const mallard_site_t *leak = site_of(site_leak, n);
	printf("# leak: %zu sites; leaking site %llu bytes in %llu blocks from %llu samples (truth %llu bytes, "
	       "%zu blocks); all sites %llu bytes\n",
	       n, leak ? (unsigned long long)leak->live_bytes : 0ull, leak ? (unsigned long long)leak->live_blocks : 0ull,
	       leak ? (unsigned long long)leak->samples_live : 0ull, (unsigned long long)truth, nkept,
	       (unsigned long long)total);
	int rc = 0;
	if (leak != &shown[0] || leak->live_bytes * 10 < total * 9)
		rc = 1;
	if (leak && (leak->live_bytes < truth * 85 / 100 || leak->live_bytes > truth * 115 / 100))
		rc = 1;
	/* the churning sites were sampled (allocs), and hold nothing now */
	void *(*churn[])(size_t) = {site_small, site_medium, site_large};
	for (int i = 0; i < 3; i++) {
		const mallard_site_t *s = site_of(churn[i], n);
		if (s == NULL || s->samples == 0 || s->live_bytes != 0 || s->samples_live != 0) {
			printf("# churning site %d: %s\n", i, s ? "holds live samples" : "not found");
			rc = 1;
		}
	}
	for (size_t i = 0; i < nkept; i++)
		free(kept[i]);
	if (live_now() != base) {
		printf("# %llu bytes live after every block was freed, %llu before the case\n",
		       (unsigned long long)live_now(), (unsigned long long)base);
		rc = 1;
	}
	return rc;
}

/* Every path that allocates or frees: large, huge, calloc of a huge
 * block, aligned (small and huge), realloc that moves and one that grows
 * in place (the sample keeps the size it was taken at). With
 * MALLARD_SITES=1 every allocation is sampled, at its own size. */
static int case_paths(void)
{
	uint64_t base = live_now();
	size_t big = (size_t)8 << 20;
	void *large = site_large(200 * 1024);
	void *huge = site_leak(big);
	void *zeroed = calloc(1, big);
	void *aligned = NULL, *aligned_huge = NULL;
	if (posix_memalign(&aligned, 4096, 100) != 0 || posix_memalign(&aligned_huge, 1 << 22, big) != 0)
		return 2;
	char *moved = site_small(50);
	moved = realloc(moved, 5000); /* moves to another class */
	char *grown = site_medium(300 * 1024);
	grown = realloc(grown, 310 * 1024);
	if (!large || !huge || !zeroed || !moved || !grown)
		return 2;
	uint64_t live = live_now() - base;
	size_t n = mallard_sites_get(shown, SITES_SHOWN);
	uint64_t expect = 200 * 1024 + 3 * (uint64_t)big + 100 + 5000 + 300 * 1024;
	printf("# paths: %zu sites, %llu live bytes estimated (at least %llu sampled)\n", n,
	       (unsigned long long)live, (unsigned long long)expect);
	int rc = live >= expect && live < expect + 8192 ? 0 : 1;
	free(large);
	free(huge);
	free(zeroed);
	free(aligned);
	free(aligned_huge);
	free(moved);
	free(grown);
	printf("# after the frees: %llu live bytes, %llu before the case\n", (unsigned long long)live_now(),
	       (unsigned long long)base);
	return rc || live_now() != base;
}

/* Blocks allocated on one thread and freed on another (remote frees),
 * by several pairs of threads at once. */
enum { HANDOFF_BLOCKS = 20000 };
typedef struct {
	void **blocks;
} handoff_t;

static void *handoff_alloc(void *arg)
{
	handoff_t *h = arg;
	for (size_t i = 0; i < HANDOFF_BLOCKS; i++)
		h->blocks[i] = site_medium(16 + i % 512);
	return NULL;
}

static void *handoff_free(void *arg)
{
	handoff_t *h = arg;
	for (size_t i = 0; i < HANDOFF_BLOCKS; i++)
		free(h->blocks[i]);
	return NULL;
}

static int case_threads(void)
{
	uint64_t base = live_now();
	enum { PAIRS = 4 };
	static void *blocks[PAIRS][HANDOFF_BLOCKS];
	handoff_t h[PAIRS];
	pthread_t t[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		h[i].blocks = blocks[i];
		if (pthread_create(&t[i], NULL, handoff_alloc, &h[i]) != 0)
			return 2;
	}
	for (int i = 0; i < PAIRS; i++)
		pthread_join(t[i], NULL);
	size_t n = mallard_sites_get(shown, SITES_SHOWN);
	const mallard_site_t *s = site_of(site_medium, n);
	uint64_t truth = 0;
	for (size_t i = 0; i < HANDOFF_BLOCKS; i++)
		truth += 16 + i % 512;
	truth *= PAIRS;
	printf("# threads: %llu bytes estimated from %llu samples, %llu allocated\n",
	       s ? (unsigned long long)s->live_bytes : 0ull, s ? (unsigned long long)s->samples_live : 0ull,
	       (unsigned long long)truth);
	int rc = s && s->live_bytes > truth * 8 / 10 && s->live_bytes < truth * 12 / 10 ? 0 : 1;
	for (int i = 0; i < PAIRS; i++)
		if (pthread_create(&t[i], NULL, handoff_free, &h[i]) != 0)
			return 2;
	for (int i = 0; i < PAIRS; i++)
		pthread_join(t[i], NULL);
	printf("# after remote frees: %llu live bytes, %llu before the case\n", (unsigned long long)live_now(),
	       (unsigned long long)base);
	return rc || live_now() != base;
}

/* The child of a fork inherits the sites and frees what it inherited. */
static int case_fork(void)
{
	uint64_t base = live_now();
	enum { N = 20000 };
	static void *b[N];
	for (int i = 0; i < N; i++)
		b[i] = site_leak(128);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		uint64_t before = live_now();
		for (int i = 0; i < N; i++)
			free(b[i]);
		uint64_t after = live_now();
		printf("# fork child: %llu live bytes inherited, %llu after its frees (%llu before the case)\n",
		       (unsigned long long)before, (unsigned long long)after, (unsigned long long)base);
		fflush(stdout);
		_exit(before > base && after == base ? 0 : 1);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	for (int i = 0; i < N; i++)
		free(b[i]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

/* Thousands of threads come and go, each sampling (its heap's countdown)
 * and freeing what it sampled: nothing is left counted, and the sites of
 * every thread are there. */
enum { SHORT_THREADS = 2000, SHORT_BLOCKS = 64 };

static void *short_thread(void *arg)
{
	void *b[SHORT_BLOCKS];
	for (size_t i = 0; i < SHORT_BLOCKS; i++)
		b[i] = site_small(64 + (uintptr_t)arg % 512);
	for (size_t i = 0; i < SHORT_BLOCKS; i++)
		free(b[i]);
	return NULL;
}

static int case_many_threads(void)
{
	uint64_t base = live_now();
	for (unsigned r = 0; r < SHORT_THREADS / 8; r++) {
		pthread_t t[8];
		for (unsigned i = 0; i < 8; i++)
			if (pthread_create(&t[i], NULL, short_thread, (void *)(uintptr_t)(r * 8 + i)) != 0)
				return 2;
		for (unsigned i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
	}
	size_t n = mallard_sites_get(shown, SITES_SHOWN);
	const mallard_site_t *s = site_of(site_small, n);
	printf("# many threads: %d threads, site_small sampled %llu times, %llu live bytes after (%llu before)\n",
	       SHORT_THREADS, s ? (unsigned long long)s->samples : 0ull, (unsigned long long)live_now(),
	       (unsigned long long)base);
	return s && s->samples > 0 && live_now() == base ? 0 : 1;
}

/* A sample taken in a signal handler: the stack unwinds through the
 * signal frame to the code the signal interrupted. */
static void *volatile signal_block;

__attribute__((noinline)) static void on_signal(int sig)
{
	(void)sig;
	signal_block = site_leak(100);
}

__attribute__((noinline)) static int interrupted_here(void)
{
	raise(SIGUSR1);
	return signal_block != NULL;
}

static int case_signal(void)
{
	signal(SIGUSR1, on_signal);
	if (!interrupted_here())
		return 2;
	size_t n = mallard_sites_get(shown, SITES_SHOWN);
	const mallard_site_t *s = site_of(site_leak, n);
	bool handler = false, interrupted = false;
	for (uint32_t k = 0; s && k < s->depth; k++) {
		uintptr_t f = (uintptr_t)s->frames[k];
		handler |= f - (uintptr_t)on_signal < SITE_FN_SPAN;
		interrupted |= f - (uintptr_t)interrupted_here < SITE_FN_SPAN;
	}
	printf("# signal: the handler's sample has %u frames; handler %s, interrupted function %s\n",
	       s ? s->depth : 0, handler ? "found" : "missing", interrupted ? "found" : "missing");
	free(signal_block);
	return handler && interrupted && live_now() == 0 ? 0 : 1;
}

/* A snapshot written as JSON carries the sites and the loaded objects. */
static int case_json(void)
{
	enum { N = 5000 };
	static void *b[N];
	for (int i = 0; i < N; i++)
		b[i] = site_leak(256);
	char path[] = "/tmp/test_sites.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 2;
	unlink(path);
	if (mallard_stats_write_fd(fd, MALLARD_STATS_JSON) != 0)
		return 2;
	static char buf[512 * 1024];
	ssize_t len = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	if (len <= 0)
		return 2;
	buf[len] = '\0';
	const char *want[] = {"\"sites\":{\"rate\":4096,", "\"list\":[{\"live_bytes\":", "\"frames\":[\"0x",
	                      "\"objects\":[{\"path\":", "\"build_id\":\""};
	int rc = 0;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (strstr(buf, want[i]) == NULL) {
			printf("# the JSON line lacks %s\n", want[i]);
			rc = 1;
		}
	if (buf[len - 1] != '\n' || memchr(buf, '\n', (size_t)len - 1) != NULL) {
		printf("# the snapshot is not one line\n");
		rc = 1;
	}
	printf("# json: %zd bytes\n", len);
	for (int i = 0; i < N; i++)
		free(b[i]);
	return rc;
}

/* A bad value: one warning, sampling off, the program runs on. */
static int case_bad(void)
{
	void *p = site_small(100);
	free(p);
	printf("# bad value: rate %zu\n", mallard_sites_rate());
	return mallard_sites_rate() == 0 ? 0 : 1;
}

static const struct {
	const char *name;
	int (*run)(void);
	const char *sites; /* MALLARD_SITES for the case, or NULL */
} cases[] = {
	{"off", case_off, NULL},
	{"off_word", case_off, "off"},
	{"on", case_on, "on"},
	{"leak", case_leak, "4k"},
	{"paths", case_paths, "1"},
	{"threads", case_threads, "4k"},
	{"fork", case_fork, "4k"},
	{"many_threads", case_many_threads, "4k"},
	{"signal", case_signal, "1"},
	{"json", case_json, "4k"},
	{"bad", case_bad, "banana"},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

/* ---- the cmocka side: one test per case, each in a fresh process ---- */

/* Runs the case; its stderr goes to `err` (cap bytes, NUL-terminated). */
static int run_case(size_t i, char *err, size_t cap)
{
	int pipefd[2];
	if (pipe(pipefd) != 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *argv[] = {PROGRAM, "--case", (char *)cases[i].name, NULL};
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		if (cases[i].sites)
			setenv("MALLARD_SITES", cases[i].sites, 1);
		else
			unsetenv("MALLARD_SITES");
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(pipefd[1]);
	size_t len = 0;
	ssize_t n;
	while ((n = read(pipefd[0], err + len, cap - 1 - len)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			len += (size_t)n;
	err[len] = '\0';
	close(pipefd[0]);
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_case(void **state)
{
	size_t i = (size_t)(uintptr_t)*state;
	char err[4096];
	int rc = run_case(i, err, sizeof err);
	if (err[0])
		printf("# stderr: %s", err);
	if (strcmp(cases[i].name, "bad") == 0) {
		/* exactly one line, the warning */
		assert_non_null(strstr(err, "mallard: warning: MALLARD_SITES=\"banana\" is not valid"));
		assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	} else {
		assert_string_equal(err, "");
	}
	if (rc == CASE_SKIPPED)
		skip();
	assert_int_equal(rc, 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--case") == 0) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		printf("# case %s, MALLARD_SITES=%s\n", argv[2], getenv("MALLARD_SITES") ? getenv("MALLARD_SITES") : "");
		shown[0].size = sizeof(mallard_site_t);
		for (size_t i = 0; i < CASE_COUNT; i++)
			if (strcmp(argv[2], cases[i].name) == 0)
				return cases[i].run();
		fprintf(stderr, PROGRAM ": unknown case '%s'\n", argv[2]);
		return 2;
	}
	struct CMUnitTest tests[CASE_COUNT];
	for (size_t i = 0; i < CASE_COUNT; i++)
		tests[i] = (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *)(uintptr_t)i};
	return cmocka_run_group_tests_name(PROGRAM, tests, NULL, NULL);
}
