// SPDX-License-Identifier: GPL-2.0

//! Integer sysctls under `/proc/sys/`.
//!
//! C header: [`include/linux/sysctl.h`](srctree/include/linux/sysctl.h).

use kernel::{
    bindings,
    prelude::*,
    sync::atomic::Atomic, //
};

/// A sysctl table: `N` entries for [`SysctlRegistration::register`].
pub(crate) struct SysctlTable<const N: usize>([bindings::ctl_table; N]);

// SAFETY: The table is immutable; the pointers it holds are to `'static` atomics and
// strings, which procfs accesses with `READ_ONCE()`/`WRITE_ONCE()`.
unsafe impl<const N: usize> Sync for SysctlTable<N> {}

impl<const N: usize> SysctlTable<N> {
    /// A table of the given entries.
    pub(crate) const fn new(entries: [IntSysctl; N]) -> Self {
        let mut table = [const { pin_init::zeroed::<bindings::ctl_table>() }; N];
        let mut i = 0;
        while i < N {
            let e = &entries[i];
            table[i].procname = kernel::str::as_char_ptr_in_const_context(e.name);
            table[i].data = e.value.as_ptr().cast();
            table[i].maxlen = core::mem::size_of::<c_int>() as c_int;
            table[i].mode = 0o644;
            table[i].proc_handler = Some(bindings::proc_dointvec_minmax);
            table[i].extra1 = core::ptr::from_ref(e.min).cast_mut().cast();
            table[i].extra2 = core::ptr::from_ref(e.max).cast_mut().cast();
            i += 1;
        }
        Self(table)
    }
}

/// One `int` sysctl, readable by all and writable by root, range-checked on write.
pub(crate) struct IntSysctl {
    /// The file name.
    pub(crate) name: &'static CStr,
    /// Where the value lives.
    pub(crate) value: &'static Atomic<i32>,
    /// Smallest accepted value.
    pub(crate) min: &'static c_int,
    /// Largest accepted value.
    pub(crate) max: &'static c_int,
}

/// A registered sysctl directory; unregistered on drop.
///
/// # Invariants
///
/// `header` was returned by `register_sysctl_sz()` and is unregistered only by `drop`.
pub(crate) struct SysctlRegistration {
    header: *mut bindings::ctl_table_header,
}

// SAFETY: Unregistering may happen on any thread.
unsafe impl Send for SysctlRegistration {}
// SAFETY: No `&self` methods.
unsafe impl Sync for SysctlRegistration {}

impl SysctlRegistration {
    /// Registers `table` as the directory `path` under `/proc/sys` (e.g. `"fs/rinotify"`).
    pub(crate) fn register<const N: usize>(
        path: &'static CStr,
        table: &'static SysctlTable<N>,
    ) -> Result<Self> {
        // SAFETY: The path and the table are `'static`, as sysctl requires.
        let header =
            unsafe { bindings::register_sysctl_sz(path.as_char_ptr(), table.0.as_ptr(), N) };
        if header.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: Registered just now.
        Ok(Self { header })
    }
}

impl Drop for SysctlRegistration {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the table is registered, once.
        unsafe { bindings::unregister_sysctl_table(self.header) };
    }
}
