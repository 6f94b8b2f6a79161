//! The domain layer: etcd-deck's types and pure functions, shared by the server and the browser.
//! Nothing here talks to etcd or renders HTML.

pub mod access;
pub mod api_reference;
pub mod append;
pub mod cluster;
pub mod copy_plan;
pub mod diff;
pub mod edit;
pub mod error;
pub mod format;
pub mod grants;
pub mod history;
pub mod key;
pub mod lease;
pub mod limits;
pub mod maintenance;
pub mod members;
pub mod metrics;
pub mod paging;
pub mod raft;
pub mod scan;
pub mod search;
pub mod transfer;
pub mod tree;
pub mod value;
pub mod watch;
pub mod words;

pub use error::{AppError, ErrorCode};
pub use key::Key;
pub use paging::PageRequest;
pub use value::{Value, ValueFormat, ValueView};

use serde::{Deserialize, Serialize};

/// A key's metadata, without its value: one row of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    pub key: Key,
    pub version: i64,
    pub create_revision: i64,
    pub mod_revision: i64,
    /// The lease the key is attached to, 0 for none.
    pub lease: i64,
    /// The seconds the lease had left when the key was read, on the pages people read (the
    /// listing itself does not ask).
    #[serde(default)]
    pub lease_left: Option<i64>,
    /// The value, when the listing asked for values.
    pub value: Option<Value>,
    /// The size of the value in bytes, when the listing read values.
    #[serde(default)]
    pub value_size: Option<u64>,
}

/// One page of the keys under a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyListing {
    pub request: PageRequest,
    pub keys: Vec<KeySummary>,
    /// How many keys there are under the prefix in all.
    pub total: i64,
    /// How many keys under the prefix come before this page.
    pub offset: i64,
    /// The cursor of the next page, when there is one.
    pub next: Option<Key>,
    /// The store revision the page was read at.
    pub revision: i64,
    /// Who answered, and whether the page may be stale.
    pub source: cluster::ReadSource,
    /// The revision the listing had been read at, when etcd had compacted it: this page is the
    /// listing's first, read again at the current revision.
    #[serde(default)]
    pub compacted: Option<i64>,
}

#[cfg(test)]
impl KeySummary {
    /// A key at version 1, written at revision 1, on no lease, for tests.
    pub fn written_once(key: &str) -> Self {
        KeySummary {
            key: Key::from(key),
            version: 1,
            create_revision: 1,
            mod_revision: 1,
            lease: 0,
            lease_left: None,
            value: None,
            value_size: None,
        }
    }
}

/// A key with its value, as read at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyDetail {
    pub summary: KeySummary,
    pub value: Value,
    /// The store revision the key was read at.
    pub revision: i64,
    /// Who answered.
    pub source: cluster::ReadSource,
}

/// What a write did: the store revision it created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteReceipt {
    pub revision: i64,
}

/// Proof that etcd answered a linearizable read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// The store revision it was read at.
    pub revision: i64,
    /// etcd is full: past its space quota, it refuses every write (see [`AppError::NoSpace`]).
    #[serde(default)]
    pub full: bool,
    /// The most a member uses of its quota, in percent, when it is nearly full
    /// ([`cluster::NEARLY_FULL_PERCENT`] or more).
    #[serde(default)]
    pub nearly_full: Option<u64>,
    /// The alerts of etcd's rules firing now (see [`metrics::alerts`]).
    #[serde(default)]
    pub alerts: Vec<metrics::Alert>,
}

/// When a put may happen, checked by etcd in the same transaction as the put itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PutCondition {
    /// Always: create or overwrite.
    Always,
    /// Only if the key does not exist yet.
    Absent,
    /// Only if the key still has this mod revision (nobody wrote it since it was read).
    ModRevision(i64),
}

impl PutCondition {
    /// The condition as the audit log writes it: `always`, `absent`, `mod_revision=42`.
    pub fn describe(self) -> String {
        match self {
            PutCondition::Always => "always".into(),
            PutCondition::Absent => "absent".into(),
            PutCondition::ModRevision(revision) => format!("mod_revision={revision}"),
        }
    }
}
