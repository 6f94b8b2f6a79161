//! Keys: the list, one key, what a write sends and answers.

use super::*;
use crate::domain::{history::KeyNow, AppError, Key, KeyDetail, KeySummary};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /api/v1/keys`.
#[cfg(feature = "ssr")]
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// List the keys starting with this (all keys when empty).
    pub prefix: Option<String>,
    /// Keys per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Read at this store revision: pass the first page's `revision` with every later page, so
    /// that the pages are one snapshot. A revision etcd has compacted is answered with 410.
    #[param(minimum = 1)]
    pub revision: Option<i64>,
    /// Include each key's value.
    #[serde(default)]
    pub values: bool,
    /// With a past `revision`: say what became of each key since (`now`: `unchanged`,
    /// `changed` or `deleted`), read in one more request.
    #[serde(default)]
    pub compare_now: bool,
    /// How keys, values and the prefix are written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// Query of the single-key endpoints.
#[cfg(feature = "ssr")]
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyQuery {
    /// How the key in the path and the values are written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// Query of `GET /api/v1/keys/{key}` and `GET /api/v1/keys/{key}/history`.
#[cfg(feature = "ssr")]
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyReadQuery {
    /// The key as it was at this revision (single key only), as far back as etcd's compaction
    /// allows.
    #[param(minimum = 1)]
    pub revision: Option<i64>,
    /// How many changes a history lists, newest first (100 unless given; at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// `true`: the value's bytes alone, as a file to save (`application/octet-stream`, named
    /// after the key's last segment).
    pub raw: Option<bool>,
}

/// A key with its metadata, and its value when asked for.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct KeyEntry {
    pub key: String,
    pub key_encoding: Encoding,
    pub version: i64,
    pub create_revision: i64,
    pub mod_revision: i64,
    /// The lease id, 0 for none.
    pub lease: i64,
    /// The lease id in hexadecimal, as `/api/v1/leases/{id}` takes it (and exact in JavaScript,
    /// whose numbers hold 53 bits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_encoding: Option<Encoding>,
    /// What became of the key since the page's revision, when asked (`compare_now`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub now: Option<KeyNow>,
}

impl KeyEntry {
    /// The key and its metadata as read back from the API (no value, no time left on a lease).
    pub fn summary(&self) -> Result<KeySummary, AppError> {
        Ok(KeySummary {
            key: Key::new(self.key_encoding.decode(&self.key, "key")?),
            version: self.version,
            create_revision: self.create_revision,
            mod_revision: self.mod_revision,
            lease: self.lease,
            lease_left: None,
            value: None,
            value_size: None,
        })
    }

    pub fn new(summary: &KeySummary, value: Option<&[u8]>, encoding: Encoding) -> Self {
        let (key, key_encoding) = encoding.encode(summary.key.as_bytes());
        let value = value.map(|bytes| encoding.encode(bytes));
        KeyEntry {
            key,
            key_encoding,
            version: summary.version,
            create_revision: summary.create_revision,
            mod_revision: summary.mod_revision,
            lease: summary.lease,
            lease_id: lease_id(summary.lease),
            value_encoding: value.as_ref().map(|(_, encoding)| *encoding),
            value: value.map(|(text, _)| text),
            now: None,
        }
    }
}

/// One page of keys.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct KeyPage {
    pub keys: Vec<KeyEntry>,
    /// Whether there are more keys after this page.
    pub more: bool,
    /// Pass as `after` to get the next page.
    pub next: Option<String>,
    /// The store revision the page was read at: pass it as `revision` with the next page.
    pub revision: i64,
    /// How many keys there are under the prefix in all, at that revision.
    pub count: i64,
    /// True when etcd had no quorum and the page was read from one member: it may be stale.
    pub stale: bool,
}

/// A key read at one revision.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct KeyValueBody {
    #[serde(flatten)]
    pub entry: KeyEntry,
    /// The store revision it was read (or deleted) at.
    pub revision: i64,
}

impl KeyValueBody {
    pub fn new(detail: &KeyDetail, encoding: Encoding) -> Self {
        KeyValueBody {
            entry: KeyEntry::new(&detail.summary, Some(detail.value.as_bytes()), encoding),
            revision: detail.revision,
        }
    }
}

/// Body of `PUT /api/v1/keys/{key}`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct PutBody {
    pub value: String,
    /// Seconds until the key expires, on a new lease (at most a year).
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 31536000))]
    pub ttl: Option<i64>,
    /// An existing lease to attach the key to, in hexadecimal.
    #[cfg_attr(
        feature = "ssr",
        schema(pattern = r"^0*([1-9a-fA-F][0-9a-fA-F]{0,14}|[1-7][0-9a-fA-F]{15})$")
    )]
    pub lease: Option<String>,
    /// Keep the key on the lease it has (the key must exist). Without `ttl`, `lease` or
    /// `keep_lease`, the key has no lease after the write, as with etcd's own put.
    #[serde(default)]
    pub keep_lease: bool,
}

/// Body of `POST /api/v1/restore`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct RestoreBody {
    /// The key, written as the `encoding` query parameter says.
    #[cfg_attr(feature = "ssr", schema(min_length = 1))]
    pub key: String,
    /// Write back the value the key had at this revision.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub revision: i64,
    /// The key's mod revision as the client last saw it: the write happens only if the key is
    /// still there. Leave it out for a key that was deleted: the write happens only if it is
    /// still absent.
    pub mod_revision: Option<i64>,
}

/// Body of `POST /api/v1/undelete`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct UndeleteBody {
    /// Bring the keys back as they were at this revision.
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub revision: i64,
    /// 1 to 128 keys, none empty, written as the `encoding` query parameter says.
    #[cfg_attr(feature = "ssr", schema(min_items = 1, max_items = 128))]
    pub keys: Vec<String>,
}

/// Body of `POST /api/v1/keys/{key}/append`.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct AppendBody {
    /// Any JSON value, appended as the array's last item.
    #[cfg_attr(feature = "ssr", schema(value_type = Value))]
    pub value: serde_json::Value,
}

/// What a write did.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct WriteResult {
    /// The store revision the write created.
    pub revision: i64,
}

/// What an append did.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct AppendResult {
    pub revision: i64,
    /// The array's length after the append.
    pub length: usize,
}
