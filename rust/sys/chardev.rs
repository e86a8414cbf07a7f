// SPDX-License-Identifier: GPL-2.0

//! A misc character device with a complete `file_operations` table.
//!
//! C headers: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h),
//! [`include/linux/fs.h`](srctree/include/linux/fs.h).
//!
//! The upstream [`kernel::miscdevice`] abstraction has no `poll`, `fasync`, plain `read` or
//! `llseek`, and no device-node mode, all of which an inotify-like file needs. This is the
//! same shape (a `#[vtable]` trait and a registration that owns a pinned `struct miscdevice`)
//! with the operations inotify's `file_operations` has.

// `fmode_t` bits are `__force` casts in `include/linux/fs.h`, which bindgen does not
// evaluate: `bindings_helper.h` has them as constants.
use super::bindings::{
    RINOTIFY_FMODE_NONOTIFY as FMODE_NONOTIFY,
    RINOTIFY_FMODE_NONOTIFY_PERM as FMODE_NONOTIFY_PERM,
    RINOTIFY_FMODE_PREAD as FMODE_PREAD,
    RINOTIFY_FMODE_PWRITE as FMODE_PWRITE, //
};
use super::seq_file::SeqFileRef;
use core::marker::PhantomData;
use kernel::{
    bindings,
    error::{
        to_result,
        VTABLE_DEFAULT_ERROR, //
    },
    fs::File,
    module::this_module,
    prelude::*,
    sync::poll::PollTable,
    types::{
        ForeignOwnable,
        Opaque, //
    },
    uaccess::{
        UserPtr,
        UserSlice,
        UserSliceWriter, //
    }, //
};

/// The private data of an open file, borrowed for the duration of one file operation.
pub(crate) type Borrowed<'a, T> = <<T as FileOps>::Ptr as ForeignOwnable>::Borrowed<'a>;

/// The operations of a file opened on a [`MiscRegistration`].
///
/// Each open file owns one `Self::Ptr`, created by [`FileOps::open`] and handed back to
/// [`FileOps::release`]; every other operation borrows it.
#[vtable]
pub(crate) trait FileOps: Sized {
    /// How the per-file state is owned (e.g. `Arc<Self>`).
    type Ptr: ForeignOwnable + Send + Sync;

    /// What the device shares with every open file, kept by the [`MiscRegistration`].
    type Context: Send + Sync;

    /// Whether the files are pseudo files, like an inotify instance's anonymous inode: their
    /// open, reads and close generate no fsnotify events.
    const NO_FSNOTIFY_EVENTS: bool = false;

    /// Called on `open(2)`; the result becomes the file's private data.
    fn open(context: &Self::Context, file: &File) -> Result<Self::Ptr>;

    /// Called on the last `close(2)` of the file.
    fn release(this: Self::Ptr, _file: &File) {
        drop(this);
    }

    /// `read(2)` into `buf`; returns the number of bytes written.
    fn read(_this: Borrowed<'_, Self>, _file: &File, _buf: UserSliceWriter) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `poll(2)`, `select(2)` and `epoll`: register on `table` and return the ready mask.
    fn poll(_this: Borrowed<'_, Self>, _file: &File, _table: PollTable<'_>) -> u32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ioctl(2)`, from native and from compat (32-bit) callers: the commands' arguments
    /// must have the same layout in both.
    fn ioctl(_this: Borrowed<'_, Self>, _file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `O_ASYNC` was set (`on`) or cleared on the file (`fcntl(F_SETFL)`, `FIOASYNC`).
    fn fasync(_this: Borrowed<'_, Self>, _fd: i32, _file: &File, _on: bool) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Writes this file's lines of `/proc/<pid>/fdinfo/<fd>`.
    fn show_fdinfo(_this: Borrowed<'_, Self>, _m: &SeqFileRef<'_>, _file: &File) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A registered misc device whose files are served by `T`.
///
/// # Invariants
///
/// `inner` holds a `struct miscdevice` registered with `misc_register()` whose `fops` is
/// `FileOpsTable::<T>::TABLE`; it is deregistered exactly once, in `drop`. `inner` is the
/// first field, so a pointer to it is a pointer to the registration.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct MiscRegistration<T: FileOps> {
    #[pin]
    inner: Opaque<bindings::miscdevice>,
    context: T::Context,
}

// SAFETY: `misc_deregister` may be called from any thread.
unsafe impl<T: FileOps> Send for MiscRegistration<T> {}
// SAFETY: No `&self` method touches the registration.
unsafe impl<T: FileOps> Sync for MiscRegistration<T> {}

impl<T: FileOps> MiscRegistration<T> {
    /// Registers `/dev/<name>` with a dynamic minor; the node gets permissions `mode`, and
    /// every file opened on it sees `context`.
    pub(crate) fn register(
        name: &'static CStr,
        mode: u16,
        context: T::Context,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            // The context is initialised first: the device is live once registered.
            context,
            inner <- Opaque::try_ffi_init(move |slot: *mut bindings::miscdevice| {
                let mut misc: bindings::miscdevice = pin_init::zeroed();
                misc.minor = bindings::MISC_DYNAMIC_MINOR as c_int;
                misc.name = name.as_char_ptr();
                misc.fops = &FileOpsTable::<T>::TABLE;
                misc.mode = mode;
                // SAFETY: The initializer may write to `slot`.
                unsafe { slot.write(misc) };
                // SAFETY: `slot` holds a filled-in miscdevice whose name and fops are
                // `'static`. It is pinned, and `drop` deregisters it before the memory goes.
                // INVARIANT: On success `slot` holds a device registered with our table.
                to_result(unsafe { bindings::misc_register(slot) })
            }),
        })
    }
}

#[pinned_drop]
impl<T: FileOps> PinnedDrop for MiscRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant the device is registered, and this is the only
        // place that deregisters it.
        unsafe { bindings::misc_deregister(self.inner.get()) };
    }
}

/// The `file_operations` table of `T` and its C entry points.
struct FileOpsTable<T: FileOps>(PhantomData<T>);

impl<T: FileOps> FileOpsTable<T> {
    /// # Safety
    ///
    /// Called by `misc_open()` for a file of a [`MiscRegistration<T>`] being opened.
    unsafe extern "C" fn open(_inode: *mut bindings::inode, raw: *mut bindings::file) -> c_int {
        // SAFETY: `misc_open()` stored our `miscdevice` in the private data, and keeps the
        // device registered during the call. It is the first field of a `MiscRegistration<T>`.
        let registration = unsafe { &*(*raw).private_data.cast::<MiscRegistration<T>>() };
        // SAFETY: `raw` is valid for the whole call and no `fdget_pos` region exists yet.
        let file = unsafe { File::from_raw_file(raw) };
        match T::open(&registration.context, file) {
            Ok(ptr) => {
                // `pread`/`pwrite` are refused, as on an inotify file (its `f_op` has none).
                // `FMODE_NONOTIFY` set here also silences the open event, which the VFS
                // sends after `->open`.
                let mut mode = FMODE_PREAD | FMODE_PWRITE;
                let mut quiet = 0;
                if T::NO_FSNOTIFY_EVENTS {
                    mode |= FMODE_NONOTIFY | FMODE_NONOTIFY_PERM;
                    quiet = FMODE_NONOTIFY;
                }
                // SAFETY: During `->open` the file is not shared yet: we may set its mode and
                // private data (`misc_open()`'s `miscdevice` pointer, not needed any more).
                unsafe {
                    (*raw).f_mode = ((*raw).f_mode & !mode) | quiet;
                    (*raw).private_data = ptr.into_foreign();
                }
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by the VFS on the final put of a file opened by [`Self::open`].
    unsafe extern "C" fn release(_inode: *mut bindings::inode, raw: *mut bindings::file) -> c_int {
        // SAFETY: `open` stored a `T::Ptr` in the private data; release owns it now, and no
        // other file operation can run any more.
        let ptr = unsafe { T::Ptr::from_foreign((*raw).private_data) };
        // SAFETY: `raw` is valid for the whole call; no `fdget_pos` region exists.
        T::release(ptr, unsafe { File::from_raw_file(raw) });
        0
    }

    /// # Safety
    ///
    /// Called by the VFS for a file opened by [`Self::open`], `buf` being a user pointer
    /// to `count` bytes.
    unsafe extern "C" fn read(
        raw: *mut bindings::file,
        buf: *mut c_char,
        count: usize,
        _pos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: The file is open, so its private data is the `T::Ptr` stored by `open`,
        // which `release` cannot take while this operation runs.
        let this = unsafe { T::Ptr::borrow((*raw).private_data) };
        // SAFETY: `raw` is valid for the call. A character device has no `FMODE_ATOMIC_POS`,
        // so no `fdget_pos` region holds `f_pos_lock`.
        let file = unsafe { File::from_raw_file(raw) };
        let writer = UserSlice::new(UserPtr::from_ptr(buf.cast()), count).writer();
        match T::read(this, file, writer) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// Called by the VFS for a file opened by [`Self::open`]; `table` is null or valid.
    unsafe extern "C" fn poll(
        raw: *mut bindings::file,
        table: *mut bindings::poll_table,
    ) -> bindings::__poll_t {
        // SAFETY: As in `read`.
        let this = unsafe { T::Ptr::borrow((*raw).private_data) };
        // SAFETY: As in `read`.
        let file = unsafe { File::from_raw_file(raw) };
        // SAFETY: The VFS passes a table that is null or valid for this call.
        let table = unsafe { PollTable::from_raw(table) };
        T::poll(this, file, table)
    }

    /// # Safety
    ///
    /// Called by the VFS for a file opened by [`Self::open`].
    unsafe extern "C" fn ioctl(raw: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
        // SAFETY: As in `read`.
        let this = unsafe { T::Ptr::borrow((*raw).private_data) };
        // SAFETY: As in `read`.
        let file = unsafe { File::from_raw_file(raw) };
        match T::ioctl(this, file, cmd, arg) {
            Ok(r) => r as c_long,
            Err(e) => e.to_errno() as c_long,
        }
    }

    /// # Safety
    ///
    /// Called by the VFS for a file opened by [`Self::open`], with the file's `f_lock` not held.
    unsafe extern "C" fn fasync(fd: c_int, raw: *mut bindings::file, on: c_int) -> c_int {
        // SAFETY: As in `read`. The VFS calls `->fasync(-1, file, 0)` before `->release`.
        let this = unsafe { T::Ptr::borrow((*raw).private_data) };
        // SAFETY: As in `read`.
        let file = unsafe { File::from_raw_file(raw) };
        match T::fasync(this, fd, file, on != 0) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by procfs for a file opened by [`Self::open`]; `m` is valid and exclusive.
    unsafe extern "C" fn show_fdinfo(m: *mut bindings::seq_file, raw: *mut bindings::file) {
        // SAFETY: As in `read`.
        let this = unsafe { T::Ptr::borrow((*raw).private_data) };
        // SAFETY: As in `read`.
        let file = unsafe { File::from_raw_file(raw) };
        // SAFETY: procfs hands us a valid seq_file for the duration of the call.
        let m = unsafe { SeqFileRef::from_raw(m) };
        T::show_fdinfo(this, &m, file);
    }

    const TABLE: bindings::file_operations = bindings::file_operations {
        owner: this_module::<T::OwnerModule>().as_ptr(),
        open: Some(Self::open),
        release: Some(Self::release),
        read: if T::HAS_READ { Some(Self::read) } else { None },
        poll: if T::HAS_POLL { Some(Self::poll) } else { None },
        unlocked_ioctl: if T::HAS_IOCTL {
            Some(Self::ioctl)
        } else {
            None
        },
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: if T::HAS_IOCTL {
            Some(Self::ioctl)
        } else {
            None
        },
        fasync: if T::HAS_FASYNC {
            Some(Self::fasync)
        } else {
            None
        },
        show_fdinfo: if T::HAS_SHOW_FDINFO {
            Some(Self::show_fdinfo)
        } else {
            None
        },
        // inotify's file seeks to nowhere and says so (`lseek` returns 0).
        llseek: Some(bindings::noop_llseek),
        ..pin_init::zeroed()
    };
}
