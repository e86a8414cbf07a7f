// SPDX-License-Identifier: GPL-2.0
/*
 * B109: a tree's directory moved within the tree while its watcher holds the instance's
 * lock, then moved back while the lock is free, before the watcher's next call, keeps its
 * watch, or a RIN_RESCAN names it where it is: what is made in it is never missed unsaid.
 *
 * The lock is held by another process reading the instance's fdinfo over and over (3000
 * watches make each listing long) during the first rename. Until the directory arriving in
 * its tree needed no lock, that rename found the lock taken, the directory was taken for one
 * that left its tree, and after the second rename the watcher's next call removed its watch
 * with no record naming it. Whether a rename met the lock no longer shows in the records, so
 * every try is judged.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "batch.h"

#define TREE_MASK	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVE | IN_DELETE_SELF)

/* What the records said of r0. */
struct seen {
	int root, ra, rb, r0;
	/* A RIN_RESCAN of rb's entry r0 (the first rename met the lock, before the fix). */
	int contended;
	/* Since r0 last arrived in ra: a RIN_RESCAN named it; its watch went. */
	int said, lost;
	/* A record named x, made in r0 after the renames. */
	int x;
};

static void read_records(struct __test_metadata *_metadata, int fd, struct seen *s)
{
	static char buf[65536] __attribute__((aligned(16)));
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (size_t off = 0; off < (size_t)n; ) {
			struct inotify_event *ev = (struct inotify_event *)(buf + off);
			const char *name = ev->len ? ev->name : "";
			int cookie = ev->cookie;

			off += sizeof(*ev) + ev->len;
			if (ev->mask & RIN_WATCHED) {
				if (!cookie)
					s->root = ev->wd;
				else if (cookie == s->root && !strcmp(name, "ra"))
					s->ra = ev->wd;
				else if (cookie == s->root && !strcmp(name, "rb"))
					s->rb = ev->wd;
				else if (cookie == s->ra && !strcmp(name, "r0"))
					s->r0 = ev->wd;
				continue;
			}
			TH_LOG("  wd %d mask %#x cookie %u %s", ev->wd, ev->mask, ev->cookie, name);
			if (ev->mask & RIN_RESCAN && ev->wd == s->rb && !strcmp(name, "r0"))
				s->contended = 1;
			if (ev->mask & IN_MOVED_TO && ev->wd == s->ra && !strcmp(name, "r0")) {
				s->said = 0;
				s->lost = 0;
			}
			if (ev->mask & RIN_RESCAN && ev->wd == s->ra && !strcmp(name, "r0"))
				s->said = 1;
			if (ev->mask & IN_IGNORED && ev->wd == s->r0)
				s->lost = 1;
			if (!strcmp(name, "x"))
				s->x = 1;
		}
	}
}

static int mkdirf(const char *fmt, int i, int j)
{
	char path[64];

	snprintf(path, sizeof(path), fmt, i, j);
	return mkdir(path, 0755);
}

FIXTURE(left) {
	int unused;
};

FIXTURE_SETUP(left)
{
}

FIXTURE_TEARDOWN(left)
{
}

TEST_F_TIMEOUT(left, b109_tree_dir_moved_while_its_watcher_is_busy_is_kept_or_said, 900)
{
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)"t", .dirfd = AT_FDCWD, .mask = TREE_MASK,
	};
	char base[] = "/tmp/left.XXXXXX";
	int tried;

	ASSERT_TRUE(mkdtemp(base) != NULL);
	ASSERT_EQ(0, mount("tmpfs", base, "tmpfs", 0, NULL));
	ASSERT_EQ(0, chdir(base));
	ASSERT_EQ(0, mkdir("t", 0755));
	ASSERT_EQ(0, mkdir("t/s", 0755));
	for (int i = 0; i < 30; i++) {
		ASSERT_EQ(0, mkdirf("t/s/%02d", i, 0));
		for (int j = 0; j < 100; j++)
			ASSERT_EQ(0, mkdirf("t/s/%02d/%03d", i, j));
	}
	ASSERT_EQ(0, mkdir("t/ra", 0755));
	ASSERT_EQ(0, mkdir("t/rb", 0755));
	ASSERT_EQ(0, mkdir("t/ra/r0", 0755));
	for (tried = 1; tried <= 3; tried++) {
		int fd = open("/dev/rinotify", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		struct seen s = { 0 };
		char path[64];
		pid_t lister;

		ASSERT_LE(0, fd);
		ASSERT_LT(0, ioctl(fd, RINOTIFY_IOC_ADD_TREE, &tree));
		read_records(_metadata, fd, &s);
		ASSERT_LT(0, s.r0);
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", getpid(), fd);
		fflush(stdout);
		fflush(stderr);
		lister = fork();
		ASSERT_LE(0, lister);
		if (lister == 0) {
			static char info[4 << 20];

			for (;;) {
				int ifd = open(path, O_RDONLY);

				while (ifd >= 0 && read(ifd, info, sizeof(info)) > 0)
					;
				close(ifd);
			}
		}
		usleep(300 * 1000);
		ASSERT_EQ(0, rename("t/ra/r0", "t/rb/r0"));
		kill(lister, SIGKILL);
		ASSERT_EQ(lister, waitpid(lister, NULL, 0));
		ASSERT_EQ(0, rename("t/rb/r0", "t/ra/r0"));
		read_records(_metadata, fd, &s);
		ASSERT_EQ(0, mkdir("t/ra/r0/x", 0755));
		read_records(_metadata, fd, &s);
		ASSERT_EQ(0, rmdir("t/ra/r0/x"));
		close(fd);
		TH_LOG("try %d: a RIN_RESCAN of rb's r0: %d; r0's watch went: %d; named in ra: %d",
		       tried, s.contended, s.lost, s.said);
		/* t/ra/r0 kept its watch, or a RIN_RESCAN named it there. */
		EXPECT_TRUE(!s.lost || s.said);
		/* And so t/ra/r0/x was reported, or is below that RIN_RESCAN. */
		EXPECT_TRUE(s.x || s.said);
	}
	ASSERT_EQ(0, chdir("/"));
	ASSERT_EQ(0, umount2(base, MNT_DETACH));
	rmdir(base);
}

TEST_HARNESS_MAIN
