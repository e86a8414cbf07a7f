// SPDX-License-Identifier: GPL-2.0

//! User namespaces: the one a task's credentials belong to, its parent, its owner, and the
//! maxima of inotify's counts it keeps.
//!
//! C header: [`include/linux/user_namespace.h`](srctree/include/linux/user_namespace.h).
//!
//! inotify charges each instance and watch with `inc_ucount()` to the (namespace, uid) that
//! made the instance and to every ancestor namespace's owner up to the initial namespace,
//! each level against the maximum its namespace keeps in `ucount_max[]`. `inc_ucount()` is
//! exported to binfmt_misc alone, so rinotify keeps counts of its own; what it needs of a
//! namespace to charge them the same way is here. A namespace's `parent`, `owner` and
//! `level` are set when it is created and never change; a namespace keeps its parent alive.

use super::bindings::{
    rinotify_get_user_ns,
    rinotify_put_user_ns, //
};
use core::ptr::NonNull;
use kernel::{
    bindings,
    cred::Credential, //
};

/// The count a maximum of a namespace bounds.
#[derive(Clone, Copy)]
pub(crate) enum Count {
    /// Instances: `/proc/sys/user/max_inotify_instances` in the namespace.
    Instances,
    /// Watches: `/proc/sys/user/max_inotify_watches` in the namespace.
    Watches,
}

/// A reference to a user namespace.
///
/// # Invariants
///
/// `ns` points at a user namespace of which this value owns one reference (`get_user_ns()`;
/// the initial namespace, never freed, counts none).
pub(crate) struct UserNs {
    /// The namespace.
    ns: NonNull<bindings::user_namespace>,
}

// SAFETY: A namespace reference may be used and put from any task: the last put only
// schedules the freeing.
unsafe impl Send for UserNs {}
// SAFETY: `&UserNs` only reads fields that never change, or reads `ucount_max[]` as
// `inc_ucount()` does, from any task.
unsafe impl Sync for UserNs {}

impl UserNs {
    /// Takes a reference to `ns`.
    ///
    /// # Safety
    ///
    /// `ns` points at a live user namespace.
    unsafe fn get(ns: *mut bindings::user_namespace) -> Self {
        // SAFETY: `ns` is live (the caller's guarantee); `get_user_ns()` returns it.
        let ns = unsafe { rinotify_get_user_ns(ns) };
        // SAFETY: `get_user_ns()` returns its non-null argument.
        let ns = unsafe { NonNull::new_unchecked(ns) };
        // INVARIANT: The reference taken just now.
        Self { ns }
    }

    /// The namespace `cred` belongs to (`cred->user_ns`, what `current_user_ns()` is for
    /// the task whose credentials they are).
    pub(crate) fn of_cred(cred: &Credential) -> Self {
        // SAFETY: `cred` is live for the call and holds a reference to its namespace, which
        // never changes.
        unsafe { Self::get((*cred.as_ptr()).user_ns) }
    }

    /// The namespace's parent, or `None` for the initial namespace.
    pub(crate) fn parent(&self) -> Option<Self> {
        // SAFETY: By the type invariant `ns` is live; `parent` never changes.
        let parent = unsafe { (*self.ns.as_ptr()).parent };
        if parent.is_null() {
            return None;
        }
        // SAFETY: A namespace holds a reference to its parent while it lives.
        Some(unsafe { Self::get(parent) })
    }

    /// The effective uid (global) of the task that created the namespace; 0 for the initial
    /// namespace.
    pub(crate) fn owner(&self) -> u32 {
        // SAFETY: By the type invariant `ns` is live; `owner` never changes.
        unsafe { (*self.ns.as_ptr()).owner.val }
    }

    /// How deep the namespace is: 0 for the initial namespace, at most 32.
    pub(crate) fn level(&self) -> u32 {
        // SAFETY: By the type invariant `ns` is live; `level` never changes.
        let level = unsafe { (*self.ns.as_ptr()).level };
        level.max(0) as u32
    }

    /// The inode number of the namespace (what `/proc/<pid>/ns/user` links to names).
    pub(crate) fn inum(&self) -> u32 {
        // SAFETY: By the type invariant `ns` is live; the inode number never changes.
        unsafe { (*self.ns.as_ptr()).ns.inum }
    }

    /// An identity of the namespace, unique among the live ones: its address, which is not
    /// reused while this reference keeps it alive.
    pub(crate) fn id(&self) -> usize {
        self.ns.as_ptr() as usize
    }

    /// The namespace's maximum of `count` per (namespace, uid), as `inc_ucount()` reads it:
    /// `INT_MAX` from the namespace's creation until its `/proc/sys/user/max_inotify_*` are
    /// written; the initial namespace's are inotify's own limits. `INT_MAX` in a kernel
    /// without inotify, which keeps no such maxima.
    pub(crate) fn max(&self, count: Count) -> i32 {
        #[cfg(CONFIG_INOTIFY_USER)]
        {
            let kind = match count {
                Count::Instances => bindings::ucount_type_UCOUNT_INOTIFY_INSTANCES,
                Count::Watches => bindings::ucount_type_UCOUNT_INOTIFY_WATCHES,
            };
            // The maxima change only through sysctls, with plain stores: a volatile read is
            // the `READ_ONCE()` that `inc_ucount()` reads them with.
            // SAFETY: By the type invariant `ns` is live; the index is a `ucount_type` below
            // `UCOUNT_COUNTS`.
            let max = unsafe {
                core::ptr::addr_of!((*self.ns.as_ptr()).ucount_max[kind as usize]).read_volatile()
            };
            // The sysctls accept 0 to `INT_MAX` only.
            i32::try_from(max.max(0)).unwrap_or(i32::MAX)
        }
        #[cfg(not(CONFIG_INOTIFY_USER))]
        {
            let _ = count;
            i32::MAX
        }
    }
}

impl Clone for UserNs {
    fn clone(&self) -> Self {
        // SAFETY: By the type invariant `ns` is live.
        unsafe { Self::get(self.ns.as_ptr()) }
    }
}

impl Drop for UserNs {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own one reference. The last put schedules the
        // freeing in a work item: any context may drop it.
        unsafe { rinotify_put_user_ns(self.ns.as_ptr()) };
    }
}
