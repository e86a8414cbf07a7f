// SPDX-License-Identifier: GPL-2.0
/*
 * The two backends (see backend.h): no checks of their own beyond those of
 * rinotify_user.c, so that each call is what a program of either ABI makes.
 */
#include "batch.h"
#include "backend.h"
#include "sysctl.h"

const struct backend backend_native = {
	.name = "native",
	.sysctl_dir = INOTIFY_SYSCTL_DIR,
	.init1 = inotify_init1,
	.add_watch = inotify_add_watch,
	.rm_watch = inotify_rm_watch,
	.add_watches = native_add_watches,
};

const struct backend backend_rinotify = {
	.name = "rinotify",
	.sysctl_dir = RINOTIFY_SYSCTL_DIR,
	.init1 = rinotify_init1,
	.add_watch = rinotify_add_watch,
	.rm_watch = rinotify_rm_watch,
	.add_watches = rinotify_add_watches,
};
