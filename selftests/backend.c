// SPDX-License-Identifier: GPL-2.0
/*
 * Thin backends: one syscall per operation, no checks of their own, except the one the later
 * LD_PRELOAD library also does for rinotify (init flags, see rinotify_init1()).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
/* The uapi header; <sys/inotify.h> and <fcntl.h> would clash with <linux/inotify.h>. */
#include <linux/rinotify.h>

/* glibc's wrappers, declared here for the same reason. */
extern int inotify_init1(int flags);
extern int inotify_add_watch(int fd, const char *path, uint32_t mask);
extern int inotify_rm_watch(int fd, int wd);
extern int open(const char *path, int flags, ...);

#include "backend.h"

static int native_init1(int flags)
{
	return inotify_init1(flags);
}

static int native_add_watch(int fd, const char *path, uint32_t mask)
{
	return inotify_add_watch(fd, path, mask);
}

static int native_rm_watch(int fd, int wd)
{
	return inotify_rm_watch(fd, wd);
}

const struct backend backend_native = {
	.name = "native",
	.sysctl_dir = "/proc/sys/fs/inotify",
	.init1 = native_init1,
	.add_watch = native_add_watch,
	.rm_watch = native_rm_watch,
};

static int rinotify_init1(int flags)
{
	/*
	 * open() ignores unknown flags, so inotify_init1()'s EINVAL for flags other than
	 * IN_CLOEXEC|IN_NONBLOCK (B2) is given here, as the LD_PRELOAD library does.
	 */
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK)) {
		errno = EINVAL;
		return -1;
	}
	return open(RINOTIFY_DEVICE, O_RDONLY | flags);
}

static int rinotify_add_watch(int fd, const char *path, uint32_t mask)
{
	struct rinotify_watch w = {
		.pathname = (uintptr_t)path,
		.mask = mask,
		.reserved = 0,
	};

	return ioctl(fd, RINOTIFY_IOC_ADD_WATCH, &w);
}

static int rinotify_rm_watch(int fd, int wd)
{
	return ioctl(fd, RINOTIFY_IOC_RM_WATCH, (unsigned long)(long)wd);
}

const struct backend backend_rinotify = {
	.name = "rinotify",
	.sysctl_dir = "/proc/sys/fs/rinotify",
	.init1 = rinotify_init1,
	.add_watch = rinotify_add_watch,
	.rm_watch = rinotify_rm_watch,
};
