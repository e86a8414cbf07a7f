// SPDX-License-Identifier: GPL-2.0

//! rinotify: Linux's inotify as a loadable module written in Rust.
//!
//! Each `open()` of `/dev/rinotify` is one inotify instance, what `inotify_init1()` returns;
//! ioctls stand in for `inotify_add_watch()` and `inotify_rm_watch()`, and `read()` returns
//! `struct inotify_event` records byte for byte as inotify does. The ABI is
//! `include/uapi/linux/rinotify.h`.
//!
//! # Lock order
//!
//! ```text
//! Instance::update                  (add_watch: find, create or update a watch; the
//!                                    descriptor allocator)
//!   fsnotify group->mark_mutex      (inside fsnotify_find_mark/add_mark/destroy_mark)
//!   Listener::watches               (descriptor table: an XArray and its spinlock)
//!
//! fsnotify group->mark_mutex        (show_fdinfo: printing the marks; release: finding
//!                                    the marks left)
//!
//! Listener::queue                   (event queue; a spinlock)
//! Accounts::users                   (per-user counters)
//! ```
//!
//! `Listener::queue`, `Listener::watches` and `Accounts::users` are leaves: no other lock is
//! taken, no fsnotify function called and no user memory touched while one is held, and they
//! are never held together. fsnotify calls `GroupOps::handle_event` and
//! `GroupOps::freeing_mark` with none of its locks held but possibly with VFS inode locks
//! held; they take only the leaves. A mark reference is never put under a spinlock, since
//! the last put may sleep. The XArray lets go of its lock while it allocates a node.

use kernel::{
    prelude::*,
    sync::Arc, //
};

mod event;
mod instance;
mod limits;
mod queue;
mod sys;
mod watch;

use instance::Instance;
use limits::Accounts;
use sys::{
    chardev::MiscRegistration,
    fsnotify::{
        Fsnotify,
        WATCH_COST, //
    },
    sysctl::SysctlRegistration,
};

module! {
    type: RinotifyModule,
    name: "rinotify",
    authors: ["The rinotify developers"],
    description: "inotify as a character device, in Rust",
    license: "GPL",
}

/// The loaded module. Its fields are dropped in order at unload, which is the teardown
/// order: no new files, no sysctls, then every mark and group freed, then the mark cache.
#[pin_data]
struct RinotifyModule {
    /// `/dev/rinotify`, mode 0666: anyone may open it, as anyone may call `inotify_init1()`.
    #[pin]
    device: MiscRegistration<Instance>,
    _sysctl: SysctlRegistration,
    _fsnotify: Fsnotify,
}

impl kernel::InPlaceModule for RinotifyModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        limits::init_default_watches(sys::kmem::low_memory_bytes(), WATCH_COST);
        try_pin_init!(Self {
            _fsnotify: Fsnotify::new()?,
            _sysctl: SysctlRegistration::register(c"fs/rinotify", &limits::SYSCTLS)?,
            device <- MiscRegistration::register(
                c"rinotify",
                0o666,
                Arc::pin_init(Accounts::new(), GFP_KERNEL)?,
            ),
        })
    }
}
