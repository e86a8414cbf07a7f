// SPDX-License-Identifier: GPL-2.0

//! The ioctl arguments of `include/uapi/linux/rinotify.h`, as bindgen generates them from the
//! header (see `Kbuild`), copied from and to user memory whole.
//!
//! C header: [`include/uapi/linux/rinotify.h`](../../include/uapi/linux/rinotify.h).
//!
//! bindgen lays each struct out from the header with the kernel's own C flags, so the Rust
//! type is the C one. Every field is a fixed-size integer (`__u64` for pointers), so a 32-bit
//! caller's struct has the same bytes as a 64-bit caller's, and `compat_ioctl` needs no
//! translation. [`FromBytes`] and [`AsBytes`] let [`UserSliceReader::read`] and
//! [`UserSliceWriter::write`] take them whole.
//!
//! [`UserSliceReader::read`]: kernel::uaccess::UserSliceReader::read
//! [`UserSliceWriter::write`]: kernel::uaccess::UserSliceWriter::write

use super::bindings::rinotify_read_watch;
use core::mem::MaybeUninit;
use kernel::{
    prelude::*,
    transmute::{
        AsBytes,
        FromBytes, //
    },
    uaccess::UserPtr, //
};

pub(crate) use super::bindings::{
    rinotify_tree,
    rinotify_watch,
    rinotify_watch_at,
    rinotify_watches, //
};

/// Makes each uapi struct readable and writable as bytes, after checking at build time that
/// its fields are exactly those listed, of the types listed, and that it is as large as they
/// are together: so it has no padding.
macro_rules! uapi_structs {
    ($($t:ident { $($field:ident: $ty:ty),+ $(,)? })*) => {$(
        const _: () = {
            // Compiles only if these are all of the struct's fields, with these types.
            fn fields(value: $t) -> ($($ty,)+) {
                let $t { $($field),+ } = value;
                ($($field,)+)
            }
            let _: fn($t) -> ($($ty,)+) = fields;
            assert!(size_of::<$t>() == 0 $(+ size_of::<$ty>())+);
        };
        // SAFETY: Every field is an integer, for which any bit pattern is valid, and the struct
        // has no padding (asserted above), so any bytes of its size are a valid value.
        unsafe impl FromBytes for $t {}
        // SAFETY: Every field is an integer and the struct has no padding (asserted above), so
        // every byte of a value is initialised.
        unsafe impl AsBytes for $t {}
    )*};
}

uapi_structs! {
    rinotify_watch {
        pathname: u64,
        mask: u32,
        reserved: u32,
    }
    rinotify_watch_at {
        pathname: u64,
        dirfd: i32,
        mask: u32,
        result: i32,
        reserved: u32,
    }
    rinotify_watches {
        entries: u64,
        count: u32,
        flags: u32,
    }
    rinotify_tree {
        pathname: u64,
        dirfd: i32,
        mask: u32,
        flags: u32,
        reserved: u32,
    }
}

impl rinotify_watch {
    /// Copies the struct in from user address `addr`, whole, as [`UserSliceReader::read`]
    /// does (`EFAULT` if any of it cannot be read), for less: its fields one by one in one
    /// user-access section (`rinotify_read_watch()`), in place of `_copy_from_user()`'s call
    /// and string copy. Every `RINOTIFY_IOC_ADD_WATCH` reads one.
    ///
    /// [`UserSliceReader::read`]: kernel::uaccess::UserSliceReader::read
    pub(crate) fn read_from(addr: UserPtr) -> Result<Self> {
        let mut watch = MaybeUninit::<Self>::uninit();
        // SAFETY: `watch` is valid for writes of a `rinotify_watch`. `addr` is any user
        // address: the helper checks the range and reads it with fault handling.
        let ret = unsafe { rinotify_read_watch(watch.as_mut_ptr(), addr.as_const_ptr().cast()) };
        if ret != 0 {
            return Err(EFAULT);
        }
        // SAFETY: The helper returned 0, so it wrote every field, and any value of an integer
        // is valid.
        Ok(unsafe { watch.assume_init() })
    }
}
