/*
 * mremap-refuse.c - mremap as Linux before 6.17 does it (Debian 12's 6.1),
 * preloaded ahead of an allocator on a newer kernel: a move (MREMAP_FIXED)
 * of a range that spans more than one kernel mapping fails with EFAULT,
 * after its destination has been unmapped (6.1's mremap_to unmaps it
 * first). Other calls go to the kernel as they are.
 *
 *   LD_PRELOAD="bench/.libs/mremap-refuse.so .libs/libmallard.so" PROGRAM
 *
 * Whether a range is one kernel mapping is asked of the kernel itself, at
 * the cost of a system call or two: growing it in place by a page fails
 * with EFAULT exactly when it spans several (ENOMEM when something is
 * mapped right after it); a grow that succeeds is undone at once. At exit
 * it prints "mremap-refuse: M moves, R refused" on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_long moves, refused;

__attribute__((destructor)) static void report(void)
{
	fprintf(stderr, "mremap-refuse: %ld moves, %ld refused\n", atomic_load(&moves), atomic_load(&refused));
}

static void *sys_mremap(void *old, size_t old_size, size_t new_size, int flags, void *new_address)
{
	return (void *)syscall(SYS_mremap, old, old_size, new_size, flags, new_address);
}

static bool one_kernel_mapping(void *addr, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (sys_mremap(addr, size, size + page, 0, NULL) == MAP_FAILED)
		return errno != EFAULT;
	sys_mremap(addr, size + page, size, 0, NULL);
	return true;
}

void *mremap(void *old, size_t old_size, size_t new_size, int flags, ...)
{
	void *new_address = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_address = va_arg(ap, void *);
		va_end(ap);
		atomic_fetch_add(&moves, 1);
		if (!one_kernel_mapping(old, old_size)) {
			atomic_fetch_add(&refused, 1);
			munmap(new_address, new_size);
			errno = EFAULT;
			return MAP_FAILED;
		}
	}
	return sys_mremap(old, old_size, new_size, flags, new_address);
}
