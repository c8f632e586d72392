/*
 * background.c - the maintenance thread: gives freed memory back on time,
 * whatever the program does after the free.
 *
 * Heap maintenance otherwise runs on allocation slow paths and every
 * HEAP_FREE_BEAT frees, so a program that frees a lot and then idles,
 * blocks, or keeps to the fast path would hold its freed pages for as long
 * as it stays quiet. This thread does the maintenance that is due in such
 * heaps: the purge of freed slices (and release of empty segments), the
 * pages emptied by remote frees while their owner sleeps, the abandoned
 * heaps of exited threads, and the expiry of cached huge mappings.
 *
 * It costs nothing while nothing is due: it sleeps on a condition variable
 * with no timeout, and whoever makes something due (a segment's first
 * freed slice, a huge mapping cached, a page pushed to an owner by a
 * remote free, a thread exit) calls background_due(), which is one load
 * and a compare unless the new time is earlier than the thread's wake-up.
 * None of those callers is on a malloc/free fast path.
 *
 * Start-up is lazy: the thread is wanted once the process maps more than
 * one segment (or a huge block, whose mapping is cached when freed), and
 * the next malloc slow path that makes a new page or a large or huge block
 * creates it (pthread_create allocates, and must not run where free() may
 * be called under a lock of glibc's). A process whose heap stays within its first
 * segment gets no thread; what it frees waits for its own next malloc
 * slow path or HEAP_FREE_BEAT, as when the thread is off. MALLARD_BACKGROUND=0
 * turns it off (bg_earliest then stays 0, so background_due returns at
 * once): maintenance is then only what the program's own calls run.
 *
 * The thread never allocates, blocks every signal, and holds bg_work_lock
 * for each pass; fork takes that lock first, so no pass is half done in
 * the child, which starts its own thread lazily the same way.
 */
#include "alloc/internal.h"
#include "alloc/background.h"
#include "alloc/clock.h"
#include "alloc/heap.h"
#include "alloc/huge.h"
#include "alloc/options.h"
#include "alloc/page.h"
#include "alloc/purge.h"
#include "alloc/runs.h"
#include "alloc/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum {
	BG_IDLE = 0,     /* not started, not wanted yet */
	BG_WANTED = 1,   /* start on the next malloc slow path that makes a page */
	BG_STARTING = 2, /* pthread_create in progress (it may re-enter malloc) */
	BG_RUNNING = 3,
	BG_FAILED = 4,   /* pthread_create failed: retry after BG_RETRY_MS */
	BG_OFF = 5,      /* MALLARD_BACKGROUND=0, or purging is off */
};

/* Waking a few ms late costs nothing; waking early costs a second wake-up
 * (clock_now_ms is the coarse clock, up to a tick behind the condvar's). */
#define BG_SLACK_MS 5
#define BG_RETRY_MS 1000
/* The thread's stack sizes, tried in turn: a small stack spares 32-bit
 * address space, and glibc carves the static TLS out of it too, so a
 * program with a lot of TLS needs a bigger one (EINVAL). Each is under
 * the 2 MiB of a transparent huge page, so that where THP is "always" the
 * kernel cannot back the stack with one (the default 8 MiB stack got a
 * 2 MiB huge page under Debian 12's cloud kernel, and stayed resident);
 * the default size (0 here) only if none of them holds the TLS. */
static const size_t bg_stack_sizes[] = {64 << 10, 256 << 10, 1 << 20, 0};

static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER; /* bg_cond, state changes */
static pthread_cond_t bg_cond;
static pthread_mutex_t bg_work_lock = PTHREAD_MUTEX_INITIALIZER; /* held for a pass; fork takes it */
static _Atomic int bg_state;
static uint64_t bg_retry_at_ms;
static unsigned bg_exit_looks; /* looks left for the last thread's end */
static sigset_t bg_sigmask_of_program; /* the mask the thread was started from */
/* When the thread next looks: UINT64_MAX while it sleeps with nothing
 * due, and also while a pass runs (so that every background_due during
 * the pass takes the lock and the pass's own result cannot hide it); 0
 * when background maintenance is off. Written under bg_lock. */
static _Atomic uint64_t bg_earliest;

MALLARD_INTERNAL void background_init(void)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&bg_cond, &attr);
	pthread_condattr_destroy(&attr);
	bool on = options.background && !options_purge_never();
	atomic_store(&bg_earliest, on ? UINT64_MAX : 0);
	if (!on)
		atomic_store(&bg_state, BG_OFF);
}

MALLARD_INTERNAL bool background_running(void)
{
	return atomic_load_explicit(&bg_state, memory_order_relaxed) == BG_RUNNING;
}

/* ms the thread waits past a heap's purge time before doing the purge
 * itself: an active owner purges on its own slow path at the due time,
 * so the thread only steps in for owners that are quiet. */
MALLARD_INTERNAL uint64_t background_grace_ms(void)
{
	return heap_sweep_interval_ms();
}

MALLARD_COLD_LOCAL void background_due_slow(uint64_t due)
{
	pthread_mutex_lock(&bg_lock);
	int state = atomic_load_explicit(&bg_state, memory_order_relaxed);
	if (state == BG_FAILED) {
		/* bg_earliest stays UINT64_MAX: every call comes here */
		if (clock_now_ms() >= bg_retry_at_ms) {
			atomic_store(&bg_earliest, due);
			atomic_store_explicit(&bg_state, BG_WANTED, memory_order_relaxed);
		}
	} else if (due < atomic_load_explicit(&bg_earliest, memory_order_relaxed)) {
		atomic_store(&bg_earliest, due);
		if (state == BG_RUNNING)
			pthread_cond_signal(&bg_cond);
	}
	pthread_mutex_unlock(&bg_lock);
}

/* Something will be due at `due` (clock_now_ms time). The caller has
 * published it (a heap's purge_at_ms, its remote_pages, a huge cache slot)
 * before the call; the fence pairs with the one after the thread sets
 * bg_earliest to UINT64_MAX at the start of a pass: either this load sees
 * that store and takes the lock, or the pass sees what was published. */
MALLARD_INTERNAL void background_due(uint64_t due)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (due >= atomic_load_explicit(&bg_earliest, memory_order_relaxed))
		return; /* the thread looks by then anyway, or background is off */
	background_due_slow(due);
}

/* ---- the pass ---- */

/* Takes the pages remote frees pushed to `heap` while its owner does not
 * come to collect them. The pop makes this thread the page's only
 * collector (see page_t): an empty page goes back to its segment; one with
 * live blocks floats again, armed, so the next remote free pushes it once
 * more and the owner's next local free takes it back into its queue. The
 * owner's queues are never touched. */
static void background_drain_remote(heap_t *heap)
{
	page_t *page = atomic_exchange_explicit(&heap->remote_pages, NULL, memory_order_acquire);
	while (page) {
		page_t *next = page->remote_next;
		for (;;) {
			page_collect_remote(page);
			if (page->used == 0) {
				segment_span_free(heap, page);
				break;
			}
			uintptr_t expected = 0;
			if (atomic_compare_exchange_strong_explicit(&page->xthread_free, &expected, THREAD_FREE_NOTIFY,
								    memory_order_acq_rel, memory_order_acquire))
				break;
		}
		page = next;
	}
}

/* One look at everything; returns when the next look is due (UINT64_MAX:
 * nothing is). */
static uint64_t background_pass(uint64_t now)
{
	uint64_t grace = background_grace_ms(), next = UINT64_MAX;
	heap_collect_abandoned(false);
	pthread_mutex_lock(&heap_registry_lock);
	heap_t *first = heap_registry; /* the list behind the head never changes */
	pthread_mutex_unlock(&heap_registry_lock);
	for (heap_t *h = first; h; h = h->next_all) {
		if (__atomic_load_n(&h->state, __ATOMIC_RELAXED) == HEAP_DEAD)
			continue;
		if (atomic_load_explicit(&h->remote_pages, memory_order_relaxed))
			background_drain_remote(h);
		runs_quiet_collect(h, now >= atomic_load_explicit(&h->maintained_ms, memory_order_relaxed) +
						     heap_sweep_interval_ms());
		/* the kept large spans and spare pages of an owner that has not
		 * swept them for a sweep interval (heap.c): back to their
		 * segments, to be purged; an owner still busy is looked at again
		 * when it could next have gone quiet */
		if (heap_large_kept_any(h) || heap_spare_any(h)) {
			uint64_t quiet_at = atomic_load_explicit(&h->maintained_ms, memory_order_relaxed) +
					    heap_sweep_interval_ms();
			if (now >= quiet_at) {
				heap_large_kept_release(h);
				heap_spare_release(h);
			} else if (quiet_at < next) {
				next = quiet_at;
			}
		}
		uint64_t due = __atomic_load_n(&h->purge_at_ms, __ATOMIC_RELAXED);
		if (due != 0 && now + BG_SLACK_MS >= due + grace) {
			purge_heap(h, now + BG_SLACK_MS, false);
			due = __atomic_load_n(&h->purge_at_ms, __ATOMIC_RELAXED);
		}
		if (due != 0 && due + grace < next)
			next = due + grace;
	}
	if (atomic_load_explicit(&huge_cache_count, memory_order_relaxed)) {
		huge_cache_expire(now + BG_SLACK_MS, false);
		uint64_t due = huge_cache_next_due();
		if (due < next)
			next = due;
	}
	return next;
}

/* ---- the end of the program's last thread ---- */

/* A process ends when its last thread does (glibc calls exit(0) there),
 * and programs rely on it: a main thread that calls pthread_exit and
 * leaves the work to others, a child forked from a thread other than the
 * main one, whose thread then returns. This thread must not keep such a
 * process alive. Each thread exit that runs heap_thread_done wakes it to
 * look (a few times, 10 ms apart, as the exiting thread takes a moment to
 * go): if no other thread is left but zombies, it ends the process as the
 * last thread would have. */
#define BG_EXIT_LOOK_MS 10
#define BG_EXIT_LOOKS 100

/* Live threads of this process other than the calling one, from
 * /proc/self/task (read with raw syscalls: this thread never allocates);
 * -1 if it cannot tell. */
static int background_other_threads(void)
{
	int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	long self = syscall(SYS_gettid);
	int alive = 0;
	char buf[2048];
	long n;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			/* struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name */
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof reclen);
			const char *name = buf + off + 19;
			off += reclen;
			if (name[0] < '0' || name[0] > '9' || strtol(name, NULL, 10) == self)
				continue;
			char path[64], stat[256];
			static const char dir_part[] = "/proc/self/task/";
			size_t len_name = strlen(name);
			if (len_name > 20)
				continue;
			memcpy(path, dir_part, sizeof dir_part - 1);
			memcpy(path + sizeof dir_part - 1, name, len_name);
			memcpy(path + sizeof dir_part - 1 + len_name, "/stat", sizeof "/stat");
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue; /* gone meanwhile */
			ssize_t len = read(fd, stat, sizeof stat - 1);
			close(fd);
			if (len <= 0)
				continue;
			stat[len] = '\0';
			const char *paren = strrchr(stat, ')'); /* "tid (comm) S ..." */
			if (paren == NULL || (paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X'))
				alive++;
		}
	}
	close(dir);
	return n < 0 ? -1 : alive;
}

/* A thread of the program has ended (heap_thread_done). */
MALLARD_INTERNAL void background_thread_exited(void)
{
	pthread_mutex_lock(&bg_lock);
	bg_exit_looks = BG_EXIT_LOOKS;
	if (atomic_load_explicit(&bg_state, memory_order_relaxed) == BG_RUNNING)
		pthread_cond_signal(&bg_cond);
	pthread_mutex_unlock(&bg_lock);
}

/* Under bg_lock: one look; ends the process if this is its last thread. */
static void background_look_for_last_thread(void)
{
	bg_exit_looks--;
	int others = background_other_threads();
	if (others == 0) {
		pthread_sigmask(SIG_SETMASK, &bg_sigmask_of_program, NULL);
		exit(0);
	}
	if (others != 1)
		bg_exit_looks = 0; /* can't tell, or the program goes on */
}

static void background_wait_until(uint64_t due_ms)
{
	uint64_t t = due_ms + BG_SLACK_MS;
	struct timespec ts = { .tv_sec = (time_t)(t / 1000), .tv_nsec = (long)(t % 1000) * 1000000L };
	pthread_cond_timedwait(&bg_cond, &bg_lock, &ts);
}

static void *background_main(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "mallard-bg", 0, 0, 0);
	pthread_mutex_lock(&bg_lock);
	for (;;) {
		uint64_t due = atomic_load_explicit(&bg_earliest, memory_order_relaxed);
		uint64_t now = clock_now_ms();
		if (bg_exit_looks) {
			background_look_for_last_thread();
			if (bg_exit_looks && due > now + BG_EXIT_LOOK_MS)
				due = now + BG_EXIT_LOOK_MS;
		}
		if (due == UINT64_MAX) {
			pthread_cond_wait(&bg_cond, &bg_lock);
			continue;
		}
		if (now + BG_SLACK_MS < due) {
			background_wait_until(due);
			continue;
		}
		due = atomic_load_explicit(&bg_earliest, memory_order_relaxed);
		if (now + BG_SLACK_MS < due)
			continue; /* woke for a look at the threads only */
		atomic_store(&bg_earliest, UINT64_MAX);
		atomic_thread_fence(memory_order_seq_cst);
		pthread_mutex_unlock(&bg_lock);

		pthread_mutex_lock(&bg_work_lock);
		uint64_t next = background_pass(now);
		pthread_mutex_unlock(&bg_work_lock);

		pthread_mutex_lock(&bg_lock);
		if (next < atomic_load_explicit(&bg_earliest, memory_order_relaxed))
			atomic_store(&bg_earliest, next);
	}
	return NULL;
}

/* ---- start-up, from the slow paths ---- */

MALLARD_COLD void background_start(void)
{
	int expected = BG_WANTED;
	if (!atomic_compare_exchange_strong(&bg_state, &expected, BG_STARTING))
		return; /* another thread starts it, or this one re-entered */
	/* What pthread_create allocates (the thread's TLS) is mallard's
	 * doing, not the program's: no sample of it is charged to the site
	 * whose malloc happened to start the thread. */
	heap_t *heap = tls_heap;
	bool was_sampling = heap->sampling;
	if (heap != &heap_empty)
		heap->sampling = true;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits the mask */
	bg_sigmask_of_program = old;
	pthread_attr_t attr;
	pthread_t thread;
	int err = EINVAL;
	for (unsigned i = 0; err == EINVAL && i < sizeof(bg_stack_sizes) / sizeof(bg_stack_sizes[0]); i++) {
		err = pthread_attr_init(&attr);
		if (err != 0)
			break;
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (bg_stack_sizes[i] != 0)
			pthread_attr_setstacksize(&attr, bg_stack_sizes[i]);
		err = pthread_create(&thread, &attr, background_main, NULL);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (heap != &heap_empty)
		heap->sampling = was_sampling;
	pthread_mutex_lock(&bg_lock);
	if (err == 0) {
		atomic_store(&bg_state, BG_RUNNING);
		pthread_cond_signal(&bg_cond);
	} else {
		/* every background_due takes the lock now, so the first one
		 * after BG_RETRY_MS asks again */
		bg_retry_at_ms = clock_now_ms() + BG_RETRY_MS;
		atomic_store(&bg_earliest, UINT64_MAX);
		atomic_store(&bg_state, BG_FAILED);
	}
	pthread_mutex_unlock(&bg_lock);
}

/* Should a malloc slow path start the thread? Only malloc slow paths
 * start it, where they hold no allocator lock: glibc never allocates while
 * it holds a lock pthread_create needs, while free() may be called with
 * one (the stack cache's, when a join frees a cached thread's TLS), so no
 * free path starts the thread. */
MALLARD_HOT bool background_wanted(void)
{
	return atomic_load_explicit(&bg_state, memory_order_relaxed) == BG_WANTED;
}

/* Starts the thread if it is wanted. */
MALLARD_HOT void background_poll(void)
{
	if (unlikely(background_wanted()))
		background_start();
}

/* The process has mapped more than its first segment: a heap that large
 * is worth a thread that gives back on time, so ask for it now, while
 * the program still allocates (the start needs a malloc slow path). */
MALLARD_INTERNAL void background_want(void)
{
	int expected = BG_IDLE;
	atomic_compare_exchange_strong_explicit(&bg_state, &expected, BG_WANTED, memory_order_relaxed,
						memory_order_relaxed);
}

/* ---- fork ---- */

/* bg_lock is only ever held briefly and is re-made in the child. */
MALLARD_INTERNAL void background_fork_prepare(void)
{
	pthread_mutex_lock(&bg_work_lock);
}

MALLARD_INTERNAL void background_fork_parent(void)
{
	pthread_mutex_unlock(&bg_work_lock);
}

/* The thread is not in the child. If it was (or was about to be) in the
 * parent, the child wants its own, with a pass at once: what the parent's
 * thread was waiting for is due in the child too. */
MALLARD_INTERNAL void background_fork_child(void)
{
	pthread_mutex_init(&bg_work_lock, NULL);
	pthread_mutex_init(&bg_lock, NULL);
	background_init();
	bg_exit_looks = 0;
	int state = atomic_load_explicit(&bg_state, memory_order_relaxed);
	if (state != BG_IDLE && state != BG_OFF) {
		atomic_store(&bg_earliest, 0);
		atomic_store(&bg_state, BG_WANTED);
	}
}
