# SPDX-License-Identifier: GPL-2.0
"""An instance of /dev/rinotify: the ioctls through fcntl.ioctl, the records through os.read."""

from __future__ import annotations

import array
import errno
import fcntl
import os
from collections.abc import Iterable, Iterator, Sequence

from . import _abi
from .errors import TreeUnsupported, from_errno, limit_error, unavailable
from .records import Event, decode

DEVICE = "/dev/rinotify"
PathLike = str | bytes | os.PathLike[str] | os.PathLike[bytes]
# One entry of add_watches(): (path, mask) or (path, mask, dirfd).
WatchEntry = tuple[PathLike, int] | tuple[PathLike, int, int]


def _cstring(path: PathLike) -> array.array:
    """A NUL-terminated copy of path whose address the kernel can read while it lives."""
    raw = os.fsencode(path)
    if b"\0" in raw:
        raise ValueError(f"embedded NUL in path {raw!r}")
    return array.array("B", raw + b"\0")


def _address(buf: array.array) -> int:
    return buf.buffer_info()[0]


class Instance:
    """One inotify instance on /dev/rinotify, what ``inotify_init1()`` returns.

    ``nonblock`` and ``cloexec`` are ``IN_NONBLOCK`` and ``IN_CLOEXEC`` (``O_NONBLOCK`` and
    ``O_CLOEXEC`` of the open). The instance is a context manager and has ``fileno()``, so
    that ``select``, ``selectors`` and ``asyncio``'s ``add_reader`` take it.

    Raises :class:`~rinotify.errors.RinotifyUnavailable` if the device does not exist (the
    module is not loaded), and an ``OSError`` naming
    ``/proc/sys/fs/rinotify/max_user_instances`` at the limit (EMFILE).
    """

    def __init__(self, *, nonblock: bool = False, cloexec: bool = True, device: str | None = None) -> None:
        device = DEVICE if device is None else device
        flags = os.O_RDONLY
        if nonblock:
            flags |= os.O_NONBLOCK
        if cloexec:
            flags |= os.O_CLOEXEC
        self._fd = -1
        try:
            self._fd = os.open(device, flags)
        except FileNotFoundError:
            raise unavailable(device) from None
        except OSError as err:
            raise limit_error(err, f"open({device})") from None
        if not cloexec:
            # Python opens every descriptor close-on-exec (PEP 446), whatever the flags say.
            os.set_inheritable(self._fd, True)

    def fileno(self) -> int:
        """The file descriptor; ValueError once closed."""
        if self._fd < 0:
            raise ValueError("I/O operation on a closed rinotify instance")
        return self._fd

    @property
    def closed(self) -> bool:
        """Whether close() was called."""
        return self._fd < 0

    def close(self) -> None:
        """Closes the descriptor, and so the instance (its watches go with it)."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def __enter__(self) -> Instance:  # noqa: PYI034 (typing.Self is 3.11's)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def add_watch(self, path: PathLike, mask: int) -> int:
        """``inotify_add_watch()``: the watch descriptor of ``path``.

        ENOSPC is raised with ``/proc/sys/fs/rinotify/max_user_watches`` named.
        """
        name = _cstring(path)
        arg = bytearray(_abi.WATCH.pack(_address(name), mask, 0))
        try:
            return fcntl.ioctl(self.fileno(), _abi.RINOTIFY_IOC_ADD_WATCH, arg, True)
        except OSError as err:
            err.filename = os.fsdecode(path)
            raise limit_error(err, "add_watch") from None

    def rm_watch(self, wd: int) -> None:
        """``inotify_rm_watch()``: the watch goes, its IN_IGNORED is queued."""
        fcntl.ioctl(self.fileno(), _abi.RINOTIFY_IOC_RM_WATCH, wd)

    def add_watches(self, entries: Iterable[WatchEntry]) -> list[int | OSError]:
        """``RINOTIFY_IOC_ADD_WATCHES``: many watches, each entry's own result.

        Each entry is ``(path, mask)`` or ``(path, mask, dirfd)``, the path resolved relative
        to ``dirfd`` (default ``AT_FDCWD``) as ``openat()`` does. The result is a list in the
        entries' order: the wd, or the ``OSError`` that ``inotify_add_watch()`` would have
        raised for that entry (ENOSPC naming the sysctl). One failed entry does not stop the
        others. Batches of more than 4096 entries, and calls that return early (a signal),
        are continued from the first entry not processed.
        """
        items = [(e[0], e[1], e[2] if len(e) > 2 else _abi.AT_FDCWD) for e in entries]
        results: list[int | OSError] = []
        start = 0
        while start < len(items):
            chunk = items[start:start + _abi.RINOTIFY_MAX_WATCHES_PER_CALL]
            done = self._add_watches_chunk(chunk, results)
            start += done
        return results

    def _add_watches_chunk(self, chunk: Sequence[tuple[PathLike, int, int]], results: list[int | OSError]) -> int:
        names = [_cstring(path) for path, _, _ in chunk]
        table = array.array("B", bytes(_abi.WATCH_AT.size * len(chunk)))
        for i, ((_, mask, dirfd), name) in enumerate(zip(chunk, names, strict=True)):
            _abi.WATCH_AT.pack_into(table, i * _abi.WATCH_AT.size, _address(name), dirfd, mask, 0, 0)
        arg = bytearray(_abi.WATCHES.pack(_address(table), len(chunk), 0))
        while True:
            try:
                done = fcntl.ioctl(self.fileno(), _abi.RINOTIFY_IOC_ADD_WATCHES, arg, True)
                break
            except InterruptedError:
                continue
        for i in range(done):
            (result,) = _abi.struct_i32.unpack_from(table, i * _abi.WATCH_AT.size + _abi.WATCH_AT_RESULT)
            if result >= 0:
                results.append(result)
            else:
                results.append(from_errno(-result, "add_watches", os.fsdecode(chunk[i][0])))
        # The kernel stops early only for a pending signal (processed ones are written) or
        # an entry it cannot read: ours are all readable, so go on from the first not done.
        if done == 0:
            raise OSError(errno.EFAULT, "RINOTIFY_IOC_ADD_WATCHES processed no entry")
        return done

    def add_tree(self, path: PathLike, mask: int, *, dirfd: int = _abi.AT_FDCWD) -> int:
        """``RINOTIFY_IOC_ADD_TREE``: watch ``path`` and every directory below it; the root's wd.

        The queue then names each directory watched (``RIN_WATCHED`` records, which
        :class:`rinotify.Tree` turns into paths) and says where to read again
        (``RIN_RESCAN``). Raises :class:`~rinotify.errors.TreeUnsupported` (ENOTTY) on a
        module without the tree watch, and ENOSPC naming the sysctl.
        """
        name = _cstring(path)
        arg = bytearray(_abi.TREE.pack(_address(name), dirfd, mask, 0, 0))
        while True:
            try:
                return fcntl.ioctl(self.fileno(), _abi.RINOTIFY_IOC_ADD_TREE, arg, True)
            except InterruptedError:
                # The directories watched so far stay watched: calling again finishes the tree.
                continue
            except OSError as err:
                if err.errno == errno.ENOTTY:
                    raise TreeUnsupported(
                        errno.ENOTTY,
                        "RINOTIFY_IOC_ADD_TREE is not supported: the loaded rinotify module is older "
                        "than the tree watch; load a newer one, or watch each directory (a crawler)",
                        os.fsdecode(path),
                    ) from None
                err.filename = os.fsdecode(path)
                raise limit_error(err, "add_tree") from None

    def set_next_wd(self, wd: int) -> None:
        """``INOTIFY_IOC_SETNEXTWD``: the next watch gets ``wd`` if it is free (for checkpointing)."""
        fcntl.ioctl(self.fileno(), _abi.INOTIFY_IOC_SETNEXTWD, wd)

    def read(self, size: int = 65536) -> list[Event]:
        """The records one ``read()`` returns, decoded.

        Blocks for the first record unless the instance is non-blocking, where it returns
        ``[]`` when there is none. ``size`` must hold the longest record (16 bytes and a
        name of up to 256).
        """
        try:
            buf = os.read(self.fileno(), size)
        except BlockingIOError:
            return []
        return decode(buf)

    def __iter__(self) -> Iterator[Event]:
        """Every record, as read() returns them, until the instance is closed."""
        while not self.closed:
            yield from self.read()
