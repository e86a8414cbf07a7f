// SPDX-License-Identifier: GPL-2.0

//! The calling task's scheduling: yielding the CPU in long loops, and fatal signals.
//!
//! C headers: [`include/linux/sched.h`](srctree/include/linux/sched.h),
//! [`include/linux/sched/signal.h`](srctree/include/linux/sched/signal.h).

use super::bindings::{
    rinotify_cond_resched,
    rinotify_fatal_signal_pending, //
};

/// Lets another task run if one should (`cond_resched()`), between the steps of work whose
/// length a user chooses. May sleep: never called with a spinlock held, which the callers'
/// guards make visible.
pub(crate) fn cond_resched() {
    // SAFETY: Called from process context; a caller holding a spinlock is a bug that the
    // kernel's own checks report ("sleeping function called from invalid context").
    unsafe { rinotify_cond_resched() }
}

/// Whether the calling task has been killed (`fatal_signal_pending(current)`): its call is
/// to stop as soon as what it did is consistent.
pub(crate) fn fatal_signal_pending() -> bool {
    // SAFETY: `current` is always valid in process context.
    unsafe { rinotify_fatal_signal_pending() }
}
