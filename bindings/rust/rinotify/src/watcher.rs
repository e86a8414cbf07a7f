// SPDX-License-Identifier: GPL-2.0

//! [`RinotifyWatcher`]: a [`notify::Watcher`] on tree watches.

#![forbid(unsafe_code)]

use std::os::fd::AsRawFd;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use notify::Config;
use notify::Event;
use notify::EventHandler;
use notify::EventKind;
use notify::EventKindMask;
use notify::RecursiveMode;
use notify::WatchedPath;
use notify::Watcher;
use notify::WatcherKind;
use notify::event::AccessKind;
use notify::event::AccessMode;
use notify::event::CreateKind;
use notify::event::DataChange;
use notify::event::Flag;
use notify::event::MetadataKind;
use notify::event::ModifyKind;
use notify::event::RemoveKind;
use notify::event::RenameMode;

use crate::ErrorKind;
use crate::InitFlags;
use crate::Instance;
use crate::Mask;
use crate::Tree;
use crate::TreeEvent;

const INSTANCE: mio::Token = mio::Token(0);
const MESSAGE: mio::Token = mio::Token(1);

/// The watch mask for notify's event kinds, as notify's inotify watcher computes it for a
/// recursive watch (creations and moves, to follow the tree), with the root's own deletion
/// and move, which it asks for on the path the user gave. A tree has one mask for all its
/// directories, so the self events of the others are dropped when they come.
fn watch_mask(kinds: EventKindMask) -> Mask {
    let mut mask = Mask::CREATE | Mask::MOVE | Mask::DELETE_SELF | Mask::MOVE_SELF;
    if kinds.intersects(EventKindMask::REMOVE) {
        mask |= Mask::DELETE;
    }
    if kinds.intersects(EventKindMask::MODIFY_DATA) {
        mask |= Mask::MODIFY;
    }
    if kinds.intersects(EventKindMask::MODIFY_META) {
        mask |= Mask::ATTRIB;
    }
    if kinds.intersects(EventKindMask::ACCESS_OPEN) {
        mask |= Mask::OPEN;
    }
    if kinds.intersects(EventKindMask::ACCESS_CLOSE) {
        mask |= Mask::CLOSE_WRITE;
    }
    if kinds.intersects(EventKindMask::ACCESS_CLOSE_NOWRITE) {
        mask |= Mask::CLOSE_NOWRITE;
    }
    mask
}

/// A notify error for a rinotify one: notify's kinds where notify has one (the limit says
/// which sysctl to raise in the log, as notify's own error cannot carry it).
fn notify_error(e: crate::Error) -> notify::Error {
    let path = e.path().map(Path::to_owned);
    let error = match (e.kind(), e.errno()) {
        (ErrorKind::Limit("max_user_watches"), _) => {
            log::warn!("{e}");
            notify::Error::new(notify::ErrorKind::MaxFilesWatch)
        }
        (_, crate::Errno::NOENT) if path.is_some() => notify::Error::path_not_found(),
        _ => notify::Error::io(std::io::Error::from(e)),
    };
    match path {
        Some(path) => error.add_path(path),
        None => error,
    }
}

enum Message {
    Watch(PathBuf, RecursiveMode, mpsc::Sender<notify::Result<()>>),
    Unwatch(PathBuf, mpsc::Sender<notify::Result<()>>),
    Watched(mpsc::Sender<Vec<WatchedPath>>),
    Shutdown,
}

/// The thread that reads the instance and maps its events, as notify's inotify watcher's
/// event loop does.
struct EventLoop {
    poll: mio::Poll,
    messages: mpsc::Receiver<Message>,
    tree: Tree,
    handler: Box<dyn EventHandler>,
    kinds: EventKindMask,
    /// The source of the last rename, by cookie, for the `RenameMode::Both` event.
    rename_from: Option<(u32, PathBuf)>,
    running: bool,
}

impl EventLoop {
    fn run(mut self) {
        let mut events = mio::Events::with_capacity(16);
        while self.running {
            if let Err(e) = self.poll.poll(&mut events, None) {
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                self.handler.handle_event(Err(notify::Error::io(e)));
                return;
            }
            for event in &events {
                match event.token() {
                    MESSAGE => self.messages(),
                    _ => self.read(None),
                }
            }
        }
    }

    fn messages(&mut self) {
        while let Ok(message) = self.messages.try_recv() {
            match message {
                Message::Watch(path, mode, reply) => {
                    let result = self.watch(&path, mode);
                    // What the queue holds now (the tree's RIN_WATCHED records among it) is
                    // read before watch() returns, so that it returns with the table of
                    // paths complete, as notify's own watcher returns when its walk is
                    // done; not more, which a busy writer could make endless. The rest
                    // is read right after.
                    let queued = self.tree.instance().pending_bytes().unwrap_or(0);
                    self.read(Some(queued));
                    let _ = reply.send(result);
                    self.read(None);
                }
                Message::Unwatch(path, reply) => {
                    let _ = reply.send(self.unwatch(&path));
                }
                Message::Watched(reply) => {
                    let paths = self
                        .tree
                        .roots()
                        .map(|(_, path, tree)| {
                            let mode = if tree {
                                RecursiveMode::Recursive
                            } else {
                                RecursiveMode::NonRecursive
                            };
                            WatchedPath::new(path.to_owned(), mode)
                        })
                        .collect();
                    let _ = reply.send(paths);
                }
                Message::Shutdown => {
                    self.running = false;
                    return;
                }
            }
        }
    }

    fn root_of(&self, path: &Path) -> Option<crate::Wd> {
        self.tree
            .roots()
            .find(|(_, p, _)| *p == path)
            .map(|(wd, _, _)| wd)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        let metadata = std::fs::metadata(path)
            .map_err(|e| notify::Error::io_watch(e).add_path(path.to_owned()))?;
        // Watching a path again replaces its watch, as notify's watchers do.
        if let Some(wd) = self.root_of(path) {
            self.tree.remove(wd).map_err(notify_error)?;
        }
        let added = if mode == RecursiveMode::Recursive && metadata.is_dir() {
            self.tree.add(path)
        } else {
            self.tree.add_one(path)
        };
        added.map(|_| ()).map_err(notify_error)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        let wd = self
            .root_of(path)
            .ok_or_else(|| notify::Error::watch_not_found().add_path(path.to_owned()))?;
        self.tree.remove(wd).map_err(notify_error)
    }

    /// Reads until the queue is empty (the poller is edge-triggered), or until `bytes` of
    /// records have been read, handling each event.
    fn read(&mut self, bytes: Option<u64>) {
        // A read fills all but less than one record of the buffer, if that much is queued.
        let per_read = (Tree::BUFFER_SIZE - crate::MIN_BUFFER_SIZE) as u64;
        let mut reads = bytes.map(|b| b.div_ceil(per_read));
        loop {
            if let Some(left) = reads.as_mut() {
                if *left == 0 {
                    return;
                }
                *left -= 1;
            }
            let mut out = Vec::new();
            match self.tree.read_into(&mut out) {
                Ok(more) => {
                    for event in out {
                        self.handle(event);
                    }
                    if !more {
                        return;
                    }
                }
                Err(e) => {
                    self.handler.handle_event(Err(notify_error(e)));
                    return;
                }
            }
        }
    }

    fn emit(&mut self, event: Event) {
        if self.kinds.matches(&event.kind) {
            self.handler.handle_event(Ok(event));
        }
    }

    /// One event, as notify's inotify watcher maps a native one (`handle_inotify` in its
    /// src/inotify.rs), in the same order of kinds.
    fn handle(&mut self, event: TreeEvent) {
        let path = event.path();
        let TreeEvent::Event {
            mask,
            cookie,
            root,
            watches_dir,
            ..
        } = event
        else {
            match event {
                TreeEvent::Overflow => {
                    self.emit(Event::new(EventKind::Other).set_flag(Flag::Rescan));
                }
                TreeEvent::Rescan(path) => self.emit(
                    Event::new(EventKind::Other)
                        .add_path(path)
                        .set_flag(Flag::Rescan),
                ),
                TreeEvent::Error(e) => self.handler.handle_event(Err(notify_error(e))),
                TreeEvent::Event { .. } => {}
            }
            return;
        };
        let Some(path) = path else {
            return;
        };
        if mask.contains(Mask::IGNORED) {
            return;
        }
        let tracker = cookie as usize;
        if mask.contains(Mask::MOVED_FROM) {
            self.rename_from = Some((cookie, path.clone()));
            self.emit(
                Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::From)))
                    .add_path(path.clone())
                    .set_tracker(tracker),
            );
        } else if mask.contains(Mask::MOVED_TO) {
            self.emit(
                Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::To)))
                    .set_tracker(tracker)
                    .add_path(path.clone()),
            );
            if let Some((c, from)) = self.rename_from.take() {
                if c == cookie {
                    self.emit(
                        Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both)))
                            .set_tracker(tracker)
                            .add_path(from)
                            .add_path(path.clone()),
                    );
                } else {
                    self.rename_from = Some((c, from));
                }
            }
        }
        // Only the path the user watched asks for its own move and deletion.
        if mask.contains(Mask::MOVE_SELF) && root {
            self.emit(
                Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::From)))
                    .add_path(path.clone()),
            );
        }
        let folder = mask.contains(Mask::ISDIR);
        if mask.contains(Mask::CREATE) {
            let kind = if folder {
                CreateKind::Folder
            } else {
                CreateKind::File
            };
            self.emit(Event::new(EventKind::Create(kind)).add_path(path.clone()));
        }
        if mask.contains(Mask::DELETE) {
            let kind = if folder {
                RemoveKind::Folder
            } else {
                RemoveKind::File
            };
            self.emit(Event::new(EventKind::Remove(kind)).add_path(path.clone()));
        }
        if mask.contains(Mask::DELETE_SELF) && root {
            let kind = if watches_dir {
                RemoveKind::Folder
            } else {
                RemoveKind::File
            };
            self.emit(Event::new(EventKind::Remove(kind)).add_path(path.clone()));
        }
        if mask.contains(Mask::UNMOUNT) {
            self.emit(
                Event::new(EventKind::Remove(RemoveKind::Other))
                    .add_path(path.clone())
                    .set_info("unmount"),
            );
        }
        let simple = [
            (
                Mask::MODIFY,
                EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            ),
            (
                Mask::CLOSE_WRITE,
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
            ),
            (
                Mask::CLOSE_NOWRITE,
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
            ),
            (
                Mask::ATTRIB,
                EventKind::Modify(ModifyKind::Metadata(MetadataKind::Any)),
            ),
            (
                Mask::OPEN,
                EventKind::Access(AccessKind::Open(AccessMode::Any)),
            ),
        ];
        for (bit, kind) in simple {
            if mask.contains(bit) {
                self.emit(Event::new(kind).add_path(path.clone()));
            }
        }
    }
}

/// A [`notify::Watcher`] on `/dev/rinotify`: [`RecursiveMode::Recursive`] watches a
/// directory with one tree watch, which the kernel keeps up to date as the tree changes, so
/// that nothing made in a new directory is missed; [`RecursiveMode::NonRecursive`] is a
/// plain watch, as on inotify.
///
/// Events are notify's, mapped from each record as notify's own inotify watcher maps it;
/// a `RIN_RESCAN` record (events may have been missed in or below a directory: one moved
/// into the tree, or one it could not watch) is an [`EventKind::Other`] event with
/// [`Flag::Rescan`] and the directory's path, as `IN_Q_OVERFLOW` is (without a path).
/// A program switches from notify's watcher by naming this type instead:
///
/// ```no_run
/// use notify::{Config, RecursiveMode, Watcher};
/// use rinotify::RinotifyWatcher;
/// use std::path::Path;
///
/// # fn main() -> notify::Result<()> {
/// let (tx, rx) = std::sync::mpsc::channel();
/// // Was: let mut watcher = notify::RecommendedWatcher::new(tx, Config::default())?;
/// let mut watcher = RinotifyWatcher::new(tx, Config::default())?;
/// watcher.watch(Path::new("src"), RecursiveMode::Recursive)?;
/// for event in rx {
///     println!("{:?}", event?);
/// }
/// # Ok(())
/// # }
/// ```
///
/// Without the module loaded, [`Watcher::new`] fails with an error that says so; a program
/// can then fall back to [`notify::INotifyWatcher`] (notify's `RecommendedWatcher` on
/// Linux). With a module older than the tree ioctl, it warns (through `log`) and crawls over
/// plain watches, as notify's inotify watcher does.
///
/// [`Config::with_event_kinds`] is honoured; per-path options of
/// [`Watcher::watch_with`] other than the recursive mode are not (notify allows a backend to
/// ignore them).
#[derive(Debug)]
pub struct RinotifyWatcher {
    messages: mpsc::Sender<Message>,
    waker: Arc<mio::Waker>,
}

impl RinotifyWatcher {
    fn start(handler: Box<dyn EventHandler>, config: &Config, crawl: bool) -> notify::Result<Self> {
        let instance = Instance::with_flags(InitFlags::NONBLOCK | InitFlags::CLOEXEC)
            .map_err(|e| notify::Error::io(std::io::Error::from(e)))?;
        let kinds = config.event_kinds();
        let tree = if crawl {
            Tree::new_crawling(instance, watch_mask(kinds))
        } else {
            Tree::new(instance, watch_mask(kinds))
        };
        let poll = mio::Poll::new()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), MESSAGE)?);
        let fd = tree.as_raw_fd();
        poll.registry().register(
            &mut mio::unix::SourceFd(&fd),
            INSTANCE,
            mio::Interest::READABLE,
        )?;
        let (messages, receiver) = mpsc::channel();
        let event_loop = EventLoop {
            poll,
            messages: receiver,
            tree,
            handler,
            kinds,
            rename_from: None,
            running: true,
        };
        thread::Builder::new()
            .name("rinotify watcher".into())
            .spawn(move || event_loop.run())?;
        Ok(Self { messages, waker })
    }

    /// A watcher that crawls over plain watches as it does with a module older than the
    /// tree ioctl, whatever the module: to compare the two, and for tests.
    pub fn new_crawling<F: EventHandler>(handler: F, config: Config) -> notify::Result<Self> {
        Self::start(Box::new(handler), &config, true)
    }

    fn call<T>(&self, message: impl FnOnce(mpsc::Sender<T>) -> Message) -> notify::Result<T> {
        let (reply, answer) = mpsc::channel();
        self.messages
            .send(message(reply))
            .map_err(|_| notify::Error::generic("the rinotify watcher's thread is gone"))?;
        self.waker.wake()?;
        answer
            .recv()
            .map_err(|_| notify::Error::generic("the rinotify watcher's thread is gone"))
    }
}

impl Watcher for RinotifyWatcher {
    fn new<F: EventHandler>(handler: F, config: Config) -> notify::Result<Self> {
        Self::start(Box::new(handler), &config, false)
    }

    fn watch(&mut self, path: &Path, recursive_mode: RecursiveMode) -> notify::Result<()> {
        let path = path.to_owned();
        self.call(|reply| Message::Watch(path, recursive_mode, reply))?
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        let path = path.to_owned();
        self.call(|reply| Message::Unwatch(path, reply))?
    }

    fn watched_paths(&self) -> notify::Result<Vec<WatchedPath>> {
        self.call(Message::Watched)
    }

    fn kind() -> WatcherKind {
        // Its events are inotify's, from the same fsnotify hooks.
        WatcherKind::Inotify
    }
}

impl Drop for RinotifyWatcher {
    fn drop(&mut self) {
        // The thread closes the instance, and with it every watch, when it ends.
        let _ = self.messages.send(Message::Shutdown);
        let _ = self.waker.wake();
    }
}
