/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small files: reading and writing the one-line files of /proc and /sys, writing test
 * data, removing a tree. Each returns 0 (or a length or value >= 0) on success, -1 with
 * errno set on failure.
 */
#ifndef RINOTIFY_LIB_FILE_H
#define RINOTIFY_LIB_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads the first line of path, without its newline, into buf[0..size): 0, or -1. */
int read_text(const char *path, char *buf, size_t size);

/* Reads all of path into buf[0..size), NUL-terminated: the length read, or -1. */
ssize_t read_file(const char *path, char *buf, size_t size);

/* The number in path, a file of one value >= 0 (a sysctl): the value, or -1. */
long read_long(const char *path);

/* Writes text to the existing file path in one write(): 0, or -1 (EIO if it was short). */
int write_text(const char *path, const char *text);

/* Writes n bytes of 'x' to path, created or truncated: 0, or -1. */
int write_file(const char *path, size_t n);

/*
 * Makes the directory fmt names with mode (never wider meanwhile), owned by uid and gid owner
 * (0: left as made): 0, or -1.
 */
int mk_dir(mode_t mode, uid_t owner, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Removes path and everything below it, as rm -rf does, but without following symbolic
 * links or crossing into other mounts: 0 (also if path does not exist), or -1 with the
 * errno of the first entry that could not be removed. Not thread-safe.
 */
int rm_tree(const char *path);

#endif /* RINOTIFY_LIB_FILE_H */
