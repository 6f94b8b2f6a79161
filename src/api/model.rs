//! The JSON shapes of the REST API, and how keys and values are written in them.

use crate::domain::{
    history::{KeyHistory, KeyNow},
    lease::{lease_hex, Lease},
    watch::ChangeKind,
    AppError, ErrorCode, Key, KeyDetail, KeySummary,
};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD},
    Engine,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The cluster as `GET /api/v1/cluster` answers it.
pub use crate::domain::cluster::{ClusterOverview, EndpointHealth, MemberInfo};

/// How keys and values are written in a request or response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 text. A response falls back to base64 for bytes that are not UTF-8, and says so.
    #[default]
    Utf8,
    /// Standard base64 (URL-safe base64 is accepted too).
    Base64,
}

impl Encoding {
    /// Writes bytes in this encoding; in utf8, bytes that are not UTF-8 are written as base64.
    pub fn encode(self, bytes: &[u8]) -> (String, Encoding) {
        match (self, std::str::from_utf8(bytes)) {
            (Encoding::Utf8, Ok(text)) => (text.to_string(), Encoding::Utf8),
            _ => (STANDARD.encode(bytes), Encoding::Base64),
        }
    }

    /// Reads bytes written in this encoding.
    pub fn decode(self, text: &str, what: &str) -> Result<Vec<u8>, AppError> {
        match self {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Base64 => decode_base64(text)
                .ok_or_else(|| AppError::invalid(format!("the {what} is not valid base64"))),
        }
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    [&STANDARD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// The cursor of the next page: the last key of this one, opaque to clients.
pub fn encode_cursor(key: &Key) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// A `revision` query parameter: absent, or a positive revision.
pub fn positive_revision(revision: Option<i64>) -> Result<Option<i64>, AppError> {
    match revision {
        Some(revision) if revision <= 0 => {
            Err(AppError::invalid("revision must be a positive number"))
        }
        revision => Ok(revision),
    }
}

pub fn decode_cursor(cursor: &str) -> Result<Key, AppError> {
    decode_base64(cursor)
        .map(Key::new)
        .ok_or_else(|| AppError::invalid("`after` is not a cursor this API returned"))
}

/// Query of `GET /api/v1/keys`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// List the keys starting with this (all keys when empty).
    pub prefix: Option<String>,
    /// Keys per page, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Read at this store revision: pass the first page's `revision` with every later page, so
    /// that the pages are one snapshot. A revision etcd has compacted is answered with 410.
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

/// Query of `GET /api/v1/tree`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TreeQuery {
    /// The level's prefix (the whole keyspace when empty).
    pub prefix: Option<String>,
    /// What separates the levels of a key (default `/`).
    pub delimiter: Option<String>,
    /// Entries per page, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Read at this store revision: pass the first page's `revision` with every later page.
    pub revision: Option<i64>,
    /// How the prefix, the delimiter, names and keys are written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// One entry of a tree level.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TreeEntryBody {
    /// `folder` or `key`.
    #[schema(value_type = String)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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

/// Query of `GET /api/v1/search`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Search the keys starting with this (all keys when empty).
    pub prefix: Option<String>,
    /// What to look for.
    pub q: String,
    /// `substring` (default): anywhere in the key; `glob`: the whole key matches a shell pattern
    /// (`*`, `?`, `[...]`); `regex`: a regular expression (Rust syntax) matches in the key.
    pub mode: Option<String>,
    /// Look in the values too: a key matches when its key or its value does.
    #[serde(default)]
    pub values: bool,
    /// Match regardless of case.
    #[serde(default)]
    pub ignore_case: bool,
    /// Stop after this many matches, 1 to 10000 (default 100).
    pub limit: Option<u32>,
    /// The `next` cursor of the previous search's last line: go on after it.
    pub after: Option<String>,
    /// Read at this store revision (with `after`, pass the previous search's `revision`).
    pub revision: Option<i64>,
    /// Add a `{"progress": …}` line after each window of keys read.
    #[serde(default)]
    pub progress: bool,
    /// How the prefix, the query's keys and the matches are written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// One line of a search for each match: the key and its metadata.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchMatch {
    #[serde(flatten)]
    pub entry: KeyEntry,
    /// The size of the value in bytes, when values were searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_size: Option<usize>,
    /// True when the value matched and the key did not.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub in_value: bool,
}

/// How far a search has come.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchCounts {
    /// Keys looked at.
    pub scanned: i64,
    /// Keys to look at in all (from `after` on), once known.
    pub total: Option<i64>,
    pub matches: i64,
    /// The store revision every key was read at.
    pub revision: i64,
    pub elapsed_ms: u64,
}

/// A progress line of a search (with `progress=true`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchProgressLine {
    pub progress: SearchCounts,
}

/// The last line of a search that ended well.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SearchDoneLine {
    /// Always true.
    pub done: bool,
    #[serde(flatten)]
    pub counts: SearchCounts,
    /// Set when the search stopped at `limit` with keys left: pass as `after` (with `revision`)
    /// to go on.
    pub next: Option<String>,
}

impl From<crate::domain::search::SearchProgress> for SearchCounts {
    fn from(progress: crate::domain::search::SearchProgress) -> Self {
        SearchCounts {
            scanned: progress.scanned,
            total: progress.total,
            matches: progress.matches,
            revision: progress.revision,
            elapsed_ms: progress.elapsed_ms,
        }
    }
}

/// Query of the single-key endpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyQuery {
    /// How the key in the path and the values are written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// Query of `GET /api/v1/keys/{key}` and `GET /api/v1/keys/{key}/history`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KeyReadQuery {
    /// The key as it was at this revision (single key only), as far back as etcd's compaction
    /// allows.
    pub revision: Option<i64>,
    /// How many changes a history lists, newest first (100 unless given; at most 1000).
    pub limit: Option<u32>,
    /// `true`: the value's bytes alone, as a file to save (`application/octet-stream`, named
    /// after the key's last segment).
    pub raw: Option<bool>,
}

/// One change in `KeyHistoryBody`: a write, with the version it made, or a delete.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// `put` or `delete`.
    #[schema(value_type = String)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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

/// Query of `DELETE /api/v1/keys`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeletePrefixQuery {
    /// Delete every key starting with this; must not be empty.
    pub prefix: String,
    /// Must repeat `prefix` exactly, as a guard against deleting the wrong range.
    pub confirm: String,
    /// Delete only the keys that existed at this revision (a preview's) and are unchanged
    /// since; a key written after it is left and reported. Without it, the keys as they are.
    pub revision: Option<i64>,
    #[serde(default)]
    pub encoding: Encoding,
}

/// Query of `GET /api/v1/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Export the keys starting with this (all keys, without it).
    pub prefix: Option<String>,
    /// Read every key at this revision (now, without it).
    pub revision: Option<i64>,
    /// Only these keys (under `prefix`), each in base64url without padding, separated by
    /// commas; at most 1000.
    pub keys: Option<String>,
    /// How `prefix` is written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// Query of `POST /api/v1/import`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Only report what the import would do (the default); `false` writes.
    pub dry_run: Option<bool>,
    /// Write only keys nobody wrote after this revision (the dry run's).
    pub revision: Option<i64>,
}

/// Body of `POST /api/v1/copy` and `POST /api/v1/move`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CopyBody {
    /// The key, or the prefix with `prefix`, written as the `encoding` query parameter says.
    pub from: String,
    /// Where it goes: the new key, or the prefix that replaces `from`.
    pub to: String,
    /// Every key under `from`, not the one key.
    #[serde(default)]
    pub prefix: bool,
    /// Write over keys that exist at the target (else they are left and reported).
    #[serde(default)]
    pub overwrite: bool,
}

/// A key with its metadata, and its value when asked for.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
    #[schema(value_type = Option<String>)]
    pub now: Option<KeyNow>,
}

impl KeyEntry {
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PutBody {
    pub value: String,
    /// Seconds until the key expires, on a new lease.
    pub ttl: Option<i64>,
    /// An existing lease to attach the key to, in hexadecimal.
    pub lease: Option<String>,
    /// Keep the key on the lease it has (the key must exist). Without `ttl`, `lease` or
    /// `keep_lease`, the key has no lease after the write, as with etcd's own put.
    #[serde(default)]
    pub keep_lease: bool,
}

/// Body of `POST /api/v1/restore`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RestoreBody {
    /// The key, written as the `encoding` query parameter says.
    pub key: String,
    /// Write back the value the key had at this revision.
    pub revision: i64,
    /// The key's mod revision as the client last saw it: the write happens only if the key is
    /// still there. Leave it out for a key that was deleted: the write happens only if it is
    /// still absent.
    pub mod_revision: Option<i64>,
}

/// Body of `POST /api/v1/undelete`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UndeleteBody {
    /// Bring the keys back as they were at this revision.
    pub revision: i64,
    /// Up to 128 keys, written as the `encoding` query parameter says.
    pub keys: Vec<String>,
}

/// Body of `POST /api/v1/keys/{key}/append`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppendBody {
    /// Any JSON value, appended as the array's last item.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// A lease id in hexadecimal, for a key on a lease.
pub fn lease_id(lease: i64) -> Option<String> {
    (lease != 0).then(|| lease_hex(lease))
}

/// A lease.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeaseBody {
    /// Its id, hexadecimal (as etcdctl writes it).
    pub id: String,
    /// Seconds left before it expires and its keys are deleted.
    pub ttl: i64,
    /// The seconds it was granted, and is renewed to by a keep-alive.
    pub granted_ttl: i64,
    /// How many keys are attached, of those the user may read.
    pub key_count: u64,
    /// The keys attached, in key order (the first 1000), of those the user may read.
    pub keys: Vec<String>,
    pub key_encoding: Encoding,
    /// Keys the user may not read are attached too (or may be): not named, not counted, and
    /// deleted with the lease all the same.
    pub keys_hidden: bool,
}

impl LeaseBody {
    pub fn new(lease: &Lease, encoding: Encoding) -> Self {
        // Keys are all written one way: base64 when any of them must be.
        let binary = lease
            .keys
            .iter()
            .any(|key| std::str::from_utf8(key.as_bytes()).is_err());
        let encoding = if binary { Encoding::Base64 } else { encoding };
        LeaseBody {
            id: lease_hex(lease.id),
            ttl: lease.ttl,
            granted_ttl: lease.granted_ttl,
            key_count: lease.key_count,
            keys: lease
                .keys
                .iter()
                .map(|key| encoding.encode(key.as_bytes()).0)
                .collect(),
            key_encoding: encoding,
            keys_hidden: lease.keys_hidden,
        }
    }
}

/// Answer of `GET /api/v1/leases`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeasesBody {
    /// In id order, the first 1000.
    pub leases: Vec<LeaseBody>,
    /// How many leases there are.
    pub total: u64,
}

/// Body of `POST /api/v1/leases`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GrantBody {
    /// Seconds it lives without a keep-alive.
    pub ttl: i64,
}

/// Answer of `POST /api/v1/leases`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GrantedLease {
    /// Its id, hexadecimal.
    pub id: String,
    pub ttl: i64,
    pub revision: i64,
}

/// What a write did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WriteResult {
    /// The store revision the write created.
    pub revision: i64,
}

/// What an append did.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AppendResult {
    pub revision: i64,
    /// The array's length after the append.
    pub length: usize,
}

/// Every error: `{"error": {"code", "message"}}`, with the HTTP status of its code.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// What kind of error it is; each code has one HTTP status.
    pub code: ErrorCode,
    pub message: String,
    /// For `precondition_failed` and `already_exists`: the key's mod revision now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_mod_revision: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_falls_back_to_base64_and_says_so() {
        assert_eq!(Encoding::Utf8.encode(b"hi"), ("hi".into(), Encoding::Utf8));
        assert_eq!(
            Encoding::Utf8.encode(&[0xff]),
            ("/w==".into(), Encoding::Base64)
        );
        assert_eq!(
            Encoding::Base64.encode(b"hi"),
            ("aGk=".into(), Encoding::Base64)
        );
    }

    #[test]
    fn base64_is_read_standard_or_url_safe() {
        for text in ["+/8=", "-_8=", "-_8"] {
            assert_eq!(
                Encoding::Base64.decode(text, "value").unwrap(),
                [0xfb, 0xff]
            );
        }
        assert_eq!(
            Encoding::Base64
                .decode("***", "value")
                .unwrap_err()
                .status()
                .as_u16(),
            400
        );
    }

    #[test]
    fn cursors_round_trip() {
        let key = Key::new(vec![b'a', 0xff, b'/']);
        assert_eq!(decode_cursor(&encode_cursor(&key)).unwrap(), key);
    }
}

/// Query of `GET /api/v1/watch`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WatchQuery {
    /// Watch the keys starting with this (all keys when empty).
    pub prefix: Option<String>,
    /// The first revision to send changes of: earlier changes are sent first, as far back as
    /// etcd's compaction allows. Without it, changes from now on. A `Last-Event-ID` header (sent
    /// by a browser's `EventSource` when it reconnects) goes before it: changes after that
    /// revision are sent.
    pub start_revision: Option<i64>,
    /// How `prefix` is written, and how keys (and values) are sent.
    #[serde(default)]
    pub encoding: Encoding,
    /// `true`: each change carries the start of its value (`value`) and of the value before it
    /// (`prev_value`), up to 1 KiB of each.
    pub values: Option<bool>,
}

/// A `put` or `delete` event of `GET /api/v1/watch`; its event id is `revision`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WatchCompacted {
    pub from_revision: i64,
    pub compact_revision: i64,
}

/// The `resync` event of `GET /api/v1/watch`: the client fell too far behind to be kept up and
/// the stream ends. Read the keys again and watch from the revision read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WatchResync {
    /// The last revision whose changes were sent.
    pub revision: i64,
    /// How many changes the server holds for a client that falls behind.
    pub limit: u64,
}
