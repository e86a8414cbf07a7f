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

#endif /* _UAPI_LINUX_RINOTIFY_H */
