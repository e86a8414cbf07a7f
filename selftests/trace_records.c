// SPDX-License-Identifier: GPL-2.0
/*
 * The records a traced read returned (see trace.h): parsed into t_ev[], checked against
 * the invariants of struct inotify_event (lib/records.c), and logged.
 */
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>

#include "records.h"
#include "trace_internal.h"

struct t_event t_ev[T_EVENTS_MAX];
int t_nev;
int t_raw_bytes;

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
			t_violation("at offset %zu of %zu: %s", off, n,
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
		      t_mask(ie.mask), t_cookie(ie.cookie), ie.len, t_quote(e->name, 300));
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
		for (i = 0; i < 32; i++) {
			if (!(problems & (1u << i)))
				continue;
			record_problem_str(buf + off, n - off, 1u << i, why, sizeof(why));
			t_violation("%s", why);
		}
		off += sizeof(ie) + ie.len;
	}
}

void t_log_records(const void *buf, ssize_t n)
{
	t_nev = 0;
	if (n > 0)
		parse_records(buf, n);
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
