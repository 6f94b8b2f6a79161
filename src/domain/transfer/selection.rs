//! The keys a bulk action is about: every key under a prefix, or some chosen ones.

use crate::domain::{Key, KeySummary};
use serde::{Deserialize, Serialize};

/// Keys picked on a listing (or every key under its prefix) for an action on them all, at
/// `/bulk`: delete, export, copy or move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub prefix: Key,
    /// The revision the listing was read at; 0 for now.
    pub revision: i64,
    /// Every key under the prefix (else `keys`).
    #[serde(default)]
    pub all: bool,
    /// (An empty list is not sent at all in a form's encoding.)
    #[serde(default)]
    pub keys: Vec<Key>,
}

/// What a selection holds, before anything is done to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    /// The revision the keys were read at.
    pub revision: i64,
    /// How many keys the selection holds.
    pub total: i64,
    /// The first of them (every one, for a selection of keys), as they were then.
    pub keys: Vec<KeySummary>,
    /// Selected keys that did not exist at that revision.
    pub missing: Vec<Key>,
}

/// The key `key` (under `from`) becomes under `to`.
pub fn moved_key(key: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut moved = to.to_vec();
    moved.extend_from_slice(&key[from.len().min(key.len())..]);
    moved
}
