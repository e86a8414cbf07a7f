# SPDX-License-Identifier: GPL-2.0
"""The package on the module itself: make check runs these in the guest, as root.

Skipped where /dev/rinotify does not exist (the host); the guest run requires that none
is skipped.
"""

import contextlib
import errno
import fcntl
import os
import queue

import pytest

import rinotify
from rinotify import Event, Tree

pytestmark = pytest.mark.skipif(not os.path.exists(rinotify.DEVICE), reason="no /dev/rinotify (the module is not loaded)")

SYSCTL = "/proc/sys/fs/rinotify"
MASK = rinotify.IN_CREATE | rinotify.IN_DELETE | rinotify.IN_MOVE | rinotify.IN_MODIFY


@contextlib.contextmanager
def sysctl(name, value):
    path = os.path.join(SYSCTL, name)
    with open(path) as f:
        old = f.read().strip()
    with open(path, "w") as f:
        f.write(str(value))
    try:
        yield
    finally:
        with open(path, "w") as f:
            f.write(old)


def drain(inst, tree=None):
    """Every record queued now (the instance is non-blocking)."""
    out = []
    while True:
        got = inst.read()
        if not got:
            return out
        for ev in got:
            if tree is not None:
                tree.update(ev)
        out += got


def test_watch_read_and_remove(tmp_path):
    with rinotify.Instance(nonblock=True) as inst:
        assert drain(inst) == []
        wd = inst.add_watch(tmp_path, MASK)
        assert wd > 0
        (tmp_path / "f").write_text("x")
        inst.rm_watch(wd)
        events = drain(inst)
        assert events[0] == Event(wd, rinotify.IN_CREATE, 0, b"f")
        assert events[-1] == Event(wd, rinotify.IN_IGNORED, 0, b"")
        with pytest.raises(OSError) as info:
            inst.rm_watch(wd)
        assert info.value.errno == errno.EINVAL


def test_flags_at_open():
    with rinotify.Instance() as a, rinotify.Instance(nonblock=True, cloexec=False) as b:
        assert fcntl.fcntl(a.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        assert not fcntl.fcntl(a.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
        assert not fcntl.fcntl(b.fileno(), fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        assert fcntl.fcntl(b.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK


def test_batch_gives_each_entry_its_result(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "file").write_text("")
    dirfd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with rinotify.Instance() as inst:
            a, missing, notdir, b = inst.add_watches([
                (tmp_path / "a", MASK),
                (tmp_path / "missing", MASK),
                ("file", MASK | rinotify.IN_ONLYDIR, dirfd),
                ("b", MASK, dirfd),
            ])
            assert isinstance(a, int) and isinstance(b, int) and a != b
            assert isinstance(missing, FileNotFoundError) and missing.filename.endswith("missing")
            assert isinstance(notdir, NotADirectoryError)
            assert inst.add_watch(tmp_path / "b", MASK) == b
            # More than one call's worth: continued from where the first call stopped.
            many = inst.add_watches([(tmp_path / "a", MASK)] * (rinotify.RINOTIFY_MAX_WATCHES_PER_CALL + 5))
            assert many == [a] * (rinotify.RINOTIFY_MAX_WATCHES_PER_CALL + 5)
    finally:
        os.close(dirfd)


def test_tree_names_every_directory_and_follows_new_ones(tmp_path):
    for d in ("a/b/c", "a/d", "e"):
        os.makedirs(tmp_path / d)
    with rinotify.Instance(nonblock=True) as inst:
        tree = Tree(tmp_path, inst.add_tree(tmp_path, MASK))
        drain(inst, tree)
        walked = {os.fsencode(root) for root, _, _ in os.walk(tmp_path)}
        assert set(tree.paths().values()) == walked and len(tree) == len(walked)
        # Made faster than any crawler reacts: the kernel watches each in its mkdir().
        os.makedirs(tmp_path / "x" / "y" / "z")
        (tmp_path / "x" / "y" / "z" / "f").write_text("")
        events = drain(inst, tree)
        creates = [tree.event_path(ev) for ev in events if ev.mask & rinotify.IN_CREATE]
        assert creates == [os.fsencode(tmp_path / p) for p in ("x", "x/y", "x/y/z", "x/y/z/f")]
        # A move within the tree carries the paths below.
        os.rename(tmp_path / "x", tmp_path / "a" / "xx")
        (tmp_path / "a" / "xx" / "y" / "z" / "g").write_text("")
        events = drain(inst, tree)
        assert tree.event_path(events[-1]) == os.fsencode(tmp_path / "a/xx/y/z/g")
        assert tree.wd_of(tmp_path / "a/xx/y/z") == events[-1].wd


def test_a_directory_moved_in_is_rescanned(tmp_path):
    (tmp_path / "tree").mkdir()
    os.makedirs(tmp_path / "out" / "m" / "n")
    with rinotify.Instance(nonblock=True) as inst:
        tree = Tree(tmp_path / "tree", inst.add_tree(tmp_path / "tree", MASK))
        drain(inst, tree)
        os.rename(tmp_path / "out" / "m", tmp_path / "tree" / "m")
        events = drain(inst, tree)
        rescans = [tree.event_path(ev) for ev in events if ev.is_rescan]
        assert rescans == [os.fsencode(tmp_path / "tree" / "m")]
        assert tree.wd_of(tmp_path / "tree" / "m/n") is None
        # The answer the header asks for: the tree again, on it.
        inst.add_tree(tmp_path / "tree" / "m", MASK)
        drain(inst, tree)
        assert tree.wd_of(tmp_path / "tree" / "m/n") is not None


def test_rewatch_places_a_directory_the_tree_could_not_watch(tmp_path):
    with rinotify.Instance(nonblock=True) as inst:
        tree = Tree(tmp_path, inst.add_tree(tmp_path, MASK))
        drain(inst, tree)
        with sysctl("max_user_watches", 1):
            os.makedirs(tmp_path / "u" / "v")
            (rescan,) = [ev for ev in drain(inst, tree) if ev.is_rescan]
        assert tree.event_path(rescan) == os.fsencode(tmp_path / "u") and tree.wd_of(tmp_path / "u") is None
        wd = tree.rewatch(inst, rescan, MASK)
        drain(inst, tree)
        assert tree.path(wd) == os.fsencode(tmp_path / "u")
        (tmp_path / "u" / "v" / "f").write_text("")
        (create,) = drain(inst, tree)
        assert tree.event_path(create) == os.fsencode(tmp_path / "u" / "v" / "f")


def test_crawler_fallback_on_the_module_watches_the_same_directories(tmp_path, monkeypatch):
    for d in ("a/b/c", "a/d", "e/f"):
        os.makedirs(tmp_path / d)
    with rinotify.Instance(nonblock=True) as inst:
        tree = rinotify.watch_tree(inst, tmp_path, MASK)
        drain(inst, tree)
        expected = tree.paths()
    def old_module(*args, **kwargs):
        raise rinotify.TreeUnsupported(errno.ENOTTY, "no tree")

    monkeypatch.setattr(rinotify.Instance, "add_tree", old_module)
    with rinotify.Instance(nonblock=True) as inst:
        with pytest.warns(rinotify.CrawlerWarning):
            crawled = rinotify.watch_tree(inst, tmp_path, MASK)
        assert crawled.crawler
        # The same wds too: the crawler visits in another order, so compare paths.
        assert sorted(crawled.paths().values()) == sorted(expected.values())
        os.makedirs(tmp_path / "new" / "below")
        drain(inst, crawled)
        assert crawled.wd_of(tmp_path / "new") is not None


def test_watch_limit_names_its_sysctl(tmp_path):
    dirs = [tmp_path / str(i) for i in range(12)]
    for d in dirs:
        d.mkdir()
    with rinotify.Instance() as inst, sysctl("max_user_watches", 8):
        with pytest.raises(OSError) as info:
            for d in dirs:
                inst.add_watch(d, MASK)
        assert info.value.errno == errno.ENOSPC
        assert f"{SYSCTL}/max_user_watches" in str(info.value)


def test_instance_limit_names_its_sysctl():
    held = []
    try:
        with sysctl("max_user_instances", 4), pytest.raises(OSError) as info:
            for _ in range(8):
                held.append(rinotify.Instance())
        assert info.value.errno == errno.EMFILE
        assert f"{SYSCTL}/max_user_instances" in str(info.value)
    finally:
        for inst in held:
            inst.close()


def test_observer_answers_a_rescan_with_a_modified_directory(tmp_path):
    watchdog_events = pytest.importorskip("watchdog.events")
    from rinotify.watchdog import RinotifyObserver

    class Collect(watchdog_events.FileSystemEventHandler):
        def __init__(self):
            self.events = queue.Queue()

        def on_any_event(self, event):
            self.events.put(event)

    handler = Collect()
    observer = RinotifyObserver()
    observer.schedule(handler, str(tmp_path), recursive=True)
    observer.start()
    try:
        # At the limit, a new directory is not watched: RIN_RESCAN of its name instead.
        with sysctl("max_user_watches", 1):
            (tmp_path / "d").mkdir()
            wanted = watchdog_events.DirModifiedEvent(str(tmp_path / "d"))
            seen = []
            while wanted not in seen:
                seen.append(handler.events.get(timeout=10))
        assert watchdog_events.DirCreatedEvent(str(tmp_path / "d")) in seen
    finally:
        observer.stop()
        observer.join()
