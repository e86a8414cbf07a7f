/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rinotify ABI called as inotify is: inotify_init1(), inotify_add_watch() and
 * inotify_rm_watch() on /dev/rinotify, one open() or ioctl() each. They return as the C
 * library's inotify functions do: a value >= 0, or -1 with errno set.
 *
 * This header needs no uapi header, so that a file may include it together with glibc's
 * <fcntl.h> and <sys/inotify.h>.
 */
#ifndef RINOTIFY_LIB_RINOTIFY_USER_H
#define RINOTIFY_LIB_RINOTIFY_USER_H

#include <stdint.h>

#define RINOTIFY_DEVICE		"/dev/rinotify"

/*
 * inotify_init1(): opens /dev/rinotify. IN_CLOEXEC and IN_NONBLOCK are O_CLOEXEC and
 * O_NONBLOCK; any other flag is EINVAL, as inotify_init1() says (open() would ignore it).
 * Returns the instance's descriptor, or -1 with errno.
 */
int rinotify_init1(int flags);

/* inotify_add_watch() through RINOTIFY_IOC_ADD_WATCH: the watch descriptor, or -1 with errno. */
int rinotify_add_watch(int fd, const char *path, uint32_t mask);

/* inotify_rm_watch() through RINOTIFY_IOC_RM_WATCH: 0, or -1 with errno. */
int rinotify_rm_watch(int fd, int wd);

/* <linux/rinotify.h>; batch.h includes it beside <sys/inotify.h>. */
struct rinotify_watch_at;

/*
 * RINOTIFY_IOC_ADD_WATCHES: adds count watches, writing each entry's result; returns how
 * many entries were processed, or -1 with errno.
 */
int rinotify_add_watches(int fd, struct rinotify_watch_at *entries, unsigned int count);

#endif /* RINOTIFY_LIB_RINOTIFY_USER_H */
