# SPDX-License-Identifier: GPL-2.0
"""rinotify.watchdog without the module: its errors, its fallback, its reading of records."""

import os
import queue
from typing import ClassVar

import pytest

pytest.importorskip("watchdog")

from watchdog.events import FileCreatedEvent
from watchdog.observers.api import ObservedWatch
from watchdog.observers.inotify_c import InotifyConstants

import rinotify
import rinotify.watchdog as rw
from rinotify import Event, encode


def test_no_device_fails_schedule_saying_how_to_fall_back(monkeypatch, tmp_path):
    monkeypatch.setattr(rinotify.instance, "DEVICE", str(tmp_path / "rinotify"))
    observer = rw.RinotifyObserver()
    observer.start()
    try:
        with pytest.raises(rinotify.RinotifyUnavailable, match="InotifyObserver"):
            observer.schedule(None, str(tmp_path), recursive=True)
    finally:
        observer.stop()
        observer.join()


def test_old_module_falls_back_to_watchdogs_reader_with_a_warning(monkeypatch, tmp_path):
    # /dev/null answers RINOTIFY_IOC_ADD_TREE with ENOTTY, as a module without it does.
    monkeypatch.setattr(rinotify.instance, "DEVICE", "/dev/null")
    events = queue.Queue()
    emitter = rw.RinotifyEmitter(events, ObservedWatch(str(tmp_path), recursive=True))
    with pytest.warns(rinotify.CrawlerWarning, match="crawler"):
        emitter.start()
    try:
        assert emitter.fallback
        (tmp_path / "f").write_text("x")
        assert events.get(timeout=5)[0] == FileCreatedEvent(str(tmp_path / "f"))
    finally:
        emitter.stop()
        emitter.join(5)


class FakeInstance:
    """Hands back canned records once; remembers the trees asked for."""

    records: ClassVar[list] = []
    trees: ClassVar[list] = []

    def __init__(self, *, nonblock=False):
        self.r, self.w = os.pipe()
        os.write(self.w, b"!")

    def add_tree(self, path, mask):
        FakeInstance.trees.append(path)
        return len(FakeInstance.trees) * 10 - 9

    def fileno(self):
        return self.r

    def read(self):
        # records: one read's, or a list of reads'.
        if FakeInstance.records and isinstance(FakeInstance.records[0], list):
            out = FakeInstance.records.pop(0)
        else:
            out, FakeInstance.records = FakeInstance.records, []
        return rinotify.decode(encode(out))

    def close(self):
        os.close(self.r)
        os.close(self.w)


def test_records_become_watchdogs_events_with_paths(monkeypatch, tmp_path):
    os.makedirs(tmp_path / "a" / "x" / "sub")
    (tmp_path / "a" / "x" / "y").write_text("")
    monkeypatch.setattr(rw, "Instance", FakeInstance)
    W = rinotify.RIN_WATCHED | rinotify.IN_ISDIR
    FakeInstance.trees = []
    FakeInstance.records = [
        Event(2, W, 1, b"a"),
        Event(1, rinotify.IN_CREATE | rinotify.IN_ISDIR, 0, b"a"),
        Event(2, rinotify.IN_CREATE, 0, b"f"),
        Event(1, rinotify.IN_MOVED_TO | rinotify.IN_ISDIR, 5, b"m"),
        Event(3, W, 1, b"m"),
        Event(3, rinotify.RIN_RESCAN, 0, b""),
        Event(2, rinotify.RIN_RESCAN, 0, b"x"),
        # The tree watch on a/x, whose own record (cookie 0) does not place it: the reader did.
        Event(21, W, 0, b""),
        Event(22, W, 21, b"sub"),
        Event(22, rinotify.IN_CREATE, 0, b"late"),
    ]
    root = os.fsencode(tmp_path)
    reader = rw.TreeReader(root, recursive=True)
    got = [(e.mask, e.src_path) for e in reader.read_events()]
    reader.close()
    assert got == [
        (rinotify.IN_CREATE | rinotify.IN_ISDIR, root + b"/a"),
        (rinotify.IN_CREATE, root + b"/a/f"),
        (rinotify.IN_MOVED_TO | rinotify.IN_ISDIR, root + b"/m"),
        # The moved-in directory's RIN_RESCAN was answered when it moved in: the emitter
        # lists it for its created events. The other's is a modified directory and its contents.
        (InotifyConstants.IN_MODIFY | rinotify.IN_ISDIR, root + b"/a/x"),
        (rinotify.IN_CREATE | rinotify.IN_ISDIR, root + b"/a/x/sub"),
        (rinotify.IN_CREATE, root + b"/a/x/y"),
        (rinotify.IN_CREATE, root + b"/a/x/sub/late"),
    ]
    # The root, then each directory to watch whole again, before its events are handed on.
    assert FakeInstance.trees == [root, root + b"/m", root + b"/a/x"]


def test_a_moved_in_directorys_rescan_is_skipped_only_just_after_the_move(monkeypatch, tmp_path):
    os.makedirs(tmp_path / "m")
    monkeypatch.setattr(rw, "Instance", FakeInstance)
    FakeInstance.trees = []
    moved_in = Event(1, rinotify.IN_MOVED_TO | rinotify.IN_ISDIR, 5, b"m")
    rescan = Event(1, rinotify.RIN_RESCAN, 0, b"m")
    other = Event(1, rinotify.IN_CREATE, 0, b"x")
    FakeInstance.records = [[moved_in], [rescan], [moved_in], [other], [other], [rescan]]
    root = os.fsencode(tmp_path)
    reader = rw.TreeReader(root, recursive=True)
    reads = [[(e.mask, e.src_path) for e in reader.read_events()] for _ in range(6)]
    reader.close()
    modified = (InotifyConstants.IN_MODIFY | rinotify.IN_ISDIR, root + b"/m")
    # In the read after the move: answered by the move's created events. Two reads later:
    # a directory of that name the tree could not watch, read again.
    assert reads[1] == [] and reads[5] == [modified]
