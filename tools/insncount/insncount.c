// SPDX-License-Identifier: GPL-2.0
/*
 * insncount: a QEMU TCG plugin that counts the guest kernel's instructions per translation
 * block, in windows the guest opens and closes itself.
 *
 * Every time the guest executes the block that starts at the address "mark=" names (a
 * system call's entry, such as __x64_sys_getppid, that nothing else calls during a run),
 * the plugin appends to "out=" the blocks executed since the previous mark: one line
 * "vaddr instructions executions" per block, after a line "window N". A window's sum of
 * instructions times executions is the kernel's instruction count over that window, each
 * block attributable to its function by its address (scripts/insn-profile.sh does it).
 *
 * Only blocks at kernel addresses are counted. The counters are not atomic: run QEMU with
 * -icount (or one vCPU), which runs the vCPUs in one thread.
 *
 * Build: gcc -shared -fPIC -O2 -Wall -Werror -o insncount.so insncount.c
 * Run:   qemu-system-x86_64 ... -plugin ./insncount.so,out=FILE,mark=0xffffffff81092100
 *
 * The few declarations of QEMU's plugin API it uses are in qemu-plugin-api.h, so that it
 * builds without QEMU's headers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qemu-plugin-api.h"

EXPORT int qemu_plugin_version = 1;

/* The lowest kernel address on x86-64: user space's blocks are not counted. */
#define KERNEL_START 0xffff800000000000ULL
/* Open addressing; never resized, since the inline counters point into it. */
#define SLOT_BITS 21
#define SLOTS (2u * 1024 * 1024)

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t count;
};

static struct block *blocks;
static unsigned int used;
static uint64_t mark;
static FILE *out;
static unsigned int window;

static struct block *block_of(uint64_t vaddr, uint64_t insns)
{
	uint64_t h = (vaddr ^ (insns << 48)) * 0x9e3779b97f4a7c15ULL;
	unsigned int i = h >> (64 - SLOT_BITS);

	for (;; i = (i + 1) & (SLOTS - 1)) {
		struct block *b = &blocks[i];

		if (b->vaddr == vaddr && b->insns == insns)
			return b;
		if (!b->vaddr) {
			/* Half full at most: a probe always ends. */
			if (used >= SLOTS / 2)
				return NULL;
			used++;
			b->vaddr = vaddr;
			b->insns = insns;
			return b;
		}
	}
}

static void dump(void)
{
	fprintf(out, "window %u\n", window++);
	for (unsigned int i = 0; i < SLOTS; i++) {
		struct block *b = &blocks[i];

		if (b->count) {
			fprintf(out, "%llx %llu %llu\n", (unsigned long long)b->vaddr,
				(unsigned long long)b->insns, (unsigned long long)b->count);
			b->count = 0;
		}
	}
	fflush(out);
}

static void on_mark(unsigned int vcpu, void *udata)
{
	dump();
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	if (vaddr < KERNEL_START)
		return;
	if (vaddr == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
	b = block_of(vaddr, qemu_plugin_tb_n_insns(tb));
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &b->count, 1);
	else
		fprintf(stderr, "insncount: table full, block %llx not counted\n",
			(unsigned long long)vaddr);
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	fclose(out);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
			       char **argv)
{
	const char *path = NULL;

	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 0);
	}
	if (!path || !mark) {
		fprintf(stderr, "insncount: needs out=FILE and mark=ADDRESS\n");
		return -1;
	}
	out = fopen(path, "w");
	blocks = calloc(SLOTS, sizeof(*blocks));
	if (!out || !blocks) {
		fprintf(stderr, "insncount: %s: %s\n", path, strerror(errno));
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
