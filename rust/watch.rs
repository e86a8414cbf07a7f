// SPDX-License-Identifier: GPL-2.0

//! An instance's watches by watch descriptor, and how descriptors are handed out.

use crate::sys::{
    fsnotify::{
        MarkRef,
        WatchMark, //
    },
    kmem::Gfp,
    xarray::CyclicXArray,
};
use kernel::prelude::*;

/// Where the search for a free descriptor starts (`idr_next` of inotify's IDR): 1 at first,
/// then past the last one handed out, or what `INOTIFY_IOC_SETNEXTWD` sets. A removed
/// descriptor so comes back only after a wrap.
pub(crate) struct WdCursor(u32);

impl WdCursor {
    /// The first descriptor is 1.
    pub(crate) const fn new() -> Self {
        Self(1)
    }

    /// Makes `wd` (at least 1) the next descriptor tried (`INOTIFY_IOC_SETNEXTWD`).
    pub(crate) fn set(&mut self, wd: i32) {
        self.0 = wd.max(1) as u32;
    }
}

/// The watches of an instance: a reference to the mark of each, by descriptor, in an XArray
/// that hands out the descriptors, as inotify keeps them in an IDR (a few bytes per watch,
/// O(log n) per descriptor whatever is in use).
///
/// A descriptor is taken before its mark is attached, as inotify puts a watch in its IDR
/// before `fsnotify_add_inode_mark_locked()`: no event can carry a descriptor `add_watch`
/// does not return. A watch leaves the table only when its mark's `freeing_mark` runs, after
/// its `IN_IGNORED` is queued, as inotify keeps a watch in its IDR until
/// `inotify_freeing_mark()`: its descriptor is not handed out again before. The XArray's
/// spinlock is a leaf lock: nothing is called under it, and it is released only while it
/// allocates for [`Watches::reserve`].
///
/// # Invariants
///
/// The entry at the descriptor of a mark whose descriptor is not -1 is that mark, or a
/// reservation while `add_watch` is between reserving the descriptor and filling it. A
/// mark's descriptor becomes -1 under the table's lock when its entry goes.
#[pin_data]
pub(crate) struct Watches {
    #[pin]
    marks: CyclicXArray<WatchMark>,
}

impl Watches {
    /// An empty table.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            marks <- CyclicXArray::new(),
        })
    }

    /// Takes a free descriptor, the first from `cursor` on (`idr_alloc_cyclic()`): it reads
    /// as empty until [`Watches::fill`] stores the watch. Fails with `ENOSPC` if every
    /// descriptor is taken.
    pub(crate) fn reserve(&self, cursor: &mut WdCursor) -> Result<i32> {
        let wd = self.marks.lock().reserve(&mut cursor.0, Gfp::KERNEL)?;
        // Reserved indices are at most `i32::MAX`.
        Ok(wd as i32)
    }

    /// Gives back a descriptor taken by [`Watches::reserve`] whose mark was not attached.
    pub(crate) fn release(&self, wd: i32) {
        let mut marks = self.marks.lock();
        let stored = marks.remove(index(wd));
        drop(marks);
        kernel::warn_on!(stored.is_some());
    }

    /// Stores the watch of `mark` under its reserved descriptor `wd`, unless the mark has died
    /// since it was attached (its `freeing_mark` removed the reservation): the watch is then
    /// left out.
    pub(crate) fn fill(&self, wd: i32, mark: WatchMark) {
        let mut marks = self.marks.lock();
        // `freeing_mark` marks the watch dead under this lock.
        let unused = if mark.wd() == -1 {
            Some(mark)
        } else {
            marks.fill(index(wd), mark).err()
        };
        drop(marks);
        // A live mark's reservation is there to be filled, without memory (type invariant).
        kernel::warn_on!(unused.as_ref().is_some_and(|m| m.wd() != -1));
        // Mark references are put outside the lock.
        drop(unused);
    }

    /// A new reference to the mark of the watch with descriptor `wd`.
    pub(crate) fn get(&self, wd: i32) -> Option<WatchMark> {
        if wd < 1 {
            return None;
        }
        self.marks.lock().get(index(wd)).map(WatchMark::from)
    }

    /// Removes the watch of `mark` if the table has it, and marks the watch dead: its
    /// events are not reported any more.
    pub(crate) fn remove_mark(&self, mark: MarkRef<'_>) -> Option<WatchMark> {
        let wd = mark.wd();
        let mut marks = self.marks.lock();
        // By the type invariant the entry at a live mark's descriptor is that mark or its
        // reservation: erasing needs no look-up first.
        let removed = if wd >= 1 {
            marks.remove(index(wd))
        } else {
            None
        };
        mark.clear_wd();
        drop(marks);
        kernel::warn_on!(removed.as_deref().is_some_and(|m| !mark.is(m)));
        removed
    }
}

/// The table index of descriptor `wd`; nothing is stored at index 0, where -1 (a dead
/// watch's) and other descriptors below 1 lead.
fn index(wd: i32) -> u32 {
    u32::try_from(wd).unwrap_or(0)
}
