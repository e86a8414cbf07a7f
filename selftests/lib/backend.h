/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two inotify implementations the tests and the benchmark compare: native inotify (the
 * system calls) and rinotify (/dev/rinotify and its ioctls). Each operation is one call and
 * returns as the C library's function does: a value >= 0, or -1 with errno set.
 */
#ifndef RINOTIFY_LIB_BACKEND_H
#define RINOTIFY_LIB_BACKEND_H

#include <stdint.h>

#include "rinotify_user.h"

struct backend {
	const char *name;
	/* Directory of max_user_instances, max_user_watches and max_queued_events. */
	const char *sysctl_dir;
	int (*init1)(int flags);
	int (*add_watch)(int fd, const char *path, uint32_t mask);
	int (*rm_watch)(int fd, int wd);
	/* RINOTIFY_IOC_ADD_WATCHES; native_add_watches() (batch.h) on native inotify. */
	int (*add_watches)(int fd, struct rinotify_watch_at *entries, unsigned int count);
};

/* The C library's inotify_init1(), inotify_add_watch() and inotify_rm_watch(). */
extern const struct backend backend_native;
/* rinotify_init1(), rinotify_add_watch(), rinotify_rm_watch(), rinotify_add_watches(). */
extern const struct backend backend_rinotify;

#endif /* RINOTIFY_LIB_BACKEND_H */
