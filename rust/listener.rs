// SPDX-License-Identifier: GPL-2.0

//! The group's side of an instance: what fsnotify calls when a watched inode has an event,
//! and the queue those events wait in, as inotify keeps them in inotify_fsnotify.c apart
//! from the file operations of inotify_user.c.
//!
//! A [`Listener`] lives as long as its fsnotify group, which fsnotify may keep after the file
//! is closed until the last mark is freed. The queue's spinlock is taken only here.

use crate::{
    event::Event,
    limits::{
        Accounts,
        UserCounts, //
    },
    queue::{
        EventQueue,
        Pushed,
        Taken, //
    },
    sys::{
        abi::*,
        fasync::FasyncQueue,
        fsnotify::{
            EntryArgs,
            Group,
            GroupOps,
            Mark,
            MarkRef,
            NewMark,
            WatchMark,
            MARK_FLAG_IN_ONESHOT, //
        },
        kmem::Gfp,
        memcg::MemCgroup,
        once::ReadOnce,
        path::WatchTarget,
        waitq::{
            PollTable,
            WaitQueue, //
        },
    },
    tree::{
        self,
        Trees, //
    },
    watch::{
        Watches,
        WdCursor, //
    },
};
use kernel::{
    fs::File,
    new_mutex, new_spinlock,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex,
        SpinLock,
        SpinLockGuard, //
    },
};

/// The part of an instance fsnotify's callbacks reach: the event queue and the watches.
#[pin_data(PinnedDrop)]
pub(crate) struct Listener {
    /// The events waiting to be read. A leaf lock: nothing is called under it.
    #[pin]
    queue: SpinLock<EventQueue>,
    /// Whether the queue refuses events (full, or the instance closing), as last seen under
    /// its lock: while it does, events are refused before they are allocated.
    full: Atomic<bool>,
    /// Readers and pollers waiting for events.
    wait: WaitQueue,
    /// Owners that asked for `SIGIO`.
    fasync: FasyncQueue,
    /// The watches by descriptor.
    #[pin]
    watches: Watches,
    /// Serialises adding and updating watches, as inotify's group mutex does: one inode
    /// gets one watch and one descriptor even if two threads add it at once, or a tree
    /// watch adds it in the task that created it. It holds where the next descriptor is
    /// looked for: only new watches take descriptors.
    #[pin]
    update: Mutex<WdCursor>,
    /// The instance's trees: the rights they were added with, and their shape.
    #[pin]
    trees: Trees,
    /// Set when a tree has watches to remove: a directory's that left its tree, or those
    /// below a directory that lost its watch, in the watcher's context (see `tree::prune`).
    prune_pending: Atomic<bool>,
    /// Set under `update` when the file is released: no watch may be added any more (a
    /// tree's, in another task) once `release` has started detaching them.
    closed: Atomic<bool>,
    /// The memory cgroup of the task that created the instance, which pays for its events
    /// whoever causes them, as in inotify.
    memcg: MemCgroup,
    /// The user that created the instance, charged for it and its watches.
    user: Arc<UserCounts>,
    /// Where the user's counts live, to give the instance back when the listener goes.
    accounts: Arc<Accounts>,
}

impl Listener {
    /// A listener whose queue holds up to `max_events` events, for an instance already
    /// charged to `user`, its events charged to the calling task's memory cgroup. Once it is
    /// initialised, dropping it gives the instance back; if initialising fails, the caller
    /// still owns the charge.
    pub(crate) fn new(
        max_events: usize,
        user: Arc<UserCounts>,
        accounts: Arc<Accounts>,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Listener {
            queue <- new_spinlock!(EventQueue::new(max_events), "Listener::queue"),
            full: Atomic::new(max_events == 0),
            wait: WaitQueue::new(c"Listener::wait", kernel::static_lock_class!())?,
            fasync: FasyncQueue::new(),
            watches <- Watches::new(),
            update <- new_mutex!(WdCursor::new(), "Listener::update"),
            trees <- Trees::new(),
            prune_pending: Atomic::new(false),
            closed: Atomic::new(false),
            memcg: MemCgroup::of_current_task(),
            user,
            accounts,
        }? Error)
    }

    /// The watches by descriptor.
    pub(crate) fn watches(&self) -> &Watches {
        &self.watches
    }

    /// The lock of watch updates, and the descriptor cursor it keeps.
    pub(crate) fn update(&self) -> &Mutex<WdCursor> {
        &self.update
    }

    /// The instance's trees: the rights they were added with, and their shape.
    pub(crate) fn trees(&self) -> &Trees {
        &self.trees
    }

    /// The memory cgroup that pays for the instance's events.
    pub(crate) fn memcg(&self) -> &MemCgroup {
        &self.memcg
    }

    /// Asks for a prune of the trees in the watcher's next call (see `tree::prune`).
    pub(crate) fn request_prune(&self) {
        self.prune_pending.store(true, Relaxed);
    }

    /// Takes the pending prune of a tree, if there is one (see `tree::prune`).
    pub(crate) fn take_prune(&self) -> bool {
        self.prune_pending.read_once() && self.prune_pending.xchg(false, Relaxed)
    }

    /// Makes `mark` a watch, as `inotify_new_watch()` does, under `update` (whose guard
    /// `cursor` is): a descriptor for it (the table allocating with `gfp`), the user's count,
    /// and the mark attached last by `attach`, so that every event it reports names a
    /// descriptor returned here.
    /// `prepare` runs once the descriptor is known and before the mark is attached, to make
    /// the mark a tree's and queue what must come before the watch's first event; it says
    /// whether it queued anything. If it fails, or attaching does, the descriptor and the
    /// count are given back, and an `IN_IGNORED` follows what `prepare` queued.
    pub(crate) fn new_watch(
        &self,
        cursor: &mut WdCursor,
        mark: NewMark,
        gfp: Gfp,
        prepare: impl FnOnce(i32, &NewMark) -> Result<bool>,
        attach: impl FnOnce(NewMark) -> Result<WatchMark>,
    ) -> Result<i32> {
        let wd = self.watches.insert(cursor, &mark, gfp)?;
        if let Err(e) = self.user.charge_watch() {
            self.watches.remove_unattached(wd);
            return Err(e);
        }
        let announced = match prepare(wd, &mark) {
            Ok(announced) => announced,
            Err(e) => {
                self.user.release_watch();
                self.watches.remove_unattached(wd);
                return Err(e);
            }
        };
        let in_tree = mark.state().in_tree.read_once();
        if let Err(e) = attach(mark) {
            if in_tree {
                tree::forget(self, wd);
            }
            self.user.release_watch();
            self.watches.remove_unattached(wd);
            if announced {
                self.queue_record(wd, IN_IGNORED, 0, None);
            }
            return Err(e);
        }
        Ok(wd)
    }

    /// Watches `target` for the watcher's own call, as `inotify_update_watch()` does under
    /// its group's mutex, and returns the descriptor: `group`'s mark there, if its watch is
    /// live, gets the event mask and whether it replaces the old one from `existing` (which
    /// may refuse), and `flags`; otherwise a new mark with `events` and `flags` becomes a
    /// watch, `prepare` running as for [`Listener::new_watch`].
    pub(crate) fn watch(
        group: &Group<Self>,
        target: &WatchTarget,
        events: u32,
        flags: u32,
        existing: impl FnOnce(&Mark) -> Result<(u32, bool)>,
        prepare: impl FnOnce(i32, &NewMark) -> Result<bool>,
    ) -> Result<i32> {
        let this = group.data();
        let mut cursor = this.update.lock();
        // A mark whose watch died meanwhile (its descriptor is -1) does not count: as under
        // inotify's group mutex, the caller then gets a new watch.
        if let Some(mark) = group.find_mark(target).filter(|m| m.wd() != -1) {
            let (mask, replace) = existing(&mark)?;
            mark.update(mask, flags, replace);
            let wd = mark.wd();
            if wd != -1 {
                return Ok(wd);
            }
        }
        // As `inotify_new_watch()`: the mark, then its descriptor and the user's count.
        let mark = group.new_mark(events, flags)?;
        this.new_watch(&mut cursor, mark, Gfp::KERNEL, prepare, |mark| {
            mark.attach(target)
        })
    }

    /// Queues a record of the module's own (a tree's), as an event is queued; lost for want
    /// of memory, it becomes the overflow record.
    pub(crate) fn queue_record(&self, wd: i32, mask: u32, cookie: u32, name: Option<&[u8]>) {
        let _ = self.queue_event(wd, mask, cookie, name);
    }

    /// Takes the oldest records that fit in `room` bytes, at most `max`, into `taken`, in one
    /// critical section, as `inotify_read()` takes them: for the `first` of a read, waits for
    /// one unless `nonblock` (`EAGAIN`), gives `EINVAL` if it does not fit and `ERESTARTSYS`
    /// for a signal while waiting; otherwise takes what is there and fits, possibly nothing.
    pub(crate) fn take(
        &self,
        taken: &mut Taken,
        room: usize,
        max: usize,
        first: bool,
        nonblock: bool,
    ) -> Result {
        let queue = self.queue.lock();
        if !first || nonblock || !queue.is_empty() {
            return self.take_locked(queue, taken, room, max, first);
        }
        drop(queue);
        // As `inotify_read()`: a queued record wins over a pending signal, which is checked
        // only when there is nothing to read.
        self.wait.wait_until(|| {
            let queue = self.queue.lock();
            if queue.is_empty() {
                return None;
            }
            Some(self.take_locked(queue, taken, room, max, first))
        })?
    }

    /// [`Listener::take`] once the queue is locked, as `queue`, without waiting: `EAGAIN` if
    /// the `first` record of a read is not there. `max` is not 0.
    #[inline(always)]
    fn take_locked(
        &self,
        mut queue: SpinLockGuard<'_, EventQueue>,
        taken: &mut Taken,
        room: usize,
        max: usize,
        first: bool,
    ) -> Result {
        if queue.is_empty() {
            return if first { Err(EAGAIN) } else { Ok(()) };
        }
        let was_full = queue.is_full();
        queue.take(taken, room, max);
        if taken.len() == 0 {
            // The oldest record does not fit.
            return if first { Err(EINVAL) } else { Ok(()) };
        }
        // Taking only makes room: the hint changes only if the queue was full.
        if was_full {
            self.full.store(queue.is_full(), Relaxed);
        }
        Ok(())
    }

    /// Puts the records of `taken`, taken by [`Listener::take`] and not copied out, back at
    /// the front of the queue in their order. What the queue's bound no longer lets in is
    /// freed, after the lock is released.
    pub(crate) fn put_back(&self, taken: Taken) {
        let mut queue = self.queue.lock();
        let lost = queue.put_back(taken);
        self.full.store(queue.is_full(), Relaxed);
        drop(queue);
        drop(lost);
    }

    /// Whether a record is waiting to be read.
    pub(crate) fn has_records(&self) -> bool {
        !self.queue.lock().is_empty()
    }

    /// The bytes `read()` would return for every queued record (`FIONREAD`).
    pub(crate) fn queued_bytes(&self) -> usize {
        self.queue.lock().bytes()
    }

    /// Registers `file`'s poll on the readers' wait queue.
    pub(crate) fn register_poll(&self, file: &File, table: PollTable<'_>) {
        table.register_wait(file, &self.wait);
    }

    /// Owners that asked for `SIGIO`.
    pub(crate) fn fasync(&self) -> &FasyncQueue {
        &self.fasync
    }

    /// Refuses every event and every new watch from now on (the file is being released),
    /// and frees the events queued, after the spinlock is released. A tree's watch being
    /// added in another task when this is called is attached before it returns, so that the
    /// caller's detaching finds it.
    pub(crate) fn shut_down(&self) {
        let queued = self.queue.lock().shut_down();
        self.full.store(true, Relaxed);
        drop(queued);
        let update = self.update.lock();
        self.closed.store(true, Relaxed);
        drop(update);
    }

    /// Whether the file is being released; stable while `update` is held.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Relaxed)
    }

    /// Queues an event, or the overflow record in its place when the queue is full, and wakes
    /// the readers if the queue grew. As in `inotify_handle_inode_event()`, the event is
    /// allocated first, even one that coalescing then drops; if that fails, the overflow
    /// record is queued in its place and `ENOMEM` returned. Only a full queue is judged
    /// before allocating, so that a flood into it costs no allocation per event (inotify
    /// allocates and frees each). The listener pays for the event, not the task that caused
    /// it: "whoever is interested in the event, pays for it", in inotify's words.
    #[inline(always)]
    fn queue_event(&self, wd: i32, mask: u32, cookie: u32, name: Option<&[u8]>) -> Result {
        if self.full.read_once() && self.refuse_if_full() {
            return Ok(());
        }
        let Ok(event) = self.memcg.charge(|| Event::new(wd, mask, cookie, name)) else {
            self.overflow();
            return Err(ENOMEM);
        };
        let mut queue = self.queue.lock();
        let pushed = queue.push(event);
        // The hint is as the last critical section left the queue, and a push can only fill
        // it: written when it does (a stale one costs an allocation or a lock).
        if queue.is_full() {
            self.full.store(true, Relaxed);
        }
        drop(queue);
        // An event that was not queued is freed here, unlocked, as inotify frees it.
        match pushed {
            Pushed::Queued => self.wake(),
            Pushed::Overflowed(event) => {
                self.wake();
                drop(event);
            }
            Pushed::Dropped(event) => drop(event),
        }
        Ok(())
    }

    /// Refuses an event without allocating it if the queue, which the hint says is full, is
    /// (queueing the overflow record if it is not there yet), and says whether it did.
    #[cold]
    #[inline(never)]
    fn refuse_if_full(&self) -> bool {
        let mut queue = self.queue.lock();
        let refused = queue.refuse_if_full();
        self.full.store(queue.is_full(), Relaxed);
        drop(queue);
        match refused {
            Some(pushed) => {
                if pushed.grew() {
                    self.wake();
                }
                true
            }
            None => false,
        }
    }

    /// Queues the overflow record in place of an event lost for want of memory.
    #[cold]
    #[inline(never)]
    fn overflow(&self) {
        let mut queue = self.queue.lock();
        let pushed = queue.overflow();
        if queue.is_full() {
            self.full.store(true, Relaxed);
        }
        drop(queue);
        if pushed.grew() {
            self.wake();
        }
    }

    /// Queues the event fsnotify reported with `mask` to the watch `wd`, as inotify reports
    /// it: never with `IN_ISDIR` for `IN_MOVE_SELF` and `IN_DELETE_SELF`. `ENOMEM` if it was
    /// lost for want of memory (the overflow record is queued in its place).
    #[inline(always)]
    pub(crate) fn report(&self, wd: i32, mask: u32, cookie: u32, name: Option<&[u8]>) -> Result {
        let reported = if mask & (IN_MOVE_SELF | IN_DELETE_SELF) != 0 {
            mask & !IN_ISDIR
        } else {
            mask
        };
        self.queue_event(wd, reported, cookie, name)
    }

    /// Wakes readers, pollers and `SIGIO` owners: the queue grew.
    fn wake(&self) {
        // The queue's lock is released: a reader or poller that found it empty is on the wait
        // queue by then (see `WaitQueue::wake_up`).
        self.wait.wake_up();
        self.fasync.notify_readable();
    }

    /// [`GroupOps::handle_event`] for the directory of a tree: out of the line of plain
    /// watches, which do not pay for trees.
    #[cold]
    #[inline(never)]
    fn handle_tree_event(
        &self,
        mark: MarkRef<'_>,
        wd: i32,
        mask: u32,
        name: Option<&[u8]>,
        entry: EntryArgs<'_>,
        cookie: u32,
    ) -> Result {
        tree::handle_event(self, mark, wd, mask, name, entry.entry(name), cookie)
    }
}

impl GroupOps for Listener {
    #[inline]
    fn handle_event(
        &self,
        mark: MarkRef<'_>,
        mask: u32,
        name: Option<&[u8]>,
        entry: EntryArgs<'_>,
        cookie: u32,
    ) -> Result {
        // A mark being detached has no descriptor any more: report nothing for it.
        let wd = mark.wd();
        if wd == -1 {
            return Ok(());
        }
        // The bits of tree records are not fsnotify events of ours (FS_PRE_ACCESS shares one),
        // and never reported as such.
        let mask = mask & !TREE_RECORDS;
        // A relaxed look first: the flag is never cleared, and `tree::is_tree` looks again,
        // with the acquire that orders what entering the tree published, only for the marks
        // of trees.
        if mark.state().in_tree.read_once() && tree::is_tree(mark) {
            return self.handle_tree_event(mark, wd, mask, name, entry, cookie);
        }
        self.report(wd, mask, cookie, name)?;
        // An event lost for want of memory leaves an IN_ONESHOT watch in place, as in
        // inotify, which returns before removing it.
        if mark.flags() & MARK_FLAG_IN_ONESHOT != 0 {
            mark.detach();
        }
        Ok(())
    }

    fn freeing_mark(&self, mark: MarkRef<'_>) {
        let wd = mark.wd();
        if wd != -1 {
            // Lost for want of memory, IN_IGNORED becomes the overflow record.
            let _ = self.queue_event(wd, IN_IGNORED, 0, None);
        }
        // Before the descriptor is free again: a tree's node is found by it.
        if wd != -1 && tree::is_tree(mark) {
            tree::forget(self, wd);
        }
        let removed = self.watches.remove_mark(mark);
        self.user.release_watch();
        // The table's mark reference is put outside the lock: putting may sleep.
        drop(removed);
    }
}

#[pinned_drop]
impl PinnedDrop for Listener {
    fn drop(self: Pin<&mut Self>) {
        self.accounts.release_instance(&self.user);
    }
}
