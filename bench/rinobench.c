// SPDX-License-Identifier: GPL-2.0
/*
 * rinobench: rinotify against native inotify, in one boot.
 *
 * Every workload runs on side A and side B in turn for a number of rounds, A B in even
 * rounds and B A in odd ones (so that neither side always runs second); each round gives one
 * value per metric and side. A is native inotify and B is /dev/rinotify,
 * except for the idle-cost workload, where A is "module not loaded" and B "module loaded".
 * Every metric is a cost (lower is better), so the ratio B/A of the medians is what the
 * targets are stated in.
 *
 *   rinobench [-r rounds] [-w 1,2,..] [-s scale] [-p all|func,func,..] [-o a|b]
 *
 * -w runs the workloads listed; without it, all but workload 8, which times two CPUs at once
 * and so needs vCPUs that run in parallel (make bench runs it in a second boot, under TCG
 * without -icount).
 *
 * -p profiles each side of each workload with ftrace's function profiler (the perf kernel
 * has it) and prints the functions that took the most time, children included: all C
 * functions, or only those named (fewer functions, less overhead). The module's Rust
 * functions cannot be traced, but the C functions that call them can.
 *
 * -o runs one side only, for a profiler that samples the whole guest (perf record -a): the
 * samples are then all of that side. It prints the rounds' values and no table or CSV.
 * With RINOBENCH_PERF_CTL set to the control FIFO of perf record --control (and
 * RINOBENCH_PERF_ACK to its acknowledgment FIFO), workloads 1, 2, 3, 4, 9, 10 and 13 enable
 * the profiler for their timed part only (workload 4: the writer's loop, its waits included).
 * With RIT_INSN_MARK set, the same parts are windows of the insncount QEMU plugin
 * (make insn-profile), one per metric in workload 3.
 *
 * Prints a table, then the results as CSV between the lines RIT-BENCH-CSV and
 * RIT-BENCH-CSV-END, which the host copies to bench/results.csv; both end, when workload
 * 3 ran, with its rows against native plus the ioctl floor as comment lines. A broken
 * invariant (a lost event, a missing or second IN_Q_OVERFLOW) prints "RIT-BENCH-ERROR ..."
 * and exits 1.
 *
 * Needs root, /tmp on tmpfs, /proc/sys/fs/{inotify,rinotify}, /proc/slabinfo,
 * /sys/kernel/slab and RINOTIFY_KO (the module, for the idle-cost workload).
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "uapi.h"

/* The helpers of the selftests, selftests/lib/. */
#include "backend.h"
#include "clock.h"
#include "file.h"
#include "module.h"
#include "proc.h"
#include "sysctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ROUNDS 32
#define MAX_FANOUT 16
#define READ_BUF (64 * 1024)
#define BIG_QUEUE 1048576

/* ---- helpers ----------------------------------------------------------------------- */

static double scale = 1.0;

static void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("RIT-BENCH-ERROR ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d: %s)\n", errno, strerror(errno));
	fflush(stdout);
	exit(1);
}

static long scaled(long n)
{
	long v = (long)(n * scale);

	return v > 0 ? v : 1;
}

/* Writes value to the existing file path, or fails. */
static void put(const char *path, const char *value)
{
	if (write_text(path, value))
		fail("cannot write %s to %s", value, path);
}

static void set_sysctl(const struct backend *s, const char *knob, long value)
{
	if (sysctl_set(s->sysctl_dir, knob, value))
		fail("cannot write %ld to %s/%s", value, s->sysctl_dir, knob);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		fail("mkdir %s", path);
}

static int open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		fail("open %s", path);
	return fd;
}

static void create_files(int dirfd, const char *fmt, long n)
{
	char name[32];

	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(name, sizeof(name), fmt, i);
		fd = openat(dirfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			fail("create %s", name);
		close(fd);
	}
}

static int new_instance(const struct backend *s, int flags)
{
	int fd = s->init1(O_CLOEXEC | flags);

	if (fd < 0)
		fail("%s: init", s->name);
	return fd;
}

static int add(const struct backend *s, int fd, const char *path, uint32_t mask)
{
	int wd = s->add_watch(fd, path, mask);

	if (wd < 0)
		fail("%s: add_watch %s", s->name, path);
	return wd;
}

struct tally {
	long events;
	long overflows;
};

/* Counts the records of a read() into t. */
static void tally(struct tally *t, const char *buf, ssize_t len)
{
	for (const char *p = buf; p < buf + len;) {
		const struct inotify_event *e = (const void *)p;

		if (e->mask & IN_Q_OVERFLOW)
			t->overflows++;
		else
			t->events++;
		p += sizeof(*e) + e->len;
	}
}

/* Reads every queued record of a non-blocking instance into t. */
static void drain(int fd, struct tally *t)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	ssize_t len;

	while ((len = read(fd, buf, sizeof(buf))) > 0)
		tally(t, buf, len);
	if (len < 0 && errno != EAGAIN)
		fail("read");
}

/*
 * Native inotify and rinotify free marks after an SRCU grace period, from a worker: wait
 * for every mark of closed instances to be gone, so that one side's clean-up does not run
 * during the other side's measurement.
 */
static void settle(void)
{
	usleep(50000);
}

/* ---- a profiler's window --------------------------------------------------------------- */

/*
 * Enables ("enable") or disables ("disable") perf record around a timed part, through the
 * FIFOs of its --control option named in RINOBENCH_PERF_CTL and RINOBENCH_PERF_ACK, and waits
 * for its acknowledgment. Nothing without them.
 *
 * With RIT_INSN_MARK set (make insn-profile), each call is a mark of the insncount QEMU plugin
 * instead: a getppid() system call, whose entry the plugin watches for, and a line that says
 * which metric of which side the window that ends there timed (metric, an index into the
 * current workload's metrics, names it).
 */
static const char *window_metric[3], *window_side;

static void perf_window(const char *cmd, int metric)
{
	const char *ctl = getenv("RINOBENCH_PERF_CTL"), *ack = getenv("RINOBENCH_PERF_ACK");
	static int ctl_fd = -1, ack_fd = -1;
	static int marks;
	char reply[16];

	if (getenv("RIT_INSN_MARK")) {
		int opening = !strcmp(cmd, "enable");
		char text[32] = "";
		FILE *f;

		/* The window holds nothing but the timed part: no output, no file read. */
		if (!opening)
			syscall(SYS_getppid);
		/* Where the module's code is, for the window's addresses. */
		f = fopen("/sys/module/rinotify/sections/.text", "re");
		if (f) {
			if (!fgets(text, sizeof(text), f))
				text[0] = 0;
			text[strcspn(text, "\n")] = 0;
			fclose(f);
		}
		printf("RIT-INSN-MARK %d %s %s/%s %s\n", marks++, cmd, window_metric[metric],
		       window_side, text[0] ? text : "-");
		if (opening)
			syscall(SYS_getppid);
		return;
	}
	if (!ctl || !ack)
		return;
	if (ctl_fd < 0) {
		ctl_fd = open(ctl, O_WRONLY | O_CLOEXEC);
		ack_fd = open(ack, O_RDONLY | O_CLOEXEC);
		if (ctl_fd < 0 || ack_fd < 0)
			fail("perf control FIFOs %s, %s", ctl, ack);
	}
	if (write(ctl_fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) ||
	    read(ack_fd, reply, sizeof(reply)) <= 0)
		fail("perf control: %s", cmd);
}

/* ---- workloads 1 and 2: event throughput, one and 16 instances -------------------------- */

#define TP_DIR "/tmp/w1"
#define TP_MASK (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE)
#define TP_EVENTS_PER_FILE 4
#define TP_BATCH 64

/*
 * ns per event delivered: the writer creates, writes, closes and unlinks TP_BATCH files
 * (4 events each), then the reader drains every instance with 64 KiB reads, and again.
 * Writer and reader take turns in one thread: a reader thread woken for every event would
 * measure the scheduler (workload 4 measures wake-ups).
 */
static double throughput(const struct backend *s, int instances, long files)
{
	int fds[MAX_FANOUT], dirfd = open_dir(TP_DIR);
	long expect = (long)instances * files * TP_EVENTS_PER_FILE;
	struct tally t = { 0 };
	int64_t t0, t1;
	char name[32];

	for (int i = 0; i < instances; i++) {
		fds[i] = new_instance(s, O_NONBLOCK);
		add(s, fds[i], TP_DIR, TP_MASK);
	}
	perf_window("enable", 0);
	t0 = now_ns();
	for (long i = 0; i < files; i++) {
		int fd;

		snprintf(name, sizeof(name), "f%07ld", i);
		fd = openat(dirfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, "x", 1) != 1)
			fail("writer");
		close(fd);
		if (unlinkat(dirfd, name, 0))
			fail("unlink");
		if ((i + 1) % TP_BATCH == 0 || i + 1 == files)
			for (int j = 0; j < instances; j++)
				drain(fds[j], &t);
	}
	t1 = now_ns();
	perf_window("disable", 0);
	if (t.overflows || t.events != expect)
		fail("%s: %s: %ld events, %ld overflows, expected %ld", s->name, __func__,
		     t.events, t.overflows, expect);
	for (int i = 0; i < instances; i++)
		close(fds[i]);
	close(dirfd);
	settle();
	return (double)(t1 - t0) / expect;
}

static long tp_files = 6000;
static long fan_files = 1500;

static void w1(const struct backend *s, double *v)
{
	v[0] = throughput(s, 1, scaled(tp_files));
}

static void w2(const struct backend *s, double *v)
{
	v[0] = throughput(s, MAX_FANOUT, scaled(fan_files));
}

/* ---- workload 3: 10 000 watches added and removed ---------------------------------- */

#define MANY_DIR "/tmp/w3"
#define MANY 10000

static char (*many_paths)[32];

static void many_setup(void)
{
	make_dir(MANY_DIR);
	many_paths = calloc(MANY, sizeof(*many_paths));
	if (!many_paths)
		fail("calloc");
	for (int i = 0; i < MANY; i++) {
		snprintf(many_paths[i], sizeof(many_paths[i]), MANY_DIR "/d%05d", i);
		make_dir(many_paths[i]);
	}
}

/* Adds a watch on each of the MANY directories; returns the descriptors in wds. */
static void add_many(const struct backend *s, int fd, int *wds)
{
	for (int i = 0; i < MANY; i++)
		wds[i] = add(s, fd, many_paths[i], IN_CREATE | IN_DELETE | IN_MOVE);
}

/* ns per add, ns per remove. */
static void w3(const struct backend *s, double *v)
{
	static int wds[MANY];
	int fd = new_instance(s, O_NONBLOCK);
	struct tally t = { 0 };
	int64_t t0, t1, t2, t3;

	perf_window("enable", 0);
	t0 = now_ns();
	add_many(s, fd, wds);
	t1 = now_ns();
	perf_window("disable", 0);
	perf_window("enable", 1);
	t2 = now_ns();
	for (int i = 0; i < MANY; i++)
		if (s->rm_watch(fd, wds[i]))
			fail("%s: rm_watch", s->name);
	t3 = now_ns();
	perf_window("disable", 1);
	drain(fd, &t);
	if (t.events != MANY || t.overflows)
		fail("%s: %ld IN_IGNORED for %d watches", s->name, t.events, MANY);
	close(fd);
	settle();
	v[0] = (double)(t1 - t0) / MANY;
	v[1] = (double)(t3 - t2) / MANY;
}

/*
 * What the ABI adds to each call before the work both sides share: inotify is reached by a
 * system call, rinotify by an ioctl (through the VFS's ioctl dispatch) that copies in a
 * 16-byte request. Each call fails at the first step of that shared work, add_watch at the
 * path lookup (an empty path: ENOENT) and rm_watch at the descriptor look-up (a descriptor
 * never handed out: EINVAL), so B - A is the cost of the entry alone. An unknown ioctl
 * (ENOTTY) takes the same path into both files' ioctl handlers: it compares the handlers'
 * own cost.
 */
#define ENTRY_CALLS 20000
/* A command neither file knows: _IO('I', 0x7f). */
#define UNKNOWN_IOCTL _IO('I', 0x7f)

/* ns per failing add, ns per failing remove, ns per unknown ioctl. */
static void w3_entry(const struct backend *s, double *v)
{
	int fd = new_instance(s, O_NONBLOCK);
	int64_t t[6];

	/* Each part timed alone: t[2 * i] to t[2 * i + 1] is metric i. */
	perf_window("enable", 0);
	t[0] = now_ns();
	for (int i = 0; i < ENTRY_CALLS; i++)
		if (s->add_watch(fd, "", IN_CREATE) != -1 || errno != ENOENT)
			fail("%s: add_watch of \"\" did not fail with ENOENT", s->name);
	t[1] = now_ns();
	perf_window("disable", 0);
	perf_window("enable", 1);
	t[2] = now_ns();
	for (int i = 0; i < ENTRY_CALLS; i++)
		if (s->rm_watch(fd, 1) != -1 || errno != EINVAL)
			fail("%s: rm_watch of no watch did not fail with EINVAL", s->name);
	t[3] = now_ns();
	perf_window("disable", 1);
	perf_window("enable", 2);
	t[4] = now_ns();
	for (int i = 0; i < ENTRY_CALLS; i++)
		if (ioctl(fd, UNKNOWN_IOCTL, 0) != -1 || errno != ENOTTY)
			fail("%s: an unknown ioctl did not fail with ENOTTY", s->name);
	t[5] = now_ns();
	perf_window("disable", 2);
	close(fd);
	for (int i = 0; i < 3; i++)
		v[i] = (double)(t[2 * i + 1] - t[2 * i]) / ENTRY_CALLS;
}

/*
 * The floor of each side's ABI: its cheapest failing call, add_watch with no event bit, which
 * inotify_add_watch() refuses (EINVAL) before it even looks the descriptor up, and rinotify
 * once it has copied the request in. With "3 ioctl" it says what the ioctl ABI costs above a
 * system call on native inotify itself: native's ENOTTY ioctl less native's row here.
 */
static void w3_floor(const struct backend *s, double *v)
{
	int fd = new_instance(s, O_NONBLOCK);
	int64_t t0, t1;

	perf_window("enable", 0);
	t0 = now_ns();
	for (int i = 0; i < ENTRY_CALLS; i++)
		if (s->add_watch(fd, "", 0) != -1 || errno != EINVAL)
			fail("%s: add_watch with no event did not fail with EINVAL", s->name);
	t1 = now_ns();
	perf_window("disable", 0);
	close(fd);
	v[0] = (double)(t1 - t0) / ENTRY_CALLS;
}

/* ---- workload 9: 10 000 watches added in batches --------------------------------------- */

/*
 * What a crawler that has just read MANY_DIR does to watch its subdirectories: on native
 * inotify, one inotify_add_watch() per directory, by its path (as workload 3, as
 * inotifywait -r does); on rinotify, RINOTIFY_IOC_ADD_WATCHES with the names relative to
 * the directory it read, RINOTIFY_MAX_WATCHES_PER_CALL at a time. The entries are filled
 * in before the clock starts, as the paths are. ns per watch.
 */
static void w9(const struct backend *s, double *v)
{
	static struct rinotify_watch_at e[MANY];
	static int wds[MANY];
	int fd = new_instance(s, O_NONBLOCK), dirfd = open_dir(MANY_DIR);
	const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVE;
	struct tally t = { 0 };
	int64_t t0, t1;

	for (int i = 0; i < MANY; i++)
		e[i] = (struct rinotify_watch_at){
			.pathname = (uintptr_t)(many_paths[i] + strlen(MANY_DIR "/")),
			.dirfd = dirfd,
			.mask = mask,
		};
	perf_window("enable", 0);
	t0 = now_ns();
	if (s == &backend_native) {
		add_many(s, fd, wds);
		t1 = now_ns();
		perf_window("disable", 0);
	} else {
		for (int i = 0, done; i < MANY; i += done) {
			int n = MANY - i < RINOTIFY_MAX_WATCHES_PER_CALL ?
				MANY - i : RINOTIFY_MAX_WATCHES_PER_CALL;

			done = rinotify_add_watches(fd, e + i, n);
			if (done <= 0)
				fail("%s: add_watches of %d at %d", s->name, n, i);
		}
		t1 = now_ns();
		perf_window("disable", 0);
		for (int i = 0; i < MANY; i++) {
			if (e[i].result < 0)
				fail("%s: add_watches: %s: %s", s->name, many_paths[i],
				     strerror(-e[i].result));
			wds[i] = e[i].result;
		}
	}
	for (int i = 0; i < MANY; i++)
		if (s->rm_watch(fd, wds[i]))
			fail("%s: rm_watch", s->name);
	drain(fd, &t);
	if (t.events != MANY || t.overflows)
		fail("%s: %ld IN_IGNORED for %d watches", s->name, t.events, MANY);
	close(dirfd);
	close(fd);
	settle();
	v[0] = (double)(t1 - t0) / MANY;
}

/* ---- workload 10: watching a tree of 10 000 directories ----------------------------------- */

#define TREE_DIR "/tmp/w10"
/* TREE_FANOUT directories, each with TREE_FANOUT - 1 of its own: 10 000 below the root. */
#define TREE_FANOUT 100
#define TREE_DIRS (TREE_FANOUT * TREE_FANOUT)
#define TREE_MASK (IN_CREATE | IN_DELETE | IN_MOVE)

/* A tree of one directory: what inotifywait costs beside its crawl. */
#define ONE_DIR "/tmp/w10-one"
/*
 * Debian's inotifywait runs in the host's root file system, which the guest of make bench
 * mounts at HOST_ROOT (qemu/init.sh), with a tmpfs of its own on /tmp: the trees are bound
 * there. Under make run, rinobench runs in that root itself (qemu/hostsh): host_root is
 * then "".
 */
#define HOST_ROOT "/host"
#define INOTIFYWAIT "/usr/bin/inotifywait"
static const char *host_root = HOST_ROOT;

/* Makes the directory path of the guest appear at the same path under host_root. */
static void bind_to_host(const char *path)
{
	char host[PATH_MAX];

	if (!*host_root)
		return;
	snprintf(host, sizeof(host), "%s%s", host_root, path);
	make_dir(host);
	if (mount(path, host, NULL, MS_BIND, NULL))
		fail("bind %s to %s", path, host);
}

static void tree_setup(void)
{
	char path[64];

	if (!access(INOTIFYWAIT, X_OK))
		host_root = "";
	else if (access(HOST_ROOT INOTIFYWAIT, X_OK))
		fail("no %s: workload 10 needs inotify-tools in the host's root",
		     HOST_ROOT INOTIFYWAIT);
	make_dir(ONE_DIR);
	bind_to_host(ONE_DIR);
	make_dir(TREE_DIR);
	for (int i = 0; i < TREE_FANOUT; i++) {
		snprintf(path, sizeof(path), TREE_DIR "/d%02d", i);
		make_dir(path);
		for (int j = 1; j < TREE_FANOUT; j++) {
			snprintf(path, sizeof(path), TREE_DIR "/d%02d/e%02d", i, j);
			make_dir(path);
		}
	}
	bind_to_host(TREE_DIR);
}

/* What inotifywait -r does to start: a watch on path, then on each subdirectory in turn. */
static long crawl(int fd, const char *path, uint32_t mask)
{
	struct dirent *de;
	long watched = 1;
	DIR *d;

	if (inotify_add_watch(fd, path, mask | IN_ONLYDIR) < 0)
		fail("native: inotify_add_watch %s", path);
	d = opendir(path);
	if (!d)
		fail("native: opendir %s", path);
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		watched += crawl(fd, sub, mask);
	}
	closedir(d);
	return watched;
}

/*
 * Debian's inotifywait -m -r on path (bound under host_root), as a user starts it: the time
 * from its fork until it says "Watches established." on its standard error.
 */
static int64_t inotifywait_setup(const char *path)
{
	char line[256] = "";
	int64_t t0, t1 = -1;
	int p[2];
	pid_t pid;
	FILE *f;

	if (pipe(p))
		fail("pipe");
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, 1) < 0 || dup2(p[1], 2) < 0)
			_exit(126);
		close(p[0]);
		close(p[1]);
		if (*host_root && (chroot(host_root) || chdir("/")))
			_exit(125);
		execle(INOTIFYWAIT, "inotifywait", "-m", "-r", "-e", "create,delete,move", path,
		       (char *)NULL, (char *[]){ "PATH=/usr/bin:/bin", NULL });
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (!f)
		fail("fdopen");
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "Watches established")) {
			t1 = now_ns();
			break;
		}
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	fclose(f);
	if (t1 < 0)
		fail("%s -m -r %s: no \"Watches established.\" (it said: %s)", INOTIFYWAIT, path,
		     line);
	return t1 - t0;
}

/* Reads fd (non-blocking) until it is empty: how many RIN_WATCHED records it held. */
static long read_watched(int fd)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	long watched = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			watched += !!(e->mask & RIN_WATCHED);
			p += sizeof(*e) + e->len;
		}
	}
	return watched;
}

/*
 * Starts watching TREE_DIR and the TREE_DIRS directories below it on fd, until the client
 * knows every directory's wd: on native inotify a crawl from user space (crawl()), on
 * rinotify one RINOTIFY_IOC_ADD_TREE and the read of its RIN_WATCHED records. Returns how
 * many directories were watched.
 */
static long watch_tree(const struct backend *s, int fd)
{
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)TREE_DIR,
		.dirfd = AT_FDCWD,
		.mask = TREE_MASK,
	};

	if (s == &backend_native)
		return crawl(fd, TREE_DIR, TREE_MASK);
	if (ioctl(fd, RINOTIFY_IOC_ADD_TREE, &tree) != 1)
		fail("%s: RINOTIFY_IOC_ADD_TREE", s->name);
	return read_watched(fd);
}

static double tree_memory(const struct backend *s);

/*
 * Time to watch the tree (watch_tree()), ns per directory.
 *
 * The second metric's native side is Debian's inotifywait -m -r itself, which does more per
 * directory than crawl() (an lstat() of each entry, its own bookkeeping): its set-up time for
 * the tree less that for a tree of one directory (its start, which is not the crawl), per
 * directory below the root. Its rinotify side is the first metric's.
 *
 * The third is the kernel memory the watched tree holds per directory, once the client has
 * read every record (tree_memory()), untimed.
 */
static void w10(const struct backend *s, double *v)
{
	int fd = new_instance(s, O_NONBLOCK);
	long watched;
	int64_t t0, t1;

	perf_window("enable", 0);
	t0 = now_ns();
	watched = watch_tree(s, fd);
	t1 = now_ns();
	perf_window("disable", 0);
	if (watched != TREE_DIRS + 1)
		fail("%s: %ld directories watched, not %d", s->name, watched, TREE_DIRS + 1);
	close(fd);
	settle();
	v[0] = (double)(t1 - t0) / (TREE_DIRS + 1);
	if (s == &backend_native) {
		int64_t one = inotifywait_setup(ONE_DIR);

		settle();
		v[1] = (double)(inotifywait_setup(TREE_DIR) - one) / TREE_DIRS;
		settle();
	} else {
		v[1] = v[0];
	}
	v[2] = tree_memory(s);
}

/* ---- workload 4: wake-up latency ------------------------------------------------------ */

#define LAT_DIR "/tmp/w4"

struct waker {
	int fd;
	int epfd;		/* -1: block in read() */
	long samples;
	pid_t tid;
	atomic_int ready;	/* the reader is about to block */
	atomic_int done;	/* the reader has the event */
	int64_t t_read;
};

/* Runs the calling thread on CPU cpu only (on CPU 0 if there is one CPU). */
static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) > cpu ? cpu : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity");
}

/* Lets the calling thread run on every CPU again. */
static void unpin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (long i = 0; i < sysconf(_SC_NPROCESSORS_ONLN); i++)
		CPU_SET(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity");
}

static void *latency_reader(void *arg)
{
	char buf[256] __attribute__((aligned(8)));
	struct waker *w = arg;

	pin_to(0);
	w->tid = syscall(SYS_gettid);
	for (long i = 0; i < w->samples; i++) {
		struct epoll_event ev;

		atomic_store(&w->ready, 1);
		if (w->epfd >= 0 && epoll_wait(w->epfd, &ev, 1, -1) != 1)
			fail("epoll_wait");
		if (read(w->fd, buf, sizeof(buf)) <= 0)
			fail("read");
		w->t_read = now_ns();
		atomic_store(&w->done, 1);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(double *v, long n, double p)
{
	long i = (long)(p * (n - 1) + 0.5);

	qsort(v, n, sizeof(*v), cmp_double);
	return v[i];
}

static long lat_samples = 400;

/*
 * Median and 99th percentile (ns) from a write to the blocked reader's return. The writer
 * runs on CPU 0 and the reader on CPU 1: on one CPU the writer, spinning until the reader
 * has its event, would make the reader wait for a tick.
 */
static void latency(const struct backend *s, int use_epoll, double *v)
{
	struct waker w = { .samples = scaled(lat_samples), .epfd = -1 };
	double *lat = calloc(w.samples, sizeof(*lat));
	pthread_t reader;
	int file;

	if (!lat)
		fail("calloc");
	file = open(LAT_DIR "/f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (file < 0)
		fail("open");
	w.fd = new_instance(s, use_epoll ? O_NONBLOCK : 0);
	add(s, w.fd, LAT_DIR "/f", IN_MODIFY);
	if (use_epoll) {
		struct epoll_event e = { .events = EPOLLIN };

		w.epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epoll_ctl(w.epfd, EPOLL_CTL_ADD, w.fd, &e))
			fail("epoll_ctl");
	}
	pin_to(0);
	if (pthread_create(&reader, NULL, latency_reader, &w))
		fail("pthread_create");
	perf_window("enable", 0);
	for (long i = 0; i < w.samples; i++) {
		int64_t t0;

		while (!atomic_load(&w.ready))
			sched_yield();
		atomic_store(&w.ready, 0);
		while (task_state(w.tid) != 'S')
			sched_yield();
		t0 = now_ns();
		if (pwrite(file, "x", 1, 0) != 1)
			fail("pwrite");
		while (!atomic_load(&w.done))
			sched_yield();
		atomic_store(&w.done, 0);
		lat[i] = (double)(w.t_read - t0);
	}
	perf_window("disable", 0);
	pthread_join(reader, NULL);
	unpin();
	v[0] = percentile(lat, w.samples, 0.5);
	v[1] = percentile(lat, w.samples, 0.99);
	free(lat);
	if (w.epfd >= 0)
		close(w.epfd);
	close(w.fd);
	close(file);
}

static void w4_read(const struct backend *s, double *v)
{
	latency(s, 0, v);
}

static void w4_epoll(const struct backend *s, double *v)
{
	latency(s, 1, v);
}

/* ---- workload 5: overflow --------------------------------------------------------------- */

#define OVF_DIR "/tmp/w5"
#define OVF_QUEUE 1024
#define OVF_EVENTS 1000000

/* ns per event when 1 000 000 events hit a queue bounded at 1024 that nobody reads. */
static void w5(const struct backend *s, double *v)
{
	long events = scaled(OVF_EVENTS);
	struct tally t = { 0 };
	int files[2], fd;
	int64_t t0, t1;

	set_sysctl(s, "max_queued_events", OVF_QUEUE);
	fd = new_instance(s, O_NONBLOCK);
	set_sysctl(s, "max_queued_events", BIG_QUEUE);
	add(s, fd, OVF_DIR, IN_MODIFY);
	/* Two names take turns, so that no event is coalesced with the one before it. */
	files[0] = open(OVF_DIR "/a", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	files[1] = open(OVF_DIR "/b", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (files[0] < 0 || files[1] < 0)
		fail("open");
	t0 = now_ns();
	for (long i = 0; i < events; i++)
		if (pwrite(files[i & 1], "x", 1, 0) != 1)
			fail("pwrite");
	t1 = now_ns();
	drain(fd, &t);
	if (events >= OVF_QUEUE && (t.events != OVF_QUEUE || t.overflows != 1))
		fail("%s: overflow: %ld events and %ld IN_Q_OVERFLOW, expected %d and 1",
		     s->name, t.events, t.overflows, OVF_QUEUE);
	close(files[0]);
	close(files[1]);
	close(fd);
	v[0] = (double)(t1 - t0) / events;
}

/* ---- workload 6: memory ------------------------------------------------------------------ */

#define MEM_DIR "/tmp/w6"
#define MEM_EVENTS 10000
#define MAX_CACHES 512

struct slabs {
	int n;
	char name[MAX_CACHES][64];
	long objs[MAX_CACHES];
	long size[MAX_CACHES];
};

/*
 * Empties every cache's per-CPU slabs into its node lists (/sys/kernel/slab/<c>/shrink),
 * so that /proc/slabinfo's active_objs counts exactly the objects in use.
 */
static void shrink_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[320];

	if (!d)
		fail("opendir /sys/kernel/slab");
	while ((e = readdir(d))) {
		int fd;

		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) < 0)
			fail("write %s", path);
		close(fd);
	}
	closedir(d);
}

/*
 * Lets what earlier workloads left behind go first (RCU-freed objects, fsnotify's mark
 * reaper, unused dentries and inodes), so that it is not freed during a measurement.
 */
static void quiesce(void)
{
	sync();
	put("/proc/sys/vm/drop_caches", "3");
	usleep(200000);
}

static void read_slabs(struct slabs *sl)
{
	FILE *f;
	char line[512];

	shrink_slabs();
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		fail("/proc/slabinfo");
	sl->n = 0;
	while (fgets(line, sizeof(line), f) && sl->n < MAX_CACHES) {
		char name[64];
		long active, total, size;

		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &total, &size) != 4)
			continue;
		snprintf(sl->name[sl->n], sizeof(sl->name[0]), "%s", name);
		sl->objs[sl->n] = active;
		sl->size[sl->n] = size;
		sl->n++;
	}
	fclose(f);
}

static int breakdown_shown[8];

/*
 * Bytes of slab objects in use gained from a to b per unit, over the caches whose object
 * count changed by at least 1% of the units: what the units allocated, without the odd
 * object the rest of the system allocates or frees meanwhile (a dentry, a proc inode). The
 * first time for a (side, what) pair, also prints those caches.
 */
static double slab_delta(const struct slabs *a, const struct slabs *b, long units,
			 const char *side, const char *what, int shown)
{
	long bytes = 0;
	int show = !breakdown_shown[shown];

	breakdown_shown[shown] = 1;
	for (int i = 0; i < b->n; i++) {
		long before = 0, d;

		for (int j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i]))
				before = a->objs[j];
		d = b->objs[i] - before;
		if (labs(d) * 100 < units)
			continue;
		bytes += d * b->size[i];
		if (show) {
			printf("#   %-8s %-6s %-28s ", side, what, b->name[i]);
			printf("%+7ld objects x %4ld bytes = %6.1f bytes each\n", d, b->size[i],
			       (double)d * b->size[i] / units);
		}
	}
	return (double)bytes / units;
}

/* Bytes per watch, per queued event with an 8-byte name, per queued event without. */
static void w6(const struct backend *s, double *v)
{
	static int wds[MANY];
	static struct slabs before, after;
	int shown = s == &backend_native ? 0 : 3;
	long n = MEM_EVENTS;
	int fd, dirfd, files[2];
	char name[32];

	/* Per watch: 10 000 directories. */
	fd = new_instance(s, O_NONBLOCK);
	quiesce();
	read_slabs(&before);
	add_many(s, fd, wds);
	read_slabs(&after);
	v[0] = slab_delta(&before, &after, MANY, s->name, "watch", shown);
	close(fd);
	settle();

	/* Per event with a name: IN_ATTRIB for each file of a watched directory. */
	dirfd = open_dir(MEM_DIR);
	fd = new_instance(s, O_NONBLOCK);
	add(s, fd, MEM_DIR, IN_ATTRIB);
	quiesce();
	read_slabs(&before);
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%07ld", i);
		if (fchmodat(dirfd, name, (i & 1) ? 0600 : 0644, 0))
			fail("chmod");
	}
	read_slabs(&after);
	v[1] = slab_delta(&before, &after, n, s->name, "event", shown + 1);
	close(fd);

	/* Per event without a name: two watched files take turns. */
	fd = new_instance(s, O_NONBLOCK);
	files[0] = openat(dirfd, "f0000000", O_RDONLY | O_CLOEXEC);
	files[1] = openat(dirfd, "f0000001", O_RDONLY | O_CLOEXEC);
	if (files[0] < 0 || files[1] < 0)
		fail("open");
	add(s, fd, MEM_DIR "/f0000000", IN_ATTRIB);
	add(s, fd, MEM_DIR "/f0000001", IN_ATTRIB);
	quiesce();
	read_slabs(&before);
	for (long i = 0; i < n; i++)
		if (fchmod(files[i & 1], (i & 2) ? 0600 : 0644))
			fail("chmod");
	read_slabs(&after);
	v[2] = slab_delta(&before, &after, n, s->name, "bare", shown + 2);
	close(fd);
	close(files[0]);
	close(files[1]);
	close(dirfd);
	settle();
}

/*
 * Bytes of kernel memory per directory of a watched tree (workload 10's), as w6 counts a
 * watch's: on native inotify the crawler's watches, on rinotify the tree's watches and its
 * nodes. The records are read before the count, as a client reads them.
 */
static double tree_memory(const struct backend *s)
{
	static struct slabs before, after;
	int fd = new_instance(s, O_NONBLOCK);
	double bytes;

	quiesce();
	read_slabs(&before);
	if (watch_tree(s, fd) != TREE_DIRS + 1)
		fail("%s: the tree was not watched whole", s->name);
	read_slabs(&after);
	bytes = slab_delta(&before, &after, TREE_DIRS + 1, s->name, "tree",
			   s == &backend_native ? 6 : 7);
	close(fd);
	settle();
	return bytes;
}

/* ---- workload 7: idle cost of the loaded module ------------------------------------------ */

#define IDLE_DIR "/tmp/w7"

static const struct backend unloaded = { .name = "unloaded" };
static const struct backend loaded = { .name = "loaded" };
static long idle_writes = 100000;

static void load_module(int load)
{
	const char *ko = getenv("RINOTIFY_KO");

	if (module_loaded() == load)
		return;
	if (!load) {
		/* Groups keep the module until fsnotify's reaper has freed their last marks. */
		if (module_unload_wait(2000) < 0)
			fail("rmmod rinotify");
		return;
	}
	if (module_load())
		fail("insmod %s", ko ? ko : "(RINOTIFY_KO is not set)");
	set_sysctl(&backend_rinotify, "max_queued_events", BIG_QUEUE);
	set_sysctl(&backend_rinotify, "max_user_watches", 1048576);
}

/* ns per 1-byte write to an unwatched file. */
static void w7(const struct backend *s, double *v)
{
	long n = scaled(idle_writes);
	int fd, load = s == &loaded;
	int64_t t0;

	if (module_loaded() != load) {
		load_module(load);
		/* What loading sets off (KUnit's suites, RCU callbacks) is over before timing. */
		usleep(300000);
	}
	fd = open(IDLE_DIR "/f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		fail("open");
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (pwrite(fd, "x", 1, 0) != 1)
			fail("pwrite");
	v[0] = (double)(now_ns() - t0) / n;
	close(fd);
}

/* ---- workload 8: producer wait while a full queue drains ------------------------------ */

#define WAIT_DIR "/tmp/w8"

struct drainer {
	int fd;
	atomic_int state;	/* 0 before the drain, 1 draining, 2 the queue is empty */
};

/* Reads the queue of d->fd (non-blocking) on CPU 1 until it is empty. */
static void *drain_queue(void *arg)
{
	static char buf[65536] __attribute__((aligned(8)));
	struct drainer *d = arg;

	pin_to(1);
	while (atomic_load(&d->state) == 0)
		;
	while (read(d->fd, buf, sizeof(buf)) > 0)
		;
	atomic_store(&d->state, 2);
	return NULL;
}

/* The writes timed from the start of a drain: the same number whatever the queue's length. */
#define WAIT_WRITES 1000

/*
 * The longest a writer to a watched file waits, in one of its first WAIT_WRITES pwrite()s,
 * while a reader on the other CPU drains a queue that `queued` events filled: every one of
 * its events takes the queue's lock, which the reader takes to dequeue. The first read is
 * where a dequeue whose work grows with the queue would hold the lock longest. The same
 * number of writes is timed for every queue length, so that the maximum of more samples
 * does not pass for a longer wait.
 */
static double producer_wait(const struct backend *s, long queued)
{
	struct drainer d = { 0 };
	int64_t t0, dt, longest = 0;
	pthread_t thread;
	int files[2];
	long i, w;

	set_sysctl(s, "max_queued_events", queued);
	d.fd = new_instance(s, O_NONBLOCK);
	set_sysctl(s, "max_queued_events", BIG_QUEUE);
	add(s, d.fd, WAIT_DIR, IN_MODIFY);
	/* Two names take turns, so that no event is coalesced with the one before it. */
	files[0] = open(WAIT_DIR "/a", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	files[1] = open(WAIT_DIR "/b", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (files[0] < 0 || files[1] < 0)
		fail("open");
	for (i = 0; i < queued; i++)
		if (pwrite(files[i & 1], "x", 1, 0) != 1)
			fail("pwrite");
	if (pthread_create(&thread, NULL, drain_queue, &d))
		fail("pthread_create");
	pin_to(0);
	atomic_store(&d.state, 1);
	for (w = 0; w < WAIT_WRITES; w++) {
		t0 = now_ns();
		if (pwrite(files[i++ & 1], "x", 1, 0) != 1)
			fail("pwrite");
		dt = now_ns() - t0;
		if (dt > longest)
			longest = dt;
	}
	pthread_join(thread, NULL);
	unpin();
	close(files[0]);
	close(files[1]);
	close(d.fd);
	return longest;
}

static void w8(const struct backend *s, double *v)
{
	v[0] = producer_wait(s, scaled(16384));
	v[1] = producer_wait(s, scaled(1048576));
}

/* ---- workload 11: what a tree costs the tasks that change it ------------------------------ */

/*
 * A tree watch works in the mkdir() and rename() of whoever changes the tree: for a new
 * directory it checks that the watcher may watch it (the watcher's credentials installed
 * with override_creds(), two inode_permission() calls), tries the watcher's lock and adds
 * a watch, all in the producer's call. A crawler on native inotify adds its watch later, in
 * its own context: the producer pays only for the event.
 *
 * The producer is a process of its own, run as an unprivileged user (W11_UID) other than the
 * watcher (root), in directories it owns: the check is then made for someone else, as when
 * a daemon watches a user's files. The tree is W11_DIR with m, a and b in it, and w11_dirs
 * directories in a. On native inotify each of its directories is watched by
 * inotify_add_watch(), as a crawler leaves them; on rinotify the whole by one
 * RINOTIFY_IOC_ADD_TREE. The producer, w11_dirs times each:
 *
 *   - makes a directory in m (what the tree adds to each mkdir(): to weigh against a
 *     native inotify_add_watch(), workload 3's add);
 *   - makes a directory in m and creates and closes a file in it (on rinotify the new
 *     directory's watch reports the file; native's crawler has no watch on it yet);
 *   - renames a directory of a into b.
 *
 * It works in batches of W11_BATCH, each timed while the watcher sleeps; between batches the
 * watcher reads the queue, untimed. The directories are removed untimed, the instance
 * closed first. ns per mkdir, per mkdir and file, per rename.
 */
#define W11_DIR "/tmp/w11"
#define W11_UID 1000
#define W11_GID 1000
#define W11_MASK (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVE)
#define W11_BATCH 64
#define W11_STEPS 3

static long w11_dirs = 2000;

/* The names the producer uses, made before the clock starts. */
struct w11_names {
	char made[24];		/* in m/: e00000 */
	char with_file[24];	/* in m/: d00000 */
	char file[24];		/* in m/: d00000/f */
	char moved[24];		/* in a/, then in b/: r00000 */
};

static struct w11_names *w11_names;

/* What the watcher reads per step: events, and RIN_WATCHED records (native, rinotify). */
static const long w11_events[2][W11_STEPS] = { { 1, 1, 2 }, { 1, 3, 2 } };
static const long w11_watched[2][W11_STEPS] = { { 0, 0, 0 }, { 1, 1, 0 } };

struct w11_tally {
	long events;
	long watched;
	long rescans;	/* RIN_RESCAN: only where the watcher is busy (workload 12) */
	long ignored;	/* IN_IGNORED: of the busy watcher's own watches (workload 12) */
	long other;	/* IN_Q_OVERFLOW: none expected */
};

static void w11_drain(int fd, struct w11_tally *t)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	ssize_t len;

	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (const char *p = buf; p < buf + len;) {
			const struct inotify_event *e = (const void *)p;

			if (e->mask & RIN_WATCHED)
				t->watched++;
			else if (e->mask & RIN_RESCAN)
				t->rescans++;
			else if (e->mask & IN_IGNORED)
				t->ignored++;
			else if (e->mask & IN_Q_OVERFLOW)
				t->other++;
			else
				t->events++;
			p += sizeof(*e) + e->len;
		}
	}
	if (len < 0 && errno != EAGAIN)
		fail("read");
}

/* The state of process pid, the letter of /proc/<pid>/stat (as task_state()), or -1. */
static int process_state(pid_t pid)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? (unsigned char)p[2] : -1;
}

/* One call (or three) of the producer, in directories m, a and b. */
static void w11_step(int step, int m, int a, int b, const struct w11_names *n)
{
	int fd;

	switch (step) {
	case 0:
		if (mkdirat(m, n->made, 0755))
			fail("producer: mkdir %s", n->made);
		break;
	case 1:
		if (mkdirat(m, n->with_file, 0755))
			fail("producer: mkdir %s", n->with_file);
		fd = openat(m, n->file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			fail("producer: create %s", n->file);
		close(fd);
		break;
	default:
		if (renameat(a, n->moved, b, n->moved))
			fail("producer: rename %s", n->moved);
	}
}

/*
 * The producer's process: for each step and batch, waits for the watcher's go on fd go and
 * for the watcher to sleep, times the batch and says so on fd done; then writes the time
 * of each step, in ns, on done.
 */
static void w11_producer(int go, int done, long dirs)
{
	int64_t spent[W11_STEPS] = { 0 };
	pid_t watcher = getppid();
	int m, a, b;
	char c;

	if (setgroups(0, NULL) || setgid(W11_GID) || setuid(W11_UID))
		fail("producer: become uid %d", W11_UID);
	m = open_dir(W11_DIR "/m");
	a = open_dir(W11_DIR "/a");
	b = open_dir(W11_DIR "/b");
	for (int step = 0; step < W11_STEPS; step++) {
		for (long i = 0; i < dirs; i += W11_BATCH) {
			long end = i + W11_BATCH < dirs ? i + W11_BATCH : dirs;
			int64_t t0;

			if (read(go, &c, 1) != 1)
				fail("producer: read");
			/* Only the producer runs while it is timed. */
			while (process_state(watcher) != 'S')
				sched_yield();
			t0 = now_ns();
			for (long j = i; j < end; j++)
				w11_step(step, m, a, b, &w11_names[j]);
			spent[step] += now_ns() - t0;
			if (write(done, "d", 1) != 1)
				fail("producer: write");
		}
	}
	if (write(done, spent, sizeof(spent)) != sizeof(spent))
		fail("producer: write");
	_exit(0);
}

/* Makes the directory path, the producer's. */
static void w11_make_dir(const char *path)
{
	make_dir(path);
	if (chown(path, W11_UID, W11_GID))
		fail("chown %s", path);
}

/* Makes the tree and watches it: on native inotify each directory, on rinotify the tree. */
static int w11_watch(const struct backend *s, long dirs)
{
	static const char *const subdirs[] = { W11_DIR "/m", W11_DIR "/a", W11_DIR "/b" };
	int fd = new_instance(s, O_NONBLOCK), rinotify = s == &backend_rinotify;
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)W11_DIR,
		.dirfd = AT_FDCWD,
		.mask = W11_MASK,
	};
	struct w11_tally t = { 0 };
	char path[64];

	make_dir(W11_DIR);
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
		w11_make_dir(subdirs[i]);
	for (long i = 0; i < dirs; i++) {
		snprintf(path, sizeof(path), W11_DIR "/a/%s", w11_names[i].moved);
		w11_make_dir(path);
	}
	if (rinotify) {
		if (ioctl(fd, RINOTIFY_IOC_ADD_TREE, &tree) < 0)
			fail("%s: RINOTIFY_IOC_ADD_TREE", s->name);
	} else {
		add(s, fd, W11_DIR, W11_MASK);
		for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
			add(s, fd, subdirs[i], W11_MASK);
		for (long i = 0; i < dirs; i++) {
			snprintf(path, sizeof(path), W11_DIR "/a/%s", w11_names[i].moved);
			add(s, fd, path, W11_MASK);
		}
	}
	w11_drain(fd, &t);
	if (t.watched != (rinotify ? dirs + 4 : 0) || t.events || t.other || t.rescans ||
	    t.ignored)
		fail("%s: watching the tree: %ld watched, %ld events, %ld other", s->name,
		     t.watched, t.events, t.other + t.rescans + t.ignored);
	return fd;
}

/* Removes what w11_watch() and the producer made. */
static void w11_remove(long dirs)
{
	int m = open_dir(W11_DIR "/m"), b = open_dir(W11_DIR "/b");

	for (long i = 0; i < dirs; i++) {
		const struct w11_names *n = &w11_names[i];

		if (unlinkat(m, n->file, 0) || unlinkat(m, n->with_file, AT_REMOVEDIR) ||
		    unlinkat(m, n->made, AT_REMOVEDIR) || unlinkat(b, n->moved, AT_REMOVEDIR))
			fail("remove %s", n->with_file);
	}
	close(m);
	close(b);
	if (rmdir(W11_DIR "/m") || rmdir(W11_DIR "/a") || rmdir(W11_DIR "/b") || rmdir(W11_DIR))
		fail("rmdir %s", W11_DIR);
}

/*
 * Workload 12's busy watcher: the watcher's own calls, as slow as it makes them, on the
 * instance fd, until killed: its fdinfo read (every watch listed), and a watch added and
 * removed on each of W12_BUSY directories outside the tree (their IN_IGNORED go to the
 * queue, which the watcher reads). On CPU 1, beside the producer on CPU 0.
 */
#define W12_DIR "/tmp/w12"
#define W12_BUSY 64

static void w12_busy(const struct backend *s, int fd)
{
	static char info[4 << 20];
	char path[64];

	pin_to(1);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	for (long i = 0;; i++) {
		int ifd = open(path, O_RDONLY | O_CLOEXEC), wd;

		if (ifd < 0)
			fail("busy watcher: open %s", path);
		while (read(ifd, info, sizeof(info)) > 0)
			;
		close(ifd);
		for (int k = 0; k < 8; k++) {
			snprintf(path, sizeof(path), W12_DIR "/%ld", (i * 8 + k) % W12_BUSY);
			wd = s->add_watch(fd, path, IN_ATTRIB);
			if (wd < 0 || s->rm_watch(fd, wd))
				fail("busy watcher: %s", path);
		}
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	}
}

/* Workload 11, and with busy (workload 12) a busy watcher beside the producer. */
static void w11_run(const struct backend *s, double *v, int busy)
{
	int rinotify = s == &backend_rinotify, go[2], done[2], fd, status;
	int64_t spent[W11_STEPS];
	long dirs = scaled(w11_dirs), rescans = 0;
	pid_t pid, busy_pid = -1;
	char c;

	if (!w11_names) {
		w11_names = calloc(dirs, sizeof(*w11_names));
		if (!w11_names)
			fail("calloc");
		for (long i = 0; i < dirs; i++) {
			struct w11_names *n = &w11_names[i];

			snprintf(n->made, sizeof(n->made), "e%05ld", i);
			snprintf(n->with_file, sizeof(n->with_file), "d%05ld", i);
			snprintf(n->file, sizeof(n->file), "d%05ld/f", i);
			snprintf(n->moved, sizeof(n->moved), "r%05ld", i);
		}
	}
	fd = w11_watch(s, dirs);
	if (busy) {
		char path[64];

		make_dir(W12_DIR);
		for (int i = 0; i < W12_BUSY; i++) {
			snprintf(path, sizeof(path), W12_DIR "/%d", i);
			make_dir(path);
		}
		fflush(stdout);
		busy_pid = fork();
		if (busy_pid < 0)
			fail("fork");
		if (busy_pid == 0)
			w12_busy(s, fd);
	}
	if (pipe2(go, O_CLOEXEC) || pipe2(done, O_CLOEXEC))
		fail("pipe");
	/* One CPU: the producer wakes where the watcher goes to sleep. */
	pin_to(0);
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		close(fd);
		close(go[1]);
		close(done[0]);
		w11_producer(go[0], done[1], dirs);
	}
	close(go[0]);
	close(done[1]);
	for (int step = 0; step < W11_STEPS; step++) {
		struct w11_tally t = { 0 };
		long events, watched;

		for (long i = 0; i < dirs; i += W11_BATCH) {
			if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1)
				fail("%s: the producer stopped", s->name);
			w11_drain(fd, &t);
		}
		events = dirs * w11_events[rinotify][step];
		watched = dirs * w11_watched[rinotify][step];
		/*
		 * Busy, a directory rinotify could not watch at once (the watcher's lock was
		 * held) is named in a RIN_RESCAN instead, and then reports no file (neither
		 * its IN_CREATE nor its IN_CLOSE_WRITE).
		 */
		if (busy && step == 1)
			events -= 2 * t.rescans;
		if (t.events != events || t.watched + t.rescans != watched || t.other ||
		    (!busy && (t.rescans || t.ignored)))
			fail("%s: step %d: %ld events, %ld watched (%ld rescans), %ld other, %s",
			     s->name, step, t.events, t.watched, t.rescans, t.other,
			     "not as expected");
		rescans += t.rescans;
	}
	if (busy) {
		char path[64];

		kill(busy_pid, SIGKILL);
		if (waitpid(busy_pid, &status, 0) != busy_pid)
			fail("waitpid");
		for (int i = 0; i < W12_BUSY; i++) {
			snprintf(path, sizeof(path), W12_DIR "/%d", i);
			rmdir(path);
		}
		rmdir(W12_DIR);
		if (rinotify)
			printf("# workload 12: %ld of %ld new directories met the watcher's lock\n",
			       rescans, 2 * dirs);
	}
	if (read(done[0], spent, sizeof(spent)) != sizeof(spent))
		fail("%s: no times from the producer", s->name);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("%s: the producer failed", s->name);
	unpin();
	close(go[1]);
	close(done[0]);
	close(fd);
	w11_remove(dirs);
	settle();
	for (int step = 0; step < W11_STEPS; step++)
		v[step] = (double)spent[step] / dirs;
}

static void w11(const struct backend *s, double *v)
{
	w11_run(s, v, 0);
}

/* ---- workload 12: what a busy tree watcher costs the tasks that change the tree ---------- */

/*
 * Workload 11 with the watcher busy meanwhile (w12_busy()): on rinotify its calls hold the
 * instance's lock, which the tree's follow in the producer's mkdir() only tries; on native
 * inotify the crawler's same calls hold the group's mark_mutex, which the producer's calls
 * never take. The producer runs on CPU 0 and the busy watcher on CPU 1: under -icount both
 * vCPUs run in turn in one host thread, so the producer's time includes the instructions the
 * busy watcher executes meanwhile, on both sides alike.
 */
static void w12(const struct backend *s, double *v)
{
	w11_run(s, v, 1);
}

/* ---- workload 13: prune after a subtree leaves a big tree -------------------------------- */

/*
 * A tree of W13_DIRS directories (W13_DIR/big/NN/NNNN, and W13_DIR/sub), of which sub holds
 * W13_SUB (sub itself, W13_SUB_TOP below it, and W13_SUB_LEAF below each of those). sub is
 * moved out of the tree, untimed; then the watcher's next call is timed. On rinotify that is
 * FIONREAD, which removes the watches of the directories that left (prune); on native
 * inotify the crawler reads the IN_MOVED_FROM and removes its watch on each directory of sub
 * (inotify_rm_watch(), by the descriptors its crawl noted). ns per directory removed.
 */
#define W13_DIR "/tmp/w13"
#define W13_OUT "/tmp/w13-out"
#define W13_TOP 100
#define W13_SUB_TOP 10
#define W13_SUB_LEAF 99
#define W13_SUB (1 + W13_SUB_TOP * (1 + W13_SUB_LEAF))

static long w13_dirs = 100000;
static int w13_made;
static int *w13_sub_wds;

/* Makes the tree once: dirs directories in all, W13_SUB of them in sub. */
static void w13_setup(long dirs)
{
	long leaves = (dirs - 2 - W13_SUB - W13_TOP + W13_TOP - 1) / W13_TOP;
	char path[64];

	if (w13_made)
		return;
	make_dir(W13_DIR);
	make_dir(W13_DIR "/big");
	make_dir(W13_DIR "/sub");
	for (int i = 0; i < W13_SUB_TOP; i++) {
		snprintf(path, sizeof(path), W13_DIR "/sub/%02d", i);
		make_dir(path);
		for (int j = 0; j < W13_SUB_LEAF; j++) {
			snprintf(path, sizeof(path), W13_DIR "/sub/%02d/%02d", i, j);
			make_dir(path);
		}
	}
	for (long made = 2 + W13_SUB, i = 0; made < dirs; i++) {
		snprintf(path, sizeof(path), W13_DIR "/big/%02ld", i);
		make_dir(path);
		made++;
		for (long j = 0; j < leaves && made < dirs; j++, made++) {
			snprintf(path, sizeof(path), W13_DIR "/big/%02ld/%04ld", i, j);
			make_dir(path);
		}
	}
	w13_sub_wds = calloc(W13_SUB, sizeof(*w13_sub_wds));
	if (!w13_sub_wds)
		fail("calloc");
	w13_made = 1;
}

/* The native crawler: a watch on path and below; sub's wds noted. Returns how many. */
static long w13_crawl(int fd, const char *path, int in_sub, long *nsub)
{
	int wd = inotify_add_watch(fd, path, IN_CREATE | IN_DELETE | IN_MOVE | IN_ONLYDIR);
	long n = 1;
	struct dirent *de;
	DIR *d;

	if (wd < 0)
		fail("inotify_add_watch %s", path);
	in_sub = in_sub || !strcmp(path, W13_DIR "/sub");
	if (in_sub)
		w13_sub_wds[(*nsub)++] = wd;
	d = opendir(path);
	if (!d)
		fail("opendir %s", path);
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub))
			fail("path too long: %s", path);
		n += w13_crawl(fd, sub, in_sub, nsub);
	}
	closedir(d);
	return n;
}

static void w13(const struct backend *s, double *v)
{
	static char buf[READ_BUF] __attribute__((aligned(8)));
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)W13_DIR,
		.dirfd = AT_FDCWD,
		.mask = IN_CREATE | IN_DELETE | IN_MOVE,
	};
	long dirs = scaled(w13_dirs), watched = 0, nsub = 0;
	int fd, queued;
	int64_t t0, t1;
	ssize_t n;

	w13_setup(dirs);
	set_sysctl(s, "max_user_watches", 4 * dirs);
	set_sysctl(s, "max_queued_events", BIG_QUEUE);
	fd = new_instance(s, O_NONBLOCK);
	if (s == &backend_native) {
		watched = w13_crawl(fd, W13_DIR, 0, &nsub);
	} else if (ioctl(fd, RINOTIFY_IOC_ADD_TREE, &tree) != 1) {
		fail("%s: RINOTIFY_IOC_ADD_TREE", s->name);
	}
	watched += read_watched(fd);
	if (watched != dirs || (s == &backend_native && nsub != W13_SUB))
		fail("%s: %ld directories watched, not %ld", s->name, watched, dirs);
	if (rename(W13_DIR "/sub", W13_OUT))
		fail("rename %s", W13_DIR "/sub");
	settle();
	perf_window("enable", 0);
	t0 = now_ns();
	if (s == &backend_native) {
		int moved = 0;

		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			for (char *p = buf; p < buf + n;) {
				const struct inotify_event *e = (const struct inotify_event *)p;

				moved += !!(e->mask & IN_MOVED_FROM);
				p += sizeof(*e) + e->len;
			}
		}
		if (moved != 1)
			fail("%s: %d IN_MOVED_FROM", s->name, moved);
		for (long i = 0; i < nsub; i++)
			if (inotify_rm_watch(fd, w13_sub_wds[i]))
				fail("inotify_rm_watch");
	} else if (ioctl(fd, FIONREAD, &queued)) {
		fail("%s: FIONREAD", s->name);
	}
	t1 = now_ns();
	perf_window("disable", 0);
	close(fd);
	if (rename(W13_OUT, W13_DIR "/sub"))
		fail("rename %s", W13_OUT);
	settle();
	v[0] = (double)(t1 - t0) / W13_SUB;
}

/* ---- profiling ---------------------------------------------------------------------- */

#define TRACING "/sys/kernel/tracing"
#define MAX_FUNCS 8192
#define TOP_FUNCS 25

static const char *profiling;

struct func {
	char name[96];
	unsigned long hits;
	double us;
};

static struct func funcs[MAX_FUNCS];

static void profile_start(void)
{
	if (access(TRACING "/function_profile_enabled", F_OK) &&
	    mount("tracefs", TRACING, "tracefs", 0, NULL))
		fail("mount tracefs (does the kernel have CONFIG_FUNCTION_PROFILER?)");
	put(TRACING "/function_profile_enabled", "0");
	if (strcmp(profiling, "all")) {
		char filter[512], *name, *save;
		int fd = open(TRACING "/set_ftrace_filter", O_WRONLY | O_TRUNC | O_CLOEXEC);

		if (fd < 0)
			fail("set_ftrace_filter");
		close(fd);
		/* One by one: a name ftrace does not know fails the whole write. */
		snprintf(filter, sizeof(filter), "%s", profiling);
		for (name = strtok_r(filter, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
			fd = open(TRACING "/set_ftrace_filter", O_WRONLY | O_APPEND | O_CLOEXEC);
			if (fd < 0 || write(fd, name, strlen(name)) < 0)
				printf("#P (no function %s to profile)\n", name);
			if (fd >= 0)
				close(fd);
		}
	}
	/* Enabling resets the counts. */
	put(TRACING "/function_profile_enabled", "1");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct func *)a)->name, ((const struct func *)b)->name);
}

static int by_time(const void *a, const void *b)
{
	double x = ((const struct func *)a)->us, y = ((const struct func *)b)->us;

	return (x < y) - (x > y);
}

/* Stops the profiler and prints the functions with the most time (children included). */
static void profile_stop(const char *workload, const char *side)
{
	char path[96], line[256];
	int n = 0, m = 0;

	put(TRACING "/function_profile_enabled", "0");
	for (int cpu = 0; cpu < 64; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), TRACING "/trace_stat/function%d", cpu);
		f = fopen(path, "re");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f) && n < MAX_FUNCS) {
			struct func *fn = &funcs[n];

			if (sscanf(line, "%95s %lu %lf", fn->name, &fn->hits, &fn->us) == 3)
				n++;
		}
		fclose(f);
	}
	/* The same function on several CPUs: add them up. */
	qsort(funcs, n, sizeof(*funcs), by_name);
	for (int i = 0; i < n; i++) {
		if (m && !strcmp(funcs[m - 1].name, funcs[i].name)) {
			funcs[m - 1].hits += funcs[i].hits;
			funcs[m - 1].us += funcs[i].us;
		} else {
			funcs[m++] = funcs[i];
		}
	}
	qsort(funcs, m, sizeof(*funcs), by_time);
	for (int i = 0; i < m && i < TOP_FUNCS; i++)
		printf("#P %-13s %-8s %-60.60s %9lu hits %12.1f us\n", workload, side,
		       funcs[i].name, funcs[i].hits, funcs[i].us);
}

/* ---- the table ------------------------------------------------------------------------ */

struct metric {
	const char *id;		/* short label, for the plot */
	const char *what;
	const char *unit;
	double v[2][MAX_ROUNDS];
};

struct workload {
	int number;
	const struct backend *a, *b;
	void (*run)(const struct backend *s, double *v);
	int nmetrics;
	struct metric m[3];
	/*
	 * Times tasks on two CPUs at once: meaningful only where the vCPUs run at the same
	 * time (not under -icount, where one host thread runs them in turn). Runs only when
	 * -w names it; make bench does so in a second boot.
	 */
	int parallel;
};

static struct workload workloads[] = {
	{ 1, &backend_native, &backend_rinotify, w1, 1, {
		{ "1 throughput", "event throughput, 1 instance", "ns/event" } } },
	{ 2, &backend_native, &backend_rinotify, w2, 1, {
		{ "2 fan-out", "event throughput, 16 instances", "ns/event" } } },
	{ 3, &backend_native, &backend_rinotify, w3, 2, {
		{ "3 add", "add 10000 watches", "ns/watch" },
		{ "3 rm", "remove 10000 watches", "ns/watch" } } },
	{ 3, &backend_native, &backend_rinotify, w3_entry, 3, {
		{ "3 add entry", "add_watch failing at lookup", "ns/call" },
		{ "3 rm entry", "rm_watch failing at look-up", "ns/call" },
		{ "3 ioctl", "unknown ioctl, ENOTTY", "ns/call" } } },
	{ 3, &backend_native, &backend_rinotify, w3_floor, 1, {
		{ "3 floor", "add_watch of no event: the cheapest failing call", "ns/call" } } },
	{ 4, &backend_native, &backend_rinotify, w4_read, 2, {
		{ "4 read p50", "wake-up latency, read, median", "ns" },
		{ "4 read p99", "wake-up latency, read, p99", "ns" } } },
	{ 4, &backend_native, &backend_rinotify, w4_epoll, 2, {
		{ "4 epoll p50", "wake-up latency, epoll_wait, median", "ns" },
		{ "4 epoll p99", "wake-up latency, epoll_wait, p99", "ns" } } },
	{ 5, &backend_native, &backend_rinotify, w5, 1, {
		{ "5 overflow", "1M events into a 1024 queue", "ns/event" } } },
	{ 6, &backend_native, &backend_rinotify, w6, 3, {
		{ "6 mem/watch", "kernel memory per watch", "bytes" },
		{ "6 mem/event", "per queued event, 8-byte name", "bytes" },
		{ "6 mem/bare", "per queued event, no name", "bytes" } } },
	{ 7, &unloaded, &loaded, w7, 1, {
		{ "7 idle write", "unwatched 1-byte write", "ns/write" } } },
	{ 8, &backend_native, &backend_rinotify, w8, 2, {
		{ "8 wait 16K", "longest write as 16384 queued drain", "ns" },
		{ "8 wait 1M", "longest write as 1048576 queued drain", "ns" } }, 1 },
	{ 9, &backend_native, &backend_rinotify, w9, 1, {
		{ "9 batch add", "add 10000 watches: 1 call each, or batched", "ns/watch" } } },
	{ 10, &backend_native, &backend_rinotify, w10, 3, {
		{ "10 tree", "watch a tree of 10001 directories", "ns/directory" },
		{ "10 inotifywait", "the same, native as inotifywait -m -r", "ns/directory" },
		{ "10 mem/dir", "kernel memory per directory of the tree", "bytes" } } },
	{ 11, &backend_native, &backend_rinotify, w11, 3, {
		{ "11 mkdir", "mkdir by another user, parent watched", "ns/mkdir" },
		{ "11 mkdir+file", "the same, and a file created in it", "ns/mkdir" },
		{ "11 rename", "directory moved between watched ones", "ns/rename" } } },
	{ 12, &backend_native, &backend_rinotify, w12, 3, {
		{ "12 mkdir busy", "11's mkdir, the watcher busy meanwhile", "ns/mkdir" },
		{ "12 mkdir+file busy", "11's mkdir+file, the watcher busy", "ns/mkdir" },
		{ "12 rename busy", "11's rename, the watcher busy", "ns/rename" } } },
	{ 13, &backend_native, &backend_rinotify, w13, 1, {
		{ "13 prune", "1001 directories leave a tree of 100000", "ns/directory" } } },
};

static double stat_of(const double *v, int n, int which)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	if (which < 0)
		return s[0];
	if (which > 0)
		return s[n - 1];
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void setup(void)
{
	int dirfd;

	make_dir(TP_DIR);
	make_dir(LAT_DIR);
	make_dir(OVF_DIR);
	make_dir(MEM_DIR);
	make_dir(IDLE_DIR);
	make_dir(WAIT_DIR);
	many_setup();
	tree_setup();
	dirfd = open_dir(MEM_DIR);
	create_files(dirfd, "f%07ld", MEM_EVENTS);
	close(dirfd);
	for (int i = 0; i < 2; i++) {
		const struct backend *s = i ? &backend_rinotify : &backend_native;

		set_sysctl(s, "max_queued_events", BIG_QUEUE);
		set_sysctl(s, "max_user_watches", 1048576);
		set_sysctl(s, "max_user_instances", 1024);
	}
}

/* Whether -w's list selects wl; without -w, every workload but the parallel ones. */
static int selected(const char *list, const struct workload *wl)
{
	char buf[128], *tok, *save;

	if (!list)
		return !wl->parallel;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (atoi(tok) == wl->number)
			return 1;
	return 0;
}

/* One side's rounds of a metric: their median, minimum and maximum. */
struct summary {
	double median, min, max;
};

static void summarize(const double *v, int n, struct summary *s)
{
	s->median = stat_of(v, n, 0);
	s->min = stat_of(v, n, -1);
	s->max = stat_of(v, n, 1);
}

/* A line per metric of the selected workloads: a row of the table, or (csv) of the CSV. */
static void print_results(const char *only, int rounds, int csv)
{
	for (size_t w = 0; w < ARRAY_SIZE(workloads); w++) {
		struct workload *wl = &workloads[w];

		if (!selected(only, wl))
			continue;
		for (int i = 0; i < wl->nmetrics; i++) {
			struct metric *m = &wl->m[i];
			struct summary a, b;

			summarize(m->v[0], rounds, &a);
			summarize(m->v[1], rounds, &b);
			if (csv) {
				printf("\"%s\",\"%s\",%s,%s,%s,", m->id, m->what, m->unit,
				       wl->a->name, wl->b->name);
				printf("%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.3f,%.3f\n", a.median, a.min,
				       a.max, b.median, b.min, b.max, b.median / a.median,
				       b.min / a.min);
				continue;
			}
			printf("%-13s %-38s %-9s %-8s %10.1f [%6.1f, %6.1f] ", m->id, m->what,
			       m->unit, wl->a->name, a.median, a.min, a.max);
			printf("%-8s %10.1f [%6.1f, %6.1f] %6.3f %6.3f\n", wl->b->name, b.median,
			       b.min, b.max, b.median / a.median, b.min / a.min);
		}
	}
}

/* The metric called id, if its workload ran. */
static const struct metric *find_metric(const char *only, const char *id)
{
	for (size_t w = 0; w < ARRAY_SIZE(workloads); w++) {
		const struct workload *wl = &workloads[w];

		if (!selected(only, wl))
			continue;
		for (int i = 0; i < wl->nmetrics; i++)
			if (!strcmp(wl->m[i].id, id))
				return &wl->m[i];
	}
	return NULL;
}

/*
 * Workload 3's rows against native plus the ioctl ABI's floor, as comment lines: the floor is
 * native's unknown ioctl less native's cheapest failing add_watch (what an ioctl costs above
 * a system call before either file's code runs), and each row's goal is rinotify's median at
 * most 1.05 of native's plus the floor.
 */
static void print_floor(const char *only, int rounds)
{
	static const char *const rows[] = { "3 add", "3 rm", "3 add entry", "3 rm entry" };
	const struct metric *ioctl_row = find_metric(only, "3 ioctl");
	const struct metric *floor_row = find_metric(only, "3 floor");
	struct summary unknown, cheapest;
	double floor;

	if (!ioctl_row || !floor_row)
		return;
	summarize(ioctl_row->v[0], rounds, &unknown);
	summarize(floor_row->v[0], rounds, &cheapest);
	floor = unknown.median - cheapest.median;
	printf("# ioctl floor %.1f: native's unknown ioctl %.1f less its failing add_watch %.1f\n",
	       floor, unknown.median, cheapest.median);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct metric *m = find_metric(only, rows[i]);
		struct summary a, b;

		if (!m)
			continue;
		summarize(m->v[0], rounds, &a);
		summarize(m->v[1], rounds, &b);
		printf("# %-13s rinotify %.1f against native + floor %.1f: %+.1f (%.3f)\n", m->id,
		       b.median, a.median + floor, b.median - a.median - floor,
		       b.median / (a.median + floor));
	}
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	struct utsname u;
	int rounds = 7, opt, one_side = -1;

	while ((opt = getopt(argc, argv, "r:w:s:p:o:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'w':
			only = optarg;
			break;
		case 's':
			scale = atof(optarg);
			break;
		case 'p':
			profiling = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "a") && strcmp(optarg, "b")) {
				fprintf(stderr, "-o takes a (side A only) or b (side B only)\n");
				return 2;
			}
			one_side = optarg[0] == 'b';
			break;
		default:
			fprintf(stderr,
				"usage: %s [-r rounds] [-w 1,2,..] [-s scale] [-p all|f,g] [-o a|b]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || scale <= 0) {
		fprintf(stderr, "rounds must be 1..%d, scale > 0\n", MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf("# rinobench: kernel %s, %ld CPUs, %d rounds, scale %g\n", u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), rounds, scale);
	load_module(1);
	setup();

	for (size_t w = 0; w < ARRAY_SIZE(workloads); w++) {
		struct workload *wl = &workloads[w];
		int64_t t0 = now_ns();

		if (!selected(only, wl))
			continue;
		for (int r = 0; r < rounds; r++) {
			for (int turn = 0; turn < 2; turn++) {
				int side = turn ^ (r & 1);
				const struct backend *s = side ? wl->b : wl->a;
				double v[3];

				if (one_side >= 0 && side != one_side)
					continue;
				for (int i = 0; i < wl->nmetrics; i++)
					window_metric[i] = wl->m[i].id;
				window_side = s->name;
				if (profiling)
					profile_start();
				wl->run(s, v);
				if (profiling)
					profile_stop(wl->m[0].id, s->name);
				for (int i = 0; i < wl->nmetrics; i++)
					wl->m[i].v[side][r] = v[i];
			}
		}
		for (int i = 0; i < wl->nmetrics; i++) {
			struct metric *m = &wl->m[i];

			printf("# %-13s", m->id);
			for (int side = 0; side < 2; side++) {
				if (one_side >= 0 && side != one_side)
					continue;
				printf(" %s:", side ? wl->b->name : wl->a->name);
				for (int r = 0; r < rounds; r++)
					printf(" %.1f", m->v[side][r]);
			}
			printf("\n");
		}
		printf("# workload %d: %.1f s\n", wl->number, (now_ns() - t0) / 1e9);
	}
	load_module(1);
	if (one_side >= 0)
		return 0;

	printf("\n%-13s %-38s %-9s %-8s %26s %-8s %26s %6s %6s\n", "metric", "what", "unit", "A",
	       "median [min, max]", "B", "median [min, max]", "B/A", "(min)");
	print_results(only, rounds, 0);
	print_floor(only, rounds);

	printf("RIT-BENCH-CSV\n");
	printf("# rinobench: kernel %s, %ld CPUs, %d rounds, scale %g\n", u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), rounds, scale);
	printf("id,what,unit,a,b,a_median,a_min,a_max,b_median,b_min,b_max,ratio,ratio_min\n");
	print_results(only, rounds, 1);
	print_floor(only, rounds);
	printf("RIT-BENCH-CSV-END\n");
	return 0;
}
