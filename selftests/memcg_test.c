// SPDX-License-Identifier: GPL-2.0
/*
 * Who pays, in memory cgroups, for an instance's events and watches, on native inotify and
 * then on rinotify (differential scenarios): an event is charged to the memory cgroup of
 * the task that created the instance, whoever caused it ("whoever is interested in the
 * event, pays for it"), and a watch to the task that added it.
 *
 * The test moves itself between cgroups of its own under the cgroup v2 root, and reads
 * their slab_unreclaimable counter in memory.stat, where both kinds of object land. The
 * byte counts differ between the backends (their objects are of other sizes), so only
 * whether a counter moved is traced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "file.h"
#include "scenario.h"

#define CGROOT "/sys/fs/cgroup"
/* Enough to show above the counters' batching (a page per CPU) and noise. */
#define EVENTS 12000
#define WATCHES 1000
/* Every event or watch takes at least this much slab, on either backend. */
#define MIN_EVENT_BYTES 16
#define MIN_WATCH_BYTES 48

/* The cgroup v2 root, with the memory controller enabled for its children; 0 if so. */
static int memcg_ready(void)
{
	char controllers[256];

	if (access(CGROOT "/cgroup.controllers", R_OK)) {
		if (mkdir(CGROOT, 0755) && errno != EEXIST)
			return -1;
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
			return -1;
	}
	if (read_text(CGROOT "/cgroup.controllers", controllers, sizeof(controllers)) < 0 ||
	    !strstr(controllers, "memory"))
		return -1;
	return write_text(CGROOT "/cgroup.subtree_control", "+memory");
}

/* Creates the cgroup CGROOT/name, if it is not there. */
static int cg_make(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), CGROOT "/%s", name);
	return mkdir(path, 0755) && errno != EEXIST ? -1 : 0;
}

/* Moves the calling process into CGROOT/name ("" for the root). */
static int cg_enter(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), CGROOT "/%s%scgroup.procs", name, *name ? "/" : "");
	return write_text(path, "0");
}

/* The slab_unreclaimable bytes of CGROOT/name, -1 if unreadable. */
static long cg_slab(const char *name)
{
	char path[128], stat[8192], *line;

	snprintf(path, sizeof(path), CGROOT "/%s/memory.stat", name);
	if (read_file(path, stat, sizeof(stat)) < 0)
		return -1;
	line = strstr(stat, "\nslab_unreclaimable ");
	return line ? atol(line + strlen("\nslab_unreclaimable ")) : -1;
}

/*
 * The counters of a and b after what the test did. memcg folds its per-CPU statistics into
 * what memory.stat shows every two seconds (sooner only past a threshold that a thousand
 * watches do not reach), from a deferrable timer: one that does not wake an idle CPU. On a
 * tickless kernel (Debian's) a test asleep for three seconds can so read counters that were
 * never flushed; napping in short steps keeps waking the CPU, and the flush runs within the
 * three seconds.
 */
static void cg_settle(const char *a, long *va, const char *b, long *vb)
{
	const struct timespec nap = { .tv_nsec = 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 150; i++)
		nanosleep(&nap, NULL);
	*va = cg_slab(a);
	*vb = cg_slab(b);
}

static void cg_remove(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), CGROOT "/%s", name);
	rmdir(path);
}

/*
 * Expects the payer's cgroup to have paid for what the test made, at least min bytes, and
 * the bystander's not (less than a quarter of that, the counters' noise), tracing both
 * answers. p0, p1 and b0, b1 are their counters before and after.
 */
static void expect_paid(struct __test_metadata *_metadata, const char *what, long min,
			const char *payer, long p0, long p1, const char *bystander, long b0,
			long b1)
{
	TH_LOG("slab_unreclaimable: %s %ld -> %ld, %s %ld -> %ld bytes", payer, p0, p1,
	       bystander, b0, b1);
	EXPECT_LE(0, p0);
	EXPECT_LE(0, b0);
	t_log("the %s's cgroup paid for the %s: %s", payer, what, p1 - p0 >= min ? "yes" : "no");
	EXPECT_LE(min, p1 - p0);
	t_log("the %s's cgroup paid for them: %s", bystander,
	      b1 - b0 >= min / 4 ? "yes" : "no");
	EXPECT_GT(min / 4, b1 - b0);
}

/*
 * The listener's cgroup pays for the events a task of another cgroup causes: the listener
 * opens the instance and watches the directory in its cgroup, the producer changes two files
 * in turn (so that no event coalesces with the one before) from its own.
 */
TEST_F_TIMEOUT(scenarios, b87_events_are_charged_to_the_listener, 120)
{
	long l0, p0, l1, p1;
	int fd, i;

	if (memcg_ready())
		SKIP(return, "no memory cgroup controller (CONFIG_MEMCG, cgroup v2)");
	ASSERT_EQ(0, cg_make("rit-listener"));
	ASSERT_EQ(0, cg_make("rit-producer"));
	MKFILE("a");
	MKFILE("b");
	ASSERT_EQ(0, cg_enter("rit-listener"));
	fd = t_init(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, t_add(fd, ".", IN_ATTRIB));
	ASSERT_EQ(0, cg_enter("rit-producer"));
	cg_settle("rit-listener", &l0, "rit-producer", &p0);
	t_log("%d chmods of a and b in turn, from the producer's cgroup", EVENTS);
	for (i = 0; i < EVENTS; i++)
		ASSERT_EQ(0, chmod(i % 2 ? "b" : "a", i % 4 < 2 ? 0644 : 0600));
	cg_settle("rit-listener", &l1, "rit-producer", &p1);
	ASSERT_EQ(0, cg_enter(""));
	/* Each event is a record of 16 bytes and the name "a" padded to 16. */
	EXPECT_EQ(EVENTS * 32, t_fionread(fd));
	expect_paid(_metadata, "events", (long)EVENTS * MIN_EVENT_BYTES, "listener", l0, l1,
		    "producer", p0, p1);
	EXPECT_EQ(0, t_close(fd));
	cg_remove("rit-listener");
	cg_remove("rit-producer");
}

/*
 * A watch is charged to the task that adds it, not to the instance's creator: inotify
 * allocates its mark with GFP_KERNEL_ACCOUNT in inotify_add_watch().
 */
TEST_F_TIMEOUT(scenarios, b88_watches_are_charged_to_the_adder, 120)
{
	long o0, a0, o1, a1;
	char name[16];
	int fd, i;

	if (memcg_ready())
		SKIP(return, "no memory cgroup controller (CONFIG_MEMCG, cgroup v2)");
	ASSERT_EQ(0, cg_make("rit-owner"));
	ASSERT_EQ(0, cg_make("rit-adder"));
	t_log("%d files created", WATCHES);
	for (i = 0; i < WATCHES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ASSERT_EQ(0, close(open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)));
	}
	ASSERT_EQ(0, cg_enter("rit-owner"));
	fd = t_init(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, cg_enter("rit-adder"));
	cg_settle("rit-owner", &o0, "rit-adder", &a0);
	for (i = 0; i < WATCHES; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ASSERT_EQ(i + 1, t_add(fd, name, IN_MODIFY));
	}
	cg_settle("rit-owner", &o1, "rit-adder", &a1);
	ASSERT_EQ(0, cg_enter(""));
	expect_paid(_metadata, "watches", (long)WATCHES * MIN_WATCH_BYTES, "adder", a0, a1,
		    "owner", o0, o1);
	EXPECT_EQ(0, t_close(fd));
	cg_remove("rit-owner");
	cg_remove("rit-adder");
}

TEST_HARNESS_MAIN
