// SPDX-License-Identifier: GPL-2.0
/*
 * Facts of rinotify that native inotify cannot be the oracle for, asserted directly: its
 * sysctls under /proc/sys/fs/rinotify, its slab caches, and the open modes of the device.
 * Runs as root in the test VM with the module loaded.
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
/* The uapi header brings <linux/fcntl.h>, which clashes with glibc's <fcntl.h>. */
#include <linux/rinotify.h>

#include "kselftest_harness.h"

extern int open(const char *path, int flags, ...);

#define DEVICE "/dev/rinotify"
#define SYSCTL_DIR "/proc/sys/fs/rinotify/"

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Writes "value" to a sysctl; returns 0 or the errno of the write. */
static int write_sysctl(const char *knob, const char *value)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", knob);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, value, strlen(value)) < 0)
		err = errno;
	close(fd);
	return err;
}

static long sysctl(const char *knob)
{
	char path[128];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", knob);
	return read_long(path);
}

/*
 * Active objects of a slab cache in /proc/slabinfo, -1 if it is not listed; *per_slab gets
 * its objects per slab. SLUB counts the objects of a CPU's current slab as active, so the
 * count is exact only to a few slabs.
 */
static long slab_active(const char *cache, long *per_slab)
{
	char line[512], name[128];
	long active = -1, n, total, size, per;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld %ld %ld %ld", name, &n, &total, &size, &per) == 5 &&
		    !strcmp(name, cache)) {
			active = n;
			if (per_slab)
				*per_slab = per;
		}
	fclose(f);
	return active;
}

static int add_watch(int fd, const char *path, uint32_t mask)
{
	struct rinotify_watch w = { .pathname = (uintptr_t)path, .mask = mask };

	return ioctl(fd, RINOTIFY_IOC_ADD_WATCH, &w);
}

TEST(sysctls_exist_with_inotify_defaults)
{
	static const char *const knobs[] = {
		"max_user_instances", "max_user_watches", "max_queued_events",
	};
	struct stat st;
	char path[128];

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), SYSCTL_DIR "%s", knobs[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0644, st.st_mode & 07777) TH_LOG("%s", path);
	}
	EXPECT_EQ(128, sysctl("max_user_instances"));
	EXPECT_EQ(16384, sysctl("max_queued_events"));
	/* The same formula as the running kernel's inotify, on the same machine. */
	EXPECT_EQ(read_long("/proc/sys/fs/inotify/max_user_watches"), sysctl("max_user_watches"));
}

TEST(sysctls_are_range_checked_and_root_only)
{
	long old = sysctl("max_queued_events");
	pid_t pid;
	int status;

	ASSERT_EQ(0, write_sysctl("max_queued_events", "1234"));
	EXPECT_EQ(1234, sysctl("max_queued_events"));
	EXPECT_EQ(EINVAL, write_sysctl("max_queued_events", "-1"));
	EXPECT_EQ(1234, sysctl("max_queued_events"));
	EXPECT_EQ(EINVAL, write_sysctl("max_user_watches", "-5"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(write_sysctl("max_queued_events", "7") == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(1234, sysctl("max_queued_events"));

	char value[32];

	snprintf(value, sizeof(value), "%ld", old);
	ASSERT_EQ(0, write_sysctl("max_queued_events", value));
}

/* max_queued_events is sampled when the instance is created. */
TEST(queue_bound_is_taken_at_open)
{
	char dir[] = "/tmp/rinotify-bound-XXXXXX", path[64], buf[4096];
	long old = sysctl("max_queued_events");
	struct inotify_event *ev;
	char value[32];
	ssize_t n;
	int fd, i;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_EQ(0, write_sysctl("max_queued_events", "4"));
	fd = open(DEVICE, O_RDONLY | O_NONBLOCK);
	snprintf(value, sizeof(value), "%ld", old);
	ASSERT_EQ(0, write_sysctl("max_queued_events", value));
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, add_watch(fd, dir, IN_CREATE));
	for (i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/f%d", dir, i);
		close(open(path, O_CREAT | O_WRONLY, 0600));
	}
	n = read(fd, buf, sizeof(buf));
	/* Four creates with a 16-byte padded name, then the overflow record. */
	ASSERT_EQ(4 * 32 + 16, n);
	ev = (struct inotify_event *)(buf + 4 * 32);
	EXPECT_EQ(-1, ev->wd);
	EXPECT_EQ(IN_Q_OVERFLOW, ev->mask);
	EXPECT_EQ(0, ev->cookie);
	EXPECT_EQ(0, ev->len);
	EXPECT_EQ(0, close(fd));
}

/*
 * Shrinks a slab cache, which also takes its freed objects out of KASAN's quarantine (they
 * would count as active until then), and returns its active objects.
 */
static long shrink_and_count(const char *cache)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", cache);
	fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			perror(path);
		close(fd);
	}
	return slab_active(cache, NULL);
}

/* Polls a slab count until it drops to at most max: marks are freed by a workqueue. */
static long wait_slab_at_most(const char *cache, long max)
{
	long n = shrink_and_count(cache);

	for (int i = 0; i < 100 && n > max; i++) {
		usleep(50 * 1000);
		n = shrink_and_count(cache);
	}
	return n;
}

#define SLAB_OBJECTS 1000

TEST(slab_caches_hold_watches_and_events)
{
	char dir[] = "/tmp/rinotify-slab-XXXXXX", path[64];
	long watches0, events0, wslack, eslack;
	int fd, i;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	shrink_and_count("rinotify_watch_cache");
	shrink_and_count("rinotify_event_cache");
	watches0 = slab_active("rinotify_watch_cache", &wslack);
	events0 = slab_active("rinotify_event_cache", &eslack);
	ASSERT_LE(0, watches0);
	ASSERT_LE(0, events0);
	/* Per-CPU slabs blur the counts by a few slabs (2 CPUs, one current slab each, x2). */
	wslack *= 4;
	eslack *= 4;

	fd = open(DEVICE, O_RDONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < SLAB_OBJECTS; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		ASSERT_EQ(0, mkdir(path, 0700));
		ASSERT_LT(0, add_watch(fd, path, IN_ATTRIB));
	}
	EXPECT_LE(watches0 + SLAB_OBJECTS - wslack, slab_active("rinotify_watch_cache", NULL));
	for (i = 0; i < SLAB_OBJECTS; i++) {
		snprintf(path, sizeof(path), "%s/d%d", dir, i);
		ASSERT_EQ(0, chmod(path, 0750));
	}
	EXPECT_LE(events0 + SLAB_OBJECTS - eslack, slab_active("rinotify_event_cache", NULL));

	/* Closing with events still queued frees them and every mark. */
	ASSERT_EQ(0, close(fd));
	EXPECT_GE(watches0 + wslack, wait_slab_at_most("rinotify_watch_cache", watches0 + wslack));
	EXPECT_GE(events0 + eslack, wait_slab_at_most("rinotify_event_cache", events0 + eslack));
}

TEST(device_is_read_only_like_an_inotify_fd)
{
	int fd;

	EXPECT_EQ(-1, open(DEVICE, O_RDWR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, open(DEVICE, O_WRONLY));
	EXPECT_EQ(EINVAL, errno);
	fd = open(DEVICE, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
