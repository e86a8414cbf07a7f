// SPDX-License-Identifier: GPL-2.0

//! The shape of an instance's trees: for each directory of a tree, by its watch descriptor,
//! the tree word of its watch, its parent and its children, so that the watches below a
//! directory that lost its own are found in as many steps as there are of them.
//!
//! The nodes live in an XArray beside the watches, not in the marks: a plain watch's mark is
//! no larger than inotify's for the trees it is not in. They are kept in chunks of [`CHUNK`]
//! consecutive descriptors, one allocation and one XArray entry per chunk, since a crawl hands
//! a tree consecutive descriptors: a node costs no allocation and no XArray store of its own,
//! and a look-up walks an XArray [`CHUNK`] times smaller. Every operation is a few loads and
//! stores under the XArray's spinlock, which is a leaf lock: the tasks that change a tree
//! (another user's `mkdir()`, `rename()`) take it, and the watcher never holds it for work
//! that grows with anything.
//!
//! A node is in at most one list, through its `next` and `prev` links: its parent's children
//! while it is in the tree, or the list of work for `tree::prune` (the doomed list) once it
//! left the tree or lost its watch while it had children. `prune` takes the doomed list's
//! nodes one at a time: a directory that left has its watch removed; a directory that lost
//! its watch stays as a tombstone, whose children are removed one by one, until none is left
//! and the tombstone goes.

use kernel::{
    alloc::Flags,
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
    xarray::{
        self,
        AllocKind,
        XArray, //
    },
};

/// Where a node is in the trees.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A tree's root: in no list.
    Root,
    /// Below the directory with this descriptor, in its children.
    Below(i32),
    /// The directory left its tree: its watch reports nothing and waits in the doomed list
    /// to be removed.
    Left,
    /// `prune` took it off a list and is removing its watch.
    Removing,
    /// A tombstone: the watch is gone, its children are not, and it waits in the doomed list.
    Dead,
}

/// A directory of a tree.
#[derive(Clone, Copy)]
struct Node {
    /// The tree word of its watch (see `tree::tree_word`).
    word: u32,
    place: Place,
    /// The first of its children, 0 for none.
    first_child: i32,
    /// Its neighbours in the list it is in (see [`Place`]), 0 for none.
    next: i32,
    prev: i32,
    /// Set while it is being renamed out of a directory of its tree, until it is seen
    /// arriving in one.
    moving: bool,
}

impl Node {
    /// What a chunk holds where it has no node.
    const EMPTY: Self = Self {
        word: 0,
        place: Place::Removing,
        first_child: 0,
        next: 0,
        prev: 0,
        moving: false,
    };
}

/// Descriptors per chunk: as many nodes, with the chunk's mask, as fit in a 1 KiB allocation.
const CHUNK: usize = 36;

/// The nodes of [`CHUNK`] consecutive descriptors, from a multiple of [`CHUNK`].
struct Chunk {
    /// Bit `i` is set if `nodes[i]` is a node.
    live: u64,
    nodes: [Node; CHUNK],
}

const _: () = assert!(CHUNK <= u64::BITS as usize && size_of::<Chunk>() <= 1024);

/// The chunk of the descriptor `wd`, and its slot there.
fn chunk_of(wd: i32) -> Option<(usize, usize)> {
    let wd = usize::try_from(wd).ok()?;
    Some((wd / CHUNK, wd % CHUNK))
}

/// What [`Nodes::insert`] did.
pub(crate) enum Inserted {
    /// The node is in the tree, below its parent or as a root.
    Linked,
    /// Its parent's watch is gone: the node waits in the doomed list, and `prune` is due.
    Orphan,
}

/// What [`Nodes::arrive`] did with a directory of a tree seen arriving in another.
pub(crate) enum Arrival {
    /// It is below its new parent.
    Kept,
    /// Its new parent's watch is gone meanwhile: it waits in the doomed list, `prune` is due.
    Orphan,
    /// Its watch is being removed: it is to be watched again.
    Gone,
}

/// What [`Nodes::next_doomed`] found for `prune` to do.
pub(crate) enum Step {
    /// Remove the watch with this descriptor, taken off its list.
    Detach(i32),
    /// A tombstone without children was freed.
    Freed,
    /// Nothing is doomed.
    Done,
}

/// An instance's tree directories, by descriptor.
///
/// # Invariants
///
/// A node is in the list its [`Place`] names (its parent's children for [`Place::Below`], the
/// doomed list for [`Place::Left`] and [`Place::Dead`], none otherwise), its `next` and
/// `prev` links are that list's, and `doomed` is the head of the doomed list. `doomed` is read
/// and written only with `table`'s lock held. Every chunk in `table` has a node.
#[pin_data]
pub(crate) struct Nodes {
    #[pin]
    table: XArray<KBox<Chunk>>,
    doomed: Atomic<i32>,
}

/// The lock of [`Nodes`] held: the operations on the lists.
struct Locked<'a> {
    table: xarray::Guard<'a, KBox<Chunk>>,
    doomed: &'a Atomic<i32>,
}

impl Locked<'_> {
    fn node(&mut self, wd: i32) -> Option<&mut Node> {
        let (chunk, slot) = chunk_of(wd)?;
        let chunk = self.table.get_mut(chunk)?;
        if chunk.live & 1 << slot == 0 {
            return None;
        }
        chunk.nodes.get_mut(slot)
    }

    /// Frees the node of `wd`, which is in no list; returns its chunk if it was the chunk's
    /// last, for the caller to free once the lock is released.
    fn free(&mut self, wd: i32) -> Option<KBox<Chunk>> {
        let (index, slot) = chunk_of(wd)?;
        let chunk = self.table.get_mut(index)?;
        chunk.live &= !(1 << slot);
        if chunk.live != 0 {
            return None;
        }
        // INVARIANT: A chunk without nodes leaves the table.
        self.table.remove(index)
    }

    fn set_head(&mut self, place: Place, wd: i32) {
        match place {
            Place::Below(parent) => {
                if let Some(p) = self.node(parent) {
                    p.first_child = wd;
                }
            }
            _ => self.doomed.store(wd, Relaxed),
        }
    }

    /// Takes the node `wd` off the list it is in, if it is in one.
    fn unlink(&mut self, wd: i32) {
        let Some(node) = self.node(wd) else {
            return;
        };
        let (place, next, prev) = (node.place, node.next, node.prev);
        node.next = 0;
        node.prev = 0;
        if matches!(place, Place::Root | Place::Removing) {
            return;
        }
        if prev != 0 {
            if let Some(p) = self.node(prev) {
                p.next = next;
            }
        } else {
            self.set_head(place, next);
        }
        if next != 0 {
            if let Some(n) = self.node(next) {
                n.prev = prev;
            }
        }
    }

    /// Makes `wd` the head of the list a node put at `place` goes in, and returns where it
    /// goes and the old head, which the node is to point at (`None` for a place in no list). A
    /// node that goes below `parent` goes there unless the parent's watch is gone (its node
    /// too, or it is a tombstone): then it is an orphan, left for `prune`. `set_head` with
    /// what this returns undoes it.
    // Inline, as it was in `link`: a caller's constant place folds its `match` away.
    #[inline(always)]
    fn take_head(&mut self, wd: i32, place: Place) -> (Place, Option<i32>) {
        match place {
            Place::Root | Place::Removing => (place, None),
            Place::Below(parent) => match self.node(parent) {
                Some(p) if p.place != Place::Dead => {
                    (place, Some(core::mem::replace(&mut p.first_child, wd)))
                }
                _ => (Place::Left, Some(self.doomed.xchg(wd, Relaxed))),
            },
            Place::Left | Place::Dead => (place, Some(self.doomed.xchg(wd, Relaxed))),
        }
    }

    /// Puts the node `wd`, which is in no list, at `place`, at the front of its list if it
    /// has one (see [`Locked::take_head`]). Returns where it went. Each node concerned is
    /// looked up once: this is every step of a tree.
    fn link(&mut self, wd: i32, place: Place) -> Place {
        let (place, head) = self.take_head(wd, place);
        let chunk = chunk_of(wd).and_then(|(index, slot)| {
            let chunk = self.table.get_mut(index)?;
            (chunk.live & 1 << slot != 0).then_some((index, slot, chunk))
        });
        let Some((index, slot, chunk)) = chunk else {
            // Not reached: callers link nodes that are in the table.
            if let Some(head) = head {
                self.set_head(place, head);
            }
            return place;
        };
        if let Some(head) = set_links(chunk, index, slot, wd, place, head) {
            self.point_back(head, wd);
        }
        place
    }

    /// Makes the node `head`, in another chunk than the node `wd` now in front of it, point
    /// back at it.
    fn point_back(&mut self, head: i32, wd: i32) {
        if let Some(h) = self.node(head) {
            h.prev = wd;
        }
    }
}

/// Fills in the place and links of the node `wd`, in `slot` of `chunk` (the chunk at `index`),
/// which goes at `place` in front of `head` ([`Locked::take_head`]'s): the old head, looked up
/// in the same chunk (a crawl's siblings have consecutive descriptors), points back at it.
/// Returns the old head if it is in another chunk, for the caller to do that.
fn set_links(
    chunk: &mut Chunk,
    index: usize,
    slot: usize,
    wd: i32,
    place: Place,
    head: Option<i32>,
) -> Option<i32> {
    let node = &mut chunk.nodes[slot];
    node.place = place;
    let head = head?;
    node.next = head;
    node.prev = 0;
    match chunk_of(head) {
        _ if head == 0 => None,
        Some((head_index, head_slot)) if head_index == index => {
            if chunk.live & 1 << head_slot != 0 {
                chunk.nodes[head_slot].prev = wd;
            }
            None
        }
        _ => Some(head),
    }
}

/// What [`Nodes::insert`] found in the slot of a new node.
enum Slot {
    /// Filled, and linked in front of the old head of its list; the old head if it is in
    /// another chunk (see [`set_links`]).
    Filled(Option<i32>),
    /// A tombstone holds the descriptor.
    Taken,
    /// The node's chunk is not in the table.
    NoChunk,
}

impl Nodes {
    /// No tree.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            table <- XArray::new(AllocKind::Alloc),
            doomed: Atomic::new(0),
        })
    }

    fn lock(&self) -> Locked<'_> {
        Locked {
            table: self.table.lock(),
            doomed: &self.doomed,
        }
    }

    /// Adds the node of the watch `wd`, a directory of a tree reporting with the tree word
    /// `word`, below the directory watched as `parent` (0 for a tree's root), allocating with
    /// `gfp`. The caller holds `Listener::update` (no other node of `wd` is added meanwhile).
    /// `EBUSY` if a tombstone still holds `wd` (a descriptor handed out again before `prune`
    /// ran), `ENOMEM` without the memory.
    pub(crate) fn insert(&self, wd: i32, word: u32, parent: i32, gfp: Flags) -> Result<Inserted> {
        let (index, slot) = chunk_of(wd).ok_or(EINVAL)?;
        let place = if parent == 0 {
            Place::Root
        } else {
            Place::Below(parent)
        };
        // Nobody looks for the node before it is linked below, since its mark is not
        // attached, or not in a tree yet.
        let mut node = Node::EMPTY;
        node.word = word;
        let mut locked = self.lock();
        // The node's list first, then its chunk, where the node is filled in and linked: each
        // looked up once. Should the node not go in, the list's head is put back as it was,
        // under the same lock.
        let (linked, head) = locked.take_head(wd, place);
        let found = match locked.table.get_mut(index) {
            Some(chunk) if chunk.live & 1 << slot != 0 => Slot::Taken,
            Some(chunk) => {
                chunk.live |= 1 << slot;
                chunk.nodes[slot] = node;
                Slot::Filled(set_links(chunk, index, slot, wd, linked, head))
            }
            None => Slot::NoChunk,
        };
        if let Slot::Filled(other) = found {
            if let Some(other) = other {
                locked.point_back(other, wd);
            }
            return Ok(if linked == Place::Left {
                Inserted::Orphan
            } else {
                Inserted::Linked
            });
        }
        if let Some(head) = head {
            locked.set_head(linked, head);
        }
        if let Slot::Taken = found {
            return Err(EBUSY);
        }
        // The first node of its chunk. Chunks are added only here, under `Listener::update`:
        // the slot is still empty once the lock is taken again.
        drop(locked);
        let mut chunk = KBox::new(
            Chunk {
                live: 1 << slot,
                nodes: [Node::EMPTY; CHUNK],
            },
            gfp,
        )?;
        chunk.nodes[slot] = node;
        let mut locked = self.lock();
        // The lock may be dropped while the XArray allocates: the node is in no list yet.
        locked.table.store(index, chunk, gfp).map_err(|e| e.error)?;
        let place = locked.link(wd, place);
        Ok(if place == Place::Left {
            Inserted::Orphan
        } else {
            Inserted::Linked
        })
    }

    /// The tree word of the watch `wd`, if it reports: not once it left its tree, or while
    /// its watch is being removed.
    pub(crate) fn reporting_word(&self, wd: i32) -> Option<u32> {
        let mut locked = self.lock();
        let node = locked.node(wd)?;
        match node.place {
            Place::Root | Place::Below(_) => Some(node.word),
            _ => None,
        }
    }

    /// The tree word of the watch `wd`, 0 if it has none.
    pub(crate) fn word(&self, wd: i32) -> u32 {
        self.lock().node(wd).map_or(0, |node| node.word)
    }

    /// Replaces the tree word of the watch `wd` by what `f` makes of it; returns the new one.
    pub(crate) fn update_word(&self, wd: i32, f: impl FnOnce(u32) -> u32) -> Option<u32> {
        let mut locked = self.lock();
        let node = locked.node(wd)?;
        node.word = f(node.word);
        Some(node.word)
    }

    /// Notes that the directory of the watch `wd` is being renamed out of a directory of its
    /// tree.
    pub(crate) fn set_moving(&self, wd: i32) {
        if let Some(node) = self.lock().node(wd) {
            node.moving = true;
        }
    }

    /// Whether the directory of the watch `wd` was being renamed and was not seen arriving
    /// in a directory of its tree since; forgets it.
    pub(crate) fn take_moving(&self, wd: i32) -> bool {
        self.lock()
            .node(wd)
            .is_some_and(|node| core::mem::replace(&mut node.moving, false))
    }

    /// The directory of the watch `wd` arrived below the directory watched as `parent`: it
    /// stays in the tree there, whether it moved within it or had left it and came back
    /// before `prune` removed it.
    pub(crate) fn arrive(&self, wd: i32, parent: i32) -> Arrival {
        let mut locked = self.lock();
        let Some(node) = locked.node(wd) else {
            return Arrival::Gone;
        };
        node.moving = false;
        if matches!(node.place, Place::Removing | Place::Dead) {
            return Arrival::Gone;
        }
        locked.unlink(wd);
        if locked.link(wd, Place::Below(parent)) == Place::Left {
            Arrival::Orphan
        } else {
            Arrival::Kept
        }
    }

    /// Puts the directory of the watch `wd`, a tree's already, where a tree added by the
    /// watcher finds it: below the directory watched as `parent`, or (`parent` 0) as a root,
    /// which a directory in a tree stays in it as. Either way a directory that left its tree
    /// and waits for `prune` stays. Returns whether it became an orphan (`prune` is due).
    pub(crate) fn place(&self, wd: i32, parent: i32) -> bool {
        if parent != 0 {
            return matches!(self.arrive(wd, parent), Arrival::Orphan);
        }
        let mut locked = self.lock();
        if locked
            .node(wd)
            .is_some_and(|node| node.place == Place::Left)
        {
            locked.unlink(wd);
            locked.link(wd, Place::Root);
        }
        false
    }

    /// The directory of the watch `wd` left its tree: it reports nothing more and waits for
    /// `prune`. Returns whether `prune` is due.
    pub(crate) fn leave(&self, wd: i32) -> bool {
        let mut locked = self.lock();
        match locked.node(wd).map(|node| node.place) {
            Some(Place::Root | Place::Below(_)) => {
                locked.unlink(wd);
                locked.link(wd, Place::Left);
                true
            }
            _ => false,
        }
    }

    /// The watch `wd` is going (its mark's `freeing_mark`, before the descriptor is free
    /// again): its node goes, or stays as a tombstone if it has children, which `prune` is
    /// then due to remove. Returns whether `prune` is due.
    pub(crate) fn forget(&self, wd: i32) -> bool {
        let mut locked = self.lock();
        let Some(node) = locked.node(wd) else {
            return false;
        };
        let has_children = node.first_child != 0;
        locked.unlink(wd);
        if has_children {
            locked.link(wd, Place::Dead);
            return true;
        }
        let freed = locked.free(wd);
        drop(locked);
        drop(freed);
        false
    }

    /// The next step of `prune`, which holds `Listener::update` (no descriptor is handed out
    /// again before the watch it names is removed): the watch of a directory that left, or of
    /// a tombstone's child, taken off its list; or a tombstone without children freed.
    pub(crate) fn next_doomed(&self) -> Step {
        let mut locked = self.lock();
        let head = locked.doomed.load(Relaxed);
        let Some(node) = locked.node(head) else {
            return Step::Done;
        };
        let (place, child, next) = (node.place, node.first_child, node.next);
        match place {
            Place::Dead if child != 0 => {
                locked.unlink(child);
                locked.link(child, Place::Removing);
                return Step::Detach(child);
            }
            Place::Left => {
                locked.unlink(head);
                locked.link(head, Place::Removing);
                return Step::Detach(head);
            }
            Place::Dead => locked.unlink(head),
            // Not in the doomed list by the type invariant: leave it be, and the list with it.
            _ => {
                kernel::warn_on!(true);
                locked.doomed.store(next, Relaxed);
                return Step::Freed;
            }
        }
        let freed = locked.free(head);
        drop(locked);
        drop(freed);
        Step::Freed
    }
}

#[kernel::macros::kunit_tests(rinotify_tree_nodes)]
mod tests {
    use super::*;
    use kernel::alloc::flags::GFP_KERNEL;

    /// Runs `prune`'s steps as it would, the watch of each `Detach` going at once (its
    /// `freeing_mark`'s `forget`); returns the descriptors removed, in order, and how many
    /// steps it took.
    fn prune(nodes: &Nodes) -> Result<(KVec<i32>, usize)> {
        let mut removed = KVec::new();
        let mut steps = 0;
        loop {
            steps += 1;
            match nodes.next_doomed() {
                Step::Detach(wd) => {
                    nodes.forget(wd);
                    removed.push(wd, GFP_KERNEL)?;
                }
                Step::Freed => {}
                Step::Done => return Ok((removed, steps)),
            }
        }
    }

    fn linked(inserted: Result<Inserted>) -> bool {
        matches!(inserted, Ok(Inserted::Linked))
    }

    #[test]
    fn a_chain_that_lost_its_top_is_removed_in_a_step_per_watch() -> Result {
        let nodes = KBox::pin_init(Nodes::new(), GFP_KERNEL)?;
        // A root 1 and a chain 2 <- 3 <- ... <- 101 below it.
        assert!(linked(nodes.insert(1, 7, 0, GFP_KERNEL)));
        for wd in 2..=101 {
            assert!(linked(nodes.insert(wd, 7, wd - 1, GFP_KERNEL)));
        }
        // 2 loses its watch: it stays as a tombstone for 3 and below.
        assert!(nodes.forget(2));
        let (removed, steps) = prune(&nodes)?;
        assert_eq!(removed.len(), 99);
        assert_eq!(removed[0], 3);
        assert_eq!(removed[98], 101);
        // One step per watch removed, one per tombstone freed (2 to 100), one to find nothing
        // left.
        assert_eq!(steps, 99 + 99 + 1);
        // The root is untouched and reports.
        assert_eq!(nodes.reporting_word(1), Some(7));
        assert_eq!(nodes.reporting_word(3), None);
        Ok(())
    }

    #[test]
    fn a_directory_that_left_and_came_back_stays() -> Result {
        let nodes = KBox::pin_init(Nodes::new(), GFP_KERNEL)?;
        assert!(linked(nodes.insert(1, 7, 0, GFP_KERNEL)));
        assert!(linked(nodes.insert(2, 7, 1, GFP_KERNEL)));
        assert!(linked(nodes.insert(3, 7, 1, GFP_KERNEL)));
        assert!(nodes.leave(2));
        assert_eq!(nodes.reporting_word(2), None);
        assert!(matches!(nodes.arrive(2, 3), Arrival::Kept));
        assert_eq!(nodes.reporting_word(2), Some(7));
        let (removed, _) = prune(&nodes)?;
        assert!(removed.is_empty());
        // 3 and, below it now, 2 go with the root's watch.
        assert!(nodes.forget(1));
        let (removed, _) = prune(&nodes)?;
        assert_eq!(removed.len(), 2);
        Ok(())
    }

    #[test]
    fn a_chunk_goes_with_its_last_node() -> Result {
        let nodes = KBox::pin_init(Nodes::new(), GFP_KERNEL)?;
        // A root and, below it, the rest of its chunk and the first of the next.
        let last = CHUNK as i32;
        assert!(linked(nodes.insert(1, 7, 0, GFP_KERNEL)));
        for wd in 2..=last {
            assert!(linked(nodes.insert(wd, 7, 1, GFP_KERNEL)));
        }
        assert!(nodes.lock().table.get(1).is_some());
        assert!(!nodes.forget(last));
        // The second chunk had one node: it is freed with it.
        assert!(nodes.lock().table.get(1).is_none());
        assert!(nodes.forget(1));
        let (removed, _) = prune(&nodes)?;
        assert_eq!(removed.len(), CHUNK - 2);
        assert!(nodes.lock().table.get(0).is_none());
        // And made again for a node of its own.
        assert!(linked(nodes.insert(last, 7, 0, GFP_KERNEL)));
        assert_eq!(nodes.reporting_word(last), Some(7));
        assert_eq!(nodes.reporting_word(last + 1), None);
        Ok(())
    }

    #[test]
    fn a_node_refused_leaves_the_lists_as_they_were() -> Result {
        let nodes = KBox::pin_init(Nodes::new(), GFP_KERNEL)?;
        assert!(linked(nodes.insert(1, 7, 0, GFP_KERNEL)));
        assert!(linked(nodes.insert(2, 7, 1, GFP_KERNEL)));
        assert!(linked(nodes.insert(3, 7, 2, GFP_KERNEL)));
        // 2 loses its watch: a tombstone for 3, which holds its descriptor.
        assert!(nodes.forget(2));
        // Refused below a live parent, and as an orphan: neither list keeps it.
        assert!(matches!(nodes.insert(2, 7, 1, GFP_KERNEL), Err(e) if e == EBUSY));
        assert!(matches!(nodes.insert(2, 7, 9, GFP_KERNEL), Err(e) if e == EBUSY));
        // 1's children are as they were: none, then 4.
        assert!(linked(nodes.insert(4, 7, 1, GFP_KERNEL)));
        let (removed, _) = prune(&nodes)?;
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0], 3);
        assert!(nodes.forget(1));
        let (removed, _) = prune(&nodes)?;
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0], 4);
        assert!(nodes.lock().table.get(0).is_none());
        Ok(())
    }

    #[test]
    fn an_orphan_and_a_reused_descriptor_wait_for_prune() -> Result {
        let nodes = KBox::pin_init(Nodes::new(), GFP_KERNEL)?;
        assert!(linked(nodes.insert(1, 7, 0, GFP_KERNEL)));
        assert!(linked(nodes.insert(2, 7, 1, GFP_KERNEL)));
        assert!(nodes.forget(1));
        // Below a tombstone, or below no node at all: an orphan.
        assert!(matches!(
            nodes.insert(3, 7, 1, GFP_KERNEL),
            Ok(Inserted::Orphan)
        ));
        assert!(matches!(
            nodes.insert(4, 7, 9, GFP_KERNEL),
            Ok(Inserted::Orphan)
        ));
        // The tombstone holds its descriptor until prune frees it.
        assert!(matches!(nodes.insert(1, 7, 0, GFP_KERNEL), Err(e) if e == EBUSY));
        let (removed, _) = prune(&nodes)?;
        assert_eq!(removed.len(), 3);
        assert!(linked(nodes.insert(1, 7, 0, GFP_KERNEL)));
        Ok(())
    }
}
