// SPDX-License-Identifier: GPL-2.0
/*
 * The traces of the differential scenarios on disk, and the comparison of the rinotify
 * run's with the native run's (see trace.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_internal.h"

#define TRACE_DIR	"/tmp/rinotify-traces"

static const char *trace_dir(void)
{
	const char *d = getenv("RINOTIFY_TRACE_DIR");

	return d && *d ? d : TRACE_DIR;
}

static int save_trace(const char *path)
{
	char tmp[PATH_MAX + 32];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	for (i = 0; i < trace.nlines; i++)
		fprintf(f, "%s\n", trace.lines[i]);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

static int load_lines(const char *path, char ***lines)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	*lines = calloc(MAX_LINES, sizeof(**lines));
	while (n < MAX_LINES && (len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = 0;
		(*lines)[n++] = strdup(line);
	}
	free(line);
	fclose(f);
	return n;
}

/* A line diff (LCS) of native (a) and rinotify (b), with 3 lines of context. */
static void print_diff(char **a, int n, char **b, int m)
{
	enum { SAME, DEL, ADD } *ops;
	int *lcs, i, j, k, nops = 0, printed = 0, last = -100;

	if ((long)(n + 1) * (m + 1) > 16L * 1000 * 1000) {
		for (i = 0; i < n && i < m && !strcmp(a[i], b[i]); i++)
			;
		fprintf(stderr, "# traces too long for a diff; first difference at line %d:\n",
			i + 1);
		fprintf(stderr, "#   - %s\n#   + %s\n", i < n ? a[i] : "<end>",
			i < m ? b[i] : "<end>");
		return;
	}
	lcs = calloc((size_t)(n + 1) * (m + 1), sizeof(*lcs));
	ops = calloc(n + m + 1, sizeof(*ops));
#define L(x, y) lcs[(size_t)(x) * (m + 1) + (y)]
	for (i = n - 1; i >= 0; i--)
		for (j = m - 1; j >= 0; j--)
			L(i, j) = !strcmp(a[i], b[j]) ? L(i + 1, j + 1) + 1 :
				  (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
	for (i = j = 0; i < n || j < m;) {
		if (i < n && j < m && !strcmp(a[i], b[j])) {
			ops[nops++] = SAME;
			i++, j++;
		} else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
			ops[nops++] = DEL;
			i++;
		} else {
			ops[nops++] = ADD;
			j++;
		}
	}
#undef L
	fprintf(stderr, "# --- native trace\n# +++ rinotify trace\n");
	for (k = 0, i = j = 0; k < nops && printed < 200; k++) {
		int near = 0, d;

		for (d = k - 3; d <= k + 3; d++)
			if (d >= 0 && d < nops && ops[d] != SAME)
				near = 1;
		if (near) {
			if (last != k - 1)
				fprintf(stderr, "# @@ native line %d, rinotify line %d @@\n", i + 1,
					j + 1);
			fprintf(stderr, "# %c %s\n",
				ops[k] == SAME ? ' ' : ops[k] == DEL ? '-' : '+',
				ops[k] == ADD ? b[j] : a[i]);
			printed++;
			last = k;
		}
		if (ops[k] != ADD)
			i++;
		if (ops[k] != DEL)
			j++;
	}
	free(lcs);
	free(ops);
}

int trace_compare(void)
{
	char path[PATH_MAX], npath[PATH_MAX];
	char **native = NULL;
	int i, n, ret = 0;

	if (mkdir(trace_dir(), 0755) && errno != EEXIST) {
		fprintf(stderr, "# cannot create %s: %s\n", trace_dir(), strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.%s", trace_dir(), trace.name, be->name);
	if (save_trace(path)) {
		fprintf(stderr, "# cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (be == &backend_native)
		return 0;

	snprintf(npath, sizeof(npath), "%s/%s.native", trace_dir(), trace.name);
	n = load_lines(npath, &native);
	if (n < 0) {
		fprintf(stderr, "# %s: no native trace %s (run the native variant first): %s\n",
			trace.name, npath, strerror(errno));
		return -1;
	}
	/* Line 1 names the scenario; compare everything. */
	for (i = 0; i < n && i < trace.nlines && !strcmp(native[i], trace.lines[i]); i++)
		;
	if (i != n || n != trace.nlines) {
		fprintf(stderr, "# %s: trace differs from native (%s vs %s)\n", trace.name, npath,
			path);
		print_diff(native, n, trace.lines, trace.nlines);
		ret = -1;
	}
	for (i = 0; i < n; i++)
		free(native[i]);
	free(native);
	return ret;
}
