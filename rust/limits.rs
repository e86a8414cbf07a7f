// SPDX-License-Identifier: GPL-2.0

//! The limits of `/proc/sys/fs/rinotify/` and their per-user accounting.
//!
//! As inotify's, the limits are per user (the effective uid that created the instance) and
//! apply to root too: `max_user_instances` instances (`EMFILE` beyond), `max_user_watches`
//! watches (`ENOSPC` beyond), and `max_queued_events` events in the queue of each new
//! instance. inotify counts in ucounts, which are not exported to modules; these counters
//! are the module's own and, unlike ucounts, do not follow user namespaces.

use crate::sys::{
    debugfs::Show,
    sysctl::{
        IntSysctl,
        SysctlTable, //
    },
};
use kernel::{
    new_mutex,
    prelude::*,
    rbtree::RBTree,
    seq_file::{
        seq_print,
        SeqFile, //
    },
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
};

/// `max_user_instances`; inotify's default.
pub(crate) static MAX_USER_INSTANCES: Atomic<i32> = Atomic::new(128);
/// `max_user_watches`; set at module load the way inotify computes its default.
pub(crate) static MAX_USER_WATCHES: Atomic<i32> = Atomic::new(8192);
/// `max_queued_events`; inotify's default.
pub(crate) static MAX_QUEUED_EVENTS: Atomic<i32> = Atomic::new(16384);

static ZERO: c_int = 0;
static INT_MAX: c_int = c_int::MAX;

/// The table of `/proc/sys/fs/rinotify/`: the same names and ranges as inotify's.
pub(crate) static SYSCTLS: SysctlTable<3> = SysctlTable::new([
    IntSysctl {
        name: c"max_user_instances",
        value: &MAX_USER_INSTANCES,
        min: &ZERO,
        max: &INT_MAX,
    },
    IntSysctl {
        name: c"max_user_watches",
        value: &MAX_USER_WATCHES,
        min: &ZERO,
        max: &INT_MAX,
    },
    IntSysctl {
        name: c"max_queued_events",
        value: &MAX_QUEUED_EVENTS,
        min: &ZERO,
        max: &INT_MAX,
    },
]);

/// Sets `max_user_watches` as inotify does at boot: 1% of low memory divided by what a
/// watch can pin (its mark and two inodes), between 8192 and 1048576.
pub(crate) fn init_default_watches(low_memory_bytes: u64, watch_cost: usize) {
    let max = (low_memory_bytes / 100 / watch_cost as u64).clamp(8192, 1048576);
    MAX_USER_WATCHES.store(max as i32, Relaxed);
}

/// How much one user holds. Lives while the user has instances.
pub(crate) struct UserCounts {
    uid: u32,
    /// Instances; changed under [`Accounts::users`].
    instances: Atomic<i32>,
    /// Watches, in all of the user's instances.
    watches: Atomic<i32>,
}

impl UserCounts {
    /// Counts one more watch, unless the user holds `max_user_watches` already.
    pub(crate) fn charge_watch(&self) -> Result {
        let max = MAX_USER_WATCHES.load(Relaxed);
        let mut cur = self.watches.load(Relaxed);
        loop {
            if cur >= max {
                return Err(ENOSPC);
            }
            match self.watches.cmpxchg(cur, cur + 1, Relaxed) {
                Ok(_) => return Ok(()),
                Err(seen) => cur = seen,
            }
        }
    }

    /// Counts one watch less.
    pub(crate) fn release_watch(&self) {
        self.watches.fetch_add(-1, Relaxed);
    }
}

/// The users that hold instances.
#[pin_data]
pub(crate) struct Accounts {
    /// By uid: `open()` finds its user in O(log users) under `misc_mtx` (see the lock order).
    #[pin]
    users: Mutex<RBTree<u32, Arc<UserCounts>>>,
}

impl Accounts {
    /// No user holds anything.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            users <- new_mutex!(RBTree::new(), "Accounts::users"),
        })
    }

    /// Counts a new instance for `uid`, unless it holds `max_user_instances` already.
    pub(crate) fn charge_instance(&self, uid: u32) -> Result<Arc<UserCounts>> {
        let max = MAX_USER_INSTANCES.load(Relaxed);
        let mut users = self.users.lock();
        if let Some(user) = users.get(&uid) {
            if user.instances.load(Relaxed) >= max {
                return Err(EMFILE);
            }
            user.instances.fetch_add(1, Relaxed);
            return Ok(user.clone());
        }
        if max <= 0 {
            return Err(EMFILE);
        }
        let user = Arc::new(
            UserCounts {
                uid,
                instances: Atomic::new(1),
                watches: Atomic::new(0),
            },
            GFP_KERNEL,
        )?;
        users.try_create_and_insert(uid, user.clone(), GFP_KERNEL)?;
        Ok(user)
    }

    /// Counts an instance of `user` less; forgets the user when it has none left.
    pub(crate) fn release_instance(&self, user: &UserCounts) {
        let mut users = self.users.lock();
        if user.instances.fetch_add(-1, Relaxed) == 1 {
            // Marks are freed before their group, and the group before its listener gives
            // the instance back: the user's last instance leaves no watch behind.
            kernel::warn_on!(user.watches.load(Relaxed) != 0);
            let _ = users.remove(&user.uid);
        }
    }
}

impl Show for Accounts {
    /// One line `uid:<uid> instances:<n> watches:<n>` per user that holds an instance: the
    /// debugfs file `rinotify/users`, empty when nothing is held.
    fn show(&self, m: &SeqFile) {
        let users = self.users.lock();
        for user in users.values() {
            seq_print!(
                m,
                "uid:{} instances:{} watches:{}\n",
                user.uid,
                user.instances.load(Relaxed),
                user.watches.load(Relaxed)
            );
        }
    }
}
