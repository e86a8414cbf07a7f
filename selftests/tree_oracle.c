// SPDX-License-Identifier: GPL-2.0
/*
 * The client of a tree watch, and on native inotify the oracle of RINOTIFY_IOC_ADD_TREE
 * (see tree_oracle.h): what a program does to watch a tree with inotify_add_watch() alone,
 * and the records the module queues for a tree made up where that program learns the
 * same thing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "records.h"
#include "tree_oracle.h"

struct tree_dir tree_dirs[TREE_MAX_WD];
char tree_pending[TREE_SHORT_MAX];
/* The tree's mask, for the watches the oracle adds. */
static uint32_t tree_mask;

void tree_forget_all(void)
{
	for (int i = 0; i < TREE_MAX_WD; i++) {
		free(tree_dirs[i].path);
		tree_dirs[i].path = NULL;
		tree_dirs[i].tree = 0;
	}
	tree_pending[0] = 0;
}

static void append(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(char *out, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	if (used && used < TREE_SHORT_MAX - 2) {
		strcat(out, "; ");
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(out + used, TREE_SHORT_MAX - used, fmt, ap);
	va_end(ap);
}

static void known(int wd, const char *path, int parent)
{
	if (wd <= 0 || wd >= TREE_MAX_WD)
		return;
	free(tree_dirs[wd].path);
	tree_dirs[wd].path = strdup(path);
	tree_dirs[wd].parent = parent;
	tree_dirs[wd].tree = 1;
}

char *tree_join(const char *dir, const char *name)
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
			append(tree_pending, "%d RESCAN|ISDIR %s", parent, name);
		return -1;
	}
	if (wd < TREE_MAX_WD && !tree_dirs[wd].tree) {
		append(tree_pending, "%d WATCHED|ISDIR%s%s <%d", wd, name ? " " : "",
		       name ? name : "", parent);
		known(wd, path, parent);
	}
	return wd;
}

/* The names of path's subdirectories, in readdir() order, NUL-separated; the count. */
int tree_subdirectories(const char *path, char **names)
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
		sub = tree_join(path, de->d_name);
		/*
		 * In a directory the client may read but not search, lstat() fails: a
		 * crawler goes by the entry's type, and its inotify_add_watch() fails
		 * (EACCES) as the module's look-up does, a RIN_RESCAN of the entry.
		 */
		if (lstat(sub, &st) ? errno == EACCES && de->d_type == DT_DIR :
		    S_ISDIR(st.st_mode)) {
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
	int n = tree_subdirectories(path, &names);

	for (name = names; n--; name += strlen(name) + 1) {
		char *sub = tree_join(path, name);
		int swd = oracle_watch(fd, sub, wd, name, 0);

		if (swd > 0)
			oracle_crawl(fd, sub, swd);
		free(sub);
	}
	free(names);
}

/* RINOTIFY_IOC_ADD_TREE, or on native inotify the oracle's crawl (logged). */
int tree_add(int fd, const char *path, uint32_t mask)
{
	struct rinotify_tree t = {
		.pathname = (uintptr_t)path,
		.dirfd = AT_FDCWD,
		.mask = mask,
	};
	int wd;

	if (tree_native()) {
		tree_mask = mask;
		wd = oracle_watch(fd, path, 0, NULL, !(mask & IN_DONT_FOLLOW));
		if (wd > 0) {
			known(wd, path, tree_dirs[wd].parent);
			oracle_crawl(fd, path, wd);
		}
	} else {
		wd = ioctl(fd, RINOTIFY_IOC_ADD_TREE, &t);
		if (wd > 0 && wd < TREE_MAX_WD && !tree_dirs[wd].path)
			known(wd, path, 0);
	}
	t_log("add_tree(%s, %s, %s) = %d", t_fd(fd), path, t_mask(mask), wd);
	return wd;
}

/* Removes the oracle's watches whose parent lost its watch, as the module's prune does. */
void oracle_prune(int fd)
{
	int removed;

	do {
		removed = 0;
		for (int wd = 1; wd < TREE_MAX_WD; wd++) {
			int p = tree_dirs[wd].parent;

			if (!tree_dirs[wd].tree || !p || (tree_dirs[p].tree && tree_dirs[p].path))
				continue;
			inotify_rm_watch(fd, wd);
			tree_dirs[wd].tree = 0;
			removed = 1;
		}
	} while (removed);
}

/* The wd of the tree directory at path, 0 if none. */
static int wd_of(const char *path)
{
	for (int wd = 1; wd < TREE_MAX_WD; wd++)
		if (tree_dirs[wd].tree && tree_dirs[wd].path && !strcmp(tree_dirs[wd].path, path))
			return wd;
	return 0;
}

/* A directory of the tree renamed from old to new: its path and those below it. */
static void renamed(const char *old, const char *new)
{
	size_t n = strlen(old);

	for (int wd = 1; wd < TREE_MAX_WD; wd++) {
		char *p = tree_dirs[wd].path, *q;

		if (!p || strncmp(p, old, n) || (p[n] && p[n] != '/'))
			continue;
		if (asprintf(&q, "%s%s", new, p + n) < 0)
			abort();
		free(p);
		tree_dirs[wd].path = q;
	}
}

/*
 * What the client does with one record ev, which it appends to out: on native inotify, the
 * oracle follows the tree (mv_wd and mv_name: a tree directory seen leaving, 0 if none).
 */
void tree_follow(int fd, struct t_event *ev, char *out, int *mv_wd, char **mv_from)
{
	const char *name = ev->len ? ev->name : NULL;
	int isdir = ev->mask & IN_ISDIR;

	if (ev->mask & RIN_WATCHED) {
		append(out, "%d %s%s%s <%u", ev->wd, t_mask(ev->mask), name ? " " : "",
		       name ? name : "", ev->cookie);
		if (ev->cookie && ev->cookie < TREE_MAX_WD && tree_dirs[ev->cookie].path) {
			char *path = tree_join(tree_dirs[ev->cookie].path, ev->name);

			known(ev->wd, path, ev->cookie);
			free(path);
		}
		return;
	}
	append(out, "%d %s%s%s%s%s", ev->wd, t_mask(ev->mask), name ? " " : "", name ? name : "",
	       ev->mask & IN_MOVE ? " " : "", ev->mask & IN_MOVE ? t_cookie(ev->cookie) : "");
	if (ev->mask & IN_IGNORED) {
		if (ev->wd > 0 && ev->wd < TREE_MAX_WD) {
			free(tree_dirs[ev->wd].path);
			tree_dirs[ev->wd].path = NULL;
			tree_dirs[ev->wd].tree = 0;
		}
		return;
	}
	if (!isdir || !name || ev->wd <= 0 || ev->wd >= TREE_MAX_WD || !tree_dirs[ev->wd].tree)
		return;
	if (ev->mask & IN_MOVED_FROM) {
		char *path = tree_join(tree_dirs[ev->wd].path, name);
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
		char *path = tree_join(tree_dirs[ev->wd].path, name);

		renamed(*mv_from, path);
		if (tree_native())
			tree_dirs[*mv_wd].parent = ev->wd;
		*mv_wd = 0;
		free(path);
		return;
	}
	if (tree_native() && ev->mask & (IN_CREATE | IN_MOVED_TO)) {
		char *path = tree_join(tree_dirs[ev->wd].path, name);
		int wd = oracle_watch(fd, path, ev->wd, name, 0);

		if (wd > 0 && ev->mask & IN_MOVED_TO)
			append(tree_pending, "%d RESCAN|ISDIR", wd);
		free(path);
		strcat(out, *out && *tree_pending ? "; " : "");
		strcat(out, tree_pending);
		tree_pending[0] = 0;
	}
}

/*
 * One read() of the non-blocking instance into t_ev[], unlogged: the two backends' reads
 * differ by the records the oracle makes up, so only what tree_drain() returns is traced.
 * A record that breaks an invariant is a violation in the trace.
 */
ssize_t tree_read_records(int fd)
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

/* Whether the record in short form at @rec (up to "; " or the end) is "<wd> IGNORED". */
static int ignored_wd(const char *rec)
{
	int wd, len = 0;

	if (sscanf(rec, "%d IGNORED%n", &wd, &len) == 1 && len &&
	    (rec[len] == ';' || rec[len] == '\0'))
		return wd;
	return 0;
}

static int by_wd(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * Puts each run of IN_IGNORED records in @out in descriptor order. A tree's watches removed
 * together (a subtree whose top lost its watch) are removed in an order that is neither
 * inotify's nor the native crawler's to choose: the set is what is compared.
 */
static void sort_ignored_runs(char *out)
{
	static int wds[TREE_MAX_WD];
	char *rec = out;

	while (*rec) {
		char *end = rec;
		int n = 0;

		while (*end && n < TREE_MAX_WD && (wds[n] = ignored_wd(end))) {
			n++;
			end = strchr(end, ';');
			end = end ? end + 2 : rec + strlen(rec);
		}
		if (n > 1) {
			char *at = rec;

			qsort(wds, n, sizeof(*wds), by_wd);
			for (int i = 0; i < n; i++)
				at += sprintf(at, "%d IGNORED%s", wds[i], i + 1 < n ? "; " : "");
			/* The same records, the same length: the text after them is in place. */
			if (*end)
				at[0] = ';';
		}
		if (n) {
			rec = end;
			continue;
		}
		end = strchr(rec, ';');
		if (!end)
			break;
		rec = end + 2;
	}
}

/*
 * Reads the whole queue (the instance is non-blocking), follows it, and returns the records
 * in short form (logged): "wd MASK [name] [cN]", and "<parent" for RIN_WATCHED; the
 * IN_IGNORED records of a subtree in descriptor order.
 */
const char *tree_drain(int fd)
{
	static char out[TREE_SHORT_MAX];
	char *mv_from = NULL;
	int mv_wd = 0;

	snprintf(out, sizeof(out), "%s", tree_pending);
	tree_pending[0] = 0;
	for (;;) {
		ssize_t n = tree_read_records(fd);

		if (n <= 0) {
			/* A tree directory that left: the oracle removes its watches. */
			if (tree_native() && mv_wd) {
				inotify_rm_watch(fd, mv_wd);
				tree_dirs[mv_wd].tree = 0;
				oracle_prune(fd);
				mv_wd = 0;
				continue;
			}
			break;
		}
		for (int i = 0; i < t_nev; i++)
			tree_follow(fd, &t_ev[i], out, &mv_wd, &mv_from);
	}
	free(mv_from);
	sort_ignored_runs(out);
	t_log("tree: %s", out);
	return out;
}
