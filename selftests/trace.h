/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace recorder of the differential scenarios.
 *
 * A scenario runs in its own fresh temporary directory (its cwd) and does every inotify
 * operation through the t_*() wrappers, which append normalised text lines to the trace:
 * instance fds are named i1, i2, ... in creation order, rename cookies c1, c2, ... in order
 * of appearance (0 stays 0), inode numbers in fdinfo are replaced by the path the scenario
 * named them by, and paths are relative to the scenario directory. The trace of the native
 * run is written to $RINOTIFY_TRACE_DIR (default /tmp/rinotify-traces)/<scenario>.native;
 * the rinotify run compares its own trace with it line by line.
 *
 * Every record read is also checked against the invariants of struct inotify_event (len a
 * multiple of 16 that fits the name, NUL padding, wd -1 only for IN_Q_OVERFLOW, cookie 0
 * except on IN_MOVED_*, no flag bits); a violation is a trace line starting with "!!" and
 * fails the scenario.
 *
 * The trace is not thread-safe: threads return results to the main thread, which logs them.
 *
 * The recorder is in trace.c (the log and its names), trace_calls.c (the t_*() calls),
 * trace_records.c (the records read), trace_diff.c (the comparison) and scenario.c (the
 * life cycle); trace_internal.h is what they share.
 */
#ifndef RINOTIFY_SELFTESTS_TRACE_H
#define RINOTIFY_SELFTESTS_TRACE_H

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend.h"
/* write_file() and the other file helpers, which log nothing. */
#include "file.h"

#define T_NAME_MAX	256
#define T_EVENTS_MAX	8192

struct t_event {
	int32_t wd;
	uint32_t mask;
	uint32_t cookie;	/* raw */
	uint32_t len;
	char name[T_NAME_MAX];
};

/* The backend of the running scenario. */
extern const struct backend *be;

/*
 * When set, every record read is also logged as raw hex bytes (a rename cookie, which
 * differs from run to run, is shown as its normalised name).
 */
extern int t_raw_bytes;

/* The records of the last t_read() / t_drain(). */
extern struct t_event t_ev[T_EVENTS_MAX];
extern int t_nev;

/* Scenario life cycle (fixture setup/teardown, scenario.c). 0 on success. */
int scenario_begin(const char *name, const struct backend *backend);
int scenario_end(void);
/* The scenario's directory (absolute). */
const char *scenario_dir(void);

void t_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "i1", "i2", ... for instances made by t_init(), else "fd<N>". */
const char *t_fd(int fd);
/* Normalised cookie: "0", "c1", "c2", ... */
const char *t_cookie(uint32_t cookie);
/* Symbolic mask, e.g. "CREATE|ISDIR". */
const char *t_mask(uint32_t mask);

int t_init(int flags);
int t_add(int fd, const char *path, uint32_t mask);
/*
 * RINOTIFY_IOC_ADD_WATCHES, or its native oracle (native_add_watches()): the call and every
 * processed entry's result are logged.
 */
int t_add_watches(int fd, struct rinotify_watch_at *entries, unsigned int count);
int t_rm(int fd, int wd);
/* Closes an instance (logged). */
int t_close(int fd);
/* read(fd, buf, count) into an internal buffer; the records go to t_ev[]. */
ssize_t t_read(int fd, size_t count);
/* read() into a caller buffer (EFAULT tests); records are parsed only if it succeeds. */
ssize_t t_read_buf(int fd, void *buf, size_t count);
int t_fionread(int fd);
/* Parses, checks and logs records that a read() (for example in another thread) returned. */
void t_log_records(const void *buf, ssize_t n);
/*
 * Reads the whole queue without blocking (FIONREAD sized reads) and returns the records in
 * short form, "wd MASK [name] [cN]" joined by "; ", e.g. "1 MOVED_FROM a c1; 1 MOVED_TO b c1".
 * "" when the queue is empty.
 */
const char *t_drain(int fd);
/* Short form of t_ev[]. */
const char *t_evstr(void);
/*
 * Logs the watch lines of /proc/self/fdinfo/<fd> (normalised) and returns them in short
 * form "wd:mask" (both hex, as fdinfo prints them) joined by " ", in fdinfo order.
 */
const char *t_fdinfo(int fd);
/* Names the inode at path (stat, or lstat if nofollow) for fdinfo; t_add() does it too. */
void t_name(const char *path, int nofollow);
int t_poll(struct pollfd *pfd, int n, int timeout);

/* Logs "<text> = <ret>" or "<text> = -1 <ERRNO>". */
long t_sys_log(const char *text, long ret, int err);
#define TS(expr) ({							\
	long __tr = (long)(expr);					\
	int __te = errno;						\
	t_sys_log(#expr, __tr, __te);					\
	errno = __te;							\
	__tr;								\
})

const char *errno_name(int err);

/* Sysctls of the backend (be->sysctl_dir/<knob>); t_sysctl_set() restores at scenario end. */
long t_sysctl_get(const char *knob);
int t_sysctl_set(const char *knob, long value);
int t_sysctl_restore(const char *knob);

/* mount(2) of a fresh tmpfs at path (created), unmounted (lazily) at scenario end if left. */
int t_mount_tmpfs(const char *path);
int t_umount(const char *path);

/*
 * Runs fn(arg) in a forked child, as uid/gid 65534 if unpriv. The child's trace lines are
 * appended to the parent's with the prefix "child: ". Returns the child's exit status
 * (fn's return value), or -1.
 */
int t_child(int unpriv, int (*fn)(void *arg), void *arg);

/*
 * Waits (polling, generous timeout) until thread tid sleeps in syscall nr. 0 when it does,
 * -1 on timeout.
 */
int t_wait_blocked(pid_t tid, long nr);

#endif /* RINOTIFY_SELFTESTS_TRACE_H */
