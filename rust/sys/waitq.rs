// SPDX-License-Identifier: GPL-2.0

//! A file's wait queue: the readers that sleep until it is readable and the pollers
//! (`poll`, `select`, `epoll`) that registered on it, woken only when there are any.
//!
//! C header: [`include/linux/wait.h`](srctree/include/linux/wait.h).
//!
//! The `kernel` crate's `PollCondVar` calls `__wake_up()` on every notification, which takes
//! the queue's irq-safe spinlock whether or not anyone waits; an inotify instance is notified
//! once per event, and most events find nobody waiting (a reader that is busy, or reads
//! without blocking). [`WaitQueue::wake_up`] looks at the list first, as `wq_has_sleeper()`
//! lets C callers do. Readers wait as `wait_event_interruptible()` does: on the queue before
//! they look at their condition. [`PollTable`] is upstream's `PollTable` in the same shape,
//! registering this queue where upstream's registers a `PollCondVar`.

use super::once::ReadOnce;
use core::{
    marker::PhantomData,
    ptr::{
        addr_of,
        addr_of_mut,
        NonNull, //
    },
};
use kernel::{
    bindings,
    fs::File,
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            Atomic, //
        },
        LockClassKey, //
    },
    task::{
        TASK_INTERRUPTIBLE,
        TASK_NORMAL, //
    },
    types::Opaque,
};

/// A `poll_table`, as the VFS passes it to a file's `poll`: the table of a `select()`,
/// `poll()` or `epoll` call, on which the file registers the wait queues it will wake.
///
/// Upstream's `kernel::sync::poll::PollTable` in the same shape, registering a [`WaitQueue`]
/// where upstream's registers a `PollCondVar` (see "Where rinotify extends upstream" in
/// `docs/design.md`).
///
/// # Invariants
///
/// `table` is null or points at a valid `poll_table` for `'a`.
pub(crate) struct PollTable<'a> {
    table: *mut bindings::poll_table,
    _lifetime: PhantomData<&'a bindings::poll_table>,
}

impl<'a> PollTable<'a> {
    /// The table a file's `poll` was called with.
    ///
    /// # Safety
    ///
    /// `table` must be null or point at a valid `poll_table` for the duration of `'a`.
    pub(crate) unsafe fn from_raw(table: *mut bindings::poll_table) -> Self {
        // INVARIANT: The caller's guarantee is the invariant.
        Self {
            table,
            _lifetime: PhantomData,
        }
    }

    /// Registers `file`'s poller on `queue` (`poll_wait()`), from the file's `poll`, before
    /// the caller looks at whether the file is ready: a wake-up from then on reaches it.
    pub(crate) fn register_wait(&self, file: &File, queue: &WaitQueue) {
        // A poller's entry stays on the queue until it goes: `select()` and `poll()` remove it
        // before returning, `epoll` when its item or the file goes, or when the queue's `drop`
        // wakes it with `POLLFREE`; the head stays valid an RCU grace period after that (see
        // `WaitQueue`'s `Drop`), which is as long as `epoll` may still reach it.
        // SAFETY: `file` is valid for the call, `self.table` null or valid (type invariant),
        // and the head is initialised and live (`WaitQueue`'s invariant).
        unsafe { bindings::poll_wait(file.as_ptr(), queue.head(), self.table) };
    }
}

/// The allocation of a [`WaitQueue`]: apart from its owner, so that it can outlive it by an
/// RCU grace period (see [`WaitQueue`]'s `Drop`).
#[repr(C)]
#[pin_data]
struct Inner {
    #[pin]
    head: Opaque<bindings::wait_queue_head>,
    rcu: Opaque<bindings::kvfree_rcu_head>,
}

/// A wait queue head, `wait_queue_head_t`, in an allocation of its own.
///
/// # Invariants
///
/// `inner` points at an [`Inner`] allocated by `KBox` and owned by this value, whose `head`
/// is initialised by `__init_waitqueue_head()` and never moves.
pub(crate) struct WaitQueue {
    inner: NonNull<Inner>,
}

// SAFETY: A wait queue head is used from any thread; its list is changed under its spinlock.
unsafe impl Send for WaitQueue {}
// SAFETY: As above: every operation of `&WaitQueue` synchronises through the head's spinlock,
// but for `wake_up`'s look at the list, which is a `READ_ONCE()`.
unsafe impl Sync for WaitQueue {}

impl WaitQueue {
    /// An empty wait queue, its spinlock named `name` for lockdep, of class `key`.
    pub(crate) fn new(name: &'static CStr, key: Pin<&'static LockClassKey>) -> Result<Self> {
        let inner = KBox::pin_init(
            pin_init!(Inner {
                // SAFETY: `slot` is valid for the call; `name` and `key` live forever.
                head <- Opaque::ffi_init(|slot| unsafe {
                    bindings::__init_waitqueue_head(slot, name.as_char_ptr(), key.as_ptr())
                }),
                rcu: Opaque::uninit(),
            }),
            GFP_KERNEL,
        )?;
        // SAFETY: The box is not moved out of: its pointer is kept until `drop` frees it.
        let inner = KBox::into_raw(unsafe { Pin::into_inner_unchecked(inner) });
        // INVARIANT: A `KBox` allocation, owned from now on, whose head was just initialised.
        Ok(Self {
            // SAFETY: `KBox::into_raw` never returns null.
            inner: unsafe { NonNull::new_unchecked(inner) },
        })
    }

    fn head(&self) -> *mut bindings::wait_queue_head {
        // SAFETY: `inner` is live while `self` is (type invariant).
        unsafe { (*self.inner.as_ptr()).head.get() }
    }

    /// Wakes every reader and poller (and one exclusive waiter), as `wake_up()` does, if any
    /// is on the queue; otherwise costs one look at the list.
    ///
    /// That look cannot miss a waiter whose look at its condition missed the caller's change,
    /// provided the caller made the change under a lock that the waiter's look takes, and
    /// released it before this call. A waiter is on the list before it looks: a reader puts
    /// itself there (`prepare_to_wait()`, under the head's lock) before [`WaitQueue::wait_until`]
    /// calls `ready`, and a poller's `poll` registers ([`PollTable::register_wait`]) before it
    /// looks (`epoll` in its first `poll` call, after which its entry stays). If the waiter
    /// took the lock first, its addition to the list comes before its release of the lock,
    /// which comes before the caller's acquire and so before this look; if the caller took it
    /// first, the waiter saw the change.
    pub(crate) fn wake_up(&self) {
        let head = self.head();
        // `waitqueue_active()`: whether the list is not empty. Its `next` is written under the
        // head's spinlock, with `WRITE_ONCE()` (`__list_add()`, `__list_del()`); this reads it
        // once, a volatile access as `list_empty()`'s `READ_ONCE()` is.
        // SAFETY: The head is initialised and live (type invariant).
        let (next, list) = unsafe {
            (
                addr_of!((*head).head.next).read_volatile(),
                addr_of!((*head).head).cast_mut(),
            )
        };
        if core::ptr::eq(next, list) {
            return;
        }
        // SAFETY: The head is initialised and live (type invariant).
        unsafe { bindings::__wake_up(head, TASK_NORMAL, 1, core::ptr::null_mut()) };
    }

    /// Waits until `ready` returns something, and returns it, as `inotify_read()` waits: on
    /// the queue before `ready` looks, asleep only if no wake-up came since, interruptibly.
    /// `ERESTARTSYS` when a signal is pending, which is checked after `ready` and before each
    /// sleep (what `ready` finds wins over a signal).
    pub(crate) fn wait_until<R>(&self, mut ready: impl FnMut() -> Option<R>) -> Result<R> {
        let head = self.head();
        // `DEFINE_WAIT(wait)`, on this frame: the calling task's entry, which a wake-up takes
        // off the queue (`autoremove_wake_function()`). It is not moved, and is off the queue
        // again before the function returns.
        let entry = Opaque::<bindings::wait_queue_entry>::uninit();
        // SAFETY: `entry` is valid for writes.
        unsafe { bindings::init_wait_entry(entry.get(), 0) };
        // On the queue, and asleep from now on for the scheduler: a wake-up from here on makes
        // the task runnable again, so none is lost between `ready`'s look and `schedule()`.
        // SAFETY: The head is live; `entry` is initialised and on no queue.
        unsafe { bindings::prepare_to_wait(head, entry.get(), TASK_INTERRUPTIBLE) };
        let mut asleep = true;
        let result = loop {
            if let Some(r) = ready() {
                break Ok(r);
            }
            if asleep {
                // As `inotify_read()`: what `ready` finds wins over a pending signal, which
                // only ends a wait that found nothing.
                if kernel::current!().signal_pending() {
                    break Err(ERESTARTSYS);
                }
                // SAFETY: Process context, no spinlock held (`ready` returned).
                unsafe { bindings::schedule() };
                // Running again, the entry off the queue if a wake-up took it off. Most
                // wake-ups are for what `ready` looks for: it looks before the entry goes
                // back on the queue, which a look that finds something saves.
                asleep = false;
            } else {
                // Back on the queue (if a wake-up took the entry off) and asleep for the
                // scheduler, before `ready` looks again: a wake-up after that look is not lost.
                // SAFETY: The head is live; `entry` is on this queue or on none.
                unsafe { bindings::prepare_to_wait(head, entry.get(), TASK_INTERRUPTIBLE) };
                asleep = true;
            }
        };
        // Running, and off the queue. After `schedule()` the task is running, and if a wake-up
        // took the entry off the queue there is nothing left to do: `finish_wait()`'s own
        // test, without its call (the common case of a reader woken for an event).
        // SAFETY: `entry` is initialised, on this queue or on none.
        if asleep || !unsafe { off_queue(entry.get()) } {
            // SAFETY: The head is live; `entry` is initialised, on this queue or on none.
            unsafe { bindings::finish_wait(head, entry.get()) };
        }
        result
    }
}

/// Whether `entry` is off every queue (`list_empty_careful()` of its node): taken off by
/// `autoremove_wake_function()`, whose `list_del_init_careful()` releases the node's `next`
/// last, so that the acquire here orders the waker's last access to the entry before its
/// owner reuses or frees it.
///
/// # Safety
///
/// `entry` must be initialised and live, its node changed only by the wait queue functions.
unsafe fn off_queue(entry: *mut bindings::wait_queue_entry) -> bool {
    // SAFETY: The entry is valid (the caller's guarantee).
    let node = unsafe { addr_of_mut!((*entry).entry) };
    // The wait queue functions write the node's pointers under the queue's lock, or with
    // `WRITE_ONCE()` and `smp_store_release()` where they do not hold it: the loads here are
    // marked accesses, as `list_empty_careful()`'s are.
    // SAFETY: `next` is a valid, aligned pointer-sized field of the live node.
    let next = unsafe { Atomic::from_ptr(addr_of_mut!((*node).next)) }.load(Acquire);
    // SAFETY: As above, for `prev`.
    let prev = unsafe { Atomic::from_ptr(addr_of_mut!((*node).prev)) }.read_once();
    core::ptr::eq(next, node) && core::ptr::eq(prev, node)
}

impl Drop for WaitQueue {
    fn drop(&mut self) {
        let inner = self.inner.as_ptr();
        // As the `kernel` crate's `PollCondVarBox`: pollers still registered are told the
        // queue goes (`POLLFREE`: epoll takes its entry off, under RCU), and the memory is
        // freed after a grace period, so that such a poller can still reach the head.
        // SAFETY: The head is initialised; nothing but pollers can be on it (a waiter is off it
        // before `wait_until` returns, and `&self` is gone).
        unsafe { bindings::__wake_up_pollfree((*inner).head.get()) };
        // SAFETY: `inner` is our `KBox` allocation (type invariant), freed once, by RCU after
        // a grace period; `rcu` is inside it and otherwise unused.
        unsafe { bindings::kvfree_call_rcu((*inner).rcu.get(), inner.cast()) };
    }
}
