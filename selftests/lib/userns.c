// SPDX-License-Identifier: GPL-2.0
/*
 * User namespaces with many uids, their maps written by an agent: see userns.h.
 */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "userns.h"

enum { REQ_MAP, REQ_WRITE, REQ_STOP };

/* One request; smaller than PIPE_BUF, so written and read whole. */
struct request {
	int op;
	pid_t pid;
	long value;
	char uid_map[256];
	char gid_map[256];	/* REQ_WRITE: the path */
};

/* Serves one request in the agent: 0, or a negative errno. */
static int serve(const struct request *req)
{
	char path[64], text[32];

	switch (req->op) {
	case REQ_MAP:
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)req->pid);
		if (write_text(path, req->gid_map))
			return -errno;
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)req->pid);
		if (write_text(path, req->uid_map))
			return -errno;
		return 0;
	case REQ_WRITE:
		snprintf(text, sizeof(text), "%ld", req->value);
		return write_text(req->gid_map, text) ? -errno : 0;
	}
	return -EINVAL;
}

int userns_agent_start(struct userns_agent *agent)
{
	int req[2], rep[2];

	if (pipe(req))
		return -1;
	if (pipe(rep)) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	agent->pid = fork();
	if (agent->pid < 0)
		return -1;
	if (agent->pid == 0) {
		struct request r;
		int err;

		close(req[1]);
		close(rep[0]);
		while (read(req[0], &r, sizeof(r)) == sizeof(r) && r.op != REQ_STOP) {
			err = serve(&r);
			if (write(rep[1], &err, sizeof(err)) != sizeof(err))
				break;
		}
		_exit(0);
	}
	close(req[0]);
	close(rep[1]);
	agent->req = req[1];
	agent->rep = rep[0];
	return 0;
}

/* Sends r and returns the agent's answer. */
static int ask(struct userns_agent *agent, const struct request *r)
{
	int err;

	if (write(agent->req, r, sizeof(*r)) != sizeof(*r) ||
	    read(agent->rep, &err, sizeof(err)) != sizeof(err)) {
		errno = EPIPE;
		return -1;
	}
	if (err) {
		errno = -err;
		return -1;
	}
	return 0;
}

int userns_agent_map(struct userns_agent *agent, pid_t pid, const char *uid_map,
		     const char *gid_map)
{
	struct request r = { .op = REQ_MAP, .pid = pid };

	snprintf(r.uid_map, sizeof(r.uid_map), "%s", uid_map);
	snprintf(r.gid_map, sizeof(r.gid_map), "%s", gid_map);
	return ask(agent, &r);
}

int userns_agent_write(struct userns_agent *agent, const char *path, long value)
{
	struct request r = { .op = REQ_WRITE, .value = value };

	snprintf(r.gid_map, sizeof(r.gid_map), "%s", path);
	return ask(agent, &r);
}

int userns_agent_stop(struct userns_agent *agent)
{
	struct request r = { .op = REQ_STOP };
	int status;

	if (write(agent->req, &r, sizeof(r)) != sizeof(r))
		return -1;
	close(agent->req);
	close(agent->rep);
	if (waitpid(agent->pid, &status, 0) != agent->pid)
		return -1;
	return 0;
}

int userns_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -1;
	/* Changing credentials made /proc/self root's: the process's own again. */
	return prctl(PR_SET_DUMPABLE, 1);
}

int userns_unshare(struct userns_agent *agent, const char *uid_map, const char *gid_map)
{
	if (unshare(CLONE_NEWUSER))
		return -1;
	return userns_agent_map(agent, getpid(), uid_map, gid_map);
}
