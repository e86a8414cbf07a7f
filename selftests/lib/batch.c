// SPDX-License-Identifier: GPL-2.0
/*
 * The native oracle of the batch ioctl (see batch.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "batch.h"

int native_add_watches(int fd, struct rinotify_watch_at *entries, unsigned int count)
{
	/* By name, not by an open descriptor: an open would be an event in a watched cwd. */
	char cwd[PATH_MAX];
	unsigned int i;

	if (count > RINOTIFY_MAX_WATCHES_PER_CALL) {
		errno = EINVAL;
		return -1;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		abort();
	for (i = 0; i < count; i++) {
		struct rinotify_watch_at *e = &entries[i];
		const char *path = (const char *)(uintptr_t)e->pathname;
		int moved = 0, wd;

		if (e->reserved) {
			e->result = -EINVAL;
			continue;
		}
		/*
		 * From the entry's directory; the path is read only where that fails, so that a
		 * hostile pointer beside a good dirfd reaches inotify_add_watch() untouched.
		 */
		if (e->dirfd != AT_FDCWD) {
			moved = !fchdir(e->dirfd);
			/* openat() ignores dirfd for an absolute path (and so for none at all). */
			if (!moved && path && path[0] != '/') {
				e->result = -errno;
				continue;
			}
		}
		wd = inotify_add_watch(fd, path, e->mask);
		e->result = wd < 0 ? -errno : wd;
		if (moved && chdir(cwd))
			abort();
	}
	return count;
}
