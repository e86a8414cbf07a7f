// SPDX-License-Identifier: GPL-2.0

//! One inotify instance: the state behind one `open()` of `/dev/rinotify`.
//!
//! An [`Instance`] is the open file: it owns the fsnotify group and serves the file
//! operations. The group's data is a [`Listener`] (see `listener.rs`), which receives the
//! group's events and queues them.

use crate::{
    event::{
        write_overflow,
        HEADER_SIZE, //
    },
    limits::{
        Accounts,
        MAX_QUEUED_EVENTS, //
    },
    listener::Listener,
    queue::{
        Record,
        Taken, //
    },
    request::{
        self,
        BatchChunk,
        TreeRequest,
        WatchBatch,
        WatchRequest,
        RINOTIFY_IOC_ADD_TREE,
        RINOTIFY_IOC_ADD_WATCH,
        RINOTIFY_IOC_ADD_WATCHES,
        RINOTIFY_IOC_RM_WATCH,
        RINOTIFY_IOC_RM_WATCH_OLD, //
    },
    sys::{
        abi::*,
        fsnotify::{
            self,
            FsnotifyRef,
            Group,
            MARK_FLAG_EXCL_UNLINK,
            MARK_FLAG_IN_ONESHOT, //
        },
        miscdevice::{
            IoctlReturn,
            MiscDevice,
            MiscDeviceRegistration, //
        },
        path::{
            BatchLookup,
            Lookup,
            PathWalk, //
        },
        seq_file::SeqFileRef,
        waitq::PollTable,
    },
    tree,
};
use core::ops::ControlFlow;
use kernel::{
    bindings,
    fs::File,
    prelude::*,
    seq_file::seq_print,
    sync::{
        atomic::Relaxed,
        Arc,
        ArcBorrow, //
    },
    uaccess::{
        UserPtr,
        UserSlice,
        UserSliceWriter, //
    },
};

/// The access-mode bits of the open flags: an instance is opened read-only, as an inotify
/// file is.
const O_ACCMODE: u32 = bindings::O_ACCMODE;

/// An inotify instance: one open file of `/dev/rinotify`.
pub(crate) struct Instance {
    group: Group<Listener>,
}

impl Instance {
    /// The group's half of the instance.
    fn listener(&self) -> &Listener {
        self.group.data()
    }

    /// `inotify_add_watch()`: [`RINOTIFY_IOC_ADD_WATCH`].
    // Into its copy of `command`, which has the only call.
    #[inline(always)]
    fn add_watch(&self, arg: usize) -> Result<isize> {
        let request = WatchRequest::read_from(arg)?;
        Ok(self.add_watch_at(&request, &mut PathWalk)? as isize)
    }

    /// [`RINOTIFY_IOC_ADD_WATCHES`]: each entry as [`Instance::add_watch`], its path relative
    /// to its `dirfd`, its result written back; see [`WatchBatch`].
    ///
    /// Each entry takes `update` on its own, so a batch holds no lock for longer than one
    /// `inotify_add_watch()` does, and other callers interleave with it.
    fn add_watches(&self, arg: usize) -> Result<isize> {
        let batch = WatchBatch::read_from(arg)?;
        let mut lookup = BatchLookup::new();
        let mut chunk = BatchChunk::new();
        let mut done = 0;
        // Why the batch stopped short, if it did: the call's error if it processed nothing.
        let stop = 'batch: loop {
            if done == batch.count() {
                break None;
            }
            // Between chunks, which are short: a signal need not wait for the whole batch.
            if kernel::current!().signal_pending() {
                // Returned only if nothing was done: the call then restarts where the
                // handler allows, as a read does.
                break Some(ERESTARTSYS);
            }
            if let Err(e) = batch.read_chunk(done, &mut chunk) {
                break Some(e);
            }
            // First the entries' result fields, and nothing else of the caller's: a watch is
            // never added for an entry whose caller could not be told its descriptor (a
            // read-only entry stops the batch there). Only a concurrent change of the
            // caller's mappings can fail the write of a result after this one.
            let writable = chunk.write_pending();
            for (index, request) in chunk.requests().enumerate() {
                if index == writable {
                    break 'batch Some(EFAULT);
                }
                let result = match self.add_watch_at(&request, &mut lookup) {
                    Ok(wd) => wd,
                    Err(e) => e.to_errno(),
                };
                if let Err(e) = chunk.write_result(index, result) {
                    break 'batch Some(e);
                }
                done += 1;
            }
        };
        match stop {
            Some(e) if done == 0 => Err(e),
            _ => Ok(done as isize),
        }
    }

    /// `inotify_add_watch()` of the request's path, relative to its `dirfd`, looked up with
    /// `lookup` (a single request's walk, or a batch's look-up).
    fn add_watch_at(&self, request: &WatchRequest, lookup: &mut impl Lookup) -> Result<i32> {
        let mask = request.mask;
        // The syscall's checks, in its order (the fd checks are the VFS's here).
        request::check_mask_bits(mask)?;
        if mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0 {
            return Err(EINVAL);
        }
        if request.reserved != 0 {
            return Err(EINVAL);
        }
        let target = request::lookup_path(
            lookup,
            request.pathname,
            request.dirfd,
            mask,
            mask & IN_ONLYDIR != 0,
        )?;
        // Always report unmount; directories care about their children.
        let mut events = IN_UNMOUNT | (mask & IN_ALL_EVENTS);
        if target.is_dir() {
            events |= FS_EVENT_ON_CHILD;
        }
        let mut flags = 0;
        if mask & IN_EXCL_UNLINK != 0 {
            flags |= MARK_FLAG_EXCL_UNLINK;
        }
        if mask & IN_ONESHOT != 0 {
            flags |= MARK_FLAG_IN_ONESHOT;
        }

        Listener::watch(
            &self.group,
            &target,
            events,
            flags,
            |mark| {
                if mask & IN_MASK_CREATE != 0 {
                    return Err(EEXIST);
                }
                let add = mask & IN_MASK_ADD != 0;
                // A directory of a tree keeps following it.
                let events = tree::updated_mask(self.listener(), mark, events, add);
                Ok((events, !add))
            },
            |_, _| Ok(false),
        )
    }

    /// [`RINOTIFY_IOC_ADD_TREE`]: see `tree.rs`.
    fn add_tree(&self, arg: usize) -> Result<isize> {
        let request = TreeRequest::read_from(arg)?;
        // What earlier trees left to remove goes first, all of it, even while another call of
        // the watcher's is pruning (it took the request): a descriptor handed out again cannot
        // be a tree's while the tombstone of its last watch is there.
        tree::prune(self.listener());
        Ok(tree::add_tree(&self.group, &request)? as isize)
    }

    /// Removes the watches below a tree's directory that lost its watch, if one did: work
    /// for the watcher's calls, not for the tasks that changed the tree. The test is inlined
    /// into every call: only the prune itself is out of line.
    #[inline(always)]
    fn prune_trees(&self) {
        let listener = self.listener();
        if listener.take_prune() {
            tree::prune(listener);
        }
    }

    /// `inotify_rm_watch()`: the watch goes, and its `IN_IGNORED` is queued before this
    /// returns. As in inotify, the watch and its descriptor leave the table only in
    /// `freeing_mark`, after `IN_IGNORED` is queued: a concurrent `add_watch` cannot get the
    /// descriptor back before that, and a concurrent `rm_watch` of the same watch finds it
    /// and returns 0 as well.
    // Into its copy of `command`, which has the only call.
    #[inline(always)]
    fn rm_watch(&self, wd: i32) -> Result<isize> {
        let listener = self.listener();
        // Looked up as `inotify_rm_watch()` looks, under the table's lock alone: only an
        // attached watch is found (an `add_watch` of it under way has not returned its
        // descriptor yet), and a descriptor not in use fails at once.
        let mark = listener.watches().get(wd).ok_or(EINVAL)?;
        // Detached under `update`, because the watcher's calls take the group's `mark_mutex`
        // only under it: a tree's `follow` in another task takes that mutex only once it has
        // `update`, and so never waits for the watcher. A watch another call removed since
        // is detached already: nothing happens, and this returns 0 as that call does.
        let update = listener.update().lock();
        mark.detach();
        drop(update);
        Ok(0)
    }

    /// The ioctls, by command. Each known command is a tail call of its own copy of
    /// [`Instance::command`], so that the dispatch needs no stack frame: an unknown command
    /// (which programs probe with) costs what inotify's `switch` costs.
    #[inline(always)]
    fn dispatch(&self, cmd: u32, arg: usize) -> IoctlReturn {
        match cmd {
            RINOTIFY_IOC_ADD_WATCH => self.command(move |this| this.add_watch(arg)),
            RINOTIFY_IOC_ADD_WATCHES => self.command(move |this| this.add_watches(arg)),
            RINOTIFY_IOC_ADD_TREE => self.command(move |this| this.add_tree(arg)),
            // The descriptor travels in the argument; like the syscall's `int`, its low bits.
            // The old number means the same (see the uapi header).
            RINOTIFY_IOC_RM_WATCH | RINOTIFY_IOC_RM_WATCH_OLD => {
                self.command(move |this| this.rm_watch(arg as u32 as i32))
            }
            bindings::FIONREAD => self.command(move |this| this.queued_bytes(arg)),
            #[cfg(CONFIG_CHECKPOINT_RESTORE)]
            INOTIFY_IOC_SETNEXTWD => self.command(move |this| this.set_next_wd(arg)),
            _ => Err(ENOTTY).into(),
        }
    }

    /// A known command: its `work`, then a tree's pending prune, as the watcher's own work
    /// after a command that did something. Out of line, and converted to the file
    /// operation's return value here, so that the dispatch returns what this returns.
    #[inline(never)]
    fn command(&self, work: impl FnOnce(&Self) -> Result<isize>) -> IoctlReturn {
        let result = work(self);
        self.prune_trees();
        result.into()
    }

    /// `FIONREAD`: the bytes a `read()` would return, written to the `int` at `arg`.
    // Into its copy of `command`, which has the only call.
    #[inline(always)]
    fn queued_bytes(&self, arg: usize) -> Result<isize> {
        let bytes = self.listener().queued_bytes();
        let bytes = i32::try_from(bytes).unwrap_or(i32::MAX);
        UserSlice::new(UserPtr::from_addr(arg), size_of::<i32>())
            .writer()
            .write(&bytes)?;
        Ok(0)
    }

    /// `INOTIFY_IOC_SETNEXTWD`: the next descriptor to try, as CRIU restores watches.
    #[cfg(CONFIG_CHECKPOINT_RESTORE)]
    // Into its copy of `command`, which has the only call.
    #[inline(always)]
    fn set_next_wd(&self, arg: usize) -> Result<isize> {
        let wd = i32::try_from(arg)
            .ok()
            .filter(|&wd| wd >= 1)
            .ok_or(EINVAL)?;
        self.listener().update().lock().set(wd);
        Ok(0)
    }

    /// Copies records to `out` as `inotify_read()` does: only whole records, `EINVAL` if the
    /// first does not fit, blocking for the first unless `nonblock`.
    ///
    /// Records are taken off the queue up to [`READ_BATCH`] at a time, in one critical
    /// section, and copied out after it. A record that cannot be copied is lost, as in
    /// inotify, and those taken after it go back to the front of the queue. A batch that
    /// stops short ends the read without taking the lock again.
    fn read(&self, nonblock: bool, mut out: UserSliceWriter) -> Result<usize> {
        let listener = self.listener();
        let mut copied = 0;
        loop {
            let mut taken = Taken::new();
            listener.take(&mut taken, out.len(), READ_BATCH, copied == 0, nonblock)?;
            // A batch that stopped short (or took nothing) found the queue empty, or a record
            // that does not fit: this read is complete (a record queued since waits for the
            // next one).
            let complete = taken.len() < READ_BATCH;
            while let Some(record) = taken.pop() {
                let written = match &record {
                    Record::Event(event) => event.write_to(&mut out).map(|()| event.record_size()),
                    Record::Overflow => write_overflow(&mut out).map(|()| HEADER_SIZE),
                };
                match written {
                    Ok(size) => copied += size,
                    Err(e) => {
                        listener.put_back(taken);
                        return Err(e);
                    }
                }
                // `record` is freed here, outside the lock.
            }
            if complete {
                return Ok(copied);
            }
        }
    }
}

/// Records one `read()` takes off the queue per critical section.
const READ_BATCH: usize = 16;

/// What open files share.
pub(crate) struct InstanceContext {
    /// The per-user accounts.
    pub(crate) accounts: Arc<Accounts>,
    /// The module's fsnotify state, which groups are made with.
    pub(crate) fsnotify: FsnotifyRef,
}

#[vtable]
impl MiscDevice for Instance {
    type Ptr = Arc<Instance>;
    type RegistrationData = InstanceContext;

    // An inotify file is an anonymous inode's: no `pread`, no events of its own, and a seek
    // that goes nowhere and says so (`lseek` returns 0).
    const PSEUDO_FILE: bool = true;
    const NOOP_LLSEEK: bool = true;

    fn open(file: &File, misc: &MiscDeviceRegistration<Self>) -> Result<Arc<Instance>> {
        let context = misc.data();
        let accounts = &context.accounts;
        // inotify files are read-only: an open for writing is an unknown init flag, and so
        // is any flag but those `OPEN_FLAGS_OK` lists (see there why each is accepted).
        let flags = file.flags();
        if flags & O_ACCMODE != bindings::O_RDONLY || flags & !(O_ACCMODE | OPEN_FLAGS_OK) != 0 {
            return Err(EINVAL);
        }
        let user = accounts.charge_instance(file.cred())?;
        let (listener_user, listener_accounts) = (user.clone(), accounts.clone());
        let max_events = MAX_QUEUED_EVENTS.load(Relaxed).max(0) as usize;
        // From here on dropping the listener gives the instance back.
        let listener = Arc::pin_init(
            Listener::new(max_events, listener_user, listener_accounts),
            GFP_KERNEL,
        );
        let listener = match listener {
            Ok(listener) => listener,
            Err(e) => {
                accounts.release_instance(&user);
                return Err(e);
            }
        };
        let group = Group::new(&context.fsnotify, listener)?;
        Ok(Arc::new(Instance { group }, GFP_KERNEL)?)
    }

    fn release(this: Arc<Instance>, _file: &File) {
        let listener = this.listener();
        // No IN_IGNORED or other event reaches user space any more. The queued events are
        // freed after the spinlock is released.
        listener.shut_down();
        // As `fsnotify_destroy_group()`: every mark goes, and each `freeing_mark` takes its
        // watch out of the table.
        while let Some(mark) = this.group.newest_mark() {
            mark.detach();
        }
        // As `fsnotify_destroy_group()` does: once the marks are freed, dropping `this` puts
        // the last group reference, so the instance is given back before `close()` returns.
        fsnotify::wait_marks_destroyed();
    }

    fn read(this: ArcBorrow<'_, Self>, file: &File, out: UserSliceWriter) -> Result<usize> {
        let nonblock = file.flags() & kernel::fs::file::flags::O_NONBLOCK != 0;
        this.prune_trees();
        this.read(nonblock, out)
    }

    fn poll(this: ArcBorrow<'_, Self>, file: &File, table: PollTable<'_>) -> u32 {
        let listener = this.listener();
        listener.register_poll(file, table);
        if listener.has_records() {
            bindings::POLLIN | bindings::POLLRDNORM
        } else {
            0
        }
    }

    // Into the file operation's entry point: an unknown command is refused there.
    #[inline(always)]
    fn ioctl(this: ArcBorrow<'_, Self>, _file: &File, cmd: u32, arg: usize) -> IoctlReturn {
        this.dispatch(cmd, arg)
    }

    // As inotify's `compat_ioctl`, the same function: the structs have one layout for 32- and
    // 64-bit callers, and `RINOTIFY_IOC_RM_WATCH` passes the descriptor by value, which
    // `compat_ptr_ioctl` (upstream's default) would convert as a pointer.
    #[cfg(CONFIG_COMPAT)]
    fn compat_ioctl(this: ArcBorrow<'_, Self>, file: &File, cmd: u32, arg: usize) -> IoctlReturn {
        Self::ioctl(this, file, cmd, arg)
    }

    fn fasync(this: ArcBorrow<'_, Self>, fd: i32, file: &File, on: bool) -> Result {
        this.listener().fasync().update(fd, file, on)
    }

    fn show_fdinfo(this: ArcBorrow<'_, Self>, m: &SeqFileRef<'_>, _file: &File) {
        // As `inotify_fdinfo()`: fsnotify's list of the group's marks, newest first, with the
        // inode of each read through its mark. The group's `mark_mutex` is held across the
        // list: under `update`, so that a tree's `follow` in another task does not wait for it
        // (it tries `update` and reports `RIN_RESCAN` instead).
        let update = this.listener().update().lock();
        this.group.for_each_mark(|mark, inode| {
            let mut mask = tree::shown_mask(this.listener(), mark, mark.mask());
            if mark.flags() & MARK_FLAG_EXCL_UNLINK != 0 {
                mask |= IN_EXCL_UNLINK;
            }
            if mark.flags() & MARK_FLAG_IN_ONESHOT != 0 {
                mask |= IN_ONESHOT;
            }
            seq_print!(
                m,
                "inotify wd:{:x} ino:{:x} sdev:{:x} mask:{:x} ignored_mask:0 ",
                mark.wd(),
                inode.ino(),
                inode.dev(),
                mask
            );
            // What CRIU restores the watch from: `show_mark_fhandle()`'s fields.
            if let Some(handle) = inode.file_handle() {
                seq_print!(
                    m,
                    "fhandle-bytes:{:x} fhandle-type:{:x} f_handle:",
                    handle.bytes().len(),
                    handle.kind()
                );
                for byte in handle.bytes() {
                    seq_print!(m, "{:02x}", byte);
                }
            }
            seq_print!(m, "\n");
            // A full buffer is printed again, larger: the marks after this one would be lost.
            if m.has_overflowed() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        drop(update);
    }
}
