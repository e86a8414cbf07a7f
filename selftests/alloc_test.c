// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures, differential: every slab allocation of an operation is made to fail
 * in turn, with the per-task fault injection syzkaller uses (/proc/thread-self/fail-nth,
 * CONFIG_FAILSLAB): writing n there makes the n-th slab allocation of this thread fail;
 * reading back 0 after the call says the failure was injected. n runs from 1 until a call
 * completes without reaching its n-th allocation, so every allocation the call makes (the
 * VFS's, fsnotify's, the backend's) has failed once.
 *
 * Native inotify and rinotify make different allocations, so what is compared is the set
 * of distinct outcomes of the walk (return value, errno, and what the queue then holds),
 * which the scenario trace of the native run records and the rinotify run must reproduce:
 * each failure is ENOMEM, or a lost event becomes IN_Q_OVERFLOW, exactly as in inotify.
 * Afterwards nothing may be left: the per-user instance and watch counts are checked
 * through the limits, the module's slab caches are back to where they were, and the
 * kmemleak scan at the end of `make check` covers every other allocation.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>

#include "scenario.h"
#include "batch.h"
#include "file.h"
#include "latency.h"
#include "slab.h"

#define FAILSLAB	"/sys/kernel/debug/failslab"
/* Why a test skips on a kernel without per-task fault injection (Debian's). */
#define NO_FAILSLAB	"no " FAILSLAB ": the kernel has no CONFIG_FAILSLAB (fault injection)"
/* More than any operation here allocates; a walk that reaches it is a failure. */
#define MAX_NTH		2000
#define MAX_OUTCOMES	32

/* How many times a walk that can miss an outcome is repeated (see its comment). */
#define WALK_ROUNDS 3

/* The distinct outcomes of one walk. */
struct outcomes {
	int n;
	char s[MAX_OUTCOMES][256];
};

static void outcome_add(struct outcomes *o, const char *s)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->s[i], s))
			return;
	if (o->n < MAX_OUTCOMES)
		snprintf(o->s[o->n++], sizeof(o->s[0]), "%s", s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Logs the outcomes in sorted order: the walk's part of the trace. */
static void outcomes_log(const char *what, struct outcomes *o)
{
	qsort(o->s, o->n, sizeof(o->s[0]), cmp_str);
	for (int i = 0; i < o->n; i++)
		t_log("%s: %s", what, o->s[i]);
}

/* The fail-nth file of this thread; opened by each test (a forked process). */
static int nth_fd = -1;

/*
 * Lets fail-nth reach sleeping allocations too (failslab skips them by default), and
 * keeps injected failures off the console (no "FAULT_INJECTION" stack dumps).
 */
static int failnth_setup(void)
{
	if (write_text(FAILSLAB "/ignore-gfp-wait", "N") || write_text(FAILSLAB "/verbose", "0"))
		return -1;
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	return nth_fd < 0 ? -1 : 0;
}

/* Makes the n-th slab allocation of this thread from now on fail. */
static void failnth_arm(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		abort();
}

/* Whether the armed failure was injected; disarms it. */
static int failnth_fired(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	if (pwrite(nth_fd, "0", 1, 0) != 1)
		abort();
	return atoi(buf) == 0;
}

/* Names a wd by its role: D (the directory), F (the file), -1 (overflow), ? (other). */
static const char *role(int wd, int dwd, int fwd)
{
	if (wd == -1)
		return "-1";
	if (wd == dwd)
		return "D";
	if (wd == fwd)
		return "F";
	return "?";
}

/*
 * Reads the whole queue of the non-blocking instance fd (without tracing) and describes it
 * as "D ATTRIB f; F ATTRIB", or "-" when it is empty.
 */
static void drain(int fd, int dwd, int fwd, char *out, size_t size)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t used = 0;
	ssize_t n;

	out[0] = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; ) {
			struct inotify_event *e = (struct inotify_event *)p;

			used += snprintf(out + used, size - used, "%s%s %s%s%s", used ? "; " : "",
					 role(e->wd, dwd, fwd), t_mask(e->mask),
					 e->len ? " " : "", e->len ? e->name : "");
			if (used >= size)
				used = size - 1;
			p += sizeof(*e) + e->len;
		}
	}
	if (!used)
		snprintf(out, size, "-");
}

/* "0" or the errno name of a failed call. */
static const char *result(long ret, int err)
{
	return ret < 0 ? errno_name(err) : "0";
}

struct baseline {
	long watches, events;
};

static void slab_baseline(struct baseline *b)
{
	b->watches = be == &backend_rinotify ? slab_wait_at_most(WATCH_CACHE, 0) : 0;
	b->events = be == &backend_rinotify ? slab_wait_at_most(EVENT_CACHE, 0) : 0;
}

/*
 * Nothing is left once every instance is closed: the caches are back at the baseline, and
 * the per-user counts let exactly one more instance and one more watch be made when the
 * limits are set to one (a leaked count would give EMFILE or ENOSPC at once). The results
 * go to the trace, so native inotify is held to the same.
 */
static int nothing_left(struct __test_metadata *_metadata, const struct baseline *b)
{
	int fd, fd2, wd;

	if (be == &backend_rinotify) {
		EXPECT_EQ(b->watches, slab_wait_at_most(WATCH_CACHE, b->watches));
		EXPECT_EQ(b->events, slab_wait_at_most(EVENT_CACHE, b->events));
	}
	if (t_sysctl_set("max_user_instances", 1) || t_sysctl_set("max_user_watches", 1))
		return -1;
	fd = t_init(IN_NONBLOCK);
	fd2 = t_init(IN_NONBLOCK);
	if (fd2 >= 0)
		t_close(fd2);
	MKFILE("left-a");
	MKFILE("left-b");
	wd = t_add(fd, "left-a", IN_ATTRIB);
	t_add(fd, "left-b", IN_ATTRIB);
	if (wd > 0)
		t_rm(fd, wd);
	t_close(fd);
	t_sysctl_restore("max_user_instances");
	t_sysctl_restore("max_user_watches");
	return 0;
}

/*
 * Each walk below is a loop that runs a call with its n-th allocation failing, for n = 1,
 * 2, ... until the call completes without reaching its n-th allocation (fired is then 0).
 */

/* The instance: inotify_init1() / open(). */
TEST_F(scenarios, alloc_open)
{
	struct outcomes o = { 0 };
	struct baseline b;
	int n, fired, fd, err;
	char s[256];

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
		failnth_arm(n);
		fd = be->init1(IN_NONBLOCK);
		err = errno;
		fired = failnth_fired();
		snprintf(s, sizeof(s), "init1 %s", fd < 0 ? errno_name(err) : "ok");
		outcome_add(&o, s);
		if (fd >= 0)
			close(fd);
	}
	ASSERT_FALSE(fired);
	outcomes_log("open", &o);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/* add_watch of a new inode: the mark, its connector, the descriptor table. */
TEST_F(scenarios, alloc_add_watch)
{
	struct outcomes o = { 0 };
	struct baseline b;
	int n, fired, fd, wd, err;
	char s[256], q[128], path[64];
	const char *first;

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	fd = be->init1(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
		snprintf(path, sizeof(path), "f%d", n);
		close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		failnth_arm(n);
		wd = be->add_watch(fd, path, IN_ATTRIB);
		err = errno;
		fired = failnth_fired();
		first = wd < 0 ? errno_name(err) : "ok";
		/* After a failure the same add works, and the watch reports. */
		if (wd < 0)
			wd = be->add_watch(fd, path, IN_ATTRIB);
		err = errno;
		chmod(path, 0600);
		drain(fd, -2, wd, q, sizeof(q));
		snprintf(s, sizeof(s), "add %s, then %s, chmod: %s", first,
			 wd < 0 ? errno_name(err) : "ok", q);
		outcome_add(&o, s);
		if (wd > 0)
			be->rm_watch(fd, wd);
		drain(fd, -2, -2, q, sizeof(q));
	}
	ASSERT_FALSE(fired);
	close(fd);
	outcomes_log("add_watch", &o);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/* The file alloc_add_watch_under_events has the chmod thread touch: f<n>, or none for 0. */
static atomic_int touch_target;
/* The chmod thread's rounds so far. */
static atomic_int touch_rounds;
static atomic_bool touch_stop;

/* Changes f<touch_target>'s mode over and over, until touch_stop. */
static void *toucher(void *arg)
{
	char path[64];
	int n, mode = 0600;

	(void)arg;
	while (!atomic_load(&touch_stop)) {
		n = atomic_load(&touch_target);
		if (n > 0) {
			snprintf(path, sizeof(path), "f%d", n);
			chmod(path, mode);
			mode ^= 0044;
		}
		atomic_fetch_add(&touch_rounds, 1);
	}
	return NULL;
}

/*
 * Stops the chmod thread touching any file, and waits until it has: the round under way
 * may still touch the old target, the one after it has seen 0.
 */
static void touch_none(void)
{
	int rounds;

	atomic_store(&touch_target, 0);
	rounds = atomic_load(&touch_rounds);
	while (atomic_load(&touch_rounds) < rounds + 2)
		sched_yield();
}

/*
 * Whether the queue of fd holds a record of a descriptor other than wd (-2: none was
 * returned) or the overflow record: a watch's events may only name the descriptor its add
 * returned. Empties the queue.
 */
static int stray_records(int fd, int wd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int stray = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; ) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->wd != wd && e->wd != -1)
				stray++;
			p += sizeof(*e) + e->len;
		}
	}
	return stray;
}

/*
 * B86: add_watch of a file that another thread keeps changing, with each of its allocations
 * failing in turn: the descriptor is stored before the mark is attached, as in inotify, so
 * a failed add leaves nothing in the queue, and a successful one's events name only the
 * descriptor it returned. (A mark attached before its descriptor's store fails would queue
 * events, and its IN_IGNORED, under a descriptor the caller never got.)
 */
TEST_F(scenarios, alloc_add_watch_under_events)
{
	struct outcomes o = { 0 };
	struct baseline b;
	int n, fired, fd, wd, err, stray, strays = 0;
	char s[256], path[64];
	pthread_t thread;

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	fd = be->init1(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	atomic_store(&touch_stop, false);
	atomic_store(&touch_target, 0);
	ASSERT_EQ(0, pthread_create(&thread, NULL, toucher, NULL));
	for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
		snprintf(path, sizeof(path), "f%d", n);
		close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		atomic_store(&touch_target, n);
		failnth_arm(n);
		wd = be->add_watch(fd, path, IN_ATTRIB);
		err = errno;
		fired = failnth_fired();
		touch_none();
		stray = stray_records(fd, wd < 0 ? -2 : wd);
		strays += stray;
		snprintf(s, sizeof(s), "add %s: %s", wd < 0 ? errno_name(err) : "ok",
			 stray ? "records of another descriptor" : "no other descriptor");
		outcome_add(&o, s);
		if (wd > 0)
			be->rm_watch(fd, wd);
		stray_records(fd, wd);
	}
	atomic_store(&touch_stop, true);
	pthread_join(thread, NULL);
	ASSERT_FALSE(fired);
	EXPECT_EQ(0, strays);
	close(fd);
	outcomes_log("add_watch under events", &o);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/*
 * Events: D and D/f are watched by one instance; chmod D/f queues "D ATTRIB f", then
 * "F ATTRIB". When the parent's event cannot be allocated, inotify queues the overflow
 * record and returns ENOMEM, and fsnotify then skips the child's mark: only "-1 Q_OVERFLOW".
 */
TEST_F(scenarios, alloc_event_parent_and_child)
{
	struct outcomes o = { 0 };
	struct baseline b;
	int n, fired, fd, dwd, fwd, ret, err, round;
	char s[256], q[192];

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	ASSERT_EQ(0, mkdir("d", 0755));
	MKFILE("d/f");
	fd = be->init1(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	dwd = be->add_watch(fd, "d", IN_ATTRIB);
	fwd = be->add_watch(fd, "d/f", IN_ATTRIB);
	ASSERT_LT(0, dwd);
	ASSERT_LT(0, fwd);
	/* The union of a few walks, as alloc_event_oneshot_watch_stays says why. */
	for (round = 0; round < WALK_ROUNDS; round++) {
		for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
			failnth_arm(n);
			ret = chmod("d/f", n % 2 ? 0600 : 0644);
			err = errno;
			fired = failnth_fired();
			drain(fd, dwd, fwd, q, sizeof(q));
			snprintf(s, sizeof(s), "chmod %s, queue: %s", result(ret, err), q);
			outcome_add(&o, s);
		}
		ASSERT_FALSE(fired);
	}
	close(fd);
	outcomes_log("event", &o);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/*
 * Events with names, and the coalescing of an event that equals the newest queued one:
 * inotify allocates the event before it compares, so an allocation failure queues the
 * overflow record even for an event that would have been merged.
 */
TEST_F(scenarios, alloc_event_merged)
{
	struct outcomes o = { 0 };
	struct baseline b;
	int n, fired, fd, dwd, fw, ret, err;
	char s[256], q[192];

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	ASSERT_EQ(0, mkdir("d", 0755));
	fw = open("d/a-rather-long-name-0123456789-0123456789", O_WRONLY | O_CREAT | O_CLOEXEC,
		  0644);
	ASSERT_LE(0, fw);
	fd = be->init1(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	dwd = be->add_watch(fd, "d", IN_MODIFY);
	ASSERT_LT(0, dwd);
	for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
		ASSERT_EQ(1, write(fw, "x", 1));	/* queued: "D MODIFY a-rather..." */
		failnth_arm(n);
		ret = write(fw, "x", 1);		/* the same event: merged */
		err = errno;
		fired = failnth_fired();
		drain(fd, dwd, -2, q, sizeof(q));
		snprintf(s, sizeof(s), "write %s, queue: %s", result(ret < 0 ? -1 : 0, err), q);
		outcome_add(&o, s);
	}
	ASSERT_FALSE(fired);
	close(fw);
	close(fd);
	outcomes_log("merged", &o);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/*
 * IN_ONESHOT: a watch whose event is lost for want of memory stays, as in inotify (it
 * returns before removing the mark); the next event then arrives and removes it.
 */
TEST_F(scenarios, alloc_event_oneshot_watch_stays)
{
	struct outcomes o = { 0 };
	struct baseline b;
	int n, fired, fd, fwd = -1, ret, err, round;
	char s[256], q[96], q2[96];

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	MKFILE("f");
	fd = be->init1(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	/*
	 * Now and then one walk missed an outcome: an allocation made only now and then on the
	 * way (the slab allocator refilling what it keeps per CPU would be one) takes the
	 * injected fault and absorbs it, and the next n is past the allocation it was meant
	 * for. The outcomes are the union of a few walks.
	 */
	for (round = 0; round < WALK_ROUNDS; round++) {
		for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
			fwd = be->add_watch(fd, "f", IN_ATTRIB | IN_ONESHOT);
			ASSERT_LT(0, fwd);
			failnth_arm(n);
			ret = chmod("f", n % 2 ? 0600 : 0644);
			err = errno;
			fired = failnth_fired();
			drain(fd, -2, fwd, q, sizeof(q));
			/* Is the watch still there? */
			chmod("f", 0640);
			drain(fd, -2, fwd, q2, sizeof(q2));
			snprintf(s, sizeof(s), "chmod %s, queue: %s; next chmod: %s",
				 result(ret, err), q, q2);
			outcome_add(&o, s);
			be->rm_watch(fd, fwd);
			drain(fd, -2, -2, q, sizeof(q));
		}
		ASSERT_FALSE(fired);
	}
	close(fd);
	outcomes_log("oneshot", &o);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/* IN_IGNORED of rm_watch: lost for want of memory, it becomes the overflow record. */
TEST_F(scenarios, alloc_rm_watch)
{
	struct outcomes o = { 0 };
	struct baseline b;
	int n, fired, fd, wd, ret, err;
	char s[256], q[96];

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	MKFILE("f");
	fd = be->init1(IN_NONBLOCK);
	ASSERT_LE(0, fd);
	for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
		wd = be->add_watch(fd, "f", IN_ATTRIB);
		ASSERT_LT(0, wd);
		failnth_arm(n);
		ret = be->rm_watch(fd, wd);
		err = errno;
		fired = failnth_fired();
		drain(fd, -2, wd, q, sizeof(q));
		snprintf(s, sizeof(s), "rm_watch %s, queue: %s; then rm_watch %s", result(ret, err),
			 q, be->rm_watch(fd, wd) ? errno_name(errno) : "0");
		outcome_add(&o, s);
		drain(fd, -2, -2, q, sizeof(q));
	}
	ASSERT_FALSE(fired);
	close(fd);
	outcomes_log("rm_watch", &o);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/* read() and close() with events queued and watches live. */
TEST_F(scenarios, alloc_read_and_close)
{
	struct outcomes o = { 0 }, c = { 0 };
	struct baseline b;
	int n, fired, fd, wd, ret, err;
	char s[256], buf[256] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_EQ(0, failnth_setup());
	slab_baseline(&b);
	ASSERT_EQ(0, mkdir("d", 0755));
	MKFILE("d/f");
	for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
		fd = be->init1(IN_NONBLOCK);
		ASSERT_LE(0, fd);
		wd = be->add_watch(fd, "d", IN_ATTRIB);
		ASSERT_LT(0, wd);
		chmod("d/f", n % 2 ? 0600 : 0644);
		failnth_arm(n);
		len = read(fd, buf, sizeof(buf));
		err = errno;
		fired = failnth_fired();
		if (len < 0)
			snprintf(s, sizeof(s), "read %s", errno_name(err));
		else
			snprintf(s, sizeof(s), "read %zd", len);
		outcome_add(&o, s);
		close(fd);
	}
	ASSERT_FALSE(fired);
	for (n = 1, fired = 1; fired && n < MAX_NTH; n++) {
		fd = be->init1(IN_NONBLOCK);
		ASSERT_LE(0, fd);
		wd = be->add_watch(fd, "d", IN_ATTRIB);
		ASSERT_LT(0, wd);
		ASSERT_LT(0, be->add_watch(fd, "d/f", IN_ATTRIB));
		chmod("d/f", n % 2 ? 0600 : 0644);
		failnth_arm(n);
		ret = close(fd);
		err = errno;
		fired = failnth_fired();
		snprintf(s, sizeof(s), "close %s", result(ret, err));
		outcome_add(&c, s);
	}
	ASSERT_FALSE(fired);
	outcomes_log("read", &o);
	outcomes_log("close", &c);
	ASSERT_EQ(0, nothing_left(_metadata, &b));
}

/* ---- a tree's follow in another user's mkdir() ------------------------------------------ */

/*
 * A tree watch acts in the mkdir() of whoever creates a directory in the tree: it watches
 * the new directory there, allocating with the event's flags (it fails rather than invoke
 * the OOM killer), and on any failure queues the RIN_RESCAN record of the directory's name
 * instead. Native inotify has no tree, so there is no oracle: this is rinotify's own
 * invariant, with the failures made where they happen, in the producer's call.
 *
 * The watcher W (uid TF_W_UID, no capability) holds a tree on t and a plain watch on u, an
 * unrelated directory. The producer P (uid TF_P_UID) makes directories in t/mk, one step at
 * a time, each with allocations of its own made to fail: first the walk of alloc_test
 * (fail-nth n for n = 1, 2, ...: every allocation of the mkdir(), the VFS's, fsnotify's,
 * the event's and follow's, fails once), then TF_RANDOM mkdir()s with the failslab (and
 * fail_page_alloc, where the kernel has it) task filter on P alone (make-it-fail) at
 * TF_PERCENT per allocation. After each step W makes a file in u and one in t/other, which
 * must be reported (nothing outside the new directory was detached), and reads its queue.
 *
 * Every directory P made must have been watched (RIN_WATCHED) or named in a RIN_RESCAN of
 * t/mk's watch; a lost record is the queue's overflow record, allowed in the step it came.
 * Every one watched must report what is then made in it. And the failures must have reached
 * follow: at least one directory made is named in a RIN_RESCAN.
 */
#define TF_W_UID	1000
#define TF_P_UID	2000
#define TF_RANDOM	300
#define TF_PERCENT	"10"
#define TF_MAX		(MAX_NTH + TF_RANDOM)
#define FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc"
#define TF_MASK		(IN_CREATE | IN_DELETE | IN_MOVE)

/* What W learnt of a step's directory. */
enum {
	TF_WATCHED = 1,
	TF_RESCANNED = 2,
	TF_OVERFLOW = 4,	/* the overflow record came in its step */
	TF_PROBE_U = 8,		/* the file made in u after it was reported */
	TF_PROBE_TREE = 16,	/* and the one in t/other */
	TF_INSIDE = 32,		/* a file made in it was reported */
	TF_IGNORED = 64,	/* its watch went (IN_IGNORED): its attach failed */
	TF_NOFILE = 128,	/* the file could not be made in it (the file system's errno) */
};

/* In memory shared by the test, W and P. */
struct tf_run {
	char w_err[256], p_err[256];
	/* Steps: P posts step i as i + 1 once its mkdir() returned, W acknowledges it so. */
	long posted, acked;
	/* P's walk is over (its steps are walk[0..walked)); the test armed its filter. */
	int walked, random_go, done;
	long walk_steps, steps;
	int w_ready;
	int wd[TF_MAX], nofile_errno;
	unsigned char made[TF_MAX], injected[TF_MAX], seen[TF_MAX];
};

static void tf_wait_step(const long *v, long want)
{
	const struct timespec nap = { .tv_nsec = 100 * 1000 };

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		nanosleep(&nap, NULL);
}

/* The step in "d<i>" or "p<i>" (prefix c), or -1. */
static long tf_step(const char *name, char c)
{
	char *end;
	long i;

	if (name[0] != c || !name[1])
		return -1;
	i = strtol(name + 1, &end, 10);
	return *end || i < 0 || i >= TF_MAX ? -1 : i;
}

/* Notes what a record said of the directory watched as wd (what): its watch went, a file. */
static void tf_wd_said(struct tf_run *r, int wd, unsigned char what)
{
	for (long i = 0; i < TF_MAX; i++)
		if (r->wd[i] == wd && (r->seen[i] & (TF_WATCHED | TF_IGNORED)) == TF_WATCHED)
			r->seen[i] |= what;
}

struct tf_watcher {
	struct tf_run *r;
	int fd, root, mk, other, u;
};

/* Reads W's whole queue; step is the step it is read in (-1: none). 0, or -1. */
static int tf_drain(struct tf_watcher *w, long step)
{
	static char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct tf_run *r = w->r;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n; ) {
			struct inotify_event *ev = (struct inotify_event *)p;
			const char *name = ev->len ? ev->name : "";
			int parent = ev->cookie;
			long d = tf_step(name, 'd');

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				if (step >= 0)
					r->seen[step] |= TF_OVERFLOW;
			} else if (ev->mask & RIN_WATCHED) {
				if (!parent)
					w->root = ev->wd;
				else if (parent == w->root && !strcmp(name, "mk"))
					w->mk = ev->wd;
				else if (parent == w->root && !strcmp(name, "other"))
					w->other = ev->wd;
				else if (parent == w->mk && d >= 0) {
					r->seen[d] |= TF_WATCHED;
					r->wd[d] = ev->wd;
				}
			} else if (ev->mask & RIN_RESCAN) {
				if (ev->wd == w->mk && d >= 0)
					r->seen[d] |= TF_RESCANNED;
			} else if (ev->mask & IN_CREATE) {
				long pr = tf_step(name, 'p');

				if (ev->wd == w->u && pr >= 0)
					r->seen[pr] |= TF_PROBE_U;
				else if (ev->wd == w->other && pr >= 0)
					r->seen[pr] |= TF_PROBE_TREE;
				else if (!strcmp(name, "x"))
					tf_wd_said(r, ev->wd, TF_INSIDE);
			} else if (ev->mask & IN_IGNORED) {
				tf_wd_said(r, ev->wd, TF_IGNORED);
			}
		}
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	snprintf(r->w_err, sizeof(r->w_err), "W: read: %s", n ? strerror(errno) : "EOF");
	return -1;
}

static int tf_touch(struct tf_run *r, const char *fmt, long i)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), fmt, i);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "W: creat %s: %s", path, strerror(errno));
		return -1;
	}
	return close(fd);
}

/* W: its tree and watch, then each of P's steps, then a file in each directory watched. */
static void tf_watcher_main(struct tf_run *r)
{
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)"t", .dirfd = AT_FDCWD, .mask = TF_MASK,
	};
	struct tf_watcher w = { .r = r };
	long i;

	if (become(TF_W_UID, r->w_err, sizeof(r->w_err)))
		_exit(1);
	w.fd = rinotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w.fd < 0 || ioctl(w.fd, RINOTIFY_IOC_ADD_TREE, &tree) < 0) {
		snprintf(r->w_err, sizeof(r->w_err), "W: tree: %s", strerror(errno));
		_exit(1);
	}
	w.u = rinotify_add_watch(w.fd, "u", IN_CREATE);
	if (w.u < 0 || tf_drain(&w, -1) || w.mk <= 0 || w.other <= 0) {
		snprintf(r->w_err, sizeof(r->w_err), "W: u %d, t/mk %d, t/other %d", w.u, w.mk,
			 w.other);
		_exit(1);
	}
	__atomic_store_n(&r->w_ready, 1, __ATOMIC_RELEASE);
	for (i = 0; ; i++) {
		tf_wait_step(&r->posted, i + 1);
		if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) && i >= r->steps)
			break;
		if (tf_touch(r, "u/p%ld", i) || tf_touch(r, "t/other/p%ld", i) ||
		    tf_drain(&w, i))
			_exit(1);
		__atomic_store_n(&r->acked, i + 1, __ATOMIC_RELEASE);
	}
	/*
	 * A directory made under failed allocations may refuse new entries (tmpfs has given
	 * ENOSPC): that is the file system's, noted, not W's failure.
	 */
	for (i = 0; i < TF_MAX; i++) {
		if ((r->seen[i] & (TF_WATCHED | TF_IGNORED)) != TF_WATCHED)
			continue;
		if (tf_touch(r, "t/mk/d%ld/x", i)) {
			r->seen[i] |= TF_NOFILE;
			r->nofile_errno = errno;
			r->w_err[0] = 0;
		}
	}
	_exit(tf_drain(&w, -1) ? 1 : 0);
}

/*
 * P's step i: mkdir t/mk/d<i>, then waits until W has read what it queued. With fired, the
 * step is of the walk: whether fail-nth's failure was injected goes there.
 */
static void tf_mkdir(struct tf_run *r, long i, int *fired)
{
	char path[64];

	snprintf(path, sizeof(path), "t/mk/d%ld", i);
	r->made[i] = !mkdir(path, 0777);
	r->injected[i] = fired ? (*fired = failnth_fired()) : 0;
	__atomic_store_n(&r->posted, i + 1, __ATOMIC_RELEASE);
	tf_wait_step(&r->acked, i + 1);
}

/* P: the walk, then TF_RANDOM steps under the task filter the test arms. */
static void tf_producer_main(struct tf_run *r)
{
	long i;
	int fired = 1;

	if (become(TF_P_UID, r->p_err, sizeof(r->p_err)))
		_exit(1);
	umask(0);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0) {
		snprintf(r->p_err, sizeof(r->p_err), "P: fail-nth: %s", strerror(errno));
		_exit(1);
	}
	wait_for(&r->w_ready);
	for (i = 0; fired && i < MAX_NTH; i++) {
		failnth_arm(i + 1);
		tf_mkdir(r, i, &fired);
	}
	if (fired) {
		snprintf(r->p_err, sizeof(r->p_err), "P: mkdir() reached fail-nth %d", MAX_NTH);
		_exit(1);
	}
	r->walk_steps = i;
	__atomic_store_n(&r->walked, 1, __ATOMIC_RELEASE);
	wait_for(&r->random_go);
	for (long j = 0; j < TF_RANDOM; j++, i++)
		tf_mkdir(r, i, NULL);
	r->steps = i;
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&r->posted, i + 1, __ATOMIC_RELEASE);
	_exit(0);
}

/* The knobs of a fault attribute the random steps set, and their values then. */
static const struct {
	const char *knob, *value;
} tf_knobs[] = {
	{ "task-filter", "Y" }, { "probability", TF_PERCENT }, { "interval", "1" },
	{ "times", "-1" }, { "space", "0" }, { "verbose", "0" }, { "ignore-gfp-wait", "N" },
};

#define TF_KNOBS	ARRAY_SIZE(tf_knobs)

/*
 * Sets attr's knobs for the random steps (save: keeps the old values), or restores them, in
 * the opposite order: the probability goes back before the task filter does, or between the
 * two every task's allocations would fail at the steps' rate (this one's writes of the next
 * knobs, init's).
 */
static int tf_attr(const char *attr, char old[][32], int set)
{
	char path[128];
	int ret = 0;

	for (size_t i = 0; i < TF_KNOBS; i++) {
		size_t k = set ? i : TF_KNOBS - 1 - i;

		snprintf(path, sizeof(path), "%s/%s", attr, tf_knobs[k].knob);
		if (set && read_text(path, old[k], 32))
			return -1;
		if (set)
			old[k][strcspn(old[k], "\n")] = 0;
		ret |= write_text(path, set ? tf_knobs[k].value : old[k]);
	}
	return ret;
}

FIXTURE(follow) {
	char base[64];
};

FIXTURE_SETUP(follow)
{
	snprintf(self->base, sizeof(self->base), "/tmp/alloc-follow.XXXXXX");
	ASSERT_TRUE(mkdtemp(self->base) != NULL);
	ASSERT_EQ(0, chmod(self->base, 0755));
	ASSERT_EQ(0, mount("tmpfs", self->base, "tmpfs", 0, "mode=0755"));
	ASSERT_EQ(0, chdir(self->base));
	ASSERT_EQ(0, mkdir("t", 0755));
	ASSERT_EQ(0, mkdir("t/mk", 0755));
	ASSERT_EQ(0, chmod("t/mk", 01777));
	ASSERT_EQ(0, mkdir("t/other", 0755));
	ASSERT_EQ(0, chmod("t/other", 0777));
	ASSERT_EQ(0, mkdir("u", 0755));
	ASSERT_EQ(0, chmod("u", 0777));
}

FIXTURE_TEARDOWN(follow)
{
	EXPECT_EQ(0, chdir("/"));
	EXPECT_EQ(0, umount2(self->base, MNT_DETACH));
	rmdir(self->base);
}

/*
 * B115: a directory another user creates in a tree while that user's allocations fail is
 * watched or named in a RIN_RESCAN, and nothing else of the instance's is detached.
 */
TEST_F_TIMEOUT(follow, b115_tree_follow_failing_allocations_watches_or_says, 1200)
{
	struct tf_run *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char slab_old[TF_KNOBS][32], page_old[TF_KNOBS][32];
	long made = 0, injected = 0, watched = 0, rescanned = 0, overflowed = 0;
	long missing = 0, detached = 0, dead = 0, made_injected = 0, ignored = 0, nofile = 0;
	int page = !access(FAIL_PAGE_ALLOC, F_OK), status;
	char make_it_fail[64];
	pid_t w, p;

	if (access(FAILSLAB, F_OK))
		SKIP(return, NO_FAILSLAB);
	ASSERT_TRUE(r != MAP_FAILED);
	ASSERT_EQ(0, write_text(FAILSLAB "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, write_text(FAILSLAB "/verbose", "0"));
	fflush(stdout);
	fflush(stderr);
	w = fork();
	if (w == 0)
		tf_watcher_main(r);
	ASSERT_LT(0, w);
	p = fork();
	if (p == 0)
		tf_producer_main(r);
	ASSERT_LT(0, p);
	while (!__atomic_load_n(&r->walked, __ATOMIC_ACQUIRE) &&
	       waitpid(p, &status, WNOHANG) == 0)
		usleep(10 * 1000);
	ASSERT_EQ(1, r->walked) TH_LOG("%s %s", r->p_err, r->w_err);
	snprintf(make_it_fail, sizeof(make_it_fail), "/proc/%d/make-it-fail", (int)p);
	ASSERT_EQ(0, tf_attr(FAILSLAB, slab_old, 1));
	if (page) {
		ASSERT_EQ(0, tf_attr(FAIL_PAGE_ALLOC, page_old, 1));
	} else {
		TH_LOG("no " FAIL_PAGE_ALLOC " (CONFIG_FAIL_PAGE_ALLOC): slab allocations only");
	}
	ASSERT_EQ(0, write_text(make_it_fail, "1"));
	__atomic_store_n(&r->random_go, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(p, waitpid(p, &status, 0));
	EXPECT_EQ(0, tf_attr(FAILSLAB, slab_old, 0));
	if (page) {
		EXPECT_EQ(0, tf_attr(FAIL_PAGE_ALLOC, page_old, 0));
	}
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("%s", r->p_err);
	ASSERT_EQ(w, waitpid(w, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) TH_LOG("%s", r->w_err);
	for (long i = 0; i < r->steps; i++) {
		unsigned char s = r->seen[i];

		injected += r->injected[i];
		detached += (s & (TF_PROBE_U | TF_PROBE_TREE)) != (TF_PROBE_U | TF_PROBE_TREE);
		if (!r->made[i])
			continue;
		/* A watch announced, then gone: its attach failed. */
		if (s & TF_IGNORED)
			s &= ~TF_WATCHED;
		made++;
		made_injected += r->injected[i];
		watched += !!(s & TF_WATCHED);
		ignored += !!(r->seen[i] & TF_IGNORED);
		rescanned += !!(s & TF_RESCANNED);
		overflowed += (s & (TF_WATCHED | TF_RESCANNED | TF_OVERFLOW)) == TF_OVERFLOW;
		if (!(s & (TF_WATCHED | TF_RESCANNED | TF_OVERFLOW))) {
			if (!missing)
				TH_LOG("t/mk/d%ld (step %ld, %s): neither watched nor named", i, i,
				       i < r->walk_steps ? "fail-nth" : "make-it-fail");
			missing++;
		}
		nofile += !!(s & TF_NOFILE);
		/* Said missed otherwise: its watch may have gone with its IN_IGNORED lost. */
		if ((s & (TF_WATCHED | TF_INSIDE | TF_NOFILE | TF_RESCANNED | TF_OVERFLOW)) ==
		    TF_WATCHED) {
			if (!dead)
				TH_LOG("t/mk/d%ld: watched, but its file went unreported", i);
			dead++;
		}
	}
	TH_LOG("%ld steps (walk %ld, make-it-fail %d at %s%%), %ld of the walk's failed",
	       r->steps, r->walk_steps, TF_RANDOM, TF_PERCENT, injected);
	TH_LOG("%ld directories made (%ld with a failure of the walk): %ld watched (and %ld",
	       made, made_injected, watched, ignored);
	TH_LOG("  announced whose watch then went, IN_IGNORED),");
	TH_LOG("  %ld in a RIN_RESCAN, %ld in an overflow alone, %ld neither", rescanned,
	       overflowed, missing);
	TH_LOG("steps whose file in u or t/other went unreported: %ld", detached);
	TH_LOG("watched directories whose file went unreported: %ld", dead);
	TH_LOG("  in which it could not be made: %ld%s%s", nofile, nofile ? ", " : "",
	       nofile ? strerror(r->nofile_errno) : "");
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, detached);
	EXPECT_EQ(0, dead);
	/* The failures reached follow, and it said so. */
	EXPECT_LT(0, rescanned);
	munmap(r, sizeof(*r));
}

TEST_HARNESS_MAIN
