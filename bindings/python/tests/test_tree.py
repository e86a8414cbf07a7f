# SPDX-License-Identifier: GPL-2.0
"""The wd -> path table of a tree, from records alone, and the crawler fallback."""

import errno
import os

import pytest

import rinotify
from rinotify import Event, Tree, watch_tree

W = rinotify.RIN_WATCHED | rinotify.IN_ISDIR


def feed(tree, *events):
    for ev in events:
        tree.update(ev)


def test_watched_records_name_directories():
    tree = Tree("/src", 1)
    feed(tree, Event(2, W, 1, b"a"), Event(3, W, 2, b"b"), Event(4, W, 1, b"c"))
    assert tree.paths() == {1: b"/src", 2: b"/src/a", 3: b"/src/a/b", 4: b"/src/c"}
    assert tree.event_path(Event(3, rinotify.IN_CREATE, 0, b"f")) == b"/src/a/b/f"
    assert tree.event_path(Event(3, rinotify.IN_DELETE_SELF, 0, b"")) == b"/src/a/b"
    assert tree.wd_of("/src/a/b") == 3 and tree.wd_of(b"/src") == 1 and tree.wd_of("/src/x") is None


def test_the_roots_own_record_and_a_second_roots_change_nothing():
    tree = Tree(b"/src", 1)
    feed(tree, Event(1, W, 0, b""), Event(2, W, 1, b"a"), Event(2, W, 0, b""))
    assert tree.paths() == {1: b"/src", 2: b"/src/a"}


def test_a_move_within_the_tree_carries_the_subtree():
    tree = Tree("/t", 1)
    feed(tree, Event(2, W, 1, b"a"), Event(3, W, 2, b"b"), Event(4, W, 3, b"c"), Event(5, W, 1, b"z"))
    feed(tree,
         Event(2, rinotify.IN_MOVED_FROM | rinotify.IN_ISDIR, 77, b"b"),
         Event(5, rinotify.IN_MOVED_TO | rinotify.IN_ISDIR, 77, b"bb"))
    assert tree.path(3) == b"/t/z/bb" and tree.path(4) == b"/t/z/bb/c"
    assert tree.child(2, b"b") is None and tree.child(5, b"bb") == 3


def test_ignored_forgets_and_events_of_unknown_wds_have_no_path():
    tree = Tree("/t", 1)
    feed(tree, Event(2, W, 1, b"a"), Event(3, W, 2, b"b"))
    feed(tree, Event(3, rinotify.IN_IGNORED, 0, b""), Event(2, rinotify.IN_IGNORED, 0, b""))
    assert tree.paths() == {1: b"/t"}
    assert tree.event_path(Event(3, rinotify.IN_CREATE, 0, b"f")) is None
    # A directory made again at the same name gets its new wd.
    feed(tree, Event(9, W, 1, b"a"))
    assert tree.wd_of("/t/a") == 9


def test_a_directory_moved_out_keeps_its_path_until_its_ignored():
    tree = Tree("/t", 1)
    feed(tree, Event(2, W, 1, b"a"), Event(1, rinotify.IN_MOVED_FROM | rinotify.IN_ISDIR, 5, b"a"))
    assert tree.pending_move(5) and tree.path(2) == b"/t/a"
    feed(tree, Event(2, rinotify.IN_IGNORED, 0, b""))
    assert 2 not in tree


def test_a_rename_over_a_directory_keeps_the_moved_one():
    tree = Tree("/t", 1)
    feed(tree, Event(2, W, 1, b"a"), Event(3, W, 1, b"b"))
    feed(tree,
         Event(1, rinotify.IN_MOVED_FROM | rinotify.IN_ISDIR, 9, b"a"),
         Event(1, rinotify.IN_MOVED_TO | rinotify.IN_ISDIR, 9, b"b"),
         Event(3, rinotify.IN_IGNORED, 0, b""))
    assert tree.wd_of("/t/b") == 2 and tree.paths() == {1: b"/t", 2: b"/t/b"}


class OldModule:
    """An instance of a module without RINOTIFY_IOC_ADD_TREE: watches are numbered."""

    def __init__(self, batch=True):
        self.next = 1
        self.batch = batch
        self.watched = {}
        self.batches = 0

    def add_tree(self, path, mask, *, dirfd=rinotify.AT_FDCWD):
        raise rinotify.TreeUnsupported(errno.ENOTTY, "no tree", path)

    def add_watch(self, path, mask):
        assert mask & rinotify.IN_ONLYDIR
        if not os.path.isdir(path):
            raise FileNotFoundError(errno.ENOENT, "gone", path)
        wd = self.next
        self.next += 1
        self.watched[wd] = os.fsencode(path)
        return wd

    def add_watches(self, entries):
        if not self.batch:
            raise OSError(errno.ENOTTY, "no batch")
        self.batches += 1
        out = []
        for name, mask, dirfd in entries:
            try:
                out.append(self.add_watch(os.path.join(os.readlink(f"/proc/self/fd/{dirfd}"),
                                                       os.fsdecode(name)), mask))
            except OSError as err:
                out.append(err)
        return out


def make_tree(root):
    for d in ("a/b/c", "a/d", "e"):
        os.makedirs(root / d)
    (root / "a" / "file").write_text("x")
    os.symlink(root / "a", root / "link")


@pytest.mark.parametrize("batch", [True, False])
def test_crawler_fallback_watches_every_directory_and_warns(tmp_path, batch):
    make_tree(tmp_path)
    inst = OldModule(batch)
    with pytest.warns(rinotify.CrawlerWarning, match="user-space crawler"):
        tree = watch_tree(inst, str(tmp_path), rinotify.IN_CREATE)
    assert tree.crawler
    root = os.fsencode(tmp_path)
    expected = {root + s for s in (b"", b"/a", b"/a/b", b"/a/b/c", b"/a/d", b"/e")}
    assert set(tree.paths().values()) == expected
    assert tree.paths() == inst.watched
    assert inst.batches == (3 if batch else 0)


def test_crawler_follows_new_directories(tmp_path):
    inst = OldModule()
    with pytest.warns(rinotify.CrawlerWarning):
        tree = watch_tree(inst, str(tmp_path), rinotify.IN_CREATE)
    os.makedirs(tmp_path / "n" / "m")
    tree.update(Event(tree.root_wd, rinotify.IN_CREATE | rinotify.IN_ISDIR, 0, b"n"))
    assert tree.path(tree.wd_of(tmp_path / "n" / "m")) == os.fsencode(tmp_path / "n" / "m")
    # Made and gone before the crawler got to it: nothing to watch, no error.
    tree.update(Event(tree.root_wd, rinotify.IN_CREATE | rinotify.IN_ISDIR, 0, b"gone"))
    assert tree.wd_of(tmp_path / "gone") is None


def test_a_tree_watch_is_not_a_crawler():
    class New:
        def add_tree(self, path, mask, *, dirfd=rinotify.AT_FDCWD):
            return 1

    tree = watch_tree(New(), "/x", rinotify.IN_CREATE)
    assert not tree.crawler and tree.paths() == {1: b"/x"}
    tree.update(Event(1, rinotify.IN_CREATE | rinotify.IN_ISDIR, 0, b"n"))
    assert len(tree) == 1
