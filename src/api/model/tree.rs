//! The tree: one level of folders and keys.

use super::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /api/v1/tree`.
#[cfg(feature = "ssr")]
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TreeQuery {
    /// The level's prefix (the whole keyspace when empty).
    pub prefix: Option<String>,
    /// What separates the levels of a key (default `/`).
    #[param(min_length = 1)]
    pub delimiter: Option<String>,
    /// Entries per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Read at this store revision: pass the first page's `revision` with every later page.
    #[param(minimum = 1)]
    pub revision: Option<i64>,
    /// How the prefix, the delimiter, names and keys are written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// One entry of a tree level.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct TreeEntryBody {
    /// `folder` or `key`.
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub kind: crate::domain::tree::EntryKind,
    /// The rest of the key after the prefix; for a folder, up to its delimiter.
    pub name: String,
    /// A key's whole key; a folder's prefix (list it as the next level's `prefix`).
    pub key: String,
    /// How `name` and `key` are written.
    pub encoding: Encoding,
    /// How many keys the folder holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// Whether `count` is exact (it always is, for now).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_exact: Option<bool>,
}

impl TreeEntryBody {
    pub fn new(entry: &crate::domain::tree::TreeEntry, encoding: Encoding) -> Self {
        let bytes_encoding = |bytes: &[u8]| encoding.encode(bytes).1;
        // Name and key share one encoding, so that a client reads them alike.
        let shared = match (
            bytes_encoding(entry.name.as_bytes()),
            bytes_encoding(entry.key.as_bytes()),
        ) {
            (Encoding::Utf8, Encoding::Utf8) => Encoding::Utf8,
            _ => Encoding::Base64,
        };
        TreeEntryBody {
            kind: entry.kind,
            name: shared.encode(entry.name.as_bytes()).0,
            key: shared.encode(entry.key.as_bytes()).0,
            encoding: shared,
            count: entry.count,
            count_exact: entry.count.map(|_| true),
        }
    }
}

/// One page of a tree level.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct TreePage {
    pub entries: Vec<TreeEntryBody>,
    /// Whether there are more entries after this page.
    pub more: bool,
    /// Pass as `after` to get the next page.
    pub next: Option<String>,
    /// The store revision the page was read at: pass it as `revision` with the next page.
    pub revision: i64,
    /// How many keys there are under the prefix: on a level's first page only (later pages do
    /// not pay for a count of all that follows them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}
