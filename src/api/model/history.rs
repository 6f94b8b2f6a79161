//! A key's history.

use super::*;
use crate::domain::{history::KeyHistory, watch::ChangeKind};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// One change in `KeyHistoryBody`: a write, with the version it made, or a delete.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct HistoryEntry {
    /// `put` or `delete`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub kind: ChangeKind,
    /// The revision of the change: read the value it wrote with `?revision=`.
    pub revision: i64,
    /// The key's version after it: 1 when created, 0 when deleted.
    pub version: i64,
    /// The size of the value written, in bytes (0 for a delete).
    pub value_size: u64,
    /// The lease the key was on, 0 for none.
    pub lease: i64,
    /// The lease id in hexadecimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_id: Option<String>,
    /// Whether this write created the key again after a delete.
    pub recreated: bool,
}

/// Answer of `GET /api/v1/keys/{key}/history`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct KeyHistoryBody {
    pub key: String,
    pub key_encoding: Encoding,
    /// Newest first.
    pub changes: Vec<HistoryEntry>,
    /// The store revision the history was read at.
    pub revision: i64,
    /// etcd keeps the changes from this revision on; the oldest entry may be the version the
    /// key had then, written earlier.
    pub kept_from: i64,
    /// Whether older changes are kept than `limit` let through.
    pub more: bool,
}

impl KeyHistoryBody {
    pub fn new(history: &KeyHistory, encoding: Encoding) -> Self {
        let (key, key_encoding) = encoding.encode(history.key.as_bytes());
        let changes = history
            .changes
            .iter()
            .enumerate()
            .map(|(i, change)| HistoryEntry {
                kind: change.kind,
                revision: change.revision,
                version: change.version,
                value_size: change.value_size,
                lease: change.lease,
                lease_id: lease_id(change.lease),
                recreated: history.recreated(i),
            });
        KeyHistoryBody {
            key,
            key_encoding,
            changes: changes.collect(),
            revision: history.revision,
            kept_from: history.kept_from,
            more: history.more,
        }
    }
}
