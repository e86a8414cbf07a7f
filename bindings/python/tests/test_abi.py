# SPDX-License-Identifier: GPL-2.0
"""The numbers and layouts in rinotify._abi against the C header, compiled."""

import os
import shutil
import subprocess

import pytest

from rinotify import _abi

HEADER_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "include", "uapi")

PROGRAM = r"""
#include <stddef.h>
#include <stdio.h>
#include <linux/rinotify.h>
int main(void)
{
    printf("%lu %lu %lu %lu %lu\n", (unsigned long)RINOTIFY_IOC_ADD_WATCH,
           (unsigned long)RINOTIFY_IOC_RM_WATCH, (unsigned long)RINOTIFY_IOC_ADD_WATCHES,
           (unsigned long)RINOTIFY_IOC_ADD_TREE, (unsigned long)INOTIFY_IOC_SETNEXTWD);
    printf("%zu %zu %zu %zu %zu %zu\n", sizeof(struct rinotify_watch),
           sizeof(struct rinotify_watch_at), sizeof(struct rinotify_watches),
           sizeof(struct rinotify_tree), sizeof(struct inotify_event),
           offsetof(struct rinotify_watch_at, result));
    printf("%u %u %u %d\n", RIN_WATCHED, RIN_RESCAN, IN_ALL_EVENTS, RINOTIFY_MAX_WATCHES_PER_CALL);
    return 0;
}
"""


@pytest.fixture(scope="module")
def header_values(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or not os.path.isdir(HEADER_DIR):
        pytest.skip("no C compiler or no include/uapi (run from the source tree)")
    d = tmp_path_factory.mktemp("abi")
    src = d / "abi.c"
    src.write_text(PROGRAM)
    subprocess.run([cc, "-I", HEADER_DIR, "-o", str(d / "abi"), str(src)], check=True)
    out = subprocess.run([str(d / "abi")], check=True, capture_output=True, text=True).stdout
    return [[int(x) for x in line.split()] for line in out.splitlines()]


def test_ioctl_numbers(header_values):
    assert header_values[0] == [
        _abi.RINOTIFY_IOC_ADD_WATCH,
        _abi.RINOTIFY_IOC_RM_WATCH,
        _abi.RINOTIFY_IOC_ADD_WATCHES,
        _abi.RINOTIFY_IOC_ADD_TREE,
        _abi.INOTIFY_IOC_SETNEXTWD,
    ]


def test_struct_layouts(header_values):
    assert header_values[1] == [
        _abi.WATCH.size,
        _abi.WATCH_AT.size,
        _abi.WATCHES.size,
        _abi.TREE.size,
        _abi.EVENT_HEADER.size,
        _abi.WATCH_AT_RESULT,
    ]


def test_bits(header_values):
    assert header_values[2] == [_abi.RIN_WATCHED, _abi.RIN_RESCAN, _abi.IN_ALL_EVENTS,
                                _abi.RINOTIFY_MAX_WATCHES_PER_CALL]
