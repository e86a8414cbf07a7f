// SPDX-License-Identifier: GPL-2.0

//! Which Linux security modules are active.
//!
//! C header: [`include/linux/security.h`](srctree/include/linux/security.h).

use super::bindings::rinotify_selinux_active;

/// Whether SELinux is active: enabled at boot, with or without a policy loaded yet.
///
/// Being built in is not enough: distribution kernels build in several LSMs and enable one
/// of them. The kernel exports no list of active LSMs to modules; SELinux is recognised by its
/// `inode_ismaclabel` hook, which claims the `selinux` label name.
pub(crate) fn selinux_active() -> bool {
    // SAFETY: No preconditions: it asks the registered LSMs about a constant string.
    unsafe { rinotify_selinux_active() }
}
