// SPDX-License-Identifier: GPL-2.0

//! Tree watches (`RINOTIFY_IOC_ADD_TREE`): a directory and every directory below it, each
//! with a watch of its own, followed as the tree changes.
//!
//! Who does which work, so that nobody pays for a tree but its watcher:
//!
//! - The crawl that watches a tree runs in the watcher's own call ([`add_tree`]), depth
//!   first. A directory is watched before its entries are read, so one created meanwhile
//!   is either listed or reported to its parent's watch, which follows it.
//! - A directory created in the tree, or moved into it, is watched by [`follow`], in the
//!   task that created or moved it, before its system call returns: one mark, one
//!   descriptor, whatever the tree's size. What was inside a directory moved in is not
//!   crawled there; a `RIN_RESCAN` record tells the watcher to do it.
//! - A directory moved out loses its watch in the moving task, as an `IN_ONESHOT` watch
//!   does in inotify; the watches below it, as many as the subtree has, are removed by
//!   [`prune`] in the watcher's next call.
//!
//! Each tree directory's mark knows the descriptor of its parent directory's mark, which
//! is how [`prune`] finds what is below a directory that lost its watch.

use crate::{
    listener::Listener,
    request::{
        self,
        TreeRequest, //
    },
    sys::{
        abi::*,
        dir::Directory,
        fsnotify::{
            EventEntry,
            Group,
            MarkRef,
            MarkState,
            MARK_FLAG_EXCL_UNLINK, //
        },
        kmem::Gfp,
        path::{
            PathWalk,
            WatchTarget, //
        },
        rights::Rights,
    },
    watch::WdCursor,
};
use kernel::{
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc, //
    },
    xarray::{
        AllocKind,
        XArray, //
    },
};

/// In [`MarkState::tree_events`]: the mark is a tree's (its user's mask may be empty).
const IN_TREE: u32 = 1 << 31;
/// In [`MarkState::tree_events`], above the user's mask: the id of the [`Rights`] the tree's
/// directories are followed with (see [`Trees`]).
const RIGHTS_SHIFT: u32 = 16;
const RIGHTS_IDS: u32 = 1 << 15;
const _: () = assert!(IN_ALL_EVENTS < 1 << RIGHTS_SHIFT && RIGHTS_IDS << RIGHTS_SHIFT == IN_TREE);

/// The tree word of a mark: in a tree followed with the rights `rights`, reporting `events`.
fn tree_word(rights: u32, events: u32) -> u32 {
    IN_TREE | rights << RIGHTS_SHIFT | events & IN_ALL_EVENTS
}

/// The id of the rights in a tree word.
fn rights_of(tree_events: u32) -> u32 {
    (tree_events & !IN_TREE) >> RIGHTS_SHIFT
}

/// The rights the trees of an instance were added with, by id: the credentials of each
/// `RINOTIFY_IOC_ADD_TREE` caller and the idmap of the mount it named. A directory that
/// another task creates in a tree is watched only if these rights could have watched it.
///
/// A tree's directories keep the id in their marks (in the word of [`MarkState::tree_events`],
/// so that a mark is no larger for it). Calls with the same credentials through the same
/// mount, one after the other, share an id; the ids are kept until the instance is freed.
#[pin_data]
pub(crate) struct Trees {
    #[pin]
    rights: XArray<Arc<Rights>>,
    /// How many ids are taken, 0 up to this; changed only under `Listener::update`.
    count: Atomic<u32>,
}

impl Trees {
    /// No rights yet.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            rights <- XArray::new(AllocKind::Alloc),
            count: Atomic::new(0),
        })
    }

    /// The id of `rights`: the last one's if they are the same, else a new one (`ENOSPC`
    /// past [`RIGHTS_IDS`]). `_update` is the guard of `Listener::update`, which serialises
    /// the ids.
    fn id(&self, _update: &mut WdCursor, rights: Rights) -> Result<u32> {
        let count = self.count.load(Relaxed);
        if let Some(last) = count.checked_sub(1) {
            let same = self
                .rights
                .lock()
                .get(last as usize)
                .is_some_and(|r| r.is(&rights));
            if same {
                return Ok(last);
            }
        }
        if count >= RIGHTS_IDS {
            return Err(ENOSPC);
        }
        // Charged to the caller, whose rights they are.
        let rights = Arc::new(rights, GFP_KERNEL_ACCOUNT)?;
        let mut table = self.rights.lock();
        let stored = table.store(count as usize, rights, GFP_KERNEL_ACCOUNT);
        drop(table);
        stored.map_err(|e| e.error)?;
        self.count.store(count + 1, Relaxed);
        Ok(count)
    }

    /// The rights with id `id`.
    fn get(&self, id: u32) -> Option<Arc<Rights>> {
        self.rights.lock().get(id as usize).map(Arc::from)
    }
}

/// What a tree's marks listen to beyond their user's mask, to follow directories that
/// are created, arrive and leave.
const FOLLOW_EVENTS: u32 = IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_MOVE_SELF;

/// The longest name of a directory entry a look-up takes (`NAME_MAX`).
const NAME_BUF: usize = 255;

/// Whether `mark` is a directory of a tree.
pub(crate) fn is_tree(mark: MarkRef<'_>) -> bool {
    mark.state().tree_events.load(Relaxed) != 0
}

/// An event with fsnotify mask `mask` on the tree directory of `mark`, watched as `wd`:
/// reported if its user asked for it (the mark listens to more, to follow the tree), then
/// followed ([`follow`]), whatever became of the event. A directory that left its tree and
/// waits to be removed reports and follows nothing.
pub(crate) fn handle_event(
    listener: &Listener,
    mark: MarkRef<'_>,
    wd: i32,
    mask: u32,
    name: Option<&[u8]>,
    entry: Option<EventEntry<'_>>,
    cookie: u32,
) -> Result {
    let state = mark.state();
    if state.left.load(Relaxed) {
        return Ok(());
    }
    let tree_events = state.tree_events.load(Relaxed);
    let mut queued = Ok(());
    if mask & (tree_events & IN_ALL_EVENTS | IN_UNMOUNT) != 0 {
        queued = listener.report(wd, mask, cookie, name);
    }
    // An event lost for want of memory became the overflow record, which says that it was
    // lost; the tree follows all the same.
    follow(listener, mark, tree_events, mask, name, entry);
    queued
}

/// The fsnotify mask of a tree directory's mark, for its user's mask `events`.
fn mark_mask(events: u32) -> u32 {
    IN_UNMOUNT | FS_EVENT_ON_CHILD | FOLLOW_EVENTS | events & IN_ALL_EVENTS
}

/// The fsnotify mask to give the mark of `state`, a watch being updated to `mask` (as
/// `inotify_add_watch()` updates one, `mask` its events and what the caller asked): for
/// a tree's directory, its user's events become `mask`'s, or grow by them for
/// `IN_MASK_ADD`, and the mark keeps following the tree.
pub(crate) fn updated_mask(state: &MarkState, events: u32, add: bool) -> u32 {
    let tree_events = state.tree_events.load(Relaxed);
    if tree_events == 0 {
        return events;
    }
    let user = if add {
        tree_events & IN_ALL_EVENTS | events & IN_ALL_EVENTS
    } else {
        events & IN_ALL_EVENTS
    };
    state
        .tree_events
        .store(tree_word(rights_of(tree_events), user), Relaxed);
    events | mark_mask(user)
}

/// The events fdinfo shows for the watch of `state` with fsnotify mask `mask`.
pub(crate) fn shown_mask(state: &MarkState, mask: u32) -> u32 {
    match state.tree_events.load(Relaxed) {
        0 => mask & IN_ALL_EVENTS,
        tree_events => tree_events & IN_ALL_EVENTS,
    }
}

/// `RINOTIFY_IOC_ADD_TREE`: watches the directory `request` names and every directory
/// below it, and returns the root's descriptor. See `include/uapi/linux/rinotify.h`.
pub(crate) fn add_tree(group: &Group<Listener>, request: &TreeRequest) -> Result<i32> {
    let mask = request.mask;
    request::check_mask_bits(mask)?;
    if mask & (IN_MASK_ADD | IN_MASK_CREATE | IN_ONESHOT) != 0 {
        return Err(EINVAL);
    }
    if request.flags != 0 || request.reserved != 0 {
        return Err(EINVAL);
    }
    let root = request::lookup_path(&mut PathWalk, request.pathname, request.dirfd, mask, true)?;
    let listener = group.data();
    // What the tree's directories created later are checked with: this caller's rights.
    let rights = Rights::of_current_task(&root);
    let rights = listener.trees().id(&mut listener.update().lock(), rights)?;
    let root_wd = watch_directory(group, &root, 0, None, mask, rights)?;

    // Depth first, each directory's subdirectories in the order they are listed. The stack
    // holds a frame per directory from the root down, each one watched: however deep a tree
    // is (a look-up relative to its parent has no PATH_MAX), max_user_watches bounds it.
    let mut stack = KVec::new();
    stack.push(Listing::read(listener, root, root_wd), GFP_KERNEL_ACCOUNT)?;
    let mut name = [0u8; NAME_BUF];
    while let Some(top) = stack.last_mut() {
        if kernel::current!().signal_pending() {
            // What is watched stays watched; a second call finishes the tree.
            return Err(ERESTARTSYS);
        }
        let len = match top.next_name(&mut name) {
            Some(Ok(len)) => len,
            // Longer than any look-up takes: what is below it cannot be watched.
            Some(Err(())) => {
                listener.queue_record(top.wd, RIN_RESCAN | IN_ISDIR, 0, None);
                continue;
            }
            None => {
                stack.pop();
                continue;
            }
        };
        let bytes = &name[..len];
        let child = match top.dir.subdirectory(bytes) {
            Ok(child) => child,
            // Not a directory (DT_UNKNOWN), gone since it was listed, or a mount point,
            // which the tree leaves out.
            Err(e) if e == ENOTDIR || e == ENOENT || e == EXDEV => continue,
            Err(_) => {
                listener.queue_record(top.wd, RIN_RESCAN | IN_ISDIR, 0, Some(bytes));
                continue;
            }
        };
        match watch_directory(group, &child, top.wd, Some(bytes), mask, rights) {
            Ok(wd) => {
                let listing = Listing::read(listener, child, wd);
                // Watched, but what is below it is not crawled without the memory.
                if stack.push(listing, GFP_KERNEL_ACCOUNT).is_err() {
                    listener.queue_record(wd, RIN_RESCAN | IN_ISDIR, 0, None);
                }
            }
            Err(_) => listener.queue_record(top.wd, RIN_RESCAN | IN_ISDIR, 0, Some(bytes)),
        }
    }
    Ok(root_wd)
}

/// Watches `dir` as a directory of a tree with user mask `mask`, followed with the rights
/// of id `rights`, below the directory with descriptor `parent` (0 for the root) under
/// `name`, and returns its descriptor: a new watch, announced with `RIN_WATCHED`, or the
/// instance's watch there already, which joins the tree with `mask` and keeps its
/// descriptor (and its place in a tree it is in).
fn watch_directory(
    group: &Group<Listener>,
    dir: &WatchTarget,
    parent: i32,
    name: Option<&[u8]>,
    mask: u32,
    rights: u32,
) -> Result<i32> {
    let listener = group.data();
    let events = mark_mask(mask);
    let tree = tree_word(rights, mask);
    let flags = if mask & IN_EXCL_UNLINK != 0 {
        MARK_FLAG_EXCL_UNLINK
    } else {
        0
    };
    let mut cursor = listener.update().lock();
    if let Some(mark) = group.find_mark(dir).filter(|m| m.wd() != -1) {
        let state = mark.state();
        // A tree's root stays where it is in a tree it is in already; below the root, a
        // tree inside this one becomes part of it.
        if parent != 0 || state.tree_events.load(Relaxed) == 0 {
            state.parent.store(parent, Relaxed);
        }
        state.tree_events.store(tree, Relaxed);
        // Watched again by the watcher's own call: a watch that left its tree and was not
        // removed yet stays.
        state.left.store(false, Relaxed);
        mark.update(events, flags, true);
        let wd = mark.wd();
        if wd != -1 {
            return Ok(wd);
        }
    }
    let mark = group.new_mark(events, flags)?;
    mark.state().tree_events.store(tree, Relaxed);
    mark.state().parent.store(parent, Relaxed);
    listener.new_watch(
        &mut cursor,
        mark,
        Gfp::KERNEL,
        |wd| announce(listener, wd, parent, name),
        |mark| mark.attach(dir),
    )
}

/// Queues the `RIN_WATCHED` record of the directory watched as `wd`, named `name` in the
/// directory watched as `parent` (0 and no name for a tree's root); for
/// [`Listener::new_watch`], says that it queued it.
fn announce(listener: &Listener, wd: i32, parent: i32, name: Option<&[u8]>) -> bool {
    listener.queue_record(wd, RIN_WATCHED | IN_ISDIR, parent as u32, name);
    true
}

/// A directory of the crawl and the names of its entries that may be directories.
struct Listing {
    dir: WatchTarget,
    wd: i32,
    /// The names, each followed by a NUL.
    names: KVVec<u8>,
    /// Where the next name starts.
    next: usize,
}

impl Listing {
    /// Reads the entries of `dir`, watched as `wd`. A directory that cannot be read is
    /// reported with `RIN_RESCAN` and has no entries.
    fn read(listener: &Listener, dir: WatchTarget, wd: i32) -> Self {
        let mut names = KVVec::new();
        // A leaf has nothing to crawl; a subdirectory made in it from now on is followed.
        let read = if dir.has_no_subdirectories() {
            Ok(())
        } else {
            Directory::open(&dir).and_then(|mut d| d.subdirectory_names(&mut names))
        };
        if read.is_err() {
            listener.queue_record(wd, RIN_RESCAN | IN_ISDIR, 0, None);
        }
        Self {
            dir,
            wd,
            names,
            next: 0,
        }
    }

    /// Copies the next name into `buf` and returns its length; `Err` for one too long.
    fn next_name(&mut self, buf: &mut [u8; NAME_BUF]) -> Option<Result<usize, ()>> {
        let rest = self.names.get(self.next..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        self.next += len + 1;
        if len > NAME_BUF {
            return Some(Err(()));
        }
        buf[..len].copy_from_slice(&rest[..len]);
        Some(Ok(len))
    }
}

/// Follows the tree of `mark` (whose tree word is `tree_events`) through an event on it
/// (`mask`, about the entry `name` whose inode is `entry`), in the task that caused it: watches a directory created or
/// moved in, notes one leaving, and removes the watch of one that left.
///
/// That task is anyone's, and the watcher must not be able to make it wait, fail or pay:
///
/// - A directory is watched only if the rights the tree was added with could have watched
///   it ([`Rights::may_watch`]), checked before any lock is taken.
/// - `Listener::update` is only tried: the watcher holds it in its own calls across work it
///   chooses the length of (allocations that reclaim, a directory's children marked by
///   `fsnotify_add_mark()`, its fdinfo). Held, the directory is not watched, and the
///   watcher is told with `RIN_RESCAN`. Taken, nothing below it waits for the watcher: the
///   watcher takes the group's `mark_mutex` only under it.
/// - What is allocated is charged to the watcher, and fails rather than invoking the OOM
///   killer, as events are; a failure is a `RIN_RESCAN` as well.
///
/// So every directory created in the tree is either watched before the call that created
/// it returns, or named by a `RIN_RESCAN` record. O(1) in the tree's size: one look-up of
/// the entry's marks and at most one new watch, whose directory is new and empty. A
/// directory moved in from outside costs `fsnotify_add_mark()` a walk of its cached
/// children, which are the moving task's own.
fn follow(
    listener: &Listener,
    mark: MarkRef<'_>,
    tree_events: u32,
    mask: u32,
    name: Option<&[u8]>,
    entry: Option<EventEntry<'_>>,
) {
    if mask & IN_MOVE_SELF != 0 {
        // The directory is moving: if it was not seen arriving in a directory of the
        // tree, it left it.
        if mark.state().moving.xchg(false, Relaxed) {
            leave(listener, mark);
        }
        return;
    }
    let (Some(entry), true) = (entry, mask & IN_ISDIR != 0) else {
        return;
    };
    if mask & IN_MOVED_FROM != 0 {
        if let Some(moved) = entry.find_mark(mark) {
            if moved.state().tree_events.load(Relaxed) != 0 {
                moved.state().moving.store(true, Relaxed);
            }
        }
        return;
    }
    if mask & (IN_CREATE | IN_MOVED_TO) == 0 {
        return;
    }
    let parent = mark.wd();
    if parent == -1 {
        return;
    }
    // A directory the instance watches already needs no new right; any other is checked
    // with the tree's.
    let known = entry.find_mark(mark).filter(|m| m.wd() != -1);
    if let Some(known) = known
        .as_ref()
        .filter(|m| m.state().tree_events.load(Relaxed) != 0)
    {
        arrive(listener, known.state(), parent, name);
        return;
    }
    let allowed = known.is_some()
        || listener
            .trees()
            .get(rights_of(tree_events))
            .is_some_and(|rights| rights.may_watch(&entry).is_ok());
    if !allowed {
        listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name);
        return;
    }
    let Some(mut cursor) = listener.update().try_lock() else {
        listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name);
        return;
    };
    // The instance is being closed: `release` is detaching its watches and must find all.
    // A directory whose watch is going (its descriptor already -1) gets no new ones below.
    if listener.is_closed() || mark.wd() == -1 {
        return;
    }
    let moved_in = mask & IN_MOVED_TO != 0;
    match entry.find_mark(mark).filter(|m| m.wd() != -1) {
        Some(known) => {
            let state = known.state();
            if state.tree_events.load(Relaxed) != 0 {
                // Joined a tree since it was looked at above.
                state.parent.store(parent, Relaxed);
                state.moving.store(false, Relaxed);
                state.left.store(false, Relaxed);
                return;
            }
            // A directory the instance watched on its own joins the tree with its own mask.
            let own = known.mask() & IN_ALL_EVENTS;
            state.parent.store(parent, Relaxed);
            state
                .tree_events
                .store(tree_word(rights_of(tree_events), own), Relaxed);
            // As `ADD_TREE` sets a watch it finds: a tree's watches are never `IN_ONESHOT`.
            let flags = known.flags() & MARK_FLAG_EXCL_UNLINK;
            known.update(mark_mask(own), flags, true);
            // Its watch may be going meanwhile (rm_watch takes no lock of this): then say
            // nothing.
            let wd = known.wd();
            if wd != -1 {
                announce(listener, wd, parent, name);
                if moved_in {
                    listener.queue_record(wd, RIN_RESCAN | IN_ISDIR, 0, None);
                }
            }
            return;
        }
        // Its watch went since it was found without the lock: the rights were not checked.
        None if known.is_some() => {
            drop(cursor);
            listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name);
            return;
        }
        None => {}
    }
    // Charged to the watcher, as the events are: the task creating the directory does not
    // pay for someone else's watch on it.
    let watched = listener.memcg().charge(|| {
        let flags = mark.flags() & MARK_FLAG_EXCL_UNLINK;
        let new = mark.new_mark(mark_mask(tree_events), flags)?;
        new.state().tree_events.store(tree_events, Relaxed);
        new.state().parent.store(parent, Relaxed);
        listener.new_watch(
            &mut cursor,
            new,
            Gfp::EVENT,
            |wd| announce(listener, wd, parent, name),
            |new| new.attach_to_entry(&entry),
        )
    });
    drop(cursor);
    // The parent's watch may have gone since it was seen above, and the watcher's prune have
    // run before the new watch was in the table: the new one is then an orphan, for the
    // next prune to remove.
    if watched.is_ok() && mark.wd() == -1 {
        listener.request_prune();
    }
    match watched {
        // What a directory moved in holds is not watched: the watcher crawls it.
        Ok(wd) if moved_in => listener.queue_record(wd, RIN_RESCAN | IN_ISDIR, 0, None),
        Ok(_) => {}
        // Not watched (max_user_watches, memory): whatever happens in it is missed.
        Err(_) => listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name),
    }
}

/// A directory of a tree, whose mark's fields are `state`, seen arriving in the tree's
/// directory watched as `parent` under `name`: moved within the tree, or from another tree of
/// the instance. Its watch stays, with its new parent; no lock is needed for the two stores,
/// which [`prune`] reads as they come. A watch marked as having left (its move out of the tree
/// found the watcher's lock held, see [`leave`]) is kept only under the lock, which [`prune`]
/// takes before it removes one: if the lock is held, the watch goes, and the watcher is told
/// with the `RIN_RESCAN` record of the directory that it is to be watched again.
fn arrive(listener: &Listener, state: &MarkState, parent: i32, name: Option<&[u8]>) {
    state.parent.store(parent, Relaxed);
    state.moving.store(false, Relaxed);
    if !state.left.load(Relaxed) {
        return;
    }
    match listener.update().try_lock() {
        Some(update) => {
            state.left.store(false, Relaxed);
            drop(update);
        }
        None => listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name),
    }
}

/// Removes the watch of `mark`, a directory that left its tree, in the task that moved it
/// if the watcher's lock is free, as an `IN_ONESHOT` watch goes in inotify; else it reports
/// nothing more and the watcher's next call removes it (see [`prune`]).
fn leave(listener: &Listener, mark: MarkRef<'_>) {
    match listener.update().try_lock() {
        Some(update) => {
            mark.detach();
            drop(update);
        }
        None => {
            mark.state().left.store(true, Relaxed);
            listener.request_prune();
        }
    }
}

/// Removes the watches of the tree directories that left their tree, or whose parent
/// directory lost its watch, and of those below them, in the watcher's context: one pass
/// over the watches per level of the subtree, each look-up its own critical section, each
/// removal under `Listener::update`, as every removal by the watcher is.
pub(crate) fn prune(listener: &Listener) {
    loop {
        let mut removed = false;
        let mut from = Some(1);
        while let Some((wd, mark)) = from.and_then(|wd| listener.watches().first_from(wd)) {
            from = wd.checked_add(1);
            let state = mark.state();
            if state.tree_events.load(Relaxed) == 0 {
                continue;
            }
            let parent = state.parent.load(Relaxed);
            let orphan = parent != 0
                && listener
                    .watches()
                    .get(parent)
                    .is_none_or(|p| p.state().tree_events.load(Relaxed) == 0);
            if orphan || state.left.load(Relaxed) {
                let update = listener.update().lock();
                // A directory that came back into its tree keeps its watch: its `left` is
                // cleared under this lock (see `arrive`).
                if orphan || state.left.load(Relaxed) {
                    mark.detach();
                    removed = true;
                }
                drop(update);
            }
        }
        if !removed {
            return;
        }
    }
}
