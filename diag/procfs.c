/*
 * procfs.c - what the kernel says about the whole process: its resident set
 * (/proc/self/statm) and the free ranges of its address space
 * (/proc/self/maps). Reads with read(2) into stack buffers: no malloc, no
 * stdio, so a snapshot can be taken from anywhere.
 */
#include "alloc/inspect.h"
#include "diag/procfs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads up to cap-1 bytes of a small /proc file, NUL-terminated; the
 * length, or 0 if it cannot be read. */
static size_t procfs_read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (size_t)n;
}

/* The process's resident set in bytes (second field of statm, in pages). */
MALLARD_INTERNAL uint64_t procfs_rss(void)
{
	char buf[128];
	if (procfs_read_small("/proc/self/statm", buf, sizeof(buf)) == 0)
		return 0;
	char *p = buf;
	strtoull(p, &p, 10); /* size */
	return (uint64_t)strtoull(p, NULL, 10) * inspect_os_page_size();
}

/* Lowest address mmap may use (vm.mmap_min_addr), 64 KiB if unreadable. */
static uint64_t procfs_mmap_min_addr(void)
{
	char buf[32];
	if (procfs_read_small("/proc/sys/vm/mmap_min_addr", buf, sizeof(buf)) == 0)
		return 65536;
	return strtoull(buf, NULL, 10);
}

typedef struct {
	uint64_t top;      /* end of user space */
	uint64_t prev_end; /* end of the mappings seen so far */
	uint64_t total, largest;
} procfs_gaps_t;

/* Takes the range "start-end ..." at the start of a maps line; the gap
 * before it is free address space. Lines come in address order. */
static void procfs_gaps_add(procfs_gaps_t *g, const char *line)
{
	char *p;
	uint64_t start = strtoull(line, &p, 16);
	uint64_t end = *p == '-' ? strtoull(p + 1, NULL, 16) : start;
	if (start > g->top)
		start = g->top; /* [vsyscall] and the like */
	if (end > g->top)
		end = g->top;
	if (start > g->prev_end) {
		g->total += start - g->prev_end;
		if (start - g->prev_end > g->largest)
			g->largest = start - g->prev_end;
	}
	if (end > g->prev_end)
		g->prev_end = end;
}

/* Free bytes of the user address space, and the largest free range: the
 * gaps between the mappings of /proc/self/maps, from mmap_min_addr to the
 * top of user space (2^47 on x86-64; 4 GiB for a 32-bit process, as on a
 * 64-bit kernel: a 3 GiB kernel split only leaves less). */
MALLARD_INTERNAL void procfs_address_space(uint64_t *free_bytes, uint64_t *largest)
{
	procfs_gaps_t g = {
		.top = MALLARD_64BIT ? (uint64_t)1 << ADDRESS_BITS : (uint64_t)1 << 32,
		.prev_end = procfs_mmap_min_addr(),
	};
	*free_bytes = *largest = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[4096];
	size_t have = 0;
	bool in_long_line = false; /* skipping the rest of a line longer than buf */
	ssize_t n;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		size_t pos = 0;
		char *nl;
		while ((nl = memchr(buf + pos, '\n', have - pos)) != NULL) {
			if (!in_long_line)
				procfs_gaps_add(&g, buf + pos);
			in_long_line = false;
			pos = (size_t)(nl - buf) + 1;
		}
		if (pos == 0 && have == sizeof(buf) - 1) {
			/* No newline in a full buffer: take its range, drop the rest. */
			buf[have] = '\0';
			if (!in_long_line)
				procfs_gaps_add(&g, buf);
			in_long_line = true;
			pos = have;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
	}
	close(fd);
	if (g.top > g.prev_end) {
		g.total += g.top - g.prev_end;
		if (g.top - g.prev_end > g.largest)
			g.largest = g.top - g.prev_end;
	}
	*free_bytes = g.total;
	*largest = g.largest;
}
