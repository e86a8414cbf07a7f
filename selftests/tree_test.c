// SPDX-License-Identifier: GPL-2.0
/*
 * RINOTIFY_IOC_ADD_TREE, a watch on a directory tree. The scenarios compare it with what a
 * program on native inotify does to watch the same tree (the oracle, tree_oracle.c): one
 * inotify_add_watch() per directory, depth first in readdir() order, a watch added for
 * every directory created or moved in as soon as its event is read, the watches of a
 * directory moved out removed, and the records the kernel queues for a tree (RIN_WATCHED,
 * RIN_RESCAN) made up where the program learns the same. The workloads read the queue after
 * every step that changes the tree, so that the oracle has no race to lose; the race is
 * measured by the plain test at the end, where only the tree watch must see every file.
 */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "scenario.h"
#include "tree_oracle.h"

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

	tree_forget_all();
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
	if (tree_native()) {
		tree_dirs[root].tree = 0;
		oracle_prune(fd);
	}
	EXPECT_STREQ("1 IGNORED; 2 IGNORED; 5 IGNORED; 7 IGNORED; 8 IGNORED; 9 IGNORED",
		     tree_drain(fd));
	EXPECT_EQ(0, t_close(fd));
	tree_forget_all();
}

/*
 * Every directory of a tree counts against max_user_watches: those that cannot be watched,
 * in the crawl and later, are RIN_RESCAN records of their parent's entry.
 */
TEST_F(scenarios, b94_tree_reports_what_max_user_watches_leaves_out)
{
	static const char *const tree[] = { "t", "t/a", "t/b", "t/b/c", "t/d", NULL };
	int fd;

	tree_forget_all();
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
	tree_forget_all();
}

#define RACE_WRITERS	2
#define RACE_ROUNDS	150
/* Every RACE_MOVE_EVERY-th round also moves a directory with a file in it into the tree. */
#define RACE_MOVE_EVERY	3
#define RACE_FILES	(RACE_WRITERS * (RACE_ROUNDS + RACE_ROUNDS / RACE_MOVE_EVERY))

/* One writer: nested directories with a file at the bottom, as fast as it can. */
static void race_writer(int id)
{
	char path[128], out[64];

	for (int i = 0; i < RACE_ROUNDS; i++) {
		snprintf(path, sizeof(path), "r/w%d-%d", id, i);
		if (mkdir(path, 0755))
			_exit(1);
		strcat(path, "/b");
		if (mkdir(path, 0755))
			_exit(1);
		strcat(path, "/c");
		if (mkdir(path, 0755))
			_exit(1);
		strcat(path, "/f");
		if (write_file(path, 0))
			_exit(1);
		if (i % RACE_MOVE_EVERY)
			continue;
		snprintf(out, sizeof(out), "o/m%d-%d", id, i);
		snprintf(path, sizeof(path), "%s/x", out);
		if (mkdir(out, 0755) || mkdir(path, 0755))
			_exit(1);
		strcat(path, "/f");
		if (write_file(path, 0))
			_exit(1);
		snprintf(path, sizeof(path), "r/m%d-%d", id, i);
		if (rename(out, path))
			_exit(1);
	}
	_exit(0);
}

/* The paths a client learnt: files reported created, directories to rescan. */
struct race_seen {
	char **paths;
	int n;
};

static void race_forget(struct race_seen *seen)
{
	for (int i = 0; i < seen->n; i++)
		free(seen->paths[i]);
	free(seen->paths);
}

static void race_note(struct race_seen *seen, char *path)
{
	seen->paths = realloc(seen->paths, (seen->n + 1) * sizeof(*seen->paths));
	if (!seen->paths)
		abort();
	seen->paths[seen->n++] = path;
}

/* Whether path was reported, or lies below a directory to rescan. */
static int race_found(const struct race_seen *files, const struct race_seen *rescans,
		      const char *path)
{
	for (int i = 0; i < files->n; i++)
		if (!strcmp(files->paths[i], path))
			return 1;
	for (int i = 0; i < rescans->n; i++) {
		size_t n = strlen(rescans->paths[i]);

		if (!strncmp(rescans->paths[i], path, n) && path[n] == '/')
			return 1;
	}
	return 0;
}

/*
 * The race inotify loses: writers make directories and files in them, and move directories
 * with files into the tree, as fast as they can, while the client follows. On native
 * inotify the client is the oracle above, which watches each new directory as soon as it
 * reads its event, as inotifywait -r does: it misses the files made before that. The tree
 * watch must report every file, or a RIN_RESCAN of a directory above it. The counts are
 * printed, not traced: they differ from run to run.
 */
TEST_F_TIMEOUT(scenarios, b95_tree_sees_every_file_of_a_racing_writer, 300)
{
	struct race_seen files = { 0 }, rescans = { 0 };
	int fd, running = RACE_WRITERS, found = 0, overflows = 0;
	char path[128], *mv_from = NULL, scratch[TREE_SHORT_MAX];
	pid_t pids[RACE_WRITERS];
	int mv_wd = 0;

	tree_forget_all();
	ASSERT_EQ(0, TS(mkdir("r", 0755)));
	ASSERT_EQ(0, TS(mkdir("o", 0755)));
	fd = t_init(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, tree_add(fd, "r", IN_CREATE | IN_MOVED_TO));
	tree_pending[0] = 0;
	for (int i = 0; i < RACE_WRITERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			race_writer(i);
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		while (running && waitpid(-1, NULL, WNOHANG) > 0)
			running--;
		n = tree_read_records(fd);
		if (n <= 0) {
			if (!running)
				break;
			poll(&pfd, 1, 100);
			continue;
		}
		for (int i = 0; i < t_nev; i++) {
			struct t_event *ev = &t_ev[i];
			const char *dir = ev->wd > 0 && ev->wd < TREE_MAX_WD ?
					  tree_dirs[ev->wd].path : NULL;

			if (ev->mask & IN_Q_OVERFLOW)
				overflows++;
			if (dir && ev->mask & RIN_RESCAN)
				race_note(&rescans,
					  ev->len ? tree_join(dir, ev->name) : strdup(dir));
			else if (dir && ev->mask & IN_CREATE && !(ev->mask & IN_ISDIR))
				race_note(&files, tree_join(dir, ev->name));
			scratch[0] = 0;
			tree_follow(fd, ev, scratch, &mv_wd, &mv_from);
		}
	}
	free(mv_from);
	for (int id = 0; id < RACE_WRITERS; id++) {
		for (int i = 0; i < RACE_ROUNDS; i++) {
			snprintf(path, sizeof(path), "r/w%d-%d/b/c/f", id, i);
			found += race_found(&files, &rescans, path);
			if (i % RACE_MOVE_EVERY)
				continue;
			snprintf(path, sizeof(path), "r/m%d-%d/x/f", id, i);
			found += race_found(&files, &rescans, path);
		}
	}
	TH_LOG("%s: %d of %d files reported (%d as created, %d rescan records), %d overflows",
	       be->name, found, RACE_FILES, files.n, rescans.n, overflows);
	if (!tree_native()) {
		EXPECT_EQ(0, overflows);
		EXPECT_EQ(RACE_FILES, found);
	}
	race_forget(&files);
	race_forget(&rescans);
	EXPECT_EQ(0, t_close(fd));
	tree_forget_all();
}

/* ---- b96: random trees --------------------------------------------------------------- */

#define RANDOM_SEEDS	6
#define RANDOM_STEPS	50
#define RANDOM_DIRS	64

static unsigned int rnd_next(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 8;
}

/* The directories below top (top included) in a stable order, at most RANDOM_DIRS. */
static int list_dirs(const char *top, char paths[][96], int n)
{
	char *names, *name;
	int k;

	if (n >= RANDOM_DIRS)
		return n;
	snprintf(paths[n++], 96, "%s", top);
	k = tree_subdirectories(top, &names);
	for (name = names; k--; name += strlen(name) + 1) {
		char *sub = tree_join(top, name);

		if (strlen(sub) < 80)
			n = list_dirs(sub, paths, n);
		free(sub);
	}
	free(names);
	return n;
}

/* Whether path has no entries. */
static int is_empty(const char *path)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(path);

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return d && !n;
}

/*
 * What the client does after a read: a second RINOTIFY_IOC_ADD_TREE on each directory moved
 * in (a RIN_RESCAN without a name, in the short form drained), then reads again.
 */
static void rescan_moved_in(int fd, const char *drained)
{
	char copy[TREE_SHORT_MAX], *rec, *save = NULL;
	int wds[64], n = 0;

	snprintf(copy, sizeof(copy), "%s", drained);
	for (rec = strtok_r(copy, ";", &save); rec; rec = strtok_r(NULL, ";", &save)) {
		char mask[64], name[T_NAME_MAX];
		int wd;

		name[0] = 0;
		if (sscanf(rec, " %d %63s %255s", &wd, mask, name) == 2 &&
		    !strcmp(mask, "RESCAN|ISDIR") && n < 64)
			wds[n++] = wd;
	}
	for (int i = 0; i < n; i++) {
		char *path = wds[i] > 0 && wds[i] < TREE_MAX_WD && tree_dirs[wds[i]].path ?
			     strdup(tree_dirs[wds[i]].path) : NULL;

		if (path) {
			tree_add(fd, path, TREE_MASK);
			free(path);
			tree_drain(fd);
		}
	}
}

/*
 * Random trees changed at random, seed by seed, the queue read after every step: mkdir and
 * rmdir, files, renames inside the tree, into it (and the client's second call) and out of
 * it, rm_watch of any directory's watch, with max_user_watches between 2 and 40. The two
 * traces must be equal, every record.
 */
TEST_F_TIMEOUT(scenarios, b96_tree_random_workloads, 300)
{
	static char paths[RANDOM_DIRS][96];
	char path[128], to[128];

	for (unsigned int seed = 1; seed <= RANDOM_SEEDS; seed++) {
		unsigned int s = seed * 2654435761u;
		int fd, n;

		tree_forget_all();
		ASSERT_EQ(0, rm_tree("t"));
		ASSERT_EQ(0, rm_tree("o"));
		ASSERT_EQ(0, mkdir("t", 0755));
		ASSERT_EQ(0, mkdir("o", 0755));
		for (int i = 0; i < 12; i++) {
			n = list_dirs(rnd_next(&s) % 2 ? "t" : "o", paths, 0);
			snprintf(path, sizeof(path), "%s/d%d", paths[rnd_next(&s) % n], i);
			if (strlen(path) < 80)
				ASSERT_EQ(0, mkdir(path, 0755));
		}
		ASSERT_EQ(0, t_sysctl_set("max_user_watches", 2 + rnd_next(&s) % 39));
		t_log("seed %u", seed);
		fd = t_init(IN_NONBLOCK);
		ASSERT_LE(0, fd);
		tree_add(fd, "t", TREE_MASK);
		tree_drain(fd);
		for (int step = 0; step < RANDOM_STEPS; step++) {
			const char *drained;
			unsigned int op = rnd_next(&s) % 10;
			int wd;

			n = list_dirs(rnd_next(&s) % 3 ? "t" : "o", paths, 0);
			snprintf(path, sizeof(path), "%s", paths[rnd_next(&s) % n]);
			switch (op) {
			case 0:
			case 1:
				snprintf(to, sizeof(to), "%s/n%d", path, step);
				if (strlen(to) < 80)
					TS(mkdir(to, 0755));
				break;
			case 2:
				snprintf(to, sizeof(to), "%s/f%d", path, step);
				TS(write_file(to, 1));
				break;
			case 3:
				if (strcmp(path, "t") && strcmp(path, "o") && is_empty(path))
					TS(rmdir(path));
				break;
			case 4:
			case 5:
			case 6: {
				/* Anywhere, to a directory not below itself. */
				char dest[96];

				n = list_dirs(rnd_next(&s) % 2 ? "t" : "o", paths, 0);
				snprintf(dest, sizeof(dest), "%s", paths[rnd_next(&s) % n]);
				if (!strcmp(path, "t") || !strcmp(path, "o") ||
				    !strncmp(dest, path, strlen(path)))
					break;
				snprintf(to, sizeof(to), "%s/m%d", dest, step);
				if (strlen(to) < 80)
					TS(rename(path, to));
				break;
			}
			case 7:
				wd = 1 + rnd_next(&s) % 12;
				if (wd < TREE_MAX_WD && tree_dirs[wd].tree && tree_dirs[wd].path) {
					t_rm(fd, wd);
					if (tree_native()) {
						tree_dirs[wd].tree = 0;
						oracle_prune(fd);
					}
				}
				break;
			default:
				snprintf(to, sizeof(to), "%s/f%d", path, step);
				TS(write_file(to, 0));
				break;
			}
			drained = tree_drain(fd);
			rescan_moved_in(fd, drained);
		}
		EXPECT_EQ(0, t_close(fd));
	}
	tree_forget_all();
}

TEST_HARNESS_MAIN
