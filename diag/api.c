/*
 * api.c - the public mallard_stats_* calls (mallard.h): snapshots and
 * their writers.
 */
#include "alloc/inspect.h"
#include "diag/emit.h"
#include "diag/glibc.h"
#include "diag/sites.h"
#include "diag/snapshot.h"
#include "mallard.h"

#include <errno.h>

MALLARD_EXPORT int mallard_stats_get(mallard_stats_t *stats)
{
	return snapshot_take(stats, NULL, SNAPSHOT_FULL);
}

MALLARD_EXPORT int mallard_stats_write(const mallard_stats_t *stats, int format, mallard_write_fn write, void *arg)
{
	return emit_write(stats, format, write, arg);
}

MALLARD_EXPORT int mallard_stats_write_fd(int fd, int format)
{
	return emit_write_fd(fd, format, MALLARD_STATS_TRIGGER_CALL);
}

MALLARD_EXPORT void mallard_stats_print(void)
{
	glibc_print_stats();
}

MALLARD_EXPORT size_t mallard_sites_rate(void)
{
	return sites_on() ? sample_rate() : 0;
}

MALLARD_EXPORT size_t mallard_sites_get(mallard_site_t *out, size_t max)
{
	if (max > 0 && (out == NULL || out[0].size != sizeof(*out))) {
		errno = EINVAL;
		return (size_t)-1;
	}
	return sites_top(out, NULL, max, NULL);
}
