// SPDX-License-Identifier: GPL-2.0

//! notify's `INotifyWatcher` (native inotify) and rinotify's `RinotifyWatcher` (tree
//! watches) on the same workloads, printing TAP; run in the guest by
//! selftests/clients/clients_test.sh.
//!
//!     compare events DIR   the scripted workload: both print the same normalised events
//!     compare race DIR     writers as fast as they can: RinotifyWatcher reports every file
//!     compare api DIR      the crate's own calls: Instance, add_watches, add_tree, Tree
//!     compare ready DIR N  a tree of N directories: how long each watcher takes to watch it
//!
//! Each test prints its TAP line numbered from `NUM` in the environment (default 1).

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;
use std::time::Instant;

use notify::Config;
use notify::Event;
use notify::EventKind;
use notify::EventKindMask;
use notify::INotifyWatcher;
use notify::RecursiveMode;
use notify::Watcher;
use notify::event::Flag;
use rinotify::Errno;
use rinotify::ErrorKind;
use rinotify::InitFlags;
use rinotify::Instance;
use rinotify::Mask;
use rinotify::Record;
use rinotify::RinotifyWatcher;
use rinotify::Tree;
use rinotify::TreeEvent;
use rinotify::WatchAt;

type Events = mpsc::Receiver<notify::Result<Event>>;

/// The three watchers compared: notify's, rinotify's, and rinotify's crawler (its fallback
/// for a module without the tree ioctl).
#[derive(Clone, Copy, PartialEq)]
enum Which {
    Notify,
    Rinotify,
    Crawler,
}

impl Which {
    fn name(self) -> &'static str {
        match self {
            Which::Notify => "INotifyWatcher",
            Which::Rinotify => "RinotifyWatcher",
            Which::Crawler => "RinotifyWatcher's crawler",
        }
    }
}

fn watcher(which: Which, config: Config) -> (Box<dyn Watcher>, Events) {
    let (tx, rx) = mpsc::channel();
    let w: Box<dyn Watcher> = match which {
        Which::Notify => Box::new(INotifyWatcher::new(tx, config).expect("INotifyWatcher")),
        Which::Rinotify => Box::new(RinotifyWatcher::new(tx, config).expect("RinotifyWatcher")),
        Which::Crawler => {
            Box::new(RinotifyWatcher::new_crawling(tx, config).expect("RinotifyWatcher"))
        }
    };
    (w, rx)
}

/// An event as one line, its paths relative to `root`, without what differs between two
/// runs of the same workload (rename cookies).
fn normalise(root: &Path, event: &notify::Result<Event>) -> String {
    let event = match event {
        Ok(e) => e,
        Err(e) => return format!("error {e}"),
    };
    let paths: Vec<String> = event
        .paths
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .map_or_else(|_| p.display().to_string(), |r| r.display().to_string())
        })
        .collect();
    let kind = match event.kind {
        EventKind::Other if event.flag() == Some(Flag::Rescan) => "rescan".to_owned(),
        kind => format!("{kind:?}"),
    };
    format!("{kind} {}", paths.join(" -> "))
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// The scripted workload on `root`, with `outside` beside it: files and directories
/// created, modified, renamed, moved in and out, and deleted, nested. Each step waits
/// `STEP` for a crawler to watch what the step made before the next one uses it, so that
/// the events do not depend on scheduling.
fn workload(root: &Path, outside: &Path) {
    const STEP: Duration = Duration::from_millis(400);
    let steps: Vec<Box<dyn Fn()>> = vec![
        Box::new(|| write(&root.join("a"), "hello\n")),
        Box::new(|| {
            use std::io::Write;
            let mut f = fs::OpenOptions::new()
                .append(true)
                .open(root.join("a"))
                .expect("a");
            f.write_all(b"more\n").expect("append");
        }),
        Box::new(|| fs::create_dir(root.join("sub")).expect("sub")),
        Box::new(|| fs::create_dir(root.join("sub/deep")).expect("deep")),
        Box::new(|| write(&root.join("sub/deep/f"), "f\n")),
        Box::new(|| fs::rename(root.join("a"), root.join("sub/a")).expect("a")),
        Box::new(|| fs::rename(root.join("sub/deep"), root.join("sub/deeper")).expect("deeper")),
        Box::new(|| write(&root.join("sub/deeper/g"), "g\n")),
        Box::new(|| {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(root.join("sub/a"), fs::Permissions::from_mode(0o600))
                .expect("chmod")
        }),
        Box::new(|| {
            fs::create_dir_all(outside.join("in/x")).expect("in/x");
            write(&outside.join("in/x/h"), "h\n");
            fs::rename(outside.join("in"), root.join("in")).expect("move in");
        }),
        Box::new(|| write(&root.join("in/x/i"), "i\n")),
        Box::new(|| fs::rename(root.join("sub/deeper"), outside.join("out")).expect("move out")),
        Box::new(|| write(&outside.join("out/j"), "j\n")),
        Box::new(|| fs::remove_file(root.join("sub/a")).expect("rm a")),
        Box::new(|| fs::remove_file(root.join("in/x/h")).expect("rm h")),
        Box::new(|| fs::remove_dir_all(root.join("in")).expect("rm in")),
        Box::new(|| fs::remove_dir(root.join("sub")).expect("rmdir sub")),
    ];
    for step in steps {
        step();
        thread::sleep(STEP);
    }
}

/// Runs the workload under one watcher: its events, normalised.
fn record(which: Which, dir: &Path) -> Vec<String> {
    let root = dir.join("tree");
    let outside = dir.join("outside");
    fs::create_dir_all(&root).expect("tree");
    fs::create_dir_all(&outside).expect("outside");
    // The data, metadata, name, creation and removal kinds, and closes after writing:
    // the access kinds of reading would include the crawlers' own reads of directories.
    let config =
        Config::default().with_event_kinds(EventKindMask::CORE | EventKindMask::ACCESS_CLOSE);
    let (mut w, rx) = watcher(which, config);
    w.watch(&root, RecursiveMode::Recursive).expect("watch");
    workload(&root, &outside);
    thread::sleep(Duration::from_millis(500));
    drop(w);
    rx.try_iter().map(|e| normalise(&root, &e)).collect()
}

fn tap(num: u32, ok: bool, what: &str) {
    println!("{} {num} {what}", if ok { "ok" } else { "not ok" });
}

fn comment(lines: &[String]) {
    for l in lines {
        println!("# {l}");
    }
}

/// (a) The same workload under each watcher: the same events, but for the rescans, which
/// only rinotify's watchers report: one, for the directory moved in.
fn events(dir: &Path, num: u32) -> bool {
    let _ = fs::remove_dir_all(dir);
    let native = record(Which::Notify, &dir.join("notify"));
    let mut ok = true;
    for (i, which) in [Which::Rinotify, Which::Crawler].into_iter().enumerate() {
        let lines = record(which, &dir.join(format!("rinotify{i}")));
        let (rescans, events): (Vec<_>, Vec<_>) = lines
            .iter()
            .cloned()
            .partition(|l| l.starts_with("rescan "));
        let expected_rescans: &[&str] = if which == Which::Rinotify {
            &["rescan in"]
        } else {
            &[]
        };
        let why = if native.len() < 20 {
            format!(
                "INotifyWatcher reported {} events, expected at least 20",
                native.len()
            )
        } else if events != native {
            format!("{}'s events differ from INotifyWatcher's", which.name())
        } else if rescans != expected_rescans {
            format!(
                "{} reported the rescans {rescans:?}, expected {expected_rescans:?}",
                which.name()
            )
        } else {
            String::new()
        };
        let name = if which == Which::Rinotify {
            "notify_events"
        } else {
            "notify_events_crawler"
        };
        if why.is_empty() {
            tap(
                num + i as u32,
                true,
                &format!(
                    "{name}: {} events, the same from {} as from INotifyWatcher",
                    native.len(),
                    which.name()
                ),
            );
            comment(&lines);
        } else {
            ok = false;
            tap(num + i as u32, false, &format!("{name}: {why}"));
            println!("# INotifyWatcher:");
            comment(&native);
            println!("# {}:", which.name());
            comment(&lines);
        }
    }
    ok
}

/// How many files were made below `root`.
fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read_dir").flatten() {
            let t = entry.file_type().expect("type");
            if t.is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out
}

const WRITERS: usize = 4;
const ROUNDS: usize = 40;

/// A writer: nested directories with a file at the bottom, as fast as it can, and every
/// third round a directory with a file moved into the tree.
fn writer(root: &Path, outside: &Path, id: usize) {
    for i in 0..ROUNDS {
        let d = root.join(format!("w{id}-{i}/b/c/d"));
        fs::create_dir_all(&d).expect("mkdir");
        write(&d.join("f"), "");
        if i % 3 == 0 {
            let m = outside.join(format!("m{id}-{i}"));
            fs::create_dir_all(m.join("x")).expect("mkdir");
            write(&m.join("x/f"), "");
            fs::rename(&m, root.join(format!("m{id}-{i}"))).expect("move in");
        }
    }
}

/// How many of `files` the events report: (created, below a directory to read again).
fn reported(files: &[PathBuf], created: &HashSet<PathBuf>, rescans: &[PathBuf]) -> (usize, usize) {
    let by_create = files.iter().filter(|f| created.contains(*f)).count();
    let by_rescan = files
        .iter()
        .filter(|f| !created.contains(*f) && rescans.iter().any(|r| f.starts_with(r)))
        .count();
    (by_create, by_rescan)
}

fn all_reported(files: &[PathBuf], created: &HashSet<PathBuf>, rescans: &[PathBuf]) -> bool {
    let (by_create, by_rescan) = reported(files, created, rescans);
    by_create + by_rescan == files.len()
}

/// A count of [`race_run`], with the part that only a rescan reported.
struct Count {
    found: usize,
    rescanned: usize,
    total: usize,
}

/// The race under one watcher.
fn race_run(which: Which, dir: &Path) -> Count {
    let root = dir.join("tree");
    let outside = dir.join("outside");
    fs::create_dir_all(&root).expect("tree");
    fs::create_dir_all(&outside).expect("outside");
    let config = Config::default().with_event_kinds(EventKindMask::CREATE);
    let (mut w, rx) = watcher(which, config);
    w.watch(&root, RecursiveMode::Recursive).expect("watch");
    thread::scope(|s| {
        for id in 0..WRITERS {
            let (root, outside) = (&root, &outside);
            s.spawn(move || writer(root, outside, id));
        }
    });
    let all = files(&root);
    let mut created = HashSet::new();
    let mut rescans = Vec::new();
    // What the watcher has not reported yet comes within seconds.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_secs(1))) {
            Ok(Ok(event)) => {
                if event.flag() == Some(Flag::Rescan) {
                    rescans.extend(event.paths);
                } else if let EventKind::Create(_) = event.kind {
                    created.extend(event.paths);
                }
            }
            Ok(Err(e)) => println!("# {}: {e}", which.name()),
            Err(_) if all_reported(&all, &created, &rescans) => break,
            Err(_) if left.is_zero() => break,
            Err(_) => {}
        }
    }
    drop(w);
    let (by_create, by_rescan) = reported(&all, &created, &rescans);
    Count {
        found: by_create + by_rescan,
        rescanned: by_rescan,
        total: all.len(),
    }
}

/// (b) The race inotify loses: RinotifyWatcher must report every file the writers made.
fn race(dir: &Path, num: u32) -> bool {
    let _ = fs::remove_dir_all(dir);
    let n = race_run(Which::Notify, &dir.join("notify"));
    let c = race_run(Which::Crawler, &dir.join("crawler"));
    let r = race_run(Which::Rinotify, &dir.join("rinotify"));
    let expected = WRITERS * (ROUNDS + ROUNDS.div_ceil(3));
    let counts = format!(
        "INotifyWatcher reported {} of {} files, the crawler fallback {} of {}, \
         RinotifyWatcher {} of {} ({} of them below a directory it said to rescan, \
         {} moved in)",
        n.found,
        n.total,
        c.found,
        c.total,
        r.found,
        r.total,
        r.rescanned,
        WRITERS * ROUNDS.div_ceil(3)
    );
    let ok = r.total == expected && r.found == r.total;
    let why = if ok {
        String::new()
    } else {
        format!(" (the writers made {expected})")
    };
    tap(num, ok, &format!("notify_race: {counts}{why}"));
    ok
}

/// Checks one thing of [`api`]: `Err` says what was wrong.
fn expect(what: &str, ok: bool, lines: &mut Vec<String>) -> Result<(), String> {
    lines.push(format!("{what}: {}", if ok { "yes" } else { "NO" }));
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

/// The crate's own calls on a real instance.
fn api_checks(dir: &Path, lines: &mut Vec<String>) -> Result<(), String> {
    fs::create_dir_all(dir.join("a/b")).map_err(|e| e.to_string())?;
    fs::create_dir_all(dir.join("c")).map_err(|e| e.to_string())?;
    let fd = Instance::with_flags(InitFlags::NONBLOCK | InitFlags::CLOEXEC)
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0; 64 * 1024];
    let empty = fd.read(&mut buf).err();
    expect(
        "an empty non-blocking instance's read is WouldBlock",
        empty.is_some_and(|e| e.kind() == ErrorKind::WouldBlock),
        lines,
    )?;
    // The batch: paths relative to a directory descriptor, one missing.
    let base = fs::File::open(dir).map_err(|e| e.to_string())?;
    let entries = ["a", "c", "missing"].map(|p| WatchAt {
        dir: Some(std::os::fd::AsFd::as_fd(&base)),
        path: Path::new(p),
        mask: Mask::CREATE,
    });
    let results = fd.add_watches(&entries).map_err(|e| e.to_string())?;
    lines.push(format!("add_watches: {results:?}"));
    expect(
        "add_watches gives two wds and ENOENT",
        matches!(results[..], [Ok(a), Ok(c), Err(Errno::NOENT)] if a != c),
        lines,
    )?;
    let again = fd
        .add_watch(dir.join("a"), Mask::CREATE)
        .map_err(|e| e.to_string())?;
    expect(
        "add_watch of a watched directory gives its wd",
        Ok(again) == results[0],
        lines,
    )?;
    fs::write(dir.join("a/f"), "").map_err(|e| e.to_string())?;
    let pending = fd.pending_bytes().map_err(|e| e.to_string())?;
    expect("FIONREAD counts one record", pending == 16 + 16, lines)?;
    let records: Vec<String> = fd
        .read(&mut buf)
        .map_err(|e| e.to_string())?
        .map(|r| format!("{r:?}"))
        .collect();
    lines.extend(records.iter().cloned());
    expect(
        "the record is a CREATE of f",
        records.len() == 1 && records[0].contains("CREATE") && records[0].contains("\"f\""),
        lines,
    )?;
    fd.rm_watch(again).map_err(|e| e.to_string())?;
    let removed: Vec<String> = fd
        .read(&mut buf)
        .map_err(|e| e.to_string())?
        .map(|r| format!("{r:?}"))
        .collect();
    expect(
        "rm_watch queues IN_IGNORED",
        removed.len() == 1 && removed[0].contains("IGNORED"),
        lines,
    )?;
    let gone = fd.rm_watch(again).err();
    expect(
        "rm_watch again is EINVAL",
        gone.is_some_and(|e| e.errno() == Errno::INVAL),
        lines,
    )?;
    // The tree ioctl: a RIN_WATCHED record names each directory.
    let root = fd.add_tree(dir, Mask::CREATE).map_err(|e| e.to_string())?;
    let mut watched = Vec::new();
    for r in fd.read(&mut buf).map_err(|e| e.to_string())? {
        if let Record::Watched { wd, parent, name } = r {
            watched.push((wd, parent, name.map(|n| n.to_string_lossy().into_owned())));
        }
    }
    lines.push(format!("add_tree: root {root:?}, watched {watched:?}"));
    // c is watched already (add_watches): it keeps its wd, and no record names it again.
    let c = results[1].map_err(|e| e.to_string())?;
    expect(
        "add_tree names the root, a and a/b, each below its parent, and not c, watched already",
        watched.len() == 3
            && watched
                .iter()
                .any(|(w, p, n)| *w == root && p.is_none() && n.is_none())
            && watched
                .iter()
                .any(|(_, p, n)| *p == Some(root) && n.as_deref() == Some("a"))
            && watched
                .iter()
                .any(|(_, p, n)| *p != Some(root) && n.as_deref() == Some("b"))
            && watched.iter().all(|(w, _, _)| *w != c),
        lines,
    )?;
    drop(fd);
    // Tree: the paths of a directory made in it, and of one renamed within it.
    let mut tree = Tree::new(Instance::new().map_err(|e| e.to_string())?, Mask::CREATE);
    tree.add(dir).map_err(|e| e.to_string())?;
    fs::create_dir(dir.join("a/b/new")).map_err(|e| e.to_string())?;
    fs::rename(dir.join("a"), dir.join("c/z")).map_err(|e| e.to_string())?;
    fs::write(dir.join("c/z/b/new/g"), "").map_err(|e| e.to_string())?;
    let mut paths = Vec::new();
    while paths.len() < 2 {
        for e in tree.read().map_err(|e| e.to_string())? {
            if let TreeEvent::Event { .. } = e {
                paths.push(e.path().unwrap_or_default());
            }
        }
    }
    lines.push(format!("Tree: {paths:?}"));
    expect(
        "Tree names a new directory, and a file in it after its grandparent's rename",
        paths == [dir.join("a/b/new"), dir.join("c/z/b/new/g")],
        lines,
    )
}

/// The crate's API on the real device: one TAP line.
fn api(dir: &Path, num: u32) -> bool {
    let _ = fs::remove_dir_all(dir);
    let mut lines = Vec::new();
    let result = api_checks(dir, &mut lines);
    match &result {
        Ok(()) => tap(num, true, "rinotify_api"),
        Err(why) => tap(num, false, &format!("rinotify_api: {why}")),
    }
    comment(&lines);
    result.is_ok()
}

/// Makes `n` directories below `root`, ten to a directory.
fn make_tree(root: &Path, n: usize) {
    fs::create_dir_all(root).expect("root");
    let mut dirs = vec![root.to_owned()];
    let mut made = 0;
    let mut at = 0;
    while made < n {
        let parent = dirs[at].clone();
        at += 1;
        for i in 0..10 {
            if made == n {
                break;
            }
            let d = parent.join(format!("d{i}"));
            fs::create_dir(&d).expect("mkdir");
            dirs.push(d);
            made += 1;
        }
    }
}

/// The time from `watch()` to its return, for a recursive watch of a tree of `n`
/// directories, with each watcher, in the same boot: "bench ready <watcher> <n> <ns>".
fn ready(dir: &Path, n: usize, rounds: usize) {
    let _ = fs::remove_dir_all(dir);
    make_tree(&dir.join("tree"), n);
    for _ in 0..rounds {
        for which in [Which::Notify, Which::Rinotify] {
            let (mut w, _rx) = watcher(
                which,
                Config::default().with_event_kinds(EventKindMask::CORE),
            );
            let start = Instant::now();
            w.watch(&dir.join("tree"), RecursiveMode::Recursive)
                .expect("watch");
            let ns = start.elapsed().as_nanos();
            println!("bench ready {} {n} {ns}", which.name());
            drop(w);
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let num = std::env::var("NUM")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let ok = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("events"), Some(dir)) => events(Path::new(dir), num),
        (Some("race"), Some(dir)) => race(Path::new(dir), num),
        (Some("api"), Some(dir)) => api(Path::new(dir), num),
        (Some("ready"), Some(dir)) => {
            let n = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(10_000);
            let rounds = args.get(4).and_then(|n| n.parse().ok()).unwrap_or(3);
            ready(Path::new(dir), n, rounds);
            true
        }
        _ => {
            eprintln!("usage: compare events DIR | race DIR | api DIR | ready DIR [N [ROUNDS]]");
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
