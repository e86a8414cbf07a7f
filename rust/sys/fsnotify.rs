// SPDX-License-Identifier: GPL-2.0

//! fsnotify groups and inode marks, from the GPL-exported part of fsnotify's backend API.
//!
//! C header: [`include/linux/fsnotify_backend.h`](srctree/include/linux/fsnotify_backend.h).
//!
//! A [`Group`] is a listener; its [`GroupOps`] receive the events of every [`Mark`] the group
//! has on an inode, exactly as fsnotify hands them to inotify. Marks live in the
//! `rinotify_watch_cache` slab cache.
//!
//! Reference counting, which the API below makes impossible to get wrong: a group holds one
//! reference on itself per [`Group`] value and fsnotify one per mark; a mark holds one
//! reference per [`WatchMark`] (an [`ARef`]) and fsnotify one while it is attached.

use super::{
    bindings::{
        self as fsn,
        rinotify_group_lock,
        rinotify_group_unlock, //
    },
    kmem::{
        CacheBox,
        Gfp,
        KmemCache,
        KmemCacheRegistration, //
    },
    once::{
        ReadOnce,
        WriteOnce, //
    },
    path::WatchTarget,
    xarray,
};
use core::{
    marker::PhantomData,
    ops::ControlFlow,
    ptr::{
        addr_of,
        addr_of_mut,
        NonNull, //
    },
};
use kernel::{
    bindings,
    prelude::*,
    sync::{
        aref::{
            ARef,
            AlwaysRefCounted, //
        },
        atomic::{
            Acquire,
            Atomic,
            Release, //
        },
        Arc, //
    },
    types::Opaque,
};

/// What a watch can pin, as inotify counts it (`INOTIFY_WATCH_COST`): its mark
/// (`struct inotify_inode_mark`, an fsnotify mark and a descriptor) and two inodes.
pub(crate) const WATCH_COST: usize = (core::mem::size_of::<fsn::fsnotify_mark>() + 4)
    .next_multiple_of(core::mem::align_of::<fsn::fsnotify_mark>())
    + 2 * core::mem::size_of::<bindings::inode>();

/// Mark flag (`mark->flags`): drop path events on dentries that are already unlinked.
pub(crate) const MARK_FLAG_EXCL_UNLINK: u32 = fsn::FSNOTIFY_MARK_FLAG_EXCL_UNLINK;
/// Mark flag (`mark->flags`): inotify's `IN_ONESHOT`.
pub(crate) const MARK_FLAG_IN_ONESHOT: u32 = fsn::FSNOTIFY_MARK_FLAG_IN_ONESHOT;

/// The mark of one watch: fsnotify's mark and the watch descriptor it reports events with,
/// laid out as `struct inotify_inode_mark` and so exactly as large. The watched inode is
/// found through the mark when fdinfo needs it (see [`Group::for_each_mark`]).
///
/// # Invariants
///
/// `fsn` is initialised by `fsnotify_init_mark()` for a group whose ops are
/// `OpsTable::<T>::OPS` for the group's `T`, and the object lives in [`MARK_CACHE`].
#[repr(C)]
#[pin_data]
pub(crate) struct Mark {
    // First, so that a `struct fsnotify_mark *` is a `Mark *`.
    #[pin]
    fsn: Opaque<fsn::fsnotify_mark>,
    wd: Atomic<i32>,
    /// What its owner keeps about the watch beside fsnotify's fields (the tree it is in),
    /// and whether it was attached.
    state: MarkState,
}

/// The fields of a [`Mark`] that fsnotify does not know of: whether the mark is a directory
/// of a tree watch (whose place in its tree its owner keeps beside the mark, so that a plain
/// watch does not pay for trees), and whether it was attached.
///
/// A mark is fsnotify's, its descriptor and these two flags, which fit in the padding after
/// the descriptor: exactly as large as inotify's `struct inotify_inode_mark`.
pub(crate) struct MarkState {
    /// Whether the mark is a directory of a tree. Set, before the mark is attached or under
    /// its owner's lock of watch updates, once the owner keeps the mark's place in a tree;
    /// never cleared.
    pub(crate) in_tree: Atomic<bool>,
    /// Whether the mark was ever attached: its watch is in its instance's table from just
    /// before, and must not be found there until then (see [`Mark::was_attached`]). Only
    /// [`NewMark::attach`] sets it: the field is private to this file.
    attached: Atomic<bool>,
}

// SAFETY: fsnotify's part is shared between threads by fsnotify, which changes it only
// under its locks (`mark->lock`, the group's `mark_mutex`, the connector's lock) and reads
// what it reads without them as `READ_ONCE()`, as this file does; the descriptor and the
// owner's flags are atomics. A mark may be put from any thread.
unsafe impl Send for Mark {}
// SAFETY: As above: every `&self` method either reads with `READ_ONCE()`, uses an atomic or
// calls fsnotify, which takes its locks.
unsafe impl Sync for Mark {}

// A mark is as large as inotify's: fsnotify's, and the descriptor with the owner's flags in
// what `struct inotify_inode_mark` pads.
const _: () = assert!(
    size_of::<Mark>()
        == (size_of::<fsn::fsnotify_mark>() + 4).next_multiple_of(align_of::<fsn::fsnotify_mark>())
);

/// The slab cache of every [`Mark`], `rinotify_watch_cache`.
static MARK_CACHE: KmemCache<Mark> = KmemCache::new();

impl Mark {
    /// The watch descriptor, or -1 once the watch is dead.
    pub(crate) fn wd(&self) -> i32 {
        self.wd.read_once()
    }

    /// Marks the watch dead: its events are not reported any more. Only under the lock of
    /// the table of watches (the one `CyclicXArray` of marks), whose entries are the marks
    /// of their descriptors.
    pub(crate) fn clear_wd(&self, _table: &xarray::Guard<'_, WatchMark>) {
        self.wd.write_once(-1);
    }

    /// Whether [`NewMark::attach`] attached the mark; it may have been detached since.
    pub(crate) fn was_attached(&self) -> bool {
        self.state.attached.load(Acquire)
    }

    /// The owner's fields.
    pub(crate) fn state(&self) -> &MarkState {
        &self.state
    }

    /// The pointer fsnotify knows the mark by, and hands back to the callbacks, which turn
    /// it back into the whole `Mark` it is the first field of: derived from the whole mark,
    /// not from `fsn` alone, so that it may reach every field. Writes through it reach only
    /// fields that are interior-mutable (`Opaque`, atomics).
    fn raw(&self) -> *mut fsn::fsnotify_mark {
        core::ptr::from_ref(self).cast_mut().cast()
    }

    /// The fsnotify event mask (`mark->mask`).
    pub(crate) fn mask(&self) -> u32 {
        // SAFETY: The mark is allocated for `&self`.
        unsafe { read_mask(self.raw()) }
    }

    /// The mark flags (`mark->flags`).
    pub(crate) fn flags(&self) -> u32 {
        // SAFETY: The mark is allocated for `&self`.
        unsafe { read_flags(self.raw()) }
    }

    /// The connector of the mark (`mark->connector`), null once it is detached.
    fn connector(&self) -> *mut fsn::fsnotify_mark_connector {
        // SAFETY: The mark is valid for `&self`; fsnotify writes the field with
        // `WRITE_ONCE()`.
        unsafe { addr_of!((*self.raw()).connector).read_volatile() }
    }

    /// Detaches the mark from its inode and group (`fsnotify_destroy_mark()`); the group's
    /// [`GroupOps::freeing_mark`] runs before this returns, unless the mark is already dead.
    ///
    /// Takes the group's `mark_mutex`, which no safe API of this file hands out a mark under
    /// (see [`ListedMark`]).
    pub(crate) fn detach(&self) {
        // SAFETY: The mark is allocated for `&self`.
        unsafe { destroy_mark(self.raw()) };
    }
}

/// `mark->mask`. fsnotify changes the field under `mark->lock` with plain stores and reads
/// it without the lock: this is a `READ_ONCE()`.
///
/// # Safety
///
/// `mark` must point at an allocated, initialised fsnotify mark.
unsafe fn read_mask(mark: *mut fsn::fsnotify_mark) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { addr_of!((*mark).mask).read_volatile() }
}

/// `mark->flags`, as [`read_mask`] reads the mask.
///
/// # Safety
///
/// `mark` must point at an allocated, initialised fsnotify mark.
unsafe fn read_flags(mark: *mut fsn::fsnotify_mark) -> u32 {
    // SAFETY: Guaranteed by the caller.
    unsafe { addr_of!((*mark).flags).read_volatile() }
}

/// `fsnotify_destroy_mark()` of a mark with its group. The function needs the mark's memory,
/// not a reference of the caller's: a mark whose count dropped to zero is detached already,
/// and `fsnotify_detach_mark()` and `fsnotify_free_mark()` then do nothing (inotify calls it
/// the same way from `inotify_handle_inode_event()`). It takes the group's `mark_mutex`.
///
/// # Safety
///
/// `mark` must point at an allocated, initialised fsnotify mark, and the caller must not
/// hold its group's `mark_mutex`.
unsafe fn destroy_mark(mark: *mut fsn::fsnotify_mark) {
    // SAFETY: Guaranteed by the caller; `group` is set for the mark's whole life, and the
    // mark holds a reference on it.
    unsafe { fsn::fsnotify_destroy_mark(mark, (*mark).group) };
}

// SAFETY: A mark is freed only when its reference count drops to zero, through
// `fsnotify_put_mark()` and `free_mark`. A `&Mark` exists only where a reference is held:
// through a `WatchMark`, or under the group's `mark_mutex` for an attached mark (which
// holds one); callbacks see a `MarkRef`, which is not a `&Mark`. `inc_ref` is
// `fsnotify_get_mark()`, which is not exported; `refcount_inc()` warns as it does.
unsafe impl AlwaysRefCounted for Mark {
    fn inc_ref(&self) {
        // SAFETY: The mark is live for `&self`, so its count is not zero.
        unsafe { bindings::refcount_inc(addr_of_mut!((*self.raw()).refcnt)) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives up one reference, so the mark is live. The last put frees
        // the mark through `free_mark`, later if it was attached; it may sleep (an inode is
        // put).
        unsafe { fsn::fsnotify_put_mark(obj.as_ptr().cast()) };
    }
}

/// A reference to a [`Mark`]; putting it may sleep, so it is never dropped under a
/// spinlock.
pub(crate) type WatchMark = ARef<Mark>;

/// A mark as fsnotify shows it to a [`GroupOps`] callback, for the length of the call.
///
/// fsnotify guarantees such a mark's memory for the call (under `fsnotify_mark_srcu`, or by
/// a reference of its own), but not a reference count above zero: the mark may already be on
/// its way to being freed. So this is not a `&Mark`, which safe code could turn into a
/// [`WatchMark`]; it offers only what needs no reference.
///
/// # Invariants
///
/// `mark` points at a [`Mark`] that stays allocated for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct MarkRef<'a> {
    mark: NonNull<Mark>,
    _call: PhantomData<&'a Mark>,
}

impl MarkRef<'_> {
    /// # Safety
    ///
    /// `mark` must be a mark of one of our groups that stays allocated for the lifetime the
    /// caller chooses.
    unsafe fn new(mark: *mut fsn::fsnotify_mark) -> Self {
        // INVARIANT: Guaranteed by the caller; fsnotify never passes a null mark.
        Self {
            // SAFETY: fsnotify passes its callbacks a mark, never null.
            mark: unsafe { NonNull::new_unchecked(mark.cast()) },
            _call: PhantomData,
        }
    }

    /// The mark as fsnotify knows it, derived from the whole `Mark`.
    fn raw(&self) -> *mut fsn::fsnotify_mark {
        self.mark.as_ptr().cast()
    }

    /// The mark's descriptor field. A reference to the field, unlike a `&Mark`, cannot be
    /// turned into a counted reference to the mark.
    fn wd_field(&self) -> &Atomic<i32> {
        // SAFETY: By the type invariant the mark is allocated for as long as `self` is.
        unsafe { &(*self.mark.as_ptr()).wd }
    }

    /// The watch descriptor, or -1 once the watch is dead.
    pub(crate) fn wd(&self) -> i32 {
        self.wd_field().read_once()
    }

    /// Marks the watch dead, as [`Mark::clear_wd`].
    pub(crate) fn clear_wd(&self, _table: &xarray::Guard<'_, WatchMark>) {
        self.wd_field().write_once(-1);
    }

    /// The mark flags (`mark->flags`).
    pub(crate) fn flags(&self) -> u32 {
        // SAFETY: The mark is allocated for as long as `self` is (type invariant).
        unsafe { read_flags(self.raw()) }
    }

    /// The owner's fields.
    pub(crate) fn state(&self) -> &MarkState {
        // SAFETY: As in `wd_field`.
        unsafe { &(*self.mark.as_ptr()).state }
    }

    /// Creates a mark of the same group, as [`Group::new_mark`] does, for a callback that
    /// adds a watch (the group is live: the mark holds a reference to it). Allocated in
    /// another task's call, it is allocated as events are ([`Gfp::EVENT`]): charged to the
    /// active memory cgroup, failing rather than invoking the OOM killer.
    pub(crate) fn new_mark(&self, mask: u32, flags: u32) -> Result<NewMark> {
        // SAFETY: The mark is allocated for the call and holds a reference on its group.
        let group = unsafe { (*self.raw()).group };
        // SAFETY: As above, the group is live.
        unsafe { new_mark_of(group, mask, flags, Gfp::EVENT) }
    }

    /// Detaches the mark, as [`Mark::detach`]; nothing happens if it is already detached.
    pub(crate) fn detach(&self) {
        // SAFETY: The mark is allocated for as long as `self` is (type invariant). fsnotify
        // calls no callback of ours under the group's `mark_mutex`.
        unsafe { destroy_mark(self.raw()) };
    }

    /// Whether this is the mark `other` refers to.
    pub(crate) fn is(&self, other: &Mark) -> bool {
        core::ptr::eq(self.mark.as_ptr().cast_const(), other)
    }
}

/// A mark made by [`Group::new_mark`] and not attached yet: its watch descriptor can be set,
/// and it can be attached once.
///
/// # Invariants
///
/// `mark` has never been attached.
pub(crate) struct NewMark {
    mark: WatchMark,
}

impl NewMark {
    /// A reference to the mark, for the table of watches.
    pub(crate) fn watch(&self) -> WatchMark {
        self.mark.clone()
    }

    /// Sets the watch descriptor its events are reported with, before it is attached: only
    /// under the lock of the table of watches that holds it at `wd`.
    pub(crate) fn set_wd(&self, wd: i32, _table: &xarray::Guard<'_, WatchMark>) {
        self.mark.wd.write_once(wd);
    }

    /// Attaches the mark to the target's inode (`fsnotify_add_mark()`): from now on fsnotify
    /// hands it the inode's events. Fails with `EEXIST` if the group has a mark there
    /// already; the mark is then freed when its last reference goes.
    pub(crate) fn attach(self, target: &WatchTarget) -> Result<WatchMark> {
        // SAFETY: The inode is pinned by `target` for the call.
        unsafe { self.attach_inode(target.inode()) }
    }

    /// Attaches the mark to the inode of an entry an event is about, as [`NewMark::attach`].
    pub(crate) fn attach_to_entry(self, entry: &EventEntry<'_>) -> Result<WatchMark> {
        // SAFETY: The inode is pinned for the callback `entry` belongs to.
        unsafe { self.attach_inode(entry.inode.as_ptr()) }
    }

    /// # Safety
    ///
    /// `inode` must be pinned for the call.
    unsafe fn attach_inode(self, inode: *mut bindings::inode) -> Result<WatchMark> {
        let raw = self.mark.raw();
        // SAFETY: The mark is initialised and has never been attached (type invariant); the
        // inode is pinned (the caller's guarantee); the mark holds a reference to its group.
        let ret = unsafe {
            fsn::fsnotify_add_mark(
                raw,
                inode.cast(),
                fsn::fsnotify_obj_type_FSNOTIFY_OBJ_TYPE_INODE as c_uint,
                0,
            )
        };
        super::to_result(ret)?;
        self.mark.state.attached.store(true, Release);
        Ok(self.mark)
    }

    /// The owner's fields, to set before the mark is attached.
    pub(crate) fn state(&self) -> &MarkState {
        self.mark.state()
    }
}

/// What fsnotify passed a [`GroupOps::handle_event`] call about the entry its event is about,
/// to make an [`EventEntry`] of only where it is needed (plain watches never look).
///
/// # Invariants
///
/// `inode` and `dir` are the inode and directory fsnotify passed `handle_inode_event` for the
/// call `'a` lasts, each possibly null.
#[derive(Clone, Copy)]
pub(crate) struct EntryArgs<'a> {
    inode: *mut bindings::inode,
    dir: *mut bindings::inode,
    _call: PhantomData<&'a bindings::inode>,
}

impl<'a> EntryArgs<'a> {
    /// The entry of an event about one (`name` is that of the event): `inode` is the entry's
    /// (the data inode of `fsnotify_handle_inode_event()`) and `dir` the directory's.
    pub(crate) fn entry(self, name: Option<&[u8]>) -> Option<EventEntry<'a>> {
        match (
            name.is_some(),
            NonNull::new(self.dir),
            NonNull::new(self.inode),
        ) {
            // INVARIANT: The VFS operation reporting the event holds the entry's inode and the
            // directory's for the call (type invariant).
            (true, Some(dir), Some(inode)) => Some(EventEntry {
                inode,
                dir,
                _call: PhantomData,
            }),
            _ => None,
        }
    }
}

/// The inode of the entry an event on a directory is about (the child created, deleted or
/// moved), and the directory's, for the length of a [`GroupOps::handle_event`] call.
///
/// # Invariants
///
/// `inode` and `dir` are pinned for `'a` by the file-system operation that reports the event.
pub(crate) struct EventEntry<'a> {
    inode: NonNull<bindings::inode>,
    dir: NonNull<bindings::inode>,
    _call: PhantomData<&'a bindings::inode>,
}

impl EventEntry<'_> {
    /// The entry's inode, for the permission checks of this crate.
    pub(super) fn inode(&self) -> *mut bindings::inode {
        self.inode.as_ptr()
    }

    /// The directory's inode, for the permission checks of this crate.
    pub(super) fn dir_inode(&self) -> *mut bindings::inode {
        self.dir.as_ptr()
    }

    /// The mark that the group of `of` has on the entry, if it has one (`fsnotify_find_mark()`;
    /// takes the inode's connector spinlock).
    pub(crate) fn find_mark(&self, of: MarkRef<'_>) -> Option<WatchMark> {
        // SAFETY: The inode is pinned for the call (type invariant), and the group of `of` is
        // live (the mark holds a reference on it) and one of ours.
        unsafe { find_mark(self.inode.as_ptr(), (*of.raw()).group) }
    }
}

/// The mark `group` has on `inode`, if any (`fsnotify_find_mark()`, which takes the inode's
/// connector spinlock).
///
/// # Safety
///
/// `inode` must be pinned for the call, and `group` must be a live group made by
/// [`Group::new`].
unsafe fn find_mark(
    inode: *mut bindings::inode,
    group: *mut fsn::fsnotify_group,
) -> Option<WatchMark> {
    // SAFETY: Guaranteed by the caller.
    let mark = unsafe {
        fsn::fsnotify_find_mark(
            inode.cast(),
            fsn::fsnotify_obj_type_FSNOTIFY_OBJ_TYPE_INODE as c_uint,
            group,
        )
    };
    let mark = NonNull::new(mark.cast::<Mark>())?;
    // SAFETY: `fsnotify_find_mark()` returns a reference, which the `ARef` owns. All marks
    // of our groups are `Mark`s (type invariant of `Mark`).
    Some(unsafe { ARef::from_raw(mark) })
}

impl Mark {
    /// Sets the mark's event mask and flags, or adds to them (`replace == false`), as
    /// `inotify_update_existing_watch()` does; nothing if the mark is detached meanwhile.
    ///
    /// Under the group's `mark_mutex`, as inotify's update: an attached mark's connector and
    /// inode cannot go while it is held (`fsnotify_recalc_mask()`'s requirement), whatever the
    /// caller pins, and updates of the same mark do not interleave. Takes the mutex, which no
    /// safe API of this file hands out a mark under (see [`ListedMark`]).
    pub(crate) fn update(&self, mask: u32, flags: u32, replace: bool) {
        let raw = self.raw();
        // SAFETY: A mark holds a reference on its group for its whole life, so the group is
        // live for `&self`; we do not hold its `mark_mutex` (as said above).
        let marks = unsafe { MarksLock::new(NonNull::new_unchecked((*raw).group)) };
        // Flags, then the mask: `fsnotify_recalc_mask()`, which inotify calls after setting
        // both in one `mark->lock` section, is not exported, and `fsnotify_modify_mark_mask()`
        // takes that lock itself. Event delivery reads both without the lock, so it can see
        // the same mixtures under inotify.
        // SAFETY: The mark is live for `&self`; `mark->lock` protects `flags`, and
        // `FSNOTIFY_MARK_FLAG_ATTACHED` changes only under it with `mark_mutex` held too.
        let attached = unsafe {
            bindings::spin_lock(addr_of_mut!((*raw).lock));
            let attached = (*raw).flags & fsn::FSNOTIFY_MARK_FLAG_ATTACHED != 0;
            if attached {
                if replace {
                    (*raw).flags &= !(MARK_FLAG_EXCL_UNLINK | MARK_FLAG_IN_ONESHOT);
                }
                (*raw).flags |= flags;
            }
            bindings::spin_unlock(addr_of_mut!((*raw).lock));
            attached
        };
        if attached {
            let clear = if replace { !mask } else { 0 };
            // SAFETY: We hold a reference to the mark, which is attached and stays so while
            // we hold `mark_mutex` (`fsnotify_detach_mark()` needs it): its connector and the
            // inode it holds are live.
            unsafe { fsn::fsnotify_modify_mark_mask(raw, mask, clear) };
        }
        drop(marks);
    }
}

/// What a [`Group`]'s owner does with the events of its marks.
pub(crate) trait GroupOps: Send + Sync + Sized + 'static {
    /// An event on the inode of `mark` (inotify's `handle_inode_event`): `name` is the name
    /// of the child concerned, for events a directory reports about an entry.
    ///
    /// Called in the context of the file-system operation, with no fsnotify lock held,
    /// possibly with the inode's and directory's locks held: sleeping allocation is allowed.
    /// An error (inotify returns `ENOMEM` when it cannot allocate the event) makes fsnotify
    /// skip the group's other mark for the same operation: the child's, after its parent's.
    ///
    /// `entry` has the inode of that child, where fsnotify passes one.
    fn handle_event(
        &self,
        mark: MarkRef<'_>,
        mask: u32,
        name: Option<&[u8]>,
        entry: EntryArgs<'_>,
        cookie: u32,
    ) -> Result;

    /// `mark` is being detached for good: removed, its inode deleted or unmounted, or the
    /// group is going away. Called exactly once per attached mark, with no fsnotify lock held.
    fn freeing_mark(&self, mark: MarkRef<'_>);
}

/// An fsnotify group whose private data is an `Arc<T>`.
///
/// # Invariants
///
/// `ptr` is a group allocated with `OpsTable::<T>::OPS` whose `private` is a
/// `GroupPrivate<T>` made by `KBox::into_raw`, freed only with the group; this value owns
/// one group reference.
pub(crate) struct Group<T: GroupOps> {
    ptr: NonNull<fsn::fsnotify_group>,
    _t: PhantomData<Arc<T>>,
}

// SAFETY: Group references may be used and put from any thread.
unsafe impl<T: GroupOps> Send for Group<T> {}
// SAFETY: All `&self` methods are fsnotify calls that synchronise themselves.
unsafe impl<T: GroupOps> Sync for Group<T> {}

impl<T: GroupOps> Group<T> {
    /// Allocates a group, charged to the caller's memory cgroup, that hands its events to
    /// `data`; the group keeps `data` alive until it is freed, after its last mark, and with
    /// it the mark cache of `fsnotify`, which its marks come from.
    pub(crate) fn new(fsnotify: &FsnotifyRef, data: Arc<T>) -> Result<Self> {
        let private = KBox::new(
            GroupPrivate {
                data,
                _cache: fsnotify.clone(),
            },
            GFP_KERNEL,
        )?;
        // SAFETY: The ops table is `'static`.
        let group = unsafe {
            fsn::fsnotify_alloc_group(&OpsTable::<T>::OPS, fsn::FSNOTIFY_GROUP_USER as c_int)
        };
        let ptr = NonNull::new(kernel::error::from_err_ptr(group)?).ok_or(ENOMEM)?;
        // fsnotify may free the group (calling `free_group_priv`, module code) after the file
        // that made it is closed, when something else held one of its marks last: the group
        // keeps the module loaded, and `free_group_priv` lets go. Module exit flushes the
        // mark reaper, so that call has returned before the module text goes.
        // SAFETY: We run in a file operation of this module, which holds a module reference.
        unsafe { bindings::__module_get(this_module()) };
        // SAFETY: The group is new and not shared yet; `private` is ours.
        unsafe { private_slot(ptr.as_ptr()).write(KBox::into_raw(private).cast()) };
        // INVARIANT: The group has our ops and private data, and we own the allocation ref.
        Ok(Self {
            ptr,
            _t: PhantomData,
        })
    }

    /// The group's data.
    pub(crate) fn data(&self) -> &T {
        // SAFETY: We hold a group reference for the lifetime of `&self`, so the group is live.
        unsafe { group_data(self.ptr.as_ptr()) }
    }

    /// This group's mark on the target's inode, if it has one.
    pub(crate) fn find_mark(&self, target: &WatchTarget) -> Option<WatchMark> {
        // SAFETY: The inode is pinned by `target`; the group is live (we hold a reference)
        // and made by `Group::new` (type invariant).
        unsafe { find_mark(target.inode(), self.ptr.as_ptr()) }
    }

    /// Creates a mark of this group with event mask `mask` and mark flags `flags`, not yet
    /// attached to any inode, as `inotify_new_watch()` allocates its mark before it takes a
    /// descriptor.
    pub(crate) fn new_mark(&self, mask: u32, flags: u32) -> Result<NewMark> {
        // SAFETY: We hold a group reference, so the group is live, and it was made by
        // `Group::new` (type invariant).
        unsafe { new_mark_of(self.ptr.as_ptr(), mask, flags, Gfp::KERNEL) }
    }

    /// The group's newest attached mark, if it has any: closing an instance detaches its
    /// marks one by one, as `fsnotify_clear_marks_by_group()` (not exported) would.
    pub(crate) fn newest_mark(&self) -> Option<WatchMark> {
        let marks = self.lock_marks();
        let newest = marks.iter().next().map(ARef::from);
        drop(marks);
        newest
    }

    /// Calls `f` for each attached mark of the group, newest first, with the inode it
    /// watches (what `inotify_fdinfo()` prints), until `f` breaks.
    ///
    /// Runs under the group's `mark_mutex`, as fsnotify's `show_fdinfo()` does: `f` sees each
    /// mark as a [`ListedMark`], which offers nothing that takes the mutex again.
    pub(crate) fn for_each_mark(
        &self,
        mut f: impl FnMut(&ListedMark<'_>, &MarkedInode<'_>) -> ControlFlow<()>,
    ) {
        let marks = self.lock_marks();
        for mark in marks.iter() {
            let conn = mark.connector();
            if conn.is_null() {
                continue;
            }
            // SAFETY: A listed mark is attached, so its connector is live and holds its inode
            // (no `FSNOTIFY_MARK_FLAG_NO_IREF` for inode marks of ours): connector, inode and
            // superblock outlive `marks`, which keeps the mark attached.
            let inode = unsafe {
                if c_int::from((*conn).type_) == fsn::fsnotify_obj_type_FSNOTIFY_OBJ_TYPE_INODE {
                    NonNull::new((*conn).__bindgen_anon_1.obj.cast::<bindings::inode>())
                } else {
                    None
                }
            };
            let Some(inode) = inode else {
                continue;
            };
            // INVARIANT: The inode stays pinned by its attached mark while `marks` is held,
            // which outlives the borrow handed to `f`.
            let inode = MarkedInode {
                inode,
                _marks: PhantomData,
            };
            if f(&ListedMark { mark }, &inode).is_break() {
                break;
            }
        }
    }

    /// Takes the group's `mark_mutex` the way fsnotify does.
    fn lock_marks(&self) -> MarksLock<'_> {
        // SAFETY: We hold a group reference, so the group is live for `&self`. The safe
        // functions of this file that take the mutex are not called with it held: none is
        // offered for a mark seen under it (see `ListedMark`).
        unsafe { MarksLock::new(self.ptr) }
    }
}

/// An attached mark of a group whose `mark_mutex` is held, as [`Group::for_each_mark`]
/// shows it: what fdinfo prints, and nothing that takes the mutex again (a mark's
/// [`Mark::detach`] or [`Mark::update`] would deadlock there).
pub(crate) struct ListedMark<'a> {
    mark: &'a Mark,
}

impl ListedMark<'_> {
    /// The watch descriptor, or -1 once the watch is dead.
    pub(crate) fn wd(&self) -> i32 {
        self.mark.wd()
    }

    /// The fsnotify event mask (`mark->mask`).
    pub(crate) fn mask(&self) -> u32 {
        self.mark.mask()
    }

    /// The mark flags (`mark->flags`).
    pub(crate) fn flags(&self) -> u32 {
        self.mark.flags()
    }

    /// The owner's fields.
    pub(crate) fn state(&self) -> &MarkState {
        self.mark.state()
    }
}

/// The inode an attached mark watches, for as long as the group's marks are locked.
///
/// # Invariants
///
/// `inode` is pinned by an attached mark of a group whose `mark_mutex` is held for `'a`.
pub(crate) struct MarkedInode<'a> {
    inode: NonNull<bindings::inode>,
    _marks: PhantomData<&'a MarksLock<'a>>,
}

impl MarkedInode<'_> {
    /// The inode number.
    pub(crate) fn ino(&self) -> u64 {
        // SAFETY: The inode is live (type invariant); `i_ino` does not change.
        unsafe { (*self.inode.as_ptr()).i_ino }
    }

    /// The `dev_t` of its superblock, in the kernel's encoding.
    pub(crate) fn dev(&self) -> u32 {
        // SAFETY: The inode and so its superblock are live (type invariant).
        unsafe { (*(*self.inode.as_ptr()).i_sb).s_dev }
    }

    /// Its file handle, as `fdinfo` shows it (`exportfs_encode_fid()`); none where the file
    /// system cannot encode one, or is being mounted or shut down.
    pub(crate) fn file_handle(&self) -> Option<FileHandle> {
        let mut handle = FileHandle {
            buf: HandleBuf([0; fsn::RINOTIFY_MAX_HANDLE_SZ as usize]),
            len: 0,
            kind: 0,
        };
        let mut words = (fsn::RINOTIFY_MAX_HANDLE_SZ / 4) as c_int;
        // SAFETY: The inode is live (type invariant); `buf` holds `words` aligned `u32`s.
        let kind = unsafe {
            fsn::rinotify_encode_fid(
                self.inode.as_ptr(),
                handle.buf.0.as_mut_ptr().cast::<u32>(),
                &mut words,
            )
        };
        if kind < 0 || kind == fsn::RINOTIFY_FILEID_INVALID {
            return None;
        }
        handle.len = usize::try_from(words).ok()? * 4;
        if handle.len > handle.buf.0.len() {
            return None;
        }
        handle.kind = kind;
        Some(handle)
    }
}

/// The bytes of a file handle, aligned for the `u32` words exportfs writes.
#[repr(C, align(4))]
struct HandleBuf([u8; fsn::RINOTIFY_MAX_HANDLE_SZ as usize]);

/// An inode's file handle: what `name_to_handle_at()` returns in `struct file_handle`.
pub(crate) struct FileHandle {
    buf: HandleBuf,
    len: usize,
    kind: c_int,
}

impl FileHandle {
    /// Its type (`handle_type`, an `enum fid_type`).
    pub(crate) fn kind(&self) -> c_int {
        self.kind
    }

    /// Its bytes (`f_handle`, `handle_bytes` of them).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf.0[..self.len]
    }
}

/// A group's `mark_mutex`, held, taken with `fsnotify_group_lock()` (which also keeps file
/// system reclaim out, since fsnotify takes the mutex from reclaim too); unlocked when
/// dropped.
///
/// # Invariants
///
/// `group` is live for `'a`, and this thread holds its `mark_mutex`, taken by
/// `fsnotify_group_lock()`.
struct MarksLock<'a> {
    group: NonNull<fsn::fsnotify_group>,
    _group: PhantomData<&'a fsn::fsnotify_group>,
}

impl MarksLock<'_> {
    /// Takes `group`'s `mark_mutex` with `fsnotify_group_lock()`.
    ///
    /// # Safety
    ///
    /// `group` must be live for `'a`, and this thread must not hold its `mark_mutex`.
    unsafe fn new<'a>(group: NonNull<fsn::fsnotify_group>) -> MarksLock<'a> {
        // SAFETY: Guaranteed by the caller.
        unsafe { rinotify_group_lock(group.as_ptr()) };
        // INVARIANT: Locked just now, for a group live for `'a`.
        MarksLock {
            group,
            _group: PhantomData,
        }
    }

    /// The group's attached marks, newest first.
    fn iter(&self) -> impl Iterator<Item = &Mark> + '_ {
        // SAFETY: The group is live (type invariant).
        let head = unsafe { addr_of_mut!((*self.group.as_ptr()).marks_list) };
        // SAFETY: The list head is valid, and the list is stable under the mutex we hold.
        let mut pos = unsafe { (*head).next };
        core::iter::from_fn(move || {
            if pos == head {
                return None;
            }
            // Under `mark_mutex` `marks_list` holds exactly the attached marks: fsnotify
            // attaches and lists a mark, and detaches and unlists it, each in one critical
            // section of it; an attached mark holds a reference, so it is live while listed.
            // SAFETY: `pos` is an entry of the list, so the `g_list` of a live mark of the
            // group; all marks of our groups are `Mark`s (type invariant of `Mark`).
            let mark = unsafe {
                let raw = kernel::container_of!(pos, fsn::fsnotify_mark, g_list);
                pos = (*pos).next;
                &*raw.cast::<Mark>()
            };
            Some(mark)
        })
    }
}

impl Drop for MarksLock<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this thread holds the mutex of a live group, taken
        // by `fsnotify_group_lock()`.
        unsafe { rinotify_group_unlock(self.group.as_ptr()) };
    }
}

impl<T: GroupOps> Drop for Group<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we own one group reference. The group, and with it
        // the `Arc<T>`, is freed once its marks are gone as well.
        unsafe { fsn::fsnotify_put_group(self.ptr.as_ptr()) };
    }
}

/// The `private` member of the group's anonymous union.
///
/// # Safety
///
/// `group` must point at a live group.
unsafe fn private_slot(group: *mut fsn::fsnotify_group) -> *mut *mut c_void {
    // SAFETY: Guaranteed by the caller; union members start at the union's address.
    unsafe { addr_of_mut!((*group).__bindgen_anon_1).cast() }
}

/// What a group made by [`Group::new`] points at from `private`, until it is freed.
struct GroupPrivate<T> {
    /// The group's data, which its callbacks get.
    data: Arc<T>,
    /// Keeps [`MARK_CACHE`] alive while the group is: its marks come from it, and each is
    /// freed before its group.
    _cache: FsnotifyRef,
}

/// The data of `group`, for as long as the group is live.
///
/// # Safety
///
/// `group` must be a group made by [`Group::new`] with data `T`, live for `'a`.
unsafe fn group_data<'a, T>(group: *mut fsn::fsnotify_group) -> &'a T {
    // SAFETY: By the caller, `private` is a `GroupPrivate<T>`, which lives as long as the
    // group, and so does the `Arc<T>` in it.
    unsafe { &(*private_slot(group).read().cast::<GroupPrivate<T>>()).data }
}

/// The `fsnotify_ops` of groups with data `T`, and their entry points.
struct OpsTable<T: GroupOps>(PhantomData<T>);

impl<T: GroupOps> OpsTable<T> {
    const OPS: fsn::fsnotify_ops = fsn::fsnotify_ops {
        handle_event: None,
        handle_inode_event: Some(Self::handle_inode_event),
        free_group_priv: Some(Self::free_group_priv),
        freeing_mark: Some(Self::freeing_mark),
        free_event: None,
        free_mark: Some(Self::free_mark),
    };

    /// The data of the group of `mark`, for as long as the mark is seen.
    ///
    /// # Safety
    ///
    /// `mark` must be a mark of a group made by [`Group::new`] with data `T`.
    unsafe fn data<'a>(mark: MarkRef<'a>) -> &'a T {
        // SAFETY: The mark is allocated for `'a` (type invariant of `MarkRef`) and holds a
        // reference on its group until it is freed, so the group is live for `'a`; it was made
        // by `Group::new` with data `T` (guaranteed by the caller).
        unsafe { group_data((*mark.raw()).group) }
    }

    /// # Safety
    ///
    /// Called by fsnotify for a mark of a group made by [`Group::new`] with data `T`.
    unsafe extern "C" fn handle_inode_event(
        mark: *mut fsn::fsnotify_mark,
        mask: u32,
        inode: *mut bindings::inode,
        dir: *mut bindings::inode,
        name: *const bindings::qstr,
        cookie: u32,
    ) -> c_int {
        let name = if name.is_null() {
            None
        } else {
            // SAFETY: fsnotify passes a valid name of `len` bytes that does not change during
            // the call: the dentry's name under the parent's lock, or a copy of it
            // (`take_dentry_name_snapshot()`).
            Some(unsafe {
                core::slice::from_raw_parts(
                    (*name).name,
                    (*name).__bindgen_anon_1.__bindgen_anon_1.len as usize,
                )
            })
        };
        // SAFETY: fsnotify keeps the mark allocated for the call (it walks the marks under
        // `fsnotify_mark_srcu`); it is one of ours.
        let mark = unsafe { MarkRef::new(mark) };
        // SAFETY: The mark is one of a group made by `Group::new` with data `T`.
        let data = unsafe { Self::data(mark) };
        // INVARIANT: The pointers fsnotify passed for the call.
        let entry = EntryArgs {
            inode,
            dir,
            _call: PhantomData,
        };
        match data.handle_event(mark, mask, name, entry, cookie) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by fsnotify for a mark of a group made by [`Group::new`] with data `T`.
    unsafe extern "C" fn freeing_mark(
        mark: *mut fsn::fsnotify_mark,
        _group: *mut fsn::fsnotify_group,
    ) {
        // SAFETY: fsnotify keeps the mark allocated for the call (`fsnotify_free_mark()`'s
        // callers hold a reference or `fsnotify_mark_srcu`); it is one of ours.
        let mark = unsafe { MarkRef::new(mark) };
        // SAFETY: The mark is one of a group made by `Group::new` with data `T`.
        let data = unsafe { Self::data(mark) };
        data.freeing_mark(mark);
    }

    /// # Safety
    ///
    /// Called by fsnotify for a mark of a group made by [`Group::new`] with data `T`.
    unsafe extern "C" fn free_mark(mark: *mut fsn::fsnotify_mark) {
        // SAFETY: The last reference is gone; the mark came from `MARK_CACHE` by
        // `CacheBox::into_raw` in `add_mark`. The cache is live: the mark's group still
        // holds it (`fsnotify_final_mark_destroy()` puts the mark's group reference after
        // this), and a live group keeps the cache (`GroupPrivate`).
        drop(unsafe {
            CacheBox::from_raw(NonNull::new_unchecked(mark.cast::<Mark>()), &MARK_CACHE)
        });
    }

    /// # Safety
    ///
    /// Called by fsnotify when a group made by [`Group::new`] with data `T` is freed.
    unsafe extern "C" fn free_group_priv(group: *mut fsn::fsnotify_group) {
        // SAFETY: The group is being freed, after its marks: nothing uses `private` any more,
        // and it holds the `GroupPrivate<T>` stored by `Group::new`.
        drop(unsafe { KBox::from_raw(private_slot(group).read().cast::<GroupPrivate<T>>()) });
        // SAFETY: Gives back the reference `Group::new` took. The reaper, the only caller that
        // can run once no file of ours is open, is flushed by module exit.
        unsafe { bindings::module_put(this_module()) };
    }
}

/// A new mark of `group`, with event mask `mask` and mark flags `flags`, not attached,
/// allocated with `gfp`.
///
/// # Safety
///
/// `group` must be a live group made by [`Group::new`]: it keeps [`MARK_CACHE`] alive.
unsafe fn new_mark_of(
    group: *mut fsn::fsnotify_group,
    mask: u32,
    flags: u32,
    gfp: Gfp,
) -> Result<NewMark> {
    let mark = try_pin_init!(Mark {
        // SAFETY: `slot` is a mark-sized object of the cache, not yet shared;
        // `fsnotify_init_mark()` initialises it (with one reference, which the handle
        // below owns) and takes a group reference, which `group` is live for.
        fsn <- Opaque::ffi_init(move |slot: *mut fsn::fsnotify_mark| unsafe {
            fsn::fsnotify_init_mark(slot, group);
            (*slot).mask = mask;
            (*slot).flags = flags;
        }),
        wd: Atomic::new(-1),
        state: MarkState {
            in_tree: Atomic::new(false),
            attached: Atomic::new(false),
        },
    }? Error);
    // The cache is live: `group` keeps it (see `GroupPrivate`).
    let ptr = MARK_CACHE.alloc_pin_init(mark, gfp)?;
    // SAFETY: The mark is initialised for our group, from `MARK_CACHE` (the invariant of
    // `Mark`), with one reference, which the `ARef` owns.
    let mark = unsafe { WatchMark::from_raw(ptr) };
    // INVARIANT: Not attached, and only `attach` attaches a `NewMark`.
    Ok(NewMark { mark })
}

/// This module's `struct module`.
fn this_module() -> *mut bindings::module {
    kernel::module::this_module::<crate::LocalModule>().as_ptr()
}

/// Waits until fsnotify has freed every mark destroyed so far, and with them their group
/// references (`fsnotify_wait_marks_destroyed()`). Sleeps.
pub(crate) fn wait_marks_destroyed() {
    // SAFETY: Always safe to call from process context.
    unsafe { fsn::fsnotify_wait_marks_destroyed() };
}

/// The mark cache, `rinotify_watch_cache`, while something holds it: the module's
/// [`Fsnotify`], an [`FsnotifyRef`], or a group (its `GroupPrivate`). Dropped with the last,
/// which destroys the cache.
struct MarkCache {
    _registration: KmemCacheRegistration,
}

/// A reference to the module's mark cache: what [`Group::new`] takes, so that a group can be
/// made only while the cache is live, and keeps it so until the group is freed.
#[derive(Clone)]
pub(crate) struct FsnotifyRef {
    _cache: Arc<MarkCache>,
}

/// fsnotify state of the module: the mark cache. Dropping it (at module unload) waits for
/// fsnotify's mark reaper, which may still be returning from the last `free_group_priv`;
/// the cache goes with the last [`FsnotifyRef`] and the last group.
pub(crate) struct Fsnotify {
    cache: FsnotifyRef,
}

impl Fsnotify {
    /// Creates the mark cache, `rinotify_watch_cache`; `EBUSY` if it was created before.
    pub(crate) fn new() -> Result<Self> {
        // `MARK_CACHE` is allocated from only by `new_mark_of` for a live group made by
        // `Group::new`, and freed into only by `free_mark` for a mark of such a group, which
        // is live until after the mark is freed. Each such group holds an `Arc` clone of the
        // registration until fsnotify frees it, after its marks; so the registration, dropped
        // with the last clone, goes only once every mark is freed, and no mark can be
        // allocated afterwards, since no group holds it then and none can be made (a group
        // needs an `FsnotifyRef`, which is a clone).
        // SAFETY: As just said, nothing uses the cache after the registration is dropped.
        let registration = unsafe { MARK_CACHE.create(c"rinotify_watch_cache")? };
        let cache = Arc::new(
            MarkCache {
                _registration: registration,
            },
            GFP_KERNEL,
        )?;
        Ok(Self {
            cache: FsnotifyRef { _cache: cache },
        })
    }

    /// A reference to the mark cache, to make groups with ([`Group::new`]).
    pub(crate) fn new_ref(&self) -> FsnotifyRef {
        self.cache.clone()
    }
}

impl Drop for Fsnotify {
    fn drop(&mut self) {
        // Every group holds a module reference until the end of its `free_group_priv`, so at
        // module unload every group is freed; the call that freed the last may still be
        // returning through module code. Flushing fsnotify's mark reaper waits for it.
        wait_marks_destroyed();
    }
}
