#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Watch a directory tree through /dev/rinotify, from Python with ctypes only.

    python3 tree_watch.py DIR

One RINOTIFY_IOC_ADD_TREE watches DIR and every directory below it; each event is printed
as "<directory> <EVENT>[|<EVENT>...] [<name>]", with the directory's path learnt from the
RIN_WATCHED records (include/uapi/linux/rinotify.h). A RIN_RESCAN without a name (a
directory moved into the tree) is answered with a second RINOTIFY_IOC_ADD_TREE on it, as
the header asks.
"""

import ctypes
import fcntl
import os
import struct
import sys

IN_MODIFY = 0x00000002
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_IGNORED = 0x00008000
IN_ISDIR = 0x40000000
RIN_WATCHED = 0x00100000
RIN_RESCAN = 0x00200000
AT_FDCWD = -100

NAMES = {
    IN_MODIFY: "MODIFY", IN_MOVED_FROM: "MOVED_FROM", IN_MOVED_TO: "MOVED_TO",
    IN_CREATE: "CREATE", IN_DELETE: "DELETE", IN_DELETE_SELF: "DELETE_SELF",
    IN_IGNORED: "IGNORED", IN_ISDIR: "ISDIR", RIN_RESCAN: "RESCAN",
}


class RinotifyTree(ctypes.Structure):
    """struct rinotify_tree: the same 24 bytes for 32- and 64-bit callers."""
    _fields_ = [
        ("pathname", ctypes.c_uint64),
        ("dirfd", ctypes.c_int32),
        ("mask", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
    ]


def _iow(kind, nr, size):
    """The kernel's _IOW(): write direction (1) in bits 30-31, the size in bits 16-29."""
    return (1 << 30) | (size << 16) | (ord(kind) << 8) | nr


RINOTIFY_IOC_ADD_TREE = _iow("I", 0x83, ctypes.sizeof(RinotifyTree))
MASK = IN_CREATE | IN_DELETE | IN_MODIFY | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF
HEADER = struct.Struct("iIII")


def add_tree(fd, path):
    """RINOTIFY_IOC_ADD_TREE on path: the root's wd."""
    name = ctypes.create_string_buffer(os.fsencode(path))
    tree = RinotifyTree(pathname=ctypes.addressof(name), dirfd=AT_FDCWD, mask=MASK)
    # A mutable buffer is passed by address, as the ioctl's pointer argument.
    return fcntl.ioctl(fd, RINOTIFY_IOC_ADD_TREE, tree, True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tree_watch.py DIR")
    root = sys.argv[1].rstrip("/") or "/"
    fd = os.open("/dev/rinotify", os.O_RDONLY | os.O_CLOEXEC)
    paths = {add_tree(fd, root): root}
    print("ready", flush=True)
    while True:
        buf = os.read(fd, 65536)
        off = 0
        while off < len(buf):
            wd, mask, cookie, length = HEADER.unpack_from(buf, off)
            name = buf[off + HEADER.size:off + HEADER.size + length].rstrip(b"\0")
            name = os.fsdecode(name)
            off += HEADER.size + length
            if mask & RIN_WATCHED:
                if cookie in paths:
                    paths[wd] = os.path.join(paths[cookie], name)
                continue
            where = paths.get(wd, "?")
            if mask & RIN_RESCAN and not name:
                add_tree(fd, where)
            if mask & IN_IGNORED:
                paths.pop(wd, None)
            bits = "|".join(n for bit, n in NAMES.items() if mask & bit)
            print(f"{where} {bits} {name}".rstrip(), flush=True)


if __name__ == "__main__":
    main()
