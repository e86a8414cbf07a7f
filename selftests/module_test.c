// SPDX-License-Identifier: GPL-2.0
/*
 * Module-only facts of rinotify, which native inotify cannot be the oracle for: the device
 * node, the module reference held by open files, unloading and loading again.
 *
 * Needs RINOTIFY_KO, the path of rinotify.ko in the guest, and root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define DEVICE "/dev/rinotify"

static int delete_module(const char *name)
{
	return syscall(__NR_delete_module, name, O_NONBLOCK);
}

static int load_module(void)
{
	const char *ko = getenv("RINOTIFY_KO");
	int fd, ret;

	if (!ko)
		return -1;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

TEST(device_node_is_world_openable)
{
	struct stat st;

	ASSERT_EQ(0, stat(DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
}

TEST(open_and_close)
{
	int fd = open(DEVICE, O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST(unprivileged_user_can_open)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(DEVICE, O_RDONLY);
		_exit(fd >= 0 && close(fd) == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Runs last (the harness keeps file order): it unloads and loads the module again. */
TEST(rmmod_refused_while_open_then_reload)
{
	struct stat st;
	int fd, fd2;

	ASSERT_TRUE(getenv("RINOTIFY_KO") != NULL);
	fd = open(DEVICE, O_RDONLY);
	ASSERT_LE(0, fd);

	/* An open instance holds a module reference: unloading is refused. */
	EXPECT_EQ(-1, delete_module("rinotify"));
	EXPECT_EQ(EWOULDBLOCK, errno);
	/* ... and the instance still works. */
	fd2 = open(DEVICE, O_RDONLY);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, close(fd2));

	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, delete_module("rinotify"));
	EXPECT_EQ(-1, stat(DEVICE, &st));
	EXPECT_EQ(ENOENT, errno);

	/* A second load after unload. */
	ASSERT_EQ(0, load_module());
	ASSERT_EQ(0, stat(DEVICE, &st));
	fd = open(DEVICE, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
