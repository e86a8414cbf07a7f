// SPDX-License-Identifier: GPL-2.0

//! Looking up the path a user names, as `inotify_add_watch()` does.
//!
//! C headers: [`include/linux/namei.h`](srctree/include/linux/namei.h),
//! [`include/linux/fs.h`](srctree/include/linux/fs.h).

use super::bindings::{
    follow_down_one,
    lookup_one_positive_unlocked,
    rinotify_inode_lock_shared,
    rinotify_inode_unlock_shared,
    user_path_at,
    RINOTIFY_LOOKUP_DIRECTORY,
    RINOTIFY_LOOKUP_FOLLOW, //
};
use kernel::{
    bindings,
    prelude::*,
    uaccess::UserPtr, //
};

/// `AT_FDCWD`: as a lookup's directory, the caller's working directory.
pub(crate) const AT_FDCWD: i32 = bindings::AT_FDCWD;

/// `S_IFMT` and `S_IFDIR` of `include/uapi/linux/stat.h`.
const S_IFMT: u16 = 0o170000;
const S_IFDIR: u16 = 0o040000;

/// An inode the caller named and may read, pinned by a path reference.
///
/// # Invariants
///
/// `path` holds references to a mount and a positive dentry on it (taken by `user_path_at()`,
/// or by `lookup_one_positive_unlocked()` and `mntget()`), and the caller had `MAY_READ`
/// permission on its inode at lookup.
pub(crate) struct WatchTarget {
    path: bindings::path,
}

// SAFETY: A path reference may be dropped from any thread.
unsafe impl Send for WatchTarget {}

impl WatchTarget {
    /// Resolves the NUL-terminated path at user address `name` relative to the directory
    /// open as `dirfd` ([`AT_FDCWD`]: the working directory), as `openat()` does, following a
    /// trailing symlink if `follow`, requiring a directory if `only_dir`, and checks that the
    /// caller may read the inode: `inotify_find_inode()`.
    pub(crate) fn lookup(dirfd: i32, name: UserPtr, follow: bool, only_dir: bool) -> Result<Self> {
        let mut flags = 0;
        if follow {
            flags |= RINOTIFY_LOOKUP_FOLLOW;
        }
        if only_dir {
            flags |= RINOTIFY_LOOKUP_DIRECTORY;
        }
        let mut path: bindings::path = pin_init::zeroed();
        // SAFETY: `name` is a user pointer, which `user_path_at()` copies from with fault
        // handling; `path` is valid for writes. Any `dirfd` is fine: the VFS looks it up in
        // the caller's table and fails with `EBADF` or `ENOTDIR`.
        kernel::error::to_result(unsafe {
            user_path_at(dirfd, name.as_const_ptr().cast(), flags, &mut path)
        })?;
        // INVARIANT: `user_path_at()` succeeded, so `path` holds a reference to a positive
        // dentry; `Drop` gives it back whatever happens next.
        Self { path }.readable()
    }

    /// The directory `name` (one component, no `/`) in this directory, as a crawler reaches
    /// it: not following a symlink, and not crossing into another mount (`EXDEV` where
    /// something is mounted on it); `ENOTDIR` if it is not a directory, `ENOENT` if there is
    /// none. The caller needs search permission here and read permission there, as for
    /// [`WatchTarget::lookup`].
    ///
    /// One look-up in the dentry cache (`lookup_one_positive_unlocked()`), not a path walk:
    /// the crawl of a tree does one per directory.
    pub(crate) fn subdirectory(&self, name: &[u8]) -> Result<Self> {
        let mut qname: bindings::qstr = pin_init::zeroed();
        qname.name = name.as_ptr();
        qname.__bindgen_anon_1.__bindgen_anon_1.len = u32::try_from(name.len())?;
        // SAFETY: `self` pins the directory's dentry and mount; `qname` names `name`, which
        // outlives the call; the function checks search permission on the directory
        // itself, and hashes the name.
        let dentry = unsafe {
            let idmap = core::ptr::addr_of!((*self.path.mnt).mnt_idmap).read_volatile();
            lookup_one_positive_unlocked(idmap, &mut qname, self.path.dentry)
        };
        let dentry = kernel::error::from_err_ptr(dentry)?;
        // SAFETY: The mount is pinned by `self`; the new reference is the target's.
        let mnt = unsafe { bindings::mntget(self.path.mnt) };
        // INVARIANT: A positive dentry and a mount reference, both ours, which `Drop` puts.
        let mut target = Self {
            path: bindings::path { mnt, dentry },
        };
        // SAFETY: The dentry is pinned by `target`; its flags change under its lock, and a
        // stale type or mount bit only sends this to the checks below.
        let flags = unsafe { core::ptr::addr_of!((*dentry).d_flags).read_volatile() };
        if flags & bindings::dentry_flags_DCACHE_MOUNTED != 0 {
            // Mounted on in some mount namespace; in the crawl's, if `follow_down_one()`
            // finds the mount (`target` then holds the mounted root: dropped either way).
            // SAFETY: `target.path` holds the references the function puts and replaces.
            if unsafe { follow_down_one(&mut target.path) } != 0 {
                return Err(EXDEV);
            }
        }
        if flags & bindings::dentry_flags_DCACHE_ENTRY_TYPE
            != bindings::dentry_flags_DCACHE_DIRECTORY_TYPE
        {
            return Err(ENOTDIR);
        }
        target.readable()
    }

    /// `self` if the caller may read its inode: `inotify_find_inode()`'s check.
    fn readable(self) -> Result<Self> {
        // `path_permission()` is `static inline`: this is its body.
        // SAFETY: The path reference pins the mount and the dentry, and so the inode.
        let ret = unsafe {
            let idmap = core::ptr::addr_of!((*self.path.mnt).mnt_idmap).read_volatile();
            bindings::inode_permission(idmap, self.inode(), bindings::MAY_READ as c_int)
        };
        kernel::error::to_result(ret)?;
        Ok(self)
    }

    /// Whether the directory has no subdirectory, by its link count alone: 2 (its entry in
    /// its parent and its own `.`) where the file system counts each subdirectory's `..`
    /// in it, as tmpfs, ext4 and XFS do (others, btrfs among them, say nothing this way:
    /// false). A crawl so need not read the directory, as `find` skips its leaves.
    ///
    /// The count is read under the directory's inode lock, which `mkdir()` holds while it
    /// adds a subdirectory and reports it: a watch attached before this call either sees
    /// that `mkdir()`'s event, or this sees its link.
    pub(crate) fn has_no_subdirectories(&self) -> bool {
        const COUNTS_SUBDIRECTORIES: [c_ulong; 3] = [
            bindings::TMPFS_MAGIC as c_ulong,
            bindings::EXT4_SUPER_MAGIC as c_ulong,
            bindings::XFS_SUPER_MAGIC as c_ulong,
        ];
        let inode = self.inode();
        // SAFETY: The inode is pinned by the path, and its superblock with it.
        let magic = unsafe { (*(*inode).i_sb).s_magic };
        if !self.is_dir() || !COUNTS_SUBDIRECTORIES.contains(&magic) {
            return false;
        }
        // SAFETY: The inode is pinned; the lock is released below. `i_nlink` changes under
        // the lock held exclusively, so it is stable while it is held shared.
        let links = unsafe {
            rinotify_inode_lock_shared(inode);
            let links = (*inode).__bindgen_anon_1.i_nlink;
            rinotify_inode_unlock_shared(inode);
            links
        };
        links == 2
    }

    /// The path, for the VFS calls of this crate.
    pub(super) fn path(&self) -> &bindings::path {
        &self.path
    }

    /// The inode, for the fsnotify calls of this crate.
    pub(super) fn inode(&self) -> *mut bindings::inode {
        // SAFETY: By the type invariant the dentry is pinned and positive.
        unsafe { (*self.path.dentry).d_inode }
    }

    /// Whether the inode is a directory.
    pub(crate) fn is_dir(&self) -> bool {
        // SAFETY: The inode is pinned; its type never changes.
        unsafe { (*self.inode()).i_mode & S_IFMT == S_IFDIR }
    }
}

impl Drop for WatchTarget {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a reference to `path`.
        unsafe { bindings::path_put(&self.path) };
    }
}
