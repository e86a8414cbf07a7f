// SPDX-License-Identifier: GPL-2.0
/*
 * rinotifywait: print the events of some directories as they arrive, one line each, in
 * the manner of `inotifywait -m`: "<dir>/ <EVENT>[,<EVENT>...] [<name>]".
 *
 *   rinotifywait [-n] DIR...    watch through /dev/rinotify, or with -n native inotify
 *
 * The demo of `make run` runs it on both, side by side.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
/* <linux/inotify.h> brings <linux/fcntl.h>, which clashes with glibc's <fcntl.h>. */
#include <linux/rinotify.h>

extern int open(const char *path, int flags, ...);
extern int inotify_init1(int flags);
extern int inotify_add_watch(int fd, const char *path, uint32_t mask);

static const struct {
	uint32_t bit;
	const char *name;
} names[] = {
	{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" },
	{ IN_CLOSE_WRITE, "CLOSE_WRITE" }, { IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
	{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" }, { IN_MOVED_TO, "MOVED_TO" },
	{ IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
	{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_UNMOUNT, "UNMOUNT" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" },
	{ IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
};

static int add_watch(int native, int fd, const char *path)
{
	struct rinotify_watch w = { .pathname = (uintptr_t)path, .mask = IN_ALL_EVENTS };

	if (native)
		return inotify_add_watch(fd, path, IN_ALL_EVENTS);
	return ioctl(fd, RINOTIFY_IOC_ADD_WATCH, &w);
}

static void print_event(const struct inotify_event *e, char **dirs, int ndirs)
{
	const char *dir = e->wd >= 1 && e->wd <= ndirs ? dirs[e->wd - 1] : "?";
	const char *sep = "";

	printf("%s/ ", dir);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (e->mask & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = ",";
		}
	}
	printf(" %s\n", e->len ? e->name : "");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	int native = argc > 1 && !strcmp(argv[1], "-n");
	char **dirs = argv + 1 + native;
	int ndirs = argc - 1 - native, fd;

	if (ndirs < 1) {
		fprintf(stderr, "usage: rinotifywait [-n] DIR...\n");
		return 2;
	}
	fd = native ? inotify_init1(0) : open("/dev/rinotify", O_RDONLY);
	if (fd < 0) {
		perror(native ? "inotify_init1" : "/dev/rinotify");
		return 1;
	}
	for (int i = 0; i < ndirs; i++) {
		/* Watches are added in order, so the wd of dirs[i] is i + 1. */
		if (add_watch(native, fd, dirs[i]) != i + 1) {
			fprintf(stderr, "cannot watch %s: %s\n", dirs[i], strerror(errno));
			return 1;
		}
	}
	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf));

		if (len < 0) {
			perror("read");
			return 1;
		}
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			print_event(e, dirs, ndirs);
			p += sizeof(*e) + e->len;
		}
	}
}
