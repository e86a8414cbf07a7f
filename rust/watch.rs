// SPDX-License-Identifier: GPL-2.0

//! An instance's watches by watch descriptor, and how descriptors are handed out.

use crate::sys::fsnotify::{
    Mark,
    WatchMark, //
};
use kernel::{
    prelude::*,
    rbtree::{
        RBTree,
        RBTreeNodeReservation, //
    },
};

/// One watch: its mark.
pub(crate) struct Watch {
    /// The fsnotify mark; the table's reference to it. `None` once `rm_watch` has taken the
    /// reference to destroy the mark: the descriptor stays taken until the mark's
    /// `freeing_mark` has queued `IN_IGNORED` and removed the watch, as inotify keeps it in
    /// its idr until `inotify_freeing_mark()`.
    pub(crate) mark: Option<WatchMark>,
    /// The address of the mark, which identifies it while `mark` is `None`. The mark lives
    /// until its watch is removed: `freeing_mark` removes it before the last reference goes.
    id: usize,
}

/// What [`WatchTable::take_for_removal`] found.
pub(crate) enum Removal {
    /// The watch's mark, to be destroyed by the caller.
    Destroy(WatchMark),
    /// Another `rm_watch` is destroying the mark already.
    InProgress,
}

/// Hands out watch descriptors as inotify's `idr_alloc_cyclic(idr, .., 1, 0)` does: the
/// lowest free one from a cursor up to `i32::MAX`, else the lowest free one from 1; the
/// cursor then moves past it. A removed descriptor so comes back only after a wrap.
pub(crate) struct WdAllocator {
    /// Where the next search starts (`idr_next`), 1 to `2^31`.
    cursor: u32,
}

impl WdAllocator {
    /// The first descriptor is 1.
    pub(crate) const fn new() -> Self {
        Self { cursor: 1 }
    }

    /// A descriptor for which `in_use` is false, or `None` if all are taken.
    pub(crate) fn allocate(&mut self, in_use: impl Fn(i32) -> bool) -> Option<i32> {
        let wd = Self::free_from(self.cursor, &in_use).or_else(|| Self::free_from(1, &in_use))?;
        self.cursor = wd as u32 + 1;
        Some(wd)
    }

    fn free_from(start: u32, in_use: &impl Fn(i32) -> bool) -> Option<i32> {
        let mut wd = i32::try_from(start).ok()?;
        while in_use(wd) {
            wd = wd.checked_add(1)?;
        }
        Some(wd)
    }

    /// Makes `wd` (at least 1) the next descriptor tried (`INOTIFY_IOC_SETNEXTWD`).
    pub(crate) fn set_cursor(&mut self, wd: i32) {
        self.cursor = wd.max(1) as u32;
    }
}

/// The watches of an instance by descriptor.
pub(crate) struct WatchTable {
    watches: RBTree<i32, Watch>,
    wds: WdAllocator,
}

impl WatchTable {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self {
            watches: RBTree::new(),
            wds: WdAllocator::new(),
        }
    }

    /// Picks the descriptor for a new watch; `ENOSPC` if every one is taken.
    pub(crate) fn allocate_wd(&mut self) -> Result<i32> {
        let watches = &self.watches;
        self.wds
            .allocate(|wd| watches.get(&wd).is_some())
            .ok_or(ENOSPC)
    }

    /// Makes `wd` the next descriptor tried (`INOTIFY_IOC_SETNEXTWD`).
    pub(crate) fn set_cursor(&mut self, wd: i32) {
        self.wds.set_cursor(wd);
    }

    /// Adds the watch of `mark` under its descriptor, in the node reserved for it. Returns the
    /// mark if it died before it got here (its `freeing_mark` found no watch to remove).
    pub(crate) fn insert(
        &mut self,
        mark: WatchMark,
        node: RBTreeNodeReservation<i32, Watch>,
    ) -> Option<WatchMark> {
        let wd = mark.wd();
        if wd == -1 {
            return Some(mark);
        }
        let id = mark_id(&mark);
        let watch = Watch {
            mark: Some(mark),
            id,
        };
        self.watches.insert(node.into_node(wd, watch));
        None
    }

    /// Takes the mark of the watch with descriptor `wd` for `rm_watch` to destroy. The watch
    /// and its descriptor stay in the table until the mark's `freeing_mark` removes them.
    pub(crate) fn take_for_removal(&mut self, wd: i32) -> Option<Removal> {
        let watch = self.watches.get_mut(&wd)?;
        Some(match watch.mark.take() {
            Some(mark) => Removal::Destroy(mark),
            None => Removal::InProgress,
        })
    }

    /// Removes the watch of `mark` if the table has it.
    pub(crate) fn remove_mark(&mut self, mark: &Mark) -> Option<Watch> {
        let wd = mark.wd();
        match self.watches.get(&wd) {
            Some(w) if w.id == mark_id(mark) => self.watches.remove(&wd),
            _ => None,
        }
    }

    /// Removes and returns some watch, for tearing the table down.
    pub(crate) fn pop(&mut self) -> Option<Watch> {
        let wd = *self.watches.keys().next()?;
        self.watches.remove(&wd)
    }
}

/// The identity of a mark in the table: its address.
fn mark_id(mark: &Mark) -> usize {
    core::ptr::from_ref(mark) as usize
}

#[kernel::macros::kunit_tests(rinotify_wd)]
mod tests {
    use super::*;

    #[test]
    fn cyclic_and_not_reused_before_wrap() {
        let mut wds = WdAllocator::new();
        assert_eq!(wds.allocate(|_| false), Some(1));
        assert_eq!(wds.allocate(|_| false), Some(2));
        // 1 was removed: it is not handed out again before the cursor wraps.
        assert_eq!(wds.allocate(|wd| wd == 2), Some(3));
    }

    #[test]
    fn skips_descriptors_in_use() {
        let mut wds = WdAllocator::new();
        wds.set_cursor(10);
        assert_eq!(wds.allocate(|wd| (10..13).contains(&wd)), Some(13));
        assert_eq!(wds.allocate(|_| false), Some(14));
    }

    #[test]
    fn wraps_to_the_lowest_free() {
        let mut wds = WdAllocator::new();
        wds.set_cursor(i32::MAX);
        assert_eq!(wds.allocate(|_| false), Some(i32::MAX));
        assert_eq!(wds.allocate(|wd| wd < 4), Some(4));
        assert_eq!(wds.allocate(|_| false), Some(5));
    }
}
