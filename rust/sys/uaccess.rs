// SPDX-License-Identifier: GPL-2.0

//! Writing one small value to user space.
//!
//! C header: [`include/linux/uaccess.h`](srctree/include/linux/uaccess.h).
//!
//! The `kernel` crate's [`UserSliceWriter`](kernel::uaccess::UserSliceWriter) copies with
//! `copy_to_user()`, out of line and sized at run time, whatever the size; `put_user()`
//! writes one value of a fixed size with a single store. A batch writes one `int` of result
//! per entry, twice: the first time for a whole chunk of entries in one pass, the second a
//! store each.

use super::bindings::{
    rinotify_put_user_s32,
    rinotify_put_user_s32_strided, //
};
use kernel::{
    prelude::*,
    uaccess::UserPtr, //
};

/// Writes `value` to the `int` at user address `addr` (`put_user()`); `EFAULT` if it cannot
/// be written there.
pub(crate) fn put_user_i32(addr: UserPtr, value: i32) -> Result {
    // SAFETY: `put_user()` checks that the address is a user one (`access_ok()`) and handles
    // a fault on it, for any address.
    let ret = unsafe { rinotify_put_user_s32(addr.as_mut_ptr().cast(), value) };
    // `put_user()` fails with `EFAULT` alone: tested here, where `to_result()` is a call.
    if ret != 0 {
        return Err(EFAULT);
    }
    Ok(())
}

/// Writes `value` to the `n` `int`s at user addresses `first`, `first + stride`, and so on,
/// in one pass (`unsafe_put_user()` in one user access section): how many of them, from the
/// first, were written before one could not be; none if the range is not a user one.
pub(crate) fn put_user_i32_strided(first: UserPtr, stride: usize, n: u32, value: i32) -> u32 {
    // SAFETY: The helper checks that the whole range is a user one (`access_ok()`) before it
    // writes, and handles a fault on any address in it.
    unsafe { rinotify_put_user_s32_strided(first.as_mut_ptr().cast(), stride, n, value) }
}
