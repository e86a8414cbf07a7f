// SPDX-License-Identifier: GPL-2.0

//! One queued inotify event and its `struct inotify_event` wire format.

use crate::sys::{
    abi::{
        IN_ALL_EVENTS,
        IN_IGNORED,
        IN_ISDIR,
        IN_Q_OVERFLOW,
        IN_UNMOUNT,
        TREE_RECORDS, //
    },
    kmem::{
        Gfp,
        KmemCache,
        TailBox,
        TailHeader,
        TailNode, //
    },
};
use kernel::{
    alloc::AllocError,
    prelude::*,
    transmute::AsBytes,
    uaccess::UserSliceWriter, //
};

/// `sizeof(struct inotify_event)`: the record header before the name.
pub(crate) const HEADER_SIZE: usize = 16;
/// Names are padded to a multiple of this with NUL bytes, NUL included (`len` is the
/// padded size), so that the next record header is aligned.
const NAME_ALIGN: usize = 16;
/// `NAME_MAX`: no name longer than this fits in the record buffer of [`write_record`], which
/// writes longer names (a file system may hand out any length) in pieces.
const NAME_MAX: usize = 255;
/// The bits of an event mask user space sees (`inotify_mask_to_arg()`), and the records of
/// tree watches, which the module queues itself.
const USER_MASK: u32 =
    IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW | TREE_RECORDS;

/// The slab cache of events without a name, `rinotify_event_cache`: 24-byte objects, where
/// inotify `kmalloc()`s 29 bytes (so 32) for such an event.
pub(crate) static EVENT_CACHE: KmemCache<TailNode<Event>> = KmemCache::new();

/// An event waiting in an instance's queue.
///
/// In its [`EventBox`] it is followed by the name of the directory entry concerned, without
/// NUL, whole whatever its length (inotify copies every byte the file system hands over):
/// 24 bytes plus the name in one allocation, where inotify's `struct inotify_event_info`
/// takes 28 plus the name and its NUL. The box's link is the queue's (see `queue.rs`).
pub(crate) struct Event {
    /// Watch descriptor.
    pub(crate) wd: i32,
    /// fsnotify's mask, as it came (the user sees it through [`USER_MASK`]).
    pub(crate) mask: u32,
    /// Rename cookie, 0 for other events.
    pub(crate) cookie: u32,
}

impl TailHeader for Event {
    fn bare_cache() -> &'static KmemCache<TailNode<Event>> {
        &EVENT_CACHE
    }
}

/// A queued event and its name.
pub(crate) type EventBox = TailBox<Event>;

impl Event {
    /// Allocates an event and a copy of its name with inotify's event flags
    /// (`GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL`: it may fail, and never calls the OOM
    /// killer): from `rinotify_event_cache` without a name, else one `kmalloc()` of both,
    /// as inotify makes.
    pub(crate) fn new(
        wd: i32,
        mask: u32,
        cookie: u32,
        name: Option<&[u8]>,
    ) -> Result<EventBox, AllocError> {
        TailBox::new(Event { wd, mask, cookie }, name.unwrap_or(&[]), Gfp::EVENT)
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
    pub(crate) fn same_as(&self, wd: i32, mask: u32, name: &[u8]) -> bool {
        self.mask & IN_IGNORED == 0 && self.mask == mask && self.wd == wd && self.name() == name
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

/// Writes one `struct inotify_event`: with one user copy if the name is at most `NAME_MAX`
/// bytes, else as header, name and padding.
fn write_record(out: &mut UserSliceWriter, wd: i32, mask: u32, cookie: u32, name: &[u8]) -> Result {
    // Without a name the record is its header: nothing to zero or to copy into it.
    if name.is_empty() {
        let header = [u32::from_ne_bytes(wd.to_ne_bytes()), mask, cookie, 0];
        return out.write_slice(AsBytes::as_bytes(&header));
    }
    // The record is built in a zeroed buffer (the padding goes out as its NULs): most names
    // are short, and a short record is built in a buffer not much larger than it.
    if record_size(name.len()) <= SHORT_RECORD {
        write_record_in::<{ SHORT_RECORD / 4 }>(out, wd, mask, cookie, name)
    } else {
        write_record_in::<{ (HEADER_SIZE + NAME_MAX + 1) / 4 }>(out, wd, mask, cookie, name)
    }
}

/// The largest record of a name shorter than 32 bytes.
const SHORT_RECORD: usize = record_size(NAME_ALIGN * 2 - 1);

/// [`write_record`] with a buffer of `WORDS` 32-bit words: the header is four of them.
fn write_record_in<const WORDS: usize>(
    out: &mut UserSliceWriter,
    wd: i32,
    mask: u32,
    cookie: u32,
    name: &[u8],
) -> Result {
    let len = padded_name_len(name.len());
    let mut record = [0u32; WORDS];
    record[0] = u32::from_ne_bytes(wd.to_ne_bytes());
    record[1] = mask;
    record[2] = cookie;
    record[3] = u32::try_from(len).map_err(|_| EOVERFLOW)?;
    let record = AsBytes::as_bytes_mut(&mut record);
    if HEADER_SIZE + len <= record.len() {
        record[HEADER_SIZE..HEADER_SIZE + name.len()].copy_from_slice(name);
        return out.write_slice(&record[..HEADER_SIZE + len]);
    }
    out.write_slice(&record[..HEADER_SIZE])?;
    out.write_slice(name)?;
    // The NUL and the padding: 1 to `NAME_ALIGN` zero bytes.
    out.write_slice(&[0u8; NAME_ALIGN][..len - name.len()])
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
        assert_eq!(record_size(256), 16 + 272);
        assert_eq!(record_size(4095), 16 + 4096);
    }

    #[test]
    fn names_are_kept_whole() -> Result {
        // No file system of the test kernel has names beyond NAME_MAX; the VFS allows them.
        let long = [b'n'; 300];
        let event = Event::new(1, 0x100, 0, Some(&long))?;
        assert_eq!(event.name(), &long[..]);
        assert_eq!(event.record_size(), 16 + 304);
        let short = Event::new(1, 0x100, 0, Some(b"a"))?;
        assert_eq!(short.name(), b"a");
        let none = Event::new(1, 0x100, 0, None)?;
        assert!(none.name().is_empty());
        assert_eq!(none.record_size(), 16);
        Ok(())
    }
}
