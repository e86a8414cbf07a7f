// SPDX-License-Identifier: GPL-2.0

//! `READ_ONCE()` and `WRITE_ONCE()` of the `kernel` crate's atomics, inline.
//!
//! C header: [`include/asm-generic/rwonce.h`](srctree/include/asm-generic/rwonce.h).
//!
//! `Atomic::load()` and `Atomic::store()` with `Relaxed` are calls of C helpers around
//! `READ_ONCE()` and `WRITE_ONCE()` (`rust_helper_atomic_read()`, `rust_helper_atomic_set()`
//! and their kin), which a kernel built without `CONFIG_RUST_INLINE_HELPERS` (Debian's, and
//! the perf flavour) does not inline: `call`, `endbr64`, the access, `ret`, four instructions
//! where C executes one. The event path looks at a few such values per event (the watch's
//! descriptor, whether it is a tree's, whether the queue is full, the slab cache); with
//! `READ_ONCE()` inline, `read()`'s wake-up (bench row 4) is at or below native inotify's, and
//! with the helpers it is not. An added watch reads the user's count of watches and its
//! maximum and the descriptor table's highest index, and writes that index and the mark's
//! descriptor (see `docs/performance.md`). Upstream's answer is `CONFIG_RUST_INLINE_HELPERS`
//! (the helpers' LLVM bitcode linked into the module), which then makes this module
//! unnecessary.

use kernel::sync::atomic::{
    Atomic,
    AtomicType, //
};

/// A relaxed load of an atomic, as `READ_ONCE()` makes it in C.
pub(crate) trait ReadOnce<T> {
    /// The value, as `Atomic::load(Relaxed)` returns it.
    fn read_once(&self) -> T;
}

impl<T: AtomicType> ReadOnce<T> for Atomic<T> {
    #[inline(always)]
    fn read_once(&self) -> T {
        // `READ_ONCE()` is a volatile access of the whole object (`__READ_ONCE()`), and the
        // LKMM counts it as a marked access: it races with none of the atomic's other
        // accesses, every one of which is marked (`as_ptr()`'s requirement). `T` is at most 8
        // bytes and `Atomic<T>` is aligned for it, so the load is one single-copy-atomic
        // access, as the C helper's is; and every value stored through the `Atomic` is a valid
        // `T`. A dependency on the value is ordered as after a `READ_ONCE()` on every
        // architecture Rust-for-Linux supports (Alpha, whose `READ_ONCE()` adds a barrier, is
        // not one of them).
        // SAFETY: `as_ptr()` is valid and aligned for `T` for as long as `self` is.
        unsafe { self.as_ptr().read_volatile() }
    }
}

/// A relaxed store to an atomic, as `WRITE_ONCE()` makes it in C.
pub(crate) trait WriteOnce<T> {
    /// Stores `value`, as `Atomic::store(value, Relaxed)` does.
    fn write_once(&self, value: T);
}

impl<T: AtomicType> WriteOnce<T> for Atomic<T> {
    #[inline(always)]
    fn write_once(&self, value: T) {
        // `WRITE_ONCE()` is a volatile store of the whole object (`__WRITE_ONCE()`), a marked
        // access for the LKMM, as every other access of the atomic is (`as_ptr()`'s
        // requirement). `T` is at most 8 bytes and `Atomic<T>` is aligned for it, so the
        // store is one single-copy-atomic access, as the C helper's is, and it stores a valid
        // `T`, which is all the atomic's loads rely on.
        // SAFETY: `as_ptr()` is valid and aligned for `T` for as long as `self` is.
        unsafe { self.as_ptr().write_volatile(value) }
    }
}
