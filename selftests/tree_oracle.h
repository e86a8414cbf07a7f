/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client of a tree watch (RINOTIFY_IOC_ADD_TREE), and on native inotify its oracle:
 * what a program does to watch the same tree with inotify_add_watch() alone. The oracle
 * adds one watch per directory, depth first in readdir() order, a watch for every
 * directory created or moved in as soon as its event is read, removes the watches of a
 * directory moved out, and makes up the records the module queues for a tree (RIN_WATCHED,
 * RIN_RESCAN) where that program learns the same thing: a directory it cannot watch
 * (inotify_add_watch() fails, for want of permission or of max_user_watches) is a
 * RIN_RESCAN of its parent's entry. The scenarios read the queue after every step that
 * changes the tree, so that the oracle has no race to lose.
 *
 * The records are traced in short form: "wd MASK [name] [cN]", and "<parent" for
 * RIN_WATCHED ("1 CREATE|ISDIR e; 6 WATCHED|ISDIR e <1").
 */
#ifndef RINOTIFY_SELFTESTS_TREE_ORACLE_H
#define RINOTIFY_SELFTESTS_TREE_ORACLE_H

#include <stdint.h>
#include <sys/types.h>

/* <linux/rinotify.h> (RIN_WATCHED, RIN_RESCAN) beside <sys/inotify.h>. */
#include "batch.h"
#include "trace.h"

#define TREE_MAX_WD	4096
#define TREE_SHORT_MAX	16384

/* The mask of the scenarios' trees. */
#define TREE_MASK	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVE | IN_DELETE_SELF)

/* What the client knows of each watch: the directory's path, and its parent's wd. */
struct tree_dir {
	char *path;
	int parent;
	int tree;
};

extern struct tree_dir tree_dirs[TREE_MAX_WD];
/* The oracle's records not yet returned, in short form. */
extern char tree_pending[TREE_SHORT_MAX];

static inline int tree_native(void)
{
	return be == &backend_native;
}

/* Forgets every watch and pending record: a scenario's first and last call. */
void tree_forget_all(void);

/* dir/name, malloc()ed. */
char *tree_join(const char *dir, const char *name);

/*
 * The names of path's subdirectories, in readdir() order, NUL-separated; the count. Those
 * of a directory the caller may read but not search are the entries of type DT_DIR.
 */
int tree_subdirectories(const char *path, char **names);

/* RINOTIFY_IOC_ADD_TREE, or on native inotify the oracle's crawl (logged). */
int tree_add(int fd, const char *path, uint32_t mask);

/* Removes the oracle's watches whose parent lost its watch, as the module's prune does. */
void oracle_prune(int fd);

/*
 * What the client does with one record ev, which it appends to out: on native inotify, the
 * oracle follows the tree (*mv_wd and *mv_from: a tree directory seen leaving, 0 if none).
 */
void tree_follow(int fd, struct t_event *ev, char *out, int *mv_wd, char **mv_from);

/*
 * One read() of the non-blocking instance into t_ev[], unlogged: the two backends' reads
 * differ by the records the oracle makes up, so only what tree_drain() returns is traced.
 * A record that breaks an invariant is a violation in the trace.
 */
ssize_t tree_read_records(int fd);

/*
 * Reads the whole queue (the instance is non-blocking), follows it, and returns the records
 * in short form (logged).
 */
const char *tree_drain(int fd);

#endif /* RINOTIFY_SELFTESTS_TREE_ORACLE_H */
