# SPDX-License-Identifier: GPL-2.0
"""The ABI of include/uapi/linux/rinotify.h and <linux/inotify.h>: numbers and layouts."""

from __future__ import annotations

import struct

# struct inotify_event's mask bits (<linux/inotify.h>).
IN_ACCESS = 0x00000001
IN_MODIFY = 0x00000002
IN_ATTRIB = 0x00000004
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
IN_OPEN = 0x00000020
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_UNMOUNT = 0x00002000
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_MASK_CREATE = 0x10000000
IN_MASK_ADD = 0x20000000
IN_ISDIR = 0x40000000
IN_ONESHOT = 0x80000000
IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO
IN_ALL_EVENTS = 0x00000FFF

# Records of tree watches (rinotify.h): bits inotify does not use.
RIN_WATCHED = 0x00100000
RIN_RESCAN = 0x00200000

AT_FDCWD = -100
RINOTIFY_MAX_WATCHES_PER_CALL = 4096

# The names of the bits, for printing; RIN_* after IN_*, flags after events.
MASK_NAMES: tuple[tuple[int, str], ...] = (
    (IN_ACCESS, "ACCESS"),
    (IN_MODIFY, "MODIFY"),
    (IN_ATTRIB, "ATTRIB"),
    (IN_CLOSE_WRITE, "CLOSE_WRITE"),
    (IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"),
    (IN_OPEN, "OPEN"),
    (IN_MOVED_FROM, "MOVED_FROM"),
    (IN_MOVED_TO, "MOVED_TO"),
    (IN_CREATE, "CREATE"),
    (IN_DELETE, "DELETE"),
    (IN_DELETE_SELF, "DELETE_SELF"),
    (IN_MOVE_SELF, "MOVE_SELF"),
    (IN_UNMOUNT, "UNMOUNT"),
    (IN_Q_OVERFLOW, "Q_OVERFLOW"),
    (IN_IGNORED, "IGNORED"),
    (RIN_WATCHED, "WATCHED"),
    (RIN_RESCAN, "RESCAN"),
    (IN_ISDIR, "ISDIR"),
)

# struct inotify_event without its name: wd, mask, cookie, len.
EVENT_HEADER = struct.Struct("=iIII")
# struct rinotify_watch: pathname, mask, reserved.
WATCH = struct.Struct("=QII")
# struct rinotify_watch_at: pathname, dirfd, mask, result, reserved.
WATCH_AT = struct.Struct("=QiIiI")
# struct rinotify_watches: entries, count, flags.
WATCHES = struct.Struct("=QII")
# struct rinotify_tree: pathname, dirfd, mask, flags, reserved.
TREE = struct.Struct("=QiIII")
# The offset of rinotify_watch_at's result (after pathname, dirfd and mask).
WATCH_AT_RESULT = 16


def _ioc(direction: int, kind: str, nr: int, size: int) -> int:
    """The kernel's _IOC(): direction in bits 30-31, size in 16-29, type in 8-15, number in 0-7."""
    return (direction << 30) | (size << 16) | (ord(kind) << 8) | nr


def _iow(kind: str, nr: int, size: int) -> int:
    """_IOW(): the caller writes the argument (direction 1)."""
    return _ioc(1, kind, nr, size)


RINOTIFY_IOC_ADD_WATCH = _iow("I", 0x80, WATCH.size)
RINOTIFY_IOC_RM_WATCH = _ioc(0, "I", 0x84, 0)
RINOTIFY_IOC_ADD_WATCHES = _iow("I", 0x82, WATCHES.size)
RINOTIFY_IOC_ADD_TREE = _iow("I", 0x83, TREE.size)
INOTIFY_IOC_SETNEXTWD = _iow("I", 0, 4)  # _IOW('I', 0, __s32)
# One __s32, as a batch entry's result.
struct_i32 = struct.Struct("=i")
