// SPDX-License-Identifier: GPL-2.0

//! An XArray that hands out its own indices, cyclically, as an IDR does.
//!
//! C header: [`include/linux/xarray.h`](srctree/include/linux/xarray.h).
//!
//! inotify hands out watch descriptors with `idr_alloc_cyclic()`: the lowest free index from
//! a cursor up, else from the bottom. [`CyclicXArray`] does the same with
//! `__xa_alloc_cyclic()` on an array with free tracking, in O(log n) whatever is in use,
//! storing the entry in the same walk as `idr_alloc_cyclic()` does. Until the cursor wraps or
//! is set back, the cursor's index is above every index ever stored, and so free: the entry
//! is stored there with `__xa_insert()`, without the search.
//!
//! # Why not an extension of [`kernel::xarray::XArray`]
//!
//! Linux 7.3's `XArray<T>` stores only at indices the caller chooses (`Guard::store`,
//! `__xa_store()`), and nothing outside the `kernel` crate can add an operation to it: its
//! `struct xarray` is a private field, with no `as_raw()` on the array or its guard, and the
//! type is not `#[repr(C)]` or `#[repr(transparent)]`, so its address cannot be taken for the
//! C array's either. What this file needs and 7.3 lacks:
//!
//! - an allocating store, `__xa_alloc_cyclic()` (and `__xa_insert()`, a store that fails with
//!   `EBUSY` on a taken index, for the fast path);
//! - a search from an index, `xa_find()` (for [`Guard::find_from`]; 7.3 walks with it only in
//!   its private `iter()`, for `drop`).
//!
//! The patch one would send to `rust/kernel/xarray.rs` adds them to its `Guard`, in its
//! shape (errors as its `StoreError`, which [`Guard::alloc`] already returns):
//!
//! ```ignore
//! /// Stores `value` at the first free index in `limit` from `*next`, wrapping to the
//! /// bottom of `limit`, and moves `*next` past it (`__xa_alloc_cyclic()`). Needs an
//! /// array made with `AllocKind::Alloc` or `AllocKind::Alloc1`.
//! pub fn alloc_cyclic(
//!     &mut self,
//!     limit: impl RangeBounds<u32>,
//!     next: &mut u32,
//!     value: T,
//!     gfp: alloc::Flags,
//! ) -> Result<u32, StoreError<T>>;
//! /// Stores `value` at `index` if it is empty (`__xa_insert()`), else `EBUSY`.
//! pub fn insert(&mut self, index: usize, value: T, gfp: alloc::Flags)
//!     -> Result<(), StoreError<T>>;
//! /// The first present entry at `index` or above, up to `max` (`xa_find()`).
//! pub fn find(&self, index: usize, max: usize) -> Option<(usize, T::Borrowed<'_>)>;
//! ```
//!
//! with the same assertion of `T::FOREIGN_ALIGN >= 4` as `store`, and a helper for
//! `xa_alloc_cyclic()`'s unlocked form if a user wants it. With those, [`CyclicXArray`] is
//! `kernel::xarray::XArray<T>` plus the `highest` hint, and this file's lock, `get`, `remove`
//! and drop walk go.

use super::{
    kmem::Gfp,
    once::{
        ReadOnce,
        WriteOnce, //
    },
};
use core::{
    marker::PhantomData,
    pin::Pin,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    ffi::c_void,
    prelude::*,
    sync::atomic::Atomic,
    types::{
        ForeignOwnable,
        NotThreadSafe,
        Opaque, //
    },
    xarray::StoreError,
};

/// Indices are handed out from 1 up to this, as inotify's descriptors are (`INT_MAX`).
pub(crate) const MAX_INDEX: u32 = i32::MAX as u32;

/// An XArray of `T`s whose indices it allocates itself, from 1 to [`MAX_INDEX`].
///
/// # Invariants
///
/// `xa` is an initialised XArray with `XA_FLAGS_ALLOC1` whose entries came from
/// `T::into_foreign`.
#[pin_data(PinnedDrop)]
pub(crate) struct CyclicXArray<T: ForeignOwnable> {
    #[pin]
    xa: Opaque<bindings::xarray>,
    /// The highest index ever stored, 0 for none; changed under the lock. Every index above
    /// it is free, so the cursor's can be stored at without searching for a free one.
    highest: Atomic<u32>,
    _t: PhantomData<T>,
}

// SAFETY: The array owns its `T`s; it may move to another thread if they may.
unsafe impl<T: ForeignOwnable + Send> Send for CyclicXArray<T> {}
// SAFETY: Every access goes through the array's lock, and `&self` hands out `T`s only as
// borrows under it, so sharing it shares `T`s between threads only if they are `Send`.
unsafe impl<T: ForeignOwnable + Send> Sync for CyclicXArray<T> {}

impl<T: ForeignOwnable> CyclicXArray<T> {
    /// An empty array.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `xa` is valid for the call.
            // INVARIANT: An empty array that tracks free indices from 1.
            xa <- Opaque::ffi_init(|xa| unsafe {
                bindings::xa_init_flags(xa, bindings::XA_FLAGS_ALLOC1)
            }),
            highest: Atomic::new(0),
            _t: PhantomData,
        })
    }

    /// Whether an entry is stored at `index`, without the lock (`xa_load()` walks the array
    /// under RCU): the answer held at some moment of the call, and may be stale by its end.
    pub(crate) fn contains(&self, index: u32) -> bool {
        // SAFETY: The array is initialised (type invariant); `xa_load()` may be called without
        // the lock, and the entry is only compared with null, never dereferenced.
        !unsafe { bindings::xa_load(self.xa.get(), index as usize) }.is_null()
    }

    /// Takes the array's spinlock.
    pub(crate) fn lock(&self) -> Guard<'_, T> {
        // SAFETY: The array is initialised (type invariant).
        unsafe { bindings::xa_lock(self.xa.get()) };
        Guard {
            xa: self,
            _not_send: NotThreadSafe,
        }
    }
}

#[pinned_drop]
impl<T: ForeignOwnable> PinnedDrop for CyclicXArray<T> {
    fn drop(self: Pin<&mut Self>) {
        let xa = self.xa.get();
        let mut index = 0;
        loop {
            // SAFETY: The array is initialised and ours alone.
            let entry =
                unsafe { bindings::xa_find(xa, &mut index, usize::MAX, bindings::XA_PRESENT) };
            let Some(entry) = NonNull::new(entry) else {
                break;
            };
            // SAFETY: A present entry came from `T::into_foreign`; it is dropped once, as the
            // array goes.
            drop(unsafe { T::from_foreign(entry.as_ptr()) });
            index += 1;
        }
        // SAFETY: The array is initialised; its entries are dropped above.
        unsafe { bindings::xa_destroy(xa) };
    }
}

/// The lock of a [`CyclicXArray`], held.
///
/// # Invariants
///
/// This thread holds `xa`'s lock.
pub(crate) struct Guard<'a, T: ForeignOwnable> {
    xa: &'a CyclicXArray<T>,
    _not_send: NotThreadSafe,
}

impl<T: ForeignOwnable> Guard<'_, T> {
    fn raw(&self) -> *mut bindings::xarray {
        self.xa.xa.get()
    }

    /// Stores `value` at the lowest free index from `*next` up to [`MAX_INDEX`], else from
    /// 1, moves `*next` past it and returns it (`idr_alloc_cyclic()`). Fails with `ENOSPC` if
    /// every index is taken, `ENOMEM` if the array cannot grow, and gives `value` back; with
    /// flags that may sleep, the lock is released while the array allocates.
    pub(crate) fn alloc(
        &mut self,
        value: T,
        next: &mut u32,
        gfp: Gfp,
    ) -> Result<u32, StoreError<T>> {
        // The XArray reads an entry whose two low bits are `10` as an internal one (a node, a
        // sibling, a retry), and one with `x1` as a value: only a pointer aligned to 4 is a
        // plain entry. `kernel::xarray::Guard::store` asserts the same with `build_assert!`;
        // `const_assert!` is what `build_assert.rs` prefers for a condition on generics only,
        // and fails at compile time rather than at link time.
        const_assert!(
            T::FOREIGN_ALIGN >= 4,
            "pointers stored in XArray must be 4-byte aligned"
        );
        let mut index = 0u32;
        let limit = bindings::xa_limit {
            min: 1,
            max: MAX_INDEX,
        };
        let entry = value.into_foreign();
        let highest = self.xa.highest.read_once();
        let mut ret = -(bindings::EBUSY as c_int);
        // Until the cursor wraps or is set back, it is past every index ever stored: store
        // there without searching the free marks for it. `__xa_insert()` never replaces an
        // entry, so were the index taken after all, this only costs the search below.
        if (highest + 1..=MAX_INDEX).contains(next) {
            // SAFETY: The array is initialised and we hold its lock; `entry` is not an
            // internal entry (it came from `into_foreign`, aligned to 4: asserted above).
            ret = unsafe { bindings::__xa_insert(self.raw(), *next as usize, entry, gfp.as_raw()) };
            if ret == 0 {
                index = *next;
                *next += 1;
            }
        }
        if ret == -(bindings::EBUSY as c_int) {
            // SAFETY: As above; the array tracks free indices (type invariant).
            ret = unsafe {
                bindings::__xa_alloc_cyclic(
                    self.raw(),
                    &mut index,
                    entry,
                    limit,
                    next,
                    gfp.as_raw(),
                )
            };
        }
        match ret {
            0 | 1 => {
                // Read again: the lock may have been released while the array allocated.
                let highest = self.xa.highest.read_once();
                self.xa.highest.write_once(highest.max(index));
                Ok(index)
            }
            e => {
                let error = if e == EBUSY.to_errno() {
                    ENOSPC
                } else {
                    Error::from_errno(e)
                };
                Err(StoreError {
                    error,
                    // SAFETY: Not stored: `entry` came from `into_foreign` and nothing took it.
                    value: unsafe { T::from_foreign(entry) },
                })
            }
        }
    }

    /// The entry at `index`; `None` if it is empty.
    pub(crate) fn get(&self, index: u32) -> Option<T::Borrowed<'_>> {
        // SAFETY: The array is initialised and we hold its lock.
        let entry = unsafe { bindings::xa_load(self.raw(), index as usize) };
        let entry = NonNull::new(entry)?;
        // SAFETY: The entry came from `T::into_foreign` and stays in the array while the
        // lock, which the borrow is tied to, is held.
        Some(unsafe { T::borrow(entry.as_ptr()) })
    }

    /// Empties `index`; returns what was stored there.
    pub(crate) fn remove(&mut self, index: u32) -> Option<T> {
        // SAFETY: The array is initialised and we hold its lock. Erasing never allocates.
        let entry = unsafe { bindings::__xa_erase(self.raw(), index as usize) };
        // SAFETY: `__xa_erase()` returns null (for an empty slot) or an entry that came from
        // `T::into_foreign`, which the array no longer holds.
        unsafe { T::try_from_foreign(entry.cast::<c_void>()) }
    }
}

impl<T: ForeignOwnable> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this thread holds the lock.
        unsafe { bindings::xa_unlock(self.raw()) };
    }
}

#[kernel::macros::kunit_tests(rinotify_xarray)]
mod tests {
    use super::*;
    use kernel::alloc::KBox;

    type Table = CyclicXArray<KBox<u32>>;

    /// Stores a box holding `value` at the next index and returns the index. The box is
    /// allocated before the lock is taken, and freed after it is released if not stored.
    fn stored(xa: &Table, next: &mut u32, value: u32) -> Result<u32> {
        let value = KBox::new(value, GFP_KERNEL)?;
        let mut guard = xa.lock();
        let stored = guard.alloc(value, next, Gfp::KERNEL);
        drop(guard);
        stored.map_err(|e| e.error)
    }

    /// Stores a value at the next index, checks that the index reads it back, and returns
    /// the index.
    fn filled(xa: &Table, next: &mut u32) -> Result<u32> {
        let value = next.wrapping_mul(7);
        let index = stored(xa, next, value)?;
        assert_eq!(xa.lock().get(index).copied(), Some(value));
        Ok(index)
    }

    #[test]
    fn cyclic_from_one() -> Result {
        let xa = KBox::pin_init(Table::new(), GFP_KERNEL)?;
        let mut next = 1;
        assert_eq!(stored(&xa, &mut next, 10)?, 1);
        assert_eq!(stored(&xa, &mut next, 20)?, 2);
        assert_eq!(xa.lock().remove(1).as_deref().copied(), Some(10));
        // A removed index comes back only after the cursor wraps.
        assert_eq!(stored(&xa, &mut next, 30)?, 3);
        assert_eq!(xa.lock().get(2).copied(), Some(20));
        assert!(xa.lock().get(1).is_none());
        Ok(())
    }

    #[test]
    fn cursor_set_back_skips_indices_in_use() -> Result {
        let xa = KBox::pin_init(Table::new(), GFP_KERNEL)?;
        let mut next = 10;
        for index in 10..13 {
            assert_eq!(filled(&xa, &mut next)?, index);
        }
        // `INOTIFY_IOC_SETNEXTWD` back to 10: the next free one is 13.
        next = 10;
        assert_eq!(filled(&xa, &mut next)?, 13);
        assert_eq!(filled(&xa, &mut next)?, 14);
        Ok(())
    }

    #[test]
    fn cursor_set_back_takes_a_free_index() -> Result {
        let xa = KBox::pin_init(Table::new(), GFP_KERNEL)?;
        let mut next = 1;
        for index in 1..4 {
            assert_eq!(filled(&xa, &mut next)?, index);
        }
        drop(xa.lock().remove(2));
        // Below the highest index stored: searched for, and 2 is free.
        next = 2;
        assert_eq!(filled(&xa, &mut next)?, 2);
        assert_eq!(filled(&xa, &mut next)?, 4);
        Ok(())
    }

    #[test]
    fn wraps_to_the_lowest_free() -> Result {
        let xa = KBox::pin_init(Table::new(), GFP_KERNEL)?;
        let mut next = 1;
        for index in 1..4 {
            assert_eq!(filled(&xa, &mut next)?, index);
        }
        next = MAX_INDEX;
        assert_eq!(filled(&xa, &mut next)?, MAX_INDEX);
        // Past the top: from 1 up, the lowest free.
        assert_eq!(filled(&xa, &mut next)?, 4);
        assert_eq!(filled(&xa, &mut next)?, 5);
        Ok(())
    }
}
