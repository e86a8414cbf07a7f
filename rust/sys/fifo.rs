// SPDX-License-Identifier: GPL-2.0

//! An intrusive FIFO: a singly linked list with a tail pointer, whose every operation is O(1).
//!
//! C has it as a `list_head` in each queued object (`struct fsnotify_event`'s `list` on the
//! group's `notification_list`). Here the object is reached through an owning pointer type
//! that implements [`Linked`]: the pointee keeps one link slot, which only the [`Fifo`]
//! holding it uses. Nothing is allocated to queue an object, and a queue of any length is
//! pushed, popped and looked at in constant time, which is what makes it fit for a spinlock.

use core::{
    marker::PhantomData,
    mem::ManuallyDrop,
    ops::Deref,
    ptr::NonNull, //
};

/// An owning pointer whose pointee has room for one [`Fifo`] link.
///
/// # Safety
///
/// Implementers guarantee that:
/// - [`Linked::into_raw`] gives up ownership of the pointee, which stays at the returned
///   address until [`Linked::from_raw`] takes ownership back;
/// - [`Linked::link`] of such a pointer returns a pointer to a slot inside the pointee that
///   nothing but the [`Fifo`] holding the pointee reads or writes while it holds it;
/// - a value is nothing but the pointer: a value made by [`Linked::from_raw`] and then
///   forgotten, rather than dropped, gives nothing up and changes nothing.
pub(crate) unsafe trait Linked: Sized {
    /// What the pointer points at.
    type Node;

    /// Gives up ownership of the pointee.
    fn into_raw(self) -> NonNull<Self::Node>;

    /// Takes back ownership of a pointee given up by [`Linked::into_raw`].
    ///
    /// # Safety
    ///
    /// `node` must come from [`Linked::into_raw`], and ownership of it must not have been
    /// taken back since, but for values that are forgotten.
    unsafe fn from_raw(node: NonNull<Self::Node>) -> Self;

    /// The pointee's link slot.
    ///
    /// # Safety
    ///
    /// `node` must come from [`Linked::into_raw`], and ownership of it must not have been
    /// taken back since.
    unsafe fn link(node: NonNull<Self::Node>) -> *mut Option<NonNull<Self::Node>>;
}

/// A first-in, first-out queue of `T`s, linked through their pointees.
///
/// # Invariants
///
/// - `head` is `None` exactly when `tail` is.
/// - Following the links from `head` leads through every queued pointee, each given up by
///   [`Linked::into_raw`] and owned by this queue, to `tail`, whose link is `None`.
pub(crate) struct Fifo<T: Linked> {
    head: Option<NonNull<T::Node>>,
    tail: Option<NonNull<T::Node>>,
    _owns: PhantomData<T>,
}

// SAFETY: The queue owns its `T`s, and moves them with it.
unsafe impl<T: Linked + Send> Send for Fifo<T> {}
// SAFETY: `&Fifo<T>` gives out only `&T`s.
unsafe impl<T: Linked + Sync> Sync for Fifo<T> {}

impl<T: Linked> Fifo<T> {
    /// An empty queue.
    pub(crate) const fn new() -> Self {
        // INVARIANT: Empty: no head, no tail.
        Self {
            head: None,
            tail: None,
            _owns: PhantomData,
        }
    }

    /// Whether nothing is queued.
    #[cfg_attr(
        not(CONFIG_KUNIT),
        expect(dead_code, reason = "only the KUnit tests ask")
    )]
    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Queues `item` last.
    pub(crate) fn push_back(&mut self, item: T) {
        let node = item.into_raw();
        // SAFETY: `node` was just given up; its link is ours.
        unsafe { T::link(node).write(None) };
        match self.tail {
            // SAFETY: By the type invariant `tail` is a pointee this queue owns.
            Some(tail) => unsafe { T::link(tail).write(Some(node)) },
            None => self.head = Some(node),
        }
        // INVARIANT: `node` is linked after the old tail (or is the head), its link `None`.
        self.tail = Some(node);
    }

    /// Queues `item` first.
    pub(crate) fn push_front(&mut self, item: T) {
        let node = item.into_raw();
        // SAFETY: `node` was just given up; its link is ours.
        unsafe { T::link(node).write(self.head) };
        if self.tail.is_none() {
            self.tail = Some(node);
        }
        // INVARIANT: `node` leads to the old head, or is the only pointee and the tail.
        self.head = Some(node);
    }

    /// Takes the first item off the queue.
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        let node = self.head?;
        // SAFETY: By the type invariant `node` is a pointee this queue owns.
        let next = unsafe { T::link(node).read() };
        self.head = next;
        if next.is_none() {
            self.tail = None;
        }
        // INVARIANT: `node` is unlinked: the rest of the chain starts at its successor, and
        // the queue is empty if it had none.
        // SAFETY: `node` came from `into_raw` and the queue owned it until now.
        Some(unsafe { T::from_raw(node) })
    }

    /// The first item.
    pub(crate) fn front(&self) -> Option<Peek<'_, T>> {
        // SAFETY: By the type invariant the head is a pointee this queue owns.
        self.head.map(|node| unsafe { Peek::new(node) })
    }

    /// The last item, the one queued most recently at the back.
    pub(crate) fn back(&self) -> Option<Peek<'_, T>> {
        // SAFETY: By the type invariant the tail is a pointee this queue owns.
        self.tail.map(|node| unsafe { Peek::new(node) })
    }
}

impl<T: Linked> Default for Fifo<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Linked> Drop for Fifo<T> {
    /// Drops the items one at a time, first to last.
    fn drop(&mut self) {
        while self.pop_front().is_some() {}
    }
}

/// An item of a [`Fifo`] seen in place, as long as the queue is borrowed.
pub(crate) struct Peek<'a, T: Linked> {
    item: ManuallyDrop<T>,
    _queue: PhantomData<&'a Fifo<T>>,
}

impl<T: Linked> Peek<'_, T> {
    /// # Safety
    ///
    /// `node` must be a pointee owned by the [`Fifo`] borrowed for the lifetime of the value.
    unsafe fn new(node: NonNull<T::Node>) -> Self {
        Self {
            // SAFETY: The queue keeps ownership: this value is never dropped (see
            // `Linked`), and only `&T` is handed out while the queue is borrowed.
            item: ManuallyDrop::new(unsafe { T::from_raw(node) }),
            _queue: PhantomData,
        }
    }
}

impl<T: Linked> Deref for Peek<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.item
    }
}

#[kernel::macros::kunit_tests(rinotify_fifo)]
mod tests {
    use super::*;
    use core::ptr::addr_of_mut;
    use kernel::prelude::*;

    struct Node {
        link: Option<NonNull<Node>>,
        value: u32,
    }

    struct Item(KBox<Node>);

    // SAFETY: A `KBox` owns its pointee at a fixed address; the link is used by no one else.
    unsafe impl Linked for Item {
        type Node = Node;

        fn into_raw(self) -> NonNull<Node> {
            // SAFETY: `KBox::into_raw` never returns null.
            unsafe { NonNull::new_unchecked(KBox::into_raw(self.0)) }
        }

        unsafe fn from_raw(node: NonNull<Node>) -> Self {
            // SAFETY: The caller passes a pointer from `into_raw`, so from `KBox::into_raw`.
            Item(unsafe { KBox::from_raw(node.as_ptr()) })
        }

        unsafe fn link(node: NonNull<Node>) -> *mut Option<NonNull<Node>> {
            // SAFETY: The caller passes a live node.
            unsafe { addr_of_mut!((*node.as_ptr()).link) }
        }
    }

    fn item(value: u32) -> Result<Item> {
        Ok(Item(KBox::new(Node { link: None, value }, GFP_KERNEL)?))
    }

    fn pop(q: &mut Fifo<Item>) -> Option<u32> {
        q.pop_front().map(|i| i.0.value)
    }

    #[test]
    fn first_in_first_out() -> Result {
        let mut q = Fifo::new();
        assert!(q.is_empty());
        for v in 1..=3 {
            q.push_back(item(v)?);
        }
        assert_eq!(pop(&mut q), Some(1));
        q.push_back(item(4)?);
        assert_eq!(pop(&mut q), Some(2));
        assert_eq!(pop(&mut q), Some(3));
        assert_eq!(pop(&mut q), Some(4));
        assert_eq!(pop(&mut q), None);
        assert!(q.is_empty());
        // Usable again once emptied: the tail was reset.
        q.push_back(item(5)?);
        assert_eq!(q.back().map(|i| i.0.value), Some(5));
        assert_eq!(pop(&mut q), Some(5));
        Ok(())
    }

    #[test]
    fn front_and_back_are_the_ends() -> Result {
        let mut q = Fifo::new();
        assert!(q.front().is_none() && q.back().is_none());
        q.push_back(item(1)?);
        assert_eq!(q.front().map(|i| i.0.value), Some(1));
        assert_eq!(q.back().map(|i| i.0.value), Some(1));
        q.push_back(item(2)?);
        assert_eq!(q.front().map(|i| i.0.value), Some(1));
        assert_eq!(q.back().map(|i| i.0.value), Some(2));
        Ok(())
    }

    #[test]
    fn pushed_front_comes_first() -> Result {
        let mut q = Fifo::new();
        // Into an empty queue: it is the tail as well.
        q.push_front(item(2)?);
        assert_eq!(q.back().map(|i| i.0.value), Some(2));
        q.push_back(item(3)?);
        q.push_front(item(1)?);
        assert_eq!(q.back().map(|i| i.0.value), Some(3));
        assert_eq!(pop(&mut q), Some(1));
        assert_eq!(pop(&mut q), Some(2));
        q.push_back(item(4)?);
        assert_eq!(pop(&mut q), Some(3));
        assert_eq!(pop(&mut q), Some(4));
        assert!(q.is_empty());
        Ok(())
    }

    #[test]
    fn long_queue_drops_without_recursion() -> Result {
        let mut q = Fifo::new();
        for v in 0..20_000 {
            q.push_back(item(v)?);
        }
        drop(q);
        Ok(())
    }
}
