// SPDX-License-Identifier: GPL-2.0
/*
 * What an unprivileged user (uid/gid 65534) cannot do, on native inotify and then on
 * rinotify (differential scenarios): exceed its own max_user_instances / max_user_watches,
 * which are counted apart from root's; read another user's instance in
 * /proc/<pid>/fdinfo; write the sysctls. (That it cannot watch what it cannot read is
 * watch_test's b17.) rinotify only: the per-user counts in debugfs are root's to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "scenario.h"

#define NOBODY 65534
#define USERS "/sys/kernel/debug/rinotify/users"

static int s1_child(void *arg)
{
	int fd[3], fails = 0, i;

	for (i = 0; i < 2; i++) {
		fd[i] = t_init(0);
		fails += fd[i] < 0;
	}
	/* Root's two instances and two watches do not count against this user ... */
	fails += t_add(fd[0], "f1", IN_MODIFY) != 1;
	fails += t_add(fd[1], "f2", IN_MODIFY) != 1;
	/* ... but this user's own limits hold. */
	fd[2] = t_init(0);
	fails += !(fd[2] == -1 && errno == EMFILE);
	fails += !(t_add(fd[0], "f3", IN_MODIFY) == -1 && errno == ENOSPC);
	fails += !(t_add(fd[1], "f3", IN_MODIFY) == -1 && errno == ENOSPC);
	for (i = 0; i < 2; i++)
		t_close(fd[i]);
	return fails;
}

/* Limits are per user: root at its limits does not limit nobody, nor the other way round. */
TEST_F(scenarios, s1_limits_are_per_user)
{
	int r1, r2, wd;

	MKFILE("f1");
	MKFILE("f2");
	MKFILE("f3");
	t_log("max_user_instances := 2, max_user_watches := 2");
	ASSERT_EQ(0, t_sysctl_set("max_user_instances", 2));
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 2));
	/* Root at both limits. */
	r1 = t_init(0);
	r2 = t_init(0);
	EXPECT_LE(0, r1);
	EXPECT_LE(0, r2);
	EXPECT_ERR(EMFILE, t_init(0));
	EXPECT_EQ(1, t_add(r1, "f1", IN_MODIFY));
	EXPECT_EQ(2, t_add(r1, "f2", IN_MODIFY));
	EXPECT_ERR(ENOSPC, t_add(r2, "f3", IN_MODIFY));
	/* nobody gets its own two instances and two watches. */
	EXPECT_EQ(0, t_child(1, s1_child, NULL));
	/* Root is still at its limits, and its watches still report. */
	EXPECT_ERR(EMFILE, t_init(0));
	EXPECT_ERR(ENOSPC, t_add(r2, "f3", IN_MODIFY));
	ASSERT_EQ(0, write_file("f2", 1));
	EXPECT_Q(r1, "2 MODIFY");
	EXPECT_EQ(0, t_rm(r1, 1));
	wd = t_add(r2, "f3", IN_MODIFY);
	EXPECT_LE(1, wd);
	EXPECT_Q(r1, "1 IGNORED");
	EXPECT_EQ(0, t_close(r1));
	EXPECT_EQ(0, t_close(r2));
	EXPECT_EQ(0, t_sysctl_restore("max_user_instances"));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
}

struct s2_arg {
	pid_t pid;
	int fd;
};

static int s2_child(void *arg)
{
	const struct s2_arg *a = arg;
	char path[64], buf[256];
	int fails = 0;

	/* Another user's instance: neither its fdinfo nor its fd link. */
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)a->pid, a->fd);
	fails += TS(open(path, O_RDONLY | O_CLOEXEC)) != -1 || errno != EACCES;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)a->pid, a->fd);
	fails += TS(readlink(path, buf, sizeof(buf))) != -1 || errno != EACCES;
	return fails;
}

/* An instance's watches in fdinfo are for its owner (and root), not for other users. */
TEST_F(scenarios, s2_fdinfo_of_another_user)
{
	struct s2_arg a = { .pid = getpid() };
	char path[64], line[256];
	int to_child[2], to_parent[2], fd, wd, lines = 0;
	pid_t pid;
	FILE *f;

	ASSERT_EQ(0, TS(mkdir("shared", 0777)));
	ASSERT_EQ(0, TS(chmod("shared", 0777)));
	a.fd = t_init(0);
	ASSERT_LE(0, a.fd);
	EXPECT_EQ(1, t_add(a.fd, "shared", IN_CREATE));
	EXPECT_EQ(0, t_child(1, s2_child, &a));
	EXPECT_STREQ("1:100", t_fdinfo(a.fd));

	/* The other way round: root reads the fdinfo of nobody's instance. */
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	fflush(stdout);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int msg[2];
		char c;

		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(1);
		msg[0] = be->init1(0);
		msg[1] = be->add_watch(msg[0], "shared", IN_CREATE | IN_DELETE);
		if (write(to_parent[1], msg, sizeof(msg)) != sizeof(msg))
			_exit(2);
		if (read(to_child[0], &c, 1) != 1)
			_exit(3);
		_exit(0);
	}
	{
		int msg[2] = { -1, -1 };
		int status;

		EXPECT_EQ(sizeof(msg), read(to_parent[0], msg, sizeof(msg)));
		fd = msg[0];
		wd = msg[1];
		t_log("nobody's instance: add_watch = %d", wd);
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid, fd);
		f = fopen(path, "re");
		EXPECT_TRUE(f != NULL) TH_LOG("%s: %s", path, strerror(errno));
		while (f && fgets(line, sizeof(line), f))
			lines += !strncmp(line, "inotify wd:1 ", 13) && strstr(line, " mask:300 ");
		if (f)
			fclose(f);
		t_log("root reads nobody's fdinfo: %d watch line", lines);
		EXPECT_EQ(1, lines);
		EXPECT_EQ(1, write(to_child[1], "x", 1));
		EXPECT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_EQ(0, status);
	}
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	EXPECT_EQ(0, t_close(a.fd));
}

static int s3_child(void *arg)
{
	static const char *const knobs[] = {
		"max_user_instances", "max_user_watches", "max_queued_events",
	};
	char path[128];
	int fails = 0, fd;

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), "%s/%s", be->sysctl_dir, knobs[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		t_log("open(%s, O_RDONLY) = %s", knobs[i], fd >= 0 ? "ok" : errno_name(errno));
		fails += fd < 0;
		if (fd >= 0)
			close(fd);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		t_log("open(%s, O_WRONLY) = %s", knobs[i], fd >= 0 ? "ok" : errno_name(errno));
		fails += !(fd == -1 && errno == EACCES);
		if (fd >= 0)
			close(fd);
	}
	return fails;
}

/* The sysctls are readable by all and writable by root alone. */
TEST_F(scenarios, s3_sysctls_not_writable_by_users)
{
	long before = t_sysctl_get("max_user_watches");

	EXPECT_EQ(0, t_child(1, s3_child, NULL));
	EXPECT_EQ(before, t_sysctl_get("max_user_watches"));
}

static int be_add(int fd, const char *path)
{
	return backend_rinotify.add_watch(fd, path, IN_CREATE);
}

/* The line of uid in the debugfs counts, "" if it has none. */
static const char *user_line(uid_t uid)
{
	static char buf[4096], line[128];
	char prefix[32], *p;

	line[0] = 0;
	if (read_file(USERS, buf, sizeof(buf)) < 0)
		return "(unreadable)";
	snprintf(prefix, sizeof(prefix), "uid:%u ", (unsigned int)uid);
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, prefix, strlen(prefix))) {
			snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
			break;
		}
	}
	return line;
}

/* rinotify only: the per-user counts are exact, per user, and root's alone to read. */
TEST(debugfs_users_counts_are_root_only)
{
	char dir[] = "/tmp/rinotify-users-XXXXXX", path[64];
	int to_child[2], to_parent[2], status;
	pid_t pid;
	char c;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_EQ(0, chmod(dir, 0777));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	EXPECT_STREQ("", user_line(NOBODY));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char buf[64];
		int fd1, fd2, ok;

		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(1);
		/* Not for users to read. */
		ok = open(USERS, O_RDONLY | O_CLOEXEC) == -1 && errno == EACCES;
		ok &= read_file(USERS, buf, sizeof(buf)) == -1;
		fd1 = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
		fd2 = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
		ok &= be_add(fd1, dir) == 1 && be_add(fd2, dir) == 1;
		snprintf(path, sizeof(path), "%s/f", dir);
		close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666));
		ok &= be_add(fd2, path) == 2;
		c = ok ? 'y' : 'n';
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	EXPECT_EQ('y', c);
	EXPECT_STREQ("uid:65534 instances:2 watches:3", user_line(NOBODY));
	EXPECT_EQ(1, write(to_child[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* The exit closed both: nothing is left for nobody. */
	EXPECT_STREQ("", user_line(NOBODY));
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
}

TEST_HARNESS_MAIN
