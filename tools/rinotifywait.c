// SPDX-License-Identifier: GPL-2.0
/*
 * rinotifywait: print the events of some directories as they arrive, one line each, in
 * the manner of `inotifywait -m`: "<dir>/ <EVENT>[,<EVENT>...] [<name>]".
 *
 *   rinotifywait [-n] DIR...    watch through /dev/rinotify, or with -n native inotify
 *   rinotifywait -r DIR...      watch each DIR's whole tree with one tree watch
 *
 * With -r, every event names the directory it happened in, as inotifywait -r prints it;
 * the paths come from the tree's RIN_WATCHED records. A RIN_RESCAN record is printed as
 * "<dir>/ RESCAN [<name>]" (events may have been missed there), and a directory moved into
 * the tree is watched below as well by a second RINOTIFY_IOC_ADD_TREE, as the header asks.
 *
 * The demo of `make run` runs it on both, side by side.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The helpers of the selftests, selftests/lib/: backends, bit names, the uapi structs. */
#include "backend.h"
#include "batch.h"
#include "records.h"

/* The path of each watched directory, by wd. */
static char **paths;
static int npaths;

static void set_path(int wd, const char *dir, const char *name)
{
	char *path;

	if (wd < 1)
		return;
	if (wd >= npaths) {
		int n = wd + 64;

		paths = realloc(paths, n * sizeof(*paths));
		if (!paths)
			abort();
		memset(paths + npaths, 0, (n - npaths) * sizeof(*paths));
		npaths = n;
	}
	if (name && asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	free(paths[wd]);
	paths[wd] = name ? path : strdup(dir);
}

static const char *path_of(int wd)
{
	return wd >= 1 && wd < npaths && paths[wd] ? paths[wd] : "?";
}

static void print_event(const struct inotify_event *e)
{
	const char *sep = "";

	printf("%s/ ", path_of(e->wd));
	for (unsigned int bit = 0; bit < 32; bit++) {
		if ((e->mask & (1u << bit)) && inotify_bit_name(bit)) {
			printf("%s%s", sep, inotify_bit_name(bit));
			sep = ",";
		}
	}
	printf(" %s\n", e->len ? e->name : "");
	fflush(stdout);
}

/* RINOTIFY_IOC_ADD_TREE on dir: the root's wd, or -1. */
static int add_tree(int fd, const char *dir)
{
	struct rinotify_tree t = {
		.pathname = (uintptr_t)dir,
		.dirfd = AT_FDCWD,
		.mask = IN_ALL_EVENTS,
	};
	int wd = ioctl(fd, RINOTIFY_IOC_ADD_TREE, &t);

	if (wd < 0)
		fprintf(stderr, "cannot watch the tree %s: %s\n", dir, strerror(errno));
	else if (wd >= npaths || !paths[wd])
		set_path(wd, dir, NULL);
	return wd;
}

/* What -r does with a record before printing it; 0 if it is not printed. */
static int follow(int fd, const struct inotify_event *e)
{
	if (e->mask & RIN_WATCHED) {
		if (e->cookie)
			set_path(e->wd, path_of(e->cookie), e->name);
		return 0;
	}
	if (e->mask & RIN_RESCAN && !e->len) {
		/* A directory moved in: watch what is below it too. */
		char *dir = strdup(path_of(e->wd));

		add_tree(fd, dir);
		free(dir);
	}
	return 1;
}

int main(int argc, char **argv)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	int native = argc > 1 && !strcmp(argv[1], "-n");
	int tree = argc > 1 && !strcmp(argv[1], "-r");
	const struct backend *be = native ? &backend_native : &backend_rinotify;
	char **dirs = argv + 1 + native + tree;
	int ndirs = argc - 1 - native - tree, fd;

	if (ndirs < 1) {
		fprintf(stderr, "usage: rinotifywait [-n | -r] DIR...\n");
		return 2;
	}
	fd = be->init1(0);
	if (fd < 0) {
		perror(native ? "inotify_init1" : RINOTIFY_DEVICE);
		return 1;
	}
	for (int i = 0; i < ndirs; i++) {
		int wd = tree ? add_tree(fd, dirs[i]) : be->add_watch(fd, dirs[i], IN_ALL_EVENTS);

		if (wd < 0) {
			fprintf(stderr, "cannot watch %s: %s\n", dirs[i], strerror(errno));
			return 1;
		}
		set_path(wd, dirs[i], NULL);
	}
	fprintf(stderr, "Watches established.\n");
	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf));

		if (len < 0) {
			perror("read");
			return 1;
		}
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (!tree || follow(fd, e))
				print_event(e);
			if (e->mask & IN_IGNORED && e->wd >= 1 && e->wd < npaths) {
				free(paths[e->wd]);
				paths[e->wd] = NULL;
			}
			p += sizeof(*e) + e->len;
		}
	}
}
