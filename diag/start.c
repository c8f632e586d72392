/*
 * start.c - where the diagnostics hook into the process: start-up, fork
 * and exit, each in one place. The allocator knows nothing of them.
 *
 * The constructor runs after the allocator has initialised (it asks for
 * that first), so the fork handlers registered here run their prepare step
 * before the allocator's (fork calls prepare handlers last-registered
 * first): snapshot_lock is taken before any lock of the allocator's, the
 * order a snapshot takes them in. The child handlers run after the
 * allocator's.
 */
#include "alloc/inspect.h"
#include "diag/reporter.h"
#include "diag/sites.h"
#include "diag/snapshot.h"

#include <pthread.h>

static void diag_fork_prepare(void)
{
	pthread_mutex_lock(&snapshot_lock);
}

static void diag_fork_parent(void)
{
	pthread_mutex_unlock(&snapshot_lock);
}

static void diag_fork_child(void)
{
	pthread_mutex_init(&snapshot_lock, NULL);
	reporter_fork_child();
}

/* At load time: the allocator is ready (and has read every option) first. */
__attribute__((constructor)) static void diag_start(void)
{
	inspect_ready();
	sites_start();
	pthread_atfork(diag_fork_prepare, diag_fork_parent, diag_fork_child);
	reporter_start();
}

/* At exit (and dlclose): the exit report. */
__attribute__((destructor)) static void diag_exit(void)
{
	reporter_at_exit();
}
