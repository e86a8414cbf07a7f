// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: several processes and threads hammer rinotify for a bounded time, then the run is
 * judged. RIT_STRESS_SECONDS (from `make stress SECONDS=N` through vm.sh ENV=; 10 by default,
 * the short run of `make check`) is the length of the churn.
 *
 * - churners (2 processes): create, write, rename across directories, unlink, mkdir and
 *   rmdir of watched directories, mount and umount of a tmpfs on a watched directory;
 * - watchers (2 processes, root and nobody): several instances shared by threads that add
 *   and remove watches (also with INOTIFY_IOC_SETNEXTWD, so descriptors are reused, in
 *   batches, and as tree watches of churned directories, which the churners then move
 *   directories into and out of and delete under), read
 *   and poll from two threads (and block in read on another instance), close and reopen
 *   instances while events are in flight, dup them and fork children that use the
 *   duplicate, read their fdinfo, FIONREAD, and switch O_ASYNC;
 * - a sysctl changer: max_queued_events, max_user_watches, max_user_instances under load;
 * - a second user (uid 2000, private_dirs.h) makes directories of its own in the churned
 *   directories that the tree watches hold, most of them private (0700, 0750 of a group
 *   the watchers lack, 0711), fills them, moves them within the trees, out and back in,
 *   moves files in and out, and removes them;
 * - the main process tries rmmod throughout (refused: it holds an instance open).
 *
 * The events of a deterministic subset (a process doing a fixed sequence in its own
 * directory, watched by a native inotify instance and a rinotify instance opened before the
 * load starts) must be the same on both, record for record. At the end: no process saw an
 * unexpected errno or a malformed record, no record that the unprivileged watcher read
 * watches, or names anything inside, a directory of uid 2000's that it may not read, every
 * per-user counter of /sys/kernel/debug/rinotify/users is gone, rmmod succeeds and the
 * module loads again.
 * Kernel splats and kmemleak reports are judged by `make check` itself.
 *
 * module_exit_under_load: insmod/rmmod cycles, each unloading as soon as the last instance
 * (watching inodes that another process deletes meanwhile) is closed.
 *
 * sysctl_file_open_across_rmmod: an open sysctl file does not pin the module (module_test's
 * rmmod_refused_while_debugfs_file_open shows that a debugfs file does), and fails safely
 * after the unload.
 *
 * wd_not_reused_before_ignored: after rm_watch and INOTIFY_IOC_SETNEXTWD, a concurrent
 * add_watch gets the old descriptor only once the old watch's IN_IGNORED is queued (native
 * inotify and rinotify).
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "uapi.h"

#include "kselftest_harness.h"
#include "backend.h"
#include "clock.h"
#include "file.h"
#include "latency.h"
#include "module.h"
#include "private_dirs.h"
#include "records.h"
#include "sysctl.h"

#define USERS		"/sys/kernel/debug/rinotify/users"
#define NOBODY		65534

#define NR_CHURN_DIRS	4
#define NR_NAMES	8
#define NR_INST		4
#define NR_ERRS		64

/* What the processes report; in shared memory. */
struct shared {
	int stop;		/* 1: the load ends; 2: it has ended, drain the queues */
	long adds, add_ok, rms, reads, records, overflows, closes, forks, sysctl_writes;
	long churn_ops, mounts, rmmod_refused, users_reads, probes, blocking_reads;
	long interrupted_reads, signals, trees, tree_ok, batches;
	/* What uid 2000 did, and what the two watchers (root's, nobody's) read of it. */
	struct priv_churn churn;
	struct priv_seen seen[2];
	/* Unexpected results: one line each, the first NR_ERRS kept. */
	int nerr;
	char err[NR_ERRS][160];
};

static struct shared *sh;
static char base[64];

static void failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failure(const char *fmt, ...)
{
	int i = __atomic_fetch_add(&sh->nerr, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (i >= NR_ERRS)
		return;
	va_start(ap, fmt);
	vsnprintf(sh->err[i], sizeof(sh->err[i]), fmt, ap);
	va_end(ap);
}

static void count(long *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* What the main process says of the run: 0 while it goes on, then 1, then 2. */
static int stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

static void set_stop(int stage)
{
	__atomic_store_n(&sh->stop, stage, __ATOMIC_RELAXED);
}

/* xorshift: every process and thread its own deterministic sequence. */
static unsigned int rnd(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Reads the debugfs file of per-user counts into buf; returns its length, -1 with errno if
 * it cannot be read. Every line must be "uid:U instances:I watches:W" with I > 0, W >= 0.
 */
static ssize_t read_users(char *buf, size_t size, int *malformed)
{
	ssize_t len = read_file(USERS, buf, size);
	char *line, *next;

	if (len < 0)
		return -1;
	*malformed = 0;
	for (line = buf; *line; line = next) {
		unsigned int uid;
		int inst, watches;

		next = line + strcspn(line, "\n");
		if (*next)
			next++;
		if (sscanf(line, "uid:%u instances:%d watches:%d", &uid, &inst, &watches) != 3 ||
		    inst <= 0 || watches < 0)
			*malformed = 1;
	}
	return len;
}

/* Waits up to 5 s for the per-user counters to be gone; returns what is left ("" if none). */
static const char *users_settled(void)
{
	static char buf[4096];
	int malformed;

	for (int i = 0; i < 500; i++) {
		if (read_users(buf, sizeof(buf), &malformed) < 0) {
			snprintf(buf, sizeof(buf), "cannot read " USERS ": %s", strerror(errno));
			return buf;
		}
		if (!buf[0])
			return buf;
		usleep(10 * 1000);
	}
	return buf;
}

/* ---- the tree ------------------------------------------------------------------------ */

/* A path of the churned tree: cN, cN/fM, cN/dM, cN/dM/fK, c0/mnt, c0/mnt/fM, acct/... */
static void random_path(unsigned int *s, char *out, size_t size, int for_watch)
{
	int c = rnd(s) % NR_CHURN_DIRS, m = rnd(s) % NR_NAMES, k = rnd(s) % NR_NAMES;

	/* The churners leave the top directories (and so the mount point) in place. */
	switch (for_watch ? rnd(s) % 8 : 1 + rnd(s) % 5) {
	case 0:
		snprintf(out, size, "%s/c%d", base, c);
		break;
	case 1:
	case 2:
		snprintf(out, size, "%s/c%d/f%d", base, c, m);
		break;
	case 3:
		snprintf(out, size, "%s/c%d/d%d", base, c, m);
		break;
	case 4:
		snprintf(out, size, "%s/c%d/d%d/f%d", base, c, m, k);
		break;
	case 5:
		snprintf(out, size, "%s/c0/mnt/f%d", base, m);
		break;
	case 6:
		snprintf(out, size, "%s/c0/mnt", base);
		break;
	default:
		snprintf(out, size, "%s/acct/%s", base, m & 1 ? "a" : "b");
		break;
	}
}

static void churner(int id)
{
	unsigned int s = 0x9e3779b9u * (id + 1);
	char a[128], b[160], mnt[128];
	int fd, mounted = 0, i = 0;

	snprintf(mnt, sizeof(mnt), "%s/c0/mnt", base);
	while (!stopping()) {
		random_path(&s, a, sizeof(a), 0);
		switch (rnd(&s) % 8) {
		case 0:
		case 1:
			fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
			if (fd >= 0) {
				if (write(fd, "x", 1) < 0)
					failure("churn write %s: %s", a, strerror(errno));
				close(fd);
			}
			break;
		case 2:
		case 3:
			/* Across directories, files and directories alike. */
			random_path(&s, b, sizeof(b), 0);
			if (rename(a, b) && errno != ENOENT && errno != ENOTDIR &&
			    errno != EISDIR && errno != ENOTEMPTY && errno != EINVAL &&
			    errno != EXDEV && errno != EBUSY)
				failure("churn rename %s %s: %s", a, b, strerror(errno));
			break;
		case 4:
			unlink(a);
			break;
		case 5: {
			char *slash;

			/* A directory: mkdir, or empty it and rmdir it (with its watches). */
			slash = strrchr(a, '/');
			if (slash && slash[1] == 'f')
				slash[1] = 'd';
			if (!mkdir(a, 0777))
				break;
			for (int k = 0; k < NR_NAMES; k++) {
				snprintf(b, sizeof(b), "%s/f%d", a, k);
				unlink(b);
			}
			rmdir(a);
			break;
		}
		case 6:
			if (id != 0)
				break;
			/* A tmpfs comes and goes on a watched directory (umount: IN_UNMOUNT). */
			if (!mounted && !mount("stress", mnt, "tmpfs", 0, "size=4m,mode=0777")) {
				mounted = 1;
				count(&sh->mounts);
			} else if (mounted && (rnd(&s) % 4 == 0)) {
				if (!umount2(mnt, 0))
					mounted = 0;
				else if (errno != EBUSY)
					failure("umount %s: %s", mnt, strerror(errno));
			}
			break;
		default:
			fd = open(a, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			break;
		}
		count(&sh->churn_ops);
		if (++i % 64 == 0)
			usleep(1000);
	}
	if (mounted && umount2(mnt, 0) && umount2(mnt, MNT_DETACH))
		failure("final umount %s: %s", mnt, strerror(errno));
}

/* ---- watchers ------------------------------------------------------------------------ */

static int inst[NR_INST];
static unsigned int watcher_seed;
/* 0 for root's watcher, 1 for nobody's. */
static int watcher_id;
static pthread_t blocked_reader;

static int load_fd(int i)
{
	return __atomic_load_n(&inst[i], __ATOMIC_RELAXED);
}

static int errno_in(int err, const int *list)
{
	for (; *list; list++)
		if (err == *list)
			return 1;
	return 0;
}

/*
 * Judges the well-formed records buf[0..n) that this watcher read: none may watch, or name
 * anything inside, a directory of uid 2000's that the watcher's user may not read.
 */
static void judge(const char *buf, ssize_t n)
{
	char why[256];

	if (priv_judge(buf, n, &sh->seen[watcher_id], why, sizeof(why)))
		failure("%s", why);
}

/*
 * A tree watch on one of the churned directories, which the churners change under it
 * (moves in and out, rmdir, the mount on c0/mnt), or a batch of watches.
 */
static void tree_or_batch(int fd, unsigned int *s, uint32_t events)
{
	static const int ok[] = { ENOENT, ENOTDIR, ENOSPC, EACCES, EBADF, EINTR, 0 };
	struct rinotify_watch_at e[4];
	char path[128], paths[4][128];
	struct rinotify_tree t = {
		.pathname = (uintptr_t)path,
		.dirfd = AT_FDCWD,
		.mask = events | IN_CREATE,
	};
	int ret;

	if (rnd(s) % 2) {
		/*
		 * Not the whole tree: its crawl would open and read acct/, whose events must
		 * come from the subset's process alone, in one order for both instances.
		 */
		snprintf(path, sizeof(path), "%s/c%u", base, rnd(s) % NR_CHURN_DIRS);
		count(&sh->trees);
		ret = ioctl(fd, RINOTIFY_IOC_ADD_TREE, &t);
		if (ret > 0)
			count(&sh->tree_ok);
		else if (fd >= 0 && !errno_in(errno, ok))
			failure("add_tree %s %#x: %d %s", path, t.mask, ret, strerror(errno));
		return;
	}
	for (int i = 0; i < 4; i++) {
		random_path(s, paths[i], sizeof(paths[i]), 1);
		e[i] = (struct rinotify_watch_at){
			.pathname = (uintptr_t)paths[i],
			.dirfd = AT_FDCWD,
			.mask = events | IN_CREATE,
		};
	}
	count(&sh->batches);
	ret = rinotify_add_watches(fd, e, 4);
	if (ret < 0 && fd >= 0 && !errno_in(errno, ok))
		failure("add_watches: %d %s", ret, strerror(errno));
	for (int i = 0; i < ret; i++)
		if (e[i].result < 0 && !errno_in(-e[i].result, ok))
			failure("add_watches %s: %s", paths[i], strerror(-e[i].result));
}

static void *adder(void *arg)
{
	static const int ok[] = { ENOENT, ENOTDIR, EEXIST, ENOSPC, EACCES, EBADF, 0 };
	static const uint32_t flags[] = { 0, IN_ONESHOT, IN_EXCL_UNLINK, IN_MASK_ADD,
					  IN_MASK_CREATE, IN_ONLYDIR, IN_DONT_FOLLOW, 0 };
	unsigned int s = watcher_seed * 7 + (uintptr_t)arg;
	char path[128];
	int fd, wd;
	uint32_t mask;

	while (!stopping()) {
		fd = load_fd(rnd(&s) % NR_INST);
		random_path(&s, path, sizeof(path), 1);
		mask = (rnd(&s) & IN_ALL_EVENTS) | IN_CREATE | flags[rnd(&s) % 8];
		/* Low descriptors come back; near INT_MAX the allocator wraps. */
		if (rnd(&s) % 16 == 0 &&
		    ioctl(fd, INOTIFY_IOC_SETNEXTWD,
			  rnd(&s) % 8 ? 1 + rnd(&s) % 4 : INT32_MAX - rnd(&s) % 3) &&
		    errno != EBADF)
			failure("SETNEXTWD: %s", strerror(errno));
		if (rnd(&s) % 8 == 0) {
			tree_or_batch(fd, &s, mask & IN_ALL_EVENTS);
			continue;
		}
		count(&sh->adds);
		wd = rinotify_add_watch(fd, path, mask);
		if (wd > 0)
			count(&sh->add_ok);
		else if (fd >= 0 && !errno_in(errno, ok))
			failure("add_watch %s %#x: %d %s", path, mask, wd, strerror(errno));
	}
	return NULL;
}

static void *remover(void *arg)
{
	unsigned int s = watcher_seed * 11 + 1;

	while (!stopping()) {
		int fd = load_fd(rnd(&s) % NR_INST);

		count(&sh->rms);
		if (rinotify_rm_watch(fd, 1 + rnd(&s) % 48) && fd >= 0 && errno != EINVAL &&
		    errno != EBADF)
			failure("rm_watch: %s", strerror(errno));
		/* A tight loop here would starve the churners of CPU under emulation. */
		if (rnd(&s) % 4 == 0)
			usleep(1000);
	}
	return NULL;
}

static void read_one(int fd, unsigned int *s)
{
	static const size_t sizes[] = { 1, 16, 31, 32, 48, 100, 1024, 4096 };
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t size = sizes[rnd(s) % 8];
	long overflows = 0;
	char why[128];
	ssize_t n;
	int nrec;

	n = read(fd, buf, size);
	count(&sh->reads);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINVAL && errno != EBADF)
			failure("read(%zu): %s", size, strerror(errno));
		return;
	}
	nrec = records_check(buf, n, &overflows, why, sizeof(why));
	if (nrec < 0)
		failure("read(%zu) = %zd: malformed records: %s", size, n, why);
	else if (n == 0)
		failure("read(%zu) = 0", size);
	else
		__atomic_fetch_add(&sh->records, nrec, __ATOMIC_RELAXED);
	if (nrec > 0)
		judge(buf, n);
	__atomic_fetch_add(&sh->overflows, overflows, __ATOMIC_RELAXED);
}

static void *reader(void *arg)
{
	unsigned int s = watcher_seed * 13 + (uintptr_t)arg;
	struct pollfd pfd[NR_INST];
	int i, n;

	while (!stopping()) {
		for (i = 0; i < NR_INST; i++) {
			pfd[i].fd = load_fd(i);
			pfd[i].events = POLLIN;
		}
		n = poll(pfd, NR_INST, 50);
		if (n < 0 && errno != EINTR) {
			failure("poll: %s", strerror(errno));
			continue;
		}
		for (i = 0; i < NR_INST; i++)
			if (pfd[i].revents & POLLIN)
				read_one(pfd[i].fd, &s);
	}
	return NULL;
}

/*
 * Reads the instances' fdinfo (watch lines), asks FIONREAD, and switches O_ASYNC (SIGIO,
 * ignored here) on and off, all while the others add, remove, read and close.
 */
static void *prober(void *arg)
{
	unsigned int s = watcher_seed * 19 + 5;
	char path[64], buf[4096];
	int fd, n, flags;

	while (!stopping()) {
		fd = load_fd(rnd(&s) % NR_INST);
		if (fd < 0) {
			usleep(1000);
			continue;
		}
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		n = open(path, O_RDONLY | O_CLOEXEC);
		if (n >= 0) {
			while (read(n, buf, sizeof(buf)) > 0)
				;
			close(n);
		}
		n = 0;
		if (ioctl(fd, FIONREAD, &n)) {
			if (errno != EBADF)
				failure("FIONREAD: %s", strerror(errno));
		} else if (n < 0 || n % 16) {
			failure("FIONREAD: %d", n);
		}
		flags = fcntl(fd, F_GETFL);
		if (flags >= 0 && fcntl(fd, F_SETOWN, getpid()) == 0)
			fcntl(fd, F_SETFL, flags ^ O_ASYNC);
		/* Interrupts the blocked reader often (EINTR: no SA_RESTART). */
		if (rnd(&s) % 16 == 0)
			pthread_kill(blocked_reader, SIGUSR1);
		count(&sh->probes);
		usleep(2000);
	}
	return NULL;
}

/* Blocks in read() on a blocking duplicate; interrupted by a signal at the end. */
static void *blocking_reader(void *arg)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	long overflows = 0;
	char why[128];
	ssize_t n;
	int fd = (int)(uintptr_t)arg, nrec;

	while (!stopping()) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno != EINTR)
				failure("blocking read: %s", strerror(errno));
			else
				count(&sh->interrupted_reads);
			continue;
		}
		nrec = records_check(buf, n, &overflows, why, sizeof(why));
		if (nrec < 0)
			failure("blocking read = %zd: malformed records: %s", n, why);
		else if (nrec == 0)
			failure("blocking read = 0");
		else
			__atomic_fetch_add(&sh->records, nrec, __ATOMIC_RELAXED);
		if (nrec > 0)
			judge(buf, n);
		count(&sh->blocking_reads);
	}
	return NULL;
}

static void on_signal(int sig)
{
	count(&sh->signals);
}

/* A forked child uses a duplicate of an instance (a shared file), then exits. */
static void fork_user(int fd, unsigned int *s)
{
	char path[128];
	pid_t pid;
	int dupfd = dup(fd), status;

	if (dupfd < 0)
		return;
	pid = fork();
	if (pid == 0) {
		random_path(s, path, sizeof(path), 1);
		rinotify_add_watch(dupfd, path, IN_ALL_EVENTS);
		read_one(dupfd, s);
		_exit(0);
	}
	close(dupfd);
	if (pid > 0) {
		count(&sh->forks);
		waitpid(pid, &status, 0);
	}
}

/* Closes and reopens instances (queued events and watches go with them), dups and forks. */
static void *closer(void *arg)
{
	unsigned int s = watcher_seed * 17 + 3;
	int i, fd, old;

	while (!stopping()) {
		usleep(20 * 1000 + rnd(&s) % 30000);
		i = rnd(&s) % NR_INST;
		if (rnd(&s) % 3 == 0) {
			fd = load_fd(i);
			if (fd >= 0)
				fork_user(fd, &s);
			continue;
		}
		fd = open(RINOTIFY_DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			if (errno != EMFILE)
				failure("open: %s", strerror(errno));
			continue;
		}
		old = load_fd(i);
		if (old < 0) {
			__atomic_store_n(&inst[i], fd, __ATOMIC_RELAXED);
			continue;
		}
		/*
		 * The new instance takes the old one's place under the same fd number (the old
		 * file is closed), so that the other threads never use an fd that some other
		 * file got meanwhile.
		 */
		if (dup2(fd, old) < 0)
			failure("dup2: %s", strerror(errno));
		close(fd);
		count(&sh->closes);
	}
	return NULL;
}

static void watcher(int id)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int i, nt = 0, blocking;
	pthread_t t[8];

	watcher_seed = 0x85ebca6bu * (id + 1);
	watcher_id = id;
	signal(SIGIO, SIG_IGN);
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < NR_INST; i++)
		inst[i] = open(RINOTIFY_DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* One more instance, blocking, read by a thread that sleeps in read(). */
	blocking = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	if (blocking < 0)
		failure("open: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/c%d", base, i);
		rinotify_add_watch(blocking, path, IN_ALL_EVENTS);
	}
	pthread_create(&t[nt++], NULL, blocking_reader, (void *)(uintptr_t)blocking);
	blocked_reader = t[0];
	pthread_create(&t[nt++], NULL, prober, NULL);
	pthread_create(&t[nt++], NULL, adder, (void *)1);
	pthread_create(&t[nt++], NULL, adder, (void *)2);
	pthread_create(&t[nt++], NULL, remover, NULL);
	pthread_create(&t[nt++], NULL, reader, (void *)1);
	pthread_create(&t[nt++], NULL, reader, (void *)2);
	pthread_create(&t[nt++], NULL, closer, NULL);
	/* Wakes the blocked reader until it has seen the stop. */
	while (pthread_tryjoin_np(t[0], NULL)) {
		pthread_kill(t[0], SIGUSR1);
		usleep(10 * 1000);
	}
	for (i = 1; i < nt; i++)
		pthread_join(t[i], NULL);
	close(blocking);
	/* Close with events and watches in place. */
	for (i = 0; i < NR_INST; i++)
		if (inst[i] >= 0)
			close(inst[i]);
}

/* ---- sysctls ------------------------------------------------------------------------- */

static const char *const knobs[] = { "max_queued_events", "max_user_watches",
				     "max_user_instances" };
static const long values[3][3] = {
	{ 1, 16, 16384 },
	{ 8, 64, 8192 },
	{ 2, 6, 128 },
};

static void sysctl_changer(void)
{
	unsigned int s = 77;
	long value;
	int k;

	while (!stopping()) {
		k = rnd(&s) % 3;
		value = values[k][rnd(&s) % 3];
		if (sysctl_set(RINOTIFY_SYSCTL_DIR, knobs[k], value))
			failure("write %s %ld: %s", knobs[k], value, strerror(errno));
		count(&sh->sysctl_writes);
		usleep(30 * 1000);
	}
}

/* Reads the per-user counters while everything runs. */
static void users_reader(void)
{
	char buf[4096];
	int malformed;

	while (!stopping()) {
		if (read_users(buf, sizeof(buf), &malformed) < 0)
			failure("read " USERS ": %s", strerror(errno));
		else if (malformed)
			failure("malformed " USERS ": %.100s", buf);
		count(&sh->users_reads);
		usleep(50 * 1000);
	}
}

/* ---- the deterministic subset -------------------------------------------------------- */

#define ACCT_MAX	200000

struct acct {
	int fd;
	int n, overflow;
	struct {
		int32_t wd;
		uint32_t mask, cookie;
		char name[24];
	} *ev;
};

static void *acct_reader(void *arg)
{
	struct acct *a = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	int last = 0;

	for (;;) {
		ssize_t n, off;

		if (!last && stopping() == 2)
			last = 1;	/* one more drain after the workload ended */
		else if (last)
			break;
		poll(&pfd, 1, 20);
		while ((n = read(a->fd, buf, sizeof(buf))) > 0) {
			for (off = 0; off < n;) {
				const struct inotify_event *ev = (const void *)(buf + off);

				if (ev->mask == IN_Q_OVERFLOW)
					a->overflow++;
				if (a->n < ACCT_MAX) {
					a->ev[a->n].wd = ev->wd;
					a->ev[a->n].mask = ev->mask;
					a->ev[a->n].cookie = ev->cookie;
					snprintf(a->ev[a->n].name, sizeof(a->ev[0].name), "%s",
						 ev->len ? ev->name : "");
					a->n++;
				}
				off += sizeof(*ev) + ev->len;
			}
		}
	}
	return NULL;
}

/* The fixed sequence, in acct/: every kind of event the watches below report. */
static void acct_workload(void)
{
	char p[128], q[128];
	int i = 0, fd;

	while (!stopping()) {
		snprintf(p, sizeof(p), "%s/acct/a/f%d", base, i);
		snprintf(q, sizeof(q), "%s/acct/b/g%d", base, i);
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "data", 4) != 4)
			failure("acct create %s: %s", p, strerror(errno));
		close(fd);
		if (chmod(p, 0600) || rename(p, q))
			failure("acct rename %s: %s", p, strerror(errno));
		fd = open(q, O_RDONLY | O_CLOEXEC);
		close(fd);
		snprintf(p, sizeof(p), "%s/acct/a/d%d", base, i);
		if (mkdir(p, 0755) || rmdir(p) || unlink(q))
			failure("acct dir %s: %s", p, strerror(errno));
		i++;
		usleep(2000);
	}
}

static const char *const acct_paths[] = { "acct", "acct/a", "acct/b" };

/* Compares the two event streams; returns a description of the first difference or NULL. */
static const char *acct_compare(struct acct *nat, struct acct *rin, char *msg, size_t size)
{
	/* Cookies: the k-th distinct cookie of one stream must be the k-th of the other. */
	static uint32_t cn[ACCT_MAX], cr[ACCT_MAX];
	int ncn = 0, ncr = 0;

	if (nat->overflow || rin->overflow) {
		snprintf(msg, size, "overflow: native %d, rinotify %d", nat->overflow,
			 rin->overflow);
		return msg;
	}
	if (nat->n != rin->n) {
		snprintf(msg, size, "native read %d events, rinotify %d", nat->n, rin->n);
		return msg;
	}
	for (int i = 0; i < nat->n; i++) {
		int kn = -1, kr = -1;

		if (nat->ev[i].cookie) {
			for (kn = 0; kn < ncn && cn[kn] != nat->ev[i].cookie; kn++)
				;
			if (kn == ncn)
				cn[ncn++] = nat->ev[i].cookie;
		}
		if (rin->ev[i].cookie) {
			for (kr = 0; kr < ncr && cr[kr] != rin->ev[i].cookie; kr++)
				;
			if (kr == ncr)
				cr[ncr++] = rin->ev[i].cookie;
		}
		/* Only recent cookies matter: keep the tables short. */
		if (ncn > 64 && ncr > 64 && ncn == ncr) {
			memmove(cn, cn + 32, (ncn - 32) * sizeof(cn[0]));
			memmove(cr, cr + 32, (ncr - 32) * sizeof(cr[0]));
			ncn -= 32;
			ncr -= 32;
		}
		if (nat->ev[i].wd != rin->ev[i].wd || nat->ev[i].mask != rin->ev[i].mask ||
		    strcmp(nat->ev[i].name, rin->ev[i].name) || kn != kr) {
			snprintf(msg, size,
				 "event %d: native wd %d mask %#x %s, rinotify wd %d mask %#x %s",
				 i, nat->ev[i].wd, nat->ev[i].mask, nat->ev[i].name,
				 rin->ev[i].wd, rin->ev[i].mask, rin->ev[i].name);
			return msg;
		}
	}
	return NULL;
}

static int acct_open(struct acct *a, const struct backend *b)
{
	char path[128];

	a->ev = calloc(ACCT_MAX, sizeof(a->ev[0]));
	a->fd = b->init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!a->ev || a->fd < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(acct_paths); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, acct_paths[i]);
		if (b->add_watch(a->fd, path, IN_ALL_EVENTS) != (int)i + 1)
			return -1;
	}
	return 0;
}

/* fn(arg) in a process of its own, as uid (also its gid; PRIV_GROUP too) unless 0. */
static pid_t spawn(void (*fn)(int), int arg, uid_t uid)
{
	gid_t groups[] = { uid, PRIV_GROUP };
	pid_t pid = fork();

	if (pid == 0) {
		if (uid && (setgroups(2, groups) || setgid(uid) || setuid(uid)))
			_exit(100);
		fn(arg);
		_exit(0);
	}
	return pid;
}

static void run_sysctl_changer(int unused)
{
	sysctl_changer();
}

static void run_users_reader(int unused)
{
	users_reader();
}

static void run_acct(int unused)
{
	acct_workload();
}

/* uid 2000's directories, in the churned directories of the trees and outside them. */
static void run_private_dirs(int unused)
{
	static char dirs[NR_CHURN_DIRS][128], outside[128];
	static const char *names[NR_CHURN_DIRS];

	for (int c = 0; c < NR_CHURN_DIRS; c++) {
		snprintf(dirs[c], sizeof(dirs[c]), "%s/c%d", base, c);
		names[c] = dirs[c];
	}
	snprintf(outside, sizeof(outside), "%s/outside", base);
	sh->churn = (struct priv_churn){
		.dirs = names,
		.ndirs = NR_CHURN_DIRS,
		.outside = outside,
		.seed = 0x2000,
		.stop = &sh->stop,
	};
	if (priv_become())
		_exit(100);
	priv_churn(&sh->churn);
}

static int stress_seconds(void)
{
	const char *s = getenv("RIT_STRESS_SECONDS");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : 10;
}

static void make_tree(void)
{
	char path[128];

	umask(0);
	snprintf(base, sizeof(base), "/tmp/rinotify-stress-%d", getpid());
	mkdir(base, 0777);
	for (int c = 0; c < NR_CHURN_DIRS; c++) {
		snprintf(path, sizeof(path), "%s/c%d", base, c);
		mkdir(path, 0777);
	}
	snprintf(path, sizeof(path), "%s/c0/mnt", base);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/outside", base);
	mkdir(path, 0777);
	for (size_t i = 0; i < ARRAY_SIZE(acct_paths); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, acct_paths[i]);
		mkdir(path, 0777);
	}
}

static void remove_tree(void)
{
	char mnt[128];

	snprintf(mnt, sizeof(mnt), "%s/c0/mnt", base);
	umount2(mnt, 0);
	if (rm_tree(base))
		fprintf(stderr, "# cannot remove %s: %s\n", base, strerror(errno));
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, churn, 7200)
{
	struct acct nat = { 0 }, rin = { 0 };
	long saved[3], end, rmmod_ok = 0;
	pthread_t tn, tr;
	pid_t pids[10];
	int npids = 0, status, i, seconds = stress_seconds();
	char msg[256];
	const char *left;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(sh != MAP_FAILED);
	ASSERT_TRUE(module_loaded());
	for (i = 0; i < 3; i++) {
		saved[i] = sysctl_get(RINOTIFY_SYSCTL_DIR, knobs[i]);
		ASSERT_LT(0, saved[i]);
	}
	make_tree();

	/* The deterministic subset: both instances exist before the load starts. */
	ASSERT_EQ(0, acct_open(&nat, &backend_native));
	ASSERT_EQ(0, acct_open(&rin, &backend_rinotify));
	ASSERT_EQ(0, pthread_create(&tn, NULL, acct_reader, &nat));
	ASSERT_EQ(0, pthread_create(&tr, NULL, acct_reader, &rin));

	TH_LOG("stress: %d s", seconds);
	pids[npids++] = spawn(churner, 0, 0);
	pids[npids++] = spawn(churner, 1, 0);
	pids[npids++] = spawn(watcher, 0, 0);
	pids[npids++] = spawn(watcher, 1, NOBODY);
	pids[npids++] = spawn(run_sysctl_changer, 0, 0);
	pids[npids++] = spawn(run_users_reader, 0, 0);
	pids[npids++] = spawn(run_acct, 0, 0);
	pids[npids++] = spawn(run_private_dirs, 0, 0);

	/* rmmod throughout: refused, since this process holds an instance. */
	end = now_ms() + seconds * 1000L;
	while (now_ms() < end) {
		if (module_unload() == 0) {
			rmmod_ok++;
			break;
		}
		if (errno != EWOULDBLOCK)
			failure("rmmod under load: %s", strerror(errno));
		sh->rmmod_refused++;
		usleep(20 * 1000);
	}
	set_stop(1);
	for (i = 0; i < npids; i++) {
		EXPECT_LT(0, pids[i]);
		if (pids[i] > 0) {
			EXPECT_EQ(pids[i], waitpid(pids[i], &status, 0));
			EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
				TH_LOG("process %d: status %#x", i, status);
		}
	}
	set_stop(2);
	pthread_join(tn, NULL);
	pthread_join(tr, NULL);

	TH_LOG("churn: %ld ops, %ld mounts; sysctl writes %ld; rmmod refused %ld times",
	       sh->churn_ops, sh->mounts, sh->sysctl_writes, sh->rmmod_refused);
	TH_LOG("watchers: %ld add_watch (%ld ok), %ld rm_watch, %ld reads + %ld blocking",
	       sh->adds, sh->add_ok, sh->rms, sh->reads, sh->blocking_reads);
	TH_LOG("  %ld tree watches (%ld ok), %ld batches of 4", sh->trees, sh->tree_ok,
	       sh->batches);
	TH_LOG("  (%ld interrupted by %ld signals), %ld records (%ld overflows), %ld closes,",
	       sh->interrupted_reads, sh->signals, sh->records, sh->overflows, sh->closes);
	TH_LOG("  %ld forks, %ld fdinfo/FIONREAD/O_ASYNC; %ld reads of %s", sh->forks,
	       sh->probes, sh->users_reads, USERS);
	TH_LOG("uid %d: %ld directories made (%ld that uid %d may not read), %ld moved out",
	       PRIV_UID, sh->churn.made, sh->churn.made_private, NOBODY, sh->churn.moved_out);
	TH_LOG("  of the trees and %ld in, %ld removed", sh->churn.moved_in, sh->churn.removed);
	for (i = 0; i < 2; i++) {
		TH_LOG("  %s's watcher: %ld RIN_RESCAN of those it may not read, %ld RIN_WATCHED",
		       i ? "nobody" : "root", sh->seen[i].refused, sh->seen[i].followed);
		TH_LOG("    of those it may, %ld records of what they hold: %ld leaks",
		       sh->seen[i].inside, sh->seen[i].leaks);
	}
	for (i = 0; i < sh->nerr && i < NR_ERRS; i++)
		TH_LOG("unexpected: %s", sh->err[i]);
	EXPECT_EQ(0, sh->nerr);
	/* Nothing that uid 65534 may not read was watched, or named in what it read. */
	EXPECT_EQ(0, sh->seen[1].leaks);
	EXPECT_LT(0, sh->churn.made);
	EXPECT_EQ(0, rmmod_ok);
	EXPECT_LT(0, sh->add_ok);
	EXPECT_LT(0, sh->tree_ok);
	EXPECT_LT(0, sh->records);

	/* Every event of the subset accounted, the same on both. */
	TH_LOG("subset: native %d events, rinotify %d events", nat.n, rin.n);
	EXPECT_LT(0, nat.n);
	EXPECT_TRUE(acct_compare(&nat, &rin, msg, sizeof(msg)) == NULL) TH_LOG("%s", msg);
	close(nat.fd);
	close(rin.fd);

	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, sysctl_set(RINOTIFY_SYSCTL_DIR, knobs[i], saved[i]));
	remove_tree();

	/* Nothing held by anyone any more ... */
	left = users_settled();
	EXPECT_STREQ("", left);
	/* ... so the module unloads, and loads again. */
	i = module_unload_wait(5000);
	EXPECT_LE(0, i) TH_LOG("rmmod after the stress: %s", strerror(errno));
	if (i > 0)
		TH_LOG("rmmod refused %d times before it succeeded", i);
	EXPECT_FALSE(module_loaded());
	ASSERT_EQ(0, module_load());
	ASSERT_TRUE(module_loaded());
	EXPECT_STREQ("", users_settled());
}

/* ---- a busy tree watcher beside another user ------------------------------------------ */

/*
 * B116: under load, a tree's watcher that keeps its own calls as slow as it can makes
 * nobody wait. The watcher BW_UID (no capability) holds, in one instance, a tree on bw/t
 * (BW_TOP * BW_LEAF directories below t/s, and t/mk, t/ra, t/rb for the producer), and
 * makes its calls slow: one thread reads the instance's fdinfo over and over (every
 * watch, listed under its lock), one adds and removes a watch on each directory of
 * bw/big, one adds a tree on bw/big again and again (a crawl of BW_TOP * BW_LEAF more),
 * while its main thread reads the queue. The producer BP_UID is two processes: one makes
 * directories in t/mk, one renames its directories across t/ra and t/rb; each call is timed,
 * and so are the same calls in a directory of its own on another file system (no tree, no
 * shared s_vfs_rename_mutex), in turn with them: the host's noise (TCG, other virtual
 * machines on the host's cores), which stretches both alike.
 *
 * At the end the producer's longest call in the tree must be far below (BW_RATIO) the
 * watcher's longest call that holds the instance's lock throughout (fdinfo, add, rm), as
 * in b108; where the host's noise stretched one beyond that, it must be within twice the
 * producer's longest call outside the tree. Had the producer waited for the watcher, its
 * longest call would be about the watcher's, and beyond both bounds. Its median mkdir() in
 * the tree must stay near (BW_MEDIAN_RATIO) its median one outside. Every directory the
 * producer made was watched (RIN_WATCHED) or named in a RIN_RESCAN.
 */
#define BW_UID		1000
#define BP_UID		2000
#define BW_TOP		50
#define BW_LEAF		100
#define BW_MOVERS	10
#define BW_MAX_MKDIRS	20000
#define BW_RATIO	4
/*
 * The permission check, the watch or the RIN_RESCAN, and the event, are work of the mkdir()
 * in the tree that the one outside it does not do: 3.5 to 3.7 times on Debian's kernel, 1.5
 * to 1.8 on the debug kernel. A mkdir() that waited would be hundreds of times.
 */
#define BW_MEDIAN_RATIO	10
#define BW_MASK		(IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVE | IN_DELETE_SELF)
#define BW_QUEUE	1048576
#define BW_WATCHES	65536

enum bw_kind { BW_FDINFO, BW_ADD, BW_RM, BW_TREE, BW_READ, BW_KINDS };

static const char *const bw_what[BW_KINDS] = {
	"fdinfo read()", "add_watch()", "rm_watch()", "RINOTIFY_IOC_ADD_TREE on big",
	"read() of the queue",
};

enum bp_kind { BP_MKDIR, BP_RENAME, BP_OWN_MKDIR, BP_OWN_RENAME, BP_KINDS };

static const char *const bp_what[BP_KINDS] = {
	"mkdir() in the tree", "rename() across the tree's directories",
	"mkdir() in its own directory (no tree)", "rename() across its own directories (no tree)",
};

struct bw_run {
	int ready, stop, pdone;
	char w_err[256], p_err[BP_KINDS][160];
	struct call_max w[BW_KINDS], p[BP_KINDS];
	long watched, rescanned, overflows, trees;
	unsigned char made[BW_MAX_MKDIRS], seen[BW_MAX_MKDIRS];
	/* Each mkdir()'s time: in the tree, and in the producer's own directory. */
	int64_t mkdir_ns[2][BW_MAX_MKDIRS];
};

struct bw_watcher {
	struct bw_run *r;
	int fd, root, mk;
	char *records;
};

static void bw_fail(struct bw_run *r, const char *what)
{
	if (!r->w_err[0])
		snprintf(r->w_err, sizeof(r->w_err), "W: %.150s: %s", what, strerror(errno));
}

/* m<i> of the producer's, or -1. */
static long bw_number(const char *name)
{
	char *end;
	long n;

	if (name[0] != 'm' || !name[1])
		return -1;
	n = strtol(name + 1, &end, 10);
	return *end || n < 0 || n >= BW_MAX_MKDIRS ? -1 : n;
}

/* Reads the whole queue and notes what it says of t/mk's new directories: 0, or -1. */
static int bw_drain(struct bw_watcher *w)
{
	struct bw_run *r = w->r;

	for (;;) {
		int64_t t0 = now_ns();
		ssize_t n = read(w->fd, w->records, 65536);
		char why[200];

		call_timed(&r->w[BW_READ], t0);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0 || records_check(w->records, n, NULL, why, sizeof(why)) < 0) {
			bw_fail(r, n <= 0 ? "read" : why);
			return -1;
		}
		for (ssize_t off = 0; off < n; ) {
			struct inotify_event *ev = (struct inotify_event *)(w->records + off);
			const char *name = ev->len ? ev->name : "";
			long m = bw_number(name);

			off += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				r->overflows++;
			} else if (ev->mask & RIN_WATCHED) {
				if (!ev->cookie && !w->root)
					w->root = ev->wd;
				else if ((int)ev->cookie == w->root && !strcmp(name, "mk"))
					w->mk = ev->wd;
				else if ((int)ev->cookie == w->mk && m >= 0 && !r->seen[m])
					r->seen[m] = 1, r->watched++;
			} else if (ev->mask & RIN_RESCAN && ev->wd == w->mk && m >= 0 &&
				   !r->seen[m]) {
				r->seen[m] = 2;
				r->rescanned++;
			}
		}
	}
}

static void *bw_lister(void *arg)
{
	struct bw_watcher *w = arg;
	static char info[4 << 20];
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", w->fd);
	while (!__atomic_load_n(&w->r->stop, __ATOMIC_ACQUIRE)) {
		int ifd = open(path, O_RDONLY | O_CLOEXEC);
		int64_t t0;
		ssize_t n;

		if (ifd < 0) {
			bw_fail(w->r, path);
			break;
		}
		do {
			t0 = now_ns();
			n = read(ifd, info, sizeof(info));
			call_timed(&w->r->w[BW_FDINFO], t0);
		} while (n > 0);
		close(ifd);
	}
	return NULL;
}

/* Adds and removes a watch on each of big's directories, over and over. */
static void *bw_adder(void *arg)
{
	struct bw_watcher *w = arg;
	char path[64];

	for (long i = 0; !__atomic_load_n(&w->r->stop, __ATOMIC_ACQUIRE); i++) {
		int64_t t0 = now_ns();
		int wd;

		snprintf(path, sizeof(path), "big/%02ld/%03ld", i / BW_LEAF % BW_TOP, i % BW_LEAF);
		wd = rinotify_add_watch(w->fd, path, IN_ATTRIB | IN_ONLYDIR);
		call_timed(&w->r->w[BW_ADD], t0);
		if (wd < 0) {
			bw_fail(w->r, path);
			break;
		}
		t0 = now_ns();
		/* Watched already by the tree on big: then it stays. */
		if (rinotify_rm_watch(w->fd, wd) && errno != EINVAL) {
			bw_fail(w->r, "rm_watch");
			break;
		}
		call_timed(&w->r->w[BW_RM], t0);
	}
	return NULL;
}

/* A tree on big, added again and again: each a crawl of it under the instance's lock. */
static void *bw_treer(void *arg)
{
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)"big", .dirfd = AT_FDCWD, .mask = IN_ATTRIB,
	};
	struct bw_watcher *w = arg;

	while (!__atomic_load_n(&w->r->stop, __ATOMIC_ACQUIRE)) {
		int64_t t0 = now_ns();

		if (ioctl(w->fd, RINOTIFY_IOC_ADD_TREE, &tree) < 0) {
			bw_fail(w->r, "RINOTIFY_IOC_ADD_TREE big");
			break;
		}
		call_timed(&w->r->w[BW_TREE], t0);
		w->r->trees++;
	}
	return NULL;
}

static void bw_watcher_main(struct bw_run *r)
{
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)"t", .dirfd = AT_FDCWD, .mask = BW_MASK,
	};
	struct bw_watcher w = { .r = r };
	pthread_t th[3];
	void *(*fn[3])(void *) = { bw_lister, bw_adder, bw_treer };
	const struct timespec nap = { .tv_nsec = 5 * 1000 * 1000 };

	if (become(BW_UID, r->w_err, sizeof(r->w_err)))
		_exit(1);
	pin(0);
	w.records = aligned_alloc(__alignof__(struct inotify_event), 65536);
	w.fd = rinotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!w.records || w.fd < 0 || ioctl(w.fd, RINOTIFY_IOC_ADD_TREE, &tree) < 0 ||
	    bw_drain(&w) || w.mk <= 0) {
		bw_fail(r, "the tree on t");
		_exit(1);
	}
	for (int i = 0; i < 3; i++)
		if (pthread_create(&th[i], NULL, fn[i], &w)) {
			bw_fail(r, "pthread_create");
			_exit(1);
		}
	__atomic_store_n(&r->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (bw_drain(&w))
			break;
		nanosleep(&nap, NULL);
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	/* The producer is done: what its calls queued is all there. */
	_exit(bw_drain(&w) || r->w_err[0] ? 1 : 0);
}

/* One of the producer's processes: calls of kind k (and the same outside), until told. */
static void bw_producer_main(struct bw_run *r, int k, const char *own)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	char *why = r->p_err[k], from[PATH_MAX], to[PATH_MAX];

	if (become(BP_UID, why, sizeof(r->p_err[k])))
		_exit(1);
	pin(1);
	umask(0);
	wait_for(&r->ready);
	for (long i = 0; !__atomic_load_n(&r->pdone, __ATOMIC_ACQUIRE); i++) {
		int m = i % BW_MOVERS, back = i / BW_MOVERS % 2;
		int64_t t0 = now_ns();

		if (k == BP_MKDIR) {
			if (i >= BW_MAX_MKDIRS)
				break;
			snprintf(from, sizeof(from), "t/mk/m%ld", i);
			if (mkdir(from, 0755))
				goto fail;
			r->mkdir_ns[0][i] = now_ns() - t0;
			call_timed(&r->p[BP_MKDIR], t0);
			r->made[i] = 1;
			snprintf(from, sizeof(from), "%s/m%ld", own, i);
			t0 = now_ns();
			if (mkdir(from, 0755))
				goto fail;
			r->mkdir_ns[1][i] = now_ns() - t0;
			call_timed(&r->p[BP_OWN_MKDIR], t0);
		} else {
			snprintf(from, sizeof(from), "t/r%c/r%d", back ? 'b' : 'a', m);
			snprintf(to, sizeof(to), "t/r%c/r%d", back ? 'a' : 'b', m);
			if (rename(from, to))
				goto fail;
			call_timed(&r->p[BP_RENAME], t0);
			snprintf(from, sizeof(from), "%s/%c/q%d", own, back ? 'b' : 'a', m);
			snprintf(to, sizeof(to), "%s/%c/q%d", own, back ? 'a' : 'b', m);
			t0 = now_ns();
			if (rename(from, to))
				goto fail;
			call_timed(&r->p[BP_OWN_RENAME], t0);
		}
		nanosleep(&pause, NULL);
	}
	_exit(0);
fail:
	snprintf(why, sizeof(r->p_err[k]), "P: %s: %.60s: %s", bp_what[k], from, strerror(errno));
	_exit(1);
}

static int bw_layout(const char *own)
{
	int ret = mk_dir(0755, 0, "t") || mk_dir(0755, 0, "t/s") || mk_dir(01777, 0, "t/mk") ||
		  mk_dir(01777, 0, "t/ra") || mk_dir(01777, 0, "t/rb") || mk_dir(0755, 0, "big") ||
		  mk_dir(0700, BP_UID, "%s", own) || mk_dir(0755, BP_UID, "%s/a", own) ||
		  mk_dir(0755, BP_UID, "%s/b", own);

	for (int i = 0; i < BW_MOVERS && !ret; i++)
		ret = mk_dir(0755, BP_UID, "t/ra/r%d", i) ||
		      mk_dir(0755, BP_UID, "%s/a/q%d", own, i);
	for (int i = 0; i < BW_TOP && !ret; i++) {
		ret = mk_dir(0755, 0, "t/s/%02d", i) || mk_dir(0755, 0, "big/%02d", i);
		for (int j = 0; j < BW_LEAF && !ret; j++)
			ret = mk_dir(0755, 0, "t/s/%02d/%03d", i, j) ||
			      mk_dir(0755, 0, "big/%02d/%03d", i, j);
	}
	return ret ? -1 : 0;
}

TEST_F_TIMEOUT(stress, b116_busy_tree_watcher_makes_nobody_wait, 7200)
{
	struct bw_run *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char dir[] = "/tmp/rinotify-busy.XXXXXX", own[64];
	long queue = sysctl_get(RINOTIFY_SYSCTL_DIR, "max_queued_events");
	long watches = sysctl_get(RINOTIFY_SYSCTL_DIR, "max_user_watches");
	int64_t w_max = 0, p_max = 0, own_max = 0;
	long made = 0, missing = 0, end;
	pid_t w, p[2];
	int status, w_kind = 0;

	ASSERT_TRUE(r != MAP_FAILED);
	ASSERT_LT(0, queue);
	ASSERT_LT(0, watches);
	ASSERT_EQ(0, sysctl_set(RINOTIFY_SYSCTL_DIR, "max_queued_events", BW_QUEUE));
	ASSERT_EQ(0, sysctl_set(RINOTIFY_SYSCTL_DIR, "max_user_watches", BW_WATCHES));
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_EQ(0, chmod(dir, 0755));
	/* The producer's own directory: on /tmp's file system, not the tree's tmpfs. */
	snprintf(own, sizeof(own), "%s-own", dir);
	ASSERT_EQ(0, mount("tmpfs", dir, "tmpfs", 0, "mode=0755"));
	ASSERT_EQ(0, chdir(dir));
	ASSERT_EQ(0, bw_layout(own));
	fflush(stdout);
	fflush(stderr);
	w = fork();
	if (w == 0)
		bw_watcher_main(r);
	ASSERT_LT(0, w);
	while (!__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) && !waitpid(w, &status, WNOHANG))
		usleep(10 * 1000);
	ASSERT_EQ(1, r->ready) TH_LOG("%s", r->w_err);
	for (int k = 0; k < 2; k++) {
		p[k] = fork();
		if (p[k] == 0)
			bw_producer_main(r, k, own);
		ASSERT_LT(0, p[k]);
	}
	end = now_ms() + stress_seconds() * 1000L;
	while (now_ms() < end && !r->w_err[0])
		usleep(100 * 1000);
	__atomic_store_n(&r->pdone, 1, __ATOMIC_RELEASE);
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(p[k], waitpid(p[k], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("%s", r->p_err[k]);
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(w, waitpid(w, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("%s", r->w_err);
	for (int k = 0; k < BW_KINDS; k++) {
		TH_LOG("W %s: %ld calls, longest %.1f ms", bw_what[k], r->w[k].calls,
		       ms(r->w[k].max));
		/* A crawl and a read take the lock for one directory or record at a time. */
		if (k != BW_TREE && k != BW_READ && r->w[k].max > w_max) {
			w_max = r->w[k].max;
			w_kind = k;
		}
	}
	for (int k = 0; k < BP_KINDS; k++) {
		TH_LOG("P %s: %ld calls, longest %.1f ms", bp_what[k], r->p[k].calls,
		       ms(r->p[k].max));
		if (k <= BP_RENAME && r->p[k].max > p_max)
			p_max = r->p[k].max;
		if (k > BP_RENAME && r->p[k].max > own_max)
			own_max = r->p[k].max;
	}
	for (long i = 0; i < BW_MAX_MKDIRS; i++) {
		made += r->made[i];
		missing += r->made[i] && !r->seen[i];
	}
	TH_LOG("of P's %ld new directories, W saw %ld watched, %ld in a RIN_RESCAN, %ld not",
	       made, r->watched, r->rescanned, missing);
	TH_LOG("P's longest call in the tree %.1f ms, W's longest call %.1f ms (%s)", ms(p_max),
	       ms(w_max), bw_what[w_kind]);
	EXPECT_LT(0, made);
	EXPECT_EQ(0, r->overflows);
	EXPECT_EQ(0, missing);
	EXPECT_LT(0, r->p[BP_OWN_RENAME].calls);
	if (made) {
		qsort(r->mkdir_ns[0], made, sizeof(int64_t), cmp_ns);
		qsort(r->mkdir_ns[1], made, sizeof(int64_t), cmp_ns);
		TH_LOG("P's median mkdir(): %.3f ms in the tree, %.3f ms in its own directory",
		       ms(r->mkdir_ns[0][made / 2]), ms(r->mkdir_ns[1][made / 2]));
		EXPECT_LT(r->mkdir_ns[0][made / 2], BW_MEDIAN_RATIO * r->mkdir_ns[1][made / 2]);
	}
	if (BW_RATIO * p_max >= w_max) {
		TH_LOG("P's longest call outside the tree: %.1f ms (a busy host)", ms(own_max));
		EXPECT_LE(p_max, 2 * own_max);
	}
	EXPECT_EQ(0, chdir("/"));
	EXPECT_EQ(0, umount2(dir, MNT_DETACH));
	rmdir(dir);
	EXPECT_EQ(0, rm_tree(own));
	EXPECT_EQ(0, sysctl_set(RINOTIFY_SYSCTL_DIR, "max_queued_events", queue));
	EXPECT_EQ(0, sysctl_set(RINOTIFY_SYSCTL_DIR, "max_user_watches", watches));
	munmap(r, sizeof(*r));
}

/* ---- module exit under load ---------------------------------------------------------- */

static void deleter(int unused)
{
	char p[128];

	while (!stopping()) {
		for (int d = 0; d < 4; d++) {
			snprintf(p, sizeof(p), "%s/x/d%d", base, d);
			mkdir(p, 0777);
			for (int f = 0; f < 4; f++) {
				snprintf(p, sizeof(p), "%s/x/d%d/f%d", base, d, f);
				close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0666));
			}
		}
		for (int d = 0; d < 4; d++) {
			for (int f = 0; f < 4; f++) {
				snprintf(p, sizeof(p), "%s/x/d%d/f%d", base, d, f);
				unlink(p);
			}
			snprintf(p, sizeof(p), "%s/x/d%d", base, d);
			rmdir(p);
		}
	}
}

/* Opens instances and watches what the deleter creates and deletes, then closes all. */
static int exit_user(int n)
{
	char p[128], buf[1024];
	int fd[2], i, d, f;

	for (i = 0; i < 2; i++)
		fd[i] = open(RINOTIFY_DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	for (i = 0; i < 200; i++) {
		d = i % 4;
		f = (i / 4) % 5;
		if (f == 4)
			snprintf(p, sizeof(p), "%s/x/d%d", base, d);
		else
			snprintf(p, sizeof(p), "%s/x/d%d/f%d", base, d, f);
		rinotify_add_watch(fd[i % 2], p, IN_ALL_EVENTS | (i % 3 ? 0 : IN_ONESHOT));
		if (read(fd[i % 2], buf, sizeof(buf)) < 0 && errno != EAGAIN)
			return 1;
	}
	for (i = 0; i < 2; i++)
		if (fd[i] < 0 || close(fd[i]))
			return 1;
	return 0;
}

#define EXIT_CYCLES	8

TEST_F_TIMEOUT(stress, module_exit_under_load, 600)
{
	char p[128];
	pid_t del, users[3];
	int cycle, i, status, retries = 0, r;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(sh != MAP_FAILED);
	ASSERT_TRUE(module_loaded());
	make_tree();
	snprintf(p, sizeof(p), "%s/x", base);
	ASSERT_EQ(0, mkdir(p, 0777));
	del = spawn(deleter, 0, 0);
	ASSERT_LT(0, del);

	for (cycle = 0; cycle < EXIT_CYCLES; cycle++) {
		for (i = 0; i < 3; i++) {
			users[i] = fork();
			if (users[i] == 0)
				_exit(exit_user(i));
		}
		/* This process's instance is the last one closed. */
		r = exit_user(3);
		EXPECT_EQ(0, r);
		for (i = 0; i < 3; i++) {
			EXPECT_EQ(users[i], waitpid(users[i], &status, 0));
			EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
		r = exit_user(4);
		EXPECT_EQ(0, r);
		/* Right after the last close returned. */
		r = module_unload_wait(5000);
		ASSERT_LE(0, r) TH_LOG("cycle %d: rmmod: %s", cycle, strerror(errno));
		retries += r;
		ASSERT_EQ(0, module_load()) TH_LOG("cycle %d: insmod: %s", cycle, strerror(errno));
	}
	set_stop(1);
	EXPECT_EQ(del, waitpid(del, &status, 0));
	TH_LOG("%d insmod/rmmod cycles; rmmod refused %d times in all before it succeeded",
	       EXIT_CYCLES, retries);
	EXPECT_STREQ("", users_settled());
	remove_tree();
}

/*
 * A sysctl file does not pin the module (sysctl files of modules never do): the unload
 * unregisters the table, and the open file then fails its reads and closes safely.
 */
/* A reload runs the module's KUnit suites again, which takes long under KASAN. */
TEST_F_TIMEOUT(stress, sysctl_file_open_across_rmmod, 180)
{
	char buf[64];
	int fd, r;

	ASSERT_TRUE(module_loaded());
	fd = open(RINOTIFY_SYSCTL_DIR "/max_user_watches", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_LT(0, read(fd, buf, sizeof(buf)));
	r = module_unload_wait(5000);
	EXPECT_LE(0, r);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	TH_LOG("read of a sysctl of the unloaded module: %s", strerror(errno));
	EXPECT_EQ(-1, pwrite(fd, "100", 3, 0));
	EXPECT_EQ(0, close(fd));
	if (!module_loaded())
		ASSERT_EQ(0, module_load());
	ASSERT_TRUE(module_loaded());
	EXPECT_LT(0, sysctl_get(RINOTIFY_SYSCTL_DIR, "max_user_watches"));
}

/* ---- wd reuse ------------------------------------------------------------------------ */

/*
 * Adders create watches (IN_MASK_CREATE: every success is a new watch) on a few files with
 * INOTIFY_IOC_SETNEXTWD pointing at the lowest wds, removers remove low wds blindly. A wd
 * is taken by one watch at a time, so when add_watch hands out wd w, the IN_IGNORED of
 * every earlier watch with descriptor w must be queued already: after draining the queue,
 * the IN_IGNOREDs seen for w are at least the watches with w handed out before.
 */
#define RACE_FILES	6
#define RACE_ADDS	3000
#define RACE_WDS	32

struct race {
	const struct backend *be;
	int fd;
	pthread_mutex_t lock;
	long handed[RACE_WDS], ignored[RACE_WDS];
	int bad, stop;
};

/* Reads what is queued and counts the IN_IGNOREDs by wd; under r->lock. */
static void race_drain(struct race *r)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n, off;

	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			if (ev->mask == IN_IGNORED && ev->wd >= 1 && ev->wd < RACE_WDS)
				r->ignored[ev->wd]++;
			if (ev->mask == IN_Q_OVERFLOW)
				r->bad += 1000;
			off += sizeof(*ev) + ev->len;
		}
	}
}

static void *race_adder(void *arg)
{
	struct race *r = arg;
	unsigned int s = 0x1234567u + (uintptr_t)&s;
	char path[128];
	int i, wd;

	for (i = 0; i < RACE_ADDS; i++) {
		snprintf(path, sizeof(path), "%s/r%u", base, rnd(&s) % RACE_FILES);
		ioctl(r->fd, INOTIFY_IOC_SETNEXTWD, 1 + rnd(&s) % 3);
		wd = r->be->add_watch(r->fd, path, IN_MODIFY | IN_MASK_CREATE);
		if (wd < 1 || wd >= RACE_WDS)
			continue;
		pthread_mutex_lock(&r->lock);
		race_drain(r);
		if (r->ignored[wd] < r->handed[wd])
			r->bad++;
		r->handed[wd]++;
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

static void *race_remover(void *arg)
{
	struct race *r = arg;
	unsigned int s = 0x7654321u + (uintptr_t)&s;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
		r->be->rm_watch(r->fd, 1 + rnd(&s) % (RACE_FILES + 3));
	return NULL;
}

/* Returns the times a wd came back before the IN_IGNORED of its previous watch, or -1. */
static int wd_race(const struct backend *be, long *handed)
{
	struct race r = { .be = be, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t add[3], rm[2];
	char path[128];
	int i;

	for (i = 0; i < RACE_FILES; i++) {
		snprintf(path, sizeof(path), "%s/r%d", base, i);
		close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	}
	r.fd = be->init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r.fd < 0)
		return -1;
	for (i = 0; i < 2; i++)
		pthread_create(&rm[i], NULL, race_remover, &r);
	for (i = 0; i < 3; i++)
		pthread_create(&add[i], NULL, race_adder, &r);
	for (i = 0; i < 3; i++)
		pthread_join(add[i], NULL);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(rm[i], NULL);
	close(r.fd);
	*handed = 0;
	for (i = 0; i < RACE_WDS; i++)
		*handed += r.handed[i];
	return r.bad;
}

TEST_F_TIMEOUT(stress, wd_not_reused_before_ignored, 300)
{
	long handed;
	int bad;

	make_tree();
	bad = wd_race(&backend_native, &handed);
	TH_LOG("native: wds handed out %ld times, %d before the old IN_IGNORED", handed, bad);
	EXPECT_EQ(0, bad);
	bad = wd_race(&backend_rinotify, &handed);
	TH_LOG("rinotify: wds handed out %ld times, %d before the old IN_IGNORED", handed, bad);
	EXPECT_EQ(0, bad);
	remove_tree();
}

TEST_HARNESS_MAIN
