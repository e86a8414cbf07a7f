/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rinotify needs from the kernel's static inline functions and macros, which Rust
 * cannot call: each helper is the one-line C call it is named after. The allocation
 * macros in particular wrap their call in alloc_hooks(), which tags the object with its
 * call site for memory allocation profiling; calling the _noprof functions beneath them
 * directly would leave the object untagged.
 */
#ifndef RINOTIFY_SYS_HELPERS_H
#define RINOTIFY_SYS_HELPERS_H

#include <linux/cred.h>
#include <linux/exportfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/fsnotify_backend.h>
#include <linux/memcontrol.h>
#include <linux/mnt_idmapping.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <uapi/linux/xattr.h>

#include "../../include/uapi/linux/rinotify.h"

void *rinotify_kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp);
void *rinotify_kmalloc(size_t size, gfp_t gfp);
void rinotify_group_lock(struct fsnotify_group *group);
void rinotify_group_unlock(struct fsnotify_group *group);
int rinotify_encode_fid(struct inode *inode, u32 *fh, int *words);
struct mem_cgroup *rinotify_get_mem_cgroup_of_current(void);
void rinotify_mem_cgroup_put(struct mem_cgroup *memcg);
struct mem_cgroup *rinotify_set_active_memcg(struct mem_cgroup *memcg);
bool rinotify_selinux_active(void);
struct file *rinotify_open_dir(const struct path *path);
int rinotify_get_lookup_dir(int dfd, struct path *path);
int rinotify_path_permission(const struct path *path, int mask);
int rinotify_read_watch(struct rinotify_watch *watch, const struct rinotify_watch __user *uwatch);
bool rinotify_d_can_lookup(const struct dentry *dentry);
bool rinotify_d_is_symlink(const struct dentry *dentry);
bool rinotify_d_managed(const struct dentry *dentry);
bool rinotify_d_mountpoint(const struct dentry *dentry);
void rinotify_inode_lock_shared(struct inode *inode);
void rinotify_inode_unlock_shared(struct inode *inode);
const struct cred *rinotify_get_current_cred(void);
struct mnt_idmap *rinotify_mnt_idmap_get(const struct vfsmount *mnt);
void rinotify_cond_resched(void);
bool rinotify_fatal_signal_pending(void);
struct user_namespace *rinotify_get_user_ns(struct user_namespace *ns);
void rinotify_put_user_ns(struct user_namespace *ns);
void rinotify_file_set_pseudo_mode(struct file *file);
bool rinotify_seq_has_overflowed(struct seq_file *m);
int rinotify_put_user_s32(s32 __user *p, s32 v);
unsigned int rinotify_put_user_s32_strided(s32 __user *first, size_t stride, unsigned int n, s32 v);
int rinotify_may_watch_as(const struct cred *cred, struct mnt_idmap *idmap, struct inode *dir,
			  struct inode *inode);

#endif /* RINOTIFY_SYS_HELPERS_H */
