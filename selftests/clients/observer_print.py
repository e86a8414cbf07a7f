#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the events a watchdog observer reports under a directory, one a line.

    observer_print.py inotify|rinotify DIR [ROOT]

Runs under the venv of bindings/python (watchdog pinned there, and rinotify installed):
"inotify" is watchdog's own InotifyObserver on native inotify, "rinotify" is
rinotify.watchdog.RinotifyObserver on /dev/rinotify, each with one recursive schedule
on DIR. Lines are "<event type> <file|dir> <path> [-> <destination>]", paths relative to
ROOT (DIR by default) so that runs in different directories compare equal. Prints "ready"
on stderr once the observer runs, with the seconds schedule() and start() took; stops on
SIGTERM.
"""

import os
import signal
import sys
import time

from watchdog.events import FileSystemEventHandler


class Printer(FileSystemEventHandler):
    """Prints each event: type, file or dir, path, and the destination of a move."""

    def __init__(self, root: str) -> None:
        super().__init__()
        self.root = root

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.root) if path else "-"

    def on_any_event(self, event) -> None:
        kind = "dir" if event.is_directory else "file"
        line = f"{event.event_type} {kind} {self.rel(event.src_path)}"
        if getattr(event, "dest_path", ""):
            line += f" -> {self.rel(event.dest_path)}"
        print(line, flush=True)


def main() -> None:
    backend, where = sys.argv[1], sys.argv[2]
    root = sys.argv[3] if len(sys.argv) > 3 else where
    if backend == "inotify":
        from watchdog.observers.inotify import InotifyObserver as Observer
    else:
        from rinotify.watchdog import RinotifyObserver as Observer
    # Block SIGTERM before the observer's threads start, so that they inherit the mask
    # and sigwait() below is the one place that receives it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    begin = time.monotonic()
    observer = Observer()
    observer.schedule(Printer(root), where, recursive=True)
    observer.start()
    print(f"ready {time.monotonic() - begin:.3f}", file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGTERM})
    observer.stop()
    observer.join()


if __name__ == "__main__":
    main()
