// SPDX-License-Identifier: GPL-2.0
/*
 * Differential scenarios: the event queue limit and overflow (B62..B66), IN_ONESHOT (B67)
 * and unmount (B68). max_queued_events is the backend's own sysctl, set before the
 * instance is made and restored right after (and again at scenario end).
 */
#include <string.h>
#include <sys/mount.h>

#include "scenario.h"

/* Makes an instance with max_queued_events = n. */
static int init_with_max_events(long n)
{
	int fd;

	t_log("max_queued_events := %ld", n);
	if (t_sysctl_set("max_queued_events", n))
		return -1;
	fd = t_init(IN_NONBLOCK);
	t_sysctl_restore("max_queued_events");
	return fd;
}

static void create_files(const char *names)
{
	char name[2] = { 0 };

	for (; *names; names++) {
		name[0] = *names;
		MKFILE(name);
	}
}

/* B62: max_events is taken from the sysctl when the instance is made. */
TEST_F(scenarios, b62_max_events_fixed_at_init)
{
	int fd, fd2;

	fd = init_with_max_events(2);
	ASSERT_LE(0, fd);
	fd2 = init_with_max_events(100);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(1, t_add(fd, ".", IN_CREATE));
	EXPECT_EQ(1, t_add(fd2, ".", IN_CREATE));
	create_files("abcd");
	EXPECT_Q(fd, "1 CREATE a; 1 CREATE b; -1 Q_OVERFLOW");
	EXPECT_Q(fd2, "1 CREATE a; 1 CREATE b; 1 CREATE c; 1 CREATE d");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B63: after N records one overflow record; events queue again once below N. */
TEST_F(scenarios, b63_overflow)
{
	int fd = init_with_max_events(3);

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, t_add(fd, ".", IN_CREATE));
	create_files("abcde");
	EXPECT_EQ(3 * 32 + 16, t_fionread(fd));
	EXPECT_EQ(32, t_read(fd, 32));
	EXPECT_STREQ("1 CREATE a", t_evstr());
	/* The overflow record counts: still 3 queued, f is dropped. */
	create_files("f");
	EXPECT_EQ(32, t_read(fd, 32));
	EXPECT_STREQ("1 CREATE b", t_evstr());
	create_files("gh");
	EXPECT_Q(fd, "1 CREATE c; -1 Q_OVERFLOW; 1 CREATE g");
	/* Read, it can be queued again. */
	create_files("ijkl");
	EXPECT_Q(fd, "1 CREATE i; 1 CREATE j; 1 CREATE k; -1 Q_OVERFLOW");
	EXPECT_EQ(0, t_close(fd));
}

/* B64: IN_IGNORED obeys the limit too: rm_watch on a full queue queues the overflow. */
TEST_F(scenarios, b64_ignored_overflow)
{
	int fd = init_with_max_events(2);

	ASSERT_LE(0, fd);
	MKFILE("a");
	MKFILE("b");
	EXPECT_EQ(1, t_add(fd, "a", IN_MODIFY));
	EXPECT_EQ(2, t_add(fd, "b", IN_MODIFY));
	ASSERT_EQ(0, write_file("a", 1));
	ASSERT_EQ(0, write_file("b", 1));
	EXPECT_EQ(0, t_rm(fd, 1));
	EXPECT_Q(fd, "1 MODIFY; 2 MODIFY; -1 Q_OVERFLOW");
	EXPECT_ERR(EINVAL, t_rm(fd, 1));
	EXPECT_EQ(0, t_rm(fd, 2));
	EXPECT_Q(fd, "2 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B66: max_queued_events = 0: every event becomes the single overflow record. */
TEST_F(scenarios, b66_max_queued_zero)
{
	int fd = init_with_max_events(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, t_add(fd, ".", IN_CREATE));
	EXPECT_EQ(0, t_fionread(fd));
	create_files("ab");
	EXPECT_EQ(16, t_fionread(fd));
	EXPECT_Q(fd, "-1 Q_OVERFLOW");
	EXPECT_EQ(0, t_rm(fd, 1));
	EXPECT_Q(fd, "-1 Q_OVERFLOW");
	EXPECT_EQ(0, t_close(fd));
}

/* B67: IN_ONESHOT: the first matching event, then IN_IGNORED, and the wd is dead. */
TEST_F(scenarios, b67_oneshot)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	MKFILE("g");
	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	EXPECT_EQ(1, t_add(fd, "f", IN_MODIFY | IN_ONESHOT));
	EXPECT_EQ(2, t_add(fd, "g", IN_ATTRIB | IN_ONESHOT));
	EXPECT_EQ(3, t_add(fd, "d", IN_CREATE | IN_ONESHOT));
	ASSERT_EQ(0, write_file("f", 1));
	ASSERT_EQ(0, write_file("f", 1));
	EXPECT_Q(fd, "1 MODIFY; 1 IGNORED");
	/* A non-matching event does not fire it. */
	ASSERT_EQ(0, write_file("g", 1));
	EXPECT_Q(fd, "");
	ASSERT_EQ(0, TS(chmod("g", 0600)));
	MKFILE("d/x");
	MKFILE("d/y");
	EXPECT_Q(fd, "2 ATTRIB; 2 IGNORED; 3 CREATE x; 3 IGNORED");
	EXPECT_ERR(EINVAL, t_rm(fd, 1));
	EXPECT_ERR(EINVAL, t_rm(fd, 2));
	EXPECT_ERR(EINVAL, t_rm(fd, 3));
	EXPECT_STREQ("", t_fdinfo(fd));
	/* A new watch on f is a new wd. */
	EXPECT_EQ(4, t_add(fd, "f", IN_MODIFY | IN_ONESHOT));
	EXPECT_EQ(0, t_close(fd));
}

/* B68: unmount: every watch on the fs gets IN_UNMOUNT then IN_IGNORED, whatever its mask. */
TEST_F(scenarios, b68_unmount)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, t_mount_tmpfs("m"));
	ASSERT_EQ(0, TS(mkdir("m/s", 0755)));
	MKFILE("m/f");
	EXPECT_EQ(1, t_add(fd, "m", IN_CREATE));
	EXPECT_EQ(2, t_add(fd, "m/s", IN_ATTRIB));
	EXPECT_EQ(3, t_add(fd, "m/f", IN_MODIFY | IN_ONESHOT));
	EXPECT_EQ(4, t_add(fd, ".", IN_CREATE | IN_DELETE));
	/* Watches do not keep the fs busy. */
	ASSERT_EQ(0, TS(t_umount("m")));
	EXPECT_Q(fd, "3 UNMOUNT; 3 IGNORED; 2 UNMOUNT|ISDIR; 2 IGNORED; "
		     "1 UNMOUNT|ISDIR; 1 IGNORED");
	EXPECT_ERR(EINVAL, t_rm(fd, 1));
	EXPECT_ERR(EINVAL, t_rm(fd, 3));
	EXPECT_STREQ("4:300", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B68: a ONESHOT watch at unmount: IN_UNMOUNT, IN_IGNORED, nothing else. */
TEST_F(scenarios, b68_unmount_oneshot)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, t_mount_tmpfs("m"));
	EXPECT_EQ(1, t_add(fd, "m", IN_CREATE | IN_ONESHOT));
	ASSERT_EQ(0, TS(t_umount("m")));
	EXPECT_Q(fd, "1 UNMOUNT|ISDIR; 1 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B68: no events while the superblock stays alive (bind, lazy umount with an open file). */
TEST_F(scenarios, b68_umount_sb_alive_no_event)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, t_mount_tmpfs("m"));
	ASSERT_EQ(0, TS(mkdir("m2", 0755)));
	ASSERT_EQ(0, TS(mount("m", "m2", NULL, MS_BIND, NULL)));
	MKFILE("m/f");
	EXPECT_EQ(1, t_add(fd, "m2/f", IN_MODIFY));
	ASSERT_EQ(0, TS(umount2("m2", 0)));
	EXPECT_Q(fd, "");
	f = TS(open("m/f", O_RDONLY | O_CLOEXEC));
	ASSERT_LE(0, f);
	ASSERT_EQ(0, TS(umount2("m", MNT_DETACH)));
	EXPECT_Q(fd, "");
	/* The last reference to the mount goes: now the fs shuts down. */
	ASSERT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 UNMOUNT; 1 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

TEST_HARNESS_MAIN
