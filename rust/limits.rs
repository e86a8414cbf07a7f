// SPDX-License-Identifier: GPL-2.0

//! The limits of `/proc/sys/fs/rinotify/` and their per-user accounting.
//!
//! As inotify's, the limits are per user (the effective uid that created the instance) and
//! apply to root too: `max_user_instances` instances (`EMFILE` beyond), `max_user_watches`
//! watches (`ENOSPC` beyond), and `max_queued_events` events in the queue of each new
//! instance. inotify counts in ucounts, which are not exported to modules; these counters
//! are the module's own, kept as ucounts are: per (user namespace, uid), each instance and
//! watch charged up the chain of namespace owners to the initial namespace, where these
//! sysctls are the maxima, each other level against its namespace's own
//! (`/proc/sys/user/max_inotify_*` in it).

use crate::sys::{
    inotify_limits::InotifyLimits,
    once::ReadOnce,
    sysctl::{
        IntSysctl,
        SysctlTable, //
    },
    user_ns::{
        Count,
        UserNs, //
    },
};
use core::mem::MaybeUninit;
use kernel::{
    cred::Credential,
    debugfs::Writer,
    fmt,
    new_mutex,
    prelude::*,
    rbtree::{
        RBTree,
        RBTreeNodeReservation, //
    },
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex,
        UniqueArc, //
    }, //
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

/// Where a count is kept: its namespace's level (the initial namespace's users first), the
/// namespace's identity, the uid (global).
type Key = (u32, usize, u32);

/// The most levels a chain has: the initial namespace and 33 nested below it (a namespace
/// of level 33 can have no children: `create_user_ns()` refuses them `EUSERS`).
const MAX_LEVELS: usize = 34;

/// What one uid holds in one user namespace, counted as inotify's ucounts count it: the
/// instances made by tasks of that namespace whose effective uid it is, with their watches,
/// and everything charged in the namespaces below it that the uid owns (created), at any
/// depth. Lives while the count of instances is not zero.
pub(crate) struct UserCounts {
    /// The namespace; its reference keeps the key's identity unique.
    ns: UserNs,
    /// The effective uid, global (a `kuid_t`).
    uid: u32,
    /// Instances; changed under [`Accounts::users`].
    instances: Atomic<i32>,
    /// Watches, in all of the instances counted here.
    watches: Atomic<i32>,
    /// The next level up, `None` in the initial namespace: the counts of the namespace's
    /// owner in the parent namespace, which are charged with these.
    up: Option<Arc<UserCounts>>,
}

impl UserCounts {
    /// Where these counts are kept in [`Accounts::users`].
    fn key(&self) -> Key {
        key(&self.ns, self.uid)
    }

    /// These counts, then every level up to the initial namespace's.
    fn levels(&self) -> impl Iterator<Item = &UserCounts> {
        core::iter::successors(Some(self), |level| level.up.as_deref())
    }

    /// The counter of `count`.
    fn counter(&self, count: Count) -> &Atomic<i32> {
        match count {
            Count::Instances => &self.instances,
            Count::Watches => &self.watches,
        }
    }

    /// The most of `count` this level may hold: in the initial namespace the sysctl of
    /// `/proc/sys/fs/rinotify/`, which stands in for inotify's own there; in another, the
    /// namespace's own maximum, as `inc_ucount()` reads it.
    fn max(&self, count: Count) -> i32 {
        if self.up.is_some() {
            return self.ns.max(count);
        }
        match count {
            Count::Instances => MAX_USER_INSTANCES.read_once(),
            Count::Watches => MAX_USER_WATCHES.read_once(),
        }
    }

    /// Counts one more of `count` at every level, each below its own maximum, as
    /// `inc_ucount()` does; if a level is full, undoes the levels below it and fails.
    fn charge(&self, count: Count) -> bool {
        for (charged, level) in self.levels().enumerate() {
            if !inc_below(level.counter(count), level.max(count)) {
                for undone in self.levels().take(charged) {
                    undone.counter(count).fetch_add(-1, Relaxed);
                }
                return false;
            }
        }
        true
    }

    /// Counts one more watch, unless a level holds its maximum already (`ENOSPC`).
    pub(crate) fn charge_watch(&self) -> Result {
        if self.charge(Count::Watches) {
            Ok(())
        } else {
            Err(ENOSPC)
        }
    }

    /// Counts one watch less, at every level.
    pub(crate) fn release_watch(&self) {
        for level in self.levels() {
            level.watches.fetch_add(-1, Relaxed);
        }
    }
}

/// Adds one to `counter` if it is below `max`, as `atomic_long_inc_below()` does.
fn inc_below(counter: &Atomic<i32>, max: i32) -> bool {
    let mut cur = counter.read_once();
    loop {
        if cur >= max {
            return false;
        }
        match counter.cmpxchg(cur, cur + 1, Relaxed) {
            Ok(_) => return true,
            Err(seen) => cur = seen,
        }
    }
}

/// Where the counts of `uid` in `ns` are kept.
fn key(ns: &UserNs, uid: u32) -> Key {
    (ns.level(), ns.id(), uid)
}

/// The memory for the counts of one level, allocated before [`Accounts::users`] is taken.
struct Spare {
    /// The counts.
    counts: UniqueArc<MaybeUninit<UserCounts>>,
    /// Their node in [`Accounts::users`].
    node: RBTreeNodeReservation<Key, Arc<UserCounts>>,
}

impl Spare {
    /// The memory for one level.
    fn new() -> Result<Self> {
        Ok(Self {
            counts: UniqueArc::new_uninit(GFP_KERNEL)?,
            node: RBTreeNodeReservation::new(GFP_KERNEL)?,
        })
    }
}

/// The counts of every (user namespace, uid) that holds instances.
#[pin_data]
pub(crate) struct Accounts {
    /// By key: `open()` finds its user in O(log users) under `misc_mtx` (see the lock
    /// order); nothing is allocated under this lock, and no critical section walks more than
    /// [`MAX_LEVELS`] levels or, in the debugfs file, [`SHOW_BATCH`] users.
    #[pin]
    users: Mutex<RBTree<Key, Arc<UserCounts>>>,
}

/// What the debugfs file copies of one user's counts under [`Accounts::users`].
#[derive(Clone, Copy)]
struct Line {
    /// The namespace's level, 0 for the initial namespace.
    level: u32,
    /// The namespace's inode number.
    inum: u32,
    /// The uid, global.
    uid: u32,
    /// The instances counted.
    instances: i32,
    /// The watches counted.
    watches: i32,
}

/// The most users the debugfs file copies in one critical section.
const SHOW_BATCH: usize = 32;

impl Accounts {
    /// No user holds anything.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            users <- new_mutex!(RBTree::new(), "Accounts::users"),
        })
    }

    /// Counts a new instance for the task whose credentials are `cred`, as `inotify_init1()`
    /// charges it with `inc_ucount()`: to (its user namespace, its effective uid), and to the
    /// owner of each namespace up the chain in the namespace's parent, each level against its
    /// own maximum (`EMFILE` if one holds it already).
    pub(crate) fn charge_instance(&self, cred: &Credential) -> Result<Arc<UserCounts>> {
        let ns = UserNs::of_cred(cred);
        let uid = cred.euid().into_raw().val;
        let mut spares = KVec::new();
        loop {
            let mut users = self.users.lock();
            let user = match chain(&mut users, &ns, uid, &mut spares) {
                Ok(user) => user,
                Err(missing) if missing > MAX_LEVELS => return Err(EMFILE),
                Err(missing) => {
                    // The levels missing are made with memory allocated unlocked; another
                    // task may have made them meanwhile, which the next look finds.
                    drop(users);
                    while spares.len() < missing {
                        spares.push(Spare::new()?, GFP_KERNEL)?;
                    }
                    continue;
                }
            };
            if user.charge(Count::Instances) {
                return Ok(user);
            }
            // Levels made for this instance hold nothing: forget them. `user` holds them,
            // so they are freed when it is dropped, after the lock.
            forget_empty(&mut users, &user);
            drop(users);
            return Err(EMFILE);
        }
    }

    /// Counts an instance of `user` less, at every level; forgets the levels that hold no
    /// instance any more.
    pub(crate) fn release_instance(&self, user: &UserCounts) {
        let mut users = self.users.lock();
        for level in user.levels() {
            level.instances.fetch_add(-1, Relaxed);
        }
        forget_empty(&mut users, user);
    }
}

/// The counts of `uid` in `ns`, with every level up to the initial namespace's: those
/// missing are made from `spares`, or, if there are too few, the number of levels missing.
fn chain(
    users: &mut RBTree<Key, Arc<UserCounts>>,
    ns: &UserNs,
    uid: u32,
    spares: &mut KVec<Spare>,
) -> core::result::Result<Arc<UserCounts>, usize> {
    // Up from (ns, uid) to the first level that exists.
    let mut missing: [Option<(UserNs, u32)>; MAX_LEVELS] = core::array::from_fn(|_| None);
    let mut count = 0;
    let mut found = None;
    let mut level = Some((ns.clone(), uid));
    while let Some((ns, uid)) = level.take() {
        if let Some(counts) = users.get(&key(&ns, uid)) {
            found = Some(counts.clone());
            break;
        }
        level = ns.parent().map(|parent| (parent, ns.owner()));
        match missing.get_mut(count) {
            Some(slot) => *slot = Some((ns, uid)),
            // Deeper than namespaces nest: never.
            None => return Err(MAX_LEVELS + 1),
        }
        count += 1;
    }
    if spares.len() < count {
        return Err(count);
    }
    // Down from there, each level made with the one above it.
    let mut up = found;
    for (ns, uid) in missing[..count].iter_mut().rev().filter_map(Option::take) {
        let Some(spare) = spares.pop() else {
            return Err(count);
        };
        let counts: Arc<UserCounts> = spare
            .counts
            .write(UserCounts {
                ns,
                uid,
                instances: Atomic::new(0),
                watches: Atomic::new(0),
                up: up.take(),
            })
            .into();
        let _ = users.insert(spare.node.into_node(counts.key(), counts.clone()));
        up = Some(counts);
    }
    up.ok_or(1)
}

/// Forgets the levels of `user` that hold no instance. What they hold is freed when the last
/// reference to `user` goes, which the caller has.
fn forget_empty(users: &mut RBTree<Key, Arc<UserCounts>>, user: &UserCounts) {
    for level in user.levels() {
        if level.instances.load(Relaxed) == 0 {
            // Marks are freed before their group, and the group before its listener gives
            // the instance back: the last instance leaves no watch behind.
            kernel::warn_on!(level.watches.load(Relaxed) != 0);
            let _ = users.remove(&level.key());
        }
    }
}

impl Writer for Accounts {
    /// One line `uid:<uid> instances:<n> watches:<n>` per uid that holds an instance in the
    /// initial user namespace, then the same with ` userns:<level>:<inode>` for each (user
    /// namespace, uid) below it (the uid is global); empty when nothing is held. The lock is
    /// taken once per [`SHOW_BATCH`] users: the lines of different batches may be of
    /// different moments.
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut from = Some((0, 0, 0));
        while let Some(start) = from.take() {
            let mut lines = [None::<Line>; SHOW_BATCH];
            {
                let users = self.users.lock();
                let mut next = Some(start);
                for line in lines.iter_mut() {
                    let Some(cursor) = next.and_then(|key| users.cursor_lower_bound(&key)) else {
                        next = None;
                        break;
                    };
                    let (_, user) = cursor.current();
                    *line = Some(Line {
                        level: user.ns.level(),
                        inum: user.ns.inum(),
                        uid: user.uid,
                        instances: user.instances.load(Relaxed),
                        watches: user.watches.load(Relaxed),
                    });
                    next = cursor.peek_next().map(|(key, _)| *key);
                }
                from = next;
            }
            for line in lines.iter().flatten() {
                write!(
                    f,
                    "uid:{} instances:{} watches:{}",
                    line.uid, line.instances, line.watches
                )?;
                if line.level != 0 {
                    write!(f, " userns:{}:{}", line.level, line.inum)?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
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
