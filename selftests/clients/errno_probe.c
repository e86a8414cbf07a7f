// SPDX-License-Identifier: GPL-2.0
/*
 * errno_probe: call the C library's inotify functions the ways programs get them wrong
 * and print each result and errno, one line a call. clients_test.sh runs it on native
 * inotify and under LD_PRELOAD=librinotify.so: both must print the same lines. It is a
 * dynamically linked program of the host, like the real clients, so that the preload
 * library can interpose.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *what, long ret)
{
	const char *err = ret < 0 ? strerrorname_np(errno) : NULL;

	printf("%s = %ld%s%s\n", what, ret, err ? " " : "", err ? err : "");
}

/* A descriptor's value depends on what else is open: print whether it is one. */
static void report_fd(const char *what, int fd)
{
	report(what, fd < 0 ? fd : 0);
}

#define CALL(expr) report(#expr, (expr))

int main(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct inotify_event *ev = (struct inotify_event *)buf;
	int fd, raw, devnull;
	struct rlimit rl;
	ssize_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	devnull = open("/dev/null", O_RDONLY);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	report_fd("inotify_init1(IN_NONBLOCK | IN_CLOEXEC)", fd);
	CALL(!!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CALL(fcntl(fd, F_GETFD));
	CALL(read(fd, buf, sizeof(buf)));
	CALL(inotify_init1(1));
	CALL(inotify_init1(IN_NONBLOCK | O_APPEND));

	CALL(inotify_add_watch(fd, "/tmp", 0));
	CALL(inotify_add_watch(fd, "/tmp", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
	CALL(inotify_add_watch(-1, "/tmp", IN_CREATE));
	CALL(inotify_add_watch(-1, "/tmp", 0));
	/* inotify's order: unknown bits, no bit, the descriptor, then ADD with CREATE. */
	CALL(inotify_add_watch(-1, "/tmp", IN_CREATE | 0x1000));
	CALL(inotify_add_watch(-1, "/tmp", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
	CALL(inotify_add_watch(fd, "/tmp", IN_CREATE | 0x1000));
	CALL(inotify_add_watch(devnull, "/tmp", IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
	CALL(inotify_add_watch(devnull, "/tmp", IN_CREATE));
	CALL(inotify_add_watch(fd, "/nonexistent", IN_CREATE));
	CALL(inotify_add_watch(fd, NULL, IN_CREATE));
	CALL(inotify_add_watch(fd, "", IN_CREATE));
	CALL(inotify_add_watch(fd, "/etc/passwd", IN_CREATE | IN_ONLYDIR));
	CALL(inotify_add_watch(fd, "/tmp", IN_CREATE));
	CALL(inotify_add_watch(fd, "/tmp", IN_CREATE | IN_MASK_CREATE));
	CALL(inotify_add_watch(fd, "/tmp", IN_DELETE | IN_MASK_ADD));
	CALL(inotify_add_watch(fd, "/etc", IN_ATTRIB));

	CALL(inotify_rm_watch(fd, 1));
	CALL(inotify_rm_watch(fd, 1));
	CALL(inotify_rm_watch(fd, -1));
	CALL(inotify_rm_watch(-1, 2));
	CALL(inotify_rm_watch(devnull, 2));
	len = read(fd, buf, sizeof(buf));
	report("read(fd) after rm_watch", len);
	if (len >= (ssize_t)sizeof(*ev))
		printf("event wd %d mask %#x len %u\n", ev->wd, ev->mask, ev->len);

	/* A real inotify descriptor, made without the C library: the library must pass it on. */
	raw = syscall(SYS_inotify_init1, IN_CLOEXEC);
	report_fd("syscall(SYS_inotify_init1, IN_CLOEXEC)", raw);
	CALL(inotify_add_watch(raw, "/tmp", IN_CREATE));
	CALL(inotify_rm_watch(raw, 1));
	CALL(inotify_rm_watch(raw, 1));

	/* No descriptor left: EMFILE, as inotify_init1() gives. */
	CALL(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = raw + 1;
	CALL(setrlimit(RLIMIT_NOFILE, &rl));
	CALL(inotify_init());
	return 0;
}
