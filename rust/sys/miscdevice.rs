// SPDX-License-Identifier: GPL-2.0

//! Misc devices whose files are what an inotify file is.
//!
//! C headers: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h),
//! [`include/linux/fs.h`](srctree/include/linux/fs.h).
//!
//! This is Linux 7.3's [`kernel::miscdevice`] with what an inotify-like file needs and it
//! lacks. Upstream's `file_operations` table is private to it and its registration writes it
//! itself, so an operation cannot be added from outside: hence the same types, under the same
//! names, with the same trait methods taking the same arguments, and these additions (the
//! upstream patch, in docs/design.md, "Where rinotify extends upstream"):
//!
//! - [`MiscDeviceOptions::mode`]: the device node's permissions;
//! - [`MiscDevice::RegistrationData`], kept by the registration ([`MiscDeviceRegistration::data`])
//!   for `open` to reach;
//! - [`MiscDevice::read`], [`MiscDevice::poll`], [`MiscDevice::fasync`];
//! - [`MiscDevice::NOOP_LLSEEK`] and [`MiscDevice::PSEUDO_FILE`]: the file's seeking and
//!   mode, which are an inotify file's;
//! - [`MiscDevice::show_fdinfo`] takes a [`SeqFileRef`], a `SeqFile` that can say whether
//!   it has overflowed (see [`super::seq_file`]);
//! - [`MiscDevice::ioctl`] and [`MiscDevice::compat_ioctl`] return an [`IoctlReturn`], the
//!   file operation's own return value, rather than a `Result`.
//!
//! Upstream's operations that rinotify does not use (`mmap`, `read_iter`, `write_iter`, the
//! registration's `device()`) are left out.

use super::{
    seq_file::SeqFileRef,
    waitq::PollTable, //
};
use core::marker::PhantomData;
use kernel::{
    bindings,
    container_of,
    error::{
        to_result,
        VTABLE_DEFAULT_ERROR, //
    },
    fs::File,
    module::this_module,
    prelude::*,
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

/// What an ioctl returns to the VFS: a result, or a negative errno.
///
/// An ioctl handler that returns this from a call of its own is a tail call: no `Result` is
/// passed back through memory to be converted after the call, and a handler that only
/// dispatches on the command needs no stack frame (upstream's `Result<isize>` costs both).
#[repr(transparent)]
pub(crate) struct IoctlReturn(c_long);

impl From<Result<isize>> for IoctlReturn {
    #[inline(always)]
    fn from(result: Result<isize>) -> Self {
        Self(match result {
            Ok(ret) => ret as c_long,
            Err(err) => err.to_errno() as c_long,
        })
    }
}

/// Options for creating a misc device.
#[derive(Copy, Clone)]
pub(crate) struct MiscDeviceOptions {
    /// The name of the miscdevice.
    pub(crate) name: &'static CStr,
    /// The permissions of the device node; 0 leaves them to the misc core (0600).
    pub(crate) mode: u16,
}

impl MiscDeviceOptions {
    /// Create a raw `struct miscdev` ready for registration.
    pub(crate) const fn into_raw<T: MiscDevice>(self) -> bindings::miscdevice {
        let mut result: bindings::miscdevice = pin_init::zeroed();
        result.minor = bindings::MISC_DYNAMIC_MINOR as c_int;
        result.name = kernel::str::as_char_ptr_in_const_context(self.name);
        result.fops = MiscdeviceVTable::<T>::build();
        result.mode = self.mode;
        result
    }
}

/// A registration of a miscdevice.
///
/// # Invariants
///
/// - `inner` contains a `struct miscdevice` that is registered using `misc_register()`.
/// - This registration remains valid for the entire lifetime of the
///   [`MiscDeviceRegistration`] instance.
/// - Deregistration occurs exactly once in [`Drop`] via `misc_deregister()`.
/// - `inner` wraps a valid, pinned `miscdevice` created using [`MiscDeviceOptions::into_raw`].
/// - `data` is initialised before `inner` is registered and dropped after it is deregistered.
#[pin_data(PinnedDrop)]
pub(crate) struct MiscDeviceRegistration<T: MiscDevice> {
    #[pin]
    inner: Opaque<bindings::miscdevice>,
    data: T::RegistrationData,
    _t: PhantomData<T>,
}

// SAFETY: It is allowed to call `misc_deregister` on a different thread from where you called
// `misc_register`, and `data` is `Send`.
unsafe impl<T: MiscDevice> Send for MiscDeviceRegistration<T> {}
// SAFETY: All `&self` methods on this type are written to ensure that it is safe to call them in
// parallel, and `data` is `Sync`.
unsafe impl<T: MiscDevice> Sync for MiscDeviceRegistration<T> {}

impl<T: MiscDevice> MiscDeviceRegistration<T> {
    /// Register a misc device; every file opened on it reaches `data` through [`Self::data`].
    pub(crate) fn register(
        opts: MiscDeviceOptions,
        data: T::RegistrationData,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            // First: the device can be opened as soon as it is registered.
            data,
            inner <- Opaque::try_ffi_init(move |slot: *mut bindings::miscdevice| {
                // SAFETY: The initializer can write to the provided `slot`.
                unsafe { slot.write(opts.into_raw::<T>()) };

                // INVARIANT: If this returns `Ok(())`, then the `slot` will contain a registered
                // misc device.
                // SAFETY: We just wrote the misc device options to the slot. The miscdevice will
                // get unregistered before `slot` is deallocated because the memory is pinned and
                // the destructor of this type deallocates the memory.
                to_result(unsafe { bindings::misc_register(slot) })
            }),
            _t: PhantomData,
        })
    }

    /// The data given to [`Self::register`].
    pub(crate) fn data(&self) -> &T::RegistrationData {
        &self.data
    }
}

#[pinned_drop]
impl<T: MiscDevice> PinnedDrop for MiscDeviceRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: We know that the device is registered by the type invariants.
        unsafe { bindings::misc_deregister(self.inner.get()) };
    }
}

/// Trait implemented by the private data of an open misc device.
#[vtable]
pub(crate) trait MiscDevice: Sized {
    /// What kind of pointer should `Self` be wrapped in.
    type Ptr: ForeignOwnable + Send + Sync;

    /// What the registration keeps for every file opened on it (e.g. state shared by them).
    type RegistrationData: Send + Sync;

    /// Whether an open file is what `alloc_file_pseudo()` makes, as an inotify file is (an
    /// anonymous inode's): `pread(2)` and `pwrite(2)` fail with `ESPIPE`, and its open, reads
    /// and close generate no fsnotify events.
    const PSEUDO_FILE: bool = false;

    /// Whether `lseek(2)` succeeds without moving, as on an inotify file (`noop_llseek`);
    /// without, it fails with `ESPIPE`.
    const NOOP_LLSEEK: bool = false;

    /// Called when the misc device is opened.
    ///
    /// The returned pointer will be stored as the private data for the file.
    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Self::Ptr>;

    /// Called when the misc device is released.
    fn release(device: Self::Ptr, _file: &File) {
        drop(device);
    }

    /// `read(2)` into `buf`, a plain `.read` as an inotify file has (`readv(2)` calls it once
    /// per segment); returns the number of bytes written.
    fn read(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _buf: UserSliceWriter,
    ) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `poll(2)`, `select(2)` and `epoll`: register on `table` and return the ready mask.
    fn poll(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _table: PollTable<'_>,
    ) -> u32 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Handler for ioctls.
    ///
    /// The `cmd` argument is usually manipulated using the utilities in [`kernel::ioctl`].
    ///
    /// [`kernel::ioctl`]: mod@kernel::ioctl
    fn ioctl(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _cmd: u32,
        _arg: usize,
    ) -> IoctlReturn {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Handler for ioctls.
    ///
    /// Used for 32-bit userspace on 64-bit platforms.
    ///
    /// This method is optional and only needs to be provided if the ioctl relies on structures
    /// that have different layout on 32-bit and 64-bit userspace. If no implementation is
    /// provided, then `compat_ptr_ioctl` will be used instead.
    #[cfg(CONFIG_COMPAT)]
    fn compat_ioctl(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _cmd: u32,
        _arg: usize,
    ) -> IoctlReturn {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `O_ASYNC` was set (`on`) or cleared on the file (`fcntl(F_SETFL)`, `FIOASYNC`), or the
    /// file is being released (`fd` -1, `on` false).
    fn fasync(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _fd: i32,
        _file: &File,
        _on: bool,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Show info for this fd.
    fn show_fdinfo(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _m: &SeqFileRef<'_>,
        _file: &File,
    ) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A vtable for the file operations of a Rust miscdevice.
struct MiscdeviceVTable<T: MiscDevice>(PhantomData<T>);

impl<T: MiscDevice> MiscdeviceVTable<T> {
    /// # Safety
    ///
    /// `file` and `inode` must be the file and inode for a file that is undergoing initialization.
    /// The file must be associated with a `MiscDeviceRegistration<T>`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, raw_file: *mut bindings::file) -> c_int {
        // SAFETY: The pointers are valid and for a file being opened.
        let ret = unsafe { bindings::generic_file_open(inode, raw_file) };
        if ret != 0 {
            return ret;
        }

        // SAFETY: The open call of a file can access the private data.
        let misc_ptr = unsafe { (*raw_file).private_data }.cast::<bindings::miscdevice>();

        // SAFETY: This is a miscdevice, so `misc_open()` set the private data to a pointer to the
        // associated `struct miscdevice` before calling into this method, which is the `inner`
        // field of a `MiscDeviceRegistration<T>`. Furthermore, `misc_open()` ensures that the
        // miscdevice can't be unregistered and freed during this call to `fops_open`.
        let misc = unsafe {
            &*container_of!(
                Opaque::cast_from(misc_ptr).cast_mut(),
                MiscDeviceRegistration<T>,
                inner
            )
        };

        // SAFETY:
        // * This underlying file is valid for (much longer than) the duration of `T::open`.
        // * There is no active fdget_pos region on the file on this thread.
        let file = unsafe { File::from_raw_file(raw_file) };

        let ptr = match T::open(file, misc) {
            Ok(ptr) => ptr,
            Err(err) => return err.to_errno(),
        };

        if T::PSEUDO_FILE {
            // `FMODE_NONOTIFY` set here also silences the open event, which the VFS sends
            // after `->open`.
            // SAFETY: During `->open` the file is not shared yet: its mode may be changed.
            unsafe { super::bindings::rinotify_file_set_pseudo_mode(raw_file) };
        }

        // This overwrites the private data with the value specified by the user, changing the type
        // of this file's private data. All future accesses to the private data is performed by
        // other fops_* methods in this file, which all correctly cast the private data to the new
        // type.
        //
        // SAFETY: The open call of a file can access the private data.
        unsafe { (*raw_file).private_data = ptr.into_foreign() };

        0
    }

    /// # Safety
    ///
    /// `file` and `inode` must be the file and inode for a file that is being released. The file
    /// must be associated with a `MiscDeviceRegistration<T>`.
    unsafe extern "C" fn release(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: The release call of a file owns the private data.
        let private = unsafe { (*file).private_data };
        // SAFETY: The release call of a file owns the private data.
        let ptr = unsafe { <T::Ptr as ForeignOwnable>::from_foreign(private) };

        // SAFETY:
        // * The file is valid for the duration of this call.
        // * There is no active fdget_pos region on the file on this thread.
        T::release(ptr, unsafe { File::from_raw_file(file) });

        0
    }

    /// # Safety
    ///
    /// `file` must be a valid file that is associated with a `MiscDeviceRegistration<T>`. `buf`
    /// is a user pointer to `count` bytes.
    unsafe extern "C" fn read(
        file: *mut bindings::file,
        buf: *mut c_char,
        count: usize,
        _ppos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: The read call of a file can access the private data.
        let private = unsafe { (*file).private_data };
        // SAFETY: Read calls can borrow the private data of the file.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow(private) };

        // SAFETY:
        // * The file is valid for the duration of this call.
        // * There is no active fdget_pos region on the file on this thread: a character device
        //   has no `FMODE_ATOMIC_POS`, so `read(2)` takes no `f_pos_lock`.
        let file = unsafe { File::from_raw_file(file) };
        let buf = UserSlice::new(UserPtr::from_ptr(buf.cast()), count).writer();

        match T::read(device, file, buf) {
            Ok(res) => res as isize,
            Err(err) => err.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// `file` must be a valid file that is associated with a `MiscDeviceRegistration<T>`.
    /// `table` is null or a valid poll table.
    unsafe extern "C" fn poll(
        file: *mut bindings::file,
        table: *mut bindings::poll_table,
    ) -> bindings::__poll_t {
        // SAFETY: The poll call of a file can access the private data.
        let private = unsafe { (*file).private_data };
        // SAFETY: Poll calls can borrow the private data of the file.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow(private) };

        // SAFETY:
        // * The file is valid for the duration of this call.
        // * There is no active fdget_pos region on the file on this thread.
        let file = unsafe { File::from_raw_file(file) };
        // SAFETY: The caller provides a table that is null or valid for this call.
        let table = unsafe { PollTable::from_raw(table) };

        T::poll(device, file, table)
    }

    /// # Safety
    ///
    /// `file` must be a valid file that is associated with a `MiscDeviceRegistration<T>`.
    unsafe extern "C" fn ioctl(file: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
        // SAFETY: The ioctl call of a file can access the private data.
        let private = unsafe { (*file).private_data };
        // SAFETY: Ioctl calls can borrow the private data of the file.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow(private) };

        // SAFETY:
        // * The file is valid for the duration of this call.
        // * There is no active fdget_pos region on the file on this thread.
        let file = unsafe { File::from_raw_file(file) };

        T::ioctl(device, file, cmd, arg).0
    }

    /// # Safety
    ///
    /// `file` must be a valid file that is associated with a `MiscDeviceRegistration<T>`.
    #[cfg(CONFIG_COMPAT)]
    unsafe extern "C" fn compat_ioctl(
        file: *mut bindings::file,
        cmd: c_uint,
        arg: c_ulong,
    ) -> c_long {
        // SAFETY: The compat ioctl call of a file can access the private data.
        let private = unsafe { (*file).private_data };
        // SAFETY: Ioctl calls can borrow the private data of the file.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow(private) };

        // SAFETY:
        // * The file is valid for the duration of this call.
        // * There is no active fdget_pos region on the file on this thread.
        let file = unsafe { File::from_raw_file(file) };

        T::compat_ioctl(device, file, cmd, arg).0
    }

    /// # Safety
    ///
    /// `file` must be a valid file that is associated with a `MiscDeviceRegistration<T>`, and
    /// its `f_lock` is not held.
    unsafe extern "C" fn fasync(fd: c_int, file: *mut bindings::file, on: c_int) -> c_int {
        // SAFETY: The fasync call of a file can access the private data: the VFS calls
        // `->fasync(-1, file, 0)` before `->release`, not after.
        let private = unsafe { (*file).private_data };
        // SAFETY: Fasync calls can borrow the private data of the file.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow(private) };

        // SAFETY:
        // * The file is valid for the duration of this call.
        // * There is no active fdget_pos region on the file on this thread.
        let file = unsafe { File::from_raw_file(file) };

        match T::fasync(device, fd, file, on != 0) {
            Ok(()) => 0,
            Err(err) => err.to_errno(),
        }
    }

    /// # Safety
    ///
    /// - `file` must be a valid file that is associated with a `MiscDeviceRegistration<T>`.
    /// - `seq_file` must be a valid `struct seq_file` that we can write to.
    unsafe extern "C" fn show_fdinfo(seq_file: *mut bindings::seq_file, file: *mut bindings::file) {
        // SAFETY: The show_fdinfo call of a file can access the private data.
        let private = unsafe { (*file).private_data };
        // SAFETY: Show_fdinfo calls can borrow the private data of the file.
        let device = unsafe { <T::Ptr as ForeignOwnable>::borrow(private) };
        // SAFETY:
        // * The file is valid for the duration of this call.
        // * There is no active fdget_pos region on the file on this thread.
        let file = unsafe { File::from_raw_file(file) };
        // SAFETY: The caller ensures that the pointer is valid and exclusive for the duration in
        // which this method is called.
        let m = unsafe { SeqFileRef::from_raw(seq_file) };

        T::show_fdinfo(device, &m, file);
    }

    const VTABLE: bindings::file_operations = bindings::file_operations {
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
        compat_ioctl: if T::HAS_COMPAT_IOCTL {
            Some(Self::compat_ioctl)
        } else if T::HAS_IOCTL {
            bindings::compat_ptr_ioctl
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
        llseek: if T::NOOP_LLSEEK {
            Some(bindings::noop_llseek)
        } else {
            None
        },
        owner: this_module::<T::OwnerModule>().as_ptr(),
        ..pin_init::zeroed()
    };

    const fn build() -> &'static bindings::file_operations {
        &Self::VTABLE
    }
}
