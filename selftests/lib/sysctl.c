// SPDX-License-Identifier: GPL-2.0
/*
 * The sysctls of inotify and rinotify (see sysctl.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "file.h"
#include "sysctl.h"

/* dir/knob into path[PATH_MAX]: 0, or -1 with ENAMETOOLONG. */
static int knob_path(char *path, const char *dir, const char *knob)
{
	if (snprintf(path, PATH_MAX, "%s/%s", dir, knob) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

long sysctl_get(const char *dir, const char *knob)
{
	char path[PATH_MAX];

	if (knob_path(path, dir, knob))
		return -1;
	return read_long(path);
}

int sysctl_write(const char *dir, const char *knob, const char *text)
{
	char path[PATH_MAX];

	if (knob_path(path, dir, knob))
		return -1;
	return write_text(path, text);
}

int sysctl_set(const char *dir, const char *knob, long value)
{
	char text[24];

	snprintf(text, sizeof(text), "%ld", value);
	return sysctl_write(dir, knob, text);
}
