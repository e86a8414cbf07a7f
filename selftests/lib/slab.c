// SPDX-License-Identifier: GPL-2.0
/*
 * Slab cache counts (see slab.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "slab.h"

long slab_active(const char *cache)
{
	char line[512], name[128];
	long active = -1, n;
	FILE *f = fopen("/proc/slabinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld", name, &n) == 2 && !strcmp(name, cache))
			active = n;
	fclose(f);
	if (active < 0)
		errno = ENOENT;
	return active;
}

long slab_settled(const char *cache)
{
	char path[128];

	/* Without a shrink file (no SLUB sysfs) the count is what slabinfo says. */
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", cache);
	write_text(path, "1");
	return slab_active(cache);
}

long slab_wait_at_most(const char *cache, long max)
{
	long n = slab_settled(cache);

	for (int i = 0; i < 100 && n > max; i++) {
		usleep(50 * 1000);
		n = slab_settled(cache);
	}
	return n;
}
