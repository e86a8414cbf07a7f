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

/// One watch: its mark, and when it was added (fdinfo lists the newest first).
pub(crate) struct Watch {
    /// The fsnotify mark; the table's reference to it.
    pub(crate) mark: WatchMark,
    /// Order of creation within the instance.
    pub(crate) seq: u64,
}

/// The watches of an instance, as inotify's idr: descriptors are allocated cyclically from
/// 1 to `i32::MAX`, so a removed descriptor comes back only after the counter wraps.
pub(crate) struct WatchTable {
    watches: RBTree<i32, Watch>,
    /// Where the search for the next free descriptor starts (`idr_next`), 1 to `2^31`.
    cursor: u32,
    /// Creation counter for [`Watch::seq`].
    created: u64,
}

impl WatchTable {
    /// An empty table; the first descriptor is 1.
    pub(crate) fn new() -> Self {
        Self {
            watches: RBTree::new(),
            cursor: 1,
            created: 0,
        }
    }

    /// Picks the descriptor for a new watch (`idr_alloc_cyclic(idr, .., 1, 0)`): the lowest
    /// free one from the cursor up, or from 1 if there is none up to `i32::MAX`. Moves the
    /// cursor past it.
    pub(crate) fn allocate_wd(&mut self) -> Result<i32> {
        let wd = self.free_from(self.cursor).or_else(|| self.free_from(1)).ok_or(ENOSPC)?;
        self.cursor = wd as u32 + 1;
        Ok(wd)
    }

    fn free_from(&self, start: u32) -> Option<i32> {
        let mut wd = i32::try_from(start).ok()?;
        while self.watches.get(&wd).is_some() {
            wd = wd.checked_add(1)?;
        }
        Some(wd)
    }

    /// Makes `wd` the next descriptor tried (`INOTIFY_IOC_SETNEXTWD`).
    pub(crate) fn set_cursor(&mut self, wd: i32) {
        self.cursor = wd.max(1) as u32;
    }

    /// Adds the watch of `mark` under its descriptor, in the node reserved for it. Returns the
    /// mark if it died before it got here (its `freeing_mark` found no watch to remove).
    pub(crate) fn insert(&mut self, mark: WatchMark, node: RBTreeNodeReservation<i32, Watch>) -> Option<WatchMark> {
        let wd = mark.wd();
        if wd == -1 {
            return Some(mark);
        }
        self.created += 1;
        let seq = self.created;
        self.watches.insert(node.into_node(wd, Watch { mark, seq }));
        None
    }

    /// Removes the watch with descriptor `wd`.
    pub(crate) fn remove(&mut self, wd: i32) -> Option<Watch> {
        self.watches.remove(&wd)
    }

    /// Removes the watch of `mark` if the table has it.
    pub(crate) fn remove_mark(&mut self, mark: &Mark) -> Option<Watch> {
        let wd = mark.wd();
        match self.watches.get(&wd) {
            Some(w) if core::ptr::eq::<Mark>(&*w.mark, mark) => self.watches.remove(&wd),
            _ => None,
        }
    }

    /// Removes and returns some watch, for tearing the table down.
    pub(crate) fn pop(&mut self) -> Option<Watch> {
        let wd = *self.watches.keys().next()?;
        self.watches.remove(&wd)
    }

    /// Every watch, in descriptor order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Watch> {
        self.watches.values()
    }
}
