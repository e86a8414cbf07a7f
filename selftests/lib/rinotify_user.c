// SPDX-License-Identifier: GPL-2.0
/*
 * The rinotify ABI called as inotify is (see rinotify_user.h). Also linked into the
 * LD_PRELOAD library, so it uses nothing but the C library.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "uapi.h"
#include "rinotify_user.h"

int rinotify_init1(int flags)
{
	/* inotify_init1()'s EINVAL for unknown flags (B2): open() would ignore them. */
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK)) {
		errno = EINVAL;
		return -1;
	}
	return open(RINOTIFY_DEVICE, O_RDONLY | flags);
}

int rinotify_add_watch(int fd, const char *path, uint32_t mask)
{
	struct rinotify_watch w = {
		.pathname = (uintptr_t)path,
		.mask = mask,
		.reserved = 0,
	};

	return ioctl(fd, RINOTIFY_IOC_ADD_WATCH, &w);
}

int rinotify_rm_watch(int fd, int wd)
{
	/* The wd by value; as a long, so that no upper bits are left undefined. */
	return ioctl(fd, RINOTIFY_IOC_RM_WATCH, (long)wd);
}

int rinotify_add_watches(int fd, struct rinotify_watch_at *entries, unsigned int count)
{
	struct rinotify_watches batch = {
		.entries = (uintptr_t)entries,
		.count = count,
		.flags = 0,
	};

	return ioctl(fd, RINOTIFY_IOC_ADD_WATCHES, &batch);
}
