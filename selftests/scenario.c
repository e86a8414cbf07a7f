// SPDX-License-Identifier: GPL-2.0
/*
 * The life cycle of a differential scenario (see scenario.h and trace.h): a fresh
 * directory to run in, and at the end the clean-up and the verdict of its trace.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "trace_internal.h"

#define SCRATCH_DIR	"/tmp/rinotify-scratch"

const struct backend *be;

const char *scenario_dir(void)
{
	return trace.dir;
}

int scenario_begin(const char *name, const struct backend *backend)
{
	char tmpl[PATH_MAX], **lines;
	int i;

	be = backend;
	/* Everything is cleared but the array of lines, kept for the next scenario. */
	lines = trace.lines;
	for (i = 0; i < trace.nlines; i++)
		free(lines[i]);
	memset(&trace, 0, sizeof(trace));
	trace.lines = lines;
	snprintf(trace.name, sizeof(trace.name), "%s", name);
	if (mkdir(SCRATCH_DIR, 0755) && errno != EEXIST)
		return -1;
	snprintf(tmpl, sizeof(tmpl), SCRATCH_DIR "/%s.%s.XXXXXX", name, backend->name);
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(trace.dir, sizeof(trace.dir), "%s", tmpl);
	/* Readable and searchable by the unprivileged children of some scenarios. */
	if (chmod(trace.dir, 0755) || chdir(trace.dir))
		return -1;
	t_log("scenario %s", name);
	return 0;
}

int scenario_end(void)
{
	int i, ret = 0;

	if (t_sysctl_restore(NULL)) {
		fprintf(stderr, "# %s: could not restore a sysctl of %s\n", trace.name,
			be->sysctl_dir);
		ret = -1;
	}
	for (i = trace.nmounts - 1; i >= 0; i--)
		umount2(trace.mounts[i], MNT_DETACH);
	if (chdir("/") == 0 && trace.dir[0])
		rm_tree(trace.dir);

	if (trace.violations) {
		fprintf(stderr, "# %s: %d record invariant violation(s) (lines starting with !!)\n",
			trace.name, trace.violations);
		ret = -1;
	}
	if (trace_compare())
		ret = -1;
	return ret;
}
