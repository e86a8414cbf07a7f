#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the events watchdog's inotify observer reports under a directory, one a line.

    watchdog_print.py DIR

Prints "ready" on stderr once the observer runs; stops on SIGTERM. Paths are printed
relative to DIR, so that runs in different directories compare equal.
"""
import os
import signal
import sys

from watchdog.events import FileSystemEventHandler
from watchdog.observers.inotify import InotifyObserver


class Printer(FileSystemEventHandler):
    """Prints each event: type, file or dir, path, and the destination of a move."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def on_any_event(self, event):
        kind = "dir" if event.is_directory else "file"
        line = f"{event.event_type} {kind} {os.path.relpath(event.src_path, self.root)}"
        dest = getattr(event, "dest_path", "")
        if dest:
            line += f" -> {os.path.relpath(dest, self.root)}"
        print(line, flush=True)


def main():
    root = sys.argv[1]
    # Block SIGTERM before the observer's threads start, so that they inherit the mask
    # and sigwait() below is the one place that receives it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    observer = InotifyObserver()
    observer.schedule(Printer(root), root, recursive=True)
    observer.start()
    print("ready", file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGTERM})
    observer.stop()
    observer.join()


if __name__ == "__main__":
    main()
