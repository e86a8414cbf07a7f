// SPDX-License-Identifier: GPL-2.0
/*
 * Trace recorder and scenario life cycle of the differential scenarios (see trace.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
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
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "proc.h"
#include "records.h"
#include "sysctl.h"
#include "trace.h"

#define SCRATCH_DIR	"/tmp/rinotify-scratch"
#define TRACE_DIR	"/tmp/rinotify-traces"
#define MAX_LINES	20000
#define MAX_FDS		64
#define MAX_COOKIES	256
#define MAX_INODES	512
#define MAX_RESTORE	8
#define MAX_MOUNTS	8
#define EVSTR_SIZE	(256 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const struct backend *be;
struct t_event t_ev[T_EVENTS_MAX];
int t_nev;
int t_raw_bytes;

static struct {
	char name[128];
	char dir[PATH_MAX];
	char **lines;
	int nlines;
	int violations;
	int fds[MAX_FDS];
	int nfds;
	uint32_t cookies[MAX_COOKIES];
	int ncookies;
	struct {
		dev_t dev;
		ino_t ino;
		char name[96];
	} inodes[MAX_INODES];
	int ninodes;
	struct {
		char knob[64];
		long old;
	} restore[MAX_RESTORE];
	int nrestore;
	char mounts[MAX_MOUNTS][PATH_MAX];
	int nmounts;
} T;

static char evstr[EVSTR_SIZE];

/* ---------------------------------------------------------------- formatting */

static const struct {
	int err;
	const char *name;
} errnames[] = {
#define E(x) { x, #x }
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(EBADF),
	E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
	E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(ENOSPC),
	E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS),
	E(ENOTEMPTY), E(ELOOP), E(ENODATA), E(EOPNOTSUPP), E(ERESTART),
#undef E
};

const char *errno_name(int err)
{
	static char buf[4][16];
	static int n;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "E%d", err);
	return buf[n];
}

const char *t_mask(uint32_t mask)
{
	static char buf[8][256];
	static int n;
	char *p;
	int i;

	n = (n + 1) % 8;
	p = buf[n];
	*p = 0;
	if (!mask)
		return "0";
	for (i = 0; i < 32; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (*p)
			strcat(p, "|");
		if (inotify_bit_name(i))
			strcat(p, inotify_bit_name(i));
		else
			sprintf(p + strlen(p), "0x%x", 1u << i);
	}
	return p;
}

const char *t_cookie(uint32_t cookie)
{
	static char buf[4][16];
	static int n;
	int i;

	if (!cookie)
		return "0";
	for (i = 0; i < T.ncookies; i++)
		if (T.cookies[i] == cookie)
			break;
	if (i == T.ncookies && T.ncookies < MAX_COOKIES)
		T.cookies[T.ncookies++] = cookie;
	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "c%d", i + 1);
	return buf[n];
}

const char *t_fd(int fd)
{
	static char buf[4][16];
	static int n;
	int i;

	n = (n + 1) % 4;
	for (i = 0; i < T.nfds; i++)
		if (T.fds[i] == fd) {
			snprintf(buf[n], sizeof(buf[n]), "i%d", i + 1);
			return buf[n];
		}
	snprintf(buf[n], sizeof(buf[n]), "fd%d", fd);
	return buf[n];
}

/* A path or name as a C string literal; long ones are abbreviated. */
static const char *quote(const char *s, size_t max)
{
	static char buf[4][600];
	static int n;
	size_t len = strnlen(s, 4096);
	char *p;

	n = (n + 1) % 4;
	p = buf[n];
	if (len > max) {
		snprintf(p, sizeof(buf[n]), "<%zu bytes: %.8s...>", len, s);
		return p;
	}
	*p++ = '"';
	for (; *s; s++) {
		if (isprint((unsigned char)*s) && *s != '"' && *s != '\\')
			*p++ = *s;
		else
			p += sprintf(p, "\\x%02x", (unsigned char)*s);
	}
	*p++ = '"';
	*p = 0;
	return buf[n];
}

static const char *path_str(const char *path)
{
	if ((uintptr_t)path < 4096)
		return path ? "<bad pointer>" : "NULL";
	return quote(path, 64);
}

void t_log(const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (T.nlines >= MAX_LINES)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	if (!T.lines)
		T.lines = calloc(MAX_LINES, sizeof(*T.lines));
	T.lines[T.nlines++] = line;
	if (T.nlines == MAX_LINES)
		T.lines[MAX_LINES - 1] = strdup("!! trace truncated");
}

static void violation(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	T.violations++;
	t_log("!! %s", buf);
	fprintf(stderr, "# %s: %s\n", T.name, buf);
}

static const char *ret_str(long ret, int err)
{
	static char buf[4][64];
	static int n;

	n = (n + 1) % 4;
	if (ret < 0)
		snprintf(buf[n], sizeof(buf[n]), "%ld %s", ret, errno_name(err));
	else
		snprintf(buf[n], sizeof(buf[n]), "%ld", ret);
	return buf[n];
}

long t_sys_log(const char *text, long ret, int err)
{
	t_log("%s = %s", text, ret_str(ret, err));
	return ret;
}

/* ---------------------------------------------------------------- inotify wrappers */

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
		for (i = 0; i < T.nfds; i++)
			if (T.fds[i] == fd)
				T.fds[i] = -1;
		if (T.nfds < MAX_FDS)
			T.fds[T.nfds++] = fd;
		t_log("init1(%s) = %s", init_flags(flags), t_fd(fd));
	} else {
		t_log("init1(%s) = %s", init_flags(flags), ret_str(fd, err));
	}
	errno = err;
	return fd;
}

int t_close(int fd)
{
	int ret = close(fd);
	int err = errno;

	t_log("close(%s) = %s", t_fd(fd), ret_str(ret, err));
	errno = err;
	return ret;
}

void t_name(const char *path, int nofollow)
{
	struct stat st;
	int i;

	if ((nofollow ? lstat(path, &st) : stat(path, &st)) < 0)
		return;
	for (i = 0; i < T.ninodes; i++)
		if (T.inodes[i].dev == st.st_dev && T.inodes[i].ino == st.st_ino)
			return;
	if (T.ninodes == MAX_INODES)
		return;
	T.inodes[T.ninodes].dev = st.st_dev;
	T.inodes[T.ninodes].ino = st.st_ino;
	snprintf(T.inodes[T.ninodes].name, sizeof(T.inodes[0].name), "%s",
		 strlen(path) < sizeof(T.inodes[0].name) ? path : "<long path>");
	T.ninodes++;
}

int t_add(int fd, const char *path, uint32_t mask)
{
	int wd = be->add_watch(fd, path, mask);
	int err = errno;

	t_log("add_watch(%s, %s, 0x%x) = %s", t_fd(fd), path_str(path), mask,
	      ret_str(wd, err));
	if (wd >= 0)
		t_name(path, mask & IN_DONT_FOLLOW);
	errno = err;
	return wd;
}

int t_rm(int fd, int wd)
{
	int ret = be->rm_watch(fd, wd);
	int err = errno;

	t_log("rm_watch(%s, %d) = %s", t_fd(fd), wd, ret_str(ret, err));
	errno = err;
	return ret;
}

int t_fionread(int fd)
{
	int n = -12345;
	int ret = ioctl(fd, FIONREAD, &n);
	int err = errno;

	if (ret < 0) {
		t_log("FIONREAD(%s) = %s", t_fd(fd), ret_str(ret, err));
		errno = err;
		return -1;
	}
	t_log("FIONREAD(%s) = %d", t_fd(fd), n);
	return n;
}

/* Parses, checks and logs the records in buf[0..n). */
static void parse_records(const unsigned char *buf, size_t n)
{
	size_t off = 0, i;

	t_nev = 0;
	while (off < n) {
		unsigned int problems = record_problems(buf + off, n - off);
		struct inotify_event ie;
		struct t_event *e;
		char why[600];
		size_t namelen;

		if (problems & RECORD_TORN) {
			violation("at offset %zu of %zu: %s", off, n,
				  record_problem_str(buf + off, n - off, RECORD_TORN, why,
						     sizeof(why)));
			return;
		}
		memcpy(&ie, buf + off, sizeof(ie));
		e = &t_ev[t_nev < T_EVENTS_MAX ? t_nev++ : T_EVENTS_MAX - 1];
		e->wd = ie.wd;
		e->mask = ie.mask;
		e->cookie = ie.cookie;
		e->len = ie.len;
		namelen = strnlen((const char *)buf + off + sizeof(ie), ie.len);
		if (namelen >= T_NAME_MAX)
			namelen = T_NAME_MAX - 1;
		memcpy(e->name, buf + off + sizeof(ie), namelen);
		e->name[namelen] = 0;
		t_log("  {wd=%d mask=0x%x(%s) cookie=%s len=%u name=%s}", ie.wd, ie.mask,
		      t_mask(ie.mask), t_cookie(ie.cookie), ie.len, quote(e->name, 300));
		if (t_raw_bytes) {
			char hex[(16 + 256) * 2 + 64];
			char *p = hex;

			for (i = 0; i < sizeof(ie) + ie.len; i++) {
				if (i == 8 && ie.cookie) {
					p += sprintf(p, "<%s>", t_cookie(ie.cookie));
					i = 11;
					continue;
				}
				p += sprintf(p, "%02x", buf[off + i]);
			}
			t_log("  raw=%s", hex);
		}
		for (i = 0; i < 32; i++)
			if (problems & (1u << i))
				violation("%s", record_problem_str(buf + off, n - off, 1u << i, why,
								   sizeof(why)));
		off += sizeof(ie) + ie.len;
	}
}

void t_log_records(const void *buf, ssize_t n)
{
	t_nev = 0;
	if (n > 0)
		parse_records(buf, n);
}

ssize_t t_read_buf(int fd, void *buf, size_t count)
{
	ssize_t n = read(fd, buf, count);
	int err = errno;

	t_log("read(%s, %zu) = %s", t_fd(fd), count, ret_str(n, err));
	t_nev = 0;
	if (n > 0)
		parse_records(buf, n);
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

const char *t_evstr(void)
{
	static char buf[EVSTR_SIZE];
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < t_nev && off < sizeof(buf) - 600; i++) {
		struct t_event *e = &t_ev[i];

		off += snprintf(buf + off, sizeof(buf) - off, "%s%d %s", i ? "; " : "", e->wd,
				t_mask(e->mask));
		if (e->len)
			off += snprintf(buf + off, sizeof(buf) - off, " %s", e->name);
		if (e->cookie)
			off += snprintf(buf + off, sizeof(buf) - off, " %s", t_cookie(e->cookie));
	}
	return buf;
}

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
		char *fh;
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
			violation("unparsed fdinfo line: %s", line);
			continue;
		}
		for (i = 0; i < T.ninodes; i++) {
			if (T.inodes[i].ino != ino)
				continue;
			name = T.inodes[i].name;
			devok = ((major(T.inodes[i].dev) << 20) | minor(T.inodes[i].dev)) == sdev ?
				"ok" : "MISMATCH";
			break;
		}
		fh = strstr(line, "fhandle-bytes:");
		if (fh && sscanf(fh, "fhandle-bytes:%x fhandle-type:%x", &fhb, &fht) == 2)
			t_log("fdinfo(%s): inotify wd:%x ino:<%s> sdev:<%s> mask:%x ignored_mask:%x fhandle-bytes:%x fhandle-type:%x",
			      t_fd(fd), wd, name, devok, mask, ignored, fhb, fht);
		else
			t_log("fdinfo(%s): inotify wd:%x ino:<%s> sdev:<%s> mask:%x ignored_mask:%x (no fhandle)",
			      t_fd(fd), wd, name, devok, mask, ignored);
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
			ret_str(ret, err));
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

	for (i = 0; i < T.nrestore; i++)
		if (!strcmp(T.restore[i].knob, knob))
			break;
	if (i == T.nrestore) {
		if (T.nrestore == MAX_RESTORE)
			return -1;
		old = sysctl_get(be->sysctl_dir, knob);
		if (old < 0)
			return -1;
		snprintf(T.restore[i].knob, sizeof(T.restore[i].knob), "%s", knob);
		T.restore[i].old = old;
		T.nrestore++;
	}
	return sysctl_set(be->sysctl_dir, knob, value);
}

int t_sysctl_restore(const char *knob)
{
	int i, ret = 0;

	for (i = 0; i < T.nrestore; i++) {
		if (knob && strcmp(T.restore[i].knob, knob))
			continue;
		if (sysctl_set(be->sysctl_dir, T.restore[i].knob, T.restore[i].old))
			ret = -1;
		T.restore[i] = T.restore[--T.nrestore];
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
		snprintf(abs, sizeof(abs), "%s/%s", T.dir, path);
	if (T.nmounts < MAX_MOUNTS)
		snprintf(T.mounts[T.nmounts++], PATH_MAX, "%.4000s", abs);
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
		for (i = 0; i < T.nlines; i++)
			free(T.lines[i]);
		T.nlines = 0;
		if (unpriv)
			drop_privileges();
		ret = fn(arg);
		f = fdopen(p[1], "w");
		for (i = 0; f && i < T.nlines; i++)
			fprintf(f, "%s\n", T.lines[i]);
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

/* ---------------------------------------------------------------- life cycle */

const char *scenario_dir(void)
{
	return T.dir;
}

int scenario_begin(const char *name, const struct backend *backend)
{
	char tmpl[PATH_MAX];
	int i;

	be = backend;
	for (i = 0; i < T.nlines; i++)
		free(T.lines[i]);
	memset(&T, 0, offsetof(typeof(T), lines));
	T.nlines = T.violations = T.nfds = T.ncookies = T.ninodes = T.nrestore = T.nmounts = 0;
	snprintf(T.name, sizeof(T.name), "%s", name);
	if (mkdir(SCRATCH_DIR, 0755) && errno != EEXIST)
		return -1;
	snprintf(tmpl, sizeof(tmpl), SCRATCH_DIR "/%s.%s.XXXXXX", name, backend->name);
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(T.dir, sizeof(T.dir), "%s", tmpl);
	/* Readable and searchable by the unprivileged children of some scenarios. */
	if (chmod(T.dir, 0755) || chdir(T.dir))
		return -1;
	t_log("scenario %s", name);
	return 0;
}

static const char *trace_dir(void)
{
	const char *d = getenv("RINOTIFY_TRACE_DIR");

	return d && *d ? d : TRACE_DIR;
}

static int save_trace(const char *path)
{
	char tmp[PATH_MAX + 32];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	for (i = 0; i < T.nlines; i++)
		fprintf(f, "%s\n", T.lines[i]);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

static int load_lines(const char *path, char ***lines)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	*lines = calloc(MAX_LINES, sizeof(**lines));
	while (n < MAX_LINES && (len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = 0;
		(*lines)[n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return n;
}

/* A line diff (LCS) of native (a) and rinotify (b), with 3 lines of context. */
static void print_diff(char **a, int n, char **b, int m)
{
	enum { SAME, DEL, ADD } *ops;
	int *lcs, i, j, k, nops = 0, printed = 0, last = -100;

	if ((long)(n + 1) * (m + 1) > 16L * 1000 * 1000) {
		for (i = 0; i < n && i < m && !strcmp(a[i], b[i]); i++)
			;
		fprintf(stderr, "# traces too long for a diff; first difference at line %d:\n",
			i + 1);
		fprintf(stderr, "#   - %s\n#   + %s\n", i < n ? a[i] : "<end>",
			i < m ? b[i] : "<end>");
		return;
	}
	lcs = calloc((size_t)(n + 1) * (m + 1), sizeof(*lcs));
	ops = calloc(n + m + 1, sizeof(*ops));
#define L(x, y) lcs[(size_t)(x) * (m + 1) + (y)]
	for (i = n - 1; i >= 0; i--)
		for (j = m - 1; j >= 0; j--)
			L(i, j) = !strcmp(a[i], b[j]) ? L(i + 1, j + 1) + 1 :
				  (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
	for (i = j = 0; i < n || j < m;) {
		if (i < n && j < m && !strcmp(a[i], b[j])) {
			ops[nops++] = SAME;
			i++, j++;
		} else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
			ops[nops++] = DEL;
			i++;
		} else {
			ops[nops++] = ADD;
			j++;
		}
	}
#undef L
	fprintf(stderr, "# --- native trace\n# +++ rinotify trace\n");
	for (k = 0, i = j = 0; k < nops && printed < 200; k++) {
		int near = 0, d;

		for (d = k - 3; d <= k + 3; d++)
			if (d >= 0 && d < nops && ops[d] != SAME)
				near = 1;
		if (near) {
			if (last != k - 1)
				fprintf(stderr, "# @@ native line %d, rinotify line %d @@\n", i + 1,
					j + 1);
			fprintf(stderr, "# %c %s\n", ops[k] == SAME ? ' ' : ops[k] == DEL ? '-' : '+',
				ops[k] == ADD ? b[j] : a[i]);
			printed++;
			last = k;
		}
		if (ops[k] != ADD)
			i++;
		if (ops[k] != DEL)
			j++;
	}
	free(lcs);
	free(ops);
}

int scenario_end(void)
{
	char path[PATH_MAX], npath[PATH_MAX];
	char **native = NULL;
	int i, n, ret = 0;

	if (t_sysctl_restore(NULL)) {
		fprintf(stderr, "# %s: could not restore a sysctl of %s\n", T.name, be->sysctl_dir);
		ret = -1;
	}
	for (i = T.nmounts - 1; i >= 0; i--)
		umount2(T.mounts[i], MNT_DETACH);
	if (chdir("/") == 0 && T.dir[0])
		rm_tree(T.dir);

	if (T.violations) {
		fprintf(stderr, "# %s: %d record invariant violation(s) (lines starting with !!)\n",
			T.name, T.violations);
		ret = -1;
	}
	if (mkdir(trace_dir(), 0755) && errno != EEXIST) {
		fprintf(stderr, "# cannot create %s: %s\n", trace_dir(), strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.%s", trace_dir(), T.name, be->name);
	if (save_trace(path)) {
		fprintf(stderr, "# cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (be == &backend_native)
		return ret;

	snprintf(npath, sizeof(npath), "%s/%s.native", trace_dir(), T.name);
	n = load_lines(npath, &native);
	if (n < 0) {
		fprintf(stderr, "# %s: no native trace %s (run the native variant first): %s\n",
			T.name, npath, strerror(errno));
		return -1;
	}
	/* Line 1 names the scenario; compare everything. */
	for (i = 0; i < n && i < T.nlines && !strcmp(native[i], T.lines[i]); i++)
		;
	if (i != n || n != T.nlines) {
		fprintf(stderr, "# %s: trace differs from native (%s vs %s)\n", T.name, npath, path);
		print_diff(native, n, T.lines, T.nlines);
		ret = -1;
	}
	for (i = 0; i < n; i++)
		free(native[i]);
	free(native);
	return ret;
}
