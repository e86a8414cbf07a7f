/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rinotify: inotify as a character device, /dev/rinotify.
 *
 * open("/dev/rinotify", O_RDONLY [| O_NONBLOCK] [| O_CLOEXEC]) is inotify_init1();
 * the two ioctls below are inotify_add_watch() and inotify_rm_watch(), with the same
 * return values and errno. read(), poll(), FIONREAD, INOTIFY_IOC_SETNEXTWD, fasync and
 * /proc/<pid>/fdinfo behave as on an inotify file descriptor.
 */
#ifndef _UAPI_LINUX_RINOTIFY_H
#define _UAPI_LINUX_RINOTIFY_H

#include <linux/inotify.h>	/* struct inotify_event, IN_* flags, INOTIFY_IOC_SETNEXTWD */
#include <linux/ioctl.h>
#include <linux/types.h>

/* Argument of RINOTIFY_IOC_ADD_WATCH: the same layout for 32- and 64-bit callers. */
struct rinotify_watch {
	__u64 pathname;		/* user pointer to a NUL-terminated path */
	__u32 mask;		/* as inotify_add_watch()'s mask */
	__u32 reserved;		/* must be 0 (EINVAL otherwise) */
};

/* inotify_add_watch(): returns the watch descriptor. */
#define RINOTIFY_IOC_ADD_WATCH	_IOW('I', 0x80, struct rinotify_watch)
/* inotify_rm_watch(): the wd is passed by value in the ioctl argument. */
#define RINOTIFY_IOC_RM_WATCH	_IOW('I', 0x81, __s32)

/*
 * Many watches in one call (not in inotify).
 *
 * Each entry is what one inotify_add_watch() would be, with the path resolved relative to
 * dirfd as openat() resolves it (AT_FDCWD: the working directory; ignored for an absolute
 * path). The call writes into each entry's result what inotify_add_watch() would have
 * returned for it: the watch descriptor, or the negative errno (-ENOENT, -EACCES, -ENOSPC
 * at max_user_watches, ...). One failed entry does not stop the others.
 *
 * The ioctl returns how many entries it processed, from the first: all of them, or fewer
 * when a signal is pending (the results of the processed ones are written; call again
 * with the rest) or when an entry cannot be read or its result written (the entries after
 * it are untouched). It fails only if it processes none: EINVAL for flags other than 0 or
 * a count above RINOTIFY_MAX_WATCHES_PER_CALL, EFAULT if the first entry cannot be read or
 * its result written, EINTR if a signal came before the first (or the call restarts, for a
 * handler with SA_RESTART). A count of 0 returns 0.
 */
struct rinotify_watch_at {
	__u64 pathname;		/* user pointer to a NUL-terminated path */
	__s32 dirfd;		/* AT_FDCWD or an open directory */
	__u32 mask;		/* as inotify_add_watch()'s mask */
	__s32 result;		/* out: the watch descriptor, or -errno */
	__u32 reserved;		/* must be 0 (the entry's result is -EINVAL otherwise) */
};

struct rinotify_watches {
	__u64 entries;		/* user pointer to count struct rinotify_watch_at */
	__u32 count;		/* at most RINOTIFY_MAX_WATCHES_PER_CALL */
	__u32 flags;		/* must be 0 */
};

#define RINOTIFY_MAX_WATCHES_PER_CALL	4096

#define RINOTIFY_IOC_ADD_WATCHES	_IOW('I', 0x82, struct rinotify_watches)

#endif /* _UAPI_LINUX_RINOTIFY_H */
