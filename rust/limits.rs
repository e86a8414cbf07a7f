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
    inotify_limits::InotifyLimits,
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

/// `max_user_instances`; inotify's default, set at module load to inotify's value (see
/// [`init_defaults_from_inotify`]).
pub(crate) static MAX_USER_INSTANCES: Atomic<i32> = Atomic::new(128);
/// `max_user_watches`; set at module load to inotify's value, or, in a kernel without
/// inotify, the way inotify computes its default ([`init_default_watches`]).
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

/// The default of `max_user_watches` as `inotify_user_setup()` computes it at boot: 1% of
/// `low_pages` pages of low memory (RAM not in highmem), in bytes, divided by what a watch can
/// pin (`watch_cost` bytes: its mark and two inodes), between 8192 and 1048576. The pages are
/// divided by 100 before they are turned into bytes, as inotify does: the result is inotify's
/// to the watch, not only to the percent.
pub(crate) fn default_max_watches(low_pages: u64, page_shift: u32, watch_cost: usize) -> i32 {
    let bytes = (low_pages / 100) << page_shift;
    // The clamp's bounds fit in an `i32`.
    (bytes / watch_cost as u64).clamp(8192, 1048576) as i32
}

/// Takes inotify's per-user limits as rinotify's defaults, so that a user may hold as many
/// instances and watches of rinotify as of inotify.
///
/// inotify's `max_user_watches` is computed at boot ([`default_max_watches`]), before the
/// kernel frees its init memory and the initramfs; a module loads after, and the same formula
/// then gives more watches. Only the value inotify holds is inotify's default on every kernel.
/// It is also what root may have written to `/proc/sys/fs/inotify/` before the load: rinotify
/// then starts with those limits too.
pub(crate) fn init_defaults_from_inotify(inotify: &InotifyLimits) {
    MAX_USER_INSTANCES.store(inotify.max_user_instances, Relaxed);
    MAX_USER_WATCHES.store(inotify.max_user_watches, Relaxed);
}

/// Sets `max_user_watches` to its default for `low_pages` pages of low memory, where there is
/// no inotify to take it from: what inotify would have computed, had it been built in.
pub(crate) fn init_default_watches(low_pages: u64, page_shift: u32, watch_cost: usize) -> i32 {
    let max = default_max_watches(low_pages, page_shift, watch_cost);
    MAX_USER_WATCHES.store(max, Relaxed);
    max
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

#[kernel::macros::kunit_tests(rinotify_limits)]
mod tests {
    use super::default_max_watches;

    /// A 4 KiB-page machine with `mib` MiB of low memory.
    fn pages(mib: u64) -> u64 {
        mib << (20 - 12)
    }

    #[test]
    fn small_memory_gets_the_minimum() {
        assert_eq!(default_max_watches(pages(512), 12, 1400), 8192);
        assert_eq!(default_max_watches(0, 12, 1400), 8192);
    }

    #[test]
    fn large_memory_gets_the_maximum() {
        assert_eq!(default_max_watches(pages(1 << 20), 12, 1400), 1048576);
    }

    #[test]
    fn pages_are_divided_before_they_become_bytes() {
        // 2 GiB: 524288 pages, 5242 after the division (88 pages dropped), 21471232 bytes;
        // dividing the bytes instead would give 21474836 and 15339 watches.
        assert_eq!(default_max_watches(pages(2048), 12, 1400), 15336);
        // 16 KiB pages: the same RAM in a quarter of the pages, 1310 after the division.
        assert_eq!(default_max_watches(pages(2048) / 4, 14, 1400), 15330);
    }
}
