// SPDX-License-Identifier: GPL-2.0

//! A read-only debugfs file whose open files keep the module loaded.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h).
//!
//! Linux 7.3's [`kernel::debugfs`] builds its `file_operations` without an `owner`, so an
//! open file of it does not pin the module: `rmmod` succeeds while the file is open, and its
//! `close()` then has debugfs read the unloaded module's `file_operations`
//! (`full_proxy_release()` looks up `real_fops->release`). This file is upstream's read-only
//! file (`Dir::read_only_file()`: its contents written by a [`Writer`], its operations
//! upstream's `ReadFile` table, mode 0400) with `owner` set to the module, as a C module's
//! `.owner = THIS_MODULE`: debugfs's proxy `open` then takes a module reference
//! (`fops_get()`), and `rmmod` is refused until the file is closed. The upstream patch that
//! would remove it is in docs/design.md, "Where rinotify extends upstream".

use core::marker::PhantomData;
use kernel::{
    bindings,
    debugfs::Writer,
    fmt,
    module::this_module,
    prelude::*,
    seq_file::{
        seq_print,
        SeqFile, //
    },
    sync::Arc, //
};

/// A directory at the debugfs root with one read-only file, mode 0400, showing `T`.
/// Dropping it removes both, after the reads under way have returned.
///
/// # Invariants
///
/// `dir` is what `debugfs_create_dir()` returned (possibly an error pointer, if debugfs is
/// not available; null without `CONFIG_DEBUG_FS`); the file in it has `Arc::as_ptr(&_data)` as
/// its private data.
pub(crate) struct DebugfsFile<T: Writer + Send + Sync + 'static> {
    dir: *mut bindings::dentry,
    /// What the file shows; its private data.
    _data: Arc<T>,
}

// SAFETY: Removing the entries may happen on any thread; `T` is `Send + Sync`.
unsafe impl<T: Writer + Send + Sync + 'static> Send for DebugfsFile<T> {}
// SAFETY: No `&self` methods touch the entries.
unsafe impl<T: Writer + Send + Sync + 'static> Sync for DebugfsFile<T> {}

impl<T: Writer + Send + Sync + 'static> DebugfsFile<T> {
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
                &ReadFile::<T>::FILE_OPS,
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

impl<T: Writer + Send + Sync + 'static> Drop for DebugfsFile<T> {
    fn drop(&mut self) {
        #[cfg(CONFIG_DEBUG_FS)]
        // SAFETY: `dir` came from `debugfs_create_dir()` (error pointers are ignored). This
        // waits for the file's operations under way, so `data` is not used after it.
        unsafe {
            bindings::debugfs_remove(self.dir)
        };
    }
}

/// Upstream's `WriterAdapter`: a [`Writer`] as `Display`, for `seq_print!`.
struct WriterAdapter<'a, T>(&'a T);

impl<T: Writer> fmt::Display for WriterAdapter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f)
    }
}

/// Upstream's `writer_open`: `single_open()` with the inode's private data, a `T`.
///
/// # Safety
///
/// * `inode`'s private pointer must point to a value of type `T` which will outlive the `inode`
///   and will not have any unique references alias it during the call.
/// * `file` must point to a live, not-yet-initialized file object.
#[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
unsafe extern "C" fn writer_open<T: Writer + Sync>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: The caller ensures that `inode` is a valid pointer.
    let data = unsafe { (*inode).i_private };
    // `single_open()` calls `writer_act` on a `seq_file` whose private data is its third
    // argument, which is what `writer_act` requires.
    // SAFETY: `file` is a live, not yet initialised file (caller's precondition), and `data`
    // points at a `T` that outlives the file (caller's precondition).
    unsafe { bindings::single_open(file, Some(writer_act::<T>), data) }
}

/// Upstream's `writer_act`: prints the `T` stashed in a seq_file to that seq_file.
///
/// # Safety
///
/// `seq` must point to a live `seq_file` whose private data is a valid pointer to a `T` which may
/// not have any unique references alias it during the call.
#[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
unsafe extern "C" fn writer_act<T: Writer + Sync>(
    seq: *mut bindings::seq_file,
    _: *mut c_void,
) -> c_int {
    // SAFETY: By caller precondition, this pointer is valid pointer to a `T`, and
    // there are not and will not be any unique references until we are done.
    let data = unsafe { &*((*seq).private.cast::<T>()) };
    // SAFETY: By caller precondition, `seq_file` points to a live `seq_file`, so we can lift
    // it.
    let seq_file = unsafe { SeqFile::from_raw(seq) };
    seq_print!(seq_file, "{}", WriterAdapter(data));
    0
}

/// Upstream's `ReadFile` table for a [`Writer`], with `owner`.
#[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
struct ReadFile<T>(PhantomData<T>);

#[cfg_attr(not(CONFIG_DEBUG_FS), allow(dead_code))]
impl<T: Writer + Sync> ReadFile<T> {
    // `operations` is all stock `seq_file` implementations except for `writer_open`, whose
    // only requirement beyond what is provided to all open functions is that the inode's data
    // pointer must point to a `T` that outlives it, which `DebugfsFile` keeps.
    const FILE_OPS: bindings::file_operations = bindings::file_operations {
        read: Some(bindings::seq_read),
        llseek: Some(bindings::seq_lseek),
        release: Some(bindings::single_release),
        open: Some(writer_open::<T>),
        // The addition to upstream's: what a C module's `.owner = THIS_MODULE` is, so that an
        // open file pins the module.
        owner: this_module::<crate::LocalModule>().as_ptr(),
        ..pin_init::zeroed()
    };
}
