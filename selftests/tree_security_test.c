// SPDX-License-Identifier: GPL-2.0
/*
 * Who a tree watch follows into. RINOTIFY_IOC_ADD_TREE watches each directory created or
 * moved into the tree in the task that makes it, which may be another user's; it must
 * watch only what its watcher could watch with inotify_add_watch() through the tree:
 * search permission on the parent, read permission on the directory, judged with the
 * credentials of the watcher at ADD_TREE and the idmap of the tree's mount. A directory
 * it refuses is a RIN_RESCAN of its parent's entry. The oracle (tree_oracle.c) is a
 * crawler and follower on native inotify running as the watcher, whose
 * inotify_add_watch() the kernel refuses with EACCES where the module must refuse too.
 *
 * The users: A (uid and gid 1000, no capability, its supplementary groups set by each
 * scenario) watches, in a child of the test (t_child()) whose trace joins the test's. B
 * (uid and gid 2000, also in group 3000) makes the directories: each of its steps is a
 * request from A's process to a producer the test forked while root, which runs it in a
 * child of its own with B's credentials and umask 0 and answers with its errno. A logs the
 * step and its result, then reads the whole queue, so both backends' traces show every
 * step in the same place, and nothing is racing.
 */
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "scenario.h"
#include "tree_oracle.h"

#define A_UID	1000
#define A_GID	1000
#define B_UID	2000
#define B_GID	2000
/* A group of B's, and of A's where a scenario says so. */
#define GROUP	3000

/* ---- B, the producer ---------------------------------------------------------------- */

enum b_op {
	B_MKDIR,
	B_FILE,
	B_RENAME,
	B_CHMOD,
};

/* One step of B's: a system call on path (and to), with mode, as B with primary gid. */
struct b_step {
	int op;
	unsigned int mode;
	unsigned int gid;
	char path[96];
	char to[96];
};

/* A's end of the producer's socket, and the producer. */
static int b_sock = -1;
static pid_t b_pid;

/* Runs step s as B: its errno, 0 if it succeeded. */
static int b_run(const struct b_step *s)
{
	gid_t groups[] = { B_GID, GROUP };
	int ret = -1;

	if (setgroups(2, groups) || setgid(s->gid) || setuid(B_UID))
		return errno;
	umask(0);
	switch (s->op) {
	case B_MKDIR:
		ret = mkdir(s->path, s->mode);
		break;
	case B_FILE:
		ret = write_file(s->path, 1);
		break;
	case B_RENAME:
		ret = rename(s->path, s->to);
		break;
	case B_CHMOD:
		ret = chmod(s->path, s->mode);
		break;
	}
	return ret ? errno : 0;
}

/* The producer: root, each step in a child that becomes B, until A's end is closed. */
static void b_serve(int sock)
{
	struct b_step s;

	while (read(sock, &s, sizeof(s)) == sizeof(s)) {
		int status, err = EIO;
		pid_t pid = fork();

		if (pid == 0)
			_exit(b_run(&s));
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			err = WEXITSTATUS(status);
		if (write(sock, &err, sizeof(err)) != sizeof(err))
			break;
	}
	_exit(0);
}

/* Forks the producer (the caller is root); 0, or -1. */
static int b_start(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(stdout);
	fflush(stderr);
	b_pid = fork();
	if (b_pid < 0)
		return -1;
	if (b_pid == 0) {
		close(sv[0]);
		b_serve(sv[1]);
	}
	close(sv[1]);
	b_sock = sv[0];
	return 0;
}

/* Ends the producer: 0 if it exited cleanly. */
static int b_stop(void)
{
	int status;

	close(b_sock);
	b_sock = -1;
	if (waitpid(b_pid, &status, 0) != b_pid)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* Has B make step s (logged as "B: <what> = <result>"): 0, or -1 with errno. */
static int b_do(struct b_step *s, const char *what)
{
	int err = EIO;

	if (write(b_sock, s, sizeof(*s)) != sizeof(*s) ||
	    read(b_sock, &err, sizeof(err)) != sizeof(err))
		err = EIO;
	if (s->gid != B_GID)
		t_log("B (gid %u): %s = %s", s->gid, what, err ? errno_name(err) : "0");
	else
		t_log("B: %s = %s", what, err ? errno_name(err) : "0");
	errno = err;
	return err ? -1 : 0;
}

static int b_mkdir_gid(const char *path, unsigned int mode, unsigned int gid)
{
	struct b_step s = { .op = B_MKDIR, .mode = mode, .gid = gid };
	char what[128];

	snprintf(s.path, sizeof(s.path), "%s", path);
	snprintf(what, sizeof(what), "mkdir(\"%s\", 0%o)", path, mode);
	return b_do(&s, what);
}

static int b_mkdir(const char *path, unsigned int mode)
{
	return b_mkdir_gid(path, mode, B_GID);
}

/* A file of one byte, created or truncated (IN_CREATE, IN_MODIFY). */
static int b_file(const char *path)
{
	struct b_step s = { .op = B_FILE, .gid = B_GID };
	char what[128];

	snprintf(s.path, sizeof(s.path), "%s", path);
	snprintf(what, sizeof(what), "write_file(\"%s\", 1)", path);
	return b_do(&s, what);
}

static int b_rename(const char *from, const char *to)
{
	struct b_step s = { .op = B_RENAME, .gid = B_GID };
	char what[256];

	snprintf(s.path, sizeof(s.path), "%s", from);
	snprintf(s.to, sizeof(s.to), "%s", to);
	snprintf(what, sizeof(what), "rename(\"%s\", \"%s\")", from, to);
	return b_do(&s, what);
}

static int b_chmod(const char *path, unsigned int mode)
{
	struct b_step s = { .op = B_CHMOD, .mode = mode, .gid = B_GID };
	char what[128];

	snprintf(s.path, sizeof(s.path), "%s", path);
	snprintf(what, sizeof(what), "chmod(\"%s\", 0%o)", path, mode);
	return b_do(&s, what);
}

/* ---- A, the watcher ----------------------------------------------------------------- */

struct watcher {
	struct __test_metadata *metadata;
	/* The scenario, run as A: its EXPECT_*()s count in the test (_metadata is shared). */
	void (*body)(struct __test_metadata *_metadata);
	/* A's supplementary groups. */
	const gid_t *groups;
	int ngroups;
	/* Whether A first enters a user namespace of its own, where it is root. */
	int userns;
};

/* Whether the process has no capability (in its user namespace). */
static int no_capabilities(void)
{
	char status[4096];

	if (read_file("/proc/self/status", status, sizeof(status)) < 0)
		return 0;
	return strstr(status, "\nCapPrm:\t0000000000000000\n") &&
	       strstr(status, "\nCapEff:\t0000000000000000\n");
}

/* A user namespace of A's own, where A (uid and gid 1000 outside) is 0: 0, or -1. */
static int enter_userns(void)
{
	char map[32];

	snprintf(map, sizeof(map), "0 %d 1", A_UID);
	if (unshare(CLONE_NEWUSER) || write_text("/proc/self/uid_map", map) ||
	    write_text("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %d 1", A_GID);
	return write_text("/proc/self/gid_map", map);
}

/* Becomes A (logged): 0, or -1. */
static int become_a(const struct watcher *w)
{
	char groups[64] = "";
	gid_t list[8];
	int n;

	if (setgroups(w->ngroups, w->groups) || setgid(A_GID) || setuid(A_UID)) {
		t_log("A: cannot drop privileges: %s", errno_name(errno));
		return -1;
	}
	if (!no_capabilities()) {
		t_log("A: capabilities left");
		return -1;
	}
	umask(022);
	/* Changing credentials made /proc/self root's: A's again, for its uid_map. */
	if (prctl(PR_SET_DUMPABLE, 1)) {
		t_log("A: cannot be dumpable: %s", errno_name(errno));
		return -1;
	}
	n = getgroups(8, list);
	for (int i = 0; i < n; i++)
		snprintf(groups + strlen(groups), sizeof(groups) - strlen(groups), "%s%u",
			 i ? "," : "", (unsigned int)list[i]);
	t_log("A: uid %u gid %u groups [%s], no capabilities", (unsigned int)getuid(),
	      (unsigned int)getgid(), groups);
	if (!w->userns)
		return 0;
	if (enter_userns()) {
		t_log("A: cannot enter a user namespace: %s", errno_name(errno));
		return -1;
	}
	t_log("A: in its own user namespace as uid %u gid %u", (unsigned int)getuid(),
	      (unsigned int)getgid());
	return 0;
}

static int watcher_main(void *arg)
{
	const struct watcher *w = arg;

	if (become_a(w))
		return 1;
	w->body(w->metadata);
	return 0;
}

/* Runs body as A with the given supplementary groups, and userns as struct watcher says. */
static void as_a(struct __test_metadata *_metadata, void (*body)(struct __test_metadata *),
		 const gid_t *groups, int ngroups, int userns)
{
	struct watcher w = {
		.metadata = _metadata,
		.body = body,
		.groups = groups,
		.ngroups = ngroups,
		.userns = userns,
	};

	EXPECT_EQ(0, t_child(0, watcher_main, &w));
}

static const gid_t a_groups[] = { A_GID };
static const gid_t a_groups_3000[] = { A_GID, GROUP };

/*
 * The scenario's shared directories, root's and world-writable with the sticky bit: t for
 * A's tree, o for B to prepare directories outside it. Then B's producer.
 */
static void shared_dirs(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, TS(mkdir("t", 0777)));
	ASSERT_EQ(0, TS(chmod("t", 01777)));
	ASSERT_EQ(0, TS(mkdir("o", 0777)));
	ASSERT_EQ(0, TS(chmod("o", 01777)));
	ASSERT_EQ(0, b_start());
}

/* A's instance with the tree t watched, or -1. */
static int watch_t(struct __test_metadata *_metadata)
{
	int fd;

	tree_forget_all();
	fd = t_init(IN_NONBLOCK);
	EXPECT_LE(0, fd);
	if (fd < 0)
		return -1;
	EXPECT_EQ(1, tree_add(fd, "t", TREE_MASK));
	EXPECT_STREQ("1 WATCHED|ISDIR <0", tree_drain(fd));
	return fd;
}

static void unwatch(struct __test_metadata *_metadata, int fd)
{
	EXPECT_EQ(0, t_close(fd));
	tree_forget_all();
}

/* ---- b99 ------------------------------------------------------------------------------ */

static void b99_watcher(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata);

	if (fd < 0)
		return;
	/* B's private directory: A may neither read nor search it. */
	EXPECT_EQ(0, b_mkdir("t/p", 0700));
	EXPECT_STREQ("1 CREATE|ISDIR p; 1 RESCAN|ISDIR p", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/p/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	EXPECT_EQ(0, b_mkdir("t/p/d", 0755));
	EXPECT_EQ(0, b_file("t/p/d/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	/* Searchable, not readable: inotify_add_watch() needs read permission. */
	EXPECT_EQ(0, b_mkdir("t/x", 0711));
	EXPECT_STREQ("1 CREATE|ISDIR x; 1 RESCAN|ISDIR x", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/x/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	/* A's own, but not readable by A either. */
	EXPECT_EQ(0, TS(mkdir("t/w", 0300)));
	EXPECT_STREQ("1 CREATE|ISDIR w; 1 RESCAN|ISDIR w", tree_drain(fd));
	EXPECT_EQ(0, TS(write_file("t/w/f", 1)));
	EXPECT_STREQ("", tree_drain(fd));
	/* B's public directory: followed, its files seen. */
	EXPECT_EQ(0, b_mkdir("t/q", 0755));
	EXPECT_STREQ("1 CREATE|ISDIR q; 2 WATCHED|ISDIR q <1", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/q/f"));
	EXPECT_STREQ("2 CREATE f; 2 MODIFY f", tree_drain(fd));
	unwatch(_metadata, fd);
}

/*
 * B99: a directory another user creates in the tree is followed only if the watcher may
 * read it: another user's 0700 and 0711 directories, and the watcher's own 0300 one, are
 * a RIN_RESCAN of their entry and nothing made in them is reported; a 0755 one is watched.
 */
TEST_F(scenarios, b99_tree_follows_only_directories_the_watcher_may_read)
{
	shared_dirs(_metadata);
	as_a(_metadata, b99_watcher, a_groups, 1, 0);
	EXPECT_EQ(0, b_stop());
}

/* ---- b100 ----------------------------------------------------------------------------- */

static void b100_watcher(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata);

	if (fd < 0)
		return;
	EXPECT_EQ(0, b_mkdir("t/a", 0755));
	EXPECT_STREQ("1 CREATE|ISDIR a; 2 WATCHED|ISDIR a <1", tree_drain(fd));
	EXPECT_EQ(0, b_mkdir("t/a/b", 0700));
	EXPECT_STREQ("2 CREATE|ISDIR b; 2 RESCAN|ISDIR b", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/a/b/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	/* Below the refused directory nothing is followed, readable or not. */
	EXPECT_EQ(0, b_mkdir("t/a/b/d", 0755));
	EXPECT_EQ(0, b_file("t/a/b/d/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	EXPECT_EQ(0, b_mkdir("t/a/c", 0755));
	EXPECT_STREQ("2 CREATE|ISDIR c; 3 WATCHED|ISDIR c <2", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/a/c/f"));
	EXPECT_STREQ("3 CREATE f; 3 MODIFY f", tree_drain(fd));
	unwatch(_metadata, fd);
}

/*
 * B100: the same below the root: another user's 0700 directory in a directory of the tree
 * is a RIN_RESCAN of its entry there, and what is made below it is not reported; its 0755
 * sibling is watched.
 */
TEST_F(scenarios, b100_tree_refuses_private_directories_at_any_depth)
{
	shared_dirs(_metadata);
	as_a(_metadata, b100_watcher, a_groups, 1, 0);
	EXPECT_EQ(0, b_stop());
}

/* ---- b101 ----------------------------------------------------------------------------- */

static void b101_watcher(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata);

	if (fd < 0)
		return;
	EXPECT_EQ(0, b_mkdir("o/m", 0700));
	EXPECT_EQ(0, b_file("o/m/secret"));
	EXPECT_EQ(0, b_mkdir("o/n", 0755));
	EXPECT_EQ(0, b_file("o/n/f"));
	EXPECT_EQ(0, b_mkdir("o/n/s", 0700));
	EXPECT_EQ(0, b_mkdir("o/n/u", 0755));
	EXPECT_STREQ("", tree_drain(fd));
	/* Moved in, private: not watched. */
	EXPECT_EQ(0, b_rename("o/m", "t/m"));
	EXPECT_STREQ("1 MOVED_TO|ISDIR m c1; 1 RESCAN|ISDIR m", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/m/secret2"));
	EXPECT_STREQ("", tree_drain(fd));
	/* Moved in, public: watched, and the client crawls it, which B's s refuses. */
	EXPECT_EQ(0, b_rename("o/n", "t/n"));
	EXPECT_STREQ("1 MOVED_TO|ISDIR n c2; 2 WATCHED|ISDIR n <1; 2 RESCAN|ISDIR",
		     tree_drain(fd));
	EXPECT_EQ(2, tree_add(fd, "t/n", TREE_MASK));
	EXPECT_STREQ("3 WATCHED|ISDIR u <2; 2 RESCAN|ISDIR s", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/n/u/f"));
	EXPECT_STREQ("3 CREATE f; 3 MODIFY f", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/n/s/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	unwatch(_metadata, fd);
}

/*
 * B101: a directory moved into the tree is checked as one created there: another user's
 * 0700 directory moved in is a RIN_RESCAN of its entry, not watched; a 0755 one is
 * watched with its RIN_RESCAN, and the crawl the client then asks for refuses the 0700
 * directory inside it as the oracle's inotify_add_watch() does.
 */
TEST_F(scenarios, b101_tree_refuses_private_directories_moved_in)
{
	shared_dirs(_metadata);
	as_a(_metadata, b101_watcher, a_groups, 1, 0);
	EXPECT_EQ(0, b_stop());
}

/* ---- b102 ----------------------------------------------------------------------------- */

static void b102_watcher(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata), fd2;

	if (fd < 0)
		return;
	/* Readable, not searchable: watched itself, but nothing below it. */
	EXPECT_EQ(0, b_mkdir("t/p", 0744));
	EXPECT_STREQ("1 CREATE|ISDIR p; 2 WATCHED|ISDIR p <1", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/p/f"));
	EXPECT_STREQ("2 CREATE f; 2 MODIFY f", tree_drain(fd));
	EXPECT_EQ(0, b_mkdir("t/p/s", 0755));
	EXPECT_STREQ("2 CREATE|ISDIR s; 2 RESCAN|ISDIR s", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/p/s/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	/* A parent whose search permission went after it was watched. */
	EXPECT_EQ(0, b_mkdir("t/d", 0755));
	EXPECT_STREQ("1 CREATE|ISDIR d; 3 WATCHED|ISDIR d <1", tree_drain(fd));
	EXPECT_EQ(0, b_chmod("t/d", 0700));
	EXPECT_EQ(0, b_mkdir("t/d/e", 0755));
	EXPECT_STREQ("3 CREATE|ISDIR e; 3 RESCAN|ISDIR e", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/d/e/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	/* The crawl of the same tree, by a second instance, refuses the same. */
	fd2 = t_init(IN_NONBLOCK);
	EXPECT_LE(0, fd2);
	if (fd2 >= 0) {
		tree_forget_all();
		EXPECT_EQ(1, tree_add(fd2, "t", TREE_MASK));
		EXPECT_STREQ("1 WATCHED|ISDIR <0; 1 RESCAN|ISDIR d; 2 WATCHED|ISDIR p <1; "
			     "2 RESCAN|ISDIR s", tree_drain(fd2));
		EXPECT_EQ(0, t_close(fd2));
	}
	unwatch(_metadata, fd);
}

/*
 * B102: following needs search permission on the parent: in another user's 0744 directory,
 * which the tree watches, and in a 0755 one watched before it became 0700, a new
 * subdirectory is a RIN_RESCAN of its entry, whatever its own mode. The crawl of the same
 * tree refuses the same directories.
 */
TEST_F(scenarios, b102_tree_follows_only_where_the_watcher_may_search)
{
	shared_dirs(_metadata);
	as_a(_metadata, b102_watcher, a_groups, 1, 0);
	EXPECT_EQ(0, b_stop());
}

/* ---- b103 ----------------------------------------------------------------------------- */

static void b103_outsider(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata);

	if (fd < 0)
		return;
	EXPECT_EQ(0, b_mkdir_gid("t/g", 0750, GROUP));
	EXPECT_STREQ("1 CREATE|ISDIR g; 1 RESCAN|ISDIR g", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/g/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	unwatch(_metadata, fd);
}

static void b103_member(struct __test_metadata *_metadata)
{
	int fd;

	tree_forget_all();
	fd = t_init(IN_NONBLOCK);
	EXPECT_LE(0, fd);
	if (fd < 0)
		return;
	EXPECT_EQ(1, tree_add(fd, "t", TREE_MASK));
	EXPECT_STREQ("1 WATCHED|ISDIR <0; 2 WATCHED|ISDIR g <1", tree_drain(fd));
	EXPECT_EQ(0, b_mkdir_gid("t/h", 0750, GROUP));
	EXPECT_STREQ("1 CREATE|ISDIR h; 3 WATCHED|ISDIR h <1", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/h/f"));
	EXPECT_STREQ("3 CREATE f; 3 MODIFY f", tree_drain(fd));
	/* B's own group is not A's. */
	EXPECT_EQ(0, b_mkdir("t/h/j", 0750));
	EXPECT_STREQ("3 CREATE|ISDIR j; 3 RESCAN|ISDIR j", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/h/j/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	unwatch(_metadata, fd);
}

/*
 * B103: group permission counts with the watcher's supplementary groups at ADD_TREE: a
 * 0750 directory of group 3000 is a RIN_RESCAN for a watcher outside the group, and
 * watched, crawled or followed, for one in it; a 0750 directory of another group is not.
 */
TEST_F(scenarios, b103_tree_follows_group_directories_of_the_watchers_groups)
{
	shared_dirs(_metadata);
	as_a(_metadata, b103_outsider, a_groups, 1, 0);
	as_a(_metadata, b103_member, a_groups_3000, 2, 0);
	EXPECT_EQ(0, b_stop());
}

/* ---- b104 ----------------------------------------------------------------------------- */

static void b104_watcher(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata);

	if (fd < 0)
		return;
	EXPECT_EQ(0, TS(mkdir("t/a", 0700)));
	EXPECT_STREQ("1 CREATE|ISDIR a; 2 WATCHED|ISDIR a <1", tree_drain(fd));
	EXPECT_EQ(0, TS(write_file("t/a/f", 1)));
	EXPECT_STREQ("2 CREATE f; 2 MODIFY f", tree_drain(fd));
	EXPECT_EQ(0, TS(mkdir("t/a/b", 0700)));
	EXPECT_STREQ("2 CREATE|ISDIR b; 3 WATCHED|ISDIR b <2", tree_drain(fd));
	EXPECT_EQ(0, TS(write_file("t/a/b/f", 1)));
	EXPECT_STREQ("3 CREATE f; 3 MODIFY f", tree_drain(fd));
	unwatch(_metadata, fd);
}

/* B104: the watcher's own 0700 directories in the tree are followed, at any depth. */
TEST_F(scenarios, b104_tree_follows_the_watchers_own_private_directories)
{
	shared_dirs(_metadata);
	as_a(_metadata, b104_watcher, a_groups, 1, 0);
	EXPECT_EQ(0, b_stop());
}

/* ---- b105 ----------------------------------------------------------------------------- */

static void b105_watcher(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata);

	if (fd < 0)
		return;
	EXPECT_EQ(0, b_mkdir("t/d", 0755));
	EXPECT_STREQ("1 CREATE|ISDIR d; 2 WATCHED|ISDIR d <1", tree_drain(fd));
	EXPECT_EQ(0, b_chmod("t/d", 0700));
	EXPECT_STREQ("", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/d/f"));
	EXPECT_STREQ("2 CREATE f; 2 MODIFY f", tree_drain(fd));
	/* Moved within the tree, it keeps its watch: nothing is checked again. */
	EXPECT_EQ(0, b_mkdir("t/e", 0755));
	EXPECT_STREQ("1 CREATE|ISDIR e; 3 WATCHED|ISDIR e <1", tree_drain(fd));
	EXPECT_EQ(0, b_rename("t/d", "t/e/d"));
	EXPECT_STREQ("1 MOVED_FROM|ISDIR d c1; 3 MOVED_TO|ISDIR d c1", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/e/d/g"));
	EXPECT_STREQ("2 CREATE g; 2 MODIFY g", tree_drain(fd));
	unwatch(_metadata, fd);
}

/*
 * B105: a watch, once added, stays: a directory of the tree that becomes 0700 keeps
 * reporting what is made in it, also after it is moved within the tree.
 */
TEST_F(scenarios, b105_tree_keeps_watches_whose_permission_went)
{
	shared_dirs(_metadata);
	as_a(_metadata, b105_watcher, a_groups, 1, 0);
	EXPECT_EQ(0, b_stop());
}

/* ---- b106 ----------------------------------------------------------------------------- */

/* Whether A may make a user namespace: 0, or -1 with the errno of unshare(). */
static int a_can_unshare(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(A_GID) || setuid(A_UID))
			_exit(EPERM);
		_exit(unshare(CLONE_NEWUSER) ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	errno = WEXITSTATUS(status);
	return errno ? -1 : 0;
}

static void b106_watcher(struct __test_metadata *_metadata)
{
	int fd = watch_t(_metadata);

	if (fd < 0)
		return;
	EXPECT_EQ(0, b_mkdir("t/p", 0700));
	EXPECT_STREQ("1 CREATE|ISDIR p; 1 RESCAN|ISDIR p", tree_drain(fd));
	EXPECT_EQ(0, b_file("t/p/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	EXPECT_EQ(0, TS(mkdir("t/a", 0755)));
	EXPECT_STREQ("1 CREATE|ISDIR a; 2 WATCHED|ISDIR a <1", tree_drain(fd));
	EXPECT_EQ(0, TS(write_file("t/a/f", 1)));
	EXPECT_STREQ("2 CREATE f; 2 MODIFY f", tree_drain(fd));
	/* Root in its namespace, A may read its own directories whatever their mode. */
	EXPECT_EQ(0, TS(mkdir("t/z", 0)));
	EXPECT_STREQ("1 CREATE|ISDIR z; 3 WATCHED|ISDIR z <1", tree_drain(fd));
	EXPECT_EQ(0, TS(write_file("t/z/f", 1)));
	EXPECT_STREQ("3 CREATE f; 3 MODIFY f", tree_drain(fd));
	unwatch(_metadata, fd);
}

/*
 * B106: a watcher that is root in a user namespace of its own has its capabilities only
 * over its own files: another user's 0700 directory is a RIN_RESCAN, its own directories
 * are followed, 0755 or 0000.
 */
TEST_F(scenarios, b106_tree_of_a_watcher_in_a_user_namespace)
{
	if (a_can_unshare())
		SKIP(return, "an unprivileged user cannot make a user namespace here: %s",
		     strerror(errno));
	shared_dirs(_metadata);
	as_a(_metadata, b106_watcher, a_groups, 1, 1);
	EXPECT_EQ(0, b_stop());
}

/* ---- b107 ----------------------------------------------------------------------------- */

/*
 * A user namespace whose ids 1000 and 2000 are the initial namespace's 2000 and 1000, for
 * an idmapped mount that swaps A and B: its descriptor, or -1 with errno. Root stays root:
 * through an idmapped mount, a directory of an unmapped owner cannot be written in.
 */
static int swapping_userns(void)
{
	static const char map[] = "0 0 1\n1000 2000 1\n2000 1000 1\n";
	int ready[2], hold[2], fd = -1, status;
	char path[64], c;
	pid_t pid;

	if (pipe(ready) || pipe(hold))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		c = unshare(CLONE_NEWUSER) ? 'n' : 'y';
		if (write(ready[1], &c, 1) != 1 || read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) == 1 && c == 'y') {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		if (!write_text(path, map)) {
			snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
			if (!write_text(path, map)) {
				snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
				fd = open(path, O_RDONLY | O_CLOEXEC);
			}
		}
	} else {
		errno = ENOSYS;
	}
	status = errno;
	close(ready[0]);
	close(hold[1]);
	waitpid(pid, NULL, 0);
	errno = status;
	return fd;
}

/*
 * Mounts the directory from again at to, idmapped so that B's files are A's there and A's
 * are B's: 0, or -1 with why[] saying what failed.
 */
static int idmapped_mount(const char *from, const char *to, char *why, size_t size)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
	int userns, tree = -1, ret = -1;

	userns = swapping_userns();
	if (userns < 0) {
		snprintf(why, size, "user namespace: %s", strerror(errno));
		return -1;
	}
	attr.userns_fd = userns;
	tree = open_tree(AT_FDCWD, from, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		snprintf(why, size, "open_tree: %s", strerror(errno));
	else if (mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)))
		snprintf(why, size, "mount_setattr(MOUNT_ATTR_IDMAP) on tmpfs: %s",
			 strerror(errno));
	else if (move_mount(tree, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH))
		snprintf(why, size, "move_mount: %s", strerror(errno));
	else
		ret = 0;
	if (tree >= 0)
		close(tree);
	close(userns);
	return ret;
}

/* The owner of path, for the trace: the uid, or -1. */
static long owner(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_uid;
}

static void b107_watcher(struct __test_metadata *_metadata)
{
	int fd;

	tree_forget_all();
	fd = t_init(IN_NONBLOCK);
	EXPECT_LE(0, fd);
	if (fd < 0)
		return;
	EXPECT_EQ(1, tree_add(fd, "m/i", TREE_MASK));
	EXPECT_STREQ("1 WATCHED|ISDIR <0", tree_drain(fd));
	/* B's on the file system, A's through the tree's mount: followed. */
	EXPECT_EQ(0, b_mkdir("m/t/x", 0700));
	EXPECT_STREQ("1 CREATE|ISDIR x; 2 WATCHED|ISDIR x <1", tree_drain(fd));
	EXPECT_EQ(B_UID, TS(owner("m/t/x")));
	EXPECT_EQ(A_UID, TS(owner("m/i/x")));
	EXPECT_EQ(0, b_file("m/t/x/f"));
	EXPECT_STREQ("2 CREATE f; 2 MODIFY f", tree_drain(fd));
	EXPECT_EQ(0, TS(mkdir("m/i/z", 0700)));
	EXPECT_STREQ("1 CREATE|ISDIR z; 3 WATCHED|ISDIR z <1", tree_drain(fd));
	EXPECT_EQ(0, TS(write_file("m/i/z/f", 1)));
	EXPECT_STREQ("3 CREATE f; 3 MODIFY f", tree_drain(fd));
	/* A's on the file system, B's through the tree's mount: refused. */
	EXPECT_EQ(0, b_mkdir("m/i/y", 0700));
	EXPECT_STREQ("1 CREATE|ISDIR y; 1 RESCAN|ISDIR y", tree_drain(fd));
	EXPECT_EQ(A_UID, TS(owner("m/t/y")));
	EXPECT_EQ(B_UID, TS(owner("m/i/y")));
	EXPECT_EQ(0, b_file("m/i/y/secret"));
	EXPECT_STREQ("", tree_drain(fd));
	EXPECT_EQ(0, TS(mkdir("m/t/w", 0700)));
	EXPECT_STREQ("1 CREATE|ISDIR w; 1 RESCAN|ISDIR w", tree_drain(fd));
	unwatch(_metadata, fd);
}

/*
 * B107: on an idmapped mount, permission is judged with the ids the tree's mount shows:
 * on a tmpfs mounted again at m/i with A's and B's ids swapped, A's tree on m/i follows
 * the 0700 directories that are B's on the file system (made by B on the plain mount, or
 * by A through m/i), which are A's there, and refuses those that are A's on the file
 * system (made by B through m/i, or by A on the plain mount).
 */
TEST_F(scenarios, b107_tree_on_an_idmapped_mount_judges_by_the_mounts_ids)
{
	char why[256];

	ASSERT_EQ(0, TS(t_mount_tmpfs("m")));
	ASSERT_EQ(0, TS(mkdir("m/t", 0777)));
	ASSERT_EQ(0, TS(chmod("m/t", 01777)));
	ASSERT_EQ(0, TS(mkdir("m/i", 0755)));
	if (idmapped_mount("m/t", "m/i", why, sizeof(why)))
		SKIP(return, "no idmapped tmpfs mount: %s", why);
	t_log("m/t mounted at m/i, ids 1000 and 2000 swapped");
	ASSERT_EQ(0, b_start());
	as_a(_metadata, b107_watcher, a_groups, 1, 0);
	EXPECT_EQ(0, b_stop());
}

TEST_HARNESS_MAIN
