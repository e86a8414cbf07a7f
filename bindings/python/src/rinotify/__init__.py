# SPDX-License-Identifier: GPL-2.0
"""rinotify: /dev/rinotify from Python, with no compiled part.

/dev/rinotify is Linux's inotify as a kernel module written in Rust, with two ioctls
inotify lacks: many watches in one call, and a whole tree in one call that follows the
tree as it changes, without the race of user-space crawlers::

    import rinotify

    with rinotify.Instance() as inst:
        tree = rinotify.watch_tree(inst, "src", rinotify.IN_CREATE | rinotify.IN_MODIFY)
        for ev in inst:
            tree.update(ev)
            if not ev.is_watched:
                print(tree.event_path(ev), ev.mask_names)

:class:`Instance` is one instance (``inotify_init1()``), :class:`Event` one record,
:class:`Tree` the paths of a tree watch. ``rinotify.watchdog.RinotifyObserver`` is a
watchdog observer on tree watches. The ABI is include/uapi/linux/rinotify.h.
"""

from __future__ import annotations

from ._abi import (
    AT_FDCWD,
    IN_ACCESS,
    IN_ALL_EVENTS,
    IN_ATTRIB,
    IN_CLOSE,
    IN_CLOSE_NOWRITE,
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_DONT_FOLLOW,
    IN_EXCL_UNLINK,
    IN_IGNORED,
    IN_ISDIR,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_MODIFY,
    IN_MOVE,
    IN_MOVE_SELF,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_ONESHOT,
    IN_ONLYDIR,
    IN_OPEN,
    IN_Q_OVERFLOW,
    IN_UNMOUNT,
    RIN_RESCAN,
    RIN_WATCHED,
    RINOTIFY_IOC_ADD_TREE,
    RINOTIFY_IOC_ADD_WATCH,
    RINOTIFY_IOC_ADD_WATCHES,
    RINOTIFY_IOC_RM_WATCH,
    RINOTIFY_MAX_WATCHES_PER_CALL,
)
from .errors import RinotifyUnavailable, TreeUnsupported
from .instance import DEVICE, Instance
from .records import Event, decode, encode, mask_names
from .tree import CrawlerWarning, Tree, watch_tree

__all__ = [
    "AT_FDCWD",
    "DEVICE",
    "IN_ACCESS",
    "IN_ALL_EVENTS",
    "IN_ATTRIB",
    "IN_CLOSE",
    "IN_CLOSE_NOWRITE",
    "IN_CLOSE_WRITE",
    "IN_CREATE",
    "IN_DELETE",
    "IN_DELETE_SELF",
    "IN_DONT_FOLLOW",
    "IN_EXCL_UNLINK",
    "IN_IGNORED",
    "IN_ISDIR",
    "IN_MASK_ADD",
    "IN_MASK_CREATE",
    "IN_MODIFY",
    "IN_MOVE",
    "IN_MOVED_FROM",
    "IN_MOVED_TO",
    "IN_MOVE_SELF",
    "IN_ONESHOT",
    "IN_ONLYDIR",
    "IN_OPEN",
    "IN_Q_OVERFLOW",
    "IN_UNMOUNT",
    "RINOTIFY_IOC_ADD_TREE",
    "RINOTIFY_IOC_ADD_WATCH",
    "RINOTIFY_IOC_ADD_WATCHES",
    "RINOTIFY_IOC_RM_WATCH",
    "RINOTIFY_MAX_WATCHES_PER_CALL",
    "RIN_RESCAN",
    "RIN_WATCHED",
    "CrawlerWarning",
    "Event",
    "Instance",
    "RinotifyUnavailable",
    "Tree",
    "TreeUnsupported",
    "decode",
    "encode",
    "mask_names",
    "watch_tree",
]
