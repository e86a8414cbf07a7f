// SPDX-License-Identifier: GPL-2.0

//! Slab caches of typed objects.
//!
//! C header: [`include/linux/slab.h`](srctree/include/linux/slab.h).
//!
//! Linux 7.3's `kernel` crate has no `kmem_cache` abstraction. A [`KmemCache<T>`] is a
//! `static` that holds objects of one type, is created when the module loads (so it shows
//! in `/proc/slabinfo` under its name) and destroyed when the module unloads.
//! [`KmallocBytes`] is a `kmalloc()` byte buffer allocated with GFP flags the crate's
//! `KVec` cannot take.

use super::bindings::{
    RINOTIFY_GFP_EVENT,
    RINOTIFY_GFP_KERNEL,
    RINOTIFY_SLAB_FLAGS, //
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
    ptr::NonNull,
};
use kernel::{
    alloc::AllocError,
    bindings,
    prelude::*,
    sync::SetOnce, //
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
}

/// The `struct kmem_cache` pointer of a created cache.
struct RawCache(NonNull<bindings::kmem_cache>);

// SAFETY: A `kmem_cache` may be used from any thread.
unsafe impl Send for RawCache {}
// SAFETY: The slab allocator synchronises all uses of a `kmem_cache`.
unsafe impl Sync for RawCache {}

/// A slab cache for objects of type `T`.
///
/// # Invariants
///
/// Once `raw` is populated it points at a cache created for objects of `T`'s size and
/// alignment, which stays valid until [`KmemCacheRegistration`] is dropped; by the safety
/// contract of [`KmemCache::create`], nothing allocates from it or frees into it afterwards.
pub(crate) struct KmemCache<T> {
    raw: SetOnce<RawCache>,
    _t: PhantomData<T>,
}

// SAFETY: Objects of `T` are created from the thread that calls `alloc` and can be sent
// elsewhere only if `T: Send`; the cache itself is thread-safe.
unsafe impl<T: Send> Sync for KmemCache<T> {}

impl<T: Send + 'static> KmemCache<T> {
    /// An empty cache slot, to be [created](Self::create) at module load.
    pub(crate) const fn new() -> Self {
        Self {
            raw: SetOnce::new(),
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
        let raw = RawCache(NonNull::new(ptr).ok_or(ENOMEM)?);
        if !self.raw.populate(raw) {
            // SAFETY: `ptr` was just created and nothing was allocated from it.
            unsafe { bindings::kmem_cache_destroy(ptr) };
            return Err(EBUSY);
        }
        Ok(KmemCacheRegistration(ptr))
    }

    /// Moves `value` into a new object of the cache.
    pub(crate) fn alloc(&'static self, value: T, gfp: Gfp) -> Result<CacheBox<T>, AllocError> {
        let raw = self.raw.as_ref().ok_or(AllocError)?;
        // SAFETY: By the type invariant `raw` is a live cache for objects of `T`'s layout.
        let obj = unsafe { bindings::kmem_cache_alloc_noprof(raw.0.as_ptr(), gfp.0) };
        let ptr = NonNull::new(obj.cast::<T>()).ok_or(AllocError)?;
        // SAFETY: `ptr` is a fresh object, valid and aligned for a `T`.
        unsafe { ptr.as_ptr().write(value) };
        // INVARIANT: `ptr` holds an initialised `T` allocated from `self`.
        Ok(CacheBox { ptr, cache: self })
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
        if let Some(raw) = self.raw.as_ref() {
            // SAFETY: The object came from this cache, which is live (type invariant).
            unsafe { bindings::kmem_cache_free(raw.0.as_ptr(), ptr.as_ptr().cast()) };
        }
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

/// A copy of a byte string in memory from `kmalloc()`, allocated with any [`Gfp`] flags:
/// `kernel::alloc::Flags` has no `__GFP_RETRY_MAYFAIL`, which inotify allocates events with.
///
/// # Invariants
///
/// If `len` is not 0, `ptr` points at `len` initialised bytes from `kmalloc()` owned by this
/// value; otherwise it is dangling and nothing is allocated.
pub(crate) struct KmallocBytes {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: The value owns its bytes; `kfree()` may be called from any thread.
unsafe impl Send for KmallocBytes {}
// SAFETY: `&KmallocBytes` only gives `&[u8]`.
unsafe impl Sync for KmallocBytes {}

impl KmallocBytes {
    /// No bytes, and no allocation.
    pub(crate) const fn empty() -> Self {
        // INVARIANT: `len` is 0.
        Self {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    /// Copies `bytes` into a new allocation made with `gfp` (none if `bytes` is empty).
    pub(crate) fn copy_from(bytes: &[u8], gfp: Gfp) -> Result<Self, AllocError> {
        if bytes.is_empty() {
            return Ok(Self::empty());
        }
        // SAFETY: `__kmalloc_noprof()` may be called with any size and flags.
        let obj = unsafe { bindings::__kmalloc_noprof(bytes.len(), gfp.0) };
        let ptr = NonNull::new(obj.cast::<u8>()).ok_or(AllocError)?;
        // SAFETY: `ptr` is a fresh allocation of `bytes.len()` bytes, which cannot overlap
        // `bytes`.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.as_ptr(), bytes.len()) };
        // INVARIANT: `ptr` holds `bytes.len()` initialised bytes from `kmalloc()`.
        Ok(Self {
            ptr,
            len: bytes.len(),
        })
    }
}

impl Deref for KmallocBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: By the type invariant `ptr` is valid for `len` bytes (or `len` is 0 and a
        // dangling pointer is allowed).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for KmallocBytes {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: By the type invariant we own an allocation from `kmalloc()`.
            unsafe { bindings::kfree(self.ptr.as_ptr().cast()) };
        }
    }
}

/// Bytes of low memory (RAM not in highmem), what inotify sizes its watch limit by.
pub(crate) fn low_memory_bytes() -> u64 {
    let mut info = bindings::sysinfo::default();
    // SAFETY: `info` is valid for writes.
    unsafe { bindings::si_meminfo(&mut info) };
    (info.totalram - info.totalhigh) as u64 * u64::from(info.mem_unit)
}
