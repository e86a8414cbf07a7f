// SPDX-License-Identifier: GPL-2.0

//! A [`SeqFile`] that can also say whether its buffer has overflowed.
//!
//! C header: [`include/linux/seq_file.h`](srctree/include/linux/seq_file.h).
//!
//! Linux 7.3's [`SeqFile`] has no `seq_has_overflowed()`, and a `&SeqFile` cannot be turned
//! back into the `struct seq_file` it wraps: its field is private, and that the reference
//! points at the C struct is not part of its API. So [`SeqFileRef`] keeps the pointer it is
//! made from, hands out the [`SeqFile`] made of it by upstream's own `SeqFile::from_raw()`,
//! and asks the kernel's inline. With a `SeqFile::has_overflowed()` upstream
//! (docs/design.md, "Where rinotify extends upstream"), this file goes and the file
//! operations take `&SeqFile`.

use core::{
    marker::PhantomData,
    ops::Deref, //
};
use kernel::{
    bindings,
    seq_file::SeqFile, //
};

/// A borrowed `struct seq_file`: what [`SeqFile`] offers, and [`Self::has_overflowed`].
///
/// # Invariants
///
/// For `'a`, `ptr` points at a valid `struct seq_file` that no other thread accesses.
pub(crate) struct SeqFileRef<'a> {
    ptr: *mut bindings::seq_file,
    _seq_file: PhantomData<&'a SeqFile>,
}

impl SeqFileRef<'_> {
    /// Borrows the `seq_file` at `ptr`.
    ///
    /// # Safety
    ///
    /// What [`SeqFile::from_raw`] asks: for `'a`, `ptr` points at a valid `struct seq_file`
    /// that no other thread accesses.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::seq_file) -> SeqFileRef<'a> {
        // INVARIANT: The caller guarantees it.
        SeqFileRef {
            ptr,
            _seq_file: PhantomData,
        }
    }

    /// `seq_has_overflowed()`: whether the buffer is full. What is printed now is dropped, and
    /// the `seq_file` core calls the show function again with a larger buffer, so a walk over
    /// many entries stops here, as fsnotify's `show_fdinfo()` does, rather than format
    /// entries that are lost.
    pub(crate) fn has_overflowed(&self) -> bool {
        // SAFETY: By the type invariant `ptr` is a valid `seq_file` used by this thread only.
        unsafe { super::bindings::rinotify_seq_has_overflowed(self.ptr) }
    }
}

impl Deref for SeqFileRef<'_> {
    type Target = SeqFile;

    fn deref(&self) -> &SeqFile {
        // SAFETY: By the type invariant `ptr` is valid and this thread's alone for as long as
        // `self` is borrowed, which the returned reference cannot outlive.
        unsafe { SeqFile::from_raw(self.ptr) }
    }
}
