/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C declarations rinotify needs that Linux 7.3's kernel::bindings leaves out:
 * fsnotify's backend API and user path lookup, and the constants of rinotify's own ABI.
 * Kbuild runs bindgen on this header with the kernel's own C flags, so every struct layout
 * comes from the real headers.
 */
#include <linux/fsnotify_backend.h>
#include <linux/inotify.h>
#include <linux/namei.h>

#include "helpers.h"
/* The module's own ABI: the record bits of tree watches (RIN_*). */
#include "../../include/uapi/linux/rinotify.h"

/* Function-like macros are invisible to bindgen; constants make them visible. */
const unsigned int RINOTIFY_LOOKUP_FOLLOW = LOOKUP_FOLLOW;
const unsigned int RINOTIFY_LOOKUP_DIRECTORY = LOOKUP_DIRECTORY;
const unsigned int RINOTIFY_INOTIFY_IOC_SETNEXTWD = INOTIFY_IOC_SETNEXTWD;
/*
 * What inotify allocates events with (inotify_handle_inode_event() in 7.3): charged to the
 * listener, never triggering OOM, allowed to fail (the event becomes IN_Q_OVERFLOW).
 */
const gfp_t RINOTIFY_GFP_EVENT = GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL;
const gfp_t RINOTIFY_GFP_KERNEL = GFP_KERNEL;
/*
 * inotify's mark cache is SLAB_PANIC | SLAB_ACCOUNT; a module reports failure instead, and
 * keeps its caches apart so that /proc/slabinfo shows them under their own names.
 */
const slab_flags_t RINOTIFY_SLAB_FLAGS = SLAB_ACCOUNT | SLAB_NO_MERGE;
const unsigned int RINOTIFY_ALL_INOTIFY_BITS = ALL_INOTIFY_BITS;
const unsigned int RINOTIFY_MAX_HANDLE_SZ = MAX_HANDLE_SZ;
const int RINOTIFY_FILEID_INVALID = FILEID_INVALID;
/* The file type bits of i_mode, and the directory entry types iterate_dir() reports. */
const umode_t RINOTIFY_S_IFMT = S_IFMT;
const umode_t RINOTIFY_S_IFDIR = S_IFDIR;
const unsigned int RINOTIFY_DT_UNKNOWN = DT_UNKNOWN;
const unsigned int RINOTIFY_DT_DIR = DT_DIR;
/*
 * The open flags an instance accepts besides the access mode (which must be O_RDONLY), as
 * ->open() sees them in f_flags (O_CLOEXEC is never there: build_open_flags() strips it):
 * - O_NONBLOCK: IN_NONBLOCK;
 * - O_LARGEFILE: added by the kernel itself (force_o_largefile() on 64-bit) and by libcs;
 * - O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_NOFOLLOW, O_DIRECTORY, O_EMPTYPATH: they steer
 *   the lookup (or creation) of the device node, not the file opened; do_dentry_open()
 *   strips the first four after ->open(), and they change nothing on a character device.
 * Every other flag asks for an I/O behaviour inotify_init1() cannot (O_APPEND, O_ASYNC,
 * O_DIRECT, O_DSYNC, O_SYNC, O_NOATIME, O_TMPFILE): EINVAL, as its unknown flags get.
 */
const unsigned int RINOTIFY_OPEN_FLAGS_OK = O_NONBLOCK | O_LARGEFILE | O_CREAT | O_EXCL |
	O_NOCTTY | O_TRUNC | O_NOFOLLOW | O_DIRECTORY | O_EMPTYPATH;
