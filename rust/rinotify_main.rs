// SPDX-License-Identifier: GPL-2.0

//! rinotify: Linux's inotify as a loadable module written in Rust.
//!
//! Each `open()` of `/dev/rinotify` is one inotify instance, what `inotify_init1()` returns;
//! ioctls stand in for `inotify_add_watch()` and `inotify_rm_watch()`, and `read()` returns
//! `struct inotify_event` records byte for byte as inotify does. The ABI is
//! `include/uapi/linux/rinotify.h`.

use kernel::prelude::*;

mod instance;
mod sys;

use instance::Instance;
use sys::chardev::MiscRegistration;

module! {
    type: RinotifyModule,
    name: "rinotify",
    authors: ["The rinotify developers"],
    description: "inotify as a character device, in Rust",
    license: "GPL",
}

/// The loaded module: owns the device node and everything that must outlive every instance.
#[pin_data]
struct RinotifyModule {
    /// `/dev/rinotify`, mode 0666: anyone may open it, as anyone may call `inotify_init1()`.
    #[pin]
    device: MiscRegistration<Instance>,
}

impl kernel::InPlaceModule for RinotifyModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            device <- MiscRegistration::register(c"rinotify", 0o666),
        })
    }
}
