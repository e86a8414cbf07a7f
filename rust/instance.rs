// SPDX-License-Identifier: GPL-2.0

//! One inotify instance: the state behind one `open()` of `/dev/rinotify`.

use crate::sys::chardev::FileOps;
use kernel::{
    fs::File,
    prelude::*,
    sync::Arc, //
};

/// The state of one open `/dev/rinotify` file, what `inotify_init1()` creates.
pub(crate) struct Instance {}

#[vtable]
impl FileOps for Instance {
    type Ptr = Arc<Instance>;

    fn open(_file: &File) -> Result<Arc<Instance>> {
        Ok(Arc::new(Instance {}, GFP_KERNEL)?)
    }
}
