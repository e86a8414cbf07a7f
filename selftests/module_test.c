// SPDX-License-Identifier: GPL-2.0
/*
 * Module-only facts of rinotify, which native inotify cannot be the oracle for: the device
 * node and its open modes, the module reference held by open files (of the device and of
 * the module's debugfs directory), unloading and loading again, the sysctls under
 * /proc/sys/fs/rinotify, the queue bound taken at open, the slab caches, and the per-user
 * accounting released exactly on close, rm_watch and deletion.
 *
 * Needs RINOTIFY_KO, the path of rinotify.ko in the guest, and root. Tests that change a
 * sysctl do their checks in a child (or before any ASSERT) and restore it unconditionally.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
/* The O_* flags as the kernel defines them: O_LARGEFILE is not 0 on 64-bit. */
#include "uapi.h"

#include "kselftest_harness.h"
#include "clock.h"
#include "file.h"
#include "module.h"
#include "rinotify_user.h"
#include "slab.h"
#include "sysctl.h"

#define NOBODY 65534

static const char *const knobs[] = {
	"max_user_instances", "max_user_watches", "max_queued_events",
};

#define NR_KNOBS ARRAY_SIZE(knobs)

/* A rinotify sysctl's value, -1 if it cannot be read. */
static long knob_get(const char *knob)
{
	return sysctl_get(RINOTIFY_SYSCTL_DIR, knob);
}

/* Sets a rinotify sysctl: 0, or -1 with errno. */
static int knob_set(const char *knob, long value)
{
	return sysctl_set(RINOTIFY_SYSCTL_DIR, knob, value);
}

/* Opens an instance, retrying for up to 2 s while it fails with EMFILE (lazy release). */
static int open_retry_emfile(int flags)
{
	long end = now_ms() + 2000;
	int fd;

	for (;;) {
		fd = open(RINOTIFY_DEVICE, flags);
		if (fd >= 0 || errno != EMFILE || now_ms() > end)
			return fd;
		usleep(10 * 1000);
	}
}

/* Adds a watch, retrying for up to 2 s while it fails with ENOSPC (lazy release). */
static int add_watch_retry_enospc(int fd, const char *path, uint32_t mask)
{
	long end = now_ms() + 2000;
	int wd;

	for (;;) {
		wd = rinotify_add_watch(fd, path, mask);
		if (wd >= 0 || errno != ENOSPC || now_ms() > end)
			return wd;
		usleep(10 * 1000);
	}
}

/*
 * Checks in a child of run_child(), which reports through its exit status: a failed check
 * prints where and ends the child with status 1. Used where the parent must restore a
 * sysctl whatever happens.
 */
#define CHILD_CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "# child %s:%d: %s failed (errno %d: %s)\n",	\
			__FILE__, __LINE__, #cond, errno, strerror(errno));	\
		_exit(1);							\
	}									\
} while (0)

/*
 * Runs fn(arg) in a child, as uid/gid `uid` unless it is 0; returns its exit status (0 for
 * success), or -1 if it did not exit normally.
 */
static int run_child(uid_t uid, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (uid && (setgid(uid) || setuid(uid)))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(device_node_is_world_openable)
{
	struct stat st;

	ASSERT_EQ(0, stat(RINOTIFY_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
}

TEST(open_and_close)
{
	int fd = open(RINOTIFY_DEVICE, O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST(unprivileged_user_can_open)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(RINOTIFY_DEVICE, O_RDONLY);
		_exit(fd >= 0 && close(fd) == 0 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(sysctls_exist_with_inotify_defaults)
{
	struct stat st;
	char path[128];
	long native;

	for (size_t i = 0; i < NR_KNOBS; i++) {
		snprintf(path, sizeof(path), "%s/%s", RINOTIFY_SYSCTL_DIR, knobs[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("%s", path);
		EXPECT_EQ(0644, st.st_mode & 07777) TH_LOG("%s", path);
		EXPECT_EQ(0, st.st_uid) TH_LOG("%s", path);
	}
	/* inotify's defaults: its constants ... */
	EXPECT_EQ(128, knob_get("max_user_instances"));
	EXPECT_EQ(16384, knob_get("max_queued_events"));
	/* ... and the limit it sized by memory at boot, which the module took (b85). */
	native = sysctl_get(INOTIFY_SYSCTL_DIR, "max_user_watches");
	ASSERT_LT(0, native);
	EXPECT_EQ(native, knob_get("max_user_watches"));
}

/*
 * The kernel log's messages from now on: a /dev/kmsg reader placed at its end, to be read
 * with kmsg_find().
 */
static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a message logged since kmsg_open_at_end() contains text. */
static int kmsg_find(int fd, const char *text)
{
	char record[2048];
	ssize_t n;

	while ((n = read(fd, record, sizeof(record) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		record[n] = 0;
		if (strstr(record, text))
			return 1;
	}
	return 0;
}

/*
 * The module refuses to load where SELinux is active, whose watch permissions it cannot
 * check, and only there: it loads where SELinux is merely built in beside the active LSM
 * (AppArmor in the debug kernel and in Debian's). make check boots once with lsm=selinux
 * to run this test with the module not loaded (RIT_INSMOD=refused).
 */
TEST(loads_only_where_selinux_is_not_active)
{
	char lsm[512] = "";
	int fd, found;

	if (read_text("/sys/kernel/security/lsm", lsm, sizeof(lsm)) < 0)
		TH_LOG("no /sys/kernel/security/lsm: a kernel without LSMs");
	else
		TH_LOG("active LSMs: %s", lsm);
	if (!strstr(lsm, "selinux")) {
		/* The module was loaded at boot, or by the test before this one. */
		ASSERT_TRUE(module_loaded());
		return;
	}
	ASSERT_FALSE(module_loaded()) TH_LOG("loaded with SELinux active");
	fd = kmsg_open_at_end();
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, module_load());
	EXPECT_EQ(EPERM, errno);
	EXPECT_FALSE(module_loaded());
	found = kmsg_find(fd, "rinotify: SELinux is active");
	EXPECT_TRUE(found) TH_LOG("the kernel log does not say why the module did not load");
	close(fd);
}

/* Low memory in pages, as si_meminfo() counts it: MemTotal (no highmem on 64-bit). */
static long memtotal_pages(void)
{
	char buf[4096], *line;
	long kib;

	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	line = strstr(buf, "MemTotal:");
	if (!line || sscanf(line, "MemTotal: %ld kB", &kib) != 1)
		return -1;
	return kib / (sysconf(_SC_PAGESIZE) / 1024);
}

#define DEFAULTS_LINE \
	"rinotify: max_user_watches defaults to %ld, max_user_instances to %ld: " \
	"inotify's current limits"

/*
 * The last "max_user_watches defaults to" line in the kernel log, which the module prints
 * when it is loaded: the limits it took from inotify. 0, or -1 if there is none or it does
 * not say that they are inotify's.
 */
static int defaults_line(long *watches, long *instances)
{
	char rec[1024];
	const char *msg;
	int fd, found = -1;
	ssize_t n;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	/* One record per read(); EPIPE is a record overwritten meanwhile, EAGAIN the end. */
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		msg = strstr(rec, "rinotify: max_user_watches defaults to ");
		if (msg)
			found = sscanf(msg, DEFAULTS_LINE, watches, instances) == 2 &&
				strstr(msg, ": inotify's current limits") ? 0 : -1;
	}
	close(fd);
	return found;
}

/* Loads the module again; its per-user limits are then compared with native inotify's. */
static int reload(void)
{
	if (module_unload_wait(5000) < 0)
		return -1;
	return module_load();
}

/*
 * B85: the defaults of max_user_watches and max_user_instances are native inotify's in the
 * same boot: the module takes the values inotify holds when it is loaded. inotify computed
 * max_user_watches at boot (1% of low memory per watch cost, clamped to [8192, 1048576]),
 * before the kernel freed its init memory and the initramfs; the same formula computed at
 * the load, on more pages, gave a hundred or more beyond (Debian's kernel in a 2 GiB guest:
 * 17189 against 16950 to 16964, inotify's varying with the initramfs' size; the debug kernel
 * at 5 GiB: 15684 against 15578 to 15585). make check runs this on guests of more than one
 * memory size (mem=), so that the value is not always the clamp's.
 *
 * The limits root has written to /proc/sys/fs/inotify before the load are taken too: with
 * native's changed, a reload takes the changed values.
 */
FIXTURE(reload) {};
FIXTURE_SETUP(reload) {}
FIXTURE_TEARDOWN(reload) {}

/* A reload runs the module's KUnit suites again, which takes long under KASAN. */
TEST_F_TIMEOUT(reload, defaults_are_inotifys_at_load, 180)
{
	long watches = -1, instances = -1, native_watches, native_instances;

	ASSERT_TRUE(getenv("RINOTIFY_KO") != NULL);
	/* Native's, read before the load: its boot defaults, which no test has changed. */
	native_watches = sysctl_get(INOTIFY_SYSCTL_DIR, "max_user_watches");
	native_instances = sysctl_get(INOTIFY_SYSCTL_DIR, "max_user_instances");
	ASSERT_LT(0, native_watches);
	ASSERT_LT(0, native_instances);
	TH_LOG("native's, computed at boot: max_user_watches %ld, max_user_instances %ld",
	       native_watches, native_instances);
	TH_LOG("%ld pages of low memory now", memtotal_pages());
	if (native_watches == 8192 || native_watches == 1048576)
		TH_LOG("max_user_watches is clamped at this memory size");

	ASSERT_EQ(0, reload());
	EXPECT_EQ(0, defaults_line(&watches, &instances))
		TH_LOG("no \"%s\" line in /dev/kmsg", DEFAULTS_LINE);
	EXPECT_EQ(native_watches, watches);
	EXPECT_EQ(native_instances, instances);
	EXPECT_EQ(native_watches, knob_get("max_user_watches"));
	EXPECT_EQ(native_instances, knob_get("max_user_instances"));
	/* Not inotify's to give: its max_queued_events is private to inotify_user.c. */
	EXPECT_EQ(16384, knob_get("max_queued_events"));

	/* Native's limits changed before a load: rinotify starts with them. */
	EXPECT_EQ(0, sysctl_set(INOTIFY_SYSCTL_DIR, "max_user_watches", native_watches + 1));
	EXPECT_EQ(0, sysctl_set(INOTIFY_SYSCTL_DIR, "max_user_instances", native_instances + 1));
	EXPECT_EQ(0, reload());
	EXPECT_EQ(native_watches + 1, knob_get("max_user_watches"));
	EXPECT_EQ(native_instances + 1, knob_get("max_user_instances"));
	/* Both restored, whatever failed: the next tests expect the defaults. */
	EXPECT_EQ(0, sysctl_set(INOTIFY_SYSCTL_DIR, "max_user_watches", native_watches));
	EXPECT_EQ(0, sysctl_set(INOTIFY_SYSCTL_DIR, "max_user_instances", native_instances));
	if (module_loaded()) {
		EXPECT_EQ(0, knob_set("max_user_watches", native_watches));
		EXPECT_EQ(0, knob_set("max_user_instances", native_instances));
	} else {
		EXPECT_EQ(0, module_load());
	}
}

/* Every check here is an EXPECT, so each sysctl is restored whatever fails. */
TEST(sysctls_root_writes_and_range_checks)
{
	long old[NR_KNOBS];

	for (size_t i = 0; i < NR_KNOBS; i++) {
		old[i] = knob_get(knobs[i]);
		ASSERT_LE(0, old[i]) TH_LOG("%s", knobs[i]);
	}
	for (size_t i = 0; i < NR_KNOBS; i++) {
		EXPECT_EQ(0, knob_set(knobs[i], old[i] + 1)) TH_LOG("%s", knobs[i]);
		EXPECT_EQ(old[i] + 1, knob_get(knobs[i])) TH_LOG("%s", knobs[i]);
		/* Below the minimum (0): refused, the value stays. */
		EXPECT_EQ(-1, sysctl_write(RINOTIFY_SYSCTL_DIR, knobs[i], "-1"))
			TH_LOG("%s", knobs[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", knobs[i]);
		EXPECT_EQ(old[i] + 1, knob_get(knobs[i])) TH_LOG("%s", knobs[i]);
		EXPECT_EQ(0, knob_set(knobs[i], old[i])) TH_LOG("%s", knobs[i]);
		EXPECT_EQ(old[i], knob_get(knobs[i])) TH_LOG("%s", knobs[i]);
	}
}

static int sysctls_unprivileged_child(void *arg)
{
	const long *values = arg;
	char path[128];

	for (size_t i = 0; i < NR_KNOBS; i++) {
		snprintf(path, sizeof(path), "%s/%s", RINOTIFY_SYSCTL_DIR, knobs[i]);
		/* World-readable ... */
		CHILD_CHECK(read_long(path) == values[i]);
		/* ... but only root may write. */
		errno = 0;
		CHILD_CHECK(open(path, O_WRONLY | O_CLOEXEC) == -1 && errno == EACCES);
		errno = 0;
		CHILD_CHECK(open(path, O_RDWR | O_CLOEXEC) == -1 && errno == EACCES);
	}
	return 0;
}

TEST(sysctls_not_writable_by_unprivileged_user)
{
	long values[NR_KNOBS];

	for (size_t i = 0; i < NR_KNOBS; i++) {
		values[i] = knob_get(knobs[i]);
		ASSERT_LE(0, values[i]) TH_LOG("%s", knobs[i]);
	}
	EXPECT_EQ(0, run_child(NOBODY, sysctls_unprivileged_child, values));
	/* Braces: the harness's EXPECT_*() is two statements. */
	for (size_t i = 0; i < NR_KNOBS; i++) {
		EXPECT_EQ(values[i], knob_get(knobs[i])) TH_LOG("%s", knobs[i]);
	}
}

/* Creates dir/f<i> for i in [from, to). */
static int create_files(const char *dir, int from, int to)
{
	char path[128];
	int fd;

	for (int i = from; i < to; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

/* max_queued_events is sampled when the instance is created, not when events are queued. */
TEST(queue_bound_is_sampled_at_open)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char dir[] = "/tmp/rinotify-bound-XXXXXX", name[16];
	long old = knob_get("max_queued_events");
	struct inotify_event *ev;
	int fd, fd2, err, set, restored, i;
	ssize_t n;

	ASSERT_LT(4, old);
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	/* Nothing may bail out between setting the bound and restoring it. */
	set = knob_set("max_queued_events", 4);
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	err = errno;
	restored = knob_set("max_queued_events", old);
	ASSERT_EQ(0, set);
	ASSERT_EQ(0, restored);
	ASSERT_EQ(old, knob_get("max_queued_events"));
	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(err));
	/* Opened with the default bound again: it does not overflow at 4. */
	fd2 = open(RINOTIFY_DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd2);

	ASSERT_EQ(1, rinotify_add_watch(fd, dir, IN_CREATE));
	ASSERT_EQ(1, rinotify_add_watch(fd2, dir, IN_CREATE));
	ASSERT_EQ(0, create_files(dir, 0, 10));

	/* Four creates, each a 16-byte header and the name "fN" padded to 16, then overflow. */
	n = read(fd, buf, sizeof(buf));
	ASSERT_EQ(4 * 32 + 16, n);
	for (i = 0; i < 4; i++) {
		ev = (struct inotify_event *)(buf + 32 * i);
		snprintf(name, sizeof(name), "f%d", i);
		EXPECT_EQ(1, ev->wd);
		EXPECT_EQ(IN_CREATE, ev->mask);
		EXPECT_EQ(0, ev->cookie);
		EXPECT_EQ(16, ev->len);
		EXPECT_STREQ(name, ev->name);
	}
	ev = (struct inotify_event *)(buf + 4 * 32);
	EXPECT_EQ(-1, ev->wd);
	EXPECT_EQ(0x4000, ev->mask);
	EXPECT_EQ(IN_Q_OVERFLOW, ev->mask);
	EXPECT_EQ(0, ev->cookie);
	EXPECT_EQ(0, ev->len);
	/* One overflow record only, and nothing after it. */
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);

	/* The instance opened after the restore got all ten. */
	EXPECT_EQ(10 * 32, read(fd2, buf, sizeof(buf)));

	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, close(fd2));
	rm_tree(dir);
}

#define SLAB_N 100

TEST(slab_caches_hold_watches_and_events)
{
	char dir[] = "/tmp/rinotify-slab-XXXXXX", path[64];
	long w0, w1, w2, e0, e1, e2;
	int fd, i;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	for (i = 0; i < SLAB_N; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		ASSERT_EQ(0, mkdir(path, 0700));
	}

	/* Marks: one object per watch, all freed once the instance is closed. */
	w0 = slab_settled(WATCH_CACHE);
	ASSERT_LE(0, w0) TH_LOG("no " WATCH_CACHE " in /proc/slabinfo");
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < SLAB_N; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		ASSERT_EQ(i + 1, rinotify_add_watch(fd, path, IN_CREATE));
	}
	w1 = slab_active(WATCH_CACHE);
	EXPECT_LE(w0 + SLAB_N, w1) TH_LOG("%s: %ld before, %ld with %d watches",
					  WATCH_CACHE, w0, w1, SLAB_N);
	ASSERT_EQ(0, close(fd));
	w2 = slab_wait_at_most(WATCH_CACHE, w0);
	EXPECT_GE(w0, w2) TH_LOG("%s: %ld before, %ld after close", WATCH_CACHE, w0, w2);

	/*
	 * Events without a name: one object per queued event, freed unread when the instance
	 * is closed (events with a name are one kmalloc() of header and name). The watches
	 * are on two directories, which take turns so that no event merges with the last.
	 */
	e0 = slab_settled(EVENT_CACHE);
	ASSERT_LE(0, e0) TH_LOG("no " EVENT_CACHE " in /proc/slabinfo");
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		ASSERT_EQ(i + 1, rinotify_add_watch(fd, path, IN_ATTRIB));
	}
	for (i = 0; i < SLAB_N; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i % 2);
		ASSERT_EQ(0, chmod(path, i / 2 % 2 ? 0700 : 0750));
	}
	EXPECT_EQ(0, ioctl(fd, FIONREAD, &i));
	EXPECT_EQ(SLAB_N * 16, i);
	e1 = slab_active(EVENT_CACHE);
	EXPECT_LE(e0 + SLAB_N, e1) TH_LOG("%s: %ld before, %ld with %d events queued",
					  EVENT_CACHE, e0, e1, SLAB_N);
	ASSERT_EQ(0, close(fd));
	e2 = slab_wait_at_most(EVENT_CACHE, e0);
	EXPECT_GE(e0, e2) TH_LOG("%s: %ld before, %ld after close", EVENT_CACHE, e0, e2);
	/* ... and the watch with them. */
	w2 = slab_wait_at_most(WATCH_CACHE, w0);
	EXPECT_GE(w0, w2) TH_LOG("%s: %ld before, %ld after close", WATCH_CACHE, w0, w2);

	rm_tree(dir);
}

/*
 * The bytes /proc/allocinfo counts at the module's allocation site in function func (the
 * tag's line ends in "[rinotify] func:<func>", then " accurate:no" once an allocation there
 * went uncounted, as when a failure injected by an earlier test denied the slab its tag
 * vector, which sets *inaccurate): -1 if there is no such line, -2 if the kernel has no
 * allocation profiling.
 */
static long long tagged_bytes(const char *func, bool *inaccurate)
{
	static const char uncounted[] = " accurate:no";
	char line[512], want[128];
	long long bytes, found = -1;
	FILE *f = fopen("/proc/allocinfo", "re");

	if (!f)
		return -2;
	snprintf(want, sizeof(want), "[rinotify] func:%s", func);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		bool flagged = false;

		/* The line ends with a space (where other tags print more) and a newline. */
		while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len > strlen(uncounted) && !strcmp(line + len - strlen(uncounted), uncounted)) {
			len -= strlen(uncounted);
			line[len] = '\0';
			flagged = true;
		}
		if (len <= strlen(want) || strcmp(line + len - strlen(want), want))
			continue;
		*inaccurate |= flagged;
		bytes = strtoll(line, NULL, 10);
		found = found < 0 ? bytes : found + bytes;
	}
	fclose(f);
	return found;
}

/*
 * Allocation profiling (the debug kernel has it) tags every object the module allocates
 * with the module's call site: marks and nameless events from its caches, named events
 * from kmalloc(). An allocation that bypassed alloc_hooks() would be counted nowhere, and
 * its free would WARN.
 */
TEST(allocations_are_tagged)
{
	char dir[] = "/tmp/rinotify-tags-XXXXXX", path[64];
	long long cache0, kmalloc0, cache1, kmalloc1;
	bool inaccurate = false;
	int fd, i;

	cache0 = tagged_bytes("rinotify_kmem_cache_alloc", &inaccurate);
	if (cache0 == -2)
		SKIP(return, "no /proc/allocinfo: the kernel has no CONFIG_MEM_ALLOC_PROFILING");
	kmalloc0 = tagged_bytes("rinotify_kmalloc", &inaccurate);
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* SLAB_N marks and SLAB_N named events: at least 24 bytes each. */
	ASSERT_EQ(1, rinotify_add_watch(fd, dir, IN_CREATE));
	for (i = 0; i < SLAB_N; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		ASSERT_EQ(0, mkdir(path, 0700));
		ASSERT_EQ(i + 2, rinotify_add_watch(fd, path, IN_CREATE));
	}
	cache1 = tagged_bytes("rinotify_kmem_cache_alloc", &inaccurate);
	kmalloc1 = tagged_bytes("rinotify_kmalloc", &inaccurate);
	TH_LOG("tagged: caches %lld -> %lld bytes, kmalloc %lld -> %lld bytes%s", cache0, cache1,
	       kmalloc0, kmalloc1, inaccurate ? " (a tag says accurate:no)" : "");
	EXPECT_LE((cache0 > 0 ? cache0 : 0) + 24LL * SLAB_N, cache1);
	EXPECT_LE((kmalloc0 > 0 ? kmalloc0 : 0) + 24LL * SLAB_N, kmalloc1);
	ASSERT_EQ(0, close(fd));
	rm_tree(dir);
}

static int instances_child(void *arg)
{
	int fd[3], dup_fd, i;

	for (i = 0; i < 3; i++) {
		fd[i] = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
		CHILD_CHECK(fd[i] >= 0);
	}
	errno = 0;
	CHILD_CHECK(open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC) == -1 && errno == EMFILE);

	/* A close that is not the last one of the file releases nothing. */
	dup_fd = dup(fd[0]);
	CHILD_CHECK(dup_fd >= 0);
	CHILD_CHECK(close(fd[0]) == 0);
	usleep(100 * 1000);
	errno = 0;
	CHILD_CHECK(open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC) == -1 && errno == EMFILE);

	/* The last close releases one instance, exactly one. */
	CHILD_CHECK(close(dup_fd) == 0);
	fd[0] = open_retry_emfile(O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd[0] >= 0);
	errno = 0;
	CHILD_CHECK(open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC) == -1 && errno == EMFILE);

	/* Again with another one. */
	CHILD_CHECK(close(fd[1]) == 0);
	fd[1] = open_retry_emfile(O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	CHILD_CHECK(fd[1] >= 0);
	errno = 0;
	CHILD_CHECK(open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC) == -1 && errno == EMFILE);

	for (i = 0; i < 3; i++)
		CHILD_CHECK(close(fd[i]) == 0);
	return 0;
}

/* Root sets the limit, a user without other instances opens: its count is exact. */
TEST(instance_accounting_released_on_close)
{
	long old = knob_get("max_user_instances");
	int set, status = -1;

	ASSERT_LT(0, old);
	set = knob_set("max_user_instances", 3);
	if (!set)
		status = run_child(NOBODY, instances_child, NULL);
	EXPECT_EQ(0, knob_set("max_user_instances", old));
	EXPECT_EQ(old, knob_get("max_user_instances"));
	ASSERT_EQ(0, set);
	EXPECT_EQ(0, status);
}

/* Reads until `want` bytes are queued or 2 s pass; returns the bytes read. */
static ssize_t read_nonblock_until(int fd, char *buf, size_t size, size_t want)
{
	long end = now_ms() + 2000;
	size_t got = 0;
	ssize_t n;

	while (got < want && now_ms() <= end) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno != EAGAIN)
			return -1;
		if (n > 0)
			got += n;
		else
			usleep(10 * 1000);
	}
	return got;
}

#define NR_WDIRS 6

static int watches_child(void *arg)
{
	char buf[256] __attribute__((aligned(__alignof__(struct inotify_event))));
	char dir[] = "/tmp/rinotify-wlimit-XXXXXX", path[NR_WDIRS][64];
	const uint32_t mask = IN_CREATE | IN_DELETE_SELF;
	struct inotify_event *ev;
	int fd, wd[NR_WDIRS], i;

	CHILD_CHECK(mkdtemp(dir) != NULL);
	for (i = 0; i < NR_WDIRS; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/d%d", dir, i);
		CHILD_CHECK(mkdir(path[i], 0700) == 0);
	}
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);

	for (i = 0; i < 5; i++) {
		wd[i] = rinotify_add_watch(fd, path[i], mask);
		CHILD_CHECK(wd[i] == i + 1);
	}
	errno = 0;
	CHILD_CHECK(rinotify_add_watch(fd, path[5], mask) == -1 && errno == ENOSPC);
	/* Updating an existing watch adds none: allowed at the limit. */
	CHILD_CHECK(rinotify_add_watch(fd, path[0], mask | IN_MASK_ADD) == wd[0]);

	/* rm_watch frees a slot (the failed add used up wd 6, as inotify's idr does). */
	CHILD_CHECK(rinotify_rm_watch(fd, wd[1]) == 0);
	errno = 0;
	wd[5] = add_watch_retry_enospc(fd, path[5], mask);
	CHILD_CHECK(wd[5] > wd[4]);
	errno = 0;
	CHILD_CHECK(rinotify_add_watch(fd, path[1], mask) == -1 && errno == ENOSPC);

	/* So does a watch that dies with its directory: IN_DELETE_SELF, IN_IGNORED. */
	CHILD_CHECK(rmdir(path[2]) == 0);
	CHILD_CHECK(read_nonblock_until(fd, buf, sizeof(buf), 3 * 16) == 3 * 16);
	ev = (struct inotify_event *)buf;
	CHILD_CHECK(ev[0].wd == wd[1] && ev[0].mask == IN_IGNORED && ev[0].len == 0);
	CHILD_CHECK(ev[1].wd == wd[2] && ev[1].mask == IN_DELETE_SELF && ev[1].len == 0);
	CHILD_CHECK(ev[2].wd == wd[2] && ev[2].mask == IN_IGNORED && ev[2].len == 0);
	errno = 0;
	wd[1] = add_watch_retry_enospc(fd, path[1], mask);
	CHILD_CHECK(wd[1] > wd[5]);
	errno = 0;
	CHILD_CHECK(rinotify_add_watch(fd, dir, mask) == -1 && errno == ENOSPC);

	CHILD_CHECK(close(fd) == 0);
	rm_tree(dir);
	return 0;
}

TEST(watch_accounting_released_by_rm_watch_and_delete)
{
	long old = knob_get("max_user_watches");
	int set, status = -1;

	ASSERT_LT(0, old);
	set = knob_set("max_user_watches", 5);
	if (!set)
		status = run_child(NOBODY, watches_child, NULL);
	EXPECT_EQ(0, knob_set("max_user_watches", old));
	EXPECT_EQ(old, knob_get("max_user_watches"));
	ASSERT_EQ(0, set);
	EXPECT_EQ(0, status);
}

/* As an inotify fd, an instance is read-only: write() is EBADF, write modes EINVAL. */
TEST(device_is_read_only_like_an_inotify_fd)
{
	int fd;

	errno = 0;
	EXPECT_EQ(-1, open(RINOTIFY_DEVICE, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, open(RINOTIFY_DEVICE, O_WRONLY | O_CLOEXEC));
	EXPECT_EQ(EINVAL, errno);
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	/* Not seekable, as an anon inode file: pwrite() is ESPIPE before the mode is looked at. */
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, "x", 1, 0));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(0, close(fd));
}

/*
 * open() flags stand for inotify_init1()'s: besides O_RDONLY only O_NONBLOCK (IN_NONBLOCK),
 * O_CLOEXEC (IN_CLOEXEC), O_LARGEFILE (which the kernel adds by itself on 64-bit) and the
 * flags that only steer the lookup of the node are accepted; a flag that asks for an I/O
 * behaviour inotify_init1() cannot give is an unknown init flag: EINVAL.
 */
TEST(open_flags_like_inotify_init1)
{
	static const struct { int flag; const char *name; } refused[] = {
		{ O_APPEND, "O_APPEND" }, { FASYNC, "O_ASYNC" }, { O_DIRECT, "O_DIRECT" },
		{ O_DSYNC, "O_DSYNC" }, { O_SYNC, "O_SYNC" }, { O_NOATIME, "O_NOATIME" },
	}, accepted[] = {
		{ 0, "0" }, { O_NONBLOCK, "O_NONBLOCK" }, { O_CLOEXEC, "O_CLOEXEC" },
		{ O_LARGEFILE, "O_LARGEFILE" }, { O_NOCTTY, "O_NOCTTY" },
		{ O_NOFOLLOW, "O_NOFOLLOW" }, { O_CREAT, "O_CREAT" }, { O_TRUNC, "O_TRUNC" },
		{ O_CREAT | O_EXCL, "O_CREAT|O_EXCL" },
	};
	int fd, fl;

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		errno = 0;
		fd = open(RINOTIFY_DEVICE, O_RDONLY | refused[i].flag, 0);
		EXPECT_EQ(-1, fd) TH_LOG("open(O_RDONLY | %s) succeeded", refused[i].name);
		EXPECT_EQ(EINVAL, errno) TH_LOG("open(O_RDONLY | %s)", refused[i].name);
		if (fd >= 0)
			close(fd);
	}
	for (size_t i = 0; i < ARRAY_SIZE(accepted); i++) {
		fd = open(RINOTIFY_DEVICE, O_RDONLY | accepted[i].flag, 0);
		/* O_CREAT|O_EXCL of an existing node is the VFS's EEXIST. */
		if (accepted[i].flag & O_EXCL) {
			EXPECT_EQ(-1, fd);
			EXPECT_EQ(EEXIST, errno);
			continue;
		}
		ASSERT_LE(0, fd) TH_LOG("open(O_RDONLY | %s): %s", accepted[i].name,
					strerror(errno));
		fl = fcntl(fd, F_GETFL);
		EXPECT_EQ(!!(accepted[i].flag & O_NONBLOCK), !!(fl & O_NONBLOCK));
		EXPECT_EQ(!!(accepted[i].flag & O_CLOEXEC), fcntl(fd, F_GETFD) == FD_CLOEXEC);
		EXPECT_EQ(0, fl & (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
		EXPECT_EQ(0, close(fd));
	}
	/* A directory was asked for: the VFS says ENOTDIR before the module is asked. */
	errno = 0;
	EXPECT_EQ(-1, open(RINOTIFY_DEVICE, O_RDONLY | O_DIRECTORY));
	EXPECT_EQ(ENOTDIR, errno);
	/* O_ASYNC later, through fcntl(), is what an inotify fd allows. */
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_SETFL, FASYNC | O_NONBLOCK));
	EXPECT_EQ(FASYNC | O_NONBLOCK, fcntl(fd, F_GETFL) & (FASYNC | O_NONBLOCK));
	EXPECT_EQ(0, close(fd));
}

#define MANY 200

TEST(many_instances_leave_nothing_behind)
{
	char dir[] = "/tmp/rinotify-many-XXXXXX";
	long max, w0, w1;
	int fds[128], fd, i, n;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	max = knob_get("max_user_instances");
	ASSERT_EQ(128, max);
	w0 = slab_settled(WATCH_CACHE);
	ASSERT_LE(0, w0);

	for (i = 0; i < MANY; i++) {
		fd = open_retry_emfile(O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open %d: %s", i, strerror(errno));
		ASSERT_EQ(1, rinotify_add_watch(fd, dir, IN_CREATE | IN_DELETE));
		ASSERT_EQ(0, close(fd));
	}
	/* Failed opens charge nothing either. */
	for (i = 0; i < MANY; i++) {
		ASSERT_EQ(-1, open(RINOTIFY_DEVICE, O_RDWR | O_CLOEXEC));
		ASSERT_EQ(EINVAL, errno);
	}

	/* The sysctl still works (changed and restored, EXPECTs only). */
	EXPECT_EQ(0, knob_set("max_user_instances", max + 1));
	EXPECT_EQ(max + 1, knob_get("max_user_instances"));
	EXPECT_EQ(0, knob_set("max_user_instances", max));
	EXPECT_EQ(max, knob_get("max_user_instances"));

	/* No mark is left ... */
	w1 = slab_wait_at_most(WATCH_CACHE, w0);
	EXPECT_GE(w0, w1) TH_LOG("%s: %ld before, %ld after %d instances", WATCH_CACHE,
				 w0, w1, MANY);

	/* ... and no instance: all 128 of root's coexist again, the 129th is EMFILE. */
	for (n = 0; n < 128; n++) {
		fds[n] = open_retry_emfile(O_RDONLY | O_CLOEXEC);
		if (fds[n] < 0)
			break;
	}
	EXPECT_EQ(128, n) TH_LOG("open %d: %s", n, strerror(errno));
	errno = 0;
	fd = open(RINOTIFY_DEVICE, O_RDONLY | O_CLOEXEC);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EMFILE, errno);
	if (fd >= 0)
		close(fd);
	/* Braces: the harness's EXPECT_*() is two statements. */
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, close(fds[i]));
	}
	rmdir(dir);
}

#define USERS "/sys/kernel/debug/rinotify/users"

/*
 * An open file of the module's debugfs directory holds a module reference, as an open
 * /dev/rinotify does: debugfs calls the file's release through the module's file_operations
 * at close(), so the module must not go before (kernel::debugfs of 7.3 sets no .owner: with
 * it, rmmod succeeded here and the close() made debugfs read the unloaded module's
 * file_operations). Refused while open, the file still reads; closed, the module unloads,
 * and loads again with the file back. The reload fixture: a load runs the module's KUnit
 * suites again (36 s for one of them on a busy host).
 */
TEST_F_TIMEOUT(reload, rmmod_refused_while_debugfs_file_open, 180)
{
	char buf[256];
	int fd, r, err;

	ASSERT_TRUE(getenv("RINOTIFY_KO") != NULL);
	fd = open(USERS, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		SKIP(return, "no %s: the kernel has no debugfs", USERS);
	ASSERT_LE(0, fd);
	r = module_unload();
	err = errno;
	/* If it went, this test's exit closes the file into the unloaded module. */
	ASSERT_EQ(-1, r)
		TH_LOG("rmmod succeeded under an open %s", USERS);
	ASSERT_EQ(EWOULDBLOCK, err);
	EXPECT_LE(0, read(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, close(fd));

	ASSERT_LE(0, module_unload_wait(5000));
	ASSERT_EQ(0, module_load());
	fd = open(USERS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_LE(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, close(fd));
}

/*
 * Runs last (the harness keeps file order): it unloads and loads the module again, with the
 * reload fixture's time for the load's KUnit suites.
 */
TEST_F_TIMEOUT(reload, rmmod_refused_while_open_then_reload, 180)
{
	struct stat st;
	int fd, fd2;

	ASSERT_TRUE(getenv("RINOTIFY_KO") != NULL);
	fd = open(RINOTIFY_DEVICE, O_RDONLY);
	ASSERT_LE(0, fd);

	/* An open instance holds a module reference: unloading is refused. */
	EXPECT_EQ(-1, module_unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	/* ... and the instance still works. */
	fd2 = open(RINOTIFY_DEVICE, O_RDONLY);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, close(fd2));

	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, module_unload());
	EXPECT_EQ(-1, stat(RINOTIFY_DEVICE, &st));
	EXPECT_EQ(ENOENT, errno);

	/* A second load after unload. */
	ASSERT_EQ(0, module_load());
	ASSERT_EQ(0, stat(RINOTIFY_DEVICE, &st));
	fd = open(RINOTIFY_DEVICE, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
