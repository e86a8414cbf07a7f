# SPDX-License-Identifier: GPL-2.0
"""Decoding read()'s records: no kernel needed."""

import struct

import pytest

import rinotify
from rinotify import Event, decode, encode


def raw(wd, mask, cookie, name=b"", pad=16):
    length = 0 if not name else (len(name) + 1 + pad - 1) // pad * pad
    return struct.pack("=iIII", wd, mask, cookie, length) + name.ljust(length, b"\0")


def test_plain_events_in_order():
    buf = raw(1, rinotify.IN_CREATE, 0, b"a") + raw(1, rinotify.IN_MODIFY, 0, b"longer-name.txt") + \
        raw(1, rinotify.IN_DELETE_SELF, 0)
    assert decode(buf) == [
        Event(1, rinotify.IN_CREATE, 0, b"a"),
        Event(1, rinotify.IN_MODIFY, 0, b"longer-name.txt"),
        Event(1, rinotify.IN_DELETE_SELF, 0, b""),
    ]


def test_name_exactly_filling_its_padding():
    # 15 bytes and the NUL fill 16: no more padding.
    (ev,) = decode(raw(3, rinotify.IN_CREATE, 0, b"x" * 15))
    assert ev.name == b"x" * 15


def test_tree_records_are_recognisable():
    watched, rescan, create = decode(
        raw(2, rinotify.RIN_WATCHED | rinotify.IN_ISDIR, 1, b"sub")
        + raw(2, rinotify.RIN_RESCAN, 0)
        + raw(2, rinotify.IN_CREATE | rinotify.IN_ISDIR, 0, b"d")
    )
    assert watched.is_watched and watched.is_dir and not watched.is_rescan
    assert watched.cookie == 1 and watched.name == b"sub"
    assert rescan.is_rescan and not rescan.is_watched and rescan.name == b""
    assert not create.is_watched and not create.is_rescan and create.is_dir
    assert watched.mask_names == ["WATCHED", "ISDIR"]
    assert rescan.mask_names == ["RESCAN"]


def test_overflow_and_ignored():
    overflow, ignored = decode(raw(-1, rinotify.IN_Q_OVERFLOW, 0) + raw(7, rinotify.IN_IGNORED, 0))
    assert overflow.is_overflow and overflow.wd == -1
    assert ignored.is_ignored and not ignored.is_overflow


def test_unknown_bits_are_named_in_hex():
    assert rinotify.mask_names(rinotify.IN_CREATE | 0x00800000) == ["CREATE", "0x800000"]


def test_non_utf8_name_is_kept_as_bytes():
    (ev,) = decode(raw(1, rinotify.IN_CREATE, 0, b"\xff\xfe"))
    assert ev.name == b"\xff\xfe"


def test_truncated_buffers_raise():
    buf = raw(1, rinotify.IN_CREATE, 0, b"name")
    with pytest.raises(ValueError, match="less than an event header"):
        decode(buf + b"\0" * 8)
    with pytest.raises(ValueError, match="name of 16 bytes"):
        decode(buf[:-1])


def test_empty_read():
    assert decode(b"") == []


def test_encode_is_decodes_inverse():
    events = [Event(1, rinotify.IN_CREATE, 0, b"a" * n) for n in range(40)]
    assert decode(encode(events)) == events
    assert len(encode([Event(1, 0, 0, b"abc")])) == 32
