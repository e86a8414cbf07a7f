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
#define RINOTIFY_IOC_RM_WATCH	_IO('I', 0x84)
/*
 * Deprecated: the first number of RINOTIFY_IOC_RM_WATCH, which said _IOW (a pointer to an
 * int) while the wd travels by value, so that decoders such as strace read memory at the
 * wd's address. Still accepted, with the same meaning, for programs built before 0x84.
 */
#define RINOTIFY_IOC_RM_WATCH_OLD	_IOW('I', 0x81, __s32)

/*
 * Many watches in one call (not in inotify).
 *
 * Each entry is what one inotify_add_watch() would be, with the path resolved relative to
 * dirfd as openat() resolves it (AT_FDCWD: the working directory; ignored for an absolute
 * path). The call writes into each entry's result what inotify_add_watch() would have
 * returned for it: the watch descriptor, or the negative errno (-ENOENT, -EACCES, -ENOSPC
 * at max_user_watches, ...). One failed entry does not stop the others. Consecutive entries
 * with the same dirfd start from the directory it named at the first of them: a close(),
 * dup2() or chdir() in another thread during the call may apply only from a later entry.
 *
 * result is the only field of an entry the call writes. It writes it twice: 0 (no wd and
 * no -errno is 0) before it processes the entry, so that it never adds a watch whose wd it
 * could not write back (entries in read-only memory stop the call at the first), then the
 * entry's result. The 0s are written for up to 16 entries at a time, before the first of
 * them is processed.
 *
 * The ioctl returns how many entries it processed, from the first: all of them, or fewer
 * when a signal is pending (the results of the processed ones are written; call again
 * with the rest) or when an entry cannot be read or its result written (the entries after
 * it keep what they held, or the 0 written before them if they are of the same 16). It
 * fails only if it processes none: EINVAL for flags other than 0 or a count above
 * RINOTIFY_MAX_WATCHES_PER_CALL, EFAULT if the first entry cannot be read or its result
 * written, EINTR if a signal came before the first (or the call restarts, for a handler
 * with SA_RESTART). A count of 0 returns 0.
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

/*
 * A tree watch (not in inotify): one call watches a directory and every directory below
 * it with one mask, and keeps watching the tree as it changes.
 *
 * The call resolves pathname relative to dirfd as RINOTIFY_IOC_ADD_WATCHES does (a
 * directory: ENOTDIR otherwise; IN_DONT_FOLLOW applies to it), then visits the tree depth
 * first, each directory's subdirectories in the order readdir() lists them, in the caller's
 * context. Each directory gets a watch of its own, with its own wd and the mask given, as
 * if inotify_add_watch() had been called on it: events are reported as on any watch, and
 * every watch counts against max_user_watches. It returns the wd of the root.
 *
 * The queue tells the client which directories are watched, so that it can name the
 * directory of every event:
 *
 *   RIN_WATCHED | IN_ISDIR   wd: a directory now watched; cookie: the wd of its parent (0
 *                            for the root); name: its name in the parent (none for the
 *                            root). Queued before any event that names the wd.
 *   RIN_RESCAN               events may have been missed in or below a directory; the
 *                            client should read it again. wd and name: the directory, as
 *                            for an event about an entry (no name: the wd's own directory).
 *                            Queued when a directory could not be watched (max_user_watches
 *                            reached: ENOSPC; no permission; out of memory; the instance
 *                            busy in a call of its own when another task created it) or
 *                            when a directory was moved into the tree: it is watched at
 *                            once, the directories below it are not; call
 *                            RINOTIFY_IOC_ADD_TREE on it to watch them (its own wd stays
 *                            the same).
 *
 * As the tree changes, a directory created in it or moved into it is watched in the same
 * system call that created or moved it, before that call returns, or named in a RIN_RESCAN
 * record: nothing created in it afterwards is missed unsaid.
 *
 * A tree watch carries the rights of the task that called RINOTIFY_IOC_ADD_TREE: its
 * credentials when it called, through the mount it named. A directory that another task
 * creates or moves into the tree is watched only if that caller could have watched it with
 * inotify_add_watch() by its path through the tree (search permission on its parent, read
 * permission on it, as the security modules decide them); otherwise it is not watched, and
 * the watcher is told with the RIN_RESCAN record of its name, and learns nothing of what is
 * inside, as an inotify program would not.
 *
 * A directory deleted, or moved out of the tree, loses its watch with IN_IGNORED, and so do
 * the watches below a directory moved out (these when the watcher next reads or calls an
 * ioctl on the instance: their number is the subtree's, which the task that moved it must
 * not pay for). inotify_rm_watch() of a directory of the tree removes the watches below it
 * the same way.
 *
 * Mounts: the tree does not cross into other mounts. A directory on which something is
 * mounted is left out with what is below it, as find -xdev leaves it out (no record).
 * Symbolic links are not followed below the root.
 *
 * mask is inotify_add_watch()'s, without IN_MASK_ADD, IN_MASK_CREATE or IN_ONESHOT
 * (EINVAL); IN_ONLYDIR is implied. Adding a tree where the instance already watches
 * directories keeps their wds and sets their mask. The call is interrupted by a signal
 * (EINTR, or restarted under SA_RESTART): the directories watched so far stay watched
 * and their records queued; calling it again finishes the tree.
 *
 * A client keeps a table from wd to path, starting from the root's:
 *
 *	struct rinotify_tree tree = {
 *		.pathname = (__u64)(uintptr_t)"/src", .dirfd = AT_FDCWD,
 *		.mask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVE,
 *	};
 *	int root = ioctl(fd, RINOTIFY_IOC_ADD_TREE, &tree);
 *
 *	for (each struct inotify_event *ev read from fd) {
 *		if (ev->mask & RIN_WATCHED)
 *			path[ev->wd] = ev->cookie ? join(path[ev->cookie], ev->name) : "/src";
 *		else if (ev->mask & RIN_RESCAN)
 *			rescan(ev->len ? join(path[ev->wd], ev->name) : path[ev->wd]);
 *		else if (ev->mask & IN_IGNORED)
 *			forget(path[ev->wd]);
 *		else
 *			report(path[ev->wd], ev->len ? ev->name : "", ev->mask);
 *	}
 */
struct rinotify_tree {
	__u64 pathname;		/* user pointer to a NUL-terminated path */
	__s32 dirfd;		/* AT_FDCWD or an open directory */
	__u32 mask;		/* as inotify_add_watch()'s mask, see above */
	__u32 flags;		/* must be 0 */
	__u32 reserved;		/* must be 0 */
};

#define RINOTIFY_IOC_ADD_TREE	_IOW('I', 0x83, struct rinotify_tree)

/* Records of tree watches, in struct inotify_event's mask; bits inotify does not use. */
#define RIN_WATCHED		0x00100000
#define RIN_RESCAN		0x00200000

#endif /* _UAPI_LINUX_RINOTIFY_H */
