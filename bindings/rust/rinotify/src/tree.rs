// SPDX-License-Identifier: GPL-2.0

//! [`Tree`]: an instance that keeps the path of every directory it watches.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::ffi::OsString;
use std::os::fd::AsFd;
use std::os::fd::AsRawFd;
use std::os::fd::BorrowedFd;
use std::os::fd::RawFd;
use std::path::Path;
use std::path::PathBuf;

use rustix::io::Errno;

use crate::Error;
use crate::ErrorKind;
use crate::Instance;
use crate::Mask;
use crate::Op;
use crate::Record;
use crate::Result;
use crate::Wd;

/// What a [`Tree`] read, with paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreeEvent {
    /// An event of a watched directory (or file, for a plain watch of one).
    Event {
        /// The watch it happened on.
        wd: Wd,
        /// The path of the watched object: the directory, as the root was given, joined
        /// with the names of the directories down to it.
        dir: PathBuf,
        /// The entry of `dir` it is about; `None` for `dir` itself.
        name: Option<OsString>,
        /// What happened (`IN_IGNORED`: the watch is gone, and so is its path).
        mask: Mask,
        /// Pairs an `IN_MOVED_FROM` with its `IN_MOVED_TO`.
        cookie: u32,
        /// Whether `wd` is a watch the user added, not one of a tree's directories below.
        root: bool,
        /// Whether `wd` watches a directory (a plain watch can watch a file).
        watches_dir: bool,
    },
    /// Events may have been missed in or below this path: read it again. The tree watches
    /// what it can of it already (a directory moved into the tree: the directories below
    /// it too; one it could not watch: again, if it can now).
    Rescan(PathBuf),
    /// The queue overflowed (`IN_Q_OVERFLOW`): events were lost anywhere.
    Overflow,
    /// Watching a directory that appeared failed, other than because it went away again
    /// or is not the watcher's to watch (those are [`TreeEvent::Rescan`]s).
    Error(Error),
}

impl TreeEvent {
    /// For [`TreeEvent::Event`], the path it is about: `dir`, joined with `name` if any.
    pub fn path(&self) -> Option<PathBuf> {
        match self {
            TreeEvent::Event { dir, name, .. } => {
                Some(name.as_ref().map_or_else(|| dir.clone(), |n| dir.join(n)))
            }
            TreeEvent::Rescan(path) => Some(path.clone()),
            TreeEvent::Overflow | TreeEvent::Error(_) => None,
        }
    }
}

/// How a directory of the table is watched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// A plain watch: what is created in it is not watched.
    Plain,
    /// A tree watch: the kernel watches what is created or moved in, and says so.
    Tree,
    /// A watch of the crawler, with a module older than the tree ioctl: the tree watches
    /// what is created or moved in itself.
    Crawled,
}

/// A watch the user added.
#[derive(Clone, Debug)]
struct Root {
    /// As the user gave it.
    path: PathBuf,
    /// As the kernel was given it.
    absolute: PathBuf,
    is_dir: bool,
}

#[derive(Clone, Debug)]
struct Node {
    parent: Option<Wd>,
    name: OsString,
    root: Option<Root>,
    mode: Mode,
}

/// An instance with its table from wd to path, kept from the records the kernel queues:
/// each [`TreeEvent`] names the path of its directory.
///
/// [`Tree::add`] watches a directory and everything below it with one
/// `RINOTIFY_IOC_ADD_TREE`; [`Tree::read`] follows the tree as it changes: the kernel's
/// `RIN_WATCHED` records name each directory watched, renames within the tree move their
/// subtree's paths, `IN_IGNORED` removes a path, and a `RIN_RESCAN` is answered as the
/// header asks (a directory moved in is watched below too) and reported.
///
/// With a module older than the tree ioctl (`ENOTTY`), it warns once (through the `log`
/// crate) and crawls instead, with plain watches, as inotify programs do: directories
/// created right after their parent are then watched late, and what is made in them
/// before that is missed.
///
/// ```no_run
/// use rinotify::{Instance, Mask, Tree, TreeEvent};
///
/// # fn main() -> Result<(), rinotify::Error> {
/// let mut tree = Tree::new(Instance::new()?, Mask::CREATE | Mask::DELETE | Mask::MODIFY);
/// tree.add("/src")?;
/// loop {
///     for event in tree.read()? {
///         match event {
///             TreeEvent::Event { mask, .. } => println!("{:?} {mask:?}", event.path()),
///             TreeEvent::Rescan(path) => println!("read {} again", path.display()),
///             TreeEvent::Overflow => println!("events were lost"),
///             TreeEvent::Error(e) => eprintln!("{e}"),
///         }
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Tree {
    instance: Instance,
    /// What the user asked for.
    mask: Mask,
    nodes: HashMap<Wd, Node>,
    /// (parent, name) -> wd, for the renames within the tree, which name only the parents.
    children: HashMap<(Wd, OsString), Wd>,
    /// The tree directories of `IN_MOVED_FROM` records whose `IN_MOVED_TO` has not come,
    /// by cookie, with the number of the read that saw them.
    moving: HashMap<u32, (Wd, u64)>,
    reads: u64,
    crawling: bool,
    buf: Vec<u8>,
}

/// Errors of a directory's watch that mean it is gone or not the watcher's to watch.
fn vanished(e: &Error) -> bool {
    matches!(
        e.errno(),
        Errno::NOENT | Errno::NOTDIR | Errno::ACCESS | Errno::PERM | Errno::LOOP
    )
}

impl Tree {
    /// The size of the buffer of each `read()` of [`Tree::read`].
    pub const BUFFER_SIZE: usize = 64 * 1024;

    /// A tree on `instance`, reporting the events of `mask` (plus `IN_IGNORED`,
    /// `IN_UNMOUNT` and `IN_Q_OVERFLOW`, which inotify always reports).
    pub fn new(instance: Instance, mask: Mask) -> Self {
        Self {
            instance,
            mask: mask & Mask::ALL_EVENTS,
            nodes: HashMap::new(),
            children: HashMap::new(),
            moving: HashMap::new(),
            reads: 0,
            crawling: false,
            buf: vec![0; Self::BUFFER_SIZE],
        }
    }

    /// A tree that crawls with plain watches, as it does with a module older than the tree
    /// ioctl: for comparing the two, and for tests.
    pub fn new_crawling(instance: Instance, mask: Mask) -> Self {
        let mut tree = Self::new(instance, mask);
        tree.crawling = true;
        tree
    }

    /// Whether it crawls with plain watches instead of tree watches.
    pub fn is_crawling(&self) -> bool {
        self.crawling
    }

    /// The instance.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The mask its watches are added with: the user's, and the moves, which the table
    /// needs to follow renames (and the crawler, creations).
    fn watch_mask(&self) -> Mask {
        let mask = self.mask | Mask::MOVE;
        if self.crawling {
            mask | Mask::CREATE
        } else {
            mask
        }
    }

    fn set_node(&mut self, wd: Wd, parent: Wd, name: &OsStr, mode: Mode) {
        let old = self.nodes.insert(
            wd,
            Node {
                parent: Some(parent),
                name: name.to_owned(),
                root: None,
                mode,
            },
        );
        if let Some(old) = old {
            if let Some(p) = old.parent {
                self.children.remove(&(p, old.name));
            }
            // A user's watch stays one.
            if let Some(root) = old.root {
                self.nodes.get_mut(&wd).expect("just inserted").root = Some(root);
            }
        }
        self.children.insert((parent, name.to_owned()), wd);
    }

    fn set_root(&mut self, wd: Wd, path: &Path, mode: Mode, is_dir: bool) -> Result<()> {
        let absolute = if path.is_absolute() {
            path.to_owned()
        } else {
            std::env::current_dir()
                .map_err(|e| {
                    let errno = Errno::from_io_error(&e).unwrap_or(Errno::NOENT);
                    Error::new(Op::AddWatch, errno, Some(path.to_owned()))
                })?
                .join(path)
        };
        let root = Root {
            path: path.to_owned(),
            absolute,
            is_dir,
        };
        let node = self.nodes.entry(wd).or_insert_with(|| Node {
            parent: None,
            name: OsString::new(),
            root: None,
            mode,
        });
        node.root = Some(root);
        if node.mode == Mode::Plain {
            node.mode = mode;
        }
        Ok(())
    }

    /// Watches the directory `path` and every directory below it; the root's wd.
    ///
    /// With a module older than the tree ioctl, warns and crawls from now on.
    pub fn add(&mut self, path: impl AsRef<Path>) -> Result<Wd> {
        let path = path.as_ref();
        if !self.crawling {
            match self.instance.add_tree(path, self.watch_mask()) {
                Ok(wd) => {
                    self.set_root(wd, path, Mode::Tree, true)?;
                    return Ok(wd);
                }
                Err(e) if e.kind() == ErrorKind::Unsupported => {
                    log::warn!(
                        "rinotify: {e}: falling back to a crawler over plain watches, which \
                         misses what is made in a new directory before it is watched"
                    );
                    self.crawling = true;
                }
                Err(e) => return Err(e),
            }
        }
        let wd = self
            .instance
            .add_watch(path, self.watch_mask() | Mask::ONLYDIR)?;
        self.set_root(wd, path, Mode::Crawled, true)?;
        let absolute = self.absolute(wd).expect("a root has a path");
        let mut errors = Vec::new();
        self.crawl(wd, &absolute, None, &mut errors);
        match errors.into_iter().next() {
            Some(TreeEvent::Error(e)) if e.kind() != ErrorKind::Other => Err(e),
            _ => Ok(wd),
        }
    }

    /// Watches `path` alone, as `inotify_add_watch()` does (a directory's entries, not what
    /// is below them); its wd.
    pub fn add_one(&mut self, path: impl AsRef<Path>) -> Result<Wd> {
        let path = path.as_ref();
        let wd = self.instance.add_watch(path, self.watch_mask())?;
        let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
        self.set_root(wd, path, Mode::Plain, is_dir)?;
        Ok(wd)
    }

    /// Removes a watch the user added, and the watches of its tree below it.
    pub fn remove(&mut self, wd: Wd) -> Result<()> {
        let below = self.subtree(wd);
        let crawled = self.nodes.get(&wd).is_some_and(|n| n.mode == Mode::Crawled);
        let result = self.instance.rm_watch(wd);
        for w in below {
            if crawled && w != wd {
                // Plain watches: the kernel removes only the one asked for.
                let _ = self.instance.rm_watch(w);
            }
            self.forget(w);
        }
        result
    }

    /// The watches the user added, with the paths they were given as, and whether each
    /// watches a tree.
    pub fn roots(&self) -> impl Iterator<Item = (Wd, &Path, bool)> {
        self.nodes.iter().filter_map(|(wd, n)| {
            n.root
                .as_ref()
                .map(|r| (*wd, r.path.as_path(), n.mode != Mode::Plain))
        })
    }

    /// Whether `wd` is a watch the user added (not one of a tree's directories below it).
    pub fn is_root(&self, wd: Wd) -> bool {
        self.nodes.get(&wd).is_some_and(|n| n.root.is_some())
    }

    /// Whether `wd` watches a directory.
    pub fn is_dir(&self, wd: Wd) -> bool {
        self.nodes
            .get(&wd)
            .is_some_and(|n| n.root.as_ref().is_none_or(|r| r.is_dir))
    }

    fn walk(&self, wd: Wd, absolute: bool) -> Option<PathBuf> {
        let mut names = Vec::new();
        let mut at = wd;
        // A cycle cannot be built from the kernel's records; the bound keeps a bug finite.
        for _ in 0..=self.nodes.len() {
            let node = self.nodes.get(&at)?;
            if let Some(root) = &node.root {
                let mut path = if absolute {
                    root.absolute.clone()
                } else {
                    root.path.clone()
                };
                path.extend(names.iter().rev());
                return Some(path);
            }
            names.push(node.name.as_os_str());
            at = node.parent?;
        }
        None
    }

    /// The path of a watched directory, as its root was given.
    pub fn path(&self, wd: Wd) -> Option<PathBuf> {
        self.walk(wd, false)
    }

    fn absolute(&self, wd: Wd) -> Option<PathBuf> {
        self.walk(wd, true)
    }

    /// `wd` and the watches below it in the table.
    fn subtree(&self, wd: Wd) -> Vec<Wd> {
        let below = |mut at: Wd| {
            for _ in 0..=self.nodes.len() {
                if at == wd {
                    return true;
                }
                match self.nodes.get(&at).and_then(|n| n.parent) {
                    Some(p) => at = p,
                    None => return false,
                }
            }
            false
        };
        self.nodes.keys().copied().filter(|w| below(*w)).collect()
    }

    fn forget(&mut self, wd: Wd) {
        if let Some(node) = self.nodes.remove(&wd)
            && let Some(parent) = node.parent
            && self.children.get(&(parent, node.name.clone())) == Some(&wd)
        {
            self.children.remove(&(parent, node.name));
        }
    }

    /// The crawler: watches the directories below `dir` (watched as `wd`, at `absolute`),
    /// reporting each as created in `report` if given, as notify's inotify watcher reports
    /// the directories it finds in a new one.
    fn crawl(
        &mut self,
        wd: Wd,
        absolute: &Path,
        mut report: Option<&mut Vec<TreeEvent>>,
        out: &mut Vec<TreeEvent>,
    ) {
        let mut stack = vec![(wd, absolute.to_owned())];
        let mask = self.watch_mask() | Mask::ONLYDIR | Mask::DONT_FOLLOW;
        while let Some((parent, dir)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                let path = entry.path();
                match self.instance.add_watch(&path, mask) {
                    Ok(child) => {
                        let name = entry.file_name();
                        let known = self.nodes.contains_key(&child);
                        self.set_node(child, parent, &name, Mode::Crawled);
                        if let Some(report) = report.as_deref_mut()
                            && !known
                            && let Some(dir) = self.path(parent)
                        {
                            report.push(TreeEvent::Event {
                                wd: parent,
                                dir,
                                name: Some(name),
                                mask: Mask::CREATE | Mask::ISDIR,
                                cookie: 0,
                                root: self.is_root(parent),
                                watches_dir: true,
                            });
                        }
                        stack.push((child, path));
                    }
                    Err(e) if vanished(&e) => {}
                    Err(e) => {
                        let full = e.kind() != ErrorKind::Other;
                        out.push(TreeEvent::Error(e));
                        if full {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Reads what the queue holds (waiting for it, unless the instance is non-blocking:
    /// then `Ok` with nothing if there is nothing), follows the tree's changes, and
    /// returns the events.
    pub fn read(&mut self) -> Result<Vec<TreeEvent>> {
        let mut out = Vec::new();
        self.read_into(&mut out)?;
        Ok(out)
    }

    /// [`Tree::read`], appending to `out`: `false` if a non-blocking instance had nothing to
    /// read (its queue is empty: what an edge-triggered poller waits for).
    pub fn read_into(&mut self, out: &mut Vec<TreeEvent>) -> Result<bool> {
        let mut buf = std::mem::take(&mut self.buf);
        let records = match self.instance.read(&mut buf) {
            Ok(records) => records,
            Err(e) => {
                self.buf = buf;
                return if e.is_would_block() {
                    Ok(false)
                } else {
                    Err(e)
                };
            }
        };
        for record in records {
            self.follow(record, out);
        }
        self.buf = buf;
        self.reads += 1;
        // A directory whose IN_MOVED_TO did not come in the same read or the next left the
        // tree, and the kernel removes its watches (IN_IGNORED follows).
        let reads = self.reads;
        self.moving.retain(|_, (_, seen)| *seen + 1 >= reads);
        Ok(true)
    }

    /// Updates the table from one record, and reports what it says in `out`.
    fn follow(&mut self, record: Record<'_>, out: &mut Vec<TreeEvent>) {
        match record {
            Record::Watched {
                wd,
                parent: Some(parent),
                name: Some(name),
            } => self.set_node(wd, parent, name, Mode::Tree),
            // A root: the call that added it named it.
            Record::Watched { .. } => {}
            Record::Rescan { wd, name } => self.rescan(wd, name, out),
            Record::Event(e) => {
                if e.mask.contains(Mask::Q_OVERFLOW) {
                    out.push(TreeEvent::Overflow);
                    return;
                }
                let Some(dir) = self.path(e.wd) else {
                    return;
                };
                let mode = self.nodes[&e.wd].mode;
                // Whether the crawler reported the event already, before what it found.
                let mut reported = false;
                if let (true, Some(name)) = (e.mask.contains(Mask::ISDIR), e.name) {
                    if mode == Mode::Crawled && e.mask.contains(Mask::MOVED_FROM) {
                        // The crawler cannot tell a move out from the first half of a move
                        // within: it forgets the directory's watches, as notify's inotify
                        // watcher does, and watches it again where it arrives.
                        if let Some(&child) = self.children.get(&(e.wd, name.to_owned())) {
                            for w in self.subtree(child) {
                                let _ = self.instance.rm_watch(w);
                                self.forget(w);
                            }
                        }
                    } else if e.mask.contains(Mask::MOVED_FROM) {
                        if let Some(&child) = self.children.get(&(e.wd, name.to_owned())) {
                            self.moving.insert(e.cookie, (child, self.reads));
                        }
                    } else if e.mask.contains(Mask::MOVED_TO)
                        && let Some((child, _)) = self.moving.remove(&e.cookie)
                    {
                        let child_mode = self.nodes.get(&child).map_or(mode, |n| n.mode);
                        self.set_node(child, e.wd, name, child_mode);
                    } else if mode == Mode::Crawled
                        && e.mask.intersects(Mask::CREATE | Mask::MOVED_TO)
                    {
                        reported = self.crawl_new(e.wd, name, e.mask.contains(Mask::CREATE), out);
                    }
                }
                if !reported && e.mask.intersects(self.mask | Mask::IGNORED | Mask::UNMOUNT) {
                    out.push(TreeEvent::Event {
                        wd: e.wd,
                        dir,
                        name: e.name.map(OsStr::to_owned),
                        mask: e.mask,
                        cookie: e.cookie,
                        root: self.is_root(e.wd),
                        watches_dir: self.is_dir(e.wd),
                    });
                }
                if e.mask.contains(Mask::IGNORED) {
                    self.forget(e.wd);
                }
            }
        }
    }

    /// The crawler, on a directory created in (or moved into) one it watches: whether it
    /// reported the creation itself (before the directories it found in it).
    fn crawl_new(
        &mut self,
        parent: Wd,
        name: &OsStr,
        created: bool,
        out: &mut Vec<TreeEvent>,
    ) -> bool {
        let Some(absolute) = self.absolute(parent).map(|p| p.join(name)) else {
            return false;
        };
        let mask = self.watch_mask() | Mask::ONLYDIR | Mask::DONT_FOLLOW;
        match self.instance.add_watch(&absolute, mask) {
            Ok(wd) => {
                self.set_node(wd, parent, name, Mode::Crawled);
                if created && self.mask.contains(Mask::CREATE) {
                    // Its own creation first, then the directories found in it.
                    if let Some(dir) = self.path(parent) {
                        out.push(TreeEvent::Event {
                            wd: parent,
                            dir,
                            name: Some(name.to_owned()),
                            mask: Mask::CREATE | Mask::ISDIR,
                            cookie: 0,
                            root: self.is_root(parent),
                            watches_dir: true,
                        });
                    }
                    let mut found = Vec::new();
                    self.crawl(wd, &absolute, Some(&mut found), out);
                    out.extend(found);
                    return true;
                }
                let mut errors = Vec::new();
                self.crawl(wd, &absolute, None, &mut errors);
                out.extend(errors);
            }
            Err(e) if vanished(&e) => {}
            Err(e) => out.push(TreeEvent::Error(e)),
        }
        false
    }

    /// A `RIN_RESCAN` record: reported, and what it names watched (again) if it can be.
    fn rescan(&mut self, wd: Wd, name: Option<&OsStr>, out: &mut Vec<TreeEvent>) {
        let (Some(path), Some(absolute)) = (self.path(wd), self.absolute(wd)) else {
            return;
        };
        let (path, absolute) = match name {
            Some(n) => (path.join(n), absolute.join(n)),
            None => (path, absolute),
        };
        out.push(TreeEvent::Rescan(path));
        match self.instance.add_tree(&absolute, self.watch_mask()) {
            Ok(child) => {
                if let Some(n) = name {
                    self.set_node(child, wd, n, Mode::Tree);
                }
            }
            Err(e) if vanished(&e) => {}
            Err(e) => out.push(TreeEvent::Error(e)),
        }
    }
}

impl AsFd for Tree {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.instance.as_fd()
    }
}

impl AsRawFd for Tree {
    fn as_raw_fd(&self) -> RawFd {
        self.instance.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table with no instance behind it is not possible (`Tree` owns one), so these tests
    /// drive `follow` on a table built by hand around /dev/null, which no record reaches.
    fn table() -> Tree {
        let fd = rustix::fs::open(
            "/dev/null",
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .expect("/dev/null");
        let mut tree = Tree::new(Instance { fd }, Mask::ALL_EVENTS);
        tree.set_root(Wd(1), Path::new("/w"), Mode::Tree, true)
            .expect("root");
        tree
    }

    fn feed(tree: &mut Tree, records: &[Record<'_>]) -> Vec<TreeEvent> {
        let mut out = Vec::new();
        for r in records {
            tree.follow(*r, &mut out);
        }
        out
    }

    fn event(wd: i32, mask: Mask, cookie: u32, name: Option<&str>) -> Record<'_> {
        Record::Event(crate::Event {
            wd: Wd(wd),
            mask,
            cookie,
            name: name.map(OsStr::new),
        })
    }

    fn watched(wd: i32, parent: i32, name: &str) -> Record<'_> {
        Record::Watched {
            wd: Wd(wd),
            parent: Some(Wd(parent)),
            name: Some(OsStr::new(name)),
        }
    }

    #[test]
    fn watched_records_name_each_directory() {
        let mut tree = table();
        let out = feed(
            &mut tree,
            &[
                watched(2, 1, "a"),
                watched(3, 2, "b"),
                event(3, Mask::CREATE, 0, Some("f")),
            ],
        );
        assert_eq!(tree.path(Wd(3)), Some(PathBuf::from("/w/a/b")));
        assert_eq!(
            out,
            [TreeEvent::Event {
                wd: Wd(3),
                dir: "/w/a/b".into(),
                name: Some("f".into()),
                mask: Mask::CREATE,
                cookie: 0,
                root: false,
                watches_dir: true,
            }]
        );
        assert_eq!(out[0].path(), Some(PathBuf::from("/w/a/b/f")));
    }

    #[test]
    fn a_rename_within_the_tree_moves_the_paths_below() {
        let mut tree = table();
        feed(
            &mut tree,
            &[watched(2, 1, "a"), watched(3, 2, "b"), watched(4, 1, "c")],
        );
        let out = feed(
            &mut tree,
            &[
                event(1, Mask::MOVED_FROM | Mask::ISDIR, 9, Some("a")),
                event(4, Mask::MOVED_TO | Mask::ISDIR, 9, Some("z")),
                event(3, Mask::MODIFY, 0, Some("f")),
            ],
        );
        assert_eq!(tree.path(Wd(2)), Some(PathBuf::from("/w/c/z")));
        assert_eq!(out[2].path(), Some(PathBuf::from("/w/c/z/b/f")));
        // The source's record keeps the old name, the destination's the new.
        assert_eq!(out[0].path(), Some(PathBuf::from("/w/a")));
        assert_eq!(out[1].path(), Some(PathBuf::from("/w/c/z")));
    }

    #[test]
    fn ignored_forgets_the_path_after_reporting_it() {
        let mut tree = table();
        let out = feed(
            &mut tree,
            &[
                watched(2, 1, "a"),
                event(2, Mask::DELETE_SELF, 0, None),
                event(2, Mask::IGNORED, 0, None),
                event(2, Mask::MODIFY, 0, Some("late")),
            ],
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].path(), Some(PathBuf::from("/w/a")));
        assert_eq!(tree.path(Wd(2)), None);
        assert!(tree.children.is_empty());
    }

    #[test]
    fn a_rescan_is_reported_with_its_path() {
        let mut tree = table();
        // /dev/null refuses the second ADD_TREE with ENOTTY: reported as an error, after
        // the rescan.
        let out = feed(
            &mut tree,
            &[
                watched(2, 1, "a"),
                Record::Rescan {
                    wd: Wd(2),
                    name: Some(OsStr::new("x")),
                },
            ],
        );
        assert_eq!(out[0], TreeEvent::Rescan("/w/a/x".into()));
        assert!(matches!(&out[1], TreeEvent::Error(e) if e.errno() == Errno::NOTTY));
    }

    #[test]
    fn events_outside_the_mask_are_not_reported() {
        let fd = rustix::fs::open(
            "/dev/null",
            rustix::fs::OFlags::RDONLY,
            rustix::fs::Mode::empty(),
        )
        .expect("/dev/null");
        let mut tree = Tree::new(Instance { fd }, Mask::CREATE);
        tree.set_root(Wd(1), Path::new("rel"), Mode::Tree, true)
            .expect("root");
        let out = feed(
            &mut tree,
            &[
                event(1, Mask::MODIFY, 0, Some("f")),
                event(1, Mask::CREATE, 0, Some("g")),
                event(-1, Mask::Q_OVERFLOW, 0, None),
            ],
        );
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].path(), Some(PathBuf::from("rel/g")));
        assert_eq!(out[1], TreeEvent::Overflow);
        assert!(tree.absolute(Wd(1)).is_some_and(|p| p.is_absolute()));
    }
}
