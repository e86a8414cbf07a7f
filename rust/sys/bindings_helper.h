/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C declarations rinotify needs that Linux 7.3's kernel::bindings leaves out:
 * fsnotify's backend API and user path lookup. Kbuild runs bindgen on this header with
 * the kernel's own C flags, so every struct layout comes from the real headers.
 */
#include <linux/fsnotify_backend.h>
#include <linux/inotify.h>
#include <linux/namei.h>

/* Function-like macros are invisible to bindgen; constants make them visible. */
const unsigned int RINOTIFY_LOOKUP_FOLLOW = LOOKUP_FOLLOW;
const unsigned int RINOTIFY_LOOKUP_DIRECTORY = LOOKUP_DIRECTORY;
const unsigned int RINOTIFY_INOTIFY_IOC_SETNEXTWD = INOTIFY_IOC_SETNEXTWD;
