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

#include "scenario.h"
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

TEST_HARNESS_MAIN
