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
#include <sys/inotify.h>
#include <unistd.h>

/* The helpers of the selftests, selftests/lib/. */
#include "backend.h"
#include "records.h"

static void print_event(const struct inotify_event *e, char **dirs, int ndirs)
{
	const char *dir = e->wd >= 1 && e->wd <= ndirs ? dirs[e->wd - 1] : "?";
	const char *sep = "";

	printf("%s/ ", dir);
	for (unsigned int bit = 0; bit < 32; bit++) {
		if ((e->mask & (1u << bit)) && inotify_bit_name(bit)) {
			printf("%s%s", sep, inotify_bit_name(bit));
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
	const struct backend *be = native ? &backend_native : &backend_rinotify;
	char **dirs = argv + 1 + native;
	int ndirs = argc - 1 - native, fd;

	if (ndirs < 1) {
		fprintf(stderr, "usage: rinotifywait [-n] DIR...\n");
		return 2;
	}
	fd = be->init1(0);
	if (fd < 0) {
		perror(native ? "inotify_init1" : RINOTIFY_DEVICE);
		return 1;
	}
	for (int i = 0; i < ndirs; i++) {
		/* Watches are added in order, so the wd of dirs[i] is i + 1. */
		if (be->add_watch(fd, dirs[i], IN_ALL_EVENTS) != i + 1) {
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
