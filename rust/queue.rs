// SPDX-License-Identifier: GPL-2.0

//! An instance's event queue: inotify's coalescing, its bound and its single overflow
//! record.

use crate::event::{
    EventBox,
    HEADER_SIZE, //
};

/// What [`EventQueue::push`] did with an event.
pub(crate) enum Pushed {
    /// Queued: readers should be woken.
    Queued,
    /// Dropped: the same as the newest queued event, the queue is full (an overflow record
    /// was queued if there was none), or the instance is closing.
    Dropped,
    /// Dropped, and the overflow record was queued in its place: readers should be woken.
    Overflowed,
}

/// One record taken off the queue.
pub(crate) enum Record {
    /// An event.
    Event(EventBox),
    /// `IN_Q_OVERFLOW`: events were lost here.
    Overflow,
}

/// The queue, a FIFO of events linked through their boxes' links.
///
/// It is kept as two stacks so that it needs no allocation and no raw pointers: `newer`
/// holds the most recent events, newest on top, and `older` the rest, oldest on top. Taking
/// the oldest event turns `newer` over into `older` when `older` is empty, leaving the
/// newest event behind: the newest event, which coalescing compares against, is always on
/// top of `newer`.
///
/// # Invariants
///
/// - `newer` is `None` only if the queue holds no event.
/// - `events` is the number of events in `older` and `newer`; `bytes` is the `read()` size
///   of all records, the overflow record included.
/// - `overflow_after`, if set, is the number of events queued before the overflow record.
pub(crate) struct EventQueue {
    older: Option<EventBox>,
    newer: Option<EventBox>,
    events: usize,
    overflow_after: Option<usize>,
    bytes: usize,
    max_events: usize,
    shutdown: bool,
}

impl EventQueue {
    /// An empty queue of at most `max_events` records (then one more, the overflow record).
    pub(crate) fn new(max_events: usize) -> Self {
        Self {
            older: None,
            newer: None,
            events: 0,
            overflow_after: None,
            bytes: 0,
            max_events,
            shutdown: false,
        }
    }

    /// Records queued (`q_len`).
    pub(crate) fn len(&self) -> usize {
        self.events + usize::from(self.overflow_after.is_some())
    }

    /// Whether the queue takes no more events: it is full (holding the overflow record or
    /// about to), or shut down.
    pub(crate) fn is_full(&self) -> bool {
        self.shutdown || self.len() >= self.max_events
    }

    /// Whether nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes a `read()` of the whole queue returns (`FIONREAD`).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// The instance is closing: refuses new records, and returns the queued ones for the
    /// caller to free outside its lock.
    pub(crate) fn shut_down(&mut self) -> EventQueue {
        let mut closed = EventQueue::new(0);
        closed.shutdown = true;
        core::mem::replace(self, closed)
    }

    /// Whether an event identical to the newest queued one would be dropped.
    fn newest_is(&self, wd: i32, mask: u32, name: &[u8]) -> bool {
        if self.overflow_after == Some(self.events) {
            // The overflow record is the newest.
            return false;
        }
        self.newer
            .as_ref()
            .is_some_and(|e| e.same_as(wd, mask, name))
    }

    /// Drops an event without allocating it if the queue is full or shut down, as pushing it
    /// would: returns what pushing gives then, `None` if it would be looked at further.
    pub(crate) fn refuse_if_full(&mut self) -> Option<Pushed> {
        if self.shutdown {
            Some(Pushed::Dropped)
        } else if self.len() >= self.max_events {
            Some(self.overflow())
        } else {
            None
        }
    }

    /// Queues `event` the way `fsnotify_insert_event()` does for inotify.
    pub(crate) fn push(&mut self, mut event: EventBox) -> Pushed {
        if let Some(refused) = self.refuse_if_full() {
            return refused;
        }
        if self.newest_is(event.wd, event.mask, event.name()) {
            return Pushed::Dropped;
        }
        self.bytes += event.record_size();
        self.events += 1;
        *event.link() = self.newer.take();
        // INVARIANT: The queue holds an event, and `newer` is not `None`.
        self.newer = Some(event);
        Pushed::Queued
    }

    /// Queues the overflow record unless it is queued already: an event was lost (queue
    /// full, or no memory for it).
    pub(crate) fn overflow(&mut self) -> Pushed {
        if self.shutdown || self.overflow_after.is_some() {
            return Pushed::Dropped;
        }
        self.overflow_after = Some(self.events);
        self.bytes += HEADER_SIZE;
        Pushed::Overflowed
    }

    /// Moves all but the newest event of `newer` to `older`, oldest on top, when `older` is
    /// empty: afterwards the oldest event is on top of `older`, or `newer` holds the only one.
    fn turn_over(&mut self) {
        if self.older.is_some() {
            return;
        }
        let Some(mut newest) = self.newer.take() else {
            return;
        };
        let mut rest = newest.link().take();
        self.newer = Some(newest);
        while let Some(mut event) = rest {
            rest = event.link().take();
            *event.link() = self.older.take();
            self.older = Some(event);
        }
    }

    /// Size of the oldest record, if any.
    pub(crate) fn oldest_size(&mut self) -> Option<usize> {
        if self.overflow_after == Some(0) {
            return Some(HEADER_SIZE);
        }
        self.turn_over();
        self.older
            .as_ref()
            .or(self.newer.as_ref())
            .map(|e| e.record_size())
    }

    /// Takes the oldest record off the queue.
    pub(crate) fn pop(&mut self) -> Option<Record> {
        if self.overflow_after == Some(0) {
            self.overflow_after = None;
            self.bytes -= HEADER_SIZE;
            return Some(Record::Overflow);
        }
        self.turn_over();
        let mut event = match self.older.take() {
            Some(mut event) => {
                self.older = event.link().take();
                event
            }
            // INVARIANT: `older` is empty, so this is the last event: `newer` becomes `None`
            // with the queue empty of events.
            None => self.newer.take()?,
        };
        *event.link() = None;
        self.events -= 1;
        self.bytes -= event.record_size();
        if let Some(n) = self.overflow_after.as_mut() {
            *n -= 1;
        }
        Some(Record::Event(event))
    }

    /// Puts back a record that [`EventQueue::pop`] took, in front of every other: a `read()`
    /// that could not copy out a record gives back the ones it took after it, newest first.
    pub(crate) fn push_front(&mut self, record: Record) {
        if self.shutdown {
            return;
        }
        match record {
            Record::Overflow => {
                // Should an overflow have been queued meanwhile, this one stands for both.
                if self.overflow_after.is_none() {
                    self.bytes += HEADER_SIZE;
                }
                self.overflow_after = Some(0);
            }
            Record::Event(mut event) => {
                self.events += 1;
                self.bytes += event.record_size();
                if let Some(n) = self.overflow_after.as_mut() {
                    *n += 1;
                }
                if self.newer.is_none() {
                    // INVARIANT: The queue was empty of events: this is the only one.
                    self.newer = Some(event);
                } else {
                    // `older` holds the oldest events, oldest on top, or nothing; every event
                    // of `newer` is newer than this one either way.
                    *event.link() = self.older.take();
                    self.older = Some(event);
                }
            }
        }
    }

    /// Drops every record, one at a time: dropping a long chain at once would recurse.
    fn clear(&mut self) {
        while self.pop().is_some() {}
    }
}

impl Drop for EventQueue {
    fn drop(&mut self) {
        self.clear();
    }
}

#[kernel::macros::kunit_tests(rinotify_queue)]
mod tests {
    use super::*;
    use crate::event::Event;
    use kernel::prelude::*;

    fn event(wd: i32, mask: u32, name: &[u8]) -> Result<EventBox> {
        Ok(Event::new(wd, mask, 0, (!name.is_empty()).then_some(name))?)
    }

    fn pop_wd(q: &mut EventQueue) -> Option<i32> {
        match q.pop()? {
            Record::Event(e) => Some(e.wd),
            Record::Overflow => Some(-1),
        }
    }

    #[test]
    fn fifo_order_across_turnovers() -> Result {
        let mut q = EventQueue::new(100);
        for wd in 1..=3 {
            assert!(matches!(q.push(event(wd, 2, b"")?), Pushed::Queued));
        }
        assert_eq!(pop_wd(&mut q), Some(1));
        assert!(matches!(q.push(event(4, 2, b"")?), Pushed::Queued));
        assert_eq!(pop_wd(&mut q), Some(2));
        assert_eq!(pop_wd(&mut q), Some(3));
        assert_eq!(pop_wd(&mut q), Some(4));
        assert_eq!(pop_wd(&mut q), None);
        assert_eq!(q.bytes(), 0);
        Ok(())
    }

    #[test]
    fn coalesces_with_the_newest_only() -> Result {
        let mut q = EventQueue::new(100);
        assert!(matches!(q.push(event(1, 2, b"a")?), Pushed::Queued));
        assert!(matches!(q.push(event(1, 2, b"a")?), Pushed::Dropped));
        assert!(matches!(q.push(event(1, 2, b"b")?), Pushed::Queued));
        assert!(matches!(q.push(event(1, 2, b"a")?), Pushed::Queued));
        assert_eq!(q.len(), 3);
        assert_eq!(q.bytes(), 3 * 32);
        // After a read the newest event is still the one compared against.
        assert_eq!(pop_wd(&mut q), Some(1));
        assert!(matches!(q.push(event(1, 2, b"a")?), Pushed::Dropped));
        Ok(())
    }

    #[test]
    fn one_overflow_record_at_the_bound() -> Result {
        let mut q = EventQueue::new(2);
        assert!(matches!(q.push(event(1, 1, b"")?), Pushed::Queued));
        assert!(matches!(q.push(event(2, 1, b"")?), Pushed::Queued));
        assert!(matches!(q.push(event(3, 1, b"")?), Pushed::Overflowed));
        assert!(matches!(q.push(event(4, 1, b"")?), Pushed::Dropped));
        assert_eq!(q.len(), 3);
        assert_eq!(q.bytes(), 48);
        assert_eq!(pop_wd(&mut q), Some(1));
        // Still full: the overflow record counts.
        assert!(matches!(q.push(event(5, 1, b"")?), Pushed::Dropped));
        assert_eq!(pop_wd(&mut q), Some(2));
        assert!(matches!(q.push(event(6, 1, b"")?), Pushed::Queued));
        assert_eq!(pop_wd(&mut q), Some(-1));
        assert_eq!(pop_wd(&mut q), Some(6));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn records_put_back_come_first() -> Result {
        let mut q = EventQueue::new(3);
        for wd in 1..=4 {
            q.push(event(wd, 1, b"")?);
        }
        let (a, b) = (q.pop(), q.pop());
        assert!(matches!(q.push(event(5, 1, b"")?), Pushed::Queued));
        // A read took 1 and 2, could not copy 1: 2 goes back in front.
        drop(a);
        q.push_front(b.ok_or(EINVAL)?);
        assert_eq!(q.len(), 4);
        assert_eq!(q.bytes(), 4 * 16);
        assert_eq!(pop_wd(&mut q), Some(2));
        assert_eq!(pop_wd(&mut q), Some(3));
        assert_eq!(pop_wd(&mut q), Some(-1));
        let last = q.pop().ok_or(EINVAL)?;
        q.push_front(last);
        assert_eq!(pop_wd(&mut q), Some(5));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn full_queue_refuses_before_allocation() -> Result {
        let mut q = EventQueue::new(1);
        assert!(q.refuse_if_full().is_none());
        assert!(matches!(q.push(event(1, 1, b"")?), Pushed::Queued));
        assert!(q.is_full());
        assert!(matches!(q.refuse_if_full(), Some(Pushed::Overflowed)));
        assert!(matches!(q.refuse_if_full(), Some(Pushed::Dropped)));
        assert_eq!(q.len(), 2);
        let _ = q.shut_down();
        assert!(matches!(q.refuse_if_full(), Some(Pushed::Dropped)));
        Ok(())
    }

    #[test]
    fn zero_bound_queues_only_the_overflow() -> Result {
        let mut q = EventQueue::new(0);
        assert!(matches!(q.push(event(1, 1, b"")?), Pushed::Overflowed));
        assert_eq!(q.oldest_size(), Some(16));
        assert_eq!(pop_wd(&mut q), Some(-1));
        Ok(())
    }
}
