// SPDX-License-Identifier: GPL-2.0
/*
 * Timing one user's calls against another's (see latency.h).
 */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "file.h"
#include "latency.h"

int become(uid_t uid, char *why, size_t size)
{
	gid_t gid = uid;
	char status[4096];

	if (setgroups(1, &gid) || setgid(gid) || setuid(uid)) {
		snprintf(why, size, "setuid(%u): %s", (unsigned int)uid, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 1) ||
	    read_file("/proc/self/status", status, sizeof(status)) < 0 ||
	    !strstr(status, "\nCapEff:\t0000000000000000\n")) {
		snprintf(why, size, "uid %u keeps capabilities", (unsigned int)uid);
		return -1;
	}
	/* Set after the credentials changed, which clear it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1) {
		snprintf(why, size, "orphaned");
		return -1;
	}
	return 0;
}

void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

void wait_for(const int *flag)
{
	const struct timespec nap = { .tv_nsec = 1000 * 1000 };

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		nanosleep(&nap, NULL);
}

void call_timed(struct call_max *c, int64_t t0)
{
	int64_t ns = now_ns() - t0;
	int64_t max = __atomic_load_n(&c->max, __ATOMIC_RELAXED);

	__atomic_fetch_add(&c->calls, 1, __ATOMIC_RELAXED);
	while (ns > max && !__atomic_compare_exchange_n(&c->max, &max, ns, 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
		;
}

int cmp_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}
