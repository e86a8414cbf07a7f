// SPDX-License-Identifier: GPL-2.0

//! An instance's watches by watch descriptor, and how descriptors are handed out.

use crate::sys::{
    fsnotify::{
        MarkRef,
        NewMark,
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
/// A watch's mark is stored, and its descriptor taken, before the mark is attached, as
/// `inotify_new_watch()` adds its mark to the IDR before `fsnotify_add_inode_mark_locked()`:
/// no event can carry a descriptor `add_watch` does not return. Until it is attached, the
/// watch is not found by descriptor. A watch leaves the table only when its mark's
/// `freeing_mark` runs, after its `IN_IGNORED` is queued, as inotify keeps a watch in its IDR
/// until `inotify_freeing_mark()`: its descriptor is not handed out again before. The XArray's
/// spinlock is a leaf lock: nothing is called under it, and it is released only while it
/// allocates for [`Watches::insert`].
///
/// # Invariants
///
/// The entry at a descriptor is the mark whose descriptor it is. A mark's descriptor becomes
/// -1 under the table's lock when its entry goes. Kept here alone: a mark's descriptor is
/// set or cleared only under the lock of a table of marks (`NewMark::set_wd` and
/// `Mark::clear_wd` take its guard), and this is the crate's only one.
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

    /// Stores the watch of `mark` under a free descriptor, the first from `cursor` on
    /// (`idr_alloc_cyclic()`), allocating with `gfp`, and gives the mark that descriptor.
    /// Fails with `ENOSPC` if every descriptor is taken.
    pub(crate) fn insert(&self, cursor: &mut WdCursor, mark: &NewMark, gfp: Gfp) -> Result<i32> {
        let mut marks = self.marks.lock();
        let stored = marks.alloc(mark.watch(), &mut cursor.0, gfp);
        // Indices are at most `i32::MAX`.
        let stored = stored.map(|index| {
            // INVARIANT: The entry's mark gets its descriptor under the lock.
            mark.set_wd(index as i32, &marks);
            index as i32
        });
        drop(marks);
        // A reference not stored is put outside the lock.
        stored.map_err(|unstored| unstored.error)
    }

    /// Takes out the watch of a mark that [`Watches::insert`] stored but that was never
    /// attached. An attached watch leaves only through its `freeing_mark`: it is left in
    /// place (with a warning), so that its user's count is given back once.
    pub(crate) fn remove_unattached(&self, wd: i32) {
        let mut marks = self.marks.lock();
        let attached = marks.get(index(wd)).map(|mark| mark.was_attached());
        let removed = match attached {
            Some(false) => marks.remove(index(wd)),
            _ => None,
        };
        if let Some(mark) = &removed {
            mark.clear_wd(&marks);
        }
        drop(marks);
        kernel::warn_on!(attached == Some(true));
        // The reference is put outside the lock.
        drop(removed);
    }

    /// A new reference to the mark of the watch with descriptor `wd`, once it is attached.
    pub(crate) fn get(&self, wd: i32) -> Option<WatchMark> {
        // A descriptor not in use, which a failing `rm_watch` names, is told without the
        // lock: the answer of a moment during the call, as inotify's would be.
        if wd < 1 || !self.marks.contains(index(wd)) {
            return None;
        }
        self.marks
            .lock()
            .get(index(wd))
            .filter(|mark| mark.was_attached())
            .map(WatchMark::from)
    }

    /// Removes the watch of `mark` if the table has it, and marks the watch dead: its
    /// events are not reported any more.
    pub(crate) fn remove_mark(&self, mark: MarkRef<'_>) -> Option<WatchMark> {
        let wd = mark.wd();
        let mut marks = self.marks.lock();
        // By the type invariant the entry at a live mark's descriptor is that mark: erasing
        // needs no look-up first.
        let removed = if wd >= 1 {
            marks.remove(index(wd))
        } else {
            None
        };
        mark.clear_wd(&marks);
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
