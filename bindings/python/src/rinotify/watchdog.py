# SPDX-License-Identifier: GPL-2.0
"""A watchdog observer on /dev/rinotify: recursive schedules on one tree watch each.

A program that uses watchdog's ``Observer`` switches by importing this one instead::

    from rinotify.watchdog import RinotifyObserver as Observer

It emits the :class:`~watchdog.events.FileSystemEvent` objects that watchdog's
``InotifyObserver`` emits, built by the same code: :class:`RinotifyEmitter` is watchdog's
``InotifyEmitter`` with the reader underneath replaced. Where watchdog's reader crawls each
new directory from user space (and misses what is made in it before it is watched), a
recursive schedule here is one ``RINOTIFY_IOC_ADD_TREE``: the kernel watches each new
directory in the ``mkdir()`` that makes it. A non-recursive schedule is one plain watch.

``RIN_RESCAN`` (events may have been missed in a directory) and a queue overflow are
answered as watchdog answers a directory it has not seen the contents of: a
``DirModifiedEvent`` for the directory, then a created event for everything in it
(synthetic, as watchdog's for a new directory), after watching it whole again.

Errors: no /dev/rinotify raises :class:`rinotify.RinotifyUnavailable` from ``schedule()``
or ``start()``, which says to use watchdog's ``InotifyObserver`` instead; a module without
the tree watch (ENOTTY) makes the emitter warn (:class:`rinotify.CrawlerWarning`) and fall
back to watchdog's own inotify reader and its crawler; ENOSPC names the sysctl.

Written against watchdog 6 (``observers/inotify.py`` and ``inotify_buffer.py``).
"""

from __future__ import annotations

import errno
import logging
import os
import select
import threading
import warnings
from typing import TYPE_CHECKING

from watchdog.observers.api import DEFAULT_OBSERVER_TIMEOUT, BaseObserver
from watchdog.observers.inotify import InotifyEmitter
from watchdog.observers.inotify_buffer import InotifyBuffer
from watchdog.observers.inotify_c import WATCHDOG_ALL_EVENTS, InotifyEvent
from watchdog.utils import BaseThread
from watchdog.utils.delayed_queue import DelayedQueue

from ._abi import IN_CREATE, IN_ISDIR, IN_MASK_ADD, IN_MODIFY, IN_MOVED_TO, IN_ONESHOT
from .errors import TreeUnsupported
from .instance import Instance
from .records import Event
from .tree import CrawlerWarning, Tree

if TYPE_CHECKING:
    from watchdog.observers.api import EventQueue, ObservedWatch

logger = logging.getLogger(__name__)

__all__ = ["RinotifyEmitter", "RinotifyFullEmitter", "RinotifyObserver"]


class TreeReader:
    """What watchdog's ``inotify_c.Inotify`` is to ``InotifyBuffer``, on /dev/rinotify.

    ``read_events()`` returns watchdog's ``InotifyEvent`` objects with their full paths,
    from a tree watch (recursive) or one plain watch, and the events that a ``RIN_RESCAN``
    or an overflow stands for.
    """

    def __init__(self, path: bytes, *, recursive: bool = False, event_mask: int | None = None) -> None:
        mask = WATCHDOG_ALL_EVENTS if event_mask is None else event_mask
        # The tree refuses what it cannot apply to each directory; watchdog asks for neither.
        self._mask = mask & ~(IN_MASK_ADD | IN_ONESHOT)
        self._path = path
        self._lock = threading.Lock()
        self._closed = False
        self._is_reading = False
        self._inst = Instance(nonblock=True)
        try:
            self._recursive = recursive and os.path.isdir(path)
            if self._recursive:
                root = self._inst.add_tree(path, self._mask)
            else:
                root = self._inst.add_watch(path, self._mask)
        except BaseException:
            self._inst.close()
            raise
        self._tree = Tree(path, root)
        # Directories moved into the tree and already watched whole again, by the read they
        # came in: their RIN_RESCAN, in that read or the next, is answered by the emitter's
        # created events of the move.
        self._retreed: dict[bytes, int] = {}
        self._reads = 0
        self._kill_r, self._kill_w = os.pipe()
        self._poll = select.poll()
        self._poll.register(self._inst.fileno(), select.POLLIN)
        self._poll.register(self._kill_r, select.POLLIN)

    @property
    def path(self) -> bytes:
        """The watched path, as watchdog's reader has it."""
        return self._path

    @property
    def tree(self) -> Tree:
        """The wd -> path table."""
        return self._tree

    def close(self) -> None:
        """Closes the instance, waking read_events() (which then returns []) if it waits."""
        with self._lock:
            if not self._closed:
                self._closed = True
                if self._is_reading:
                    os.write(self._kill_w, b"!")
                else:
                    self._close_resources()

    def _close_resources(self) -> None:
        self._inst.close()
        os.close(self._kill_r)
        os.close(self._kill_w)

    def read_events(self) -> list[InotifyEvent]:
        """The next records, as watchdog's events, blocking until there are some or close()."""
        while True:
            with self._lock:
                if self._closed:
                    return []
                self._is_reading = True
            ready = [fd for fd, _ in self._poll.poll()]
            with self._lock:
                self._is_reading = False
                if self._closed:
                    self._close_resources()
                    return []
            if self._inst.fileno() in ready:
                records = self._inst.read()
                if records:
                    break
        self._reads += 1
        self._retreed = {p: n for p, n in self._retreed.items() if n >= self._reads - 1}
        events: list[InotifyEvent] = []
        for ev in records:
            self._translate(ev, events)
        return events

    def _translate(self, ev: Event, out: list[InotifyEvent]) -> None:
        tree = self._tree
        if ev.is_overflow:
            logger.warning("rinotify: the queue overflowed (max_queued_events): reading %r again", self._path)
            self._rescan(self._path, out)
            return
        src_path = tree.event_path(ev)
        moved_in = (ev.mask & (IN_MOVED_TO | IN_ISDIR) == IN_MOVED_TO | IN_ISDIR
                    and not tree.pending_move(ev.cookie))
        tree.update(ev)
        if src_path is None or ev.is_watched:
            return
        if ev.is_rescan:
            if self._retreed.pop(src_path, None) is None:
                self._rescan(src_path, out, ev)
            return
        if moved_in and self._recursive:
            # Watch what is below it before the emitter lists it for its created events.
            self._watch_whole(ev)
            self._retreed[src_path] = self._reads
        out.append(InotifyEvent(ev.wd, ev.mask, ev.cookie, ev.name, src_path))

    def _watch_whole(self, ev: Event) -> None:
        try:
            self._tree.rewatch(self._inst, ev, self._mask)
        except OSError as err:
            if err.errno not in (errno.ENOENT, errno.ENOTDIR, errno.EACCES):
                logger.warning("rinotify: cannot watch %r: %s", self._tree.event_path(ev), err)

    def _rescan(self, path: bytes, out: list[InotifyEvent], ev: Event | None = None) -> None:
        """What watchdog emits for a directory whose contents it has not seen."""
        if self._recursive:
            self._watch_whole(ev if ev is not None else Event(self._tree.root_wd, 0, 0, b""))
        out.append(InotifyEvent(-1, IN_MODIFY | IN_ISDIR, 0, os.path.basename(path), path))
        if not self._recursive:
            return
        for root, dirnames, filenames in os.walk(path):
            for name in dirnames:
                out.append(InotifyEvent(-1, IN_CREATE | IN_ISDIR, 0, name, os.path.join(root, name)))
            for name in filenames:
                out.append(InotifyEvent(-1, IN_CREATE, 0, name, os.path.join(root, name)))


class RinotifyBuffer(InotifyBuffer):
    """watchdog's ``InotifyBuffer`` (it pairs moves) over a :class:`TreeReader`."""

    def __init__(self, path: bytes, *, recursive: bool = False, event_mask: int | None = None) -> None:
        BaseThread.__init__(self)
        self._queue = DelayedQueue["InotifyEvent | tuple[InotifyEvent, InotifyEvent]"](self.delay)
        self._inotify = TreeReader(path, recursive=recursive, event_mask=event_mask)  # type: ignore[assignment]
        self.start()


class RinotifyEmitter(InotifyEmitter):
    """watchdog's ``InotifyEmitter`` on /dev/rinotify; the same events, built by its code."""

    def __init__(self, event_queue: EventQueue, watch: ObservedWatch, **kwargs: object) -> None:
        super().__init__(event_queue, watch, **kwargs)  # type: ignore[arg-type]
        self.fallback = False

    def on_thread_start(self) -> None:
        path = os.fsencode(self.watch.path)
        event_mask = self.get_event_mask_from_filter()
        try:
            self._inotify = RinotifyBuffer(path, recursive=self.watch.is_recursive, event_mask=event_mask)
        except TreeUnsupported as err:
            warnings.warn(f"{err.strerror}: watching {self.watch.path!r} with watchdog's inotify reader "
                          "and its crawler, which misses files made in a new directory before it is watched",
                          CrawlerWarning, stacklevel=2)
            self.fallback = True
            super().on_thread_start()


class RinotifyFullEmitter(RinotifyEmitter):
    """``InotifyFullEmitter``'s events (unmatched moves as moves) on /dev/rinotify."""

    def queue_events(self, timeout: float, *, events: bool = True) -> None:  # type: ignore[override]
        super().queue_events(timeout, full_events=events)


class RinotifyObserver(BaseObserver):
    """watchdog's ``InotifyObserver`` on /dev/rinotify: a drop-in for ``Observer``."""

    def __init__(self, *, timeout: float = DEFAULT_OBSERVER_TIMEOUT, generate_full_events: bool = False) -> None:
        cls = RinotifyFullEmitter if generate_full_events else RinotifyEmitter
        super().__init__(cls, timeout=timeout)

