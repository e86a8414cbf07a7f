// SPDX-License-Identifier: GPL-2.0

//! A read-only debugfs file whose open files keep the module loaded.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h).
//!
//! The 7.3 [`kernel::debugfs`] abstraction builds its `file_operations` without an `owner`,
//! so an open file of it does not pin the module: `rmmod` succeeds while the file is open,
//! and its `close()` then has debugfs read the unloaded module's `file_operations`
//! (`full_proxy_release()` looks up `real_fops->release`). This file's operations carry
//! `THIS_MODULE`, as a C module's `.owner = THIS_MODULE` does: debugfs's proxy `open` takes
//! a module reference (`fops_get()`), and `rmmod` is refused until the file is closed.

use core::marker::PhantomData;
use kernel::{
    bindings,
    module::this_module,
    prelude::*,
    seq_file::SeqFile,
    sync::Arc, //
};

/// The contents of a [`DebugfsFile`].
pub(crate) trait Show: Send + Sync + 'static {
    /// Writes the whole file to `m`.
    fn show(&self, m: &SeqFile);
}

/// A directory at the debugfs root with one read-only file, mode 0400, showing `T`.
/// Dropping it removes both, after the reads under way have returned.
///
/// # Invariants
///
/// `dir` is what `debugfs_create_dir()` returned (possibly an error pointer, if debugfs is
/// not available; null without `CONFIG_DEBUG_FS`); the file in it has `Arc::as_ptr(&_data)` as its private data.
pub(crate) struct DebugfsFile<T: Show> {
    dir: *mut bindings::dentry,
    /// What the file shows; its private data.
    _data: Arc<T>,
}

// SAFETY: Removing the entries may happen on any thread; `T` is `Send + Sync`.
unsafe impl<T: Show> Send for DebugfsFile<T> {}
// SAFETY: No `&self` methods touch the entries.
unsafe impl<T: Show> Sync for DebugfsFile<T> {}

impl<T: Show> DebugfsFile<T> {
    /// Creates `/sys/kernel/debug/<dir>/<file>`. A file that debugfs cannot create is
    /// missing, not an error, as for any debugfs user.
    pub(crate) fn new(dir: &CStr, file: &CStr, data: Arc<T>) -> Self {
        #[cfg(CONFIG_DEBUG_FS)]
        // SAFETY: `dir` is a valid string; a null parent is the debugfs root.
        let dir = unsafe { bindings::debugfs_create_dir(dir.as_char_ptr(), core::ptr::null_mut()) };
        #[cfg(CONFIG_DEBUG_FS)]
        // SAFETY: `file` is a valid string; `dir` may be an error pointer, which debugfs
        // accepts (and then creates nothing). The private data lives until `drop` has removed
        // the file, and no read is under way then.
        unsafe {
            bindings::debugfs_create_file_full(
                file.as_char_ptr(),
                0o400,
                dir,
                Arc::as_ptr(&data).cast_mut().cast(),
                core::ptr::null(),
                &FileOps::<T>::TABLE,
            )
        };
        #[cfg(not(CONFIG_DEBUG_FS))]
        let dir = {
            let _ = (dir, file);
            core::ptr::null_mut()
        };
        // INVARIANT: As created above.
        Self { dir, _data: data }
    }
}

impl<T: Show> Drop for DebugfsFile<T> {
    fn drop(&mut self) {
        #[cfg(CONFIG_DEBUG_FS)]
        // SAFETY: `dir` came from `debugfs_create_dir()` (error pointers are ignored). This
        // waits for the file's operations under way, so `data` is not used after it.
        unsafe {
            bindings::debugfs_remove(self.dir)
        };
    }
}

/// The `file_operations` of a [`DebugfsFile<T>`]: seq_file's, and a `show` for `T`.
#[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
struct FileOps<T: Show>(PhantomData<T>);

#[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
impl<T: Show> FileOps<T> {
    /// # Safety
    ///
    /// Called by debugfs for a file created by [`DebugfsFile::new`] with data `T`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: The inode's private data is the `T` of `DebugfsFile::new`, alive while the
        // file exists; seq_file keeps it as the seq_file's private data.
        unsafe { bindings::single_open(file, Some(Self::show), (*inode).i_private) }
    }

    /// # Safety
    ///
    /// Called by seq_file for a file opened by [`Self::open`].
    unsafe extern "C" fn show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
        // SAFETY: `private` is the `T` passed to `single_open`; debugfs keeps the file's data
        // alive during a read (its proxy holds the file against removal).
        let data = unsafe { &*(*m).private.cast::<T>() };
        // SAFETY: seq_file hands us a valid seq_file for the duration of the call.
        data.show(unsafe { SeqFile::from_raw(m) });
        0
    }

    const TABLE: bindings::file_operations = bindings::file_operations {
        // What a C module's `.owner = THIS_MODULE` is: an open file pins the module.
        owner: this_module::<crate::LocalModule>().as_ptr(),
        open: Some(Self::open),
        read: Some(bindings::seq_read),
        llseek: Some(bindings::seq_lseek),
        release: Some(bindings::single_release),
        ..pin_init::zeroed()
    };
}
