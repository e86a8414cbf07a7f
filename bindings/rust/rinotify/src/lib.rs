// SPDX-License-Identifier: GPL-2.0

//! rinotify from Rust: inotify's calls on `/dev/rinotify`, many watches in one call, and
//! tree watches, which follow a directory tree as it changes without the race every
//! inotify crawler has (a directory created in the tree is watched in the `mkdir()` that
//! creates it).
//!
//! - [`Instance`]: one open `/dev/rinotify`, what `inotify_init1()` returns:
//!   [`add_watch`](Instance::add_watch), [`rm_watch`](Instance::rm_watch),
//!   [`add_watches`](Instance::add_watches) (`RINOTIFY_IOC_ADD_WATCHES`, a result per
//!   entry), [`add_tree`](Instance::add_tree) (`RINOTIFY_IOC_ADD_TREE`), and
//!   [`read`](Instance::read), blocking or not as the instance was opened, whose
//!   [`Records`] decode `struct inotify_event`, `RIN_WATCHED` and `RIN_RESCAN` records.
//! - [`Tree`]: an instance with its table from wd to path, which it keeps from the records,
//!   so that each event names its directory's path; with an older module that lacks the
//!   tree ioctl it crawls over plain watches instead, and warns.
//! - `RinotifyWatcher` (the `notify` feature): a [`notify::Watcher`] on tree watches, for
//!   programs written with the `notify` crate.
//!
//! The ABI is `include/uapi/linux/rinotify.h` of the rinotify source; see also
//! `docs/beyond-inotify.md` there.
//!
//! ```no_run
//! use rinotify::{Instance, Mask, Record};
//!
//! # fn main() -> Result<(), rinotify::Error> {
//! let fd = Instance::new()?;
//! let root = fd.add_tree("/src", Mask::CREATE | Mask::DELETE | Mask::MODIFY)?;
//! let mut buf = vec![0; 64 * 1024];
//! for record in fd.read(&mut buf)? {
//!     match record {
//!         Record::Watched { wd, parent, name } => println!("{wd:?} is {name:?} in {parent:?}"),
//!         Record::Rescan { wd, name } => println!("read {name:?} of {wd:?} again"),
//!         Record::Event(e) => println!("{:?} {:?} in {:?}", e.mask, e.name, e.wd),
//!     }
//! }
//! fd.rm_watch(root)?;
//! # Ok(())
//! # }
//! ```

// No unsafe code but in `sys`, the ioctls: every other module forbids it (a crate-wide
// forbid could not be lifted for that one).
#![deny(unsafe_code)]
#![warn(missing_docs)]

use std::ffi::CString;
use std::os::fd::AsFd;
use std::os::fd::AsRawFd;
use std::os::fd::BorrowedFd;
use std::os::fd::OwnedFd;
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::path::PathBuf;

use rustix::fs::Mode;
use rustix::fs::OFlags;
pub use rustix::io::Errno;

mod error;
mod event;
mod sys;
mod tree;
#[cfg(feature = "notify")]
mod watcher;

pub use error::DEVICE;
pub use error::Error;
pub use error::ErrorKind;
pub use error::Op;
pub use error::SYSCTL_DIR;
pub use event::EVENT_HEADER_SIZE;
pub use event::Event;
pub use event::MIN_BUFFER_SIZE;
pub use event::Mask;
pub use event::Record;
pub use event::Records;
pub use tree::Tree;
pub use tree::TreeEvent;
#[cfg(feature = "notify")]
pub use watcher::RinotifyWatcher;

/// The results of this crate's calls.
pub type Result<T> = std::result::Result<T, Error>;

/// A watch descriptor, as `inotify_add_watch()` returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Wd(pub i32);

impl Wd {
    /// Its number.
    pub fn get(self) -> i32 {
        self.0
    }
}

bitflags::bitflags! {
    /// How an instance is opened: `inotify_init1()`'s flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct InitFlags: u32 {
        /// `IN_NONBLOCK`: [`Instance::read`] fails with [`ErrorKind::WouldBlock`] instead of
        /// waiting for an event.
        const NONBLOCK = 1;
        /// `IN_CLOEXEC`: the descriptor is closed across `execve()`.
        const CLOEXEC = 2;
    }
}

/// One watch of [`Instance::add_watches`]: `path` relative to `dir` (the working directory
/// if `None`), as `openat()` resolves it.
#[derive(Clone, Copy, Debug)]
pub struct WatchAt<'a> {
    /// The directory a relative `path` starts from; `None`: the working directory.
    pub dir: Option<BorrowedFd<'a>>,
    /// The path to watch.
    pub path: &'a Path,
    /// `inotify_add_watch()`'s mask.
    pub mask: Mask,
}

const AT_FDCWD: RawFd = -100;

fn c_path(op: Op, path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| Error::new(op, Errno::INVAL, Some(path.to_owned())))
}

/// One inotify instance on `/dev/rinotify`: what `inotify_init1()` returns.
///
/// Everything else an inotify descriptor does works on it through [`AsFd`]: `poll()`,
/// `epoll`, mio's and tokio's `AsyncFd`, `FIONREAD` ([`Instance::pending_bytes`]).
#[derive(Debug)]
pub struct Instance {
    fd: OwnedFd,
}

impl Instance {
    /// Opens an instance with [`InitFlags::CLOEXEC`], as Rust's standard library opens
    /// every descriptor: reads block.
    pub fn new() -> Result<Self> {
        Self::with_flags(InitFlags::CLOEXEC)
    }

    /// Opens an instance: `inotify_init1(flags)`.
    ///
    /// Fails with [`ErrorKind::NotLoaded`] if there is no `/dev/rinotify`, and
    /// [`ErrorKind::Limit`] at `max_user_instances`.
    pub fn with_flags(flags: InitFlags) -> Result<Self> {
        let mut oflags = OFlags::RDONLY;
        if flags.contains(InitFlags::NONBLOCK) {
            oflags |= OFlags::NONBLOCK;
        }
        if flags.contains(InitFlags::CLOEXEC) {
            oflags |= OFlags::CLOEXEC;
        }
        let fd = rustix::fs::open(DEVICE, oflags, Mode::empty())
            .map_err(|e| Error::new(Op::Open, e, None))?;
        Ok(Self { fd })
    }

    /// `inotify_add_watch()`: watches `path` with `mask`; its wd.
    pub fn add_watch(&self, path: impl AsRef<Path>, mask: Mask) -> Result<Wd> {
        let path = path.as_ref();
        let c = c_path(Op::AddWatch, path)?;
        sys::add_watch(&self.fd, &c, mask.bits())
            .map(Wd)
            .map_err(|e| Error::new(Op::AddWatch, e, Some(path.to_owned())))
    }

    /// `inotify_rm_watch()`: removes a watch (a tree's directory: with those below it).
    pub fn rm_watch(&self, wd: Wd) -> Result<()> {
        sys::rm_watch(&self.fd, wd.0).map_err(|e| Error::new(Op::RmWatch, e, None))
    }

    /// `RINOTIFY_IOC_ADD_WATCHES`: adds many watches in as few calls as it takes (4096
    /// entries a call), each with what `inotify_add_watch()` would have returned for it.
    ///
    /// Fails as a whole only if the kernel refuses the call itself; with a module older than
    /// the ioctl (`ENOTTY`) it adds the watches one by one.
    ///
    /// ```no_run
    /// use std::path::Path;
    /// use rinotify::{Instance, Mask, WatchAt};
    ///
    /// # fn main() -> Result<(), rinotify::Error> {
    /// let fd = Instance::new()?;
    /// let mask = Mask::CREATE | Mask::DELETE;
    /// let entries = [
    ///     WatchAt { dir: None, path: Path::new("src"), mask },
    ///     WatchAt { dir: None, path: Path::new("docs"), mask },
    /// ];
    /// for (entry, result) in entries.iter().zip(fd.add_watches(&entries)?) {
    ///     match result {
    ///         Ok(wd) => println!("{}: {wd:?}", entry.path.display()),
    ///         Err(errno) => println!("{}: {errno}", entry.path.display()),
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_watches(
        &self,
        entries: &[WatchAt<'_>],
    ) -> Result<Vec<std::result::Result<Wd, Errno>>> {
        let paths = entries
            .iter()
            .map(|e| c_path(Op::AddWatches, e.path))
            .collect::<Result<Vec<_>>>()?;
        let mut results = Vec::with_capacity(entries.len());
        let mut done = 0;
        while done < entries.len() {
            let end = entries.len().min(done + sys::MAX_WATCHES_PER_CALL);
            let mut batch: Vec<_> = entries[done..end]
                .iter()
                .zip(&paths[done..end])
                .map(|(e, c)| {
                    let dirfd = e.dir.map_or(AT_FDCWD, |d| d.as_raw_fd());
                    sys::watch_at(c, dirfd, e.mask.bits())
                })
                .collect();
            match sys::add_watches(&self.fd, &mut batch) {
                // Interrupted by a signal after n entries: their results are in, go on.
                Ok(n) => {
                    results.extend(batch[..n].iter().map(|e| {
                        if e.result < 0 {
                            Err(Errno::from_raw_os_error(-e.result))
                        } else {
                            Ok(Wd(e.result))
                        }
                    }));
                    done += n;
                }
                Err(Errno::INTR) => {}
                Err(Errno::NOTTY) => {
                    results.extend(entries[done..].iter().map(|e| self.add_watch_at_one(e)));
                    done = entries.len();
                }
                Err(e) => return Err(Error::new(Op::AddWatches, e, None)),
            }
        }
        Ok(results)
    }

    /// One entry of [`Instance::add_watches`] with `RINOTIFY_IOC_ADD_WATCH`, for an older
    /// module: a relative path below a directory descriptor goes through `/proc/self/fd`.
    fn add_watch_at_one(&self, e: &WatchAt<'_>) -> std::result::Result<Wd, Errno> {
        let path = match e.dir {
            Some(dir) if e.path.is_relative() => {
                PathBuf::from(format!("/proc/self/fd/{}", dir.as_raw_fd())).join(e.path)
            }
            _ => e.path.to_owned(),
        };
        self.add_watch(&path, e.mask).map_err(|e| e.errno())
    }

    /// `RINOTIFY_IOC_ADD_TREE`: watches the directory `path` and every directory below it,
    /// and keeps watching the tree as it changes; the root's wd.
    ///
    /// Each directory watched is named by a [`Record::Watched`] in the queue, before any
    /// event of its wd; [`Tree`] keeps the table of their paths. `mask` may not hold
    /// `IN_MASK_ADD`, `IN_MASK_CREATE` or `IN_ONESHOT`. Fails with
    /// [`ErrorKind::Unsupported`] on a module older than the ioctl, where [`Tree`] crawls
    /// instead.
    pub fn add_tree(&self, path: impl AsRef<Path>, mask: Mask) -> Result<Wd> {
        let path = path.as_ref();
        let c = c_path(Op::AddTree, path)?;
        sys::add_tree(&self.fd, AT_FDCWD, &c, mask.bits())
            .map(Wd)
            .map_err(|e| Error::new(Op::AddTree, e, Some(path.to_owned())))
    }

    /// Reads the queue into `buf`: at least one record (waiting for one, unless the instance
    /// is non-blocking: then [`ErrorKind::WouldBlock`] if there is none), as many as fit.
    ///
    /// `buf` must hold at least [`MIN_BUFFER_SIZE`] bytes, or a long name fails with
    /// `EINVAL`, as on inotify.
    pub fn read<'b>(&self, buf: &'b mut [u8]) -> Result<Records<'b>> {
        loop {
            match rustix::io::read(&self.fd, &mut *buf) {
                Ok(n) => return Ok(Records::new(&buf[..n])),
                Err(Errno::INTR) => continue,
                Err(e) => return Err(Error::new(Op::Read, e, None)),
            }
        }
    }

    /// Makes [`Instance::read`] wait for an event (`false`) or not (`true`): `O_NONBLOCK`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        let control = |e| Error::new(Op::Control, e, None);
        let mut flags = rustix::fs::fcntl_getfl(&self.fd).map_err(control)?;
        flags.set(OFlags::NONBLOCK, nonblocking);
        rustix::fs::fcntl_setfl(&self.fd, flags).map_err(control)
    }

    /// `FIONREAD`: how many bytes of records the queue holds.
    pub fn pending_bytes(&self) -> Result<u64> {
        rustix::io::ioctl_fionread(&self.fd).map_err(|e| Error::new(Op::Control, e, None))
    }
}

impl AsFd for Instance {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Instance {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<Instance> for OwnedFd {
    fn from(instance: Instance) -> OwnedFd {
        instance.fd
    }
}
