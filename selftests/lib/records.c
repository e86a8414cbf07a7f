// SPDX-License-Identifier: GPL-2.0
/*
 * Records read from an inotify instance (see records.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>

#include "records.h"

/*
 * The records of rinotify's tree watches, RIN_WATCHED and RIN_RESCAN of <linux/rinotify.h>,
 * which cannot be included beside <sys/inotify.h> here.
 */
#define TREE_WATCHED	0x00100000
#define TREE_RESCAN	0x00200000

/* The bits a record's mask may have. */
#define EVENT_BITS	(IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW | \
			 TREE_WATCHED | TREE_RESCAN)

/* Copies the header of the record at buf, which need not be aligned, to *ie. */
static void header(struct inotify_event *ie, const void *buf)
{
	memcpy(ie, buf, sizeof(*ie));
}

/* The name of the record at buf, which is whole. */
static const unsigned char *name_of(const void *buf)
{
	return (const unsigned char *)buf + sizeof(struct inotify_event);
}

/* The length of a record's name, len when it has no NUL within len. */
static size_t name_len(const void *buf, const struct inotify_event *ie)
{
	return strnlen((const char *)name_of(buf), ie->len);
}

unsigned int record_problems(const void *buf, size_t n)
{
	struct inotify_event ie;
	unsigned int problems = 0;
	size_t nl;

	if (n < sizeof(ie))
		return RECORD_TORN;
	header(&ie, buf);
	if (ie.len > n - sizeof(ie))
		return RECORD_TORN;
	if (ie.len) {
		nl = name_len(buf, &ie);
		if (nl == 0 || nl == ie.len)
			problems |= RECORD_NAME;
		if (ie.len % 16 || ie.len != ((nl + 1 + 15) & ~(size_t)15))
			problems |= RECORD_LEN;
		for (size_t i = nl; i < ie.len; i++)
			if (name_of(buf)[i])
				problems |= RECORD_PADDING;
	}
	if (ie.wd == 0 || ie.wd < -1 || (ie.wd == -1 && ie.mask != IN_Q_OVERFLOW))
		problems |= RECORD_WD;
	if ((ie.mask & IN_Q_OVERFLOW) &&
	    (ie.mask != IN_Q_OVERFLOW || ie.wd != -1 || ie.cookie || ie.len))
		problems |= RECORD_OVERFLOW;
	/* A RIN_WATCHED record's cookie is the wd of the directory's parent. */
	if (ie.cookie && !(ie.mask & (IN_MOVE | TREE_WATCHED)))
		problems |= RECORD_COOKIE;
	if (ie.mask & ~EVENT_BITS)
		problems |= RECORD_MASK;
	return problems;
}

const char *record_problem_str(const void *buf, size_t n, unsigned int problem, char *why,
			       size_t size)
{
	struct inotify_event ie;
	size_t nl, off;

	if (problem == RECORD_TORN) {
		if (n < sizeof(ie)) {
			snprintf(why, size, "partial record header (%zu bytes)", n);
		} else {
			header(&ie, buf);
			snprintf(why, size, "record len %u overruns the read (%zu left)", ie.len,
				 n - sizeof(ie));
		}
		return why;
	}
	header(&ie, buf);
	nl = name_len(buf, &ie);
	switch (problem) {
	case RECORD_NAME:
		if (nl)
			snprintf(why, size, "name not NUL-terminated within len %u", ie.len);
		else
			snprintf(why, size, "empty name in len %u", ie.len);
		break;
	case RECORD_LEN:
		snprintf(why, size, "len %u for a name of %zu bytes (expected %zu)", ie.len, nl,
			 (nl + 1 + 15) & ~(size_t)15);
		break;
	case RECORD_PADDING:
		off = snprintf(why, size, "name padding is not NUL: raw=");
		for (size_t i = 0; i < ie.len && off < size; i++)
			off += snprintf(why + off, size - off, "%02x", name_of(buf)[i]);
		break;
	case RECORD_WD:
		if (ie.wd == -1)
			snprintf(why, size, "wd -1 on a non-overflow record (mask 0x%x)", ie.mask);
		else
			snprintf(why, size, "wd %d", ie.wd);
		break;
	case RECORD_OVERFLOW:
		snprintf(why, size, "overflow record with mask 0x%x wd %d cookie %u len %u",
			 ie.mask, ie.wd, ie.cookie, ie.len);
		break;
	case RECORD_COOKIE:
		snprintf(why, size, "cookie %u on a non-rename record (mask 0x%x)", ie.cookie,
			 ie.mask);
		break;
	case RECORD_MASK:
		snprintf(why, size, "mask 0x%x has bits outside 0x%x", ie.mask, EVENT_BITS);
		break;
	default:
		snprintf(why, size, "problem %#x", problem);
	}
	return why;
}

int records_check(const void *buf, size_t n, long *overflows, char *why, size_t size)
{
	const unsigned char *p = buf;
	size_t off = 0;
	int nrec = 0;

	while (off < n) {
		unsigned int problems = record_problems(p + off, n - off);
		struct inotify_event ie;

		if (problems) {
			if (why) {
				int len = snprintf(why, size, "at byte %zu of %zu: ", off, n);

				if (len >= 0 && (size_t)len < size)
					record_problem_str(p + off, n - off, problems & -problems,
							   why + len, size - len);
			}
			errno = EBADMSG;
			return -1;
		}
		header(&ie, p + off);
		if (overflows && ie.mask == IN_Q_OVERFLOW)
			(*overflows)++;
		off += sizeof(ie) + ie.len;
		nrec++;
	}
	return nrec;
}

static const char *const bit_names[32] = {
	"ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN", "MOVED_FROM",
	"MOVED_TO", "CREATE", "DELETE", "DELETE_SELF", "MOVE_SELF", NULL, "UNMOUNT",
	"Q_OVERFLOW", "IGNORED", NULL, NULL, NULL, NULL, "WATCHED", "RESCAN", NULL, NULL,
	"ONLYDIR", "DONT_FOLLOW", "EXCL_UNLINK", NULL, "MASK_CREATE", "MASK_ADD", "ISDIR",
	"ONESHOT",
};

const char *inotify_bit_name(unsigned int bit)
{
	return bit < 32 ? bit_names[bit] : NULL;
}
