// SPDX-License-Identifier: GPL-2.0

//! Slab caches of typed objects.
//!
//! C header: [`include/linux/slab.h`](srctree/include/linux/slab.h).
//!
//! Linux 7.3's `kernel` crate has no `kmem_cache` abstraction. A [`KmemCache<T>`] is a
//! `static` that holds objects of one type, is created when the module loads (so it shows
//! in `/proc/slabinfo` under its name) and destroyed when the module unloads. A
//! [`TailBox`] is a header and a run of bytes in one allocation, C's struct with a flexible
//! array member, allocated with GFP flags `KBox` cannot take.

use super::{
    bindings::{
        rinotify_kmalloc,
        rinotify_kmem_cache_alloc,
        RINOTIFY_GFP_EVENT,
        RINOTIFY_GFP_KERNEL,
        RINOTIFY_SLAB_FLAGS, //
    },
    fifo::Linked,
    once::ReadOnce,
};
use core::{
    marker::PhantomData,
    mem::{
        align_of,
        size_of, //
    },
    ops::{
        Deref,
        DerefMut, //
    },
    ptr::{
        addr_of_mut,
        NonNull, //
    },
};
use kernel::{
    alloc::AllocError,
    bindings,
    prelude::*,
    sync::atomic::{
        Atomic,
        Full, //
    },
};

/// How an allocation may be served (`gfp_t`): `kernel::alloc::Flags` keeps its raw value
/// crate-private, so the cache has its own.
#[derive(Clone, Copy)]
pub(crate) struct Gfp(bindings::gfp_t);

impl Gfp {
    /// `GFP_KERNEL`.
    pub(crate) const KERNEL: Gfp = Gfp(RINOTIFY_GFP_KERNEL);
    /// What inotify allocates events with: `GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL`.
    pub(crate) const EVENT: Gfp = Gfp(RINOTIFY_GFP_EVENT);

    /// The `gfp_t` value.
    pub(super) fn as_raw(self) -> bindings::gfp_t {
        self.0
    }
}

/// A slab cache for objects of type `T`.
///
/// # Invariants
///
/// `raw` is null until [`KmemCache::create`] sets it, once, to a cache created for objects of
/// `T`'s size and alignment, which stays valid until [`KmemCacheRegistration`] is dropped; by
/// the safety contract of [`KmemCache::create`], nothing allocates from it or frees into it
/// afterwards. It is never changed again.
pub(crate) struct KmemCache<T> {
    raw: Atomic<*mut bindings::kmem_cache>,
    _t: PhantomData<T>,
}

// SAFETY: Objects of `T` are created from the thread that calls `alloc` and can be sent
// elsewhere only if `T: Send`; the cache itself is thread-safe (the slab allocator
// synchronises every use of a `kmem_cache`).
unsafe impl<T: Send> Sync for KmemCache<T> {}

impl<T: Send + 'static> KmemCache<T> {
    /// An empty cache slot, to be [created](Self::create) at module load.
    pub(crate) const fn new() -> Self {
        Self {
            raw: Atomic::new(core::ptr::null_mut()),
            _t: PhantomData,
        }
    }

    /// Creates the slab cache, named `name` in `/proc/slabinfo` (never merged with another
    /// cache), charged to the memory cgroup of whoever allocates from it.
    ///
    /// # Safety
    ///
    /// [`KmemCache::alloc`] must not be called once the returned registration is dropped, and
    /// every object must be freed before it is.
    pub(crate) unsafe fn create(
        &'static self,
        name: &'static CStr,
    ) -> Result<KmemCacheRegistration> {
        let size = u32::try_from(size_of::<T>()).map_err(|_| EINVAL)?;
        let mut args: bindings::kmem_cache_args = pin_init::zeroed();
        args.align = align_of::<T>() as u32;
        // SAFETY: `name` is a `'static` string; `args` is valid for the call.
        let ptr = unsafe {
            bindings::__kmem_cache_create_args(
                name.as_char_ptr(),
                size,
                &mut args,
                RINOTIFY_SLAB_FLAGS,
            )
        };
        if ptr.is_null() {
            return Err(ENOMEM);
        }
        // INVARIANT: Set once, to the cache just created; fully ordered, so that whoever reads
        // the pointer finds the cache initialised.
        if self.raw.cmpxchg(core::ptr::null_mut(), ptr, Full).is_err() {
            // SAFETY: `ptr` was just created and nothing was allocated from it.
            unsafe { bindings::kmem_cache_destroy(ptr) };
            return Err(EBUSY);
        }
        Ok(KmemCacheRegistration(ptr))
    }

    /// A new, uninitialised object of the cache.
    #[inline]
    fn alloc_uninit(&'static self, gfp: Gfp) -> Result<NonNull<T>, AllocError> {
        // `READ_ONCE()`: the cache it points at was initialised before the pointer was set (see
        // `create`), which the dependency of the slab allocator's reads on it orders; and the
        // caches are created at module load, before the device that leads to any allocation
        // is registered.
        let raw = self.raw.read_once();
        if raw.is_null() {
            return Err(AllocError);
        }
        // SAFETY: By the type invariant `raw` is a live cache for objects of `T`'s layout.
        // The helper is `kmem_cache_alloc()`, so that allocation profiling tags the object.
        let obj = unsafe { rinotify_kmem_cache_alloc(raw, gfp.0) };
        NonNull::new(obj.cast::<T>()).ok_or(AllocError)
    }

    /// Moves `value` into a new object of the cache.
    pub(crate) fn alloc(&'static self, value: T, gfp: Gfp) -> Result<CacheBox<T>, AllocError> {
        let ptr = self.alloc_uninit(gfp)?;
        // SAFETY: `ptr` is a fresh object, valid and aligned for a `T`.
        unsafe { ptr.as_ptr().write(value) };
        // INVARIANT: `ptr` holds an initialised `T` allocated from `self`.
        Ok(CacheBox { ptr, cache: self })
    }

    /// Initialises a new object of the cache in place, where it stays: for objects that C
    /// code points at, such as an fsnotify mark. The object is the caller's, to be freed
    /// through a [`CacheBox`] made by [`CacheBox::from_raw`] once nothing uses it; until then
    /// it is never moved.
    pub(crate) fn alloc_pin_init<E: From<AllocError>>(
        &'static self,
        init: impl PinInit<T, E>,
        gfp: Gfp,
    ) -> Result<NonNull<T>, E> {
        let ptr = self.alloc_uninit(gfp)?;
        // SAFETY: `ptr` is a fresh object, valid and aligned for a `T`, which is never moved
        // once initialised (see above) and is freed only when the initialiser failed.
        if let Err(e) = unsafe { init.__init(ptr.as_ptr()) } {
            // SAFETY: Nothing was initialised; the object is ours and came from this cache,
            // which is live (type invariant).
            unsafe { self.free_uninit(ptr) };
            return Err(e);
        }
        Ok(ptr)
    }

    /// Frees an object of this cache.
    ///
    /// # Safety
    ///
    /// `ptr` must come from [`CacheBox::into_raw`] of a box of this cache, and not be used
    /// afterwards.
    unsafe fn free(&self, ptr: NonNull<T>) {
        // SAFETY: By the safety requirements `ptr` is a live, initialised object of ours.
        unsafe { core::ptr::drop_in_place(ptr.as_ptr()) };
        // SAFETY: The object is ours, from this cache, and its value was just dropped.
        unsafe { self.free_uninit(ptr) };
    }

    /// Gives an object back to the cache without dropping a value in it.
    ///
    /// # Safety
    ///
    /// `ptr` must be an object of this cache that holds no value to drop, and not be used
    /// afterwards.
    unsafe fn free_uninit(&self, ptr: NonNull<T>) {
        // An object exists only if `alloc_uninit` found the cache created, and a created
        // cache's pointer never changes: a cache that is not there means an object from
        // elsewhere.
        let raw = self.raw.read_once();
        if raw.is_null() {
            kernel::warn_on!(true);
            return;
        }
        // SAFETY: The object came from this cache, which is live (type invariant).
        unsafe { bindings::kmem_cache_free(raw, ptr.as_ptr().cast()) };
    }
}

/// Destroys a [`KmemCache`] when dropped (at module unload).
pub(crate) struct KmemCacheRegistration(*mut bindings::kmem_cache);

// SAFETY: `kmem_cache_destroy` may be called from any thread.
unsafe impl Send for KmemCacheRegistration {}
// SAFETY: The registration has no `&self` methods.
unsafe impl Sync for KmemCacheRegistration {}

impl Drop for KmemCacheRegistration {
    fn drop(&mut self) {
        // SAFETY: The cache was created by `KmemCache::create` and is destroyed only here; by
        // its safety contract no object is left and none will be allocated.
        unsafe { bindings::kmem_cache_destroy(self.0) };
    }
}

/// An object of a [`KmemCache`], owned like a `KBox`.
///
/// # Invariants
///
/// `ptr` points at an initialised `T` allocated from `cache`, owned by this box.
pub(crate) struct CacheBox<T: Send + 'static> {
    ptr: NonNull<T>,
    cache: &'static KmemCache<T>,
}

// SAFETY: The box owns its `T`, so it may move to another thread when `T` may.
unsafe impl<T: Send + 'static> Send for CacheBox<T> {}
// SAFETY: `&CacheBox<T>` only gives `&T`.
unsafe impl<T: Send + Sync + 'static> Sync for CacheBox<T> {}

impl<T: Send + 'static> CacheBox<T> {
    /// Gives up ownership: the object stays allocated until [`CacheBox::from_raw`].
    pub(crate) fn into_raw(self) -> NonNull<T> {
        let ptr = self.ptr;
        core::mem::forget(self);
        ptr
    }

    /// Takes back ownership of an object given up by [`CacheBox::into_raw`].
    ///
    /// # Safety
    ///
    /// `ptr` must come from `into_raw` of a box of `cache`, and ownership must not have been
    /// taken back already.
    pub(crate) unsafe fn from_raw(ptr: NonNull<T>, cache: &'static KmemCache<T>) -> Self {
        // INVARIANT: Guaranteed by the safety requirements.
        Self { ptr, cache }
    }
}

impl<T: Send + 'static> Deref for CacheBox<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: By the type invariant `ptr` is valid and owned by `self`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: Send + 'static> DerefMut for CacheBox<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: By the type invariant `ptr` is valid and exclusively owned by `self`.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T: Send + 'static> Drop for CacheBox<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the box owns a live object of `cache`.
        unsafe { self.cache.free(self.ptr) };
    }
}

/// The header type of [`TailBox`]es, which names the cache of its boxes without a tail.
pub(crate) trait TailHeader: Send + Sized + 'static {
    /// Where boxes with an empty tail are allocated (`tail` longer boxes come from
    /// `kmalloc()`). It must be [created](KmemCache::create) before the first box is.
    fn bare_cache() -> &'static KmemCache<TailNode<Self>>;
}

/// What a [`TailBox`] allocation starts with: a [`Fifo`](super::fifo::Fifo) link, the tail's
/// length and the header.
#[repr(C)]
pub(crate) struct TailNode<H: TailHeader> {
    link: Option<NonNull<TailNode<H>>>,
    len: u32,
    value: H,
}

// SAFETY: The link is a `Fifo`'s, which owns the node it leads to and moves with it; the
// rest is `H`, which is `Send`.
unsafe impl<H: TailHeader> Send for TailNode<H> {}

/// A header of type `H`, a [`Fifo`](super::fifo::Fifo) link and a run of bytes, the tail, in
/// one allocation of just the size they need: what C writes as a struct ending in a flexible
/// array member (inotify's `struct inotify_event_info`). A box with an empty tail is an
/// object of `H`'s [bare cache](TailHeader::bare_cache), one with a tail a `kmalloc()` block.
///
/// # Invariants
///
/// `ptr` points at an initialised `TailNode<H>` owned by this box followed by `len`
/// initialised bytes: an object of `H::bare_cache()` if `len` is 0, else a `kmalloc()`
/// block.
pub(crate) struct TailBox<H: TailHeader> {
    ptr: NonNull<TailNode<H>>,
}

// SAFETY: The box owns its header and bytes, so it may move to another thread when `H` may;
// both allocators may free from any thread.
unsafe impl<H: TailHeader> Send for TailBox<H> {}
// SAFETY: `&TailBox<H>` only gives `&H` and `&[u8]`.
unsafe impl<H: TailHeader + Sync> Sync for TailBox<H> {}

impl<H: TailHeader> TailBox<H> {
    /// Where the tail starts.
    const TAIL: usize = size_of::<TailNode<H>>();

    /// Moves `value` and a copy of `tail` into a new allocation made with `gfp`, unlinked.
    pub(crate) fn new(value: H, tail: &[u8], gfp: Gfp) -> Result<Self, AllocError> {
        // `kmalloc()` aligns every object to at least `ARCH_KMALLOC_MINALIGN`, 8 bytes.
        const { assert!(align_of::<TailNode<H>>() <= 8) };
        let len = u32::try_from(tail.len()).map_err(|_| AllocError)?;
        let node = TailNode {
            link: None,
            len,
            value,
        };
        if tail.is_empty() {
            // INVARIANT: An initialised node from the bare cache, with no tail.
            return Ok(Self {
                ptr: H::bare_cache().alloc(node, gfp)?.into_raw(),
            });
        }
        let size = Self::TAIL.checked_add(tail.len()).ok_or(AllocError)?;
        // SAFETY: Any size and flags may be asked for. The helper is `kmalloc()`, so that
        // allocation profiling tags the block.
        let raw = unsafe { rinotify_kmalloc(size, gfp.0) };
        let ptr = NonNull::new(raw.cast::<TailNode<H>>()).ok_or(AllocError)?;
        // SAFETY: `ptr` is a fresh block of `size` bytes, aligned for a `TailNode<H>`; the
        // tail goes after the node, inside the block, and cannot overlap `tail`.
        unsafe {
            ptr.as_ptr().write(node);
            core::ptr::copy_nonoverlapping(
                tail.as_ptr(),
                raw.cast::<u8>().add(Self::TAIL),
                tail.len(),
            );
        }
        // INVARIANT: The node and its `len` bytes are initialised, in a `kmalloc()` block.
        Ok(Self { ptr })
    }

    /// The bytes after the header.
    pub(crate) fn tail(&self) -> &[u8] {
        // SAFETY: By the type invariant `len` initialised bytes follow the node.
        unsafe {
            let node = self.ptr.as_ptr();
            core::slice::from_raw_parts(node.cast::<u8>().add(Self::TAIL), (*node).len as usize)
        }
    }
}

// SAFETY: A box is its node's pointer and owns the node, which does not move; the link is
// touched only through `link`, by the `Fifo` that holds the box.
unsafe impl<H: TailHeader> Linked for TailBox<H> {
    type Node = TailNode<H>;

    fn into_raw(self) -> NonNull<TailNode<H>> {
        let ptr = self.ptr;
        core::mem::forget(self);
        ptr
    }

    unsafe fn from_raw(node: NonNull<TailNode<H>>) -> Self {
        // INVARIANT: The caller passes a node given up by `into_raw` of a box, so one that
        // satisfied the invariant and has not changed since.
        Self { ptr: node }
    }

    unsafe fn link(node: NonNull<TailNode<H>>) -> *mut Option<NonNull<TailNode<H>>> {
        // SAFETY: The caller passes the node of a live box.
        unsafe { addr_of_mut!((*node.as_ptr()).link) }
    }
}

impl<H: TailHeader> Deref for TailBox<H> {
    type Target = H;

    fn deref(&self) -> &H {
        // SAFETY: By the type invariant the node is valid and owned by `self`.
        unsafe { &(*self.ptr.as_ptr()).value }
    }
}

impl<H: TailHeader> DerefMut for TailBox<H> {
    fn deref_mut(&mut self) -> &mut H {
        // SAFETY: By the type invariant the node is valid and exclusively owned by `self`.
        unsafe { &mut (*self.ptr.as_ptr()).value }
    }
}

impl<H: TailHeader> Drop for TailBox<H> {
    fn drop(&mut self) {
        let node = self.ptr.as_ptr();
        // SAFETY: By the type invariant the box owns an initialised node.
        if unsafe { (*node).len } == 0 {
            // SAFETY: By the type invariant the node is an object of the bare cache, given up
            // by `CacheBox::into_raw` in `new`; the `CacheBox` drops and frees it.
            drop(unsafe { CacheBox::from_raw(self.ptr, H::bare_cache()) });
            return;
        }
        // SAFETY: By the type invariant the node is initialised in a `kmalloc()` block owned
        // by the box: it is dropped and the block freed, once. Its link owns nothing.
        unsafe {
            core::ptr::drop_in_place(node);
            bindings::kfree(node.cast());
        }
    }
}

/// Pages of low memory (RAM not in highmem), what inotify sizes its watch limit by.
pub(crate) fn low_memory_pages() -> u64 {
    let mut info = bindings::sysinfo::default();
    // SAFETY: `info` is valid for writes.
    unsafe { bindings::si_meminfo(&mut info) };
    // `si_meminfo()` counts in pages: its `mem_unit` is `PAGE_SIZE`.
    (info.totalram - info.totalhigh) as u64
}
