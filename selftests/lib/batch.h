/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The batch ioctl's structs (<linux/rinotify.h>) for files that use the C library's
 * <sys/inotify.h>: <linux/rinotify.h> is included without the <linux/inotify.h> it pulls
 * in, which defines again what the C library's header defines. The batch structs need
 * only <linux/types.h> and <linux/ioctl.h>.
 */
#ifndef RINOTIFY_LIB_BATCH_H
#define RINOTIFY_LIB_BATCH_H

#include <sys/inotify.h>

#ifndef _LINUX_INOTIFY_H
#define _LINUX_INOTIFY_H
#define _UAPI_LINUX_INOTIFY_H
#endif
#include <linux/rinotify.h>

#include "rinotify_user.h"

/*
 * RINOTIFY_IOC_ADD_WATCHES as a program on native inotify does it: one inotify_add_watch()
 * per entry, from the entry's directory (fchdir(), then back by name), its result in the entry.
 * The oracle of the batch scenarios. Returns count, or -1 with errno (EINVAL) as the
 * ioctl for more than RINOTIFY_MAX_WATCHES_PER_CALL entries.
 */
int native_add_watches(int fd, struct rinotify_watch_at *entries, unsigned int count);

#endif /* RINOTIFY_LIB_BATCH_H */
