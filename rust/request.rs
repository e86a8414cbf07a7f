// SPDX-License-Identifier: GPL-2.0

//! The ioctls' numbers and arguments: the structs of `include/uapi/linux/rinotify.h` as
//! bindgen generates them (`sys::uapi`), each copied in whole, and checked. They have the same
//! bytes for 32- and 64-bit callers (pointers travel as `__u64`), so `compat_ioctl` needs no
//! translation.

use crate::sys::{
    abi::{
        ALL_INOTIFY_BITS,
        IN_DONT_FOLLOW, //
    },
    path::{
        Lookup,
        WatchTarget,
        AT_FDCWD, //
    },
    uaccess,
    uapi::{
        rinotify_tree,
        rinotify_watch,
        rinotify_watch_at,
        rinotify_watches, //
    },
};
use core::mem::offset_of;
use kernel::{
    ioctl::{
        _IO,
        _IOW, //
    },
    prelude::*,
    transmute::{
        AsBytes,
        FromBytes, //
    },
    uaccess::{
        UserPtr,
        UserSlice, //
    },
};

/// `inotify_add_watch()`: returns the watch descriptor.
pub(crate) const RINOTIFY_IOC_ADD_WATCH: u32 = _IOW::<rinotify_watch>('I' as u32, 0x80);
/// `inotify_rm_watch()`: the descriptor is the argument itself, so the command has no
/// direction and no size.
pub(crate) const RINOTIFY_IOC_RM_WATCH: u32 = _IO('I' as u32, 0x84);
/// The first number of [`RINOTIFY_IOC_RM_WATCH`], deprecated and still accepted: it claimed
/// an `int` to read (`_IOW`) for a descriptor passed by value.
pub(crate) const RINOTIFY_IOC_RM_WATCH_OLD: u32 = _IOW::<i32>('I' as u32, 0x81);
/// Many `inotify_add_watch()`s, each relative to a directory: returns how many were
/// processed.
pub(crate) const RINOTIFY_IOC_ADD_WATCHES: u32 = _IOW::<rinotify_watches>('I' as u32, 0x82);
/// A tree watch: returns the root's watch descriptor.
pub(crate) const RINOTIFY_IOC_ADD_TREE: u32 = _IOW::<rinotify_tree>('I' as u32, 0x83);

/// `RINOTIFY_MAX_WATCHES_PER_CALL`: the most entries one [`RINOTIFY_IOC_ADD_WATCHES`] takes.
/// A bound on how long one call runs without returning to user space, not on memory: the
/// entries are read one at a time.
pub(crate) const MAX_WATCHES_PER_CALL: u32 = 4096;

/// `inotify_add_watch()`'s first check of a mask: `EINVAL` for a bit it does not know, or
/// for none it does.
pub(crate) fn check_mask_bits(mask: u32) -> Result {
    if mask & !ALL_INOTIFY_BITS != 0 || mask & ALL_INOTIFY_BITS == 0 {
        return Err(EINVAL);
    }
    Ok(())
}

/// Looks up the path at user address `pathname` relative to `dirfd`, following a trailing
/// symlink unless `mask` has `IN_DONT_FOLLOW`, requiring a directory if `only_dir`: what
/// every watch request names, with `lookup` (a batch's gives the same result for less where
/// it can).
pub(crate) fn lookup_path(
    lookup: &mut impl Lookup,
    pathname: u64,
    dirfd: i32,
    mask: u32,
    only_dir: bool,
) -> Result<WatchTarget> {
    let pathname = UserPtr::from_addr(usize::try_from(pathname).map_err(|_| EFAULT)?);
    lookup.lookup(dirfd, pathname, mask & IN_DONT_FOLLOW == 0, only_dir)
}

/// Copies a `T` in from user address `addr`, whole, in one copy.
fn read_user<T: FromBytes>(addr: usize) -> Result<T> {
    UserSlice::new(UserPtr::from_addr(addr), size_of::<T>())
        .reader()
        .read::<T>()
}

/// The argument of [`RINOTIFY_IOC_ADD_WATCH`] (`struct rinotify_watch`), or one entry of
/// [`RINOTIFY_IOC_ADD_WATCHES`] (`struct rinotify_watch_at`).
pub(crate) struct WatchRequest {
    /// User address of the NUL-terminated path.
    pub(crate) pathname: u64,
    /// The directory a relative path starts from; [`AT_FDCWD`] for the single ioctl.
    pub(crate) dirfd: i32,
    /// As `inotify_add_watch()`'s.
    pub(crate) mask: u32,
    /// Must be 0.
    pub(crate) reserved: u32,
}

impl WatchRequest {
    /// Copies `struct rinotify_watch` in from user address `arg`.
    pub(crate) fn read_from(arg: usize) -> Result<Self> {
        let rinotify_watch {
            pathname,
            mask,
            reserved,
        } = rinotify_watch::read_from(UserPtr::from_addr(arg))?;
        Ok(Self {
            pathname,
            dirfd: AT_FDCWD,
            mask,
            reserved,
        })
    }
}

/// The argument of [`RINOTIFY_IOC_ADD_WATCHES`] (`struct rinotify_watches`), checked.
pub(crate) struct WatchBatch {
    entries: u64,
    count: u32,
}

impl WatchBatch {
    /// Copies `struct rinotify_watches` in from user address `arg`: `EINVAL` for flags other
    /// than 0 or more than [`MAX_WATCHES_PER_CALL`] entries.
    pub(crate) fn read_from(arg: usize) -> Result<Self> {
        let rinotify_watches {
            entries,
            count,
            flags,
        } = read_user(arg)?;
        if flags != 0 || count > MAX_WATCHES_PER_CALL {
            return Err(EINVAL);
        }
        Ok(Self { entries, count })
    }

    /// How many entries the batch has.
    pub(crate) fn count(&self) -> usize {
        self.count as usize
    }

    /// Copies the entries from index `first` on into `chunk`, up to [`BatchChunk::ENTRIES`] of
    /// them, in one copy. Nothing is written back: each entry's result is written when it is
    /// processed (see [`BatchChunk::write_result`]). The chunk is filled in place, so that a
    /// batch copies its entries once, from the caller's memory, and not again on the stack.
    ///
    /// Entries that cannot all be copied at once are taken one at a time: the chunk then
    /// holds one entry, or the call fails with `EFAULT` if even the first cannot be (the
    /// chunk is then empty).
    pub(crate) fn read_chunk(&self, first: usize, chunk: &mut BatchChunk) -> Result {
        chunk.len = 0;
        let len = (self.count() - first.min(self.count())).min(BatchChunk::ENTRIES);
        // An address that does not fit this machine's pointers, or that wraps, faults, as
        // a bad pointer does.
        chunk.addr = u64::try_from(first)
            .ok()
            .and_then(|first| first.checked_mul(size_of::<rinotify_watch_at>() as u64))
            .and_then(|offset| self.entries.checked_add(offset))
            .and_then(|addr| usize::try_from(addr).ok())
            .ok_or(EFAULT)?;
        if chunk.copy_in(len).is_err() {
            chunk.copy_in(len.min(1))?;
        }
        Ok(())
    }
}

/// Consecutive `struct rinotify_watch_at` entries of a [`WatchBatch`], copied in.
pub(crate) struct BatchChunk {
    /// The user address of the first.
    addr: usize,
    /// How many there are, at most [`BatchChunk::ENTRIES`].
    len: usize,
    /// Their copies.
    entries: [rinotify_watch_at; BatchChunk::ENTRIES],
}

impl BatchChunk {
    /// The most entries a chunk holds: one copy in for this many, instead of one per entry;
    /// small enough for the stack.
    const ENTRIES: usize = 16;

    /// The result an entry holds while it is processed: no watch descriptor is 0 and no
    /// error is, so it says "no result yet".
    pub(crate) const PENDING: i32 = 0;

    /// A chunk with no entries, for [`WatchBatch::read_chunk`] to fill.
    pub(crate) fn new() -> Self {
        Self {
            addr: 0,
            len: 0,
            entries: core::array::from_fn(|_| rinotify_watch_at::default()),
        }
    }

    /// Copies `len` entries in from `addr`: the chunk holds them if it could, none if not.
    fn copy_in(&mut self, len: usize) -> Result {
        let entries = &mut self.entries[..len];
        UserSlice::new(UserPtr::from_addr(self.addr), size_of_val(entries))
            .reader()
            .read_slice(entries.as_bytes_mut())?;
        self.len = len;
        Ok(())
    }

    /// The requests of the chunk's entries, in order.
    pub(crate) fn requests(&self) -> impl Iterator<Item = WatchRequest> + '_ {
        self.entries[..self.len].iter().map(|entry| WatchRequest {
            pathname: entry.pathname,
            dirfd: entry.dirfd,
            mask: entry.mask,
            reserved: entry.reserved,
        })
    }

    /// Writes [`BatchChunk::PENDING`] into the `result` field of every entry of the chunk, in
    /// one pass, before the first is processed: how many of them, from the first, took it
    /// (all, unless one could not be written).
    pub(crate) fn write_pending(&self) -> usize {
        let Some(first) = self.addr.checked_add(offset_of!(rinotify_watch_at, result)) else {
            return 0;
        };
        let written = uaccess::put_user_i32_strided(
            UserPtr::from_addr(first),
            size_of::<rinotify_watch_at>(),
            self.len as u32,
            Self::PENDING,
        );
        written as usize
    }

    /// Writes the result of entry `index` of the chunk, a watch descriptor or a negative
    /// errno, into its `result` field: with [`BatchChunk::write_pending`], the only bytes of
    /// the caller's entries the call writes.
    pub(crate) fn write_result(&self, index: usize, result: i32) -> Result {
        if index >= self.len {
            return Err(EINVAL);
        }
        let addr = self
            .addr
            .checked_add(index * size_of::<rinotify_watch_at>())
            .and_then(|entry| entry.checked_add(offset_of!(rinotify_watch_at, result)))
            .ok_or(EFAULT)?;
        uaccess::put_user_i32(UserPtr::from_addr(addr), result)
    }
}

/// The argument of [`RINOTIFY_IOC_ADD_TREE`] (`struct rinotify_tree`).
pub(crate) struct TreeRequest {
    /// User address of the NUL-terminated path of the root.
    pub(crate) pathname: u64,
    /// The directory a relative path starts from.
    pub(crate) dirfd: i32,
    /// As `inotify_add_watch()`'s, for every directory of the tree.
    pub(crate) mask: u32,
    /// Must be 0.
    pub(crate) flags: u32,
    /// Must be 0.
    pub(crate) reserved: u32,
}

impl TreeRequest {
    /// Copies `struct rinotify_tree` in from user address `arg`.
    pub(crate) fn read_from(arg: usize) -> Result<Self> {
        let rinotify_tree {
            pathname,
            dirfd,
            mask,
            flags,
            reserved,
        } = read_user(arg)?;
        Ok(Self {
            pathname,
            dirfd,
            mask,
            flags,
            reserved,
        })
    }
}
