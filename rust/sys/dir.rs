// SPDX-License-Identifier: GPL-2.0

//! Reading a directory's entries from the kernel, as `getdents()` reads them for a crawler.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h) (`iterate_dir()`,
//! `struct dir_context`).

use super::{
    bindings::{
        rinotify_open_dir,
        RINOTIFY_DT_DIR as DT_DIR,
        RINOTIFY_DT_UNKNOWN as DT_UNKNOWN, //
    },
    path::WatchTarget,
};
use core::ptr::NonNull;
use kernel::{
    bindings,
    prelude::*, //
};

/// A directory open for reading its entries.
///
/// # Invariants
///
/// `file` is a file opened by `dentry_open()` on a directory, of which this value owns the
/// only reference.
pub(crate) struct Directory {
    file: NonNull<bindings::file>,
}

impl Directory {
    /// Opens the directory `target` names for reading, with the caller's credentials, as
    /// `opendir()` would (the security modules' `file_open` hook is asked). The caller's read
    /// permission was checked when `target` was looked up.
    pub(crate) fn open(target: &WatchTarget) -> Result<Self> {
        // SAFETY: `target` holds a reference to the path for the call.
        let file = unsafe { rinotify_open_dir(target.path()) };
        let file = kernel::error::from_err_ptr(file)?;
        // INVARIANT: Opened just now; the reference is ours.
        Ok(Self {
            file: NonNull::new(file).ok_or(ENOMEM)?,
        })
    }

    /// Appends the name of each entry that may be a subdirectory (not `.` or `..`) to
    /// `names`, each followed by a NUL, in the order `readdir()` gives them.
    ///
    /// The file system lists the entries with the directory's inode lock held, so only this
    /// copying happens while they are listed. `names` may grow large (a directory may have
    /// millions of subdirectories): it falls back to `vmalloc()`.
    pub(crate) fn subdirectory_names(&mut self, names: &mut KVVec<u8>) -> Result {
        let mut ctx: bindings::dir_context = pin_init::zeroed();
        ctx.actor = Some(NameReader::actor);
        let mut reader = NameReader {
            ctx,
            names,
            listed: 0,
            error: None,
        };
        // A file system may list a directory over several calls, as overlayfs reads the
        // directories below it: until one lists nothing.
        loop {
            reader.listed = 0;
            // The context is the first field of the `#[repr(C)]` reader: a pointer to the
            // whole reader is one to the context, and `actor` may turn it back into the reader.
            let ctx = core::ptr::addr_of_mut!(reader).cast::<bindings::dir_context>();
            // SAFETY: The file is an open directory (type invariant); `ctx` points at the
            // context of `reader`, as `actor` expects, which outlives the call.
            let ret = unsafe { bindings::iterate_dir(self.file.as_ptr(), ctx) };
            kernel::error::to_result(ret)?;
            if let Some(e) = reader.error {
                return Err(e);
            }
            if reader.listed == 0 {
                return Ok(());
            }
        }
    }
}

impl Drop for Directory {
    fn drop(&mut self) {
        // Closed at once, not at the return to user space as `fput()` would: a crawl opens
        // thousands of directories in one call. A directory file has no `->release` that
        // could need locks the caller holds (it holds none of ours here).
        // SAFETY: The reference is ours (type invariant).
        unsafe { bindings::__fput_sync(self.file.as_ptr()) };
    }
}

/// The `dir_context` of [`Directory::subdirectory_names`], with what its actor collects.
#[repr(C)]
struct NameReader<'a> {
    // First, so that a `struct dir_context *` is a `NameReader *`.
    ctx: bindings::dir_context,
    names: &'a mut KVVec<u8>,
    /// Entries listed by the last `iterate_dir()`.
    listed: usize,
    /// Why the listing stopped, if it was not its end.
    error: Option<Error>,
}

impl NameReader<'_> {
    /// # Safety
    ///
    /// Called by `iterate_dir()` with the context of a live `NameReader` and a name of
    /// `len` bytes.
    unsafe extern "C" fn actor(
        ctx: *mut bindings::dir_context,
        name: *const c_char,
        len: c_int,
        _offset: bindings::loff_t,
        _ino: u64,
        d_type: c_uint,
    ) -> bool {
        // SAFETY: `ctx` is the first field of a live `NameReader` (the caller's guarantee),
        // which nothing else uses while the file system lists its entries.
        let reader = unsafe { &mut *ctx.cast::<NameReader<'_>>() };
        reader.listed += 1;
        // The entry types that may be directories: a file system that does not know the type
        // says `DT_UNKNOWN`.
        if d_type != DT_DIR && d_type != DT_UNKNOWN {
            return true;
        }
        let len = usize::try_from(len).unwrap_or(0);
        // SAFETY: The file system passes `len` valid bytes of name for the call.
        let name = unsafe { core::slice::from_raw_parts(name.cast::<u8>(), len) };
        if name == b"." || name == b".." || name.is_empty() {
            return true;
        }
        let copied = reader
            .names
            .extend_from_slice(name, GFP_KERNEL_ACCOUNT)
            .and_then(|()| reader.names.push(0, GFP_KERNEL_ACCOUNT));
        match copied {
            Ok(()) => true,
            Err(e) => {
                reader.error = Some(e.into());
                false
            }
        }
    }
}
