// SPDX-License-Identifier: GPL-2.0

//! Looking up the path a user names, as `inotify_add_watch()` does.
//!
//! C headers: [`include/linux/namei.h`](srctree/include/linux/namei.h),
//! [`include/linux/fs.h`](srctree/include/linux/fs.h).

use super::bindings::{
    follow_down_one,
    lookup_one_positive_unlocked,
    rinotify_d_can_lookup,
    rinotify_d_is_symlink,
    rinotify_d_managed,
    rinotify_d_mountpoint,
    rinotify_get_lookup_dir,
    rinotify_inode_lock_shared,
    rinotify_inode_unlock_shared,
    rinotify_path_permission,
    user_path_at,
    RINOTIFY_LOOKUP_DIRECTORY,
    RINOTIFY_LOOKUP_FOLLOW,
    RINOTIFY_S_IFDIR as S_IFDIR,
    RINOTIFY_S_IFMT as S_IFMT, //
};
use core::mem::MaybeUninit;
use kernel::{
    bindings,
    prelude::*,
    uaccess::UserPtr, //
};

/// `AT_FDCWD`: as a lookup's directory, the caller's working directory.
pub(crate) const AT_FDCWD: i32 = bindings::AT_FDCWD;

/// The longest name one look-up takes.
const NAME_MAX: usize = bindings::NAME_MAX as usize;

/// A positive dentry found by a look-up, and its mount, pinned by a path reference: what a
/// [`WatchTarget`] is before the caller's right to read it is checked.
///
/// # Invariants
///
/// `path` holds references to a mount and a positive dentry on it (taken by `user_path_at()`,
/// or by `lookup_one_positive_unlocked()` and `mntget()`).
struct FoundPath {
    path: bindings::path,
}

/// An inode the caller named and may read, pinned by a path reference.
///
/// # Invariants
///
/// The caller had `MAY_READ` permission on the inode of `found` at lookup.
pub(crate) struct WatchTarget {
    found: FoundPath,
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
        super::to_result(unsafe {
            user_path_at(dirfd, name.as_const_ptr().cast(), flags, &mut path)
        })?;
        // INVARIANT: `user_path_at()` succeeded, so `path` holds a reference to a positive
        // dentry; `Drop` gives it back whatever happens next.
        FoundPath { path }.readable()
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
        if !self.found.can_look_up() {
            return Err(ENOTDIR);
        }
        // SAFETY: By the type invariant of `FoundPath` the path holds references to a mount
        // and to a dentry on it, a directory's as checked above.
        let mut target = unsafe { FoundPath::child(self.path(), name)? };
        if target.is_mountpoint() {
            // Mounted on in some mount namespace; in the crawl's, if `follow_down_one()`
            // finds the mount (`target` then holds the mounted root: dropped either way).
            // SAFETY: `target.path` holds the references the function puts and replaces.
            if unsafe { follow_down_one(&mut target.path) } != 0 {
                return Err(EXDEV);
            }
        }
        if !target.can_look_up() {
            return Err(ENOTDIR);
        }
        target.readable()
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
        &self.found.path
    }

    /// The inode, for the fsnotify calls of this crate.
    pub(super) fn inode(&self) -> *mut bindings::inode {
        self.found.inode()
    }

    /// Whether the inode is a directory.
    pub(crate) fn is_dir(&self) -> bool {
        // SAFETY: The inode is pinned; its type never changes.
        unsafe { (*self.inode()).i_mode & S_IFMT == S_IFDIR }
    }
}

impl FoundPath {
    /// The positive dentry `name` (one component: `lookup_one_positive_unlocked()` refuses
    /// `/`, `.` and `..` with `EACCES`) in the directory at `dir`, on `dir`'s mount, checking
    /// search permission on `dir` as a path walk does; neither its type nor its mounts are
    /// looked at, nor read permission checked.
    ///
    /// # Safety
    ///
    /// `dir` holds references to a mount and to a dentry on it for the call, a directory's
    /// that names can be looked up in (`d_can_lookup()`).
    unsafe fn child(dir: &bindings::path, name: &[u8]) -> Result<Self> {
        let mut qname: bindings::qstr = pin_init::zeroed();
        qname.name = name.as_ptr();
        qname.__bindgen_anon_1.__bindgen_anon_1.len = u32::try_from(name.len())?;
        // SAFETY: The caller's references pin the directory's dentry and mount; `qname`
        // names `name`, which outlives the call; the function checks search permission on
        // the directory itself, and hashes the name.
        let dentry = unsafe {
            let idmap = core::ptr::addr_of!((*dir.mnt).mnt_idmap).read_volatile();
            lookup_one_positive_unlocked(idmap, &mut qname, dir.dentry)
        };
        let dentry = kernel::error::from_err_ptr(dentry)?;
        // SAFETY: The mount is pinned by the caller; the new reference is the child's.
        let mnt = unsafe { bindings::mntget(dir.mnt) };
        // INVARIANT: A positive dentry and a mount reference, both ours, which `Drop` puts.
        Ok(Self {
            path: bindings::path { mnt, dentry },
        })
    }

    // The dentry's type and mount bits change under its lock: a stale answer of the four
    // functions below only sends the caller to a slower or failing path.

    /// Whether the dentry is a directory that names can be looked up in (`d_can_lookup()`:
    /// not an automount point's, which has no `lookup()`).
    fn can_look_up(&self) -> bool {
        // SAFETY: The dentry is pinned by the type invariant.
        unsafe { rinotify_d_can_lookup(self.path.dentry) }
    }

    /// Whether the dentry is a symlink (`d_is_symlink()`).
    fn is_symlink(&self) -> bool {
        // SAFETY: The dentry is pinned by the type invariant.
        unsafe { rinotify_d_is_symlink(self.path.dentry) }
    }

    /// Whether something is or may be mounted on the dentry, or its file system manages the
    /// transit (`d_managed()`): what only a path walk's `follow_managed()` handles.
    fn is_managed(&self) -> bool {
        // SAFETY: The dentry is pinned by the type invariant.
        unsafe { rinotify_d_managed(self.path.dentry) }
    }

    /// Whether something is mounted on the dentry in some mount namespace
    /// (`d_mountpoint()`).
    fn is_mountpoint(&self) -> bool {
        // SAFETY: The dentry is pinned by the type invariant.
        unsafe { rinotify_d_mountpoint(self.path.dentry) }
    }

    /// The target, if the caller may read its inode: `inotify_find_inode()`'s check.
    fn readable(self) -> Result<WatchTarget> {
        // SAFETY: The path reference pins the mount and the dentry, and so the inode.
        let ret = unsafe { rinotify_path_permission(&self.path, bindings::MAY_READ as c_int) };
        super::to_result(ret)?;
        // INVARIANT: Checked just now.
        Ok(WatchTarget { found: self })
    }

    /// The inode.
    fn inode(&self) -> *mut bindings::inode {
        // SAFETY: By the type invariant the dentry is pinned and positive.
        unsafe { (*self.path.dentry).d_inode }
    }
}

/// The directory a run of relative paths starts from, pinned for the run.
///
/// # Invariants
///
/// `path` holds references to a mount and to a directory's dentry on it that names can be
/// looked up in (`d_can_lookup()`), the one `dirfd` named when `path` was taken.
struct LookupDir {
    dirfd: i32,
    path: bindings::path,
}

impl LookupDir {
    /// The directory `dirfd` names as the start of a relative path: the working directory
    /// for [`AT_FDCWD`], else the directory open (`O_PATH` included) as `dirfd`; `EBADF` or
    /// `ENOTDIR` as a path walk.
    fn get(dirfd: i32) -> Result<Self> {
        let mut path: bindings::path = pin_init::zeroed();
        // SAFETY: `path` is valid for writes; the helper looks `dirfd` up in the caller's
        // table, and on success leaves references to a directory in `path`.
        super::to_result(unsafe { rinotify_get_lookup_dir(dirfd, &mut path) })?;
        // INVARIANT: The helper succeeded.
        Ok(Self { dirfd, path })
    }
}

impl Drop for LookupDir {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a reference to `path`.
        unsafe { bindings::path_put(&self.path) };
    }
}

/// How a watch request's path is looked up: one request's [`PathWalk`], or a batch's
/// [`BatchLookup`]. A trait, not a choice at run time, so that a single request's look-up
/// carries nothing of the batch's.
pub(crate) trait Lookup {
    /// [`WatchTarget::lookup`] of the path at user address `name`, relative to `dirfd`.
    fn lookup(
        &mut self,
        dirfd: i32,
        name: UserPtr,
        follow: bool,
        only_dir: bool,
    ) -> Result<WatchTarget>;
}

/// The path walk of [`WatchTarget::lookup`], for one request.
pub(crate) struct PathWalk;

impl Lookup for PathWalk {
    fn lookup(
        &mut self,
        dirfd: i32,
        name: UserPtr,
        follow: bool,
        only_dir: bool,
    ) -> Result<WatchTarget> {
        WatchTarget::lookup(dirfd, name, follow, only_dir)
    }
}

/// Looks up the paths of many watch requests, each as [`WatchTarget::lookup`] does.
///
/// A path that is one plain name, neither a symlink to follow nor a mount point, is looked
/// up in the dentry cache of its directory (`lookup_one_positive_unlocked()`, which checks
/// search permission there as the path walk does), and that directory is looked up once
/// for a run of requests with the same `dirfd`: what a crawler adding the subdirectories of
/// the directory it read passes. Anything else, and every failure, takes the path walk of
/// [`WatchTarget::lookup`], so that each result and errno is the walk's.
///
/// Within a run the directory is the one `dirfd` named at the run's first request: a
/// `close()`, `dup2()` or `chdir()` in another thread during the call may apply from the
/// next run on, as if it had come later.
pub(crate) struct BatchLookup {
    dir: Option<LookupDir>,
}

impl BatchLookup {
    /// A look-up with no directory pinned yet.
    pub(crate) fn new() -> Self {
        Self { dir: None }
    }

    /// The target if the path is one name and its dentry-cache look-up gives what the path
    /// walk would give; `None` otherwise.
    fn lookup_name(
        &mut self,
        dirfd: i32,
        name: UserPtr,
        follow: bool,
        only_dir: bool,
    ) -> Option<WatchTarget> {
        let mut buf = [const { MaybeUninit::uninit() }; NAME_MAX + 1];
        // A long name's error (`ENAMETOOLONG`) is the walk's. An empty one's (`ENOENT`) is
        // too, and `.`, `..` and more than one component are its work: `child()` refuses
        // them (`lookup_one_positive_unlocked()` checks the name before it looks).
        let name = copy_name(name, &mut buf)?;
        if self.dir.as_ref().map(|dir| dir.dirfd) != Some(dirfd) {
            self.dir = None;
            self.dir = LookupDir::get(dirfd).ok();
        }
        let dir = self.dir.as_ref()?;
        // SAFETY: By the type invariant of `LookupDir`, `dir.path` holds references to a
        // mount and to a directory on it that passed `d_can_lookup()`.
        let target = unsafe { FoundPath::child(&dir.path, name) }.ok()?;
        // Mounts and automount points need the walk's `follow_managed()`.
        if target.is_managed() || (follow && target.is_symlink()) {
            return None;
        }
        if only_dir && !target.can_look_up() {
            return None;
        }
        target.readable().ok()
    }
}

impl Lookup for BatchLookup {
    fn lookup(
        &mut self,
        dirfd: i32,
        name: UserPtr,
        follow: bool,
        only_dir: bool,
    ) -> Result<WatchTarget> {
        match self.lookup_name(dirfd, name, follow, only_dir) {
            Some(target) => Ok(target),
            None => WatchTarget::lookup(dirfd, name, follow, only_dir),
        }
    }
}

/// Copies the NUL-terminated string at user address `name` into `buf` and returns it
/// without its NUL: `None` if it is longer than `buf` can hold with the NUL, or faults.
///
/// `buf` is not initialised first, as the kernel crate's `strcpy_into_buf()` needs it to
/// be: a batch copies a name per entry into a buffer as long as the longest name.
fn copy_name<const N: usize>(name: UserPtr, buf: &mut [MaybeUninit<u8>; N]) -> Option<&[u8]> {
    let len = isize::try_from(N).ok()?;
    // SAFETY: `buf` is valid for writes of `N` bytes; `strncpy_from_user()` copies from the
    // user address with fault handling.
    let copied = unsafe {
        bindings::strncpy_from_user(buf.as_mut_ptr().cast(), name.as_const_ptr().cast(), len)
    };
    // Negative for a fault, `N` if no NUL came within `N` bytes.
    let copied = usize::try_from(copied).ok().filter(|&copied| copied < N)?;
    // SAFETY: `strncpy_from_user()` wrote the first `copied` bytes, the string's.
    Some(unsafe { core::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), copied) })
}

impl Drop for FoundPath {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a reference to `path`.
        unsafe { bindings::path_put(&self.path) };
    }
}
