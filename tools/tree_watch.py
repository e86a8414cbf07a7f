#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Watch a directory tree through /dev/rinotify, with the rinotify package (bindings/python).

    pip install ./bindings/python
    python3 tree_watch.py DIR

One RINOTIFY_IOC_ADD_TREE watches DIR and every directory below it; each event is printed
as "<directory> <EVENT>[|<EVENT>...] [<name>]", the directory's path kept by rinotify.Tree
from the RIN_WATCHED records. A RIN_RESCAN says events may have been missed in a directory:
it is answered with a second tree watch on it, as the header asks (a directory moved into
the tree is watched, the directories below it are not). On a module without the tree
watch, rinotify.watch_tree() warns and crawls instead.
"""

import os
import sys

import rinotify

MASK = (rinotify.IN_CREATE | rinotify.IN_DELETE | rinotify.IN_MODIFY | rinotify.IN_MOVE
        | rinotify.IN_DELETE_SELF)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: tree_watch.py DIR")
    root = sys.argv[1].rstrip("/") or "/"
    with rinotify.Instance() as inst:
        tree = rinotify.watch_tree(inst, root, MASK)
        print("ready", flush=True)
        for ev in inst:
            where = tree.path(ev.wd)
            tree.update(ev)
            if ev.is_watched:
                continue
            if ev.is_rescan and where is not None:
                try:
                    tree.rewatch(inst, ev, MASK)
                except OSError as err:
                    print(f"# {err}", file=sys.stderr, flush=True)
            bits = "|".join(ev.mask_names)
            name = os.fsdecode(ev.name)
            where = os.fsdecode(where) if where is not None else "?"
            print(f"{where} {bits} {name}".rstrip(), flush=True)


if __name__ == "__main__":
    main()
