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

use kernel::transmute::{
    AsBytes,
    FromBytes, //
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
