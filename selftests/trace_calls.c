// SPDX-License-Identifier: GPL-2.0
/*
 * The traced calls of the differential scenarios (see trace.h): each makes one call, on
 * the scenario's backend where it is an inotify call, logs it with its result, and keeps
 * the result and errno for the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch.h"
#include "file.h"
#include "proc.h"
#include "sysctl.h"
#include "trace_internal.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *path_str(const char *path)
{
	if ((uintptr_t)path < 4096)
		return path ? "<bad pointer>" : "NULL";
	return t_quote(path, 64);
}

static const char *init_flags(int flags)
{
	static char buf[64];

	if (flags == 0)
		return "0";
	if (flags == IN_CLOEXEC)
		return "IN_CLOEXEC";
	if (flags == IN_NONBLOCK)
		return "IN_NONBLOCK";
	if (flags == (IN_CLOEXEC | IN_NONBLOCK))
		return "IN_CLOEXEC|IN_NONBLOCK";
	snprintf(buf, sizeof(buf), "0%o", flags);
	return buf;
}

int t_init(int flags)
{
	int fd = be->init1(flags);
	int err = errno;

	if (fd >= 0) {
		int i;

		/* A recycled fd number is a new instance. */
		for (i = 0; i < trace.nfds; i++)
			if (trace.fds[i] == fd)
				trace.fds[i] = -1;
		if (trace.nfds < MAX_FDS)
			trace.fds[trace.nfds++] = fd;
		t_log("init1(%s) = %s", init_flags(flags), t_fd(fd));
	} else {
		t_log("init1(%s) = %s", init_flags(flags), t_ret(fd, err));
	}
	errno = err;
	return fd;
}

int t_close(int fd)
{
	int ret = close(fd);
	int err = errno;

	t_log("close(%s) = %s", t_fd(fd), t_ret(ret, err));
	errno = err;
	return ret;
}

void t_name(const char *path, int nofollow)
{
	struct stat st;
	int i;

	if ((nofollow ? lstat(path, &st) : stat(path, &st)) < 0)
		return;
	for (i = 0; i < trace.ninodes; i++)
		if (trace.inodes[i].dev == st.st_dev && trace.inodes[i].ino == st.st_ino)
			return;
	if (trace.ninodes == MAX_INODES)
		return;
	trace.inodes[trace.ninodes].dev = st.st_dev;
	trace.inodes[trace.ninodes].ino = st.st_ino;
	snprintf(trace.inodes[trace.ninodes].name, sizeof(trace.inodes[0].name), "%s",
		 strlen(path) < sizeof(trace.inodes[0].name) ? path : "<long path>");
	trace.ninodes++;
}

int t_add(int fd, const char *path, uint32_t mask)
{
	int wd = be->add_watch(fd, path, mask);
	int err = errno;

	t_log("add_watch(%s, %s, 0x%x) = %s", t_fd(fd), path_str(path), mask,
	      t_ret(wd, err));
	if (wd >= 0)
		t_name(path, mask & IN_DONT_FOLLOW);
	errno = err;
	return wd;
}

int t_add_watches(int fd, struct rinotify_watch_at *entries, unsigned int count)
{
	int done = be->add_watches(fd, entries, count);
	int err = errno, i;

	t_log("add_watches(%s, %u entries) = %s", t_fd(fd), count, t_ret(done, err));
	for (i = 0; i < done; i++) {
		struct rinotify_watch_at *e = &entries[i];
		const char *path = (const char *)(uintptr_t)e->pathname;

		t_log("  [%d] %s, %s, 0x%x: %s", i,
		      e->dirfd == AT_FDCWD ? "AT_FDCWD" : e->dirfd < 0 ? "bad fd" : "dirfd",
		      path_str(path), e->mask, t_ret(e->result < 0 ? -1 : e->result, -e->result));
		if (e->result >= 0 && (e->dirfd == AT_FDCWD || (path && path[0] == '/')))
			t_name(path, e->mask & IN_DONT_FOLLOW);
	}
	errno = err;
	return done;
}

int t_rm(int fd, int wd)
{
	int ret = be->rm_watch(fd, wd);
	int err = errno;

	t_log("rm_watch(%s, %d) = %s", t_fd(fd), wd, t_ret(ret, err));
	errno = err;
	return ret;
}

int t_fionread(int fd)
{
	int n = -12345;
	int ret = ioctl(fd, FIONREAD, &n);
	int err = errno;

	if (ret < 0) {
		t_log("FIONREAD(%s) = %s", t_fd(fd), t_ret(ret, err));
		errno = err;
		return -1;
	}
	t_log("FIONREAD(%s) = %d", t_fd(fd), n);
	return n;
}

ssize_t t_read_buf(int fd, void *buf, size_t count)
{
	ssize_t n = read(fd, buf, count);
	int err = errno;

	t_log("read(%s, %zu) = %s", t_fd(fd), count, t_ret(n, err));
	t_log_records(buf, n);
	errno = err;
	return n;
}

ssize_t t_read(int fd, size_t count)
{
	static unsigned char *buf;
	static size_t size;
	ssize_t n;
	int err;

	if (count > size) {
		free(buf);
		size = count;
		buf = malloc(size);
	}
	n = t_read_buf(fd, buf, count);
	err = errno;
	errno = err;
	return n;
}

static char evstr[EVSTR_SIZE];

const char *t_drain(int fd)
{
	size_t off = 0;
	int loops = 0;

	evstr[0] = 0;
	for (;;) {
		int q = t_fionread(fd);

		if (q <= 0 || loops++ > 1000)
			break;
		if (t_read(fd, q) <= 0)
			break;
		off += snprintf(evstr + off, sizeof(evstr) - off, "%s%s", off ? "; " : "",
				t_evstr());
		if (off >= sizeof(evstr) - 1)
			break;
	}
	return evstr;
}

/*
 * What the file handle of an fdinfo line opens: open_by_handle_at() on the file system of
 * the current directory, compared with the line's inode (CRIU restores watches from these
 * handles). The bytes differ from one run to the next (inode generations), what they open
 * must not: native's and rinotify's logs agree.
 */
static const char *fhandle_opens(const char *fh, unsigned long long ino)
{
	static char buf[64];
	unsigned int bytes, type, i;
	struct file_handle *h;
	const char *hex;
	struct stat st;
	int mfd, fd;

	hex = strstr(fh, "f_handle:");
	if (sscanf(fh, "fhandle-bytes:%x fhandle-type:%x", &bytes, &type) != 2 || !hex ||
	    bytes > MAX_HANDLE_SZ)
		return "unparsed";
	hex += strlen("f_handle:");
	if (strspn(hex, "0123456789abcdef") != 2 * bytes)
		return "f_handle of another length than fhandle-bytes";
	h = calloc(1, sizeof(*h) + bytes);
	if (!h)
		return "ENOMEM";
	h->handle_bytes = bytes;
	h->handle_type = type;
	for (i = 0; i < bytes; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		h->f_handle[i] = strtoul(byte, NULL, 16);
	}
	mfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = open_by_handle_at(mfd, h, O_PATH | O_CLOEXEC);
	if (fd < 0)
		snprintf(buf, sizeof(buf), "f_handle:<%s>", errno_name(errno));
	else if (fstat(fd, &st) || st.st_ino != ino)
		snprintf(buf, sizeof(buf), "f_handle:<opens another inode>");
	else
		snprintf(buf, sizeof(buf), "f_handle:<opens it>");
	if (fd >= 0)
		close(fd);
	if (mfd >= 0)
		close(mfd);
	free(h);
	return buf;
}

const char *t_fdinfo(int fd)
{
	static char out[8192];
	char path[64], line[1024];
	size_t off = 0;
	FILE *f;

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f) {
		t_log("fdinfo(%s): %s", t_fd(fd), errno_name(errno));
		return out;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long ino;
		unsigned int wd, sdev, mask, ignored, fhb, fht;
		const char *name = "?";
		const char *devok = "?";
		char *fh, fhandle[128];
		dev_t dev;
		int i, n;

		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "pos:", 4)) {
			t_log("fdinfo(%s): %s", t_fd(fd), line);
			continue;
		}
		if (!strncmp(line, "flags:", 6)) {
			unsigned long fl = strtoul(line + 6, NULL, 8);

			t_log("fdinfo(%s): flags&(ACCMODE|NONBLOCK|CLOEXEC):0%lo", t_fd(fd),
			      fl & (O_ACCMODE | O_NONBLOCK | O_CLOEXEC));
			continue;
		}
		if (strncmp(line, "inotify ", 8))
			continue;
		n = sscanf(line, "inotify wd:%x ino:%llx sdev:%x mask:%x ignored_mask:%x",
			   &wd, &ino, &sdev, &mask, &ignored);
		if (n != 5) {
			t_violation("unparsed fdinfo line: %s", line);
			continue;
		}
		for (i = 0; i < trace.ninodes; i++) {
			if (trace.inodes[i].ino != ino)
				continue;
			dev = trace.inodes[i].dev;
			name = trace.inodes[i].name;
			devok = ((major(dev) << 20) | minor(dev)) == sdev ? "ok" : "MISMATCH";
			break;
		}
		fh = strstr(line, "fhandle-bytes:");
		if (fh && sscanf(fh, "fhandle-bytes:%x fhandle-type:%x", &fhb, &fht) == 2)
			snprintf(fhandle, sizeof(fhandle), " fhandle-bytes:%x fhandle-type:%x %s",
				 fhb, fht, fhandle_opens(fh, ino));
		else
			snprintf(fhandle, sizeof(fhandle), " (no fhandle)");
		t_log("fdinfo(%s): inotify wd:%x ino:<%s> sdev:<%s> mask:%x ignored_mask:%x%s",
		      t_fd(fd), wd, name, devok, mask, ignored, fhandle);
		off += snprintf(out + off, sizeof(out) - off, "%s%x:%x", off ? " " : "", wd, mask);
		if (off >= sizeof(out))
			break;
	}
	fclose(f);
	return out;
}

static const char *poll_bits(short ev)
{
	static char buf[4][128];
	static int n;
	static const struct {
		short bit;
		const char *name;
	} bits[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" }, { POLLERR, "ERR" },
		{ POLLHUP, "HUP" }, { POLLNVAL, "NVAL" }, { POLLRDNORM, "RDNORM" },
		{ POLLRDBAND, "RDBAND" }, { POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" },
	};
	unsigned int i;
	char *p;

	n = (n + 1) % 4;
	p = buf[n];
	*p = 0;
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(ev & bits[i].bit))
			continue;
		if (*p)
			strcat(p, "|");
		strcat(p, bits[i].name);
		ev &= ~bits[i].bit;
	}
	if (ev)
		sprintf(p + strlen(p), "%s0x%x", *p ? "|" : "", ev);
	return *p ? p : "0";
}

int t_poll(struct pollfd *pfd, int n, int timeout)
{
	char line[1024];
	size_t off;
	int i, ret, err;

	ret = poll(pfd, n, timeout);
	err = errno;
	off = snprintf(line, sizeof(line), "poll(");
	for (i = 0; i < n; i++)
		off += snprintf(line + off, sizeof(line) - off, "%s%s:%s", i ? " " : "",
				t_fd(pfd[i].fd), poll_bits(pfd[i].events));
	off += snprintf(line + off, sizeof(line) - off, ", %d) = %s:", timeout,
			t_ret(ret, err));
	for (i = 0; i < n && ret >= 0; i++)
		off += snprintf(line + off, sizeof(line) - off, " %s=%s", t_fd(pfd[i].fd),
				poll_bits(pfd[i].revents));
	t_log("%s", line);
	errno = err;
	return ret;
}

/* ---------------------------------------------------------------- helpers */

long t_sysctl_get(const char *knob)
{
	return sysctl_get(be->sysctl_dir, knob);
}

int t_sysctl_set(const char *knob, long value)
{
	long old;
	int i;

	for (i = 0; i < trace.nrestore; i++)
		if (!strcmp(trace.restore[i].knob, knob))
			break;
	if (i == trace.nrestore) {
		if (trace.nrestore == MAX_RESTORE)
			return -1;
		old = sysctl_get(be->sysctl_dir, knob);
		if (old < 0)
			return -1;
		snprintf(trace.restore[i].knob, sizeof(trace.restore[i].knob), "%s", knob);
		trace.restore[i].old = old;
		trace.nrestore++;
	}
	return sysctl_set(be->sysctl_dir, knob, value);
}

int t_sysctl_restore(const char *knob)
{
	int i, ret = 0;

	for (i = 0; i < trace.nrestore; i++) {
		if (knob && strcmp(trace.restore[i].knob, knob))
			continue;
		if (sysctl_set(be->sysctl_dir, trace.restore[i].knob, trace.restore[i].old))
			ret = -1;
		trace.restore[i] = trace.restore[--trace.nrestore];
		i--;
	}
	return ret;
}

int t_mount_tmpfs(const char *path)
{
	char abs[2 * PATH_MAX + 2];

	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	if (mount("rinotify-test", path, "tmpfs", 0, "size=16m,mode=0755"))
		return -1;
	if (path[0] == '/')
		snprintf(abs, sizeof(abs), "%s", path);
	else
		snprintf(abs, sizeof(abs), "%s/%s", trace.dir, path);
	if (trace.nmounts < MAX_MOUNTS)
		snprintf(trace.mounts[trace.nmounts++], PATH_MAX, "%.4000s", abs);
	return 0;
}

int t_umount(const char *path)
{
	return umount2(path, 0);
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		_exit(120);
}

int t_child(int unpriv, int (*fn)(void *arg), void *arg)
{
	int p[2], status, i;
	char *out = NULL;
	size_t len = 0, cap = 0;
	pid_t pid;
	FILE *f;

	if (pipe(p))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int ret;

		close(p[0]);
		for (i = 0; i < trace.nlines; i++)
			free(trace.lines[i]);
		trace.nlines = 0;
		if (unpriv)
			drop_privileges();
		ret = fn(arg);
		f = fdopen(p[1], "w");
		for (i = 0; f && i < trace.nlines; i++)
			fprintf(f, "%s\n", trace.lines[i]);
		if (f)
			fclose(f);
		_exit(ret & 0xff);
	}
	close(p[1]);
	for (;;) {
		ssize_t n;

		if (len + 4096 > cap) {
			cap = cap * 2 + 8192;
			out = realloc(out, cap);
		}
		n = read(p[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(p[0]);
	if (out) {
		char *s, *save = NULL;

		out[len] = 0;
		for (s = strtok_r(out, "\n", &save); s; s = strtok_r(NULL, "\n", &save))
			t_log("child: %s", s);
		free(out);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status)) {
		t_log("child: killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
		return -1;
	}
	t_log("child: exit %d", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

int t_wait_blocked(pid_t tid, long nr)
{
	char path[64], buf[256];
	int i;

	/* Up to 60 s: only reached when something is broken. */
	for (i = 0; i < 60000; i++) {
		if (task_state(tid) == 'S') {
			/* Without /proc/<tid>/syscall, sleeping is taken as blocked. */
			snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
			if (read_text(path, buf, sizeof(buf)) || strtol(buf, NULL, 10) == nr)
				return 0;
		}
		usleep(1000);
	}
	return -1;
}
