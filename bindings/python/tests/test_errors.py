# SPDX-License-Identifier: GPL-2.0
"""Errors a user can act on; no kernel module needed."""

import errno
import fcntl
import os

import pytest

import rinotify
from rinotify.errors import from_errno, limit_error


def test_missing_device_says_the_module_is_not_loaded_and_how_to_fall_back(tmp_path):
    with pytest.raises(rinotify.RinotifyUnavailable) as info:
        rinotify.Instance(device=str(tmp_path / "rinotify"))
    msg = str(info.value)
    assert "module is not loaded" in msg and "insmod" in msg and "InotifyObserver" in msg
    assert info.value.errno == errno.ENOENT and isinstance(info.value, FileNotFoundError)


def test_enotty_from_the_tree_ioctl_is_tree_unsupported(tmp_path):
    # /dev/null answers every ioctl with ENOTTY, as a module older than the ioctl does.
    with rinotify.Instance(device="/dev/null") as inst:
        with pytest.raises(rinotify.TreeUnsupported) as info:
            inst.add_tree(str(tmp_path), rinotify.IN_CREATE)
        assert info.value.errno == errno.ENOTTY and "older than the tree watch" in str(info.value)
        with pytest.raises(OSError) as plain:
            inst.add_watch(str(tmp_path), rinotify.IN_CREATE)
        assert plain.value.errno == errno.ENOTTY
    assert inst.closed
    with pytest.raises(ValueError):
        inst.fileno()


def test_limits_name_their_sysctl():
    enospc = limit_error(OSError(errno.ENOSPC, "No space left on device"), "add_watch")
    assert enospc.errno == errno.ENOSPC and "/proc/sys/fs/rinotify/max_user_watches" in str(enospc)
    emfile = limit_error(OSError(errno.EMFILE, "Too many open files"), "open")
    assert emfile.errno == errno.EMFILE and "/proc/sys/fs/rinotify/max_user_instances" in str(emfile)
    other = OSError(errno.ENOENT, "x")
    assert limit_error(other, "add_watch") is other
    entry = from_errno(errno.ENOSPC, "add_watches", "p")
    assert entry.filename == "p" and "max_user_watches" in str(entry)
    assert isinstance(from_errno(errno.ENOENT, "add_watches", "p"), FileNotFoundError)


def test_embedded_nul_is_refused_before_the_kernel():
    with rinotify.Instance(device="/dev/null") as inst, pytest.raises(ValueError, match="NUL"):
        inst.add_watch("a\0b", rinotify.IN_CREATE)


def test_open_flags_reach_the_descriptor():
    with rinotify.Instance(device="/dev/null") as a, \
            rinotify.Instance(device="/dev/null", nonblock=True, cloexec=False) as b:
        assert not os.get_inheritable(a.fileno()) and os.get_inheritable(b.fileno())
        assert not fcntl.fcntl(a.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
        assert fcntl.fcntl(b.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
