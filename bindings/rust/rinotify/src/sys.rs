// SPDX-License-Identifier: GPL-2.0

//! The ioctls of `include/uapi/linux/rinotify.h`, through rustix's `ioctl` API.
//!
//! The only module of the crate with `unsafe` code: each ioctl is a type implementing
//! [`rustix::ioctl::Ioctl`] over the header's `#[repr(C)]` struct, and a safe function that
//! borrows everything the kernel reads (the paths, the entries) for the length of the call.

#![allow(unsafe_code)]

use core::ffi::CStr;
use core::ffi::c_void;
use core::marker::PhantomData;
use rustix::fd::AsFd;
use rustix::io::Errno;
use rustix::ioctl::Ioctl;
use rustix::ioctl::IoctlOutput;
use rustix::ioctl::Opcode;
use rustix::ioctl::opcode;

/// `struct rinotify_watch`: the argument of `RINOTIFY_IOC_ADD_WATCH`.
#[repr(C)]
struct RinotifyWatch {
    pathname: u64,
    mask: u32,
    reserved: u32,
}

/// `struct rinotify_watch_at`: one entry of `RINOTIFY_IOC_ADD_WATCHES`.
/// `'a` is the life of the path it points to.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct RinotifyWatchAt<'a> {
    pathname: u64,
    dirfd: i32,
    mask: u32,
    /// Out: the wd, or the negative errno.
    pub(crate) result: i32,
    reserved: u32,
    path: PhantomData<&'a CStr>,
}

/// `struct rinotify_watches`: the argument of `RINOTIFY_IOC_ADD_WATCHES`.
#[repr(C)]
struct RinotifyWatches {
    entries: u64,
    count: u32,
    flags: u32,
}

/// `struct rinotify_tree`: the argument of `RINOTIFY_IOC_ADD_TREE`.
#[repr(C)]
struct RinotifyTree {
    pathname: u64,
    dirfd: i32,
    mask: u32,
    flags: u32,
    reserved: u32,
}

const _: () = assert!(size_of::<RinotifyWatch>() == 16);
const _: () = assert!(size_of::<RinotifyWatchAt<'_>>() == 24);
const _: () = assert!(size_of::<RinotifyWatches>() == 16);
const _: () = assert!(size_of::<RinotifyTree>() == 24);

const ADD_WATCH: Opcode = opcode::write::<RinotifyWatch>(b'I', 0x80);
const ADD_WATCHES: Opcode = opcode::write::<RinotifyWatches>(b'I', 0x82);
const ADD_TREE: Opcode = opcode::write::<RinotifyTree>(b'I', 0x83);
const RM_WATCH: Opcode = opcode::none(b'I', 0x84);

/// The most entries one `RINOTIFY_IOC_ADD_WATCHES` takes (`RINOTIFY_MAX_WATCHES_PER_CALL`).
pub(crate) const MAX_WATCHES_PER_CALL: usize = 4096;

/// An ioctl whose argument is a pointer to `T`, which the kernel only reads, and whose
/// return value is the result (a wd). `'a` is the life of the path `T` points to.
struct ReadArg<'a, T> {
    opcode: Opcode,
    arg: T,
    path: PhantomData<&'a CStr>,
}

// SAFETY: `as_ptr` points to `arg`, the struct of the header that `opcode` names, which
// lives (with the path it points to, for `'a`) as long as `self`; the kernel only reads it.
unsafe impl<T> Ioctl for ReadArg<'_, T> {
    type Output = i32;
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        self.opcode
    }

    fn as_ptr(&mut self) -> *mut c_void {
        (&raw mut self.arg).cast()
    }

    unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<i32> {
        Ok(out)
    }
}

/// `RINOTIFY_IOC_RM_WATCH`: the wd travels by value in the argument.
struct RmWatch(i32);

// SAFETY: the argument is an integer, not a pointer: the kernel dereferences nothing.
unsafe impl Ioctl for RmWatch {
    type Output = ();
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        RM_WATCH
    }

    fn as_ptr(&mut self) -> *mut c_void {
        // The wd, sign-extended as the kernel's `arg` is read back as an int.
        self.0 as isize as *mut c_void
    }

    unsafe fn output_from_ptr(_: IoctlOutput, _: *mut c_void) -> rustix::io::Result<()> {
        Ok(())
    }
}

/// `RINOTIFY_IOC_ADD_WATCHES`: the kernel writes each entry's `result`.
struct AddWatches<'a, 'p> {
    arg: RinotifyWatches,
    entries: PhantomData<&'a mut [RinotifyWatchAt<'p>]>,
}

// SAFETY: `arg.entries` points to `arg.count` entries borrowed mutably for `'a`, as long as
// `self` lives, whose paths live for `'p`, longer; the kernel writes only their `result`
// fields, which any `i32` may hold.
unsafe impl Ioctl for AddWatches<'_, '_> {
    type Output = usize;
    const IS_MUTATING: bool = true;

    fn opcode(&self) -> Opcode {
        ADD_WATCHES
    }

    fn as_ptr(&mut self) -> *mut c_void {
        (&raw mut self.arg).cast()
    }

    unsafe fn output_from_ptr(out: IoctlOutput, _: *mut c_void) -> rustix::io::Result<usize> {
        usize::try_from(out).map_err(|_| Errno::INVAL)
    }
}

fn pointer(path: &CStr) -> u64 {
    path.as_ptr() as usize as u64
}

/// `RINOTIFY_IOC_ADD_WATCH`: `inotify_add_watch(fd, path, mask)`.
pub(crate) fn add_watch(fd: impl AsFd, path: &CStr, mask: u32) -> Result<i32, Errno> {
    let call = ReadArg {
        opcode: ADD_WATCH,
        arg: RinotifyWatch {
            pathname: pointer(path),
            mask,
            reserved: 0,
        },
        path: PhantomData,
    };
    // SAFETY: `call` is a valid `Ioctl` (see its impl); `path` outlives the call.
    unsafe { rustix::ioctl::ioctl(fd, call) }
}

/// `RINOTIFY_IOC_RM_WATCH`: `inotify_rm_watch(fd, wd)`.
pub(crate) fn rm_watch(fd: impl AsFd, wd: i32) -> Result<(), Errno> {
    // SAFETY: `RmWatch` passes an integer; nothing in user memory is touched.
    unsafe { rustix::ioctl::ioctl(fd, RmWatch(wd)) }
}

/// `RINOTIFY_IOC_ADD_TREE` on `path`, relative to `dirfd` (or absolute).
pub(crate) fn add_tree(fd: impl AsFd, dirfd: i32, path: &CStr, mask: u32) -> Result<i32, Errno> {
    let call = ReadArg {
        opcode: ADD_TREE,
        arg: RinotifyTree {
            pathname: pointer(path),
            dirfd,
            mask,
            flags: 0,
            reserved: 0,
        },
        path: PhantomData,
    };
    // SAFETY: `call` is a valid `Ioctl` (see its impl); `path` outlives the call.
    unsafe { rustix::ioctl::ioctl(fd, call) }
}

/// One entry for [`add_watches`], borrowing its path.
pub(crate) fn watch_at(path: &CStr, dirfd: i32, mask: u32) -> RinotifyWatchAt<'_> {
    RinotifyWatchAt {
        pathname: pointer(path),
        dirfd,
        mask,
        result: 0,
        reserved: 0,
        path: PhantomData,
    }
}

/// `RINOTIFY_IOC_ADD_WATCHES` on at most [`MAX_WATCHES_PER_CALL`] entries: how many it
/// processed, from the first.
pub(crate) fn add_watches(
    fd: impl AsFd,
    entries: &mut [RinotifyWatchAt<'_>],
) -> Result<usize, Errno> {
    let count = u32::try_from(entries.len()).map_err(|_| Errno::INVAL)?;
    let call = AddWatches {
        arg: RinotifyWatches {
            entries: entries.as_mut_ptr() as usize as u64,
            count,
            flags: 0,
        },
        entries: PhantomData,
    };
    // SAFETY: `call` is a valid `Ioctl` (see its impl): `entries` is borrowed mutably, and
    // the paths its pointers name are borrowed by the entries, for the whole call.
    unsafe { rustix::ioctl::ioctl(fd, call) }
}
