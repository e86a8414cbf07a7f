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
//! misc_mtx                          (misc_open() holds it across Instance::open, which
//!   Accounts::users                  charges the instance to its user's chain of
//!                                    (user namespace, uid) counts)
//!
//! Listener::update                  (the watcher's calls that add, change or remove
//!   fsnotify group->mark_mutex       watches: add_watch, add_tree, rm_watch, SETNEXTWD,
//!   Listener::watches                fdinfo, prune; inside fsnotify_find_mark/add_mark/
//!   Listener::trees                  destroy_mark; the XArrays' spinlocks: the trees'
//!                                    rights and their nodes, see tree/nodes.rs)
//!
//! fsnotify group->mark_mutex        (release, once no watch can be added: finding and
//!                                    removing the marks; an IN_ONESHOT watch removed
//!                                    by its event, as in inotify)
//!
//! Listener::queue                   (event queue; a spinlock)
//! Accounts::users                   (per-(namespace, uid) counts: at most 34 levels
//!                                    walked under it, nothing allocated; the debugfs file
//!                                    copies 32 users at a time under it, prints after)
//! ```
//!
//! `misc_mtx` is the misc core's global mutex: every `open()` of every misc device in the
//! system waits for it, so what `Instance::open` does under it is short: four small
//! allocations, the per-user charge (at most 34 levels; the memory of new levels allocated
//! with `Accounts::users` released), no fsnotify lock, no user memory (see docs/design.md,
//! "What `open()` does under `misc_mtx`").
//!
//! A tree's directory created or moved in is watched by `tree::follow` in the task that
//! made it, with the VFS inode locks of that operation held, inside fsnotify's SRCU read
//! section. That task must never wait for the watcher, who holds `Listener::update` across
//! work it chooses the length of. So `follow` only tries `Listener::update` (a try-lock
//! orders nothing: it cannot deadlock, and lockdep records no dependency for it) and
//! reports `RIN_RESCAN` when it is taken; and the watcher's calls take the group's
//! `mark_mutex`, which `follow` then takes for `fsnotify_add_mark()`, only under
//! `Listener::update`, so that with it `follow` waits for nothing of the watcher's.
//!
//! `Listener::update` is never held while a directory is read or a path looked up (a
//! tree's crawl reads each directory before it takes the lock for the directory's watch),
//! so that no inode lock is taken under it.
//!
//! `Listener::queue`, `Listener::watches`, `Listener::trees` (each of its two XArrays) and
//! `Accounts::users` are leaves, held for a bounded number of steps: no other lock is taken, no fsnotify function called and no user memory touched
//! while one is held, and they are never held together. fsnotify calls
//! `GroupOps::handle_event` and `GroupOps::freeing_mark` with none of its locks held but
//! possibly with VFS inode locks held; they take only the leaves, and `follow` what is said
//! above. A mark reference is never put under a spinlock, since the last put may sleep.

use kernel::{
    prelude::*,
    sync::Arc, //
};

mod event;
mod instance;
mod limits;
mod listener;
mod queue;
mod request;
mod sys;
mod tree;
mod watch;

use instance::{
    Instance,
    InstanceContext, //
};
use limits::Accounts;
use sys::{
    debugfs::DebugfsFile,
    fsnotify::{
        Fsnotify,
        WATCH_COST, //
    },
    kmem::KmemCacheRegistration,
    miscdevice::{
        MiscDeviceOptions,
        MiscDeviceRegistration, //
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
/// order: no debugfs file, no new files, no sysctls, then every mark and group freed, then
/// the caches.
#[pin_data]
struct RinotifyModule {
    /// `/sys/kernel/debug/rinotify/users`, mode 0400: the per-user counts, for tests.
    _users: DebugfsFile<Accounts>,
    /// `/dev/rinotify`, mode 0666: anyone may open it, as anyone may call `inotify_init1()`.
    #[pin]
    device: MiscDeviceRegistration<Instance>,
    _sysctl: SysctlRegistration,
    /// The mark cache: dropped here, it waits for fsnotify to have finished freeing groups;
    /// the cache itself goes with the last group or reference to it.
    fsnotify: Fsnotify,
    _event_cache: KmemCacheRegistration,
    /// The per-user counts that open files and the debugfs file share.
    accounts: Arc<Accounts>,
    /// Checked first: see [`check_security_policy`].
    _security: (),
}

/// Refuses to load where rinotify would bypass a security policy.
///
/// `inotify_add_watch()` asks the LSMs, through `security_path_notify()`, whether the caller
/// may watch a path; SELinux is the one LSM with that hook (its `watch` permissions). The
/// function is not exported to modules, so under SELinux rinotify would let users watch
/// what the policy forbids them to: better not to load. What counts is whether SELinux is
/// active, not whether it is built in: distribution kernels build it in beside AppArmor and
/// enable one of the two. It is active from boot on, so the answer cannot change later; a
/// policy loaded after rinotify would be bypassed just the same, so an active SELinux without
/// a policy is refused too.
fn check_security_policy() -> Result {
    if sys::security::selinux_active() {
        pr_err!("SELinux is active, and its watch permissions cannot be checked by a module (security_path_notify() is not exported): not loading; use inotify, or boot with another LSM (lsm=, security=)\n");
        return Err(EPERM);
    }
    Ok(())
}

impl kernel::InPlaceModule for RinotifyModule {
    fn init(_module: &'static ThisModule) -> impl PinInit<Self, Error> {
        // The defaults, and what they came from, so that they can be checked against
        // inotify's: see `limits::init_defaults_from_inotify`.
        if let Some(inotify) = sys::inotify_limits::inotify_limits() {
            limits::init_defaults_from_inotify(&inotify);
            pr_info!(
                "max_user_watches defaults to {}, max_user_instances to {}: inotify's current limits\n",
                inotify.max_user_watches,
                inotify.max_user_instances
            );
        } else {
            let low_pages = sys::kmem::low_memory_pages();
            let page_shift = kernel::page::PAGE_SHIFT as u32;
            let watches = limits::init_default_watches(low_pages, page_shift, WATCH_COST);
            pr_info!(
                "max_user_watches defaults to {watches}: 1% of {low_pages} pages of low memory, {WATCH_COST} bytes per watch, as inotify computes it (no inotify in this kernel)\n"
            );
        }
        try_pin_init!(Self {
            _security: check_security_policy()?,
            accounts: Arc::pin_init(Accounts::new(), GFP_KERNEL)?,
            // SAFETY: Events live in the queues of `Listener`s, which fsnotify frees with
            // their groups; `fsnotify`, dropped before this, waits for the last of them, and
            // events are allocated only for live groups.
            _event_cache: unsafe { event::EVENT_CACHE.create(c"rinotify_event_cache")? },
            fsnotify: Fsnotify::new()?,
            _sysctl: SysctlRegistration::register(c"fs/rinotify", &limits::SYSCTLS)?,
            device <- MiscDeviceRegistration::register(
                MiscDeviceOptions {
                    name: c"rinotify",
                    mode: 0o666,
                },
                InstanceContext {
                    accounts: accounts.clone(),
                    fsnotify: fsnotify.new_ref(),
                },
            ),
            _users: DebugfsFile::new(c"rinotify", c"users", accounts.clone()),
        })
    }
}
