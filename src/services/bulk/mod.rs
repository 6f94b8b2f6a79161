//! Many keys at once: an export streamed at one revision, an import that is a dry run first and
//! then writes only keys nobody changed since the dry run's revision, a prefix deleted exactly
//! as a preview at a revision showed it, and copies and moves that overwrite only when asked.
//!
//! Every write is a transaction of at most [`MAX_TXN_OPS`] operations whose compares pin each
//! key to the mod revision it was read at: a key written meanwhile makes the transaction fail,
//! is read again and reported, and the rest are written.

mod delete;
mod export;
mod import;
mod pages;
mod pinned;
mod preview;
mod relocate;

pub use delete::{delete_keys, delete_prefix};
pub use export::{export, export_keys, Export};
pub use import::{import, import_turn, import_upload, pasted_text};
pub use preview::{preview, MAX_SELECTION};
pub use relocate::{copy, copy_keys, CopyRequest};

use super::caller::Written;
use crate::domain::{limits::MAX_TXN_OPS, transfer::BulkReport};

/// Transactions an import, copy or move has in flight at once.
const IN_FLIGHT: usize = 4;
/// Keys a copy or move writes in one transaction: each takes two compares (source unchanged,
/// target absent) and, for a move, two operations.
const PAIRS_PER_TXN: usize = MAX_TXN_OPS / 2;

impl Written for BulkReport {
    fn revision(&self) -> Option<i64> {
        self.written_revision
    }
}
