// SPDX-License-Identifier: GPL-2.0

//! A task's rights to watch, kept to be checked later in other tasks.
//!
//! C headers: [`include/linux/cred.h`](srctree/include/linux/cred.h),
//! [`include/linux/mnt_idmapping.h`](srctree/include/linux/mnt_idmapping.h).
//!
//! A tree watch adds watches in the tasks that create directories in the tree, long after
//! the watcher's own call. Each must be one the watcher could have added itself: the check is
//! made with the watcher's credentials, taken in its call, and through the mount it named,
//! whose idmap maps the inodes' owners. The kernel has no permission check that takes
//! credentials: `inode_permission()` and the LSM hooks under it read `current`'s. So the
//! watcher's are installed for the check (`override_creds()`), as the kernel installs a
//! caller's for `faccessat()` and the mounter's for overlayfs.

use super::{
    bindings::{
        mnt_idmap_put,
        rinotify_get_current_cred,
        rinotify_may_watch_as,
        rinotify_mnt_idmap_get, //
    },
    fsnotify::EventEntry,
    path::WatchTarget,
};
use core::ptr::NonNull;
use kernel::{
    bindings,
    cred::Credential,
    prelude::*,
    sync::aref::ARef, //
};

/// The credentials of a task and the idmap of a mount: what the task may watch through the
/// mount, checked in any task.
///
/// # Invariants
///
/// `idmap` points at a mount idmap of which this value owns a reference
/// (`mnt_idmap_get()`; the static idmaps, never freed, count none).
pub(crate) struct Rights {
    cred: ARef<Credential>,
    idmap: NonNull<bindings::mnt_idmap>,
}

// SAFETY: Credentials and idmaps are immutable once shared and may be put from any task.
unsafe impl Send for Rights {}
// SAFETY: As above: `&Rights` only reads them.
unsafe impl Sync for Rights {}

impl Rights {
    /// The rights of the calling task (its subjective credentials, which `inode_permission()`
    /// checks) through the mount of `target`.
    pub(crate) fn of_current_task(target: &WatchTarget) -> Self {
        // SAFETY: Called from a task; the result is a reference to its credentials, never
        // null, which the `ARef` owns.
        let cred = unsafe {
            ARef::from_raw(NonNull::new_unchecked(
                rinotify_get_current_cred().cast_mut().cast::<Credential>(),
            ))
        };
        // SAFETY: The path of `target` pins its mount; the helper returns the mount's idmap
        // with a reference, never null.
        let idmap = unsafe { NonNull::new_unchecked(rinotify_mnt_idmap_get(target.path().mnt)) };
        // INVARIANT: The reference taken just now.
        Self { cred, idmap }
    }

    /// Whether `self` and `other` are the same credentials through the same idmap.
    pub(crate) fn is(&self, other: &Rights) -> bool {
        core::ptr::eq(self.cred.as_ptr(), other.cred.as_ptr()) && self.idmap == other.idmap
    }

    /// Whether the entry of an event on a directory may be watched with these rights, as
    /// `inotify_add_watch()` of its path through the directory checks it: search permission
    /// on the directory, read permission on the entry (LSM hooks included); `EACCES` or
    /// another error of `inode_permission()` if not.
    ///
    /// May sleep: call it where the event's handler may (a directory created or moved).
    pub(crate) fn may_watch(&self, entry: &EventEntry<'_>) -> Result {
        // SAFETY: The credentials and the idmap are referenced by `self` across the call,
        // which installs the credentials only for its length; both inodes are pinned for the
        // callback `entry` belongs to.
        kernel::error::to_result(unsafe {
            rinotify_may_watch_as(
                self.cred.as_ptr(),
                self.idmap.as_ptr(),
                entry.dir_inode(),
                entry.inode(),
            )
        })
    }
}

impl Drop for Rights {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own a reference to the idmap. The last put frees
        // it with `kfree()`, which any context may call.
        unsafe { mnt_idmap_put(self.idmap.as_ptr()) };
    }
}
