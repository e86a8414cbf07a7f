# SPDX-License-Identifier: GPL-2.0
"""Errors that say what to do: the module missing, an old module, a limit reached."""

from __future__ import annotations

import errno
import os

SYSCTL_DIR = "/proc/sys/fs/rinotify"


class RinotifyUnavailable(FileNotFoundError):
    """/dev/rinotify does not exist: the rinotify module is not loaded."""


class TreeUnsupported(OSError):
    """ENOTTY from RINOTIFY_IOC_ADD_TREE: a module older than the tree watch."""


def unavailable(device: str) -> RinotifyUnavailable:
    """The error for a device node that is not there."""
    return RinotifyUnavailable(
        errno.ENOENT,
        f"{device} does not exist: the rinotify module is not loaded (load it with "
        "`insmod rinotify.ko`); without it, use the kernel's inotify instead, e.g. "
        "watchdog.observers.inotify.InotifyObserver in place of RinotifyObserver",
        device,
    )


def limit_error(err: OSError, what: str) -> OSError:
    """``err`` again, its message naming the sysctl to raise if it is a limit's errno."""
    if err.errno == errno.ENOSPC:
        sysctl = f"{SYSCTL_DIR}/max_user_watches"
        why = f"{what}: the user's watches reached the limit in {sysctl} (ENOSPC); raise it, as root: " \
            f"echo N > {sysctl}"
    elif err.errno == errno.EMFILE:
        sysctl = f"{SYSCTL_DIR}/max_user_instances"
        why = f"{what}: too many instances (EMFILE): the user's limit is {sysctl}, or the process's " \
            f"open files (ulimit -n); raise it, as root: echo N > {sysctl}"
    else:
        return err
    new = OSError(err.errno, why, *([err.filename] if err.filename is not None else []))
    new.__cause__ = err
    return new


def from_errno(code: int, what: str, path: str | bytes | None = None) -> OSError:
    """An OSError for a negative result of a batch entry, limits named as limit_error() does."""
    err = OSError(code, os.strerror(code), *([path] if path is not None else []))
    return limit_error(err, what)
