/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * librinotify's own API: what rinotify adds to inotify, for programs that link the library
 * (cc prog.c -I out/lib -L out/lib -lrinotify) as well as for those it is preloaded into.
 * The descriptor is what inotify_init1() returns under the library: a rinotify instance.
 * Both calls return -1 with errno set on failure; their records and rules are those of
 * <linux/rinotify.h>, which this header includes beside the C library's <sys/inotify.h>.
 */
#ifndef RINOTIFY_H
#define RINOTIFY_H

#include <stdint.h>

/*
 * The C library's <sys/inotify.h>, and <linux/rinotify.h> without the <linux/inotify.h> it
 * includes, whose definitions (and the <linux/fcntl.h> it brings) clash with <sys/inotify.h>
 * and <fcntl.h>: the rinotify structs need only <linux/types.h> and <linux/ioctl.h>. A file
 * that included <linux/inotify.h> itself keeps it.
 */
#ifndef _LINUX_INOTIFY_H
#include <sys/inotify.h>
#define _LINUX_INOTIFY_H
#define _UAPI_LINUX_INOTIFY_H
#endif
#include <linux/rinotify.h>

/*
 * Adds count watches, each entry's path relative to its dirfd (RINOTIFY_IOC_ADD_WATCHES):
 * each entry's result is its wd or -errno, and the call returns how many entries it
 * processed. On a native inotify descriptor it does the same with one inotify_add_watch()
 * per entry, the path taken from the directory through /proc/self/fd.
 */
int rinotify_watch_many(int fd, struct rinotify_watch_at *entries, unsigned int count);

/*
 * Watches the directory path (relative to dirfd) and every directory below it, and keeps
 * watching them as the tree changes (RINOTIFY_IOC_ADD_TREE): returns the root's wd. Only
 * a rinotify instance has tree watches: EOPNOTSUPP on a native inotify descriptor.
 */
int rinotify_watch_tree(int fd, int dirfd, const char *path, uint32_t mask);

#endif /* RINOTIFY_H */
