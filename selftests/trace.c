// SPDX-License-Identifier: GPL-2.0
/*
 * The trace log of the differential scenarios (see trace.h), and the names it gives what
 * differs from run to run: instance fds, rename cookies, mask bits and errnos.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "trace_internal.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct trace_state trace;

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
	for (i = 0; i < trace.ncookies; i++)
		if (trace.cookies[i] == cookie)
			break;
	if (i == trace.ncookies && trace.ncookies < MAX_COOKIES)
		trace.cookies[trace.ncookies++] = cookie;
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
	for (i = 0; i < trace.nfds; i++)
		if (trace.fds[i] == fd) {
			snprintf(buf[n], sizeof(buf[n]), "i%d", i + 1);
			return buf[n];
		}
	snprintf(buf[n], sizeof(buf[n]), "fd%d", fd);
	return buf[n];
}

const char *t_quote(const char *s, size_t max)
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

void t_log(const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (trace.nlines >= MAX_LINES)
		return;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line)
		return;
	if (!trace.lines)
		trace.lines = calloc(MAX_LINES, sizeof(*trace.lines));
	trace.lines[trace.nlines++] = line;
	if (trace.nlines == MAX_LINES)
		trace.lines[MAX_LINES - 1] = strdup("!! trace truncated");
}

void t_violation(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	trace.violations++;
	t_log("!! %s", buf);
	fprintf(stderr, "# %s: %s\n", trace.name, buf);
}

const char *t_ret(long ret, int err)
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
	t_log("%s = %s", text, t_ret(ret, err));
	return ret;
}
