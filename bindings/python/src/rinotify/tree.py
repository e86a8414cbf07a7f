# SPDX-License-Identifier: GPL-2.0
"""The paths of a tree watch: wd -> path, kept from the RIN_WATCHED records and moves."""

from __future__ import annotations

import errno
import logging
import os
import stat
import warnings

from ._abi import AT_FDCWD, IN_CREATE, IN_ISDIR, IN_MOVED_FROM, IN_MOVED_TO, IN_ONLYDIR
from .errors import TreeUnsupported
from .instance import Instance, PathLike
from .records import Event

logger = logging.getLogger(__name__)

# Cookies of directories moved from, waiting for their IN_MOVED_TO: a directory moved out
# of the tree never gets one, so the oldest are forgotten past this many.
_MAX_PENDING_MOVES = 4096


class CrawlerWarning(RuntimeWarning):
    """A tree is followed by a user-space crawler, with inotify's race, not by the kernel."""


class Tree:
    """The directories of a tree watch by wd, each known by its parent's wd and its name.

    Feed every record read from the instance to :meth:`update`, in order: ``RIN_WATCHED``
    records add directories, ``IN_IGNORED`` removes them, and a directory moved within the
    tree (``IN_MOVED_FROM`` and ``IN_MOVED_TO`` of one cookie) moves with what is below it.
    :meth:`path` and :meth:`event_path` then name the directory of any record. Paths are
    bytes, the root's as given.

    A tree made by :func:`watch_tree` on a module without the tree watch is followed by a
    crawler (``crawler`` is true): :meth:`update` watches each directory created or moved
    in, as inotify programs do, and so misses what is made in it before that.
    """

    def __init__(self, root: PathLike, root_wd: int, *, instance: Instance | None = None, mask: int = 0) -> None:
        self.root = os.fsencode(root)
        self.root_wd = root_wd
        self._nodes: dict[int, tuple[int, bytes]] = {root_wd: (0, b"")}
        self._children: dict[tuple[int, bytes], int] = {}
        self._moves: dict[int, int] = {}
        self._instance = instance
        self._mask = mask
        self._use_batch = True

    @property
    def crawler(self) -> bool:
        """Whether this tree is followed by a user-space crawler (an old module)."""
        return self._instance is not None

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, wd: object) -> bool:
        return wd in self._nodes

    def add(self, wd: int, parent: int, name: bytes) -> None:
        """Records that ``wd`` is the directory ``name`` in ``parent``'s (a RIN_WATCHED record)."""
        old = self._nodes.get(wd)
        if old is not None and self._children.get(old) == wd:
            del self._children[old]
        self._nodes[wd] = (parent, name)
        self._children[(parent, name)] = wd

    def remove(self, wd: int) -> None:
        """Forgets ``wd`` (its IN_IGNORED); the directories below go with their own."""
        node = self._nodes.pop(wd, None)
        if node is not None and self._children.get(node) == wd:
            del self._children[node]

    def child(self, wd: int, name: bytes) -> int | None:
        """The wd of the directory ``name`` in ``wd``'s, if watched."""
        return self._children.get((wd, name))

    def path(self, wd: int) -> bytes | None:
        """The path of the directory ``wd``, or None if it is not (or no longer) in the tree."""
        parts = []
        seen = 0
        while wd != self.root_wd:
            node = self._nodes.get(wd)
            seen += 1
            if node is None or seen > len(self._nodes):
                return None
            wd, name = node
            parts.append(name)
        return os.path.join(self.root, *reversed(parts)) if parts else self.root

    def event_path(self, ev: Event) -> bytes | None:
        """The path a record is about: its directory's, joined with its name if it has one."""
        base = self.path(ev.wd)
        if base is None or not ev.name:
            return base
        return os.path.join(base, ev.name)

    def wd_of(self, path: PathLike) -> int | None:
        """The wd of the watched directory at ``path``, found from the root by name."""
        rel = os.path.relpath(os.fsencode(path), self.root)
        wd: int | None = self.root_wd
        if rel == b".":
            return wd
        for part in rel.split(b"/"):
            wd = self._children.get((wd, part)) if wd is not None else None
        return wd

    def rewatch(self, instance: Instance, ev: Event, mask: int) -> int:
        """Answers ``ev``, a RIN_RESCAN record or a directory moved in: a tree watch on the
        directory it names, placed in the table; the wd of that directory.

        The new call's own RIN_WATCHED record names it as a root (cookie 0), which does not
        say where it is: a directory that was not watched (a RIN_RESCAN with a name) is
        placed here, before the records of the directories below it are read.
        """
        path = self.event_path(ev)
        if path is None:
            raise KeyError(f"wd {ev.wd} is not in the tree")
        wd = instance.add_tree(path, mask)
        if wd not in self._nodes and ev.name:
            self.add(wd, ev.wd, ev.name)
        return wd

    def pending_move(self, cookie: int) -> bool:
        """Whether a directory of the tree was moved from with this cookie (an IN_MOVED_TO of
        it then moves it within the tree)."""
        return cookie in self._moves

    def paths(self) -> dict[int, bytes]:
        """Every watched directory's path, by wd."""
        out = {}
        for wd in self._nodes:
            path = self.path(wd)
            if path is not None:
                out[wd] = path
        return out

    def update(self, ev: Event) -> None:
        """Keeps the table in step with one record; call it for every record, in order."""
        if ev.is_watched:
            if ev.cookie == 0:
                # A root: ours, or that of a second RINOTIFY_IOC_ADD_TREE on a directory
                # already in the table (an answer to RIN_RESCAN), which keeps its place.
                return
            self.add(ev.wd, ev.cookie, ev.name)
        elif ev.is_ignored:
            self.remove(ev.wd)
        elif ev.mask & (IN_MOVED_FROM | IN_ISDIR) == IN_MOVED_FROM | IN_ISDIR:
            moved = self._children.get((ev.wd, ev.name))
            if moved is not None:
                self._moves[ev.cookie] = moved
                while len(self._moves) > _MAX_PENDING_MOVES:
                    del self._moves[next(iter(self._moves))]
        elif ev.mask & (IN_MOVED_TO | IN_ISDIR) == IN_MOVED_TO | IN_ISDIR:
            moved = self._moves.pop(ev.cookie, None)
            if moved is not None and moved in self._nodes:
                self.add(moved, ev.wd, ev.name)
            elif self.crawler and ev.wd in self._nodes:
                self._crawl_new(ev)
        elif self.crawler and ev.mask & (IN_CREATE | IN_ISDIR) == IN_CREATE | IN_ISDIR and ev.wd in self._nodes:
            self._crawl_new(ev)

    def _crawl_new(self, ev: Event) -> None:
        path = self.event_path(ev)
        if path is None:
            return
        try:
            wd = self._add(path)
        except OSError as err:
            logger.warning("rinotify: cannot watch %r: %s", path, err)
            return
        self.add(wd, ev.wd, ev.name)
        self.crawl(wd, path)

    def _add(self, path: bytes) -> int:
        assert self._instance is not None
        return self._instance.add_watch(path, self._mask | IN_ONLYDIR)

    def crawl(self, wd: int, path: bytes) -> None:
        """Watches every directory below ``path`` (watched as ``wd``), a batch per directory."""
        assert self._instance is not None
        stack = [(wd, path)]
        while stack:
            parent, where = stack.pop()
            try:
                fd = os.open(where, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                dev = os.fstat(fd).st_dev
                names = []
                with os.scandir(fd) as it:
                    for entry in it:
                        st = entry.stat(follow_symlinks=False)
                        # The tree watch does not follow symlinks nor cross mounts: nor do we.
                        if stat.S_ISDIR(st.st_mode) and st.st_dev == dev:
                            names.append(os.fsencode(entry.name))
                results = self._watch_names(fd, where, names)
            finally:
                os.close(fd)
            for name, result in zip(names, results, strict=True):
                if isinstance(result, OSError):
                    if result.errno not in (errno.ENOENT, errno.ENOTDIR, errno.EACCES):
                        logger.warning("rinotify: cannot watch %r: %s", os.path.join(where, name), result)
                    continue
                self.add(result, parent, name)
                stack.append((result, os.path.join(where, name)))

    def _watch_names(self, dirfd: int, where: bytes, names: list[bytes]) -> list[int | OSError]:
        assert self._instance is not None
        mask = self._mask | IN_ONLYDIR
        if not names:
            return []
        if self._use_batch:
            try:
                return self._instance.add_watches([(name, mask, dirfd) for name in names])
            except OSError as err:
                if err.errno != errno.ENOTTY:
                    raise
                self._use_batch = False
        results: list[int | OSError] = []
        for name in names:
            try:
                results.append(self._instance.add_watch(os.path.join(where, name), mask))
            except OSError as err:
                results.append(err)
        return results


def watch_tree(instance: Instance, path: PathLike, mask: int, *, dirfd: int = AT_FDCWD) -> Tree:
    """Watches the tree at ``path``: its :class:`Tree`, which :meth:`Tree.update` keeps.

    Uses ``RINOTIFY_IOC_ADD_TREE``; on a module without it (ENOTTY) it warns
    (:class:`CrawlerWarning`) and crawls the tree from user space instead, with the
    batch ioctl, as inotify programs do: directories created while it crawls, and files
    made in a new directory before the crawler watches it, may then be missed.
    """
    try:
        return Tree(path, instance.add_tree(path, mask, dirfd=dirfd))
    except TreeUnsupported as err:
        warnings.warn(f"{err.strerror}: following {os.fsdecode(path)!r} with a user-space crawler, "
                      "which misses what is made in a new directory before it watches it",
                      CrawlerWarning, stacklevel=2)
    if dirfd != AT_FDCWD:
        raise OSError(errno.EINVAL, "the crawler fallback resolves paths from the working directory only")
    root = instance.add_watch(path, mask | IN_ONLYDIR)
    tree = Tree(path, root, instance=instance, mask=mask)
    tree.crawl(root, tree.root)
    return tree
