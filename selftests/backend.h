/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two inotify implementations the differential scenarios run against: native inotify
 * (the syscalls) and rinotify (/dev/rinotify and its ioctls). Each operation is one syscall
 * and returns like the libc wrapper: a value >= 0, or -1 with errno set.
 */
#ifndef RINOTIFY_SELFTESTS_BACKEND_H
#define RINOTIFY_SELFTESTS_BACKEND_H

#include <stdint.h>

struct backend {
	const char *name;
	/* Directory of max_user_instances, max_user_watches and max_queued_events. */
	const char *sysctl_dir;
	int (*init1)(int flags);
	int (*add_watch)(int fd, const char *path, uint32_t mask);
	int (*rm_watch)(int fd, int wd);
};

extern const struct backend backend_native;
extern const struct backend backend_rinotify;

#define RINOTIFY_DEVICE "/dev/rinotify"

#endif /* RINOTIFY_SELFTESTS_BACKEND_H */
