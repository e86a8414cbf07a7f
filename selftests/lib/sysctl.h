/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The limits of inotify and rinotify: max_user_instances, max_user_watches and
 * max_queued_events, in the sysctl directory of each (a backend's sysctl_dir).
 */
#ifndef RINOTIFY_LIB_SYSCTL_H
#define RINOTIFY_LIB_SYSCTL_H

#define INOTIFY_SYSCTL_DIR	"/proc/sys/fs/inotify"
#define RINOTIFY_SYSCTL_DIR	"/proc/sys/fs/rinotify"

/* The value of dir/knob, or -1 with errno. */
long sysctl_get(const char *dir, const char *knob);

/* Sets dir/knob to value: 0, or -1 with errno (EINVAL for a value out of range). */
int sysctl_set(const char *dir, const char *knob, long value);

/* Writes text as it is to dir/knob: 0, or -1 with errno. */
int sysctl_write(const char *dir, const char *knob, const char *text);

#endif /* RINOTIFY_LIB_SYSCTL_H */
