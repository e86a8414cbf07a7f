// SPDX-License-Identifier: GPL-2.0
/*
 * Differential scenarios: per-user limits (B3, B27, via the backend's own sysctls, set for
 * the test and restored; B110 in a user namespace, B111-B114 in namespaces of many uids,
 * nested, with their own maxima, and with the limits lowered), RLIMIT_NOFILE, and
 * thousands of watches. The limit scenarios run
 * their instances in a child with uid/gid 65534, which owns no other instances or watches,
 * so the counts are exact.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "file.h"
#include "scenario.h"
#include "userns.h"

/* Waits out the lazy release of an instance slot (B4), without logging the retries. */
static void wait_instance_slot(void)
{
	int i, fd;

	for (i = 0; i < 10000; i++) {
		fd = be->init1(0);
		if (fd >= 0) {
			close(fd);
			return;
		}
		if (errno != EMFILE)
			return;
		usleep(1000);
	}
}

static int b3_child(void *arg)
{
	int fd[4], i, fails = 0;

	for (i = 0; i < 3; i++) {
		fd[i] = t_init(0);
		fails += fd[i] < 0;
	}
	fd[3] = t_init(0);
	fails += !(fd[3] == -1 && errno == EMFILE);
	/* B2: flags are checked before the limit. */
	fails += !(t_init(1) == -1 && errno == EINVAL);
	t_close(fd[1]);
	wait_instance_slot();
	fd[1] = t_init(IN_NONBLOCK);
	fails += fd[1] < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	for (i = 0; i < 3; i++)
		t_close(fd[i]);
	return fails;
}

/* B3: instance N+1 of a user is EMFILE (N = max_user_instances). */
TEST_F(scenarios, b3_instance_limit)
{
	t_log("max_user_instances := 3");
	ASSERT_EQ(0, t_sysctl_set("max_user_instances", 3));
	EXPECT_EQ(0, t_child(1, b3_child, NULL));
	EXPECT_EQ(0, t_sysctl_restore("max_user_instances"));
}

static int b3_rlimit_child(void *arg)
{
	struct rlimit rl = { 32, 32 };
	int fails = 0, i, fd, last = -1;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 100;
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		last = fd;
	t_log("fd table full: %s", errno_name(errno));
	fails += !(t_init(0) == -1 && errno == EMFILE);
	/* Failing in a loop must not leak (H4). */
	for (i = 0; i < 100; i++)
		fails += !(be->init1(IN_CLOEXEC) == -1 && errno == EMFILE);
	close(last);
	fd = t_init(0);
	fails += fd < 0;
	fails += !(t_add(fd, ".", IN_CREATE) == 1);
	return fails;
}

/* B3: a full fd table gives EMFILE. */
TEST_F(scenarios, b3_rlimit_nofile)
{
	EXPECT_EQ(0, t_child(0, b3_rlimit_child, NULL));
}

static int b27_child(void *arg)
{
	int fd = t_init(0), fd2 = t_init(0), fails = 0, wd;
	char expect[64];

	if (fd < 0 || fd2 < 0)
		return 100;
	fails += t_add(fd, "f1", IN_MODIFY) != 1;
	fails += t_add(fd, "f2", IN_MODIFY) != 2;
	fails += t_add(fd, "f3", IN_MODIFY) != 3;
	fails += !(t_add(fd, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	/* Updating a watch does not count. */
	fails += t_add(fd, "f1", IN_ATTRIB) != 1;
	fails += t_add(fd, "f2", IN_ATTRIB | IN_MASK_ADD) != 2;
	/* The limit is per user, over all instances. */
	fails += !(t_add(fd2, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	/* rm_watch frees a slot at once. */
	fails += t_rm(fd, 1) != 0;
	/* The failed add above used up wd 1 of i2 (cyclic allocation happens first). */
	fails += t_add(fd2, "f4", IN_MODIFY) != 2;
	fails += !(t_add(fd, "f5", IN_MODIFY) == -1 && errno == ENOSPC);
	/* So does IN_IGNORED from a ONESHOT watch. */
	fails += t_rm(fd2, 2) != 0;
	wd = t_add(fd, "f5", IN_MODIFY | IN_ONESHOT);
	fails += wd < 1;
	fails += !(t_add(fd2, "f1", IN_MODIFY) == -1 && errno == ENOSPC);
	fails += write_file("f5", 1) != 0;
	fails += t_add(fd2, "f5", IN_MODIFY) < 1;
	snprintf(expect, sizeof(expect), "1 IGNORED; %d MODIFY; %d IGNORED", wd, wd);
	fails += strcmp(t_drain(fd), expect) != 0;
	fails += strcmp(t_drain(fd2), "2 IGNORED") != 0;
	/* close() releases all watches of the instance synchronously (B5). */
	t_close(fd);
	fd = t_init(0);
	fails += t_add(fd, "f1", IN_MODIFY) != 1;
	fails += t_add(fd, "f2", IN_MODIFY) != 2;
	fails += !(t_add(fd, "f3", IN_MODIFY) == -1 && errno == ENOSPC);
	t_close(fd);
	t_close(fd2);
	return fails;
}

/* B27/B5: watch N+1 of a user is ENOSPC (N = max_user_watches). */
TEST_F(scenarios, b27_watch_limit)
{
	char name[8];
	int i;

	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		MKFILE(name);
		ASSERT_EQ(0, TS(chmod(name, 0666)));
	}
	t_log("max_user_watches := 3");
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 3));
	EXPECT_EQ(0, t_child(1, b27_child, NULL));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
}

/* A user namespace of the caller's own, where its uid and gid are 0: 0, or -1. */
static int enter_userns(void)
{
	char map[32];
	uid_t uid = getuid();
	gid_t gid = getgid();

	/* Changing credentials made /proc/self root's: the caller's again, for its maps. */
	if (prctl(PR_SET_DUMPABLE, 1) || unshare(CLONE_NEWUSER))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_text("/proc/self/uid_map", map) || write_text("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return write_text("/proc/self/gid_map", map);
}

static int b110_child(void *arg)
{
	int out = t_init(0), fd[3], fails = 0;

	if (out < 0)
		return 100;
	fails += t_add(out, "f1", IN_MODIFY) != 1;
	if (enter_userns()) {
		t_log("unshare(CLONE_NEWUSER): %s", errno_name(errno));
		return 100;
	}
	t_log("in a user namespace of its own, as uid %u", (unsigned int)getuid());
	/* What the user holds outside counts inside, and the other way round. */
	fd[0] = t_init(0);
	fd[1] = t_init(0);
	fails += fd[0] < 0 || fd[1] < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	fails += t_add(fd[0], "f2", IN_MODIFY) != 1;
	fails += t_add(fd[1], "f3", IN_MODIFY) != 1;
	fails += !(t_add(fd[1], "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	fails += !(t_add(out, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	t_close(out);
	wait_instance_slot();
	fd[2] = t_init(0);
	fails += fd[2] < 0;
	fails += t_add(fd[2], "f4", IN_MODIFY) != 1;
	fails += !(t_add(fd[2], "f5", IN_MODIFY) == -1 && errno == ENOSPC);
	for (int i = 0; i < 3; i++)
		t_close(fd[i]);
	return fails;
}

/*
 * B110: a user in a user namespace of its own (unshare -U, its uid alone mapped) is held to
 * the same limits as outside it, against what it holds on both sides: its instances are
 * charged to its uid in the namespace and to the namespace's owner, itself, outside.
 */
TEST_F(scenarios, b110_limits_in_a_user_namespace)
{
	char name[8];
	int i;

	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		MKFILE(name);
		ASSERT_EQ(0, TS(chmod(name, 0666)));
	}
	t_log("max_user_instances := 3, max_user_watches := 3");
	ASSERT_EQ(0, t_sysctl_set("max_user_instances", 3));
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 3));
	EXPECT_EQ(0, t_child(1, b110_child, NULL));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
	EXPECT_EQ(0, t_sysctl_restore("max_user_instances"));
}

/*
 * User namespaces with many uids (B111-B114), as a user makes them with newuidmap from its
 * /etc/subuid range: OWNER unshares one, and an agent that is root outside writes the map,
 * OWNER's uid as 0 and SUBUIDS as 1..1000. Inside, the namespace's root takes on uid u by its
 * effective uid alone (ns_as()), keeping the rights to come back.
 */
#define OWNER		1000
#define USERNS_MAP	"0 1000 1\n1 200000 1000"

/* What a scenario's child needs: the agent root outside. */
struct userns_scenario {
	struct userns_agent *agent;
};

/* The effective uid u in the namespace, whose root the caller is (logged). */
static int ns_as(uid_t u)
{
	if (seteuid(0) || (u && seteuid(u))) {
		t_log("seteuid(%u): %s", (unsigned int)u, errno_name(errno));
		return -1;
	}
	t_log("as uid %u", (unsigned int)u);
	return 0;
}

/* OWNER in a namespace of the USERNS_MAP made by agent, as its root: 0, or -1 (logged). */
static int enter_subuid_ns(struct userns_agent *agent)
{
	if (userns_unshare(agent, USERNS_MAP, USERNS_MAP)) {
		t_log("user namespace: %s", errno_name(errno));
		return -1;
	}
	t_log("in a user namespace of uids 0 (uid %d outside) and 1-1000", OWNER);
	return 0;
}

/* Files f1..f<n> that anyone may watch. */
static int make_files(int n)
{
	char name[8];
	int i;

	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (TS(close(open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644))))
			return -1;
		if (TS(chmod(name, 0644)))
			return -1;
	}
	return 0;
}

/* Runs fn as a child of the scenario with an agent of the scenario's (root) beside it. */
static int run_with_agent(int (*fn)(void *arg))
{
	struct userns_agent agent;
	int ret;

	if (userns_agent_start(&agent))
		return -1;
	ret = t_child(0, fn, &agent);
	if (userns_agent_stop(&agent))
		return -1;
	return ret;
}

static int b111_child(void *arg)
{
	struct userns_agent *agent = arg;
	int out, a, b, d, fails = 0;

	if (userns_become(OWNER, OWNER))
		return 100;
	/* What OWNER holds outside counts inside. */
	out = t_init(0);
	fails += out < 0;
	fails += t_add(out, "f1", IN_MODIFY) != 1;
	if (enter_subuid_ns(agent))
		return 100;
	if (ns_as(1))
		return 100;
	a = t_init(0);
	b = t_init(0);
	fails += a < 0 || b < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	/* Another uid of the namespace gets nothing of its own: all are OWNER's. */
	if (ns_as(2))
		return 100;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	if (ns_as(0))
		return 100;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	if (ns_as(1))
		return 100;
	fails += t_add(a, "f2", IN_MODIFY) != 1;
	fails += t_add(b, "f3", IN_MODIFY) != 1;
	fails += t_add(b, "f4", IN_MODIFY) != 2;
	fails += !(t_add(b, "f5", IN_MODIFY) == -1 && errno == ENOSPC);
	/* OWNER's instance outside goes: one instance, one watch for uid 2. */
	t_close(out);
	if (ns_as(2))
		return 100;
	wait_instance_slot();
	d = t_init(0);
	fails += d < 0;
	fails += t_add(d, "f5", IN_MODIFY) != 1;
	fails += !(t_add(d, "f6", IN_MODIFY) == -1 && errno == ENOSPC);
	fails += !(t_init(0) == -1 && errno == EMFILE);
	if (ns_as(1))
		return 100;
	fails += !(t_add(a, "f6", IN_MODIFY) == -1 && errno == ENOSPC);
	fails += !(t_init(0) == -1 && errno == EMFILE);
	t_close(a);
	t_close(b);
	t_close(d);
	return fails;
}

/*
 * B111: in a user namespace whose map holds many uids (newuidmap's), every uid is charged
 * to the namespace's owner as well, against the owner's limits: one uid at the limits
 * leaves nothing to another, nor to the owner outside, and the other way round.
 */
TEST_F(scenarios, b111_userns_uids_share_the_owners_limits)
{
	ASSERT_EQ(0, make_files(6));
	t_log("max_user_instances := 3, max_user_watches := 4");
	ASSERT_EQ(0, t_sysctl_set("max_user_instances", 3));
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 4));
	EXPECT_EQ(0, run_with_agent(b111_child));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
	EXPECT_EQ(0, t_sysctl_restore("max_user_instances"));
}

/* The map of the nested namespace, in the first one's uids: 0 is 1, 1..20 are 10..29. */
#define NESTED_MAP	"0 1 1\n1 10 20"

static int b112_inner(void *arg)
{
	struct userns_agent *agent = arg;
	int a, b, fails = 0;

	if (userns_become(1, 1) || userns_unshare(agent, NESTED_MAP, NESTED_MAP)) {
		t_log("nested user namespace: %s", errno_name(errno));
		return 100;
	}
	t_log("in a nested user namespace of uids 0 (uid 1 outside) and 1-20");
	if (ns_as(1))
		return 100;
	a = t_init(0);
	b = t_init(0);
	fails += a < 0 || b < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	fails += t_add(a, "f1", IN_MODIFY) != 1;
	fails += t_add(b, "f2", IN_MODIFY) != 1;
	if (ns_as(2))
		return 100;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	/* Charged to the instance's owner, uid 1: the owners above it are full all the same. */
	fails += t_add(a, "f3", IN_MODIFY) != 2;
	fails += !(t_add(b, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	if (ns_as(0))
		return 100;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	fails += !(t_add(a, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	t_close(a);
	t_close(b);
	return fails;
}

static int b112_child(void *arg)
{
	struct userns_agent *outer = arg, inner;
	int h, fails = 0, ret;

	if (userns_become(OWNER, OWNER) || enter_subuid_ns(outer))
		return 100;
	/* Another uid of the first namespace holds one instance. */
	if (ns_as(3))
		return 100;
	h = t_init(0);
	fails += h < 0;
	if (ns_as(0) || userns_agent_start(&inner))
		return 100;
	ret = t_child(0, b112_inner, &inner);
	if (userns_agent_stop(&inner))
		return 100;
	fails += ret;
	t_close(h);
	return fails;
}

/*
 * B112: in a user namespace nested in another, each of them with many uids, an instance and
 * its watches are charged at every level up: to its uid in the nested namespace, to the
 * nested namespace's owner in the first, and to the first one's owner outside.
 */
TEST_F(scenarios, b112_nested_userns_charges_every_level)
{
	ASSERT_EQ(0, make_files(4));
	t_log("max_user_instances := 3, max_user_watches := 3");
	ASSERT_EQ(0, t_sysctl_set("max_user_instances", 3));
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 3));
	EXPECT_EQ(0, run_with_agent(b112_child));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
	EXPECT_EQ(0, t_sysctl_restore("max_user_instances"));
}

/* Writes the namespace's own maximum /proc/sys/user/<knob> as its root (logged). */
static int ns_max(const char *knob, long value)
{
	char path[64], text[16];

	snprintf(path, sizeof(path), "/proc/sys/user/%s", knob);
	snprintf(text, sizeof(text), "%ld", value);
	if (ns_as(0) || write_text(path, text)) {
		t_log("%s := %ld: %s", knob, value, errno_name(errno));
		return -1;
	}
	t_log("%s := %ld in the namespace", knob, value);
	return 0;
}

static int b113_child(void *arg)
{
	struct userns_agent *agent = arg;
	int a, b, c, fails = 0;

	if (userns_become(OWNER, OWNER) || enter_subuid_ns(agent))
		return 100;
	if (ns_max("max_inotify_instances", 1) || ns_max("max_inotify_watches", 2))
		return 100;
	if (ns_as(1))
		return 100;
	a = t_init(0);
	fails += a < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	fails += t_add(a, "f1", IN_MODIFY) != 1;
	fails += t_add(a, "f2", IN_MODIFY) != 2;
	fails += !(t_add(a, "f3", IN_MODIFY) == -1 && errno == ENOSPC);
	/* Each uid of the namespace has the namespace's maxima of its own ... */
	if (ns_as(2))
		return 100;
	b = t_init(0);
	fails += b < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	/* ... and a watch counts against the instance's owner, not whoever adds it. */
	fails += !(t_add(a, "f3", IN_MODIFY) == -1 && errno == ENOSPC);
	fails += t_add(b, "f3", IN_MODIFY) != 1;
	fails += t_add(b, "f4", IN_MODIFY) != 2;
	fails += !(t_add(b, "f5", IN_MODIFY) == -1 && errno == ENOSPC);
	if (ns_as(1))
		return 100;
	fails += !(t_add(b, "f5", IN_MODIFY) == -1 && errno == ENOSPC);
	if (ns_as(0))
		return 100;
	c = t_init(0);
	fails += c < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	/* Raised, at once. */
	if (ns_max("max_inotify_watches", 3) || ns_as(1))
		return 100;
	/* wd 3 and 4 went to the two refused adds of f3. */
	fails += t_add(a, "f3", IN_MODIFY) != 5;
	fails += !(t_add(a, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	t_close(a);
	t_close(b);
	t_close(c);
	return fails;
}

/*
 * B113: a user namespace's own maxima (/proc/sys/user/max_inotify_* in it, unlimited until
 * its root lowers them) hold each of its uids, each for the instances it made and their
 * watches, whoever adds them; the limits of outside still hold its owner.
 */
TEST_F(scenarios, b113_userns_own_maxima)
{
	ASSERT_EQ(0, make_files(5));
	t_log("max_user_instances := 8, max_user_watches := 8");
	ASSERT_EQ(0, t_sysctl_set("max_user_instances", 8));
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 8));
	EXPECT_EQ(0, run_with_agent(b113_child));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
	EXPECT_EQ(0, t_sysctl_restore("max_user_instances"));
}

/* Has the agent outside set the backend's sysctl (logged). */
static int lower(struct userns_agent *agent, const char *knob, long value)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", be->sysctl_dir, knob);
	if (userns_agent_write(agent, path, value)) {
		t_log("%s := %ld: %s", knob, value, errno_name(errno));
		return -1;
	}
	t_log("%s := %ld outside", knob, value);
	return 0;
}

static int b114_child(void *arg)
{
	struct userns_agent *agent = arg;
	int a, b, c, fails = 0;

	if (userns_become(OWNER, OWNER) || enter_subuid_ns(agent) || ns_as(1))
		return 100;
	a = t_init(0);
	b = t_init(0);
	fails += a < 0 || b < 0;
	fails += t_add(a, "f1", IN_MODIFY) != 1;
	fails += t_add(a, "f2", IN_MODIFY) != 2;
	if (ns_as(2))
		return 100;
	c = t_init(0);
	fails += c < 0;
	fails += t_add(c, "f3", IN_MODIFY) != 1;
	/* Lowered below what the namespace's uids hold together. */
	if (lower(agent, "max_user_instances", 2) || lower(agent, "max_user_watches", 2))
		return 100;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	fails += !(t_add(c, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	fails += t_rm(c, 1) != 0;
	fails += !(t_add(c, "f4", IN_MODIFY) == -1 && errno == ENOSPC);
	if (ns_as(1))
		return 100;
	fails += t_rm(a, 1) != 0;
	if (ns_as(2))
		return 100;
	/* wd 2 and 3 went to the two refused adds of f4. */
	fails += t_add(c, "f4", IN_MODIFY) != 4;
	fails += !(t_add(c, "f5", IN_MODIFY) == -1 && errno == ENOSPC);
	t_close(b);
	fails += !(t_init(0) == -1 && errno == EMFILE);
	t_close(c);
	wait_instance_slot();
	c = t_init(0);
	fails += c < 0;
	fails += !(t_init(0) == -1 && errno == EMFILE);
	t_close(a);
	t_close(c);
	return fails;
}

/*
 * B114: the limits lowered outside, below what the uids of a user namespace hold together,
 * refuse every uid of it until they together hold less; what they hold stays.
 */
TEST_F(scenarios, b114_userns_limits_lowered_while_held)
{
	ASSERT_EQ(0, make_files(5));
	t_log("max_user_instances := 4, max_user_watches := 4");
	ASSERT_EQ(0, t_sysctl_set("max_user_instances", 4));
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", 4));
	EXPECT_EQ(0, run_with_agent(b114_child));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
	EXPECT_EQ(0, t_sysctl_restore("max_user_instances"));
}

/*
 * B21/B27/B5: 3000 watches: wds 1..3000, events on some, rm of half of them, then close
 * with 1500 watches left. A longer time-out: this is slow under emulation with KASAN.
 */
TEST_F_TIMEOUT(scenarios, many_watches_3000, 180)
{
	char name[32];
	long old = t_sysctl_get("max_user_watches");
	int fd = t_init(0), i, bad = 0;

	ASSERT_LE(0, fd);
	ASSERT_LT(0, old);
	/* Not logged: the values differ between machines. */
	ASSERT_EQ(0, t_sysctl_set("max_user_watches", old + 4000));
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		ASSERT_EQ(0, mkdir(name, 0755));
	}
	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		bad += be->add_watch(fd, name, IN_CREATE) != i + 1;
	}
	t_log("3000 add_watch: %d not in order 1..3000", bad);
	EXPECT_EQ(0, bad);
	/* The same inodes again: the same wds, nothing new. */
	for (i = 0, bad = 0; i < 3000; i += 100) {
		snprintf(name, sizeof(name), "d%d/", i);
		bad += be->add_watch(fd, name, IN_CREATE | IN_DELETE) != i + 1;
	}
	t_log("30 updates: %d with another wd", bad);
	EXPECT_EQ(0, bad);
	MKFILE("d0/x");
	MKFILE("d1500/y");
	MKFILE("d2999/z");
	ASSERT_EQ(0, TS(unlink("d0/x")));
	EXPECT_Q(fd, "1 CREATE x; 1501 CREATE y; 3000 CREATE z; 1 DELETE x");
	for (i = 2, bad = 0; i <= 3000; i += 2)
		bad += be->rm_watch(fd, i) != 0;
	t_log("1500 rm_watch of the even wds: %d failed", bad);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(1500 * 16, t_fionread(fd));
	EXPECT_EQ(1500 * 16, t_read(fd, 1500 * 16));
	for (i = 0, bad = 0; i < t_nev; i++)
		bad += t_ev[i].wd != 2 * i + 2 || t_ev[i].mask != IN_IGNORED;
	EXPECT_EQ(1500, t_nev);
	EXPECT_EQ(0, bad);
	/* d1 (wd 2) is a new watch, d3 (wd 4) is not watched, d4 (wd 5) still is. */
	EXPECT_EQ(3001, t_add(fd, "d1", IN_CREATE));
	MKFILE("d1/a");
	MKFILE("d3/b");
	MKFILE("d4/c");
	EXPECT_Q(fd, "3001 CREATE a; 5 CREATE c");
	EXPECT_EQ(0, t_close(fd));
	EXPECT_EQ(0, t_sysctl_restore("max_user_watches"));
}

TEST_HARNESS_MAIN
