/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User namespaces with many uids, made as a user makes them with newuidmap: the user
 * unshares a user namespace, and a privileged helper writes its maps from outside.
 *
 * The helper, the agent, is a process forked from the caller while the caller still has
 * the rights the maps need (root in the initial namespace; or root of a user namespace, for
 * a namespace nested in it). It keeps them, and serves requests over pipes until stopped:
 * writing a process's maps, and writing a number to a file (a sysctl) with its rights. Every
 * function returns 0, or -1 with errno set.
 */
#ifndef RINOTIFY_LIB_USERNS_H
#define RINOTIFY_LIB_USERNS_H

#include <sys/types.h>

struct userns_agent {
	pid_t pid;
	int req;	/* requests, to the agent */
	int rep;	/* replies, from it */
};

/* Forks the agent, with the caller's credentials. */
int userns_agent_start(struct userns_agent *agent);

/*
 * Has the agent write /proc/<pid>/gid_map and then uid_map: lines "inside outside count",
 * outside ids of the agent's namespace.
 */
int userns_agent_map(struct userns_agent *agent, pid_t pid, const char *uid_map,
		     const char *gid_map);

/* Has the agent write value to path (a sysctl), with its rights. */
int userns_agent_write(struct userns_agent *agent, const char *path, long value);

/* Ends the agent and waits for it. */
int userns_agent_stop(struct userns_agent *agent);

/*
 * Makes the calling process uid and gid, with no supplementary groups, and dumpable (so that
 * an agent not root in the initial namespace may open its maps).
 */
int userns_become(uid_t uid, gid_t gid);

/*
 * Unshares a user namespace and has the agent write its maps: the caller is then root in it,
 * with every capability there, its uid and gid those that 0 maps to.
 */
int userns_unshare(struct userns_agent *agent, const char *uid_map, const char *gid_map);

#endif /* RINOTIFY_LIB_USERNS_H */
