/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/rinotify.h> for programs that also call the C library's file functions.
 *
 * The uapi header brings <linux/inotify.h> and <linux/fcntl.h>, whose definitions clash with
 * glibc's <fcntl.h>, <sys/inotify.h> and <sys/mount.h>. A file that includes this header
 * takes the O_*, IN_* and ioctl values from the uapi, as the kernel defines them, and the
 * declarations of the C library functions those glibc headers would give from here.
 */
#ifndef RINOTIFY_LIB_UAPI_H
#define RINOTIFY_LIB_UAPI_H

#include <stdint.h>
#include <linux/rinotify.h>

/* <fcntl.h> */
int open(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int fcntl(int fd, int cmd, ...);
#ifndef O_ASYNC
#define O_ASYNC		FASYNC
#endif

/* <sys/inotify.h> */
int inotify_init1(int flags);
int inotify_add_watch(int fd, const char *path, uint32_t mask);
int inotify_rm_watch(int fd, int wd);

/* <sys/mount.h> */
int mount(const char *source, const char *target, const char *type, unsigned long flags,
	  const void *data);
int umount2(const char *target, int flags);
#ifndef MNT_DETACH
#define MNT_DETACH	2
#endif
#ifndef MS_BIND
#define MS_BIND		4096
#endif

#endif /* RINOTIFY_LIB_UAPI_H */
