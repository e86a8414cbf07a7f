// SPDX-License-Identifier: GPL-2.0

//! Memory cgroups: who pays for an allocation.
//!
//! C header: [`include/linux/memcontrol.h`](srctree/include/linux/memcontrol.h) and
//! [`include/linux/sched/mm.h`](srctree/include/linux/sched/mm.h).
//!
//! An allocation made with `__GFP_ACCOUNT` (or from a `SLAB_ACCOUNT` cache) is charged to the
//! memory cgroup of the task that makes it, unless the task has made another one active with
//! `set_active_memcg()`. fsnotify allocates a listener's events in the context of whoever
//! touched the file; inotify charges them to the listener instead, so that a watcher cannot
//! make another cgroup pay for its queue: [`MemCgroup::charge`] is how.

use super::bindings::{
    rinotify_get_mem_cgroup_of_current,
    rinotify_mem_cgroup_put,
    rinotify_set_active_memcg, //
};
use core::ptr::NonNull;
use kernel::bindings::mem_cgroup;

/// A reference to a memory cgroup, or to none (a kernel without memory cgroups, or with the
/// controller disabled at boot).
///
/// # Invariants
///
/// `memcg`, when set, points at a memory cgroup of which this value owns one reference.
pub(crate) struct MemCgroup {
    memcg: Option<NonNull<mem_cgroup>>,
}

// SAFETY: A memory cgroup reference may be used and put from any task.
unsafe impl Send for MemCgroup {}
// SAFETY: `&MemCgroup` only lets allocations be charged to it, from any task.
unsafe impl Sync for MemCgroup {}

impl MemCgroup {
    /// The memory cgroup of the calling task (`get_mem_cgroup_from_mm(current->mm)`, as
    /// `inotify_new_group()` takes it).
    pub(crate) fn of_current_task() -> Self {
        // SAFETY: Called from a task; the result is NULL or a reference that we own.
        let memcg = NonNull::new(unsafe { rinotify_get_mem_cgroup_of_current() });
        // INVARIANT: We own the reference `get_mem_cgroup_from_mm()` took.
        Self { memcg }
    }

    /// Runs `f` with this cgroup active: the accounted allocations `f` makes are charged to
    /// it rather than to the calling task's own cgroup. The previously active cgroup is active
    /// again when `f` returns, so scopes nest.
    #[inline(always)]
    pub(crate) fn charge<R>(&self, f: impl FnOnce() -> R) -> R {
        let Some(memcg) = self.memcg else {
            return f();
        };
        // SAFETY: We hold a reference to `memcg` for as long as it is active: it is made
        // inactive again below, before `&self` ends.
        let old = unsafe { rinotify_set_active_memcg(memcg.as_ptr()) };
        let result = f();
        // SAFETY: Restores what was active, which its owner keeps alive (scopes nest).
        unsafe { rinotify_set_active_memcg(old) };
        result
    }
}

impl Drop for MemCgroup {
    fn drop(&mut self) {
        if let Some(memcg) = self.memcg {
            // SAFETY: By the type invariant we own one reference to `memcg`.
            unsafe { rinotify_mem_cgroup_put(memcg.as_ptr()) };
        }
    }
}
