// SPDX-License-Identifier: GPL-2.0
/*
 * Another user's directories in the watchers' trees (see private_dirs.h).
 */
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "file.h"
#include "private_dirs.h"

/* RIN_WATCHED and RIN_RESCAN of <linux/rinotify.h>, which clashes with <sys/inotify.h>. */
#define TREE_WATCHED	0x00100000
#define TREE_RESCAN	0x00200000

/*
 * The modes and groups of the maker's directories. The first PRIV_CLOSED no watcher of the
 * tests may read (none is in PRIV_GID): the owner's alone, the owner's and a group the
 * watcher lacks, searchable but not readable. The others are for contrast: anyone's, and
 * PRIV_GROUP's, which the tests' unprivileged watchers are in.
 */
static const struct priv_class {
	unsigned int mode, gid;
} classes[] = {
	{ 0700, PRIV_GID }, { 0750, PRIV_GID }, { 0711, PRIV_GID },
	{ 0755, PRIV_GID }, { 0750, PRIV_GROUP },
};

#define PRIV_CLOSED	3
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* splitmix64: the maker's own sequence, from the caller's seed. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(uint64_t *s, unsigned int n)
{
	return next(s) % n;
}

int priv_become(void)
{
	static const gid_t groups[] = { PRIV_GID, PRIV_GROUP };

	if (setgroups(2, groups) || setresgid(PRIV_GID, PRIV_GID, PRIV_GROUP) ||
	    setresuid(PRIV_UID, PRIV_UID, PRIV_UID))
		return -1;
	umask(0);
	return 0;
}

/* rename(from, to) of a directory into, within or out of the trees, timed. */
static int tree_rename(struct priv_churn *c, const char *from, const char *to)
{
	int64_t t0 = now_ns();
	int ret = rename(from, to);

	call_timed(&c->tree_calls, t0);
	return ret;
}

/*
 * mkdir() of path with the mode and group of class k (the effective gid is the new
 * directory's group), then its files, and now and then a subdirectory with a file: 0, or
 * -1 if path could not be made. The mkdir() is timed if path is in the trees (in_tree).
 */
static int make_dir(struct priv_churn *c, const char *path, const struct priv_class *k,
		    uint64_t *s, int in_tree)
{
	char p[PATH_MAX];
	int ret, files = 1 + below(s, 3);
	int64_t t0;

	if (setresgid(-1, k->gid, -1))
		return -1;
	t0 = now_ns();
	ret = mkdir(path, k->mode);
	if (in_tree)
		call_timed(&c->tree_calls, t0);
	if (!ret) {
		c->made++;
		if (k < classes + PRIV_CLOSED)
			c->made_private++;
		for (int i = 0; i < files; i++) {
			snprintf(p, sizeof(p), "%s/B.%04o.%u.i%d", path, k->mode, k->gid, i);
			write_file(p, 1);
		}
		snprintf(p, sizeof(p), "%s/B.%04o.%u.s", path, k->mode, k->gid);
		if (below(s, 3) == 0 && !mkdir(p, k->mode)) {
			c->made++;
			snprintf(p, sizeof(p), "%s/B.%04o.%u.s/B.%04o.%u.i0", path, k->mode, k->gid,
				 k->mode, k->gid);
			write_file(p, 1);
		}
	}
	setresgid(-1, PRIV_GID, -1);
	return ret;
}

/* One step of the churn: what it does fails now and then (ENOENT, EEXIST), as it may. */
static void churn_step(struct priv_churn *c, uint64_t *s)
{
	/* Mostly the directories no watcher may read. */
	unsigned int nopen = ARRAY_SIZE(classes) - PRIV_CLOSED;
	const struct priv_class *k = below(s, 10) < 7 ? &classes[below(s, PRIV_CLOSED)] :
				     &classes[PRIV_CLOSED + below(s, nopen)];
	const char *here = c->dirs[below(s, c->ndirs)], *there = c->dirs[below(s, c->ndirs)];
	unsigned int n = below(s, 4), j = below(s, 4);
	char name[32], d[PATH_MAX - 64], e[PATH_MAX], f[PATH_MAX];
	struct stat st;
	int64_t t0;

	snprintf(name, sizeof(name), "B.%04o.%u", k->mode, k->gid);
	snprintf(d, sizeof(d), "%s/%s.d%u", here, name, n);
	switch (below(s, 9)) {
	case 0:
	case 1:
		make_dir(c, d, k, s, 1);
		break;
	case 2:
		/* A file made in it, or written again. */
		snprintf(e, sizeof(e), "%s/%s.i%u", d, name, j);
		t0 = now_ns();
		write_file(e, 1);
		call_timed(&c->other_calls, t0);
		break;
	case 3:
		/* Moved within the trees. */
		snprintf(e, sizeof(e), "%s/%s.d%u", there, name, below(s, 4));
		tree_rename(c, d, e);
		break;
	case 4:
		/* Out of the trees, or back in. */
		snprintf(e, sizeof(e), "%s/%s.d%u", c->outside, name, n);
		if (below(s, 2)) {
			if (!tree_rename(c, d, e))
				c->moved_out++;
		} else if (!tree_rename(c, e, d)) {
			c->moved_in++;
		}
		break;
	case 5:
		/* Made and filled outside, then moved in whole. */
		snprintf(e, sizeof(e), "%s/%s.d%u", c->outside, name, n);
		if (!make_dir(c, e, k, s, 0) && !tree_rename(c, e, d))
			c->moved_in++;
		break;
	case 6:
		/* A file moved out of it into a shared directory: a name of no inside. */
		snprintf(e, sizeof(e), "%s/%s.i%u", d, name, j);
		snprintf(f, sizeof(f), "%s/B.o%u", there, j);
		t0 = now_ns();
		rename(e, f);
		call_timed(&c->other_calls, t0);
		break;
	case 7:
		/* A file moved into it from a shared directory (made there if need be). */
		snprintf(f, sizeof(f), "%s/B.o%u", there, j);
		if (lstat(f, &st))
			write_file(f, 1);
		snprintf(e, sizeof(e), "%s/%s.i%u", d, name, j);
		t0 = now_ns();
		rename(f, e);
		call_timed(&c->other_calls, t0);
		break;
	default:
		/* Removed whole. */
		if (!lstat(d, &st) && !rm_tree(d))
			c->removed++;
	}
	c->ops++;
}

void priv_churn(struct priv_churn *c)
{
	uint64_t s = c->seed;

	while (!__atomic_load_n(c->stop, __ATOMIC_RELAXED)) {
		churn_step(c, &s);
		/*
		 * Under emulation, a loop without a pause takes the CPU from the others: the
		 * watchers and the load the test is about.
		 */
		if (c->ops % 4 == 0)
			usleep(2000);
	}
}

int priv_may_read(unsigned int mode, unsigned int gid)
{
	gid_t groups[64];
	uid_t euid = geteuid();
	int shift = 0, n;

	if (euid == 0)
		return 1;
	if (euid == PRIV_UID) {
		shift = 6;
	} else if (getegid() == gid) {
		shift = 3;
	} else {
		n = getgroups(64, groups);
		for (int i = 0; i < n; i++)
			if (groups[i] == gid)
				shift = 3;
	}
	return (mode >> shift) & 04;
}

/* What a name is: none of the maker's, one of its directories, or what one holds. */
enum { NAME_OTHER, NAME_DIR, NAME_INSIDE };

static int name_kind(const char *name, unsigned int *mode, unsigned int *gid)
{
	char kind;

	if (strncmp(name, "B.", 2) || sscanf(name, "B.%o.%u.%c", mode, gid, &kind) != 3)
		return NAME_OTHER;
	if (kind == 'd')
		return NAME_DIR;
	return kind == 'i' || kind == 's' ? NAME_INSIDE : NAME_OTHER;
}

static void add(long *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

int priv_judge(const void *buf, size_t n, struct priv_seen *seen, char *why, size_t size)
{
	size_t off = 0;
	int leaks = 0;

	while (off + sizeof(struct inotify_event) <= n) {
		const char *name = (const char *)buf + off + sizeof(struct inotify_event);
		struct inotify_event ie;
		unsigned int mode, gid;
		int kind, may;

		memcpy(&ie, (const char *)buf + off, sizeof(ie));
		off += sizeof(ie) + ie.len;
		if (!ie.len || off > n)
			continue;
		kind = name_kind(name, &mode, &gid);
		if (kind == NAME_OTHER)
			continue;
		may = priv_may_read(mode, gid);
		if (kind == NAME_DIR && !(ie.mask & TREE_WATCHED)) {
			if (!may && (ie.mask & TREE_RESCAN))
				add(&seen->refused);
			continue;
		}
		if (may) {
			add(kind == NAME_DIR ? &seen->followed : &seen->inside);
			continue;
		}
		add(&seen->leaks);
		if (!leaks++)
			snprintf(why, size,
				 "wd %d mask %#x name %s: %s a directory of uid %d with mode 0%o and group %u, which uid %u (gid %u) may not read",
				 ie.wd, ie.mask, name, kind == NAME_DIR ? "watches" : "inside",
				 PRIV_UID, mode, gid, (unsigned int)geteuid(),
				 (unsigned int)getegid());
	}
	return leaks;
}
