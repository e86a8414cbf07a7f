// SPDX-License-Identifier: GPL-2.0

//! `O_ASYNC` / `SIGIO` delivery for a file: the `fasync_struct` list of its owners.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h).

use kernel::{
    bindings,
    fs::File,
    prelude::*,
    types::Opaque, //
};

/// The processes that asked for `SIGIO` on a file (`fcntl(F_SETFL, O_ASYNC)` + `F_SETOWN`).
///
/// # Invariants
///
/// `head` is the head of a `fasync_struct` list that is only changed by `fasync_helper()`.
pub(crate) struct FasyncQueue {
    head: Opaque<*mut bindings::fasync_struct>,
}

// SAFETY: `fasync_helper()` serialises changes and `kill_fasync()` walks the list under RCU.
unsafe impl Send for FasyncQueue {}
// SAFETY: As above.
unsafe impl Sync for FasyncQueue {}

impl FasyncQueue {
    /// An empty list.
    pub(crate) fn new() -> Self {
        Self {
            head: Opaque::new(core::ptr::null_mut()),
        }
    }

    /// Adds (`on`) or removes `file`, opened as `fd`, as `->fasync` does; a failure is `EIO`,
    /// as for an inotify file.
    pub(crate) fn update(&self, fd: i32, file: &File, on: bool) -> Result {
        // SAFETY: `file` is valid for the call and `head` is our list (type invariant).
        let ret =
            unsafe { bindings::fasync_helper(fd, file.as_ptr(), c_int::from(on), self.head.get()) };
        if ret < 0 {
            Err(EIO)
        } else {
            Ok(())
        }
    }

    /// Signals every owner that the file became readable (`SIGIO`, `POLL_IN`).
    pub(crate) fn notify_readable(&self) {
        // `kill_fasync()`'s own first test, "without locking: usually the list is empty",
        // without its call. An owner added meanwhile may miss this event's signal, as it may
        // with `kill_fasync()`'s test: the list's head is published with
        // `rcu_assign_pointer()` under `fasync_lock`, and read once here, a marked access as
        // `kill_fasync()`'s `rcu_dereference()` of it is.
        // SAFETY: `head` is valid and aligned for the call (type invariant).
        if unsafe { self.head.get().read_volatile() }.is_null() {
            return;
        }
        // SAFETY: `head` is our list; `kill_fasync()` reads it locklessly as designed.
        unsafe {
            bindings::kill_fasync(
                self.head.get(),
                bindings::SIGIO as c_int,
                bindings::POLL_IN as c_int,
            )
        };
    }
}
