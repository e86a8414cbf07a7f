// SPDX-License-Identifier: GPL-2.0

//! Errors that say what to do about them.

#![forbid(unsafe_code)]

use std::fmt;
use std::io;
use std::path::PathBuf;

use rustix::io::Errno;

/// The device every instance is opened from.
pub const DEVICE: &str = "/dev/rinotify";

/// The directory of rinotify's limits, as `/proc/sys/fs/inotify` is inotify's.
pub const SYSCTL_DIR: &str = "/proc/sys/fs/rinotify";

/// What the crate was doing when a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Opening [`DEVICE`]: `inotify_init1()`.
    Open,
    /// `RINOTIFY_IOC_ADD_WATCH`: `inotify_add_watch()`.
    AddWatch,
    /// `RINOTIFY_IOC_RM_WATCH`: `inotify_rm_watch()`.
    RmWatch,
    /// `RINOTIFY_IOC_ADD_WATCHES`.
    AddWatches,
    /// `RINOTIFY_IOC_ADD_TREE`.
    AddTree,
    /// `read()` of the instance.
    Read,
    /// Another call on the instance (`fcntl()`, `ioctl(FIONREAD)`).
    Control,
}

/// What a user can do about an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`DEVICE`] is missing: the rinotify module is not loaded. Load it, or watch with
    /// native inotify (notify's `INotifyWatcher`) instead.
    NotLoaded,
    /// A limit was reached; the field names its sysctl file, which root can raise.
    Limit(&'static str),
    /// The loaded module is older and lacks this ioctl (`ENOTTY`).
    Unsupported,
    /// A non-blocking instance has nothing to read now (`EAGAIN`).
    WouldBlock,
    /// Anything else: the errno says what.
    Other,
}

/// A failed call on `/dev/rinotify`, with the errno the kernel returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    op: Op,
    errno: Errno,
    path: Option<PathBuf>,
}

impl Error {
    pub(crate) fn new(op: Op, errno: Errno, path: Option<PathBuf>) -> Self {
        Self { op, errno, path }
    }

    /// The call that failed.
    pub fn op(&self) -> Op {
        self.op
    }

    /// The errno the kernel returned.
    pub fn errno(&self) -> Errno {
        self.errno
    }

    /// The path the call was about, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// What a user can do about it.
    pub fn kind(&self) -> ErrorKind {
        match (self.op, self.errno) {
            (Op::Open, Errno::NOENT | Errno::NXIO | Errno::NODEV) => ErrorKind::NotLoaded,
            (Op::Open, Errno::MFILE) => ErrorKind::Limit("max_user_instances"),
            (Op::AddWatch | Op::AddWatches | Op::AddTree, Errno::NOSPC) => {
                ErrorKind::Limit("max_user_watches")
            }
            (Op::AddWatches | Op::AddTree, Errno::NOTTY) => ErrorKind::Unsupported,
            (_, Errno::AGAIN) => ErrorKind::WouldBlock,
            _ => ErrorKind::Other,
        }
    }

    /// Whether a non-blocking read found nothing to read.
    pub fn is_would_block(&self) -> bool {
        self.kind() == ErrorKind::WouldBlock
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.op {
            Op::Open => "cannot open",
            Op::AddWatch => "cannot watch",
            Op::RmWatch => "cannot remove the watch",
            Op::AddWatches => "cannot add the watches",
            Op::AddTree => "cannot watch the tree",
            Op::Read => "cannot read the events",
            Op::Control => "cannot control the instance",
        };
        let io = io::Error::from(self.errno);
        match &self.path {
            Some(path) => write!(f, "{what} {}: {io}", path.display())?,
            None if self.op == Op::Open => write!(f, "{what} {DEVICE}: {io}")?,
            None => write!(f, "{what}: {io}")?,
        }
        match self.kind() {
            ErrorKind::NotLoaded => write!(
                f,
                ": the rinotify module is not loaded (insmod rinotify.ko); without it, \
                 watch with native inotify: notify's INotifyWatcher (RecommendedWatcher)"
            ),
            ErrorKind::Limit("max_user_instances") => write!(
                f,
                ": this user's instances are at {SYSCTL_DIR}/max_user_instances, or the \
                 process's descriptors at its RLIMIT_NOFILE; raise the one reached"
            ),
            ErrorKind::Limit(sysctl) => write!(
                f,
                ": this user's watches are at {SYSCTL_DIR}/{sysctl}; raise it (as root: \
                 echo N > {SYSCTL_DIR}/{sysctl})"
            ),
            ErrorKind::Unsupported => write!(
                f,
                ": the loaded rinotify module is older and lacks this ioctl; load this \
                 version's module"
            ),
            ErrorKind::WouldBlock | ErrorKind::Other => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = io::Error::from(e.errno).kind();
        io::Error::new(kind, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_device_says_how_to_fall_back() {
        let e = Error::new(Op::Open, Errno::NOENT, None);
        assert_eq!(e.kind(), ErrorKind::NotLoaded);
        let text = e.to_string();
        assert!(text.starts_with("cannot open /dev/rinotify: "), "{text}");
        assert!(text.contains("module is not loaded"), "{text}");
        assert!(text.contains("INotifyWatcher"), "{text}");
    }

    #[test]
    fn limits_name_their_sysctl() {
        let e = Error::new(Op::AddTree, Errno::NOSPC, Some("/src".into()));
        assert_eq!(e.kind(), ErrorKind::Limit("max_user_watches"));
        assert!(
            e.to_string()
                .contains("/proc/sys/fs/rinotify/max_user_watches")
        );
        let e = Error::new(Op::Open, Errno::MFILE, None);
        assert!(
            e.to_string()
                .contains("/proc/sys/fs/rinotify/max_user_instances")
        );
    }

    #[test]
    fn enotty_on_the_tree_ioctl_is_an_old_module() {
        let e = Error::new(Op::AddTree, Errno::NOTTY, None);
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(
            io::Error::from(e).raw_os_error(),
            None,
            "the io::Error wraps ours, with its message"
        );
    }
}
