/*
 * test_invalid_free.c - freeing what mallard never handed out, and
 * freeing twice.
 *
 * Contract:
 *   - free(p) of a pointer mallard did not allocate (a stack address, a
 *     block of glibc's own malloc, (void *)0x1000) prints a line with
 *     "mallard:" and the pointer as printf's %p writes it (0x + lowercase
 *     hex) on stderr, then aborts (SIGABRT);
 *   - with MALLARD_INVALID_FREE=ignore in the environment at start-up the
 *     same message is printed and the program goes on;
 *   - free(p); free(p); is reported ("double free") and aborts.
 *
 * Each case runs in a child: fork, then exec of this program with
 * "--child MODE API" (the allocator reads its options once, at start-up,
 * so the environment must be in place before exec). The child prints the
 * pointer it is about to free on stdout; the parent reads the child's
 * stdout and stderr through pipes and checks its exit status.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mallard.h"

/* ---- the child: one bad free, then report survival ---- */

static void child_free(const char *api, void *p)
{
	void (*volatile free_fn)(void *) = strcmp(api, "mallard") == 0 ? mallard_free : free;

	free_fn(p);
}

static void announce(const void *p)
{
	printf("%p\n", p);
	fflush(stdout);
}

static void *child_malloc(const char *api, size_t size)
{
	void *(*volatile malloc_fn)(size_t) = strcmp(api, "mallard") == 0 ? mallard_malloc : malloc;

	return malloc_fn(size);
}

/* The block of a double-free mode: SIZE bytes (the number after the
 * mode's colon) from `api`, written and announced; NULL if none. */
static void *child_block(const char *api, const char *mode, size_t *size)
{
	*size = strtoul(strchr(mode, ':') + 1, NULL, 10);
	void *p = child_malloc(api, *size);

	if (p != NULL) {
		memset(p, 0x42, *size);
		announce(p);
	}
	return p;
}

struct remote_free {
	const char *api;
	void *p;
	int go; /* remote_free_later_main: read end of a pipe, written when p may go */
};

/* Waits for the word, then frees: the thread exists before the owner's
 * free, so that nothing the owner does between that free and this one
 * (creating a thread allocates) can give the block's memory away. */
static void *remote_free_later_main(void *arg)
{
	struct remote_free *rf = arg;
	char c;

	if (read(rf->go, &c, 1) != 1)
		return rf;
	child_free(rf->api, rf->p);
	return NULL;
}

static void *remote_free_twice_main(void *arg)
{
	struct remote_free *rf = arg;
	void *volatile again = rf->p;

	/* a thread with a heap of its own: its frees of others' blocks are
	 * chained, a page's run at a time */
	free(malloc(16));
	child_free(rf->api, rf->p);
	child_free(rf->api, again);
	return NULL;
}

/* Runs fn(rf) in a thread of its own, to its end; 0, or 3 if it could not. */
static int in_other_thread(void *(*fn)(void *), struct remote_free *rf)
{
	pthread_t t;

	return pthread_create(&t, NULL, fn, rf) != 0 || pthread_join(t, NULL) != 0 ? 3 : 0;
}

static int child_main(const char *mode, const char *api)
{
	if (strcmp(mode, "stack") == 0) {
		char local[64];
		void *volatile p = local + 16;

		announce(p);
		child_free(api, p);
	} else if (strcmp(mode, "glibc") == 0) {
		void *libc = dlopen("libc.so.6", RTLD_NOW);
		void *(*glibc_malloc)(size_t);

		if (libc == NULL)
			return 3;
		glibc_malloc = (void *(*)(size_t))dlsym(libc, "malloc");
		if (glibc_malloc == NULL)
			return 3;
		void *p = glibc_malloc(64);
		if (p == NULL)
			return 3;
		announce(p);
		child_free(api, p);
	} else if (strcmp(mode, "low") == 0) {
		void *volatile p = (void *)(uintptr_t)0x1000;

		announce(p);
		child_free(api, p);
	} else if (strncmp(mode, "double-remote:", 14) == 0) {
		/* freed by its owner, then again by another thread; the
		 * owner's next malloc of the size may reuse its memory */
		size_t size;
		int go[2];
		pthread_t t;
		void *res = NULL;
		struct remote_free rf = {api, child_block(api, mode, &size), -1};

		if (rf.p == NULL || pipe(go) != 0)
			return 3;
		rf.go = go[0];
		if (pthread_create(&t, NULL, remote_free_later_main, &rf) != 0)
			return 3;
		child_free(api, rf.p);
		if (write(go[1], "", 1) != 1 || pthread_join(t, &res) != 0 || res != NULL)
			return 3;
		child_free(api, child_malloc(api, size));
	} else if (strncmp(mode, "double-other:", 13) == 0) {
		/* freed twice by a thread that did not allocate it */
		size_t size;
		struct remote_free rf = {api, child_block(api, mode, &size), -1};

		if (rf.p == NULL || in_other_thread(remote_free_twice_main, &rf) != 0)
			return 3;
	} else if (strncmp(mode, "double:", 7) == 0) {
		size_t size;
		void *p = child_block(api, mode, &size);
		void *volatile again = p;

		if (p == NULL)
			return 3;
		child_free(api, p);
		child_free(api, again);
	} else {
		return 2;
	}
	/* Still alive (MALLARD_INVALID_FREE=ignore): the heap must still work. */
	for (int i = 0; i < 100; i++) {
		void *q = malloc((size_t)i * 37 + 1);

		if (q == NULL)
			return 4;
		memset(q, i, (size_t)i * 37 + 1);
		free(q);
	}
	printf("survived\n");
	fflush(stdout);
	return 0;
}

/* ---- the parent ---- */

struct child_result {
	int status;		/* from waitpid */
	char out[512];		/* child's stdout */
	char err[8192];		/* child's stderr */
};

/* Read both pipes to EOF (either may fill while the other is read). */
static void drain(int out_fd, int err_fd, struct child_result *r)
{
	struct pollfd fds[2] = { { .fd = out_fd, .events = POLLIN }, { .fd = err_fd, .events = POLLIN } };
	size_t used[2] = { 0, 0 };
	char *buf[2] = { r->out, r->err };
	size_t cap[2] = { sizeof r->out - 1, sizeof r->err - 1 };
	int open_fds = 2;

	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char tmp[1024];
			ssize_t n = read(fds[i].fd, tmp, sizeof tmp);

			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			size_t keep = (size_t)n < cap[i] - used[i] ? (size_t)n : cap[i] - used[i];
			memcpy(buf[i] + used[i], tmp, keep);
			used[i] += keep;
		}
	}
	r->out[used[0]] = '\0';
	r->err[used[1]] = '\0';
}

static void run_child(const char *mode, const char *api, int ignore, struct child_result *r)
{
	int out[2], err[2];
	pid_t pid;

	memset(r, 0, sizeof *r);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		setrlimit(RLIMIT_CORE, &no_core);
		if (ignore)
			setenv("MALLARD_INVALID_FREE", "ignore", 1);
		else
			unsetenv("MALLARD_INVALID_FREE");
		alarm(30); /* a hung child fails the test instead of hanging it */
		execl("/proc/self/exe", "test_invalid_free", "--child", mode, api, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	drain(out[0], err[0], r);
	while (waitpid(pid, &r->status, 0) < 0)
		assert_int_equal(errno, EINTR);
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status %#x", (unsigned)status);
}

/* haystack holds the pointer text ptr, not followed by more hex digits. */
static int has_pointer(const char *haystack, const char *ptr)
{
	size_t n = strlen(ptr);

	for (const char *at = strstr(haystack, ptr); at != NULL; at = strstr(at + 1, ptr))
		if (strchr("0123456789abcdefABCDEF", at[n]) == NULL || at[n] == '\0')
			return 1;
	return 0;
}

/* The child's first stdout line: the pointer it freed, as %p printed it. */
static void child_pointer(const struct child_result *r, char *ptr, size_t len)
{
	size_t n = strcspn(r->out, "\n");

	if (n == 0 || n >= len || strncmp(r->out, "0x", 2) != 0)
		fail_msg("child did not print the pointer it freed; stdout: \"%s\", stderr: \"%s\"",
			 r->out, r->err);
	memcpy(ptr, r->out, n);
	ptr[n] = '\0';
}

/* One invalid free: aborts by default, goes on with ignore; the message
 * names mallard and the pointer both times. */
static void check_invalid_free(const char *mode, const char *api)
{
	struct child_result r;
	char ptr[64], how[64];

	run_child(mode, api, 0, &r);
	child_pointer(&r, ptr, sizeof ptr);
	describe_status(r.status, how, sizeof how);
	if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGABRT)
		fail_msg("free(%s) [%s, %s]: child ended with %s, expected SIGABRT; stderr: \"%s\"",
			 ptr, mode, api, how, r.err);
	if (strstr(r.err, "mallard:") == NULL || !has_pointer(r.err, ptr))
		fail_msg("free(%s) [%s, %s]: stderr lacks \"mallard:\" or \"%s\": \"%s\"",
			 ptr, mode, api, ptr, r.err);

	run_child(mode, api, 1, &r);
	child_pointer(&r, ptr, sizeof ptr);
	describe_status(r.status, how, sizeof how);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0 || strstr(r.out, "survived\n") == NULL)
		fail_msg("MALLARD_INVALID_FREE=ignore, free(%s) [%s, %s]: child ended with %s, "
			 "expected exit status 0; stdout: \"%s\", stderr: \"%s\"",
			 ptr, mode, api, how, r.out, r.err);
	if (strstr(r.err, "mallard:") == NULL || !has_pointer(r.err, ptr))
		fail_msg("MALLARD_INVALID_FREE=ignore, free(%s) [%s, %s]: stderr lacks \"mallard:\" or "
			 "\"%s\": \"%s\"", ptr, mode, api, ptr, r.err);
}

static void check_double_free_mode(const char *kind, const char *size, const char *api)
{
	struct child_result r;
	char mode[48], ptr[64], how[64];

	snprintf(mode, sizeof mode, "%s:%s", kind, size);
	run_child(mode, api, 0, &r);
	child_pointer(&r, ptr, sizeof ptr);
	describe_status(r.status, how, sizeof how);
	if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGABRT)
		fail_msg("double free of %s (%s bytes, %s): child ended with %s, expected SIGABRT; "
			 "stderr: \"%s\"", ptr, size, api, how, r.err);
	if (strstr(r.err, "mallard:") == NULL || strstr(r.err, "double free") == NULL)
		fail_msg("double free of %s (%s bytes, %s): stderr lacks \"mallard:\" or \"double free\": "
			 "\"%s\"", ptr, size, api, r.err);
}

static void check_double_free(const char *size, const char *api)
{
	check_double_free_mode("double", size, api);
}

static void test_stack_pointer(void **state)
{
	check_invalid_free("stack", *state);
}

static void test_glibc_block(void **state)
{
	check_invalid_free("glibc", *state);
}

static void test_low_address(void **state)
{
	check_invalid_free("low", *state);
}

static void test_double_free_small(void **state)
{
	check_double_free("32", *state);
}

static void test_double_free_medium(void **state)
{
	check_double_free("2000", *state);
}

static void test_double_free_large(void **state)
{
	check_double_free("100000", *state);
}

/* A small block freed twice in a row by a thread that does not own it. */
static void test_double_free_other_thread(void **state)
{
	check_double_free_mode("double-other", "48", *state);
}

/* A large block freed by its owner, then by another thread: reported when
 * the owner's next malloc of the size would hand its span out again. */
static void test_double_free_large_remote(void **state)
{
	check_double_free_mode("double-remote", "300000", *state);
}

/* The child runs and exits 0 when nothing is wrong: the harness itself
 * does not make every child fail. */
static void test_harness_control(void **state)
{
	struct child_result r;
	char how[64];

	(void)state;
	run_child("none", "std", 0, &r);
	describe_status(r.status, how, sizeof how);
	/* unknown mode: the child returns 2 without freeing anything */
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 2)
		fail_msg("control child ended with %s; stderr: \"%s\"", how, r.err);
	if (r.err[0] != '\0')
		fail_msg("control child wrote to stderr: \"%s\"", r.err);
}

#define BOTH(f) \
	{ .name = #f " (free)", .test_func = f, .initial_state = (void *)"std" }, \
	{ .name = #f " (mallard_free)", .test_func = f, .initial_state = (void *)"mallard" }

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3]);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harness_control),
		BOTH(test_stack_pointer),
		BOTH(test_glibc_block),
		BOTH(test_low_address),
		BOTH(test_double_free_small),
		BOTH(test_double_free_medium),
		BOTH(test_double_free_large),
		BOTH(test_double_free_large_remote),
		BOTH(test_double_free_other_thread),
	};

	return cmocka_run_group_tests_name("invalid_free", tests, NULL, NULL);
}
