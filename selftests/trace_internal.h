/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the trace recorder share; the tests include trace.h alone.
 *
 *   trace.c          the trace log, and the names it gives fds, cookies, masks and errnos
 *   trace_calls.c    the traced calls: each makes one call and logs it
 *   trace_records.c  the records a read returned: parsed, checked, logged
 *   trace_diff.c     the saved traces, and the native one compared with the rinotify one
 *   scenario.c       a scenario's life cycle: its directory, its clean-up, its verdict
 */
#ifndef RINOTIFY_SELFTESTS_TRACE_INTERNAL_H
#define RINOTIFY_SELFTESTS_TRACE_INTERNAL_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace.h"

#define MAX_LINES	20000
#define MAX_FDS		64
#define MAX_COOKIES	256
#define MAX_INODES	512
#define MAX_RESTORE	8
#define MAX_MOUNTS	8
/* The short forms of t_evstr() and t_drain(). */
#define EVSTR_SIZE	(256 * 1024)

/* The running scenario; scenario_begin() clears it. */
struct trace_state {
	char name[128];
	/* Its directory, the cwd while it runs. */
	char dir[PATH_MAX];
	/* The trace, one malloc()ed line each. */
	char **lines;
	int nlines;
	/* Record invariants broken (lines starting with "!!"). */
	int violations;
	/* The instances t_init() made, i1 = fds[0] ... (a reused fd number is -1). */
	int fds[MAX_FDS];
	int nfds;
	/* The rename cookies seen, c1 = cookies[0] ... */
	uint32_t cookies[MAX_COOKIES];
	int ncookies;
	/* The inodes named by the paths that reached them, for fdinfo. */
	struct {
		dev_t dev;
		ino_t ino;
		char name[96];
	} inodes[MAX_INODES];
	int ninodes;
	/* The sysctls to restore at the end, with their values before. */
	struct {
		char knob[64];
		long old;
	} restore[MAX_RESTORE];
	int nrestore;
	/* The mounts to detach at the end. */
	char mounts[MAX_MOUNTS][PATH_MAX];
	int nmounts;
};

extern struct trace_state trace;

/* Logs "!! <message>", counts a violation and says so on stderr. */
void t_violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A path or name as a C string literal; one longer than max is abbreviated. */
const char *t_quote(const char *s, size_t max);

/* A call's result as the trace shows it: "<ret>" or "-1 <ERRNO>". */
const char *t_ret(long ret, int err);

/*
 * Saves the trace as <trace dir>/<scenario>.<backend> and, for the rinotify run, compares
 * it with the native run's, printing a diff if they differ. 0 when saved (and, for
 * rinotify, equal to native), -1 otherwise.
 */
int trace_compare(void);

#endif /* RINOTIFY_SELFTESTS_TRACE_INTERNAL_H */
