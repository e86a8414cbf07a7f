// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading rinotify.ko (see module.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "module.h"

int module_loaded(void)
{
	return access("/sys/module/rinotify", F_OK) == 0;
}

int module_load(void)
{
	const char *ko = getenv("RINOTIFY_KO");
	int fd, ret, err;

	if (!ko) {
		errno = ENOENT;
		return -1;
	}
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

int module_unload(void)
{
	return syscall(__NR_delete_module, "rinotify", O_NONBLOCK);
}

int module_unload_wait(long timeout_ms)
{
	long end = now_ms() + timeout_ms;
	int tries = 0;

	while (module_unload()) {
		if ((errno != EWOULDBLOCK && errno != EBUSY) || now_ms() > end)
			return -1;
		tries++;
		usleep(10 * 1000);
	}
	return tries;
}
