/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading rinotify.ko, whose path in the guest is $RINOTIFY_KO.
 */
#ifndef RINOTIFY_LIB_MODULE_H
#define RINOTIFY_LIB_MODULE_H

/* Whether the module is loaded (/sys/module/rinotify exists). */
int module_loaded(void);

/* Loads $RINOTIFY_KO (finit_module): 0, or -1 with errno (ENOENT: RINOTIFY_KO is unset). */
int module_load(void);

/*
 * One attempt at unloading rinotify (delete_module, O_NONBLOCK): 0, or -1 with errno
 * (EWOULDBLOCK while an open file holds a module reference).
 */
int module_unload(void);

/*
 * Unloads rinotify, retrying every 10 ms for up to timeout_ms while it is in use
 * (EWOULDBLOCK: fsnotify frees the last marks of closed instances after a grace period)
 * or busy (EBUSY: still loading or unloading). Returns the number of retries, or -1 with
 * errno.
 */
int module_unload_wait(long timeout_ms);

#endif /* RINOTIFY_LIB_MODULE_H */
