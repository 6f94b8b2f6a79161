//! Changes to keys, as etcd reports them to a watch: what views that follow the store are told.

use super::Key;
use serde::{Deserialize, Serialize};

/// Whether a key was written or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Put,
    Delete,
}

/// One change to one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub key: Key,
    /// The revision of the change.
    pub revision: i64,
    /// The key's version after the change: 1 when it was created, 0 when deleted.
    pub version: i64,
    /// The size of the value written, 0 for a delete.
    pub value_size: u64,
    /// The lease the key is on after the change, 0 for none.
    pub lease: i64,
}

/// What a watch saw next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// Changes, in revision order (several can share a revision: one transaction).
    Changes(Vec<Change>),
    /// etcd has compacted its history past the revision the watch was to start at: changes
    /// from that revision up to `compact_revision` are lost, and the watch has ended.
    Compacted { compact_revision: i64 },
}
