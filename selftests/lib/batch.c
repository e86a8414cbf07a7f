// SPDX-License-Identifier: GPL-2.0
/*
 * The native oracle of the batch ioctl (see batch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "batch.h"

int native_add_watches(int fd, struct rinotify_watch_at *entries, unsigned int count)
{
	int cwd = -1;
	unsigned int i;

	if (count > RINOTIFY_MAX_WATCHES_PER_CALL) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < count; i++) {
		struct rinotify_watch_at *e = &entries[i];
		const char *path = (const char *)(uintptr_t)e->pathname;
		/* openat() ignores dirfd for an absolute path (and so for none at all). */
		int relative = e->dirfd != AT_FDCWD && path && path[0] != '/';
		int wd;

		if (e->reserved) {
			e->result = -EINVAL;
			continue;
		}
		if (relative) {
			if (cwd < 0)
				cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (cwd < 0)
				abort();
			if (fchdir(e->dirfd)) {
				e->result = -errno;
				continue;
			}
		}
		wd = inotify_add_watch(fd, path, e->mask);
		e->result = wd < 0 ? -errno : wd;
		if (relative && fchdir(cwd))
			abort();
	}
	if (cwd >= 0)
		close(cwd);
	return count;
}
