/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Another user's directories in the trees that unprivileged watchers hold, for the fuzzer
 * and the stress test: the user who makes them, and the judge of what the watchers read.
 *
 * The maker, uid PRIV_UID, makes directories of several modes and groups in shared
 * directories (writable by all) that lie in the watchers' trees, fills them with files and
 * a subdirectory, moves them within the trees, out of them and back in, moves files into
 * and out of them, and removes them. A watcher (RINOTIFY_IOC_ADD_TREE) may watch such a
 * directory, and so learn the names in it, only if its own credentials could read it.
 *
 * The names say what each one is, so that the judge needs no state: whichever thread
 * reads a record, and whatever records an overflow lost. A directory of the maker's is
 * "B.<mode>.<gid>.d<n>", mode in octal and gid its group from its mkdir() on (the maker
 * never changes either, and nobody else may); what it holds is "B.<mode>.<gid>.i<n>"
 * (files) and "B.<mode>.<gid>.s" (a directory of the same mode and group, with files of
 * those names), and nothing else ever has those names: a file moved out of it becomes
 * "B.o<n>", and "B.o<n>" becomes "B.<mode>.<gid>.i<n>" when moved in. So a record that
 * names a directory's inside names something in a directory of that mode and group, and a
 * RIN_WATCHED record of "B.<mode>.<gid>.d<n>" watches one.
 */
#ifndef RINOTIFY_LIB_PRIVATE_DIRS_H
#define RINOTIFY_LIB_PRIVATE_DIRS_H

#include <stddef.h>
#include <stdint.h>

#include "latency.h"

/* The maker: its uid and primary group, and a second group of its own. */
#define PRIV_UID	2000
#define PRIV_GID	2000
/* A group the maker may give its directories; a watcher in it may read those of 0750. */
#define PRIV_GROUP	3000

/*
 * The maker's churn: where (set by the caller), and what it did (counted by the maker; in
 * memory shared with the test when the maker is another process).
 */
struct priv_churn {
	/* The shared directories in the trees (mode 01777 or 0777), and one outside them. */
	const char *const *dirs;
	int ndirs;
	const char *outside;
	uint64_t seed;
	/* The churn ends when *stop is not 0. */
	const int *stop;
	long ops;
	long made;		/* directories made (their mkdir() succeeded), inside ones too */
	long made_private;	/* of them, of a mode and group no watcher may read */
	long moved_out, moved_in, removed;
	/*
	 * Its calls that a tree follows, each timed: mkdir() in the trees, and the renames of
	 * its directories within, into and out of them. A tree's watcher must not make them
	 * wait (b117).
	 */
	struct call_max tree_calls;
	/*
	 * Its calls about files (made, written, moved in and out of its directories), timed:
	 * what the same host's noise does to a call no tree follows.
	 */
	struct call_max other_calls;
};

/*
 * What the records read by watchers said of the maker's directories (atomic counts: many
 * threads may judge at once).
 */
struct priv_seen {
	long refused;	/* RIN_RESCAN of a directory the reader may not read: not watched */
	long followed;	/* RIN_WATCHED of one it may read */
	long inside;	/* records that name something inside one it may read */
	long leaks;	/* records that name something inside one it may not, or watch one */
};

/*
 * Becomes the maker, for good: supplementary groups PRIV_GID and PRIV_GROUP, real and
 * effective gid PRIV_GID (PRIV_GROUP saved, for its directories of that group), uid
 * PRIV_UID everywhere, umask 0. For a process of its own, forked as root: 0, or -1.
 */
int priv_become(void);

/* Runs the churn of c until *c->stop, in the calling process, which priv_become() made. */
void priv_churn(struct priv_churn *c);

/*
 * Whether the calling thread's credentials (euid, egid, supplementary groups) may read a
 * directory of the maker's with mode and gid. Euid 0 may read all: the tests' root keeps
 * its capabilities, and their other users have none.
 */
int priv_may_read(unsigned int mode, unsigned int gid);

/*
 * Judges the records buf[0..n), which records_check() has found well formed and the
 * calling thread has read: counts them in *seen, and returns how many are leaks (a record
 * that names something inside a directory of the maker's that the caller may not read, or
 * a RIN_WATCHED record of such a directory); the first is described in why[0..size).
 */
int priv_judge(const void *buf, size_t n, struct priv_seen *seen, char *why, size_t size);

#endif /* RINOTIFY_LIB_PRIVATE_DIRS_H */
