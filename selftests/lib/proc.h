/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What /proc says about the threads of this process.
 */
#ifndef RINOTIFY_LIB_PROC_H
#define RINOTIFY_LIB_PROC_H

#include <sys/types.h>

/*
 * The state of thread tid of this process, the letter of /proc/self/task/<tid>/stat ('R'
 * running, 'S' sleeping, ...), or -1 with errno.
 */
int task_state(pid_t tid);

#endif /* RINOTIFY_LIB_PROC_H */
