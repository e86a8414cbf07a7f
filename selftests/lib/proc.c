// SPDX-License-Identifier: GPL-2.0
/*
 * Threads in /proc (see proc.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "file.h"
#include "proc.h"

int task_state(pid_t tid)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	/* "tid (comm) S ...": comm may hold anything, so the state follows the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2]) {
		errno = EPROTO;
		return -1;
	}
	return (unsigned char)p[2];
}
