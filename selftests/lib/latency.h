/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timing one user's calls against another's, for the tests that show a tree's watcher makes
 * nobody wait (tree_latency_test, the stress test, the fuzzer) and the benchmark: the
 * unprivileged users the tests run as, CPU placement, and the longest call of each kind.
 *
 * The judgement is always a ratio (one user's longest call against the other's), never an
 * absolute time: the guest runs under TCG on a shared host, where any call can be stretched.
 */
#ifndef RINOTIFY_LIB_LATENCY_H
#define RINOTIFY_LIB_LATENCY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Becomes uid (and gid, the one group) uid with no capability, dumpable (for its /proc/self
 * and its fail-nth), killed if its parent dies first (a failed ASSERT ends the test): 0, or
 * -1 with why[0..size).
 */
int become(uid_t uid, char *why, size_t size);

/* Runs the calling thread on cpu alone, if the machine has it. */
void pin(int cpu);

/* Sleeps 1 ms at a time until *flag is not 0 (set by another process). */
void wait_for(const int *flag);

/* The longest of a kind of call, in memory that several threads or processes may share. */
struct call_max {
	long calls;
	int64_t max;
};

/* Counts one call, which started at t0 (now_ns()), in *c: atomically. */
void call_timed(struct call_max *c, int64_t t0);

/* qsort() order of int64_t values. */
int cmp_ns(const void *a, const void *b);

/* ns in milliseconds, to log. */
static inline double ms(int64_t ns)
{
	return ns / 1e6;
}

#endif /* RINOTIFY_LIB_LATENCY_H */
