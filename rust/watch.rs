// SPDX-License-Identifier: GPL-2.0

//! An instance's watches by watch descriptor, and how descriptors are handed out.

use crate::sys::fsnotify::{
    MarkRef,
    WatchMark, //
};
use kernel::{
    prelude::*,
    xarray::{
        AllocKind,
        XArray, //
    },
};

/// Hands out watch descriptors as inotify's `idr_alloc_cyclic(idr, .., 1, 0)` does: the
/// lowest free one from a cursor up to `i32::MAX`, else the lowest free one from 1; the
/// cursor then moves past it. A removed descriptor so comes back only after a wrap.
pub(crate) struct WdAllocator {
    /// Where the next search starts (`idr_next`), 1 to `2^31`.
    cursor: u32,
    /// The highest descriptor handed out so far, 0 for none. Descriptors above it were never
    /// handed out and so are free without asking the table, which is the common case: until
    /// the cursor wraps or is set back, an allocation costs no table look-up.
    highest: u32,
}

impl WdAllocator {
    /// The first descriptor is 1.
    pub(crate) const fn new() -> Self {
        Self {
            cursor: 1,
            highest: 0,
        }
    }

    /// A descriptor for which `in_use` is false, or `None` if all are taken. `in_use` must
    /// be false for descriptors this allocator never handed out; it is asked only about
    /// descriptors up to the highest handed out.
    pub(crate) fn allocate(&mut self, in_use: impl Fn(i32) -> bool) -> Option<i32> {
        let highest = self.highest;
        let taken = |wd: i32| wd as u32 <= highest && in_use(wd);
        let wd = Self::free_from(self.cursor, &taken).or_else(|| Self::free_from(1, &taken))?;
        self.cursor = wd as u32 + 1;
        self.highest = self.highest.max(wd as u32);
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

/// The watches of an instance: a reference to the mark of each, by descriptor, in an XArray
/// as inotify keeps them in an IDR (a few bytes per watch).
///
/// A watch leaves the table only when its mark's `freeing_mark` runs, after its
/// `IN_IGNORED` is queued, as inotify keeps a watch in its IDR until
/// `inotify_freeing_mark()`: its descriptor is not handed out again before. The XArray's
/// spinlock is a leaf lock: nothing is called under it, and it is released while it
/// allocates.
///
/// # Invariants
///
/// The entry at the descriptor of a mark whose descriptor is not -1 is that mark, or none
/// while `add_watch` (holding `Instance::update`, so that nobody else is handed that
/// descriptor) is between attaching the mark and inserting it. A mark's descriptor becomes
/// -1 under the table's lock when its entry goes, or before the mark is detached when it was
/// never inserted.
#[pin_data]
pub(crate) struct Watches {
    #[pin]
    marks: XArray<WatchMark>,
}

impl Watches {
    /// An empty table.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            marks <- XArray::new(AllocKind::Alloc1),
        })
    }

    /// Whether descriptor `wd` is taken.
    pub(crate) fn contains(&self, wd: i32) -> bool {
        self.marks.lock().get(index(wd)).is_some()
    }

    /// A new reference to the mark of the watch with descriptor `wd`.
    pub(crate) fn get(&self, wd: i32) -> Option<WatchMark> {
        if wd < 1 {
            return None;
        }
        self.marks.lock().get(index(wd)).map(WatchMark::from)
    }

    /// Adds the watch of `mark` under its descriptor `wd`, free until now, unless the mark
    /// has died since it was attached (its `freeing_mark` found no watch to remove): the
    /// watch is then left out. Fails, giving the mark back, only if the table cannot grow.
    pub(crate) fn insert(&self, wd: i32, mark: WatchMark) -> Result<(), (WatchMark, Error)> {
        let mut marks = self.marks.lock();
        if mark.wd() == -1 {
            // Mark references are put outside the lock.
            drop(marks);
            return Ok(());
        }
        // `freeing_mark` marks the watch dead under this lock, so it has not run yet or finds
        // the watch stored, if the store keeps the lock: `__xa_store()` releases it only to
        // allocate with GFP flags that may sleep.
        let mark = match marks.store(index(wd), mark, GFP_NOWAIT) {
            Ok(free) => {
                drop(marks);
                drop(free);
                return Ok(());
            }
            Err(e) => e.value,
        };
        // No memory without sleeping: store allowing the lock to be released meanwhile, and
        // then look at the mark again, through a reference of our own.
        let stored = marks.store(index(wd), mark.clone(), GFP_KERNEL);
        let dead = match stored {
            Ok(_) if mark.wd() == -1 => marks.remove(index(wd)),
            _ => None,
        };
        drop(marks);
        drop(dead);
        stored.map(drop).map_err(|e| (mark, e.error))
    }

    /// Removes the watch of `mark` if the table has it, and marks the watch dead: its
    /// events are not reported any more.
    pub(crate) fn remove_mark(&self, mark: MarkRef<'_>) -> Option<WatchMark> {
        let wd = mark.wd();
        let mut marks = self.marks.lock();
        // By the type invariant the entry at a live mark's descriptor is that mark or none:
        // erasing needs no look-up first.
        let removed = if wd >= 1 {
            marks.remove(index(wd))
        } else {
            None
        };
        kernel::warn_on!(removed.as_deref().is_some_and(|m| !mark.is(m)));
        mark.clear_wd();
        removed
    }
}

/// The table index of descriptor `wd`; nothing is stored at index 0, where -1 (a dead
/// watch's) and other descriptors below 1 lead.
fn index(wd: i32) -> usize {
    usize::try_from(wd).unwrap_or(0)
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
        for wd in 10..13 {
            assert_eq!(wds.allocate(|_| false), Some(wd));
        }
        wds.set_cursor(10);
        assert_eq!(wds.allocate(|wd| (10..13).contains(&wd)), Some(13));
        assert_eq!(wds.allocate(|_| false), Some(14));
    }

    #[test]
    fn never_asks_above_the_highest() {
        let mut wds = WdAllocator::new();
        assert_eq!(wds.allocate(|_| false), Some(1));
        // Only 1 was handed out: 2 is free whatever the table says.
        assert_eq!(wds.allocate(|wd| wd != 1), Some(2));
        wds.set_cursor(1);
        assert_eq!(wds.allocate(|wd| wd <= 2), Some(3));
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
