# SPDX-License-Identifier: GPL-2.0
"""Decoding what read() returns: struct inotify_event records, as named tuples."""

from __future__ import annotations

from typing import NamedTuple

from ._abi import (
    EVENT_HEADER,
    IN_IGNORED,
    IN_ISDIR,
    IN_Q_OVERFLOW,
    MASK_NAMES,
    RIN_RESCAN,
    RIN_WATCHED,
)


class Event(NamedTuple):
    """One struct inotify_event record.

    ``name`` is the name without its NUL padding (``b""`` for none). For the records of a
    tree watch, :attr:`is_watched` (``RIN_WATCHED``: ``wd`` is a directory now watched,
    ``cookie`` its parent's wd, 0 for the root) and :attr:`is_rescan` (``RIN_RESCAN``:
    events may have been missed in or below the directory ``name`` names in ``wd``, or
    ``wd``'s own directory if there is no name) tell them from events.
    """

    wd: int
    mask: int
    cookie: int
    name: bytes

    @property
    def is_watched(self) -> bool:
        """A RIN_WATCHED record: the directory ``wd`` is watched (tree watches)."""
        return bool(self.mask & RIN_WATCHED)

    @property
    def is_rescan(self) -> bool:
        """A RIN_RESCAN record: the client should read the directory again (tree watches)."""
        return bool(self.mask & RIN_RESCAN)

    @property
    def is_ignored(self) -> bool:
        """IN_IGNORED: the watch ``wd`` is gone."""
        return bool(self.mask & IN_IGNORED)

    @property
    def is_overflow(self) -> bool:
        """IN_Q_OVERFLOW: the queue was full (max_queued_events) and events were lost."""
        return bool(self.mask & IN_Q_OVERFLOW)

    @property
    def is_dir(self) -> bool:
        """IN_ISDIR: the subject of the event is a directory."""
        return bool(self.mask & IN_ISDIR)

    @property
    def mask_names(self) -> list[str]:
        """The names of the mask's bits, as in ``["CREATE", "ISDIR"]``."""
        return mask_names(self.mask)


def mask_names(mask: int) -> list[str]:
    """The names of ``mask``'s bits (without ``IN_``/``RIN_``), unknown bits in hex."""
    names = [name for bit, name in MASK_NAMES if mask & bit]
    rest = mask
    for bit, _ in MASK_NAMES:
        rest &= ~bit
    if rest:
        names.append(hex(rest))
    return names


def decode(buf: bytes | bytearray | memoryview) -> list[Event]:
    """The records of one read() of an instance, in order.

    Raises ValueError if ``buf`` ends inside a record: the kernel returns whole records
    only, so that is a buffer that did not come whole from read().
    """
    events = []
    view = memoryview(buf)
    off = 0
    end = len(view)
    while off < end:
        if end - off < EVENT_HEADER.size:
            raise ValueError(f"{end - off} bytes at offset {off}: less than an event header")
        wd, mask, cookie, length = EVENT_HEADER.unpack_from(view, off)
        off += EVENT_HEADER.size
        if length > end - off:
            raise ValueError(f"event at offset {off - EVENT_HEADER.size}: name of {length} bytes, {end - off} left")
        name = bytes(view[off:off + length]).split(b"\0", 1)[0]
        off += length
        events.append(Event(wd, mask, cookie, name))
    return events


def encode(events: list[Event]) -> bytes:
    """Records as the kernel lays them out (names NUL-padded to 16 bytes): for tests."""
    out = bytearray()
    for ev in events:
        name = ev.name
        length = 0
        if name:
            length = (len(name) + 1 + 15) // 16 * 16
        out += EVENT_HEADER.pack(ev.wd, ev.mask, ev.cookie, length)
        out += name.ljust(length, b"\0")
    return bytes(out)
