// SPDX-License-Identifier: GPL-2.0
/*
 * Small files (see file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* close() that keeps errno as the call before it left it. */
static void close_keep_errno(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
}

int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close_keep_errno(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close_keep_errno(fd);
	buf[len] = 0;
	return n < 0 ? -1 : len;
}

long read_long(const char *path)
{
	char buf[64];

	if (read_text(path, buf, sizeof(buf)))
		return -1;
	if (!buf[0]) {
		errno = ENODATA;
		return -1;
	}
	return strtol(buf, NULL, 10);
}

int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close_keep_errno(fd);
	if (n >= 0 && (size_t)n != len)
		errno = EIO;
	return (size_t)n == len ? 0 : -1;
}

int mk_dir(mode_t mode, uid_t owner, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	/* Made private, then opened up: never wider than mode, whatever the umask. */
	if (mkdir(path, 0700) || chmod(path, mode))
		return -1;
	return owner ? chown(path, owner, owner) : 0;
}

int write_file(const char *path, size_t n)
{
	char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = 0;

	if (fd < 0)
		return -1;
	memset(buf, 'x', sizeof(buf));
	while (n && !ret) {
		size_t c = n < sizeof(buf) ? n : sizeof(buf);
		ssize_t w = write(fd, buf, c);

		if (w != (ssize_t)c) {
			if (w >= 0)
				errno = EIO;
			ret = -1;
		}
		n -= c;
	}
	close_keep_errno(fd);
	return ret;
}

/* The errno of rm_tree()'s first failure; nftw() passes no context to its callback. */
static int rm_tree_errno;

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	int ret = type == FTW_DP || type == FTW_DNR ? rmdir(path) : unlink(path);

	if (ret && !rm_tree_errno)
		rm_tree_errno = errno;
	return 0;
}

int rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	rm_tree_errno = 0;
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT))
		return -1;
	if (rm_tree_errno) {
		errno = rm_tree_errno;
		return -1;
	}
	return 0;
}
