/*
 * reporter.c - snapshots the environment asks for, read once at start-up:
 *
 *   MALLARD_STATS=exit            a report when the process exits
 *   MALLARD_STATS_INTERVAL_MS=N   a snapshot every N ms, from a background
 *                                 thread started only when this (or the
 *                                 signal) is set
 *   MALLARD_STATS_SIGNAL=USR2     a snapshot when the signal arrives (USR1
 *                                 or USR2; the handler only posts a
 *                                 semaphore, the thread writes)
 *   MALLARD_STATS_FILE=path       where to ("%p" becomes the pid); appended
 *                                 to; default stderr
 *   MALLARD_STATS_FORMAT=text|json  json: one object per line (NDJSON)
 *
 * A bad value gets one warning line and is ignored. Each snapshot goes out
 * with one write() (emit_write_fd), so a process killed mid-write
 * leaves at most one truncated last line (emit_write_fd).
 *
 * After fork the child has no reporter thread. If the file name has "%p",
 * the child opens its own file and restarts the thread; otherwise the child
 * reports nothing (one file, one process: mallard-report refuses mixed pids).
 */
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REPORTER_INTERVAL_MAX_MS 86400000L
#define REPORTER_PATH_MAX 512

static struct {
	bool at_exit;
	long interval_ms;  /* 0: none */
	int signo;         /* 0: none */
	int format;        /* MALLARD_STATS_TEXT or MALLARD_STATS_JSON */
	char path[REPORTER_PATH_MAX]; /* as given, "%p" not yet expanded; "" = stderr */
	int fd;            /* -1 until opened */
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
	if (reporter.path[0] == '\0') {
		reporter.fd = STDERR_FILENO;
		return;
	}
	char path[REPORTER_PATH_MAX + 32];
	int fd = -1;
	if (reporter_expand_path(reporter.path, path, sizeof(path)))
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		report_bad_option("MALLARD_STATS_FILE", reporter.path, "a file that can be opened for appending",
				  "stderr");
		fd = STDERR_FILENO;
	}
	reporter.fd = fd;
}

static void reporter_write(uint32_t trigger)
{
	if (reporter.disabled || reporter.fd < 0)
		return;
	emit_write_fd(reporter.fd, reporter.format, trigger);
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
		if (reporter.interval_ms > 0) {
			next.tv_sec += reporter.interval_ms / 1000;
			next.tv_nsec += (reporter.interval_ms % 1000) * 1000000L;
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
	if (reporter.interval_ms == 0 && reporter.signo == 0)
		return;
	pthread_attr_t attr;
	pthread_t tid;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	reporter.thread_running = pthread_create(&tid, &attr, reporter_thread, NULL) == 0;
	pthread_attr_destroy(&attr);
}

static void reporter_read_options(void)
{
	const char *s = getenv("MALLARD_STATS");
	if (s != NULL) {
		if (strcmp(s, "exit") == 0)
			reporter.at_exit = true;
		else if (*s != '\0')
			report_bad_option("MALLARD_STATS", s, "exit", "no exit report");
	}
	long v = 0;
	s = getenv("MALLARD_STATS_INTERVAL_MS");
	if (s != NULL) {
		if (options_parse_long(s, 1, REPORTER_INTERVAL_MAX_MS, &v))
			reporter.interval_ms = v;
		else
			report_bad_option("MALLARD_STATS_INTERVAL_MS", s, "milliseconds from 1 to 86400000",
					  "no periodic snapshots");
	}
	s = getenv("MALLARD_STATS_SIGNAL");
	if (s != NULL) {
		if (strncmp(s, "SIG", 3) == 0)
			s += 3;
		if (strcmp(s, "USR1") == 0)
			reporter.signo = SIGUSR1;
		else if (strcmp(s, "USR2") == 0)
			reporter.signo = SIGUSR2;
		else
			report_bad_option("MALLARD_STATS_SIGNAL", getenv("MALLARD_STATS_SIGNAL"), "USR1 or USR2", "no signal");
	}
	s = getenv("MALLARD_STATS_FORMAT");
	reporter.format = MALLARD_STATS_TEXT;
	if (s != NULL) {
		if (strcmp(s, "json") == 0)
			reporter.format = MALLARD_STATS_JSON;
		else if (strcmp(s, "text") != 0)
			report_bad_option("MALLARD_STATS_FORMAT", s, "text or json", "text");
	}
	s = getenv("MALLARD_STATS_FILE");
	if (s != NULL) {
		if (strlen(s) < sizeof(reporter.path))
			strcpy(reporter.path, s);
		else
			report_bad_option("MALLARD_STATS_FILE", "(too long)", "a path of at most 511 bytes", "stderr");
	}
}

static void reporter_fork_child(void)
{
	reporter_signalled = 0;
	if (strstr(reporter.path, "%p") == NULL) {
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

/* From the library constructor, after the allocator is ready. */
static void reporter_init(void)
{
	reporter_read_options();
	if (!reporter.at_exit && reporter.interval_ms == 0 && reporter.signo == 0)
		return;
	reporter_open();
	sem_init(&reporter_wake, 0, 0);
	if (reporter.signo) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = reporter_on_signal;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(reporter.signo, &sa, NULL);
	}
	pthread_atfork(NULL, NULL, reporter_fork_child);
	reporter_start_thread();
}

/* At exit (and dlclose): the exit report. */
__attribute__((destructor)) static void reporter_at_exit(void)
{
	if (reporter.at_exit)
		reporter_write(MALLARD_STATS_TRIGGER_EXIT);
}
