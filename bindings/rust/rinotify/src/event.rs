// SPDX-License-Identifier: GPL-2.0

//! `struct inotify_event` records, as `read()` returns them, decoded.

#![forbid(unsafe_code)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use crate::Wd;

bitflags::bitflags! {
    /// The bits of a watch's mask and of an event's: inotify's `IN_*`, and rinotify's
    /// `RIN_WATCHED` and `RIN_RESCAN` (`include/uapi/linux/rinotify.h`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Mask: u32 {
        /// `IN_ACCESS`: a file was read.
        const ACCESS = 0x0000_0001;
        /// `IN_MODIFY`: a file was written.
        const MODIFY = 0x0000_0002;
        /// `IN_ATTRIB`: metadata changed.
        const ATTRIB = 0x0000_0004;
        /// `IN_CLOSE_WRITE`: a file opened for writing was closed.
        const CLOSE_WRITE = 0x0000_0008;
        /// `IN_CLOSE_NOWRITE`: a file not opened for writing was closed.
        const CLOSE_NOWRITE = 0x0000_0010;
        /// `IN_OPEN`: a file was opened.
        const OPEN = 0x0000_0020;
        /// `IN_MOVED_FROM`: an entry was moved out of the directory.
        const MOVED_FROM = 0x0000_0040;
        /// `IN_MOVED_TO`: an entry was moved into the directory.
        const MOVED_TO = 0x0000_0080;
        /// `IN_CREATE`: an entry was created in the directory.
        const CREATE = 0x0000_0100;
        /// `IN_DELETE`: an entry was deleted from the directory.
        const DELETE = 0x0000_0200;
        /// `IN_DELETE_SELF`: the watched object was deleted.
        const DELETE_SELF = 0x0000_0400;
        /// `IN_MOVE_SELF`: the watched object was moved.
        const MOVE_SELF = 0x0000_0800;
        /// `IN_UNMOUNT`: the file system of the watched object was unmounted.
        const UNMOUNT = 0x0000_2000;
        /// `IN_Q_OVERFLOW`: the queue overflowed (wd -1): events were lost.
        const Q_OVERFLOW = 0x0000_4000;
        /// `IN_IGNORED`: the watch is gone.
        const IGNORED = 0x0000_8000;
        /// `RIN_WATCHED`: a directory of a tree is now watched.
        const RIN_WATCHED = 0x0010_0000;
        /// `RIN_RESCAN`: events may have been missed in or below a directory.
        const RIN_RESCAN = 0x0020_0000;
        /// `IN_ONLYDIR`: watch the path only if it is a directory.
        const ONLYDIR = 0x0100_0000;
        /// `IN_DONT_FOLLOW`: do not follow a symbolic link.
        const DONT_FOLLOW = 0x0200_0000;
        /// `IN_EXCL_UNLINK`: no events for children once they are unlinked.
        const EXCL_UNLINK = 0x0400_0000;
        /// `IN_MASK_CREATE`: fail with `EEXIST` if the object is watched already.
        const MASK_CREATE = 0x1000_0000;
        /// `IN_MASK_ADD`: add to the watch's mask instead of replacing it.
        const MASK_ADD = 0x2000_0000;
        /// `IN_ISDIR`: the subject of the event is a directory.
        const ISDIR = 0x4000_0000;
        /// `IN_ONESHOT`: remove the watch after its first event.
        const ONESHOT = 0x8000_0000;
        /// `IN_CLOSE`: both close events.
        const CLOSE = Self::CLOSE_WRITE.bits() | Self::CLOSE_NOWRITE.bits();
        /// `IN_MOVE`: both move events.
        const MOVE = Self::MOVED_FROM.bits() | Self::MOVED_TO.bits();
        /// `IN_ALL_EVENTS`: every event a watch can ask for.
        const ALL_EVENTS = 0x0000_0fff;
    }
}

/// An inotify event: one record that is neither `RIN_WATCHED` nor `RIN_RESCAN`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event<'a> {
    /// The watch it happened on; -1 for `IN_Q_OVERFLOW`.
    pub wd: Wd,
    /// What happened.
    pub mask: Mask,
    /// Pairs an `IN_MOVED_FROM` with its `IN_MOVED_TO`; 0 otherwise.
    pub cookie: u32,
    /// The entry of the watched directory it is about; `None` for the watched object itself.
    pub name: Option<&'a OsStr>,
}

/// One record of an instance's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record<'a> {
    /// An event, as inotify reports it.
    Event(Event<'a>),
    /// `RIN_WATCHED`: a directory of a tree is now watched, with `wd`.
    Watched {
        /// Its watch descriptor.
        wd: Wd,
        /// Its parent's wd; `None` for the root of the tree.
        parent: Option<Wd>,
        /// Its name in its parent; `None` for the root.
        name: Option<&'a OsStr>,
    },
    /// `RIN_RESCAN`: events may have been missed in or below a directory, which the client
    /// should read again: the entry `name` of the directory of `wd`, or (no name) the
    /// directory of `wd` itself, a directory just moved into the tree, whose subdirectories
    /// are not watched until `RINOTIFY_IOC_ADD_TREE` is called on it.
    Rescan {
        /// The directory the record is about, or its parent.
        wd: Wd,
        /// The entry of that directory, if the record is about an entry.
        name: Option<&'a OsStr>,
    },
}

/// The size of `struct inotify_event` without its name.
pub const EVENT_HEADER_SIZE: usize = 16;

/// A buffer size that always holds at least one record: the header, `NAME_MAX` and its NUL.
pub const MIN_BUFFER_SIZE: usize = EVENT_HEADER_SIZE + 255 + 1;

/// The records of a buffer filled by `read()`, decoded in order.
///
/// A record that does not fit in what is left of the buffer ends the iteration; the kernel
/// never returns one, so [`Records::remainder`] is empty after a whole `read()`.
#[derive(Clone, Debug)]
pub struct Records<'a> {
    buf: &'a [u8],
}

impl<'a> Records<'a> {
    /// The records of `buf`, which holds what one `read()` of an instance returned.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// What is left undecoded: empty, unless the buffer ended within a record.
    pub fn remainder(&self) -> &'a [u8] {
        self.buf
    }
}

fn word(buf: &[u8], at: usize) -> [u8; 4] {
    [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        let buf = self.buf;
        if buf.len() < EVENT_HEADER_SIZE {
            return None;
        }
        let wd = Wd(i32::from_ne_bytes(word(buf, 0)));
        let mask = Mask::from_bits_retain(u32::from_ne_bytes(word(buf, 4)));
        let cookie = u32::from_ne_bytes(word(buf, 8));
        let len = u32::from_ne_bytes(word(buf, 12)) as usize;
        let end = EVENT_HEADER_SIZE.checked_add(len)?;
        if buf.len() < end {
            return None;
        }
        // The name is padded with NULs to a multiple of the header's alignment.
        let raw = &buf[EVENT_HEADER_SIZE..end];
        let raw = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
        let name = (!raw.is_empty()).then(|| OsStr::from_bytes(raw));
        self.buf = &buf[end..];
        Some(if mask.contains(Mask::RIN_WATCHED) {
            Record::Watched {
                wd,
                parent: (cookie != 0).then_some(Wd(cookie as i32)),
                name,
            }
        } else if mask.contains(Mask::RIN_RESCAN) {
            Record::Rescan { wd, name }
        } else {
            Record::Event(Event {
                wd,
                mask,
                cookie,
                name,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record as the kernel lays it out, the name padded to `padded` bytes.
    fn record(wd: i32, mask: u32, cookie: u32, name: &str, padded: usize) -> Vec<u8> {
        let mut r = Vec::new();
        r.extend_from_slice(&wd.to_ne_bytes());
        r.extend_from_slice(&mask.to_ne_bytes());
        r.extend_from_slice(&cookie.to_ne_bytes());
        r.extend_from_slice(&(padded as u32).to_ne_bytes());
        r.extend_from_slice(name.as_bytes());
        r.resize(EVENT_HEADER_SIZE + padded, 0);
        r
    }

    #[test]
    fn decodes_events_watched_and_rescan_records() {
        let mut buf = record(1, 0x100 | 0x4000_0000, 0, "sub", 16);
        buf.extend(record(2, 0x0010_0000 | 0x4000_0000, 1, "sub", 16));
        buf.extend(record(1, 0x0020_0000, 0, "", 0));
        buf.extend(record(3, 0x0010_0000 | 0x4000_0000, 0, "", 0));
        buf.extend(record(2, 0x40, 7, "f", 16));
        let records: Vec<_> = Records::new(&buf).collect();
        assert_eq!(
            records,
            [
                Record::Event(Event {
                    wd: Wd(1),
                    mask: Mask::CREATE | Mask::ISDIR,
                    cookie: 0,
                    name: Some(OsStr::new("sub")),
                }),
                Record::Watched {
                    wd: Wd(2),
                    parent: Some(Wd(1)),
                    name: Some(OsStr::new("sub")),
                },
                Record::Rescan {
                    wd: Wd(1),
                    name: None
                },
                Record::Watched {
                    wd: Wd(3),
                    parent: None,
                    name: None
                },
                Record::Event(Event {
                    wd: Wd(2),
                    mask: Mask::MOVED_FROM,
                    cookie: 7,
                    name: Some(OsStr::new("f")),
                }),
            ]
        );
    }

    #[test]
    fn a_name_fills_its_padding_exactly() {
        let buf = record(5, 0x2, 0, "0123456789abcdef", 16);
        let mut records = Records::new(&buf);
        assert_eq!(
            records.next(),
            Some(Record::Event(Event {
                wd: Wd(5),
                mask: Mask::MODIFY,
                cookie: 0,
                name: Some(OsStr::new("0123456789abcdef")),
            }))
        );
        assert_eq!(records.next(), None);
    }

    #[test]
    fn a_truncated_record_ends_the_iteration() {
        let mut buf = record(1, 0x2, 0, "a", 16);
        let whole = buf.len();
        buf.extend(record(1, 0x2, 0, "b", 16));
        buf.truncate(whole + EVENT_HEADER_SIZE + 4);
        let mut records = Records::new(&buf);
        assert!(records.next().is_some());
        assert_eq!(records.next(), None);
        assert_eq!(records.remainder().len(), EVENT_HEADER_SIZE + 4);
        // A header alone, shorter than 16 bytes, is not a record either.
        assert_eq!(Records::new(&buf[..10]).next(), None);
    }

    #[test]
    fn unknown_bits_are_kept() {
        let buf = record(1, 0x0800_0000 | 0x2, 0, "", 0);
        let Some(Record::Event(e)) = Records::new(&buf).next() else {
            panic!("no event");
        };
        assert_eq!(e.mask.bits(), 0x0800_0002);
        assert_eq!(e.name, None);
    }

    #[test]
    fn overflow_has_wd_minus_one() {
        let buf = record(-1, 0x4000, 0, "", 0);
        assert_eq!(
            Records::new(&buf).next(),
            Some(Record::Event(Event {
                wd: Wd(-1),
                mask: Mask::Q_OVERFLOW,
                cookie: 0,
                name: None,
            }))
        );
    }
}
