// SPDX-License-Identifier: GPL-2.0
/*
 * RINOTIFY_IOC_ADD_TREE, a watch on a directory tree. The scenarios compare it with what a
 * program on native inotify does to watch the same tree (the oracle below): one
 * inotify_add_watch() per directory, depth first in readdir() order, a watch added for
 * every directory created or moved in as soon as its event is read, the watches of a
 * directory moved out removed, and the records the kernel queues for a tree (RIN_WATCHED,
 * RIN_RESCAN) made up where the program learns the same. The workloads read the queue after
 * every step that changes the tree, so that the oracle has no race to lose; the race is
 * measured by the plain test at the end, where only the tree watch must see every file.
 */
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "batch.h"
#include "records.h"
#include "scenario.h"

#define MAX_WD		4096
#define SHORT_MAX	16384

/* What the client knows of each watch: the directory's path, and its parent's wd. */
static struct {
	char *path;
	int parent;
	int tree;
} dirs[MAX_WD];
/* The oracle's records not yet returned, in short form. */
static char pending[SHORT_MAX];
/* The tree's mask, for the watches the oracle adds. */
static uint32_t tree_mask;

static int native(void)
{
	return be == &backend_native;
}

static void forget_all(void)
{
	for (int i = 0; i < MAX_WD; i++) {
		free(dirs[i].path);
		dirs[i].path = NULL;
		dirs[i].tree = 0;
	}
	pending[0] = 0;
}

static void append(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(char *out, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	if (used && used < SHORT_MAX - 2) {
		strcat(out, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(out + used, SHORT_MAX - used, fmt, ap);
	va_end(ap);
}

static void known(int wd, const char *path, int parent)
{
	if (wd <= 0 || wd >= MAX_WD)
		return;
	free(dirs[wd].path);
	dirs[wd].path = strdup(path);
	dirs[wd].parent = parent;
	dirs[wd].tree = 1;
}

static char *join(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	return path;
}

/*
 * The oracle's watch on one directory of the tree, below parent under name: a new watch is
 * a RIN_WATCHED record, one that cannot be added a RIN_RESCAN of its parent's entry.
 * Returns the wd, or -1.
 */
static int oracle_watch(int fd, const char *path, int parent, const char *name, int follow)
{
	uint32_t flags = IN_ONLYDIR | (follow ? 0 : IN_DONT_FOLLOW);
	int wd = inotify_add_watch(fd, path, tree_mask | flags);

	if (wd < 0) {
		if (parent)
			append(pending, "%d RESCAN|ISDIR %s", parent, name);
		return -1;
	}
	if (wd < MAX_WD && !dirs[wd].tree) {
		append(pending, "%d WATCHED|ISDIR%s%s <%d", wd, name ? " " : "", name ? name : "",
		       parent);
		known(wd, path, parent);
	}
	return wd;
}

/* The names of path's subdirectories, in readdir() order, NUL-separated; the count. */
static int subdirectories(const char *path, char **names)
{
	size_t size = 0;
	FILE *out = open_memstream(names, &size);
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(path);
	while (d && (de = readdir(d))) {
		char *sub;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		sub = join(path, de->d_name);
		if (!lstat(sub, &st) && S_ISDIR(st.st_mode)) {
			fwrite(de->d_name, 1, strlen(de->d_name) + 1, out);
			n++;
		}
		free(sub);
	}
	if (d)
		closedir(d);
	fclose(out);
	return n;
}

/* The oracle's crawl below the watched directory path (wd): depth first. */
static void oracle_crawl(int fd, const char *path, int wd)
{
	char *names, *name;
	int n = subdirectories(path, &names);

	for (name = names; n--; name += strlen(name) + 1) {
		char *sub = join(path, name);
		int swd = oracle_watch(fd, sub, wd, name, 0);

		if (swd > 0)
			oracle_crawl(fd, sub, swd);
		free(sub);
	}
	free(names);
}

/* RINOTIFY_IOC_ADD_TREE, or on native inotify the oracle's crawl (logged). */
static int tree_add(int fd, const char *path, uint32_t mask)
{
	struct rinotify_tree t = {
		.pathname = (uintptr_t)path,
		.dirfd = AT_FDCWD,
		.mask = mask,
	};
	int wd;

	if (native()) {
		tree_mask = mask;
		wd = oracle_watch(fd, path, 0, NULL, !(mask & IN_DONT_FOLLOW));
		if (wd > 0) {
			known(wd, path, dirs[wd].parent);
			oracle_crawl(fd, path, wd);
		}
	} else {
		wd = ioctl(fd, RINOTIFY_IOC_ADD_TREE, &t);
		if (wd > 0 && wd < MAX_WD && !dirs[wd].path)
			known(wd, path, 0);
	}
	t_log("add_tree(%s, %s, %s) = %d", t_fd(fd), path, t_mask(mask), wd);
	return wd;
}

/* Removes the oracle's watches whose parent lost its watch, as the module's prune does. */
static void oracle_prune(int fd)
{
	int removed;

	do {
		removed = 0;
		for (int wd = 1; wd < MAX_WD; wd++) {
			int p = dirs[wd].parent;

			if (!dirs[wd].tree || !p || (dirs[p].tree && dirs[p].path))
				continue;
			inotify_rm_watch(fd, wd);
			dirs[wd].tree = 0;
			removed = 1;
		}
	} while (removed);
}

/* The wd of the tree directory at path, 0 if none. */
static int wd_of(const char *path)
{
	for (int wd = 1; wd < MAX_WD; wd++)
		if (dirs[wd].tree && dirs[wd].path && !strcmp(dirs[wd].path, path))
			return wd;
	return 0;
}

/* A directory of the tree renamed from old to new: its path and those below it. */
static void renamed(const char *old, const char *new)
{
	size_t n = strlen(old);

	for (int wd = 1; wd < MAX_WD; wd++) {
		char *p = dirs[wd].path, *q;

		if (!p || strncmp(p, old, n) || (p[n] && p[n] != '/'))
			continue;
		if (asprintf(&q, "%s%s", new, p + n) < 0)
			abort();
		free(p);
		dirs[wd].path = q;
	}
}

/*
 * What the client does with one record ev, which it appends to out: on native inotify, the
 * oracle follows the tree (mv_wd and mv_name: a tree directory seen leaving, 0 if none).
 */
static void follow(int fd, struct t_event *ev, char *out, int *mv_wd, char **mv_from)
{
	const char *name = ev->len ? ev->name : NULL;
	int isdir = ev->mask & IN_ISDIR;

	if (ev->mask & RIN_WATCHED) {
		append(out, "%d %s%s%s <%u", ev->wd, t_mask(ev->mask), name ? " " : "",
		       name ? name : "", ev->cookie);
		if (ev->cookie && ev->cookie < MAX_WD && dirs[ev->cookie].path) {
			char *path = join(dirs[ev->cookie].path, ev->name);

			known(ev->wd, path, ev->cookie);
			free(path);
		}
		return;
	}
	append(out, "%d %s%s%s%s%s", ev->wd, t_mask(ev->mask), name ? " " : "", name ? name : "",
	       ev->mask & IN_MOVE ? " " : "", ev->mask & IN_MOVE ? t_cookie(ev->cookie) : "");
	if (ev->mask & IN_IGNORED) {
		if (ev->wd > 0 && ev->wd < MAX_WD) {
			free(dirs[ev->wd].path);
			dirs[ev->wd].path = NULL;
			dirs[ev->wd].tree = 0;
		}
		return;
	}
	if (!isdir || !name || ev->wd <= 0 || ev->wd >= MAX_WD || !dirs[ev->wd].tree)
		return;
	if (ev->mask & IN_MOVED_FROM) {
		char *path = join(dirs[ev->wd].path, name);
		int wd = wd_of(path);

		if (wd) {
			*mv_wd = wd;
			free(*mv_from);
			*mv_from = path;
		} else {
			free(path);
		}
		return;
	}
	if (ev->mask & IN_MOVED_TO && *mv_wd) {
		char *path = join(dirs[ev->wd].path, name);

		renamed(*mv_from, path);
		if (native())
			dirs[*mv_wd].parent = ev->wd;
		*mv_wd = 0;
		free(path);
		return;
	}
	if (native() && ev->mask & (IN_CREATE | IN_MOVED_TO)) {
		char *path = join(dirs[ev->wd].path, name);
		int wd = oracle_watch(fd, path, ev->wd, name, 0);

		if (wd > 0 && ev->mask & IN_MOVED_TO)
			append(pending, "%d RESCAN|ISDIR", wd);
		free(path);
		strcat(out, *out && *pending ? "; " : "");
		strcat(out, pending);
		pending[0] = 0;
	}
}

/*
 * One read() of the non-blocking instance into t_ev[], unlogged: the two backends' reads
 * differ by the records the oracle makes up, so only what tree_drain() returns is traced.
 * A record that breaks an invariant is a violation in the trace.
 */
static ssize_t read_records(int fd)
{
	static unsigned char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	size_t off = 0;
	char why[256];

	t_nev = 0;
	if (n > 0 && records_check(buf, n, NULL, why, sizeof(why)) < 0) {
		t_log("!! %s", why);
		return -1;
	}
	while (n > 0 && off < (size_t)n && t_nev < T_EVENTS_MAX) {
		struct inotify_event ie;
		struct t_event *e = &t_ev[t_nev++];

		memcpy(&ie, buf + off, sizeof(ie));
		e->wd = ie.wd;
		e->mask = ie.mask;
		e->cookie = ie.cookie;
		e->len = ie.len;
		snprintf(e->name, sizeof(e->name), "%.*s", (int)ie.len,
			 (const char *)buf + off + sizeof(ie));
		off += sizeof(ie) + ie.len;
	}
	return n;
}

/*
 * Reads the whole queue (the instance is non-blocking), follows it, and returns the records
 * in short form (logged): "wd MASK [name] [cN]", and "<parent" for RIN_WATCHED.
 */
static const char *tree_drain(int fd)
{
	static char out[SHORT_MAX];
	char *mv_from = NULL;
	int mv_wd = 0;

	snprintf(out, sizeof(out), "%s", pending);
	pending[0] = 0;
	for (;;) {
		ssize_t n = read_records(fd);

		if (n <= 0) {
			/* A tree directory that left: the oracle removes its watches. */
			if (native() && mv_wd) {
				inotify_rm_watch(fd, mv_wd);
				dirs[mv_wd].tree = 0;
				oracle_prune(fd);
				mv_wd = 0;
				continue;
			}
			break;
		}
		for (int i = 0; i < t_nev; i++)
			follow(fd, &t_ev[i], out, &mv_wd, &mv_from);
	}
	free(mv_from);
	t_log("tree: %s", out);
	return out;
}

#define TREE_MASK	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVE | IN_DELETE_SELF)

static void mkdirs(struct __test_metadata *_metadata, const char *const *paths)
{
	for (; *paths; paths++)
		ASSERT_EQ(0, TS(mkdir(*paths, 0755)));
}

/*
 * A tree's life: the crawl, directories created, renamed inside, deleted, moved in (and
 * the client's second call for what was inside), moved out, and the root's watch removed.
 */
TEST_F(scenarios, b93_tree_follows_its_directories)
{
	static const char *const tree[] = {
		"t", "t/a", "t/a/b", "t/a/b/d", "t/c", "o", "o/z", "o/z/w", NULL,
	};
	int fd, root;

	forget_all();
	mkdirs(_metadata, tree);
	MKFILE("t/f");
	fd = t_init(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	root = tree_add(fd, "t", TREE_MASK);
	ASSERT_EQ(1, root);
	EXPECT_STREQ("1 WATCHED|ISDIR <0; 2 WATCHED|ISDIR c <1; 3 WATCHED|ISDIR a <1; "
		     "4 WATCHED|ISDIR b <3; 5 WATCHED|ISDIR d <4", tree_drain(fd));

	ASSERT_EQ(0, TS(mkdir("t/c/e", 0755)));
	EXPECT_STREQ("2 CREATE|ISDIR e; 6 WATCHED|ISDIR e <2", tree_drain(fd));
	ASSERT_EQ(0, write_file("t/c/e/g", 1));
	EXPECT_STREQ("6 CREATE g; 6 MODIFY g", tree_drain(fd));

	ASSERT_EQ(0, TS(rename("t/a/b/d", "t/c/d2")));
	EXPECT_STREQ("4 MOVED_FROM|ISDIR d c1; 2 MOVED_TO|ISDIR d2 c1", tree_drain(fd));
	ASSERT_EQ(0, TS(mkdir("t/c/d2/h", 0755)));
	EXPECT_STREQ("5 CREATE|ISDIR h; 7 WATCHED|ISDIR h <5", tree_drain(fd));

	ASSERT_EQ(0, TS(unlink("t/c/e/g")));
	ASSERT_EQ(0, TS(rmdir("t/c/e")));
	EXPECT_STREQ("6 DELETE g; 6 DELETE_SELF; 6 IGNORED; 2 DELETE|ISDIR e", tree_drain(fd));

	ASSERT_EQ(0, TS(rename("o/z", "t/z")));
	EXPECT_STREQ("1 MOVED_TO|ISDIR z c2; 8 WATCHED|ISDIR z <1; 8 RESCAN|ISDIR",
		     tree_drain(fd));
	EXPECT_EQ(8, tree_add(fd, "t/z", TREE_MASK));
	EXPECT_STREQ("9 WATCHED|ISDIR w <8", tree_drain(fd));
	ASSERT_EQ(0, write_file("t/z/w/f", 0));
	EXPECT_STREQ("9 CREATE f", tree_drain(fd));

	ASSERT_EQ(0, TS(rename("t/a", "o/a")));
	EXPECT_STREQ("1 MOVED_FROM|ISDIR a c3; 3 IGNORED; 4 IGNORED", tree_drain(fd));
	ASSERT_EQ(0, write_file("o/a/b/x", 0));
	EXPECT_STREQ("", tree_drain(fd));

	EXPECT_EQ(0, t_rm(fd, root));
	if (native()) {
		dirs[root].tree = 0;
		oracle_prune(fd);
	}
	EXPECT_STREQ("1 IGNORED; 2 IGNORED; 5 IGNORED; 7 IGNORED; 8 IGNORED; 9 IGNORED",
		     tree_drain(fd));
	EXPECT_EQ(0, t_close(fd));
	forget_all();
}

/*
 * Every directory of a tree counts against max_user_watches: those that cannot be watched,
 * in the crawl and later, are RIN_RESCAN records of their parent's entry.
 */
TEST_F(scenarios, b94_tree_reports_what_max_user_watches_leaves_out)
{
	static const char *const tree[] = { "t", "t/a", "t/b", "t/b/c", "t/d", NULL };
	int fd;

	forget_all();
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 3));
	mkdirs(_metadata, tree);
	fd = t_init(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, tree_add(fd, "t", TREE_MASK));
	EXPECT_STREQ("1 WATCHED|ISDIR <0; 2 WATCHED|ISDIR d <1; 3 WATCHED|ISDIR b <1; "
		     "3 RESCAN|ISDIR c; 1 RESCAN|ISDIR a", tree_drain(fd));
	ASSERT_EQ(0, TS(mkdir("t/d/e", 0755)));
	EXPECT_STREQ("2 CREATE|ISDIR e; 2 RESCAN|ISDIR e", tree_drain(fd));
	EXPECT_EQ(0, t_close(fd));
	forget_all();
}

TEST_HARNESS_MAIN
