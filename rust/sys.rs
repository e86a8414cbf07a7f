// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the kernel C APIs that Linux 7.3's `kernel` crate does not cover.
//!
//! Every `unsafe` block of rinotify lives below this module; each file is one C facility
//! with a safe API, written the way an upstream abstraction would be. The inotify logic in
//! the rest of the crate uses only these and the `kernel` crate.

mod bindings;
pub(crate) mod chardev;
