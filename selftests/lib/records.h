/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The records a read() of an inotify instance returns, struct inotify_event each: their
 * invariants, and the names of their mask bits.
 *
 * A record is a 16-byte header and len bytes of name: len is 0, or the name, its NUL and
 * NUL padding up to a multiple of 16. wd is -1 on the overflow record alone, which is
 * exactly IN_Q_OVERFLOW with no cookie and no name; a cookie is on renames only; the mask
 * has event bits only (no watch flags).
 */
#ifndef RINOTIFY_LIB_RECORDS_H
#define RINOTIFY_LIB_RECORDS_H

#include <stddef.h>
#include <stdint.h>

/* The invariants a record can break, as record_problems() reports them. */
enum {
	RECORD_TORN	= 1 << 0,	/* the header or the name runs past the bytes read */
	RECORD_NAME	= 1 << 1,	/* an empty name, or none NUL-terminated within len */
	RECORD_LEN	= 1 << 2,	/* len is not the name and its NUL rounded up to 16 */
	RECORD_PADDING	= 1 << 3,	/* a byte after the name's NUL is not NUL */
	RECORD_WD	= 1 << 4,	/* wd is 0, below -1, or -1 on a non-overflow record */
	RECORD_OVERFLOW	= 1 << 5,	/* IN_Q_OVERFLOW with other bits, a wd, cookie or len */
	RECORD_COOKIE	= 1 << 6,	/* a cookie on a record other than IN_MOVED_FROM/_TO */
	RECORD_MASK	= 1 << 7,	/* a bit that is not an event bit */
};

/*
 * Checks the record at the start of buf[0..n), n > 0. Returns the RECORD_* bits of the
 * invariants it breaks, 0 if it is well formed. Unless RECORD_TORN is among them, the
 * record is 16 + len bytes long, and the next one (if any) starts there.
 */
unsigned int record_problems(const void *buf, size_t n);

/*
 * Describes problem, one of the bits record_problems() returned for the record at
 * buf[0..n), with the record's values ("wd -1 on a non-overflow record (mask 0x2)"), in
 * why[0..size). Returns why.
 */
const char *record_problem_str(const void *buf, size_t n, unsigned int problem, char *why,
			       size_t size);

/*
 * Checks every record of buf[0..n). Returns the number of records, or -1 with errno
 * EBADMSG if one breaks an invariant; why[0..size) (unless why is NULL) then describes
 * the first problem and where it is. Each overflow record adds one to *overflows, unless
 * overflows is NULL.
 */
int records_check(const void *buf, size_t n, long *overflows, char *why, size_t size);

/*
 * The name of one IN_* bit without its "IN_" ("CREATE", "ISDIR"), or NULL if inotify
 * defines no bit there. bit is the bit's number, 0 to 31.
 */
const char *inotify_bit_name(unsigned int bit);

#endif /* RINOTIFY_LIB_RECORDS_H */
