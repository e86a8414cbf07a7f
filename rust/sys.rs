// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the kernel C APIs that Linux 7.3's `kernel` crate does not cover.
//!
//! Every `unsafe` block of rinotify lives below this module but one: the crate root creates
//! the event cache, whose soundness rests on the module's teardown order, which only the
//! crate root knows. Each file here is one C facility with a safe API, written the way an
//! upstream abstraction would be. The inotify logic in the rest of the crate uses only these
//! and the `kernel` crate.

mod bindings;
pub(crate) mod debugfs;
pub(crate) mod dir;
pub(crate) mod fasync;
pub(crate) mod fifo;
pub(crate) mod fsnotify;
pub(crate) mod inotify_limits;
pub(crate) mod kmem;
pub(crate) mod memcg;
pub(crate) mod miscdevice;
pub(crate) mod once;
pub(crate) mod path;
pub(crate) mod rights;
pub(crate) mod sched;
pub(crate) mod security;
pub(crate) mod seq_file;
pub(crate) mod sysctl;
pub(crate) mod uaccess;
pub(crate) mod uapi;
pub(crate) mod user_ns;
pub(crate) mod waitq;
pub(crate) mod xarray;

use kernel::{
    ffi::c_int,
    prelude::*, //
};

/// `kernel::error::to_result()`, inlined: the kernel crate's is a call even on success, and
/// an add makes three (the look-up, the permission check, the mark's attach).
#[inline(always)]
fn to_result(ret: c_int) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

/// The inotify ABI constants, from `<linux/inotify.h>`, and rinotify's own, from
/// `include/uapi/linux/rinotify.h`, through bindgen.
pub(crate) mod abi {
    /// The bits of the records a tree watch queues itself, which no fsnotify event of an
    /// inotify mask carries.
    pub(crate) const TREE_RECORDS: u32 = RIN_WATCHED | RIN_RESCAN;

    pub(crate) use super::bindings::{
        FS_EVENT_ON_CHILD,
        IN_ALL_EVENTS,
        IN_CREATE,
        IN_DELETE_SELF,
        IN_DONT_FOLLOW,
        IN_EXCL_UNLINK,
        IN_IGNORED,
        IN_ISDIR,
        IN_MASK_ADD,
        IN_MASK_CREATE,
        IN_MOVED_FROM,
        IN_MOVED_TO,
        IN_MOVE_SELF,
        IN_ONESHOT,
        IN_ONLYDIR,
        IN_Q_OVERFLOW,
        IN_UNMOUNT,
        RINOTIFY_ALL_INOTIFY_BITS as ALL_INOTIFY_BITS,
        RINOTIFY_INOTIFY_IOC_SETNEXTWD as INOTIFY_IOC_SETNEXTWD,
        RINOTIFY_OPEN_FLAGS_OK as OPEN_FLAGS_OK, //
        RIN_RESCAN,
        RIN_WATCHED,
    };
}
