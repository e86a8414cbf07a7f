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
//! The instance keeps each tree directory's parent and children beside its watch
//! ([`nodes`]), which is how [`prune`] finds what is below a directory that lost its watch,
//! in as many steps as there are watches to remove.

mod nodes;

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
            ListedMark,
            Mark,
            MarkRef,
            NewMark,
            MARK_FLAG_EXCL_UNLINK, //
        },
        kmem::Gfp,
        path::{
            PathWalk,
            WatchTarget, //
        },
        rights::Rights,
        sched,
    },
    watch::WdCursor,
};
use nodes::{
    Arrival,
    Inserted,
    Nodes,
    Step, //
};

use kernel::{
    alloc::{
        flags::{
            GFP_KERNEL,
            GFP_KERNEL_ACCOUNT,
            GFP_NOWAIT, //
        },
        Flags, //
    },
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Relaxed,
            Release, //
        },
        Arc, //
    },
    xarray::{
        AllocKind,
        XArray, //
    },
};

/// In a tree word: a tree's (its user's mask may be empty).
const IN_TREE: u32 = 1 << 31;
/// In a tree word, above the user's mask: the id of the [`Rights`] the tree's directories
/// are followed with (see [`Trees`]).
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
/// A tree's directories keep the id in their tree word (see [`tree_word`]). Calls with the
/// same credentials through the same mount, one after the other, share an id; the ids are
/// kept until the instance is freed.
///
/// Beside the rights, the trees' shape: each directory's place in its tree ([`Nodes`]).
#[pin_data]
pub(crate) struct Trees {
    #[pin]
    rights: XArray<Arc<Rights>>,
    /// How many ids are taken, 0 up to this; changed only under `Listener::update`.
    count: Atomic<u32>,
    #[pin]
    nodes: Nodes,
}

impl Trees {
    /// No rights yet, and no tree.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            rights <- XArray::new(AllocKind::Alloc),
            count: Atomic::new(0),
            nodes <- Nodes::new(),
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

/// How a tree's node is allocated in another task's call: charged to the active memory
/// cgroup (the watcher's, under [`MemCgroup::charge`](crate::sys::memcg::MemCgroup::charge)),
/// without reclaim, so that it fails (and the directory is named by `RIN_RESCAN`) rather
/// than make that task wait for memory, or invoke the OOM killer, for the watcher.
fn in_other_task() -> Flags {
    GFP_NOWAIT | (GFP_KERNEL_ACCOUNT & !GFP_KERNEL)
}

/// Makes the mark `new` of the watch `wd` a directory of a tree, with tree word `word`, below
/// the directory watched as `parent` (0 for a root), its node allocated with `gfp`: before it
/// is attached, or under `Listener::update` for a watch that joins a tree.
fn enter_tree(
    listener: &Listener,
    in_tree: &Atomic<bool>,
    wd: i32,
    word: u32,
    parent: i32,
    gfp: Flags,
) -> Result {
    if let Inserted::Orphan = listener.trees().nodes.insert(wd, word, parent, gfp)? {
        listener.request_prune();
    }
    in_tree.store(true, Release);
    Ok(())
}

/// The watch `wd` of a tree directory is going, in its mark's `freeing_mark` or because its
/// mark could not be attached: what is below it is to go too (see [`prune`]).
pub(crate) fn forget(listener: &Listener, wd: i32) {
    if listener.trees().nodes.forget(wd) {
        listener.request_prune();
    }
}

/// What a tree's marks listen to beyond their user's mask, to follow directories that
/// are created, arrive and leave.
const FOLLOW_EVENTS: u32 = IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_MOVE_SELF;

/// The longest name of a directory entry a look-up takes (`NAME_MAX`).
const LONGEST_NAME: usize = 255;

/// Whether `mark` is a directory of a tree.
pub(crate) fn is_tree(mark: MarkRef<'_>) -> bool {
    mark.state().in_tree.load(Acquire)
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
    let Some(word) = listener.trees().nodes.reporting_word(wd) else {
        return Ok(());
    };
    let mut queued = Ok(());
    if mask & (word & IN_ALL_EVENTS | IN_UNMOUNT) != 0 {
        queued = listener.report(wd, mask, cookie, name);
    }
    // An event lost for want of memory became the overflow record, which says that it was
    // lost; the tree follows all the same.
    follow(listener, mark, word, mask, name, entry);
    queued
}

/// The fsnotify mask of a tree directory's mark, for its user's mask `events`.
fn mark_mask(events: u32) -> u32 {
    IN_UNMOUNT | FS_EVENT_ON_CHILD | FOLLOW_EVENTS | events & IN_ALL_EVENTS
}

/// The fsnotify mask to give `mark`, a watch being updated to `events` (as
/// `inotify_add_watch()` updates one, `events` its events and what the caller asked): for
/// a tree's directory, its user's events become these, or grow by them for `IN_MASK_ADD`,
/// and the mark keeps following the tree.
pub(crate) fn updated_mask(listener: &Listener, mark: &Mark, events: u32, add: bool) -> u32 {
    if !mark.state().in_tree.load(Acquire) {
        return events;
    }
    let word = listener.trees().nodes.update_word(mark.wd(), |word| {
        let user = if add { word | events } else { events } & IN_ALL_EVENTS;
        tree_word(rights_of(word), user)
    });
    events | mark_mask(word.unwrap_or(0))
}

/// The events fdinfo shows for the watch of `mark`, with fsnotify mask `mask`.
pub(crate) fn shown_mask(listener: &Listener, mark: &ListedMark<'_>, mask: u32) -> u32 {
    if !mark.state().in_tree.load(Acquire) {
        return mask & IN_ALL_EVENTS;
    }
    listener.trees().nodes.word(mark.wd()) & IN_ALL_EVENTS
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
    // The names the frames have yet to visit share one buffer, each frame's above its
    // parent's, so that reading a directory allocates nothing once the buffer is as large as
    // the names on one path from the root.
    let mut names = KVVec::new();
    let mut stack = KVec::new();
    stack.push(
        Listing::read(listener, root, root_wd, &mut names),
        GFP_KERNEL_ACCOUNT,
    )?;
    while let Some(top) = stack.last_mut() {
        if kernel::current!().signal_pending() {
            // What is watched stays watched; a second call finishes the tree.
            return Err(ERESTARTSYS);
        }
        // A tree's size is its user's choice: so is the length of this loop.
        sched::cond_resched();
        let bytes = match top.next_name(&names) {
            Some(Ok(name)) => name,
            // Longer than any look-up takes: what is below it cannot be watched.
            Some(Err(())) => {
                listener.queue_record(top.wd, RIN_RESCAN | IN_ISDIR, 0, None);
                continue;
            }
            None => {
                names.truncate(top.start);
                stack.pop();
                continue;
            }
        };
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
                let listing = Listing::read(listener, child, wd, &mut names);
                let start = listing.start;
                // A directory without a name to visit (a leaf, most of a tree's directories)
                // is done: no frame, which the next turn would pop at once.
                if start == names.len() {
                    continue;
                }
                // Watched, but what is below it is not crawled without the memory.
                if stack.push(listing, GFP_KERNEL_ACCOUNT).is_err() {
                    names.truncate(start);
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
    Listener::watch(
        group,
        dir,
        events,
        flags,
        |mark| {
            let wd = mark.wd();
            let in_tree = &mark.state().in_tree;
            if in_tree.load(Acquire) {
                let nodes = &listener.trees().nodes;
                nodes.update_word(wd, |_| tree);
                // A tree's root stays where it is in a tree it is in already; below the root,
                // a tree inside this one becomes part of it. Watched again by the watcher's
                // own call, a directory that left its tree and was not removed yet stays.
                if nodes.place(wd, parent) {
                    listener.request_prune();
                }
            } else {
                enter_tree(listener, in_tree, wd, tree, parent, GFP_KERNEL_ACCOUNT)?;
            }
            Ok((events, true))
        },
        |wd, mark| {
            enter_tree(
                listener,
                &mark.state().in_tree,
                wd,
                tree,
                parent,
                GFP_KERNEL_ACCOUNT,
            )?;
            Ok(announce(listener, wd, parent, name))
        },
    )
}

/// Queues the `RIN_WATCHED` record of the directory watched as `wd`, named `name` in the
/// directory watched as `parent` (0 and no name for a tree's root); for
/// [`Listener::new_watch`], says that it queued it.
fn announce(listener: &Listener, wd: i32, parent: i32, name: Option<&[u8]>) -> bool {
    listener.queue_record(wd, RIN_WATCHED | IN_ISDIR, parent as u32, name);
    true
}

/// A directory of the crawl and where the names of its entries that may be directories are
/// in the crawl's buffer of names: from `start` to the start of the next frame's, or to the
/// end for the top frame, each followed by a NUL.
struct Listing {
    dir: WatchTarget,
    wd: i32,
    /// Where its names start.
    start: usize,
    /// Where the next name starts.
    next: usize,
}

impl Listing {
    /// Reads the entries of `dir`, watched as `wd`, appending their names to `names`. A
    /// directory that cannot be read is reported with `RIN_RESCAN`, with what was listed.
    fn read(listener: &Listener, dir: WatchTarget, wd: i32, names: &mut KVVec<u8>) -> Self {
        let start = names.len();
        // A leaf has nothing to crawl; a subdirectory made in it from now on is followed.
        let read = if dir.has_no_subdirectories() {
            Ok(())
        } else {
            Directory::open(&dir).and_then(|mut d| d.subdirectory_names(names))
        };
        if read.is_err() {
            listener.queue_record(wd, RIN_RESCAN | IN_ISDIR, 0, None);
        }
        Self {
            dir,
            wd,
            start,
            next: start,
        }
    }

    /// The next name, where it is in `names`; `Err` for one too long. Only for the top
    /// frame, whose names end where `names` does. The name is used in place, not copied: it
    /// is looked up and announced before the next directory's names are appended.
    fn next_name<'a>(&mut self, names: &'a [u8]) -> Option<Result<&'a [u8], ()>> {
        let rest = names.get(self.next..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        self.next += len + 1;
        if len > LONGEST_NAME {
            return Some(Err(()));
        }
        rest.get(..len).map(Ok)
    }
}

/// Follows the tree of `mark` (whose tree word is `word`) through an event on it (`mask`,
/// about the entry `name` whose inode is `entry`), in the task that caused it: watches a
/// directory created or moved in, notes one leaving, and removes the watch of one that left.
///
/// That task is anyone's, and the watcher must not be able to make it wait, fail or pay:
///
/// - A directory is watched only if the rights the tree was added with could have watched
///   it ([`Rights::may_watch`]), checked before any lock is taken.
/// - `Listener::update` is only tried: the watcher holds it in its own calls across work it
///   chooses the length of (allocations that reclaim, a directory's children marked by
///   `fsnotify_add_mark()`, its fdinfo). Held, the directory is not watched, and the
///   watcher is told with `RIN_RESCAN`. Taken, nothing below it waits for the watcher: the
///   watcher takes the group's `mark_mutex` only under it. The trees' nodes are under a
///   leaf spinlock, held for a few stores.
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
    word: u32,
    mask: u32,
    name: Option<&[u8]>,
    entry: Option<EventEntry<'_>>,
) {
    let nodes = &listener.trees().nodes;
    if mask & IN_MOVE_SELF != 0 {
        // The directory is moving: if it was not seen arriving in a directory of the
        // tree, it left it.
        if nodes.take_moving(mark.wd()) {
            leave(listener, mark);
        }
        return;
    }
    let (Some(entry), true) = (entry, mask & IN_ISDIR != 0) else {
        return;
    };
    if mask & IN_MOVED_FROM != 0 {
        if let Some(moved) = entry.find_mark(mark) {
            if moved.state().in_tree.load(Acquire) {
                nodes.set_moving(moved.wd());
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
    if let Some(known) = known.as_ref().filter(|m| m.state().in_tree.load(Acquire)) {
        arrive(listener, known.wd(), parent, name);
        return;
    }
    let allowed = known.is_some()
        || listener
            .trees()
            .get(rights_of(word))
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
        Some(known) if known.state().in_tree.load(Acquire) => {
            // Joined a tree since it was looked at above.
            drop(cursor);
            arrive(listener, known.wd(), parent, name);
            return;
        }
        Some(known) => {
            // A directory the instance watched on its own joins the tree with its own mask,
            // the watcher paying for its node, as for a new watch.
            let own = known.mask() & IN_ALL_EVENTS;
            let joined = listener.memcg().charge(|| {
                enter_tree(
                    listener,
                    &known.state().in_tree,
                    known.wd(),
                    tree_word(rights_of(word), own),
                    parent,
                    in_other_task(),
                )
            });
            if joined.is_err() {
                drop(cursor);
                listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name);
                return;
            }
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
    // pay for someone else's watch on it. A parent whose watch goes meanwhile leaves the new
    // watch an orphan, which its node says (see `nodes::Inserted::Orphan`).
    let watched = listener.memcg().charge(|| {
        let flags = mark.flags() & MARK_FLAG_EXCL_UNLINK;
        let new = mark.new_mark(mark_mask(word), flags)?;
        listener.new_watch(
            &mut cursor,
            new,
            Gfp::EVENT,
            |wd, new: &NewMark| {
                enter_tree(
                    listener,
                    &new.state().in_tree,
                    wd,
                    word,
                    parent,
                    in_other_task(),
                )?;
                Ok(announce(listener, wd, parent, name))
            },
            |new| new.attach_to_entry(&entry),
        )
    });
    drop(cursor);
    match watched {
        // What a directory moved in holds is not watched: the watcher crawls it.
        Ok(wd) if moved_in => listener.queue_record(wd, RIN_RESCAN | IN_ISDIR, 0, None),
        Ok(_) => {}
        // Not watched (max_user_watches, memory): whatever happens in it is missed.
        Err(_) => listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name),
    }
}

/// A directory of a tree, watched as `wd`, seen arriving in the tree's directory watched as
/// `parent` under `name`: moved within the tree, or from another tree of the instance. Its
/// watch stays, below its new parent, even if it had left its tree (its move out found the
/// watcher's lock held, see [`leave`]) and [`prune`] has not removed it yet. If `prune` is
/// removing it, the watcher is told with the `RIN_RESCAN` record of the directory that it is
/// to be watched again. Takes only the nodes' leaf lock.
fn arrive(listener: &Listener, wd: i32, parent: i32, name: Option<&[u8]>) {
    match listener.trees().nodes.arrive(wd, parent) {
        Arrival::Kept => {}
        Arrival::Orphan => listener.request_prune(),
        Arrival::Gone => listener.queue_record(parent, RIN_RESCAN | IN_ISDIR, 0, name),
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
            if listener.trees().nodes.leave(mark.wd()) {
                listener.request_prune();
            }
        }
    }
}

/// Removes the watches of the tree directories that left their tree, or whose parent
/// directory lost its watch, and of those below them, in the watcher's context: one step per
/// watch removed, each under `Listener::update`, as every removal by the watcher is, with a
/// chance to reschedule between steps. A fatal signal stops it, what is left for the
/// watcher's next call.
// Out of line: the watcher's calls test for it inline and rarely find work.
#[inline(never)]
pub(crate) fn prune(listener: &Listener) {
    let nodes = &listener.trees().nodes;
    loop {
        if sched::fatal_signal_pending() {
            listener.request_prune();
            return;
        }
        let update = listener.update().lock();
        let step = nodes.next_doomed();
        if let Step::Detach(wd) = step {
            // Taken off its list under `update`: its descriptor is still its watch's, or
            // free if the watch went meanwhile.
            if let Some(mark) = listener.watches().get(wd) {
                mark.detach();
            }
        }
        drop(update);
        if let Step::Done = step {
            return;
        }
        sched::cond_resched();
    }
}
