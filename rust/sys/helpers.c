// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of rinotify's Rust abstractions (rust/sys/): see helpers.h.
 */
#include "helpers.h"

/* kmem_cache_alloc(), tagged at this call site under CONFIG_MEM_ALLOC_PROFILING. */
void *rinotify_kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp)
{
	return kmem_cache_alloc(cache, gfp);
}

/* kmalloc(), tagged at this call site under CONFIG_MEM_ALLOC_PROFILING. */
void *rinotify_kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp);
}

/*
 * fsnotify_group_lock(): the group's mark_mutex, and no file system reclaim while it is
 * held (the mutex is taken from reclaim when inodes with marks are evicted).
 */
void rinotify_group_lock(struct fsnotify_group *group)
{
	fsnotify_group_lock(group);
}

void rinotify_group_unlock(struct fsnotify_group *group)
{
	fsnotify_group_unlock(group);
}

/*
 * What show_mark_fhandle() in fs/notify/fdinfo.c prints for @inode: the handle that
 * exportfs_encode_fid() makes of it into @fh, at most *@words 32-bit words (*@words becomes
 * its length), with its type as the result; FILEID_INVALID or an error where there is none.
 * The superblock is held as super_trylock_shared() holds it: a file system being mounted or
 * shut down gives no handle. That function is fs-internal and not exported, so its test is
 * repeated here, and scripts/kernel-copies.sh fails the build if the kernel's changes.
 */
int rinotify_encode_fid(struct inode *inode, u32 *fh, int *words)
{
	struct super_block *sb = inode->i_sb;
	int ret;

	if (!IS_ENABLED(CONFIG_EXPORTFS))
		return FILEID_INVALID;
	if (!down_read_trylock(&sb->s_umount))
		return FILEID_INVALID;
	if ((sb->s_flags & SB_DYING) || !sb->s_root || !(sb->s_flags & SB_BORN)) {
		up_read(&sb->s_umount);
		return FILEID_INVALID;
	}
	ret = exportfs_encode_fid(inode, (struct fid *)fh, words);
	up_read(&sb->s_umount);
	return ret;
}

/* The memory cgroup of the calling task's mm, referenced; NULL without memory cgroups. */
struct mem_cgroup *rinotify_get_mem_cgroup_of_current(void)
{
	return get_mem_cgroup_from_mm(current->mm);
}

void rinotify_mem_cgroup_put(struct mem_cgroup *memcg)
{
	mem_cgroup_put(memcg);
}

/* set_active_memcg(): what the calling task's __GFP_ACCOUNT allocations are charged to. */
struct mem_cgroup *rinotify_set_active_memcg(struct mem_cgroup *memcg)
{
	return set_active_memcg(memcg);
}

/*
 * Whether SELinux is active (enabled at boot, whatever its policy): of the LSMs, only
 * SELinux claims the "selinux" extended attribute suffix as its MAC label, and an LSM's
 * hooks are registered only when it is enabled.
 */
bool rinotify_selinux_active(void)
{
	return security_ismaclabel(XATTR_SELINUX_SUFFIX) > 0;
}

/*
 * dentry_open() of a directory for reading its entries, with the caller's credentials
 * (current_cred() is a macro): what opendir() opens, permission aside, which the caller
 * checked at lookup.
 */
struct file *rinotify_open_dir(const struct path *path)
{
	return dentry_open(path, O_RDONLY | O_DIRECTORY | O_LARGEFILE, current_cred());
}

/*
 * The directory a relative path names its first component in, pinned, as path_init()
 * finds it: the working directory for AT_FDCWD (get_fs_pwd() is static inline), else the
 * file open as @dfd, O_PATH included (fget_raw(): path_init()'s fdget_raw() is not
 * exported), which must be a directory. Nothing of path_init()'s internals is repeated:
 * these are the rules of the *at() system calls' dirfd, which are ABI.
 */
int rinotify_get_lookup_dir(int dfd, struct path *path)
{
	if (dfd == AT_FDCWD) {
		get_fs_pwd(current->fs, path);
	} else {
		struct file *file = fget_raw(dfd);

		if (!file)
			return -EBADF;
		*path = file->f_path;
		path_get(path);
		fput(file);
	}
	if (!d_can_lookup(path->dentry)) {
		path_put(path);
		return -ENOTDIR;
	}
	return 0;
}

/* path_permission() (static inline): inode_permission() through the path's idmap. */
int rinotify_path_permission(const struct path *path, int mask)
{
	return path_permission(path, mask);
}

/*
 * copy_from_user() of struct rinotify_watch, for RINOTIFY_IOC_ADD_WATCH: 0, or -EFAULT if any
 * of it cannot be read. Its fields one by one in one user-access section, as the kernel's
 * own hot paths read small structs (get_sigset_argpack() in fs/select.c), where
 * copy_from_user() calls _copy_from_user() and its string copy.
 */
int rinotify_read_watch(struct rinotify_watch *watch, const struct rinotify_watch __user *uwatch)
{
	scoped_user_read_access(uwatch, efault) {
		unsafe_get_user(watch->pathname, &uwatch->pathname, efault);
		unsafe_get_user(watch->mask, &uwatch->mask, efault);
		unsafe_get_user(watch->reserved, &uwatch->reserved, efault);
	}
	return 0;
efault:
	return -EFAULT;
}

/* d_can_lookup() (static inline): a directory whose names can be looked up. */
bool rinotify_d_can_lookup(const struct dentry *dentry)
{
	return d_can_lookup(dentry);
}

bool rinotify_d_is_symlink(const struct dentry *dentry)
{
	return d_is_symlink(dentry);
}

/* d_managed() (static inline): mounted on, an automount point, or managed in transit. */
bool rinotify_d_managed(const struct dentry *dentry)
{
	return d_managed(dentry);
}

bool rinotify_d_mountpoint(const struct dentry *dentry)
{
	return d_mountpoint(dentry);
}

void rinotify_inode_lock_shared(struct inode *inode)
{
	inode_lock_shared(inode);
}

void rinotify_inode_unlock_shared(struct inode *inode)
{
	inode_unlock_shared(inode);
}

/* get_current_cred() (a macro): a reference to the calling task's subjective credentials. */
const struct cred *rinotify_get_current_cred(void)
{
	return get_current_cred();
}

/* A reference to the idmap of @mnt (mnt_idmap() is static inline). */
struct mnt_idmap *rinotify_mnt_idmap_get(const struct vfsmount *mnt)
{
	return mnt_idmap_get(mnt_idmap(mnt));
}

/*
 * Whether the task whose credentials are @cred could watch @inode, an entry of the directory
 * @dir, through a mount with @idmap, as inotify_add_watch() of a path through @dir checks it:
 * search permission on @dir (the walk's may_lookup()) and read permission on @inode
 * (path_permission(MAY_READ)). inode_permission() and the LSM hooks it calls read current's
 * credentials, with no variant taking others: they are installed for the two calls, as
 * do_faccessat() and overlayfs install theirs. override_creds() takes no reference and
 * revert_creds() puts none: the caller's reference on @cred covers the window. Process
 * context; may sleep (ACLs, a file system's ->permission()).
 */
int rinotify_may_watch_as(const struct cred *cred, struct mnt_idmap *idmap, struct inode *dir,
			  struct inode *inode)
{
	const struct cred *old = override_creds(cred);
	int ret;

	ret = inode_permission(idmap, dir, MAY_EXEC);
	if (!ret)
		ret = inode_permission(idmap, inode, MAY_READ);
	revert_creds(old);
	return ret;
}

/* cond_resched() (a macro, a static call on preemption-dynamic kernels). */
void rinotify_cond_resched(void)
{
	cond_resched();
}

/* fatal_signal_pending(current) (static inline). */
bool rinotify_fatal_signal_pending(void)
{
	return fatal_signal_pending(current);
}

/*
 * What alloc_file_pseudo() gives a file (an anonymous inode's): no pread() or pwrite(), and
 * FMODE_NONOTIFY through file_set_fsnotify_mode() (static inline). For ->open(): the file
 * is not shared yet.
 */
void rinotify_file_set_pseudo_mode(struct file *file)
{
	file->f_mode &= ~(FMODE_PREAD | FMODE_PWRITE);
	file_set_fsnotify_mode(file, FMODE_NONOTIFY);
}

/* seq_has_overflowed() (static inline): whether what @m's show function prints is lost. */
bool rinotify_seq_has_overflowed(struct seq_file *m)
{
	return seq_has_overflowed(m);
}

/* get_user_ns() (static inline): one more reference to @ns; none is counted on init_user_ns. */
struct user_namespace *rinotify_get_user_ns(struct user_namespace *ns)
{
	return get_user_ns(ns);
}

/*
 * put_user_ns() (static inline): the last put schedules the namespace's freeing in a work
 * item (__put_user_ns()), so it may be called in any context, locks held.
 */
void rinotify_put_user_ns(struct user_namespace *ns)
{
	put_user_ns(ns);
}

/* put_user() (a macro) of an int: one store, where copy_to_user() is a sized copy. */
int rinotify_put_user_s32(s32 __user *p, s32 v)
{
	return put_user(v, p);
}

/*
 * put_user() of @v into @n ints @stride bytes apart from @first, in one user access section
 * (user_access_begin() and unsafe_put_user() are macros), where a put_user() each would
 * open and close one per int: how many, from the first, were written before one faulted.
 * A range access_ok() refuses is not written at all.
 */
unsigned int rinotify_put_user_s32_strided(s32 __user *first, size_t stride, unsigned int n, s32 v)
{
	char __user *p = (char __user *)first;
	unsigned int i = 0;

	if (!n || !user_access_begin(p, (n - 1) * stride + sizeof(s32)))
		return 0;
	for (; i < n; i++, p += stride)
		unsafe_put_user(v, (s32 __user *)p, fault);
fault:
	user_access_end();
	return i;
}
