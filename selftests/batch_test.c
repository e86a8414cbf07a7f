// SPDX-License-Identifier: GPL-2.0
/*
 * RINOTIFY_IOC_ADD_WATCHES, many watches in one call. The scenarios compare it with what a
 * program on native inotify does for the same entries, one inotify_add_watch() each from
 * the entry's directory (native_add_watches()): every result, and the events the watches
 * then give, must be the same. The plain tests check what only the batch call has: its
 * return value, its bound and how it stops.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>

#include "batch.h"
#include "scenario.h"

#define ENTRY(dfd, path, m) { .pathname = (uintptr_t)(path), .dirfd = (dfd), .mask = (m) }

#define B90_ENTRIES 14

/* b90's entries: dirfd is the open directory d, filefd the open file f. */
static void b90_entries(struct rinotify_watch_at *out, int dirfd, int filefd)
{
	const struct rinotify_watch_at e[B90_ENTRIES] = {
		ENTRY(AT_FDCWD, "d", IN_CREATE),
		ENTRY(AT_FDCWD, "missing", IN_CREATE),
		ENTRY(dirfd, "sub", IN_CREATE),
		ENTRY(dirfd, "/tmp", IN_MODIFY),
		ENTRY(AT_FDCWD, "d", IN_DELETE | IN_MASK_ADD),
		ENTRY(AT_FDCWD, "d", IN_MODIFY | IN_MASK_CREATE),
		ENTRY(filefd, "x", IN_CREATE),
		ENTRY(-1, "x", IN_CREATE),
		ENTRY(AT_FDCWD, "f", IN_MODIFY | IN_ONLYDIR),
		ENTRY(AT_FDCWD, "d", 0),
		ENTRY(AT_FDCWD, NULL, IN_CREATE),
		ENTRY(AT_FDCWD, "d", IN_MASK_ADD | IN_MASK_CREATE | IN_CREATE),
		ENTRY(dirfd, "", IN_CREATE),
		ENTRY(dirfd, "..", IN_MODIFY),
	};

	memcpy(out, e, sizeof(e));
}

/*
 * Every way an entry can succeed or fail: each result is inotify_add_watch()'s for it, and
 * the entries before and after a failed one are added.
 */
TEST_F(scenarios, b90_batch_results_are_add_watch_results)
{
	struct rinotify_watch_at e[B90_ENTRIES];
	int fd, dirfd, filefd;

	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	ASSERT_EQ(0, TS(mkdir("d/sub", 0755)));
	MKFILE("f");
	dirfd = open("d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dirfd);
	filefd = open("f", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, filefd);
	b90_entries(e, dirfd, filefd);
	fd = t_init(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(B90_ENTRIES, t_add_watches(fd, e, B90_ENTRIES));
	EXPECT_EQ(1, e[0].result);
	EXPECT_EQ(-ENOENT, e[1].result);
	EXPECT_EQ(2, e[2].result);
	EXPECT_EQ(3, e[3].result);
	EXPECT_EQ(1, e[4].result);
	EXPECT_EQ(-EEXIST, e[5].result);
	EXPECT_EQ(-ENOTDIR, e[6].result);
	EXPECT_EQ(-EBADF, e[7].result);
	EXPECT_EQ(-ENOTDIR, e[8].result);
	EXPECT_EQ(-EINVAL, e[9].result);
	EXPECT_EQ(-EFAULT, e[10].result);
	EXPECT_EQ(-EINVAL, e[11].result);
	EXPECT_EQ(-ENOENT, e[12].result);
	EXPECT_EQ(4, e[13].result);
	t_name("d", 0);
	t_name("d/sub", 0);
	MKFILE("d/a");
	MKFILE("d/sub/b");
	ASSERT_EQ(0, TS(unlink("d/a")));
	ASSERT_EQ(0, TS(truncate("f", 1)));
	EXPECT_Q(fd, "1 CREATE a; 2 CREATE b; 1 DELETE a; 4 MODIFY f");
	t_fdinfo(fd);
	EXPECT_EQ(0, close(dirfd));
	EXPECT_EQ(0, close(filefd));
	EXPECT_EQ(0, t_close(fd));
}

/* An entry with reserved bits set fails alone, with EINVAL, as the single ioctl does. */
TEST_F(scenarios, b91_batch_reserved_is_per_entry)
{
	struct rinotify_watch_at e[] = {
		ENTRY(AT_FDCWD, ".", IN_CREATE),
		ENTRY(AT_FDCWD, ".", IN_DELETE),
		ENTRY(AT_FDCWD, ".", IN_DELETE | IN_MASK_ADD),
	};
	int fd = t_init(0);

	ASSERT_LE(0, fd);
	e[1].reserved = 1;
	EXPECT_EQ(3, t_add_watches(fd, e, 3));
	EXPECT_EQ(1, e[0].result);
	EXPECT_EQ(-EINVAL, e[1].result);
	EXPECT_EQ(1, e[2].result);
	MKFILE("a");
	ASSERT_EQ(0, TS(unlink("a")));
	EXPECT_Q(fd, "1 CREATE a; 1 DELETE a");
	EXPECT_EQ(0, t_close(fd));
}

/*
 * max_user_watches holds entry by entry: the entries past the limit get -ENOSPC, as
 * inotify_add_watch() does, and the ones before it are watches.
 */
TEST_F(scenarios, b92_batch_stops_adding_at_max_user_watches)
{
	struct rinotify_watch_at e[6];
	char names[6][8];
	int fd, i;

	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 3));
	for (i = 0; i < 6; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		MKFILE(names[i]);
		e[i] = (struct rinotify_watch_at)ENTRY(AT_FDCWD, names[i], IN_MODIFY);
	}
	fd = t_init(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(6, t_add_watches(fd, e, 6));
	for (i = 0; i < 6; i++)
		EXPECT_EQ(i < 3 ? i + 1 : -ENOSPC, e[i].result);
	EXPECT_EQ(0, t_close(fd));
}

#define B97_ENTRIES 18

/* b97's entries: dirfd is the directory d opened O_PATH, efd the directory e. */
static void b97_entries(struct rinotify_watch_at *out, int dirfd, int efd, const char *longest,
			const char *too_long)
{
	const uint32_t nofollow = IN_DONT_FOLLOW;
	const struct rinotify_watch_at e[B97_ENTRIES] = {
		ENTRY(dirfd, "sub", IN_CREATE),
		ENTRY(dirfd, "ln", IN_CREATE | IN_DELETE),
		ENTRY(dirfd, "ln", IN_ATTRIB | nofollow),
		ENTRY(dirfd, "ln", IN_CREATE | nofollow | IN_ONLYDIR),
		ENTRY(dirfd, "dangling", IN_CREATE),
		ENTRY(dirfd, "dangling", IN_ATTRIB | nofollow),
		ENTRY(dirfd, "mnt", IN_CREATE),
		ENTRY(efd, ".", IN_CREATE),
		ENTRY(dirfd, "..", IN_CREATE),
		ENTRY(dirfd, longest, IN_CREATE),
		ENTRY(dirfd, too_long, IN_CREATE),
		ENTRY(dirfd, "f", IN_MODIFY | IN_ONLYDIR),
		ENTRY(dirfd, "f/", IN_MODIFY),
		ENTRY(efd, "sub", IN_CREATE),
		ENTRY(dirfd, "f", IN_MODIFY),
		ENTRY(AT_FDCWD, "e", IN_DELETE | IN_MASK_ADD),
		ENTRY(dirfd, "sub", IN_CREATE | IN_MASK_CREATE),
		ENTRY(dirfd, "mnt", IN_DELETE | IN_MASK_ADD),
	};

	memcpy(out, e, sizeof(e));
}

static const int b97_results[B97_ENTRIES] = {
	1, 1, 2, -ENOTDIR, -ENOENT, 3, 4, 5, 6, 7, -ENAMETOOLONG, -ENOTDIR, -ENOTDIR, -ENOENT,
	8, 5, -EEXIST, 4,
};

/*
 * A path that is one name is looked up in its directory's dentry cache: the results must
 * be the path walk's all the same. Symlinks followed or not, dangling, a mount point, "."
 * and "..", the longest name and one too long, a trailing slash, an O_PATH directory, and
 * entries that change directory between them; more than a chunk of entries.
 */
TEST_F(scenarios, b97_batch_names_resolve_as_paths)
{
	char longest[NAME_MAX + 1], too_long[NAME_MAX + 2], path[NAME_MAX + 8];
	struct rinotify_watch_at e[B97_ENTRIES];
	int fd, dirfd, efd, i;

	memset(longest, 'x', NAME_MAX);
	longest[NAME_MAX] = '\0';
	memset(too_long, 'x', NAME_MAX + 1);
	too_long[NAME_MAX + 1] = '\0';
	ASSERT_EQ(0, TS(mkdir("d", 0755)));
	ASSERT_EQ(0, TS(mkdir("d/sub", 0755)));
	ASSERT_EQ(0, TS(mkdir("e", 0755)));
	ASSERT_EQ(0, TS(symlink("sub", "d/ln")));
	ASSERT_EQ(0, TS(symlink("nowhere", "d/dangling")));
	MKFILE("d/f");
	ASSERT_EQ(0, TS(t_mount_tmpfs("d/mnt")));
	snprintf(path, sizeof(path), "d/%s", longest);
	ASSERT_EQ(0, TS(mkdir(path, 0755)));
	dirfd = open("d", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dirfd);
	efd = open("e", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, efd);
	b97_entries(e, dirfd, efd, longest, too_long);
	fd = t_init(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(B97_ENTRIES, t_add_watches(fd, e, B97_ENTRIES));
	/* Braces: the harness's TH_LOG() is a statement of its own. */
	for (i = 0; i < B97_ENTRIES; i++) {
		EXPECT_EQ(b97_results[i], e[i].result) TH_LOG("entry %d", i);
	}
	MKFILE("d/sub/a");
	ASSERT_EQ(0, TS(utimensat(AT_FDCWD, "d/ln", NULL, AT_SYMLINK_NOFOLLOW)));
	ASSERT_EQ(0, TS(utimensat(AT_FDCWD, "d/dangling", NULL, AT_SYMLINK_NOFOLLOW)));
	MKFILE("d/mnt/b");
	MKFILE("e/c");
	ASSERT_EQ(0, TS(unlink("e/c")));
	snprintf(path, sizeof(path), "d/%s/g", longest);
	MKFILE(path);
	ASSERT_EQ(0, TS(truncate("d/f", 1)));
	ASSERT_EQ(0, TS(unlink("d/sub/a")));
	ASSERT_EQ(0, TS(unlink("d/mnt/b")));
	EXPECT_Q(fd, "1 CREATE a; 2 ATTRIB; 3 ATTRIB; 4 CREATE b; 5 CREATE c; 5 DELETE c; "
		     "7 CREATE g; 8 MODIFY; 1 DELETE a; 4 DELETE b");
	t_fdinfo(fd);
	EXPECT_EQ(0, TS(t_umount("d/mnt")));
	EXPECT_Q(fd, "4 UNMOUNT|ISDIR; 4 IGNORED");
	EXPECT_EQ(0, close(dirfd));
	EXPECT_EQ(0, close(efd));
	EXPECT_EQ(0, t_close(fd));
}

/* b98_child's directories, open before the child drops its privileges. */
struct b98_dirs {
	int priv;	/* 0700, root's */
	int noread;	/* 0711: search, no read */
};

static int b98_child(void *arg)
{
	const struct b98_dirs *dirs = arg;
	struct rinotify_watch_at e[] = {
		ENTRY(AT_FDCWD, "secret", IN_MODIFY),
		ENTRY(dirs->priv, "x", IN_MODIFY),
		ENTRY(dirs->noread, "f", IN_MODIFY),
		ENTRY(AT_FDCWD, "noread", IN_MODIFY),
		ENTRY(dirs->noread, "f", IN_ATTRIB),
	};
	const int expected[] = { -EACCES, -EACCES, 1, -EACCES, 1 };
	int fd = t_init(0), fails = 0;
	unsigned int i;

	if (fd < 0)
		return 100;
	fails += t_add_watches(fd, e, ARRAY_SIZE(e)) != ARRAY_SIZE(e);
	for (i = 0; i < ARRAY_SIZE(e); i++)
		fails += e[i].result != expected[i];
	t_close(fd);
	return fails;
}

/* The look-up by name checks search permission in the directory, read on the target. */
TEST_F(scenarios, b98_batch_names_check_permissions)
{
	struct b98_dirs dirs;

	MAKE_PERMISSION_FILES();
	dirs.priv = open("priv", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dirs.priv);
	dirs.noread = open("noread", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dirs.noread);
	EXPECT_EQ(0, t_child(1, b98_child, &dirs));
	EXPECT_EQ(0, close(dirs.priv));
	EXPECT_EQ(0, close(dirs.noread));
}

/* The call itself: only rinotify has it. */
static int instance(struct __test_metadata *_metadata)
{
	int fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	return fd;
}

static int batch_ioctl(int fd, struct rinotify_watch_at *e, unsigned int count,
		       unsigned int flags)
{
	struct rinotify_watches b = {
		.entries = (uintptr_t)e,
		.count = count,
		.flags = flags,
	};

	return ioctl(fd, RINOTIFY_IOC_ADD_WATCHES, &b);
}

/* No entries: nothing to do, 0. Flags and counts it does not know: EINVAL. */
TEST(batch_arguments)
{
	struct rinotify_watch_at e = ENTRY(AT_FDCWD, "/", IN_CREATE);
	int fd = instance(_metadata);

	EXPECT_EQ(0, batch_ioctl(fd, NULL, 0, 0));
	errno = 0;
	EXPECT_EQ(-1, batch_ioctl(fd, &e, 1, 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, batch_ioctl(fd, &e, RINOTIFY_MAX_WATCHES_PER_CALL + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, RINOTIFY_IOC_ADD_WATCHES, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, batch_ioctl(fd, NULL, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, close(fd));
}

/*
 * A batch that reaches an unreadable entry stops there and says how many it processed: the
 * entries before it are watched, their results written.
 */
TEST(batch_stops_at_an_unreadable_entry)
{
	long page = sysconf(_SC_PAGESIZE);
	struct rinotify_watch_at *e;
	char *map;
	int fd = instance(_metadata), n, i;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_EQ(0, munmap(map + page, page));
	/*
	 * Twenty whole entries end at the hole, the next would start in it: the call copies
	 * entries in by sixteen, and must not lose the four before the hole.
	 */
	n = 20;
	e = (struct rinotify_watch_at *)(map + page) - n;
	for (i = 0; i < n; i++)
		e[i] = (struct rinotify_watch_at)ENTRY(AT_FDCWD, i == 1 ? "/tmp" : "/", IN_CREATE);
	EXPECT_EQ(n, batch_ioctl(fd, e, n + 2, 0));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(i == 1 ? 2 : 1, e[i].result) TH_LOG("entry %d", i);
	}
	/*
	 * Read-only entries: the first result cannot be written, so nothing is processed, and
	 * no watch is added that the caller would not know of.
	 */
	e[0] = (struct rinotify_watch_at)ENTRY(AT_FDCWD, "/dev", IN_CREATE);
	ASSERT_EQ(0, mprotect(map, page, PROT_READ));
	errno = 0;
	EXPECT_EQ(-1, batch_ioctl(fd, e, n, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(3, rinotify_add_watch(fd, "/dev", IN_CREATE | IN_MASK_CREATE));
	EXPECT_EQ(0, munmap(map, page));
	EXPECT_EQ(0, close(fd));
}

/*
 * Entries whose results cannot be written from one entry on, in the middle of a chunk: the
 * entries before it are processed, their results written, and no watch is added for it or
 * for any after it. The first three entries end a writable page, the next five start a
 * read-only one: the call can read all eight, and write the first three results only.
 */
TEST(batch_stops_at_a_read_only_result)
{
	static const char *const paths[] = { "/", "/tmp", "/dev" };
	long page = sysconf(_SC_PAGESIZE);
	struct rinotify_watch_at *e;
	int fd = instance(_metadata), i;
	char *map;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	e = (struct rinotify_watch_at *)(map + page) - 3;
	for (i = 0; i < 8; i++) {
		e[i] = (struct rinotify_watch_at)ENTRY(AT_FDCWD, i < 3 ? paths[i] : "/proc",
						       IN_CREATE);
		e[i].result = 12345;
	}
	ASSERT_EQ(0, mprotect(map + page, page, PROT_READ));
	EXPECT_EQ(3, batch_ioctl(fd, e, 8, 0));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(i + 1, e[i].result) TH_LOG("entry %d", i);
	}
	for (i = 3; i < 8; i++) {
		EXPECT_EQ(12345, e[i].result) TH_LOG("entry %d", i);
	}
	/* "/proc" was not watched: a watch that must be new is, with the next descriptor. */
	EXPECT_EQ(4, rinotify_add_watch(fd, "/proc", IN_CREATE | IN_MASK_CREATE));
	EXPECT_EQ(0, munmap(map, 2 * page));
	EXPECT_EQ(0, close(fd));
}

static void on_alarm(int sig)
{
}

/*
 * A signal stops a batch between two entries: the call returns how many it processed
 * (their results written, the others untouched), or EINTR if it processed none. A timer
 * signals every millisecond while full batches run, until one stops partway.
 */
TEST(batch_stops_for_a_signal)
{
	static struct rinotify_watch_at e[RINOTIFY_MAX_WATCHES_PER_CALL];
	const unsigned int n = RINOTIFY_MAX_WATCHES_PER_CALL;
	struct itimerval every = { { 0, 1000 }, { 0, 1000 } }, off = { { 0 } };
	struct sigaction sa = { .sa_handler = on_alarm };
	int fd = instance(_metadata), partway = 0, round, done;
	unsigned int i;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &every, NULL));
	for (round = 0; round < 50 && !partway; round++) {
		for (i = 0; i < n; i++)
			e[i] = (struct rinotify_watch_at)ENTRY(AT_FDCWD, "/", IN_CREATE);
		for (i = 0; i < n; i++)
			e[i].result = 12345;
		errno = 0;
		done = batch_ioctl(fd, e, n, 0);
		if (done < 0) {
			ASSERT_EQ(EINTR, errno);
			done = 0;
		}
		ASSERT_GE(n, done);
		for (i = 0; i < n; i++) {
			ASSERT_EQ(i < done ? 1 : 12345, e[i].result)
				TH_LOG("entry %u, %d processed", i, done);
		}
		partway = done > 0 && done < n;
	}
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &off, NULL));
	TH_LOG("%d batches, the last one stopped after %d of %u entries", round, done, n);
	EXPECT_TRUE(partway);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
