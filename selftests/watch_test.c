// SPDX-License-Identifier: GPL-2.0
/*
 * Differential scenarios: add_watch/rm_watch arguments, errors and results (B11..B31),
 * and four rinotify-only checks of the ioctl ABI.
 *
 * Error precedence on a bad fd cannot match for the ioctl interface: inotify_add_watch()
 * checks the mask (B11, B12) before the fd, and a non-instance fd gives EINVAL (B15), while
 * an ioctl on a bad fd is EBADF and on another file ENOTTY (V5; the LD_PRELOAD library deals
 * with that). So the mask checks run on a valid instance, and bad fds are only compared
 * where both give the same answer (EBADF for a closed fd, -1, or an O_PATH fd).
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/types.h>

#include "scenario.h"

/* B11: mask bits outside ALL_INOTIFY_BITS are EINVAL, checked before the path. */
TEST_F(scenarios, b11_mask_invalid_bits)
{
	static const uint32_t bad[] = { 0x1000, 0x08000000, 0x00010000, 0x00100000,
					0x00800000, IN_MODIFY | 0x1000, 0xffffffff };
	unsigned int i;
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERR(EINVAL, t_add(fd, ".", bad[i]));
		EXPECT_ERR(EINVAL, t_add(fd, "missing", bad[i]));
	}
	EXPECT_STREQ("", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B12: mask 0 is EINVAL, before the path. */
TEST_F(scenarios, b12_mask_zero)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	EXPECT_ERR(EINVAL, t_add(fd, ".", 0));
	EXPECT_ERR(EINVAL, t_add(fd, "missing", 0));
	EXPECT_ERR(EINVAL, t_add(fd, (const char *)8, 0));
	EXPECT_EQ(0, t_close(fd));
}

/* B13/B29: a closed fd, -1 or an O_PATH fd is EBADF, for add and rm. */
TEST_F(scenarios, b13_bad_fd_ebadf)
{
	int fd = t_init(0), opath;

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, t_add(fd, ".", IN_CREATE));
	EXPECT_ERR(EBADF, t_add(-1, ".", IN_CREATE));
	EXPECT_ERR(EBADF, t_rm(-1, 1));
	EXPECT_ERR(EBADF, t_add(1000, ".", IN_CREATE));
	EXPECT_ERR(EBADF, t_rm(1000, 1));
	/* B14: MASK_ADD|MASK_CREATE is checked after the fd. */
	EXPECT_ERR(EBADF, t_add(-1, ".", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	opath = TS(open(".", O_PATH | O_CLOEXEC));
	ASSERT_LE(0, opath);
	EXPECT_ERR(EBADF, t_add(opath, ".", IN_CREATE));
	EXPECT_ERR(EBADF, t_rm(opath, 1));
	close(opath);
	EXPECT_EQ(0, t_close(fd));
	EXPECT_ERR(EBADF, t_add(fd, ".", IN_CREATE));
	EXPECT_ERR(EBADF, t_rm(fd, 1));
}

/* B14: IN_MASK_ADD with IN_MASK_CREATE is EINVAL. */
TEST_F(scenarios, b14_mask_add_and_create)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	EXPECT_ERR(EINVAL, t_add(fd, ".", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	ASSERT_EQ(1, t_add(fd, ".", IN_MODIFY));
	EXPECT_ERR(EINVAL, t_add(fd, ".", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	EXPECT_ERR(EINVAL, t_add(fd, "missing", IN_MASK_ADD | IN_MASK_CREATE));
	EXPECT_STREQ("1:2", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B16: ENOENT for a missing path, "" and a dangling symlink. */
TEST_F(scenarios, b16_path_enoent)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(symlink("nowhere", "dangling")));
	EXPECT_ERR(ENOENT, t_add(fd, "missing", IN_MODIFY));
	EXPECT_ERR(ENOENT, t_add(fd, "", IN_MODIFY));
	EXPECT_ERR(ENOENT, t_add(fd, "missing/x", IN_MODIFY));
	EXPECT_ERR(ENOENT, t_add(fd, "dangling", IN_MODIFY));
	EXPECT_ERR(ENOENT, t_add(fd, "dangling", IN_MODIFY | IN_ONLYDIR));
	/* The link itself can be watched. */
	EXPECT_EQ(1, t_add(fd, "dangling", IN_MODIFY | IN_DONT_FOLLOW));
	EXPECT_EQ(0, t_close(fd));
}

/* B16: ENOTDIR when a component is not a directory. */
TEST_F(scenarios, b16_path_enotdir)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_ERR(ENOTDIR, t_add(fd, "f/x", IN_MODIFY));
	EXPECT_ERR(ENOTDIR, t_add(fd, "f/", IN_MODIFY));
	EXPECT_ERR(ENOTDIR, t_add(fd, "f/.", IN_MODIFY));
	EXPECT_EQ(0, t_close(fd));
}

/* B16: ENAMETOOLONG for a component > NAME_MAX and a path >= PATH_MAX. */
TEST_F(scenarios, b16_path_enametoolong)
{
	char *path = malloc(PATH_MAX + 16);
	int fd = t_init(0), i;

	ASSERT_LE(0, fd);
	ASSERT_TRUE(path != NULL);
	memset(path, 'n', 256);
	path[256] = 0;
	EXPECT_ERR(ENAMETOOLONG, t_add(fd, path, IN_MODIFY));
	path[255] = 0;
	EXPECT_ERR(ENOENT, t_add(fd, path, IN_MODIFY));
	ASSERT_EQ(0, write_file(path, 0));
	EXPECT_EQ(1, t_add(fd, path, IN_MODIFY));
	for (i = 0; i < PATH_MAX + 8; i += 2) {
		path[i] = '.';
		path[i + 1] = '/';
	}
	path[PATH_MAX + 8] = 0;
	EXPECT_ERR(ENAMETOOLONG, t_add(fd, path, IN_MODIFY));
	path[PATH_MAX - 1] = 0;
	path[PATH_MAX - 2] = '.';
	EXPECT_EQ(2, t_add(fd, path, IN_MODIFY));
	free(path);
	EXPECT_EQ(0, t_close(fd));
}

/* B16: ELOOP for a symlink loop, followed as the last or an inner component. */
TEST_F(scenarios, b16_path_eloop)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(symlink("l2", "l1")));
	ASSERT_EQ(0, TS(symlink("l1", "l2")));
	EXPECT_ERR(ELOOP, t_add(fd, "l1", IN_MODIFY));
	EXPECT_ERR(ELOOP, t_add(fd, "l1/x", IN_MODIFY | IN_DONT_FOLLOW));
	EXPECT_EQ(1, t_add(fd, "l1", IN_MODIFY | IN_DONT_FOLLOW));
	EXPECT_EQ(0, t_close(fd));
}

/* B16: EFAULT for a bad path pointer. */
TEST_F(scenarios, b16_path_efault)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	EXPECT_ERR(EFAULT, t_add(fd, (const char *)8, IN_MODIFY));
	EXPECT_ERR(EFAULT, t_add(fd, (const char *)8, IN_MODIFY | IN_MASK_CREATE));
	EXPECT_EQ(1, t_add(fd, ".", IN_MODIFY));
	EXPECT_EQ(0, t_close(fd));
}

static int b17_child(void *arg)
{
	int fd = t_init(0), fails = 0;

	if (fd < 0)
		return 100;
	/* No search permission on a component. */
	fails += !(t_add(fd, "priv/x", IN_MODIFY) == -1 && errno == EACCES);
	/* No MAY_READ on the target: a directory, a file, a search-only directory. */
	fails += !(t_add(fd, "priv", IN_MODIFY) == -1 && errno == EACCES);
	fails += !(t_add(fd, "secret", IN_MODIFY) == -1 && errno == EACCES);
	fails += !(t_add(fd, "noread", IN_MODIFY) == -1 && errno == EACCES);
	/* Readable targets are fine, also through a search-only directory. */
	fails += t_add(fd, "noread/f", IN_MODIFY) != 1;
	fails += t_add(fd, "pub", IN_MODIFY) != 2;
	t_close(fd);
	return fails;
}

/* B16/B17: an unprivileged caller needs search on the path and read on the target. */
TEST_F(scenarios, b17_eacces_unprivileged)
{
	int fd;

	MAKE_PERMISSION_FILES();
	ASSERT_EQ(0, TS(mkdir("pub", 0755)));
	EXPECT_EQ(0, t_child(1, b17_child, NULL));
	/* Root passes with CAP_DAC_OVERRIDE, even on mode 0. */
	ASSERT_EQ(0, TS(chmod("secret", 0)));
	fd = t_init(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, t_add(fd, "priv/x", IN_MODIFY));
	EXPECT_EQ(2, t_add(fd, "priv", IN_MODIFY));
	EXPECT_EQ(3, t_add(fd, "secret", IN_MODIFY));
	EXPECT_EQ(0, t_close(fd));
}

/* B18: IN_ONLYDIR gives ENOTDIR unless the (followed) target is a directory. */
TEST_F(scenarios, b18_onlydir)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	ASSERT_EQ(0, TS(symlink("d", "ld")));
	ASSERT_EQ(0, TS(symlink("f", "lf")));
	EXPECT_ERR(ENOTDIR, t_add(fd, "f", IN_MODIFY | IN_ONLYDIR));
	EXPECT_ERR(ENOTDIR, t_add(fd, "lf", IN_MODIFY | IN_ONLYDIR));
	EXPECT_ERR(ENOTDIR, t_add(fd, "ld", IN_MODIFY | IN_ONLYDIR | IN_DONT_FOLLOW));
	EXPECT_EQ(1, t_add(fd, "d", IN_MODIFY | IN_ONLYDIR));
	EXPECT_EQ(1, t_add(fd, "ld", IN_MODIFY | IN_ONLYDIR));
	EXPECT_EQ(1, t_add(fd, "d/", IN_ATTRIB | IN_ONLYDIR));
	EXPECT_STREQ("1:4", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B20: flag-only masks are valid and give watches that report only IN_IGNORED. */
TEST_F(scenarios, b20_flag_only_masks)
{
	static const uint32_t masks[] = { IN_ONESHOT, IN_DONT_FOLLOW, IN_ISDIR, IN_IGNORED,
					  IN_UNMOUNT, IN_EXCL_UNLINK, IN_Q_OVERFLOW,
					  IN_MASK_ADD, IN_MASK_CREATE, IN_ONLYDIR };
	char name[16];
	unsigned int i;
	int fd = t_init(IN_NONBLOCK);

	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		snprintf(name, sizeof(name), "f%u", i);
		if (masks[i] == IN_ONLYDIR) {
			ASSERT_EQ(0, TS(mkdir(name, 0755)));
		} else {
			MKFILE(name);
		}
		EXPECT_EQ((int)i + 1, t_add(fd, name, masks[i]));
	}
	t_fdinfo(fd);
	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		snprintf(name, sizeof(name), "f%u", i);
		if (masks[i] != IN_ONLYDIR) {
			ASSERT_EQ(0, write_file(name, 10));
		}
		ASSERT_EQ(0, TS(chmod(name, 0700)));
	}
	EXPECT_Q(fd, "");
	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		snprintf(name, sizeof(name), "f%u", i);
		if (masks[i] == IN_ONLYDIR) {
			ASSERT_EQ(0, TS(rmdir(name)));
		} else {
			ASSERT_EQ(0, TS(unlink(name)));
		}
	}
	EXPECT_Q(fd, "1 IGNORED; 2 IGNORED; 3 IGNORED; 4 IGNORED; 5 IGNORED; 6 IGNORED; "
		     "7 IGNORED; 8 IGNORED; 9 IGNORED; 10 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B21: wds are cyclic: 1, 2, 3, ..., a removed wd is not reused; per instance. */
TEST_F(scenarios, b21_wd_cyclic)
{
	int fd = t_init(0), fd2;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("a", 0755)) | TS(mkdir("b", 0755)) | TS(mkdir("c", 0755)) |
		     TS(mkdir("d", 0755)) | TS(mkdir("e", 0755)));
	EXPECT_EQ(1, t_add(fd, "a", IN_CREATE));
	EXPECT_EQ(2, t_add(fd, "b", IN_CREATE));
	EXPECT_EQ(3, t_add(fd, "c", IN_CREATE));
	EXPECT_EQ(0, t_rm(fd, 2));
	EXPECT_EQ(4, t_add(fd, "d", IN_CREATE));
	EXPECT_EQ(0, t_rm(fd, 4));
	EXPECT_EQ(0, t_rm(fd, 3));
	EXPECT_EQ(5, t_add(fd, "e", IN_CREATE));
	EXPECT_EQ(6, t_add(fd, "b", IN_CREATE));
	/* Another instance starts at 1. */
	fd2 = t_init(0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(1, t_add(fd2, "c", IN_CREATE));
	EXPECT_EQ(2, t_add(fd2, "a", IN_CREATE));
	EXPECT_EQ(0, t_rm(fd, 1));
	EXPECT_EQ(7, t_add(fd, "a", IN_CREATE));
	EXPECT_STREQ("7:100 6:100 5:100", t_fdinfo(fd));
	EXPECT_Q(fd, "2 IGNORED; 4 IGNORED; 3 IGNORED; 1 IGNORED");
	EXPECT_Q(fd2, "");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B21: after INT_MAX the lowest free wd is used. */
TEST_F(scenarios, b21_wd_wrap)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("a", 0755)) | TS(mkdir("b", 0755)) | TS(mkdir("c", 0755)) |
		     TS(mkdir("d", 0755)));
	EXPECT_EQ(1, t_add(fd, "a", IN_CREATE));
	ASSERT_EQ(0, TS(ioctl(fd, INOTIFY_IOC_SETNEXTWD, (unsigned long)INT_MAX)));
	EXPECT_EQ(INT_MAX, t_add(fd, "b", IN_CREATE));
	EXPECT_EQ(2, t_add(fd, "c", IN_CREATE));
	EXPECT_EQ(0, t_rm(fd, INT_MAX));
	EXPECT_EQ(3, t_add(fd, "d", IN_CREATE));
	MKFILE("b/x");
	MKFILE("d/y");
	EXPECT_Q(fd, "2147483647 IGNORED; 3 CREATE y");
	EXPECT_EQ(0, t_close(fd));
}

/* B29: a wd of another instance is EINVAL; the same number here removes our watch. */
TEST_F(scenarios, b29_rm_other_instance_wd)
{
	int fd = t_init(0), fd2 = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	MKFILE("a");
	MKFILE("b");
	MKFILE("c");
	EXPECT_EQ(1, t_add(fd, "a", IN_ATTRIB));
	EXPECT_EQ(2, t_add(fd, "b", IN_ATTRIB));
	EXPECT_EQ(1, t_add(fd2, "c", IN_ATTRIB));
	EXPECT_ERR(EINVAL, t_rm(fd2, 2));
	EXPECT_EQ(0, t_rm(fd2, 1));
	ASSERT_EQ(0, TS(chmod("a", 0600)));
	ASSERT_EQ(0, TS(chmod("c", 0600)));
	EXPECT_Q(fd, "1 ATTRIB");
	EXPECT_Q(fd2, "1 IGNORED");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B22: the same inode through any path gives the same wd. */
TEST_F(scenarios, b22_same_inode_same_wd)
{
	char proc[64];
	int fd = t_init(0), ofd;

	ASSERT_LE(0, fd);
	MKFILE("a");
	ASSERT_EQ(0, TS(link("a", "h")));
	ASSERT_EQ(0, TS(symlink("a", "s")));
	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	EXPECT_EQ(1, t_add(fd, "a", IN_MODIFY));
	EXPECT_EQ(1, t_add(fd, "h", IN_MODIFY));
	EXPECT_EQ(1, t_add(fd, "s", IN_MODIFY));
	EXPECT_EQ(1, t_add(fd, "./a", IN_MODIFY));
	EXPECT_EQ(1, t_add(fd, "d/../a", IN_MODIFY));
	ofd = TS(open("a", O_RDONLY | O_CLOEXEC));
	ASSERT_LE(0, ofd);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", ofd);
	EXPECT_EQ(1, t_add(fd, proc, IN_MODIFY));
	close(ofd);
	EXPECT_EQ(2, t_add(fd, "d", IN_CREATE));
	EXPECT_EQ(2, t_add(fd, "d/.", IN_CREATE));
	EXPECT_EQ(2, t_add(fd, "d/", IN_CREATE));
	EXPECT_EQ(3, t_add(fd, ".", IN_CREATE));
	EXPECT_STREQ("3:100 2:100 1:2", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B23: a re-add replaces the mask and drops ONESHOT/EXCL_UNLINK. */
TEST_F(scenarios, b23_mask_replace)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, "f", IN_MODIFY | IN_ONESHOT));
	EXPECT_STREQ("1:80000002", t_fdinfo(fd));
	EXPECT_EQ(1, t_add(fd, "f", IN_ATTRIB));
	EXPECT_STREQ("1:4", t_fdinfo(fd));
	ASSERT_EQ(0, write_file("f", 1));
	ASSERT_EQ(0, TS(chmod("f", 0600)));
	EXPECT_Q(fd, "1 ATTRIB");
	ASSERT_EQ(0, TS(chmod("f", 0644)));
	EXPECT_Q(fd, "1 ATTRIB");
	EXPECT_EQ(1, t_add(fd, "f", IN_MODIFY | IN_EXCL_UNLINK));
	EXPECT_STREQ("1:4000002", t_fdinfo(fd));
	EXPECT_EQ(1, t_add(fd, "f", IN_MODIFY));
	EXPECT_STREQ("1:2", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B24: IN_MASK_ADD ORs events and flags; flags cannot be cleared that way. */
TEST_F(scenarios, b24_mask_add)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	MKFILE("g");
	EXPECT_EQ(1, t_add(fd, "f", IN_MODIFY));
	EXPECT_EQ(1, t_add(fd, "f", IN_ATTRIB | IN_MASK_ADD));
	EXPECT_STREQ("1:6", t_fdinfo(fd));
	EXPECT_EQ(1, t_add(fd, "f", IN_ONESHOT | IN_MASK_ADD));
	EXPECT_EQ(1, t_add(fd, "f", IN_EXCL_UNLINK | IN_MASK_ADD));
	EXPECT_EQ(1, t_add(fd, "f", IN_MODIFY | IN_MASK_ADD));
	EXPECT_STREQ("1:84000006", t_fdinfo(fd));
	/* On an unwatched inode: a normal add. */
	EXPECT_EQ(2, t_add(fd, "g", IN_MODIFY | IN_MASK_ADD));
	EXPECT_STREQ("2:2 1:84000006", t_fdinfo(fd));
	ASSERT_EQ(0, TS(chmod("f", 0600)));
	ASSERT_EQ(0, TS(chmod("f", 0644)));
	EXPECT_Q(fd, "1 ATTRIB; 1 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B25: IN_MASK_CREATE on a watched inode is EEXIST and changes nothing. */
TEST_F(scenarios, b25_mask_create)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	MKFILE("g");
	ASSERT_EQ(0, TS(link("f", "h")));
	EXPECT_EQ(1, t_add(fd, "f", IN_MODIFY | IN_MASK_CREATE));
	EXPECT_ERR(EEXIST, t_add(fd, "f", IN_ATTRIB | IN_MASK_CREATE));
	EXPECT_ERR(EEXIST, t_add(fd, "h", IN_ATTRIB | IN_ONESHOT | IN_MASK_CREATE));
	EXPECT_STREQ("1:2", t_fdinfo(fd));
	EXPECT_EQ(2, t_add(fd, "g", IN_ATTRIB | IN_MASK_CREATE));
	ASSERT_EQ(0, TS(chmod("f", 0600)));
	ASSERT_EQ(0, write_file("f", 1));
	EXPECT_Q(fd, "1 MODIFY");
	EXPECT_EQ(0, t_close(fd));
}

/* B25: many EEXIST do not leak a reference: the fs unmounts after rm_watch and close. */
TEST_F(scenarios, b25_mask_create_no_leak)
{
	int fd = t_init(0), i, eexist = 0;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, t_mount_tmpfs("m"));
	MKFILE("m/f");
	EXPECT_EQ(1, t_add(fd, "m/f", IN_MODIFY));
	for (i = 0; i < 10000; i++)
		if (be->add_watch(fd, "m/f", IN_MODIFY | IN_MASK_CREATE) == -1 && errno == EEXIST)
			eexist++;
	t_log("10000 x add_watch(m/f, MODIFY|MASK_CREATE): %d EEXIST", eexist);
	EXPECT_EQ(10000, eexist);
	EXPECT_EQ(0, t_rm(fd, 1));
	EXPECT_Q(fd, "1 IGNORED");
	EXPECT_EQ(0, t_close(fd));
	EXPECT_EQ(0, TS(t_umount("m")));
}

/* B26: IN_DONT_FOLLOW watches the symlink inode itself, with its own wd. */
TEST_F(scenarios, b26_dont_follow)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	ASSERT_EQ(0, TS(symlink("f", "l")));
	EXPECT_EQ(1, t_add(fd, "l", IN_ATTRIB | IN_DONT_FOLLOW));
	EXPECT_EQ(2, t_add(fd, "l", IN_ATTRIB));
	EXPECT_EQ(2, t_add(fd, "f", IN_ATTRIB));
	EXPECT_EQ(1, t_add(fd, "l", IN_ATTRIB | IN_DONT_FOLLOW));
	ASSERT_EQ(0, TS(chmod("f", 0600)));
	EXPECT_Q(fd, "2 ATTRIB");
	ASSERT_EQ(0, TS(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW)));
	EXPECT_Q(fd, "1 ATTRIB");
	ASSERT_EQ(0, TS(lchown("l", 1, 1)));
	ASSERT_EQ(0, TS(chown("l", 2, 2)));
	EXPECT_Q(fd, "1 ATTRIB; 2 ATTRIB");
	EXPECT_STREQ("2:4 1:4", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* B29: rm_watch results. */
TEST_F(scenarios, b29_rm_watch_results)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("a");
	EXPECT_EQ(1, t_add(fd, "a", IN_MODIFY));
	EXPECT_ERR(EINVAL, t_rm(fd, 2));
	EXPECT_EQ(0, t_rm(fd, 1));
	EXPECT_ERR(EINVAL, t_rm(fd, 1));
	EXPECT_ERR(EINVAL, t_rm(fd, 0));
	EXPECT_ERR(EINVAL, t_rm(fd, -1));
	EXPECT_ERR(EINVAL, t_rm(fd, INT_MIN));
	EXPECT_ERR(EINVAL, t_rm(fd, INT_MAX));
	EXPECT_Q(fd, "1 IGNORED");
	EXPECT_EQ(2, t_add(fd, "a", IN_MODIFY));
	EXPECT_EQ(0, t_close(fd));
}

/* B30: IN_IGNORED is queued before rm_watch returns. */
TEST_F(scenarios, b30_ignored_before_return)
{
	int fd = t_init(IN_NONBLOCK);

	ASSERT_LE(0, fd);
	MKFILE("a");
	EXPECT_EQ(1, t_add(fd, "a", IN_MODIFY));
	ASSERT_EQ(0, write_file("a", 1));
	EXPECT_EQ(0, t_rm(fd, 1));
	EXPECT_EQ(32, t_read(fd, 4096));
	EXPECT_STREQ("1 MODIFY; 1 IGNORED", t_evstr());
	EXPECT_EQ(0, t_close(fd));
}

/* B31: after DELETE_SELF and IN_IGNORED the wd is gone: rm_watch is EINVAL. */
TEST_F(scenarios, b31_rm_after_delete_self)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "d", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(unlink("f")));
	ASSERT_EQ(0, TS(rmdir("d")));
	EXPECT_Q(fd, "1 ATTRIB; 1 DELETE_SELF; 1 IGNORED; 2 DELETE_SELF; 2 IGNORED");
	EXPECT_ERR(EINVAL, t_rm(fd, 1));
	EXPECT_ERR(EINVAL, t_rm(fd, 2));
	EXPECT_STREQ("", t_fdinfo(fd));
	EXPECT_EQ(0, t_close(fd));
}

/* rinotify only: struct rinotify_watch.reserved != 0 is EINVAL. */
TEST(rinotify_watch_reserved_einval)
{
	struct {
		__u64 pathname;
		__u32 mask;
		__u32 reserved;
	} w = { (uintptr_t)"/", IN_MODIFY, 1 };
	int fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x80, w), &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved = 0x80000000;
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x80, w), &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved = 0;
	EXPECT_EQ(1, ioctl(fd, _IOW('I', 0x80, w), &w));
	close(fd);
}

/*
 * rinotify only: a struct rinotify_watch that cannot be read whole is EFAULT, and adds no
 * watch: at no mapping, at the top of the address space (the kernel's, for a 64-bit caller),
 * and with its second half on a page that cannot be read.
 */
TEST(rinotify_watch_request_efault)
{
	struct {
		__u64 pathname;
		__u32 mask;
		__u32 reserved;
	} w = { (uintptr_t)"/", IN_MODIFY, 0 }, *half;
	long page = sysconf(_SC_PAGESIZE);
	int fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	char *map;

	ASSERT_LE(0, fd);
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));
	half = (void *)(map + page - sizeof(w.pathname));
	memcpy(half, &w, sizeof(w.pathname));
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x80, w), (void *)8));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x80, w), (void *)~0xfffUL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x80, w), half));
	EXPECT_EQ(EFAULT, errno);
	/* None of them added a watch: the first descriptor is still free. */
	EXPECT_EQ(1, ioctl(fd, _IOW('I', 0x80, w), &w));
	munmap(map, 2 * page);
	close(fd);
}

/* rinotify only: an ioctl it does not know is ENOTTY. */
TEST(rinotify_unknown_ioctl_enotty)
{
	int fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC), arg = 0;

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x82, int), &arg));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IO('R', 0x80), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* The add-watch number with a different size is another ioctl. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x80, int), &arg));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

/*
 * rinotify only: RINOTIFY_IOC_RM_WATCH passes the wd by value, so it is _IO('I', 0x84): no
 * direction, no size, nothing for a decoder to read. Its deprecated first number,
 * _IOW('I', 0x81, __s32), still works. The numbers are written out, as the ABI fixes them
 * (this file takes <sys/inotify.h>, which clashes with <linux/rinotify.h>).
 */
TEST(rinotify_rm_watch_by_value)
{
	struct {
		__u64 pathname;
		__u32 mask;
		__u32 reserved;
	} w = { (uintptr_t)"/", IN_MODIFY, 0 };
	int fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, ioctl(fd, _IOW('I', 0x80, w), &w));
	w.pathname = (uintptr_t)"/dev";
	EXPECT_EQ(2, ioctl(fd, _IOW('I', 0x80, w), &w));
	EXPECT_EQ(0, ioctl(fd, _IO('I', 0x84), 1L));
	EXPECT_EQ(0, ioctl(fd, _IOW('I', 0x81, __s32), 2L));
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IOW('I', 0x81, __s32), 1L));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, _IO('I', 0x84), 2L));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_HARNESS_MAIN
