// SPDX-License-Identifier: GPL-2.0
/*
 * Differential scenarios: which events, with which name and on which wd (B32..B61).
 * Behaviour numbers refer to docs/behaviours.md.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "scenario.h"

static int getdents_all(const char *dir)
{
	char buf[4096];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), n, total = 0;

	if (fd < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : 0;
}

/* B32: parent record first, then the child's; each only if its own mask has the bit. */
TEST_F(scenarios, b32_parent_then_child)
{
	int fd = t_init(0), fd2 = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_ATTRIB));
	EXPECT_EQ(2, t_add(fd, "f", IN_ATTRIB));
	EXPECT_EQ(1, t_add(fd2, "f", IN_ATTRIB));
	ASSERT_EQ(0, TS(chmod("f", 0600)));
	EXPECT_Q(fd, "1 ATTRIB f; 2 ATTRIB");
	EXPECT_Q(fd2, "1 ATTRIB");
	/* Different masks: parent MODIFY only, child ATTRIB only. */
	EXPECT_EQ(1, t_add(fd, ".", IN_MODIFY));
	ASSERT_EQ(0, TS(chmod("f", 0644)));
	ASSERT_EQ(0, write_file("f", 1));
	EXPECT_Q(fd, "2 ATTRIB; 1 MODIFY f");
	EXPECT_Q(fd2, "1 ATTRIB");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B33: with hard links, only the parent of the path used gets the named event. */
TEST_F(scenarios, b33_hardlink_parent)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("d1", 0755)));
	ASSERT_EQ(0, TS(mkdir("d2", 0755)));
	MKFILE("d1/a");
	ASSERT_EQ(0, TS(link("d1/a", "d2/b")));
	EXPECT_EQ(1, t_add(fd, "d1", IN_ATTRIB | IN_OPEN));
	EXPECT_EQ(2, t_add(fd, "d2", IN_ATTRIB | IN_OPEN));
	ASSERT_EQ(0, TS(chmod("d1/a", 0600)));
	EXPECT_Q(fd, "1 ATTRIB a");
	ASSERT_EQ(0, TS(chmod("d2/b", 0644)));
	ASSERT_EQ(0, TS(close(open("d2/b", O_RDONLY))));
	EXPECT_Q(fd, "2 ATTRIB b; 2 OPEN b");
	EXPECT_EQ(0, t_close(fd));
}

/* B34: no recursion: events below a child directory do not reach the watch. */
TEST_F(scenarios, b34_no_recursion)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("s", 0755)));
	ASSERT_EQ(0, TS(mkdir("s/t", 0755)));
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS & ~(IN_OPEN | IN_ACCESS | IN_CLOSE_NOWRITE)));
	MKFILE("s/x");
	ASSERT_EQ(0, write_file("s/x", 5));
	ASSERT_EQ(0, TS(chmod("s/x", 0600)));
	ASSERT_EQ(0, TS(rename("s/x", "s/t/y")));
	ASSERT_EQ(0, TS(unlink("s/t/y")));
	EXPECT_Q(fd, "");
	EXPECT_EQ(0, t_close(fd));
}

/* B35/B44: entry events go to the directory only; link() gives ATTRIB on the inode first. */
TEST_F(scenarios, b35_dirent_events_parent_only)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_CREATE | IN_DELETE | IN_MOVE));
	EXPECT_EQ(2, t_add(fd, "f", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(link("f", "g")));
	EXPECT_Q(fd, "2 ATTRIB; 1 CREATE g");
	ASSERT_EQ(0, TS(unlink("g")));
	EXPECT_Q(fd, "2 ATTRIB; 1 DELETE g");
	EXPECT_EQ(0, t_close(fd));
}

/* B36: IN_ISDIR on directory subjects, never on DELETE_SELF/MOVE_SELF/IGNORED. */
TEST_F(scenarios, b36_isdir)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(mkdir("s", 0755)));
	EXPECT_Q(fd, "1 CREATE|ISDIR s");
	ASSERT_EQ(0, TS(getdents_all("s")));
	EXPECT_Q(fd, "1 OPEN|ISDIR s; 1 ACCESS|ISDIR s; 1 CLOSE_NOWRITE|ISDIR s");
	EXPECT_EQ(2, t_add(fd, "s", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(chmod("s", 0700)));
	EXPECT_Q(fd, "1 ATTRIB|ISDIR s; 2 ATTRIB|ISDIR");
	ASSERT_EQ(0, TS(rename("s", "s2")));
	EXPECT_Q(fd, "1 MOVED_FROM|ISDIR s c1; 1 MOVED_TO|ISDIR s2 c1; 2 MOVE_SELF");
	ASSERT_EQ(0, TS(rmdir("s2")));
	EXPECT_Q(fd, "2 DELETE_SELF; 2 IGNORED; 1 DELETE|ISDIR s2");
	EXPECT_EQ(0, t_close(fd));
}

/* B37: open O_RDONLY, read > 0, close. */
TEST_F(scenarios, b37_open_read_close)
{
	char buf[16];
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("f", 10));
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS));
	f = TS(open("f", O_RDONLY | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(10, TS(read(f, buf, sizeof(buf))));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 OPEN; 1 ACCESS; 1 CLOSE_NOWRITE");
	EXPECT_EQ(0, t_close(fd));
}

/* B38 (+B32): open O_RDWR, write > 0, close, seen by the dir and the file watch. */
TEST_F(scenarios, b38_open_write_close)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "f", IN_ALL_EVENTS));
	f = TS(open("f", O_RDWR | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(3, TS(write(f, "abc", 3)));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 OPEN f; 2 OPEN; 1 MODIFY f; 2 MODIFY; 1 CLOSE_WRITE f; 2 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd));
}

/* B39: creat() of a new file; O_CREAT of an existing one gives no IN_CREATE. */
TEST_F(scenarios, b39_creat)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	f = TS(creat("x", 0644));
	ASSERT_LE(0, f);
	EXPECT_Q(fd, "1 CREATE x; 1 OPEN x");
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 CLOSE_WRITE x");
	f = TS(open("x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	ASSERT_LE(0, f);
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 OPEN x; 1 CLOSE_WRITE x");
	EXPECT_ERR(EEXIST, TS(open("x", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)));
	EXPECT_Q(fd, "");
	EXPECT_EQ(0, t_close(fd));
}

/* B40: utimensat: both times ATTRIB, atime only ACCESS, mtime only MODIFY. */
TEST_F(scenarios, b40_utimensat)
{
	struct timespec both[2] = { { 1, 0 }, { 2, 0 } };
	struct timespec atime[2] = { { 3, 0 }, { 0, UTIME_OMIT } };
	struct timespec mtime[2] = { { 0, UTIME_OMIT }, { 4, 0 } };
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "f", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(utimensat(AT_FDCWD, "f", NULL, 0)));
	EXPECT_Q(fd, "1 ATTRIB f; 2 ATTRIB");
	ASSERT_EQ(0, TS(utimensat(AT_FDCWD, "f", both, 0)));
	EXPECT_Q(fd, "1 ATTRIB f; 2 ATTRIB");
	ASSERT_EQ(0, TS(utimensat(AT_FDCWD, "f", atime, 0)));
	EXPECT_Q(fd, "1 ACCESS f; 2 ACCESS");
	ASSERT_EQ(0, TS(utimensat(AT_FDCWD, "f", mtime, 0)));
	EXPECT_Q(fd, "1 MODIFY f; 2 MODIFY");
	EXPECT_EQ(0, t_close(fd));
}

/* B41: chmod, chown, setxattr and removexattr (on tmpfs) give IN_ATTRIB. */
TEST_F(scenarios, b41_chmod_chown_xattr)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, t_mount_tmpfs("m"));
	MKFILE("m/f");
	EXPECT_EQ(1, t_add(fd, "m", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "m/f", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(chmod("m/f", 0600)));
	EXPECT_Q(fd, "1 ATTRIB f; 2 ATTRIB");
	ASSERT_EQ(0, TS(chown("m/f", 1, 2)));
	EXPECT_Q(fd, "1 ATTRIB f; 2 ATTRIB");
	ASSERT_EQ(0, TS(setxattr("m/f", "trusted.rinotify", "v", 1, 0)));
	EXPECT_Q(fd, "1 ATTRIB f; 2 ATTRIB");
	ASSERT_EQ(0, TS(removexattr("m/f", "trusted.rinotify")));
	EXPECT_Q(fd, "1 ATTRIB f; 2 ATTRIB");
	/* A failed removexattr gives nothing. */
	EXPECT_ERR(ENODATA, TS(removexattr("m/f", "trusted.rinotify")));
	EXPECT_Q(fd, "");
	ASSERT_EQ(0, TS(chmod("m", 0700)));
	EXPECT_Q(fd, "1 ATTRIB|ISDIR");
	EXPECT_EQ(0, t_close(fd));
	EXPECT_EQ(0, TS(t_umount("m")));
}

/* B42: truncate, ftruncate, fallocate give MODIFY; O_TRUNC gives OPEN then MODIFY. */
TEST_F(scenarios, b42_truncate)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("f", 10));
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(truncate("f", 5)));
	EXPECT_Q(fd, "1 MODIFY");
	f = TS(open("f", O_RDWR | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_Q(fd, "1 OPEN");
	ASSERT_EQ(0, TS(ftruncate(f, 2)));
	EXPECT_Q(fd, "1 MODIFY");
	ASSERT_EQ(0, TS(fallocate(f, 0, 0, 4096)));
	EXPECT_Q(fd, "1 MODIFY");
	ASSERT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 CLOSE_WRITE");
	f = TS(open("f", O_WRONLY | O_TRUNC | O_CLOEXEC));
	ASSERT_LE(0, f);
	ASSERT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 OPEN; 1 MODIFY; 1 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd));
}

/* B43: reads and writes of 0 bytes give no ACCESS/MODIFY. */
TEST_F(scenarios, b43_zero_byte_io)
{
	char buf[16];
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS));
	f = TS(open("f", O_RDWR | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(0, TS(read(f, buf, sizeof(buf))));
	EXPECT_EQ(0, TS(write(f, buf, 0)));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 OPEN; 1 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd));
}

/* B43: getdents on a watched directory gives ACCESS|ISDIR, even at EOF. */
TEST_F(scenarios, b43_getdents_access)
{
	char buf[4096];
	int fd = t_init(0), d;

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_ACCESS));
	d = TS(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	ASSERT_LE(0, d);
	EXPECT_LT(0, syscall(SYS_getdents64, d, buf, sizeof(buf)));
	EXPECT_Q(fd, "1 ACCESS|ISDIR");
	EXPECT_EQ(0, TS(syscall(SYS_getdents64, d, buf, sizeof(buf))));
	EXPECT_Q(fd, "1 ACCESS|ISDIR");
	close(d);
	EXPECT_EQ(0, t_close(fd));
}

/* B43: sendfile, copy_file_range and splice: ACCESS on the source, MODIFY on the target. */
TEST_F(scenarios, b43_sendfile_splice_copy)
{
	int fd = t_init(0), src, dst, p[2];
	loff_t off = 0;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("src", 100));
	MKFILE("dst");
	src = TS(open("src", O_RDONLY | O_CLOEXEC));
	dst = TS(open("dst", O_WRONLY | O_CLOEXEC));
	ASSERT_LE(0, src);
	ASSERT_LE(0, dst);
	/* Watches made after the opens still see the fds' events (B58). */
	EXPECT_EQ(1, t_add(fd, "src", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "dst", IN_ALL_EVENTS));
	EXPECT_EQ(10, TS(sendfile(dst, src, NULL, 10)));
	EXPECT_Q(fd, "1 ACCESS; 2 MODIFY");
	EXPECT_EQ(10, TS(copy_file_range(src, &off, dst, NULL, 10, 0)));
	EXPECT_Q(fd, "1 ACCESS; 2 MODIFY");
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(10, TS(splice(src, NULL, p[1], NULL, 10, 0)));
	EXPECT_Q(fd, "1 ACCESS");
	EXPECT_EQ(10, TS(splice(p[0], NULL, dst, NULL, 10, 0)));
	EXPECT_Q(fd, "2 MODIFY");
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(0, TS(close(src)));
	EXPECT_EQ(0, TS(close(dst)));
	EXPECT_Q(fd, "1 CLOSE_NOWRITE; 2 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd));
}

/* B43: stores through a shared mapping give nothing until close. */
TEST_F(scenarios, b43_mmap_store)
{
	char *map;
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("f", 4096));
	f = TS(open("f", O_RDWR | O_CLOEXEC));
	ASSERT_LE(0, f);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS));
	map[0] = 'y';
	EXPECT_EQ(0, TS(msync(map, 4096, MS_SYNC)));
	EXPECT_Q(fd, "");
	munmap(map, 4096);
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd));
}

/* B44: mkdir, mknod, symlink and link give IN_CREATE (with ISDIR for directories). */
TEST_F(scenarios, b44_mkdir_mknod_symlink_link)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("a");
	EXPECT_EQ(1, t_add(fd, ".", IN_CREATE | IN_ATTRIB));
	EXPECT_EQ(2, t_add(fd, "a", IN_ATTRIB));
	ASSERT_EQ(0, TS(mkdir("s", 0755)));
	ASSERT_EQ(0, TS(mknod("p", S_IFIFO | 0644, 0)));
	ASSERT_EQ(0, TS(mknod("r", S_IFREG | 0644, 0)));
	ASSERT_EQ(0, TS(mknod("c", S_IFCHR | 0600, makedev(1, 3))));
	ASSERT_EQ(0, TS(symlink("a", "l")));
	ASSERT_EQ(0, TS(link("a", "b")));
	EXPECT_Q(fd, "1 CREATE|ISDIR s; 1 CREATE p; 1 CREATE r; 1 CREATE c; 1 CREATE l; "
		     "2 ATTRIB; 1 CREATE b");
	EXPECT_EQ(0, t_close(fd));
}

/* B45: unlink of a closed file: ATTRIB, DELETE_SELF, IGNORED, then the dir's DELETE. */
TEST_F(scenarios, b45_unlink_closed)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "f", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(unlink("f")));
	EXPECT_Q(fd, "2 ATTRIB; 2 DELETE_SELF; 2 IGNORED; 1 DELETE f");
	/* After IN_DELETE the name is gone (LTP inotify11). */
	EXPECT_ERR(ENOENT, TS(open("f", O_RDONLY)));
	EXPECT_EQ(0, t_close(fd));
}

/* B46: unlink of an open file: DELETE_SELF only after the last close. */
TEST_F(scenarios, b46_unlink_open)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "f", IN_ALL_EVENTS));
	f = TS(open("f", O_RDONLY | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_Q(fd, "1 OPEN f; 2 OPEN");
	ASSERT_EQ(0, TS(unlink("f")));
	EXPECT_Q(fd, "2 ATTRIB; 1 DELETE f");
	ASSERT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 CLOSE_NOWRITE f; 2 CLOSE_NOWRITE; 2 DELETE_SELF; 2 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B46: unlink of one of two hard links: ATTRIB only. */
TEST_F(scenarios, b46_unlink_hardlink)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("f");
	ASSERT_EQ(0, TS(link("f", "g")));
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(unlink("g")));
	EXPECT_Q(fd, "1 ATTRIB");
	ASSERT_EQ(0, TS(unlink("f")));
	EXPECT_Q(fd, "1 ATTRIB; 1 DELETE_SELF; 1 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B47: rmdir: DELETE|ISDIR on the parent, DELETE_SELF and IGNORED on the dir's watch. */
TEST_F(scenarios, b47_rmdir)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("s", 0755)));
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "s", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(rmdir("s")));
	EXPECT_Q(fd, "2 DELETE_SELF; 2 IGNORED; 1 DELETE|ISDIR s");
	EXPECT_EQ(0, t_close(fd));
}

/* B47: rmdir of a process's cwd defers DELETE_SELF until the cwd goes. */
TEST_F(scenarios, b47_rmdir_cwd)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("s", 0755)));
	EXPECT_EQ(1, t_add(fd, ".", IN_CREATE | IN_DELETE));
	EXPECT_EQ(2, t_add(fd, "s", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(chdir("s")));
	ASSERT_EQ(0, TS(rmdir("../s")));
	EXPECT_Q(fd, "1 DELETE|ISDIR s");
	ASSERT_EQ(0, TS(chdir("..")));
	EXPECT_Q(fd, "2 DELETE_SELF; 2 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B48: rename within a dir: MOVED_FROM/MOVED_TO with one cookie, then MOVE_SELF. */
TEST_F(scenarios, b48_rename_within)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("a");
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "a", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(rename("a", "b")));
	t_raw_bytes = 1;
	EXPECT_Q(fd, "1 MOVED_FROM a c1; 1 MOVED_TO b c1; 2 MOVE_SELF");
	t_raw_bytes = 0;
	ASSERT_EQ(3, t_nev);
	EXPECT_NE(0, t_ev[0].cookie);
	EXPECT_EQ(t_ev[0].cookie, t_ev[1].cookie);
	EXPECT_EQ(0, t_close(fd));
}

/* B49: rename across watched dirs; only one half when the other dir is unwatched. */
TEST_F(scenarios, b49_rename_across)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("d1", 0755)));
	ASSERT_EQ(0, TS(mkdir("d2", 0755)));
	ASSERT_EQ(0, TS(mkdir("u", 0755)));
	ASSERT_EQ(0, TS(mkdir("d1/s", 0755)));
	MKFILE("d1/a");
	EXPECT_EQ(1, t_add(fd, "d1", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "d2", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(rename("d1/a", "d2/a")));
	EXPECT_Q(fd, "1 MOVED_FROM a c1; 2 MOVED_TO a c1");
	ASSERT_EQ(0, TS(rename("d2/a", "u/a")));
	EXPECT_Q(fd, "2 MOVED_FROM a c2");
	ASSERT_EQ(0, TS(rename("u/a", "d1/z")));
	EXPECT_Q(fd, "1 MOVED_TO z c3");
	ASSERT_EQ(0, TS(rename("d1/s", "d2/s")));
	EXPECT_Q(fd, "1 MOVED_FROM|ISDIR s c4; 2 MOVED_TO|ISDIR s c4");
	EXPECT_EQ(0, t_close(fd));
}

/* B50: rename over an existing, watched target. */
TEST_F(scenarios, b50_rename_over)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("a");
	MKFILE("t");
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "a", IN_ALL_EVENTS));
	EXPECT_EQ(3, t_add(fd, "t", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(rename("a", "t")));
	EXPECT_Q(fd, "1 MOVED_FROM a c1; 1 MOVED_TO t c1; 3 ATTRIB; 2 MOVE_SELF; "
		     "3 DELETE_SELF; 3 IGNORED");
	EXPECT_EQ(0, t_close(fd));
}

/* B50: RENAME_EXCHANGE gives two complete sequences with different cookies. */
TEST_F(scenarios, b50_rename_exchange)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("a");
	ASSERT_EQ(0, TS(mkdir("b", 0755)));
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "a", IN_ALL_EVENTS));
	EXPECT_EQ(3, t_add(fd, "b", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(syscall(SYS_renameat2, AT_FDCWD, "a", AT_FDCWD, "b", RENAME_EXCHANGE)));
	EXPECT_Q(fd, "1 MOVED_FROM a c1; 1 MOVED_TO b c1; 2 MOVE_SELF; "
		     "1 MOVED_FROM|ISDIR b c2; 1 MOVED_TO|ISDIR a c2; 3 MOVE_SELF");
	EXPECT_EQ(0, t_close(fd));
}

/* B51: renaming the watched dir itself, also while it is the cwd, gives MOVE_SELF. */
TEST_F(scenarios, b51_move_self_dir)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("s", 0755)));
	EXPECT_EQ(1, t_add(fd, "s", IN_ALL_EVENTS));
	ASSERT_EQ(0, TS(rename("s", "s2")));
	EXPECT_Q(fd, "1 MOVE_SELF");
	ASSERT_EQ(0, TS(chdir("s2")));
	ASSERT_EQ(0, TS(rename("../s2", "../s3")));
	ASSERT_EQ(0, TS(chdir("..")));
	EXPECT_Q(fd, "1 MOVE_SELF");
	EXPECT_EQ(0, t_close(fd));
}

/* B52: open(O_PATH) and its close give no events. */
TEST_F(scenarios, b52_o_path_no_events)
{
	struct stat st;
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(2, t_add(fd, "f", IN_ALL_EVENTS));
	f = TS(open("f", O_PATH | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(0, TS(fstat(f, &st)));
	EXPECT_EQ(0, TS(close(f)));
	f = TS(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "");
	EXPECT_EQ(0, t_close(fd));
}

/* B53: IN_EXCL_UNLINK on a dir watch drops path events of unlinked children (LTP inotify12). */
TEST_F(scenarios, b53_excl_unlink_parent)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, ".", IN_MODIFY | IN_CLOSE | IN_EXCL_UNLINK));
	f = TS(open("f", O_RDWR | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(1, TS(write(f, "x", 1)));
	EXPECT_Q(fd, "1 MODIFY f");
	ASSERT_EQ(0, TS(unlink("f")));
	EXPECT_EQ(1, TS(write(f, "x", 1)));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "");
	EXPECT_EQ(0, t_close(fd));
}

/* B53: IN_EXCL_UNLINK on the file's own watch; inode events still arrive. */
TEST_F(scenarios, b53_excl_unlink_child)
{
	int fd = t_init(0), fd2 = t_init(0), f;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	MKFILE("f");
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS | IN_EXCL_UNLINK));
	EXPECT_EQ(1, t_add(fd2, "f", IN_ALL_EVENTS));
	f = TS(open("f", O_RDWR | O_CLOEXEC));
	ASSERT_LE(0, f);
	ASSERT_EQ(0, TS(unlink("f")));
	EXPECT_Q(fd, "1 OPEN; 1 ATTRIB");
	EXPECT_Q(fd2, "1 OPEN; 1 ATTRIB");
	EXPECT_EQ(1, TS(write(f, "x", 1)));
	EXPECT_Q(fd, "");
	EXPECT_Q(fd2, "1 MODIFY");
	EXPECT_EQ(0, TS(fchmod(f, 0600)));
	EXPECT_Q(fd, "1 ATTRIB");
	EXPECT_Q(fd2, "1 ATTRIB");
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 DELETE_SELF; 1 IGNORED");
	EXPECT_Q(fd2, "1 CLOSE_WRITE; 1 DELETE_SELF; 1 IGNORED");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B53: O_TMPFILE files are unlinked from birth: no path events with IN_EXCL_UNLINK. */
TEST_F(scenarios, b53_excl_unlink_tmpfile)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS | IN_EXCL_UNLINK));
	f = TS(open(".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
	ASSERT_LE(0, f);
	EXPECT_EQ(1, TS(write(f, "x", 1)));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "");
	EXPECT_EQ(0, t_close(fd));
}

/* B54: a FIFO: the parent sees OPEN/CLOSE only, the FIFO's own watch also MODIFY/ACCESS. */
TEST_F(scenarios, b54_fifo)
{
	char c;
	int fd = t_init(0), fd2 = t_init(0), f;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, TS(mkfifo("p", 0644)));
	EXPECT_EQ(1, t_add(fd, ".", IN_ALL_EVENTS));
	EXPECT_EQ(1, t_add(fd2, "p", IN_ALL_EVENTS));
	f = TS(open("p", O_RDWR | O_NONBLOCK | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(1, TS(write(f, "x", 1)));
	EXPECT_EQ(1, TS(read(f, &c, 1)));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 OPEN p; 1 CLOSE_WRITE p");
	EXPECT_Q(fd2, "1 OPEN; 1 MODIFY; 1 ACCESS; 1 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B54: a character device (/dev/zero's numbers) on a tmpfs: the same split. */
TEST_F(scenarios, b54_chardev)
{
	char buf[8];
	int fd = t_init(0), fd2 = t_init(0), f;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, t_mount_tmpfs("m"));
	ASSERT_EQ(0, TS(mknod("m/z", S_IFCHR | 0666, makedev(1, 5))));
	EXPECT_EQ(1, t_add(fd, "m", IN_ALL_EVENTS));
	EXPECT_EQ(1, t_add(fd2, "m/z", IN_ALL_EVENTS));
	f = TS(open("m/z", O_RDWR | O_CLOEXEC));
	ASSERT_LE(0, f);
	EXPECT_EQ(8, TS(read(f, buf, sizeof(buf))));
	EXPECT_EQ(8, TS(write(f, buf, sizeof(buf))));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 OPEN z; 1 CLOSE_WRITE z");
	EXPECT_Q(fd2, "1 OPEN; 1 ACCESS; 1 MODIFY; 1 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
	EXPECT_EQ(0, TS(t_umount("m")));
}

/* B56: exec of a watched file: OPEN, ACCESS, and CLOSE_NOWRITE when the process is gone. */
TEST_F(scenarios, b56_exec)
{
	int fd = t_init(0), src, dst, status;
	char buf[65536];
	ssize_t n;
	pid_t pid;

	ASSERT_LE(0, fd);
	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, src);
	dst = open("prog", O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	ASSERT_LE(0, dst);
	while ((n = read(src, buf, sizeof(buf))) > 0)
		ASSERT_EQ(n, write(dst, buf, n));
	close(src);
	close(dst);
	EXPECT_EQ(1, t_add(fd, "prog", IN_ALL_EVENTS));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *const argv[] = { "prog", "-l", NULL };
		char *const envp[] = { NULL };
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execve("prog", argv, envp);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	t_log("exec child: %s %d", WIFEXITED(status) ? "exit" : "signal",
	      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	EXPECT_Q(fd, "1 OPEN; 1 ACCESS; 1 CLOSE_NOWRITE");
	EXPECT_EQ(0, t_close(fd));
}

static int b57_child(void *arg)
{
	return TS(truncate("s", 0)) ? 1 : 0;
}

/* B57: one call can carry several bits: truncate killing suid gives MODIFY|ATTRIB. */
TEST_F(scenarios, b57_truncate_kills_suid)
{
	struct stat st;
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, write_file("s", 10));
	ASSERT_EQ(0, TS(chown("s", 65534, 65534)));
	ASSERT_EQ(0, TS(chmod("s", 04755)));
	EXPECT_EQ(1, t_add(fd, "s", IN_MODIFY));
	EXPECT_EQ(0, t_child(1, b57_child, NULL));
	ASSERT_EQ(0, stat("s", &st));
	t_log("mode after truncate: 0%o", st.st_mode & 07777);
	EXPECT_EQ(0755, st.st_mode & 07777);
	EXPECT_Q(fd, "1 MODIFY|ATTRIB");
	EXPECT_EQ(0, t_close(fd));
}

/* B58: a watch added after open sees the events of that fd. */
TEST_F(scenarios, b58_watch_after_open)
{
	int fd = t_init(0), f;

	ASSERT_LE(0, fd);
	f = TS(open("f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	ASSERT_LE(0, f);
	EXPECT_EQ(1, t_add(fd, "f", IN_ALL_EVENTS));
	EXPECT_EQ(2, TS(write(f, "ab", 2)));
	EXPECT_EQ(0, TS(close(f)));
	EXPECT_Q(fd, "1 MODIFY; 1 CLOSE_WRITE");
	EXPECT_EQ(0, t_close(fd));
}

/* B59: cookies: fresh per rename, increasing, shared by all instances. */
TEST_F(scenarios, b59_cookies_increase)
{
	uint32_t c1[6];
	int fd = t_init(0), fd2 = t_init(0), i;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, fd2);
	MKFILE("a");
	EXPECT_EQ(1, t_add(fd, ".", IN_MOVE));
	EXPECT_EQ(1, t_add(fd2, ".", IN_MOVE | IN_CREATE));
	ASSERT_EQ(0, TS(rename("a", "b")));
	ASSERT_EQ(0, TS(rename("b", "c")));
	ASSERT_EQ(0, TS(rename("c", "d")));
	EXPECT_Q(fd, "1 MOVED_FROM a c1; 1 MOVED_TO b c1; 1 MOVED_FROM b c2; 1 MOVED_TO c c2; "
		     "1 MOVED_FROM c c3; 1 MOVED_TO d c3");
	ASSERT_EQ(6, t_nev);
	for (i = 0; i < 6; i++)
		c1[i] = t_ev[i].cookie;
	EXPECT_LT(c1[0], c1[2]);
	EXPECT_LT(c1[2], c1[4]);
	EXPECT_Q(fd2, "1 MOVED_FROM a c1; 1 MOVED_TO b c1; 1 MOVED_FROM b c2; 1 MOVED_TO c c2; "
		      "1 MOVED_FROM c c3; 1 MOVED_TO d c3");
	ASSERT_EQ(6, t_nev);
	for (i = 0; i < 6; i++)
		EXPECT_EQ(c1[i], t_ev[i].cookie);
	EXPECT_EQ(0, t_close(fd2));
	EXPECT_EQ(0, t_close(fd));
}

/* B60: an event equal to the queue's tail is dropped. */
TEST_F(scenarios, b60_coalesce_tail)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	MKFILE("a");
	MKFILE("b");
	ASSERT_EQ(0, TS(mkdir("s", 0755)));
	EXPECT_EQ(1, t_add(fd, ".", IN_MODIFY));
	ASSERT_EQ(0, write_file("a", 1));
	ASSERT_EQ(0, write_file("a", 1));
	EXPECT_Q(fd, "1 MODIFY a");
	ASSERT_EQ(0, write_file("a", 1));
	EXPECT_Q(fd, "1 MODIFY a");
	ASSERT_EQ(0, write_file("a", 1));
	EXPECT_Q(fd, "1 MODIFY a");
	ASSERT_EQ(0, write_file("a", 1));
	ASSERT_EQ(0, write_file("b", 1));
	ASSERT_EQ(0, write_file("a", 1));
	ASSERT_EQ(0, write_file("b", 1));
	EXPECT_Q(fd, "1 MODIFY a; 1 MODIFY b; 1 MODIFY a; 1 MODIFY b");
	/* Two MOVE_SELF in a row merge (LTP inotify02). */
	EXPECT_EQ(2, t_add(fd, "s", IN_MOVE_SELF));
	ASSERT_EQ(0, TS(rename("s", "s2")));
	ASSERT_EQ(0, TS(rename("s2", "s3")));
	EXPECT_Q(fd, "2 MOVE_SELF");
	EXPECT_EQ(0, t_close(fd));
}

/* B61: the cookie is not compared: two MOVED_FROM "x" in a row merge. */
TEST_F(scenarios, b61_coalesce_ignores_cookie)
{
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	ASSERT_EQ(0, TS(mkdir("e", 0755)));
	EXPECT_EQ(1, t_add(fd, "d", IN_MOVED_FROM));
	MKFILE("d/x");
	ASSERT_EQ(0, TS(rename("d/x", "e/x1")));
	MKFILE("d/x");
	ASSERT_EQ(0, TS(rename("d/x", "e/x2")));
	EXPECT_Q(fd, "1 MOVED_FROM x c1");
	EXPECT_EQ(0, t_close(fd));
}

TEST_HARNESS_MAIN
