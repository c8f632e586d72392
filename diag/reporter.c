/*
 * reporter.c - the snapshots the MALLARD_STATS* options ask for
 * (alloc/options.c reads them):
 *
 *   MALLARD_STATS=exit            a report when the process exits
 *   MALLARD_STATS_INTERVAL_MS=N   a snapshot every N ms, from a thread
 *                                 started only when this (or the signal)
 *                                 is set
 *   MALLARD_STATS_SIGNAL=USR2     a snapshot when the signal arrives (the
 *                                 handler only posts a semaphore, the
 *                                 thread writes)
 *   MALLARD_STATS_FILE=path       where to ("%p" becomes the pid); appended
 *                                 to; default stderr
 *   MALLARD_STATS_FORMAT=text|json  json: one object per line (NDJSON)
 *
 * Each snapshot goes out
 * with one write() (emit_write_fd), so a process killed mid-write
 * leaves at most one truncated last line (emit_write_fd).
 *
 * After fork the child has no reporter thread. If the file name has "%p",
 * the child opens its own file and restarts the thread; otherwise the child
 * reports nothing (one file, one process: mallard-report refuses mixed pids).
 */
#include "alloc/inspect.h"
#include "diag/emit.h"
#include "diag/reporter.h"
#include "mallard.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct {
	int fd;            /* -1 until opened */
	bool started;      /* the options asked for snapshots */
	bool disabled;     /* a fork child without a file of its own */
	bool thread_running;
} reporter = {.fd = -1};

static sem_t reporter_wake;
static volatile sig_atomic_t reporter_signalled;

/* Expands "%p" to the pid into out; false if it does not fit. */
static bool reporter_expand_path(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	char pid[24];
	fmt_u64(pid, (uint64_t)getpid());
	for (const char *p = in; *p; p++) {
		const char *piece = p;
		size_t len = 1;
		if (p[0] == '%' && p[1] == 'p') {
			piece = pid;
			len = strlen(pid);
			p++;
		}
		if (n + len >= cap)
			return false;
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return true;
}

/* Opens the report file (or takes stderr); on failure warns and uses stderr. */
static void reporter_open(void)
{
	if (options.stats_file[0] == '\0') {
		reporter.fd = STDERR_FILENO;
		return;
	}
	char path[OPTIONS_PATH_MAX + 32];
	int fd = -1;
	if (reporter_expand_path(options.stats_file, path, sizeof(path)))
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		report_bad_option("MALLARD_STATS_FILE", options.stats_file, "a file that can be opened for appending",
				  "stderr");
		fd = STDERR_FILENO;
	}
	reporter.fd = fd;
}

static void reporter_write(uint32_t trigger)
{
	if (reporter.disabled || reporter.fd < 0)
		return;
	emit_write_fd(reporter.fd, options.stats_format, trigger);
}

static void reporter_on_signal(int signo)
{
	(void)signo;
	reporter_signalled = 1;
	sem_post(&reporter_wake); /* async-signal-safe */
}

/* Writes a snapshot every interval and whenever the signal came. */
static void *reporter_thread(void *unused)
{
	(void)unused;
	struct timespec next;
	clock_gettime(CLOCK_REALTIME, &next);
	for (;;) {
		struct timespec *deadline = NULL;
		if (options.stats_interval_ms > 0) {
			next.tv_sec += options.stats_interval_ms / 1000;
			next.tv_nsec += (options.stats_interval_ms % 1000) * 1000000L;
			if (next.tv_nsec >= 1000000000L) {
				next.tv_sec++;
				next.tv_nsec -= 1000000000L;
			}
			deadline = &next;
		}
		int rc;
		do {
			rc = deadline ? sem_timedwait(&reporter_wake, deadline) : sem_wait(&reporter_wake);
			if (rc == 0 && reporter_signalled) {
				reporter_signalled = 0;
				reporter_write(MALLARD_STATS_TRIGGER_SIGNAL);
			}
		} while (rc == 0 || errno == EINTR);
		reporter_write(MALLARD_STATS_TRIGGER_INTERVAL);
	}
	return NULL;
}

static void reporter_start_thread(void)
{
	if (options.stats_interval_ms == 0 && options.stats_signal == 0)
		return;
	pthread_attr_t attr;
	pthread_t tid;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	reporter.thread_running = pthread_create(&tid, &attr, reporter_thread, NULL) == 0;
	pthread_attr_destroy(&attr);
}

MALLARD_INTERNAL void reporter_fork_child(void)
{
	if (!reporter.started)
		return;
	reporter_signalled = 0;
	if (strstr(options.stats_file, "%p") == NULL) {
		reporter.disabled = true;
		return;
	}
	if (reporter.fd > STDERR_FILENO)
		close(reporter.fd);
	reporter_open();
	sem_init(&reporter_wake, 0, 0);
	if (reporter.thread_running)
		reporter_start_thread();
}

/* From the diagnostics' constructor, after the allocator is ready. */
MALLARD_INTERNAL void reporter_start(void)
{
	if (!options.stats_at_exit && options.stats_interval_ms == 0 && options.stats_signal == 0)
		return;
	reporter.started = true;
	reporter_open();
	sem_init(&reporter_wake, 0, 0);
	if (options.stats_signal) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = reporter_on_signal;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(options.stats_signal, &sa, NULL);
	}
	reporter_start_thread();
}

MALLARD_INTERNAL void reporter_at_exit(void)
{
	if (options.stats_at_exit)
		reporter_write(MALLARD_STATS_TRIGGER_EXIT);
}
