// SPDX-License-Identifier: GPL-2.0
/*
 * librinotify: run an unmodified inotify program on /dev/rinotify.
 *
 *   LD_PRELOAD=/path/to/librinotify.so inotifywait -m /tmp
 *
 * It also exports what rinotify adds to inotify, declared in rinotify.h, installed beside
 * it: rinotify_watch_many() (many watches in one call) and rinotify_watch_tree() (a tree).
 *
 * The library defines inotify_init(), inotify_init1(), inotify_add_watch() and
 * inotify_rm_watch() on top of the device; everything else a program does with the file
 * descriptor (read, poll, epoll, select, FIONREAD, fcntl, close) already works on it, so
 * nothing else is wrapped. Each call fails with the errno the inotify system call would
 * give. RINOTIFY_DEBUG=1 logs every redirected call to stderr.
 *
 * A descriptor that is not a rinotify instance (a real inotify descriptor the program got
 * by a raw system call, or any other file) is handed to the C library's own function, so
 * the program sees exactly what it would without the library.
 *
 * What cannot work: programs that make the system calls themselves (syscall(2), Go's
 * runtime, static binaries) or that look the symbols up in a handle of libc.so.6 rather
 * than in the global scope (Python's inotify_simple); see README.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
/* The uapi's IN_* values and the selftests' ABI wrappers, selftests/lib/. */
#include "uapi.h"
#include "rinotify_user.h"
#include "rinotify.h"

#define EXPORT __attribute__((visibility("default")))

/* The mask bits inotify_add_watch() accepts (ALL_INOTIFY_BITS of <linux/inotify.h>). */
#define ALL_INOTIFY_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | \
			  IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | \
			  IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)

static int debug_enabled(void)
{
	static int enabled = -1;

	if (enabled < 0) {
		const char *v = getenv("RINOTIFY_DEBUG");

		enabled = v && *v && strcmp(v, "0") != 0;
	}
	return enabled;
}

/* Logs one call and its result; keeps errno as the call left it. */
static void __attribute__((format(printf, 2, 3))) trace(int ret, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!debug_enabled())
		return;
	va_start(ap, fmt);
	fputs("librinotify: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ret < 0)
		fprintf(stderr, " = -1 (%s)\n", strerror(saved));
	else
		fprintf(stderr, " = %d\n", ret);
	errno = saved;
}

/* The next definition of @name after this library's, normally the C library's. */
static void *next_symbol(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	if (!sym)
		fprintf(stderr, "librinotify: %s: not found in the C library\n", name);
	return sym;
}

EXPORT int inotify_init1(int flags)
{
	int fd;

	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK)) {
		errno = EINVAL;
		trace(-1, "%s(%#x)", __func__, flags);
		return -1;
	}
	fd = rinotify_init1(flags);
	if (fd < 0 && errno != EMFILE && errno != ENFILE && errno != ENOMEM) {
		/*
		 * No device (module not loaded) or no access to it: say so, whatever
		 * RINOTIFY_DEBUG says, and fail the way a kernel without inotify would.
		 */
		fprintf(stderr,
			"librinotify: cannot open %s (%s): load rinotify.ko, or run without LD_PRELOAD=librinotify.so\n",
			RINOTIFY_DEVICE, strerror(errno));
		errno = ENOSYS;
	}
	trace(fd, "%s(%#x)", __func__, flags);
	return fd;
}

EXPORT int inotify_init(void)
{
	return inotify_init1(0);
}

EXPORT int inotify_add_watch(int fd, const char *pathname, uint32_t mask)
{
	int (*next)(int fd, const char *pathname, uint32_t mask);
	int wd;

	/*
	 * inotify_add_watch()'s checks, in its order (fs/notify/inotify/inotify_user.c): bits it
	 * does not know and a mask without a bit it does, then the descriptor, then
	 * IN_MASK_ADD with IN_MASK_CREATE. The ioctl would see the mask only once the
	 * descriptor has reached the device.
	 */
	if ((mask & ~ALL_INOTIFY_BITS) || !(mask & ALL_INOTIFY_BITS)) {
		errno = EINVAL;
		wd = -1;
	} else if (fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		wd = -1;
	} else if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) {
		errno = EINVAL;
		wd = -1;
	} else {
		wd = rinotify_add_watch(fd, pathname, mask);
		if (wd < 0 && errno == ENOTTY) {
			/* Not a rinotify instance: what inotify itself says about it. */
			next = next_symbol(__func__);
			if (!next) {
				errno = EINVAL;
				return -1;
			}
			wd = next(fd, pathname, mask);
		}
	}
	/* A path the kernel could not read (EFAULT) is not for us to read either. */
	if (wd < 0 && errno == EFAULT)
		trace(wd, "%s(%d, %p, %#x)", __func__, fd, (const void *)pathname, mask);
	else
		trace(wd, "%s(%d, \"%s\", %#x)", __func__, fd, pathname, mask);
	return wd;
}

EXPORT int inotify_rm_watch(int fd, int wd)
{
	int (*next)(int fd, int wd);
	int ret;

	ret = rinotify_rm_watch(fd, wd);
	if (ret < 0 && errno == ENOTTY) {
		next = next_symbol(__func__);
		if (!next) {
			errno = EINVAL;
			return -1;
		}
		ret = next(fd, wd);
	}
	trace(ret, "%s(%d, %d)", __func__, fd, wd);
	return ret;
}

/*
 * A native inotify descriptor's batch: each entry as inotify_add_watch() on the path as
 * seen from its directory, which /proc/self/fd names.
 */
static int watch_many_natively(int fd, struct rinotify_watch_at *entries, unsigned int count)
{
	int (*add)(int fd, const char *pathname, uint32_t mask) = next_symbol("inotify_add_watch");

	if (!add) {
		errno = EINVAL;
		return -1;
	}
	if (count > RINOTIFY_MAX_WATCHES_PER_CALL) {
		errno = EINVAL;
		return -1;
	}
	for (unsigned int i = 0; i < count; i++) {
		const char *path = (const char *)(uintptr_t)entries[i].pathname;
		char at[64 + 4096];
		int wd;

		if (entries[i].reserved) {
			entries[i].result = -EINVAL;
			continue;
		}
		if (entries[i].dirfd != AT_FDCWD && path && path[0] != '/') {
			int len = snprintf(at, sizeof(at), "/proc/self/fd/%d/%s", entries[i].dirfd,
					   path);

			if (len >= (int)sizeof(at)) {
				entries[i].result = -ENAMETOOLONG;
				continue;
			}
			path = at;
		}
		wd = add(fd, path, entries[i].mask);
		entries[i].result = wd < 0 ? -errno : wd;
	}
	return count;
}

EXPORT int rinotify_watch_many(int fd, struct rinotify_watch_at *entries, unsigned int count)
{
	int ret = rinotify_add_watches(fd, entries, count);

	if (ret < 0 && errno == ENOTTY)
		ret = watch_many_natively(fd, entries, count);
	trace(ret, "%s(%d, %p, %u)", __func__, fd, (void *)entries, count);
	return ret;
}

EXPORT int rinotify_watch_tree(int fd, int dirfd, const char *path, uint32_t mask)
{
	struct rinotify_tree tree = {
		.pathname = (uintptr_t)path,
		.dirfd = dirfd,
		.mask = mask,
	};
	int ret = ioctl(fd, RINOTIFY_IOC_ADD_TREE, &tree);

	if (ret < 0 && errno == ENOTTY)
		errno = EOPNOTSUPP;
	trace(ret, "%s(%d, %d, \"%s\", %#x)", __func__, fd, dirfd, path, mask);
	return ret;
}
