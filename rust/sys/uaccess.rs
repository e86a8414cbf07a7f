// SPDX-License-Identifier: GPL-2.0

//! Writing one small value to user space.
//!
//! C header: [`include/linux/uaccess.h`](srctree/include/linux/uaccess.h).
//!
//! The `kernel` crate's [`UserSliceWriter`](kernel::uaccess::UserSliceWriter) copies with
//! `copy_to_user()`, out of line and sized at run time, whatever the size; `put_user()`
//! writes one value of a fixed size with a single store. A batch writes one `int` of result
//! per entry, twice: a store each is what it needs.

use super::bindings::rinotify_put_user_s32;
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
    kernel::error::to_result(ret)
}
