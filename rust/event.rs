// SPDX-License-Identifier: GPL-2.0

//! One queued inotify event and its `struct inotify_event` wire format.

use crate::sys::{
    abi::{
        IN_ALL_EVENTS,
        IN_IGNORED,
        IN_ISDIR,
        IN_Q_OVERFLOW,
        IN_UNMOUNT, //
    },
    kmem::{
        Gfp,
        TailBox, //
    },
};
use kernel::{
    alloc::AllocError,
    prelude::*,
    uaccess::UserSliceWriter, //
};

/// `sizeof(struct inotify_event)`: the record header before the name.
pub(crate) const HEADER_SIZE: usize = 16;
/// Names are padded to a multiple of this with NUL bytes, NUL included (`len` is the
/// padded size), so that the next record header is aligned.
const NAME_ALIGN: usize = 16;
/// `NAME_MAX`: longer names cannot come from a file system.
const NAME_MAX: usize = 255;
/// The bits of an event mask user space sees (`inotify_mask_to_arg()`).
const USER_MASK: u32 = IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW;

/// An event waiting in an instance's queue: the fields below, then the name of the directory
/// entry concerned (without NUL), in one allocation of 24 bytes plus the name, where
/// inotify's `struct inotify_event_info` takes 32 plus the name and its NUL. The box's link
/// is the queue's (see `queue.rs`).
pub(crate) struct Event {
    /// Watch descriptor.
    pub(crate) wd: i32,
    /// fsnotify's mask, as it came (the user sees it through [`USER_MASK`]).
    pub(crate) mask: u32,
    /// Rename cookie, 0 for other events.
    pub(crate) cookie: u32,
}

/// A queued event and its name.
pub(crate) type EventBox = TailBox<Event>;

impl Event {
    /// Allocates an event, charged to the listener; a name longer than `NAME_MAX` is
    /// truncated (no file system hands one out).
    pub(crate) fn new(
        wd: i32,
        mask: u32,
        cookie: u32,
        name: Option<&[u8]>,
    ) -> Result<EventBox, AllocError> {
        let name = name.unwrap_or(&[]);
        TailBox::new(
            Event { wd, mask, cookie },
            &name[..name.len().min(NAME_MAX)],
            Gfp::EVENT,
        )
    }
}

impl EventBox {
    /// The name of the directory entry concerned, empty for none.
    pub(crate) fn name(&self) -> &[u8] {
        self.tail()
    }

    /// Whether `self` and an event with these fields say the same: inotify drops such an
    /// event when it would follow `self` in the queue. The cookie is not compared, and a
    /// queued `IN_IGNORED` never absorbs anything.
    pub(crate) fn same_as(&self, wd: i32, mask: u32, name: Option<&[u8]>) -> bool {
        self.mask & IN_IGNORED == 0
            && self.mask == mask
            && self.wd == wd
            && self.name() == name.unwrap_or(&[])
    }

    /// Bytes this event takes in a `read()`.
    pub(crate) fn record_size(&self) -> usize {
        record_size(self.name().len())
    }

    /// Copies the record into `out`; the caller made sure it fits.
    pub(crate) fn write_to(&self, out: &mut UserSliceWriter) -> Result {
        write_record(
            out,
            self.wd,
            self.mask & USER_MASK,
            self.cookie,
            self.name(),
        )
    }
}

/// Bytes a record with a name of `name_len` bytes takes.
pub(crate) const fn record_size(name_len: usize) -> usize {
    HEADER_SIZE + padded_name_len(name_len)
}

/// The `len` field for a name of `name_len` bytes: 0 for none, else the name, its NUL and
/// padding, rounded up to [`NAME_ALIGN`].
const fn padded_name_len(name_len: usize) -> usize {
    if name_len == 0 {
        0
    } else {
        (name_len + 1).next_multiple_of(NAME_ALIGN)
    }
}

/// The record inotify reports when events were lost.
pub(crate) fn write_overflow(out: &mut UserSliceWriter) -> Result {
    write_record(out, -1, IN_Q_OVERFLOW, 0, &[])
}

/// Writes one `struct inotify_event` with one user copy.
fn write_record(out: &mut UserSliceWriter, wd: i32, mask: u32, cookie: u32, name: &[u8]) -> Result {
    // Most names are short: the record is built in a buffer not much larger than it, since
    // the buffer is zeroed first (the padding goes out as NULs).
    if record_size(name.len()) <= SHORT_RECORD {
        write_record_in::<SHORT_RECORD>(out, wd, mask, cookie, name)
    } else {
        write_record_in::<{ HEADER_SIZE + NAME_MAX + 1 + NAME_ALIGN }>(out, wd, mask, cookie, name)
    }
}

/// The largest record of a name shorter than 32 bytes.
const SHORT_RECORD: usize = record_size(NAME_ALIGN * 2 - 1);

/// [`write_record`] with a buffer of `N` bytes, at least the record's size.
fn write_record_in<const N: usize>(
    out: &mut UserSliceWriter,
    wd: i32,
    mask: u32,
    cookie: u32,
    name: &[u8],
) -> Result {
    let len = padded_name_len(name.len());
    let mut record = [0u8; N];
    record[0..4].copy_from_slice(&wd.to_ne_bytes());
    record[4..8].copy_from_slice(&mask.to_ne_bytes());
    record[8..12].copy_from_slice(&cookie.to_ne_bytes());
    record[12..16].copy_from_slice(&(len as u32).to_ne_bytes());
    record[HEADER_SIZE..HEADER_SIZE + name.len()].copy_from_slice(name);
    out.write_slice(&record[..HEADER_SIZE + len])
}

#[kernel::macros::kunit_tests(rinotify_event)]
mod tests {
    use super::*;

    #[test]
    fn record_sizes_pad_names_to_16() {
        assert_eq!(record_size(0), 16);
        assert_eq!(record_size(1), 32);
        assert_eq!(record_size(15), 32);
        assert_eq!(record_size(16), 48);
        assert_eq!(record_size(31), 48);
        assert_eq!(record_size(255), 16 + 256);
    }
}
