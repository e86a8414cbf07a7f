// SPDX-License-Identifier: GPL-2.0
/*
 * api_probe: librinotify's own API (rinotify.h) as a program linked with the library uses
 * it. Linked with -lrinotify, the program's inotify_init1() is the library's, so it gets a
 * rinotify instance; a raw inotify_init1 system call gets a native one. Prints one line per
 * check, "ok ..." or "not ok ...", and exits 1 if any failed.
 *
 *   api_probe DIR    (an empty directory it may write in)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rinotify.h"

static int failed;

static void check(int ok, const char *what, int got)
{
	printf("%s %s (%d%s%s)\n", ok ? "ok" : "not ok", what, got, got < 0 ? ", " : "",
	       got < 0 ? strerror(errno) : "");
	failed |= !ok;
}

/* Two entries relative to the open directory dir: "a" (a directory) and "missing". */
static int batch(int fd, int dir, struct rinotify_watch_at e[2])
{
	e[0] = (struct rinotify_watch_at){ .pathname = (uintptr_t)"a", .dirfd = dir,
					   .mask = IN_CREATE };
	e[1] = (struct rinotify_watch_at){ .pathname = (uintptr_t)"missing", .dirfd = dir,
					   .mask = IN_CREATE };
	return rinotify_watch_many(fd, e, 2);
}

int main(int argc, char **argv)
{
	struct rinotify_watch_at e[2];
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int fd, native, dir, ret;
	ssize_t n;

	if (argc != 2 || chdir(argv[1]) || mkdir("a", 0755) || mkdir("a/b", 0755))
		return 2;
	dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	native = syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC);
	if (dir < 0 || fd < 0 || native < 0)
		return 2;

	ret = rinotify_watch_tree(fd, dir, "a", IN_CREATE);
	check(ret == 1, "rinotify_watch_tree on the library's instance", ret);
	n = read(fd, buf, sizeof(buf));
	check(n == 2 * (int)sizeof(struct inotify_event) + 16 &&
	      (((struct inotify_event *)buf)->mask & RIN_WATCHED),
	      "RIN_WATCHED records for a and a/b", (int)n);
	ret = batch(fd, dir, e);
	check(ret == 2 && e[0].result == 1 && e[1].result == -ENOENT,
	      "rinotify_watch_many on the library's instance", ret);

	ret = batch(native, dir, e);
	check(ret == 2 && e[0].result == 1 && e[1].result == -ENOENT,
	      "rinotify_watch_many on a native instance", ret);
	errno = 0;
	ret = rinotify_watch_tree(native, dir, "a", IN_CREATE);
	check(ret == -1 && errno == EOPNOTSUPP, "rinotify_watch_tree on a native instance", ret);
	return failed;
}
