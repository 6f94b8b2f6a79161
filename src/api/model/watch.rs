//! Watch: its query, and the events its answer streams.

use super::*;
use crate::domain::{
    watch::{Change, ChangeKind, Snippet},
    AppError, Key,
};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /api/v1/watch`.
#[cfg(feature = "ssr")]
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WatchQuery {
    /// Watch the keys starting with this (all keys when empty).
    pub prefix: Option<String>,
    /// The first revision to send changes of: earlier changes are sent first, as far back as
    /// etcd's compaction allows. Without it, changes from now on. A `Last-Event-ID` header (sent
    /// by a browser's `EventSource` when it reconnects) goes before it: changes after that
    /// revision are sent.
    #[param(minimum = 1)]
    pub start_revision: Option<i64>,
    /// How `prefix` is written, and how keys (and values) are sent.
    #[serde(default)]
    pub encoding: Encoding,
    /// `true`: each change carries the start of its value (`value`) and of the value before it
    /// (`prev_value`), up to 1 KiB of each.
    pub values: Option<bool>,
}

/// A `put` or `delete` event of `GET /api/v1/watch`; its event id is `revision`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct WatchChange {
    pub key: String,
    pub key_encoding: Encoding,
    /// The revision of the change.
    pub revision: i64,
    /// The key's version after it: 1 when created, 0 when deleted.
    pub version: i64,
    /// The size of the value written, in bytes (0 for a delete).
    pub value_size: u64,
    /// The lease the key is on, 0 for none.
    pub lease: i64,
    /// The lease id in hexadecimal, as `/api/v1/leases/{id}` takes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_id: Option<String>,
    /// With `values=true`, for a put: the value written, up to its first 1 KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<WatchValue>,
    /// With `values=true`: the value before the change, up to its first 1 KiB, when the key
    /// had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_value: Option<WatchValue>,
}

/// The start of a value, in a `WatchChange`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct WatchValue {
    /// Up to the first 1 KiB of the value, written as `encoding` says.
    pub data: String,
    pub encoding: Encoding,
    /// The whole value's size, in bytes.
    pub size: u64,
    /// Whether `data` is only the start of the value.
    pub cut: bool,
}

/// The `compacted` event of `GET /api/v1/watch`: etcd compacted the changes from
/// `from_revision` up to `compact_revision` away before they were sent, so some of them are
/// lost; read the keys again. Changes from `compact_revision` on follow; the event's id is the
/// revision before it.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct WatchCompacted {
    pub from_revision: i64,
    pub compact_revision: i64,
}

/// The `resync` event of `GET /api/v1/watch`: the client fell too far behind to be kept up and
/// the stream ends. Read the keys again and watch from the revision read.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct WatchResync {
    /// The last revision whose changes were sent.
    pub revision: i64,
    /// How many changes the server holds for a client that falls behind.
    pub limit: u64,
}

impl WatchChange {
    /// The change as the pages show it, the event's name saying its `kind`.
    pub fn change(self, kind: ChangeKind) -> Result<Change, AppError> {
        Ok(Change {
            kind,
            key: Key::new(self.key_encoding.decode(&self.key, "key")?),
            revision: self.revision,
            version: self.version,
            value_size: self.value_size,
            lease: self.lease,
            value: self.value.and_then(WatchValue::snippet),
            previous: self.prev_value.and_then(WatchValue::snippet),
        })
    }
}

impl WatchValue {
    /// The start of the value it carries, if it reads as its encoding says.
    pub fn snippet(self) -> Option<Snippet> {
        Some(Snippet {
            bytes: self.encoding.decode(&self.data, "value").ok()?,
            size: self.size,
        })
    }
}
