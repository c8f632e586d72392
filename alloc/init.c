/*
 * init.c - process start-up, thread exit, and fork.
 *
 * Start-up is lazy: the first malloc (which may come from the dynamic
 * loader or another library's constructor, before ours runs) initialises.
 * Nothing here calls malloc through dlsym or allocates TLS dynamically, so
 * it is safe inside LD_PRELOAD. Registering the thread-exit key and the
 * fork handlers may itself call malloc: by then the allocator works
 * (state PROCESS_CORE_READY), so that recursion is served normally.
 *
 * The diagnostics (diag/) hook into start-up and fork on their own, with
 * a constructor and fork handlers registered after these: nothing here
 * knows of them.
 */
#include "alloc/internal.h"
#include "alloc/background.h"
#include "alloc/clock.h"
#include "alloc/heap.h"
#include "alloc/huge.h"
#include "alloc/init.h"
#include "alloc/options.h"
#include "alloc/os.h"
#include "alloc/segment.h"
#include "alloc/sizeclass.h"

enum { PROCESS_UNINIT = 0, PROCESS_CORE_READY = 1, PROCESS_READY = 2 };

static _Atomic int process_state;
static pthread_mutex_t process_init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t process_init_thread;
static pthread_key_t process_heap_key;
MALLARD_INTERNAL uint64_t process_start_ms;

static void process_fork_prepare(void);
static void process_fork_parent(void);
static void process_fork_child(void);

MALLARD_COLD_LOCAL void process_init_slow(void)
{
	/* The initialising thread re-enters through pthread_key_create or
	 * pthread_atfork calling malloc: let it through (the core is ready). */
	if (atomic_load_explicit(&process_state, memory_order_acquire) == PROCESS_CORE_READY &&
	    pthread_equal(process_init_thread, pthread_self()))
		return;
	pthread_mutex_lock(&process_init_lock);
	if (atomic_load_explicit(&process_state, memory_order_relaxed) == PROCESS_UNINIT) {
		os_init();
		process_start_ms = clock_now_ms();
		options_init();
		sizeclass_init();
		background_init();
		process_init_thread = pthread_self();
		atomic_store_explicit(&process_state, PROCESS_CORE_READY, memory_order_release);
		pthread_key_create(&process_heap_key, heap_thread_done);
		pthread_atfork(process_fork_prepare, process_fork_parent, process_fork_child);
		atomic_store_explicit(&process_state, PROCESS_READY, memory_order_release);
	}
	pthread_mutex_unlock(&process_init_lock);
}

MALLARD_INTERNAL void process_ensure_init(void)
{
	if (likely(atomic_load_explicit(&process_state, memory_order_acquire) == PROCESS_READY))
		return;
	process_init_slow();
}

/* Arms the thread-exit destructor for a heap. The initialising thread (the
 * main thread in practice) may get its heap before the key exists; the
 * main thread needs no destructor: exit() ends the process. */
MALLARD_INTERNAL void process_register_thread(heap_t *heap)
{
	if (atomic_load_explicit(&process_state, memory_order_acquire) == PROCESS_READY)
		pthread_setspecific(process_heap_key, heap);
}

/* Initialise at load time too, so options are read (and warned about)
 * even by a program that never allocates. */
__attribute__((constructor)) static void process_constructor(void)
{
	process_ensure_init();
}

/* ---- fork ---- */

/* Every global lock is taken before fork so the child never inherits one
 * held by a thread that does not exist there. Order: the background
 * thread's pass (it takes the registry, abandoned and cache locks inside),
 * registry, abandoned, segment cache, huge cache, listed huge segments (no
 * code path nests them differently). The diagnostics' handlers run before
 * these (fork runs prepare handlers last-registered first). */
static void process_fork_prepare(void)
{
	background_fork_prepare();
	pthread_mutex_lock(&heap_registry_lock);
	pthread_mutex_lock(&heap_abandoned_lock);
	pthread_mutex_lock(&segment_cache_lock);
	pthread_mutex_lock(&huge_cache_lock);
	pthread_mutex_lock(&huge_listed_lock);
}

static void process_fork_parent(void)
{
	pthread_mutex_unlock(&huge_listed_lock);
	pthread_mutex_unlock(&huge_cache_lock);
	pthread_mutex_unlock(&segment_cache_lock);
	pthread_mutex_unlock(&heap_abandoned_lock);
	pthread_mutex_unlock(&heap_registry_lock);
	background_fork_parent();
}

/* In the child only the forking thread exists. Heaps owned by the other
 * threads may have been mid-update at the fork: they are marked dead and
 * never adopted (their memory stays with the child, unused). */
static void process_fork_child(void)
{
	pthread_mutex_init(&huge_listed_lock, NULL);
	pthread_mutex_init(&huge_cache_lock, NULL);
	pthread_mutex_init(&segment_cache_lock, NULL);
	pthread_mutex_init(&heap_abandoned_lock, NULL);
	for (heap_t *h = heap_registry; h; h = h->next_all) {
		if (h->state == HEAP_OWNED && h != tls_heap)
			h->state = HEAP_DEAD;
		pthread_mutex_init(&h->seg_lock, NULL);
		pthread_mutex_init(&h->slice_lock, NULL);
		atomic_store_explicit(&h->runs_busy, 0, memory_order_relaxed);
	}
	pthread_mutex_init(&heap_registry_lock, NULL);
	background_fork_child();
}
