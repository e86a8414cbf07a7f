// SPDX-License-Identifier: GPL-2.0

//! An instance's event queue: inotify's coalescing, its bound and its single overflow
//! record.

use crate::{
    event::{
        EventBox,
        HEADER_SIZE, //
    },
    sys::fifo::Fifo,
};

/// What [`EventQueue::push`] did with an event. An event that was not queued comes back in
/// it, to be freed once the queue's lock is released: hold the value until then.
#[must_use = "an event that was not queued is freed when this is dropped: drop it unlocked"]
pub(crate) enum Pushed {
    /// Queued: readers should be woken.
    Queued,
    /// Not queued: the same as the newest queued event, the queue is full (an overflow record
    /// was queued if there was none), or the instance is closing.
    Dropped(Option<EventBox>),
    /// Not queued, and the overflow record was queued in its place: readers should be woken.
    Overflowed(Option<EventBox>),
}

impl Pushed {
    /// Whether the queue grew, and so readers should be woken.
    pub(crate) fn grew(&self) -> bool {
        !matches!(self, Pushed::Dropped(_))
    }
}

/// One record taken off the queue.
pub(crate) enum Record {
    /// An event.
    Event(EventBox),
    /// `IN_Q_OVERFLOW`: events were lost here.
    Overflow,
}

/// Records taken off the queue in one critical section, oldest first, to be copied out and
/// freed once the queue's lock is released. Nothing is allocated to hold them: the events stay
/// linked through their boxes.
///
/// # Invariants
///
/// `events` holds `count` events; `overflow_after`, if set, is the number of them that come
/// before the overflow record.
pub(crate) struct Taken {
    events: Fifo<EventBox>,
    count: usize,
    overflow_after: Option<usize>,
}

impl Taken {
    /// Nothing taken.
    pub(crate) fn new() -> Self {
        Self {
            events: Fifo::new(),
            count: 0,
            overflow_after: None,
        }
    }

    /// Records held, the overflow record included.
    pub(crate) fn len(&self) -> usize {
        self.count + usize::from(self.overflow_after.is_some())
    }

    /// Takes the oldest record.
    pub(crate) fn pop(&mut self) -> Option<Record> {
        if self.overflow_after == Some(0) {
            self.overflow_after = None;
            return Some(Record::Overflow);
        }
        let event = self.events.pop_front()?;
        self.count -= 1;
        if let Some(n) = self.overflow_after.as_mut() {
            *n -= 1;
        }
        Some(Record::Event(event))
    }
}

/// The queue: a FIFO of events linked through their boxes, and where the overflow record
/// stands among them. Every operation is O(1), so that the spinlock it lives under is held
/// for a bounded time whatever the queue's length.
///
/// # Invariants
///
/// - `events` is the number of events in `fifo`; `bytes` is the `read()` size of all
///   records, the overflow record included.
/// - `overflow_after`, if set, is the number of events queued before the overflow record.
/// - At most `max_events` events are queued, and the overflow record besides.
pub(crate) struct EventQueue {
    fifo: Fifo<EventBox>,
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
            fifo: Fifo::new(),
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
    fn newest_is(&self, event: &EventBox) -> bool {
        if self.overflow_after == Some(self.events) {
            // The overflow record is the newest.
            return false;
        }
        self.fifo
            .back()
            .is_some_and(|e| e.same_as(event.wd, event.mask, event.name()))
    }

    /// Drops an event without allocating it if the queue is full or shut down, as pushing it
    /// would: returns what pushing gives then, `None` if it would be looked at further.
    pub(crate) fn refuse_if_full(&mut self) -> Option<Pushed> {
        if self.shutdown {
            Some(Pushed::Dropped(None))
        } else if self.len() >= self.max_events {
            Some(self.overflow())
        } else {
            None
        }
    }

    /// Queues `event` the way `fsnotify_insert_event()` does for inotify.
    #[inline(always)]
    pub(crate) fn push(&mut self, event: EventBox) -> Pushed {
        if self.shutdown {
            return Pushed::Dropped(Some(event));
        }
        if self.len() >= self.max_events {
            return match self.overflow() {
                Pushed::Dropped(_) => Pushed::Dropped(Some(event)),
                _ => Pushed::Overflowed(Some(event)),
            };
        }
        if self.newest_is(&event) {
            return Pushed::Dropped(Some(event));
        }
        self.bytes += event.record_size();
        // INVARIANT: Below `max_events`, checked above.
        self.events += 1;
        self.fifo.push_back(event);
        Pushed::Queued
    }

    /// Queues the overflow record unless it is queued already: an event was lost (queue
    /// full, or no memory for it).
    pub(crate) fn overflow(&mut self) -> Pushed {
        if self.shutdown || self.overflow_after.is_some() {
            return Pushed::Dropped(None);
        }
        self.overflow_after = Some(self.events);
        self.bytes += HEADER_SIZE;
        Pushed::Overflowed(None)
    }

    /// Size of the oldest record, if any.
    #[cfg_attr(
        not(CONFIG_KUNIT),
        expect(dead_code, reason = "read() uses take(); the tests look")
    )]
    pub(crate) fn oldest_size(&self) -> Option<usize> {
        if self.overflow_after == Some(0) {
            return Some(HEADER_SIZE);
        }
        self.fifo.front().map(|e| e.record_size())
    }

    /// Takes the oldest record off the queue.
    #[cfg_attr(
        not(CONFIG_KUNIT),
        expect(dead_code, reason = "read() uses take(); the tests pop")
    )]
    pub(crate) fn pop(&mut self) -> Option<Record> {
        if self.overflow_after == Some(0) {
            self.overflow_after = None;
            self.bytes -= HEADER_SIZE;
            return Some(Record::Overflow);
        }
        let event = self.fifo.pop_front()?;
        self.events -= 1;
        self.bytes -= event.record_size();
        if let Some(n) = self.overflow_after.as_mut() {
            *n -= 1;
        }
        Some(Record::Event(event))
    }

    /// Moves the oldest records that fit in `room` bytes to `taken`, at most `max` of them, in
    /// their order.
    ///
    /// It keeps the counts as [`EventQueue::pop`] does rather than calling it after
    /// [`EventQueue::oldest_size`]: that pair looks at the overflow record twice per record,
    /// which measured about 30 instructions more per event in bench workload 1 and about 10
    /// more per wake-up in workload 4.
    #[inline]
    pub(crate) fn take(&mut self, taken: &mut Taken, mut room: usize, max: usize) {
        while taken.len() < max {
            if self.overflow_after == Some(0) {
                if room < HEADER_SIZE {
                    return;
                }
                room -= HEADER_SIZE;
                self.overflow_after = None;
                self.bytes -= HEADER_SIZE;
                taken.overflow_after = Some(taken.count);
                continue;
            }
            let size = match self.fifo.front() {
                Some(event) => event.record_size(),
                None => return,
            };
            if size > room {
                return;
            }
            let Some(event) = self.fifo.pop_front() else {
                return;
            };
            room -= size;
            self.events -= 1;
            self.bytes -= size;
            if let Some(n) = self.overflow_after.as_mut() {
                *n -= 1;
            }
            taken.events.push_back(event);
            taken.count += 1;
        }
    }

    /// Puts the records of `taken` back in front of every other, in their order, as
    /// [`EventQueue::push_front`] puts back each, newest first: the events it cannot put back
    /// are returned, to be freed once the queue's lock is released.
    #[must_use = "the events that were not put back are freed when this is dropped: drop it unlocked"]
    pub(crate) fn put_back(&mut self, mut taken: Taken) -> Fifo<EventBox> {
        let count = taken.count;
        let overflow_after = taken.overflow_after;
        // Newest first: the events reversed, the overflow record put back after those it
        // came before.
        let mut newest_first = Fifo::new();
        while let Some(event) = taken.events.pop_front() {
            newest_first.push_front(event);
        }
        let mut lost = Fifo::new();
        if overflow_after == Some(count) {
            let _ = self.push_front(Record::Overflow);
        }
        let mut older = count;
        while let Some(event) = newest_first.pop_front() {
            older -= 1;
            if let Some(Record::Event(event)) = self.push_front(Record::Event(event)) {
                lost.push_back(event);
            }
            if overflow_after == Some(older) {
                let _ = self.push_front(Record::Overflow);
            }
        }
        lost
    }

    /// Puts back a record that [`EventQueue::pop`] took, in front of every other: a `read()`
    /// that could not copy out a record gives back the ones it took after it, newest first.
    ///
    /// Events queued meanwhile may have filled the queue: an event beyond `max_events` is
    /// lost, and the overflow record, moved to the front, says so. Such an event comes back,
    /// to be freed once the queue's lock is released.
    #[must_use = "a record that was not put back is freed when this is dropped: drop it unlocked"]
    pub(crate) fn push_front(&mut self, record: Record) -> Option<Record> {
        if self.shutdown {
            return Some(record);
        }
        match record {
            Record::Overflow => {
                // Should an overflow have been queued meanwhile, this one stands for both.
                self.overflow_to_front();
                None
            }
            Record::Event(event) if self.events >= self.max_events => {
                self.overflow_to_front();
                Some(Record::Event(event))
            }
            Record::Event(event) => {
                // INVARIANT: Below `max_events`, checked above.
                self.events += 1;
                self.bytes += event.record_size();
                if let Some(n) = self.overflow_after.as_mut() {
                    *n += 1;
                }
                self.fifo.push_front(event);
                None
            }
        }
    }

    /// Makes the overflow record the oldest, queueing it if it was not.
    fn overflow_to_front(&mut self) {
        if self.overflow_after.is_none() {
            self.bytes += HEADER_SIZE;
        }
        self.overflow_after = Some(0);
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
    fn first_in_first_out() -> Result {
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
        assert!(matches!(q.push(event(1, 2, b"a")?), Pushed::Dropped(_)));
        assert!(matches!(q.push(event(1, 2, b"b")?), Pushed::Queued));
        assert!(matches!(q.push(event(1, 2, b"a")?), Pushed::Queued));
        assert_eq!(q.len(), 3);
        assert_eq!(q.bytes(), 3 * 32);
        // After a read the newest event is still the one compared against.
        assert_eq!(pop_wd(&mut q), Some(1));
        assert!(matches!(q.push(event(1, 2, b"a")?), Pushed::Dropped(_)));
        Ok(())
    }

    #[test]
    fn one_overflow_record_at_the_bound() -> Result {
        let mut q = EventQueue::new(2);
        assert!(matches!(q.push(event(1, 1, b"")?), Pushed::Queued));
        assert!(matches!(q.push(event(2, 1, b"")?), Pushed::Queued));
        assert!(matches!(q.push(event(3, 1, b"")?), Pushed::Overflowed(_)));
        assert!(matches!(q.push(event(4, 1, b"")?), Pushed::Dropped(_)));
        assert_eq!(q.len(), 3);
        assert_eq!(q.bytes(), 48);
        assert_eq!(pop_wd(&mut q), Some(1));
        // Still full: the overflow record counts.
        assert!(matches!(q.push(event(5, 1, b"")?), Pushed::Dropped(_)));
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
            let _ = q.push(event(wd, 1, b"")?);
        }
        let (a, b) = (q.pop(), q.pop());
        assert!(matches!(q.push(event(5, 1, b"")?), Pushed::Queued));
        // A read took 1 and 2, could not copy 1: 2 goes back in front.
        drop(a);
        assert!(q.push_front(b.ok_or(EINVAL)?).is_none());
        assert_eq!(q.len(), 4);
        assert_eq!(q.bytes(), 4 * 16);
        assert_eq!(pop_wd(&mut q), Some(2));
        assert_eq!(pop_wd(&mut q), Some(3));
        assert_eq!(pop_wd(&mut q), Some(-1));
        let last = q.pop().ok_or(EINVAL)?;
        assert!(q.push_front(last).is_none());
        assert_eq!(pop_wd(&mut q), Some(5));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn put_back_stays_within_the_bound() -> Result {
        let mut q = EventQueue::new(2);
        assert!(q.push(event(1, 1, b"")?).grew());
        assert!(q.push(event(2, 1, b"")?).grew());
        let (a, b) = (q.pop(), q.pop());
        // Filled again before the read gives back what it could not copy out.
        assert!(q.push(event(3, 1, b"")?).grew());
        assert!(q.push(event(4, 1, b"")?).grew());
        drop(a);
        assert!(q.push_front(b.ok_or(EINVAL)?).is_some());
        // Lost, and said so first: two events and the overflow record, no more.
        assert_eq!(q.len(), 3);
        assert_eq!(q.bytes(), 3 * 16);
        assert_eq!(pop_wd(&mut q), Some(-1));
        assert_eq!(pop_wd(&mut q), Some(3));
        assert_eq!(pop_wd(&mut q), Some(4));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn refused_events_come_back() -> Result {
        let mut q = EventQueue::new(1);
        assert!(matches!(q.push(event(1, 1, b"a")?), Pushed::Queued));
        // Coalesced and overflowed events are handed back, to be freed unlocked.
        assert!(matches!(
            q.push(event(1, 1, b"a")?),
            Pushed::Overflowed(Some(_))
        ));
        assert!(matches!(
            q.push(event(2, 1, b"")?),
            Pushed::Dropped(Some(_))
        ));
        let _ = q.shut_down();
        assert!(matches!(
            q.push(event(3, 1, b"")?),
            Pushed::Dropped(Some(_))
        ));
        Ok(())
    }

    #[test]
    fn full_queue_refuses_before_allocation() -> Result {
        let mut q = EventQueue::new(1);
        assert!(q.refuse_if_full().is_none());
        assert!(matches!(q.push(event(1, 1, b"")?), Pushed::Queued));
        assert!(q.is_full());
        assert!(matches!(q.refuse_if_full(), Some(Pushed::Overflowed(_))));
        assert!(matches!(q.refuse_if_full(), Some(Pushed::Dropped(_))));
        assert_eq!(q.len(), 2);
        let _ = q.shut_down();
        assert!(matches!(q.refuse_if_full(), Some(Pushed::Dropped(_))));
        Ok(())
    }

    fn taken_wd(t: &mut Taken) -> Option<i32> {
        match t.pop()? {
            Record::Event(e) => Some(e.wd),
            Record::Overflow => Some(-1),
        }
    }

    #[test]
    fn take_stops_at_room_and_count() -> Result {
        let mut q = EventQueue::new(100);
        assert!(q.push(event(1, 1, b"")?).grew());
        assert!(q.push(event(2, 1, b"name")?).grew());
        assert!(q.push(event(3, 1, b"")?).grew());
        let mut t = Taken::new();
        // 16 + 32 bytes fit in 60, the third record's 16 more do not.
        q.take(&mut t, 60, 10);
        assert_eq!(t.len(), 2);
        assert_eq!(q.len(), 1);
        assert_eq!(q.bytes(), 16);
        let mut t = Taken::new();
        q.take(&mut t, 1000, 0);
        assert_eq!(t.len(), 0);
        q.take(&mut t, 1000, 1);
        assert_eq!(taken_wd(&mut t), Some(3));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn taken_records_put_back_keep_their_order() -> Result {
        let mut q = EventQueue::new(3);
        for wd in 1..=4 {
            let _ = q.push(event(wd, 1, b"")?);
        }
        // 1, 2, 3, the overflow record: all taken, the first copied out.
        let mut t = Taken::new();
        q.take(&mut t, 1000, 10);
        assert_eq!(t.len(), 4);
        assert_eq!(taken_wd(&mut t), Some(1));
        assert!(q.push(event(5, 1, b"")?).grew());
        // 5 was queued meanwhile: 2, 3 and the overflow record go back before it.
        let lost = q.put_back(t);
        drop(lost);
        assert_eq!(q.len(), 4);
        assert_eq!(q.bytes(), 4 * 16);
        assert_eq!(pop_wd(&mut q), Some(2));
        assert_eq!(pop_wd(&mut q), Some(3));
        assert_eq!(pop_wd(&mut q), Some(-1));
        assert_eq!(pop_wd(&mut q), Some(5));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn taken_records_put_back_stay_within_the_bound() -> Result {
        let mut q = EventQueue::new(2);
        assert!(q.push(event(1, 1, b"")?).grew());
        assert!(q.push(event(2, 1, b"")?).grew());
        let mut t = Taken::new();
        q.take(&mut t, 1000, 10);
        assert!(q.push(event(3, 1, b"")?).grew());
        // 2 goes back, 1 does not fit: lost, and the overflow record says so first.
        let lost = q.put_back(t);
        assert!(!lost.is_empty());
        drop(lost);
        assert_eq!(q.len(), 3);
        assert_eq!(pop_wd(&mut q), Some(-1));
        assert_eq!(pop_wd(&mut q), Some(2));
        assert_eq!(pop_wd(&mut q), Some(3));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn zero_bound_queues_only_the_overflow() -> Result {
        let mut q = EventQueue::new(0);
        assert!(matches!(q.push(event(1, 1, b"")?), Pushed::Overflowed(_)));
        assert_eq!(q.oldest_size(), Some(16));
        assert_eq!(pop_wd(&mut q), Some(-1));
        Ok(())
    }
}
