/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differential fixture: every scenario runs twice, as scenarios.native.<name> and then
 * scenarios.rinotify.<name> (the harness runs all tests of a fixture's first variant before
 * the second: test_harness_run() loops fixture -> variant -> test, and variants are kept in
 * declaration order). The native run saves its trace; the rinotify run compares with it
 * (trace_diff.c). Include this once, from a *_test.c file.
 */
#ifndef RINOTIFY_SELFTESTS_SCENARIO_H
#define RINOTIFY_SELFTESTS_SCENARIO_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

/* <linux/inotify.h> clashes with <sys/inotify.h>, which lacks this. */
#ifndef INOTIFY_IOC_SETNEXTWD
#define INOTIFY_IOC_SETNEXTWD	_IOW('I', 0, __s32)
#endif
#include "backend.h"
#include "trace.h"

FIXTURE(scenarios) {
	int unused;
};

FIXTURE_VARIANT(scenarios) {
	const struct backend *backend;
};

/* Native first: its trace is the oracle of the rinotify run. */
FIXTURE_VARIANT_ADD(scenarios, native) {
	.backend = &backend_native,
};

FIXTURE_VARIANT_ADD(scenarios, rinotify) {
	.backend = &backend_rinotify,
};

FIXTURE_SETUP(scenarios)
{
	ASSERT_EQ(0, scenario_begin(_metadata->name, variant->backend));
}

FIXTURE_TEARDOWN(scenarios)
{
	if (scenario_end())
		_metadata->exit_code = KSFT_FAIL;
}

/* The whole queue, in short form (see t_drain()). */
#define EXPECT_Q(fd, expected)	EXPECT_STREQ(expected, t_drain(fd))
#define ASSERT_Q(fd, expected)	ASSERT_STREQ(expected, t_drain(fd))
/* A call that must fail with errno e. */
#define EXPECT_ERR(e, call) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, (long)(call));					\
	EXPECT_STREQ(errno_name(e), errno_name(errno));			\
} while (0)

/* Creates an empty file (logged). */
#define MKFILE(path) TS(close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)))
/*
 * The files of the permission scenarios (logged): priv/x in a directory only root may
 * search (0700), secret only root may read (0600), noread/f in a directory others may
 * search but not read (0711).
 */
#define MAKE_PERMISSION_FILES() do {					\
	ASSERT_EQ(0, TS(mkdir("priv", 0700)));				\
	MKFILE("priv/x");						\
	MKFILE("secret");						\
	ASSERT_EQ(0, TS(chmod("secret", 0600)));			\
	ASSERT_EQ(0, TS(mkdir("noread", 0711)));			\
	MKFILE("noread/f");						\
} while (0)

#endif /* RINOTIFY_SELFTESTS_SCENARIO_H */
