// SPDX-License-Identifier: GPL-2.0

//! The per-user limits of the kernel's own inotify, as `/proc/sys/fs/inotify/` shows them.
//!
//! inotify keeps `max_user_instances` and `max_user_watches` in the initial user namespace's
//! ucount limits (`init_user_ns.ucount_max[]`), which its two sysctls read and write. Both
//! are set by `inotify_user_setup()` at boot; `init_user_ns` is exported to GPL modules.
//!
//! C header: [`include/linux/user_namespace.h`](srctree/include/linux/user_namespace.h).

#[cfg(CONFIG_INOTIFY_USER)]
use kernel::bindings;

/// inotify's per-user limits at one moment.
#[cfg_attr(
    not(CONFIG_INOTIFY_USER),
    allow(dead_code, reason = "without inotify, `inotify_limits()` makes none")
)]
pub(crate) struct InotifyLimits {
    /// `/proc/sys/fs/inotify/max_user_instances`.
    pub(crate) max_user_instances: i32,
    /// `/proc/sys/fs/inotify/max_user_watches`.
    pub(crate) max_user_watches: i32,
}

/// inotify's per-user limits as they are now: the defaults `inotify_user_setup()` computed at
/// boot, or what root has written to `/proc/sys/fs/inotify/` since.
///
/// `None` in a kernel built without inotify (`CONFIG_INOTIFY_USER` unset), which has neither
/// the limits nor the sysctls.
pub(crate) fn inotify_limits() -> Option<InotifyLimits> {
    #[cfg(CONFIG_INOTIFY_USER)]
    {
        Some(InotifyLimits {
            max_user_instances: ucount_max(bindings::ucount_type_UCOUNT_INOTIFY_INSTANCES),
            max_user_watches: ucount_max(bindings::ucount_type_UCOUNT_INOTIFY_WATCHES),
        })
    }
    #[cfg(not(CONFIG_INOTIFY_USER))]
    None
}

/// The initial user namespace's limit of `kind`, in the range of an `int` sysctl.
#[cfg(CONFIG_INOTIFY_USER)]
fn ucount_max(kind: bindings::ucount_type) -> i32 {
    // The limits change only through sysctls (`fs.inotify.*`, `user.max_inotify_*`), with
    // plain stores: a volatile read is the `READ_ONCE()` that `inc_ucount()` reads them with.
    // SAFETY: `init_user_ns` lives as long as the kernel; the index is bounds-checked (a
    // `ucount_type` below `UCOUNT_COUNTS`); no reference to the `static mut` is made.
    let max = unsafe {
        core::ptr::addr_of!(bindings::init_user_ns.ucount_max[kind as usize]).read_volatile()
    };
    // Both sysctls accept 0 to `INT_MAX` only (`proc_doulongvec_minmax()`, bounded).
    i32::try_from(max.max(0)).unwrap_or(i32::MAX)
}
