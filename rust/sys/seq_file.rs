// SPDX-License-Identifier: GPL-2.0

//! What Linux 7.3's [`SeqFile`] lacks: whether its buffer has overflowed.
//!
//! C header: [`include/linux/seq_file.h`](srctree/include/linux/seq_file.h).

use kernel::{
    bindings,
    seq_file::SeqFile, //
};

/// `seq_has_overflowed()`.
pub(crate) trait SeqFileExt {
    /// Whether the buffer is full: what is printed now is dropped, and the `seq_file` core
    /// calls the show function again with a larger buffer. A walk over many entries stops
    /// here, as fsnotify's `show_fdinfo()` does, rather than format entries that are lost.
    fn has_overflowed(&self) -> bool;
}

impl SeqFileExt for SeqFile {
    fn has_overflowed(&self) -> bool {
        let m = core::ptr::from_ref(self).cast::<bindings::seq_file>();
        // SAFETY: `SeqFile` is a transparent wrapper of `struct seq_file`, valid for `&self`
        // and used by this thread only; `seq_has_overflowed()` is this comparison.
        unsafe { (*m).count == (*m).size }
    }
}
