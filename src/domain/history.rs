//! A key's earlier versions, as far back as etcd's compaction allows.

use super::diff::ValueDiff;
use super::watch::{Change, ChangeKind};
use super::{Key, KeyDetail, KeyListing};
use serde::{Deserialize, Serialize};

/// The most versions one history answers.
pub const MAX_HISTORY: u32 = 1000;
/// The versions a history answers when not told.
pub const DEFAULT_HISTORY: u32 = 100;

/// The changes to one key etcd still keeps, newest first: each write (with the version it made)
/// and each delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHistory {
    pub key: Key,
    /// Newest first.
    pub changes: Vec<Change>,
    /// The store revision the history was read at.
    pub revision: i64,
    /// etcd keeps the changes from this revision on: older ones were compacted away, except the
    /// version the key had then (which may be listed, with its older revision).
    pub kept_from: i64,
    /// Whether etcd keeps older changes than those listed (the limit cut them off).
    pub more: bool,
}

impl KeyHistory {
    /// Whether the change at `index` wrote the key anew after it had been deleted.
    pub fn recreated(&self, index: usize) -> bool {
        let Some(change) = self.changes.get(index) else {
            return false;
        };
        let before = self.changes.get(index + 1);
        change.kind == ChangeKind::Put
            && change.version == 1
            && before.is_some_and(|older| older.kind == ChangeKind::Delete)
    }

    /// The number of versions to read: `limit`, or the default, at most [`MAX_HISTORY`].
    pub fn limit(limit: Option<u32>) -> usize {
        limit.unwrap_or(DEFAULT_HISTORY).clamp(1, MAX_HISTORY) as usize
    }
}

/// A key as it was at a past revision, beside what it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastVersion {
    pub then: KeyDetail,
    /// What the value then holds, for its views (pretty, raw, hex), as the key's page shows now.
    pub then_shown: super::format::ValueShown,
    /// `None` when the key does not exist now.
    pub now: Option<KeyDetail>,
    /// From the value then to the value now (empty when deleted).
    pub diff: ValueDiff,
}

/// The keys under a prefix as they were at a past revision, each with what became of it since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastListing {
    /// One page, read at the past revision.
    pub listing: KeyListing,
    /// What became of each key of the page since, in the same order.
    pub now: Vec<KeyNow>,
    /// etcd keeps the revisions from this one on.
    pub kept_from: i64,
    /// The store's revision now.
    pub current: i64,
}

/// What became of a key read at a past revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyNow {
    /// It is as it was.
    Unchanged,
    /// It was written since.
    Changed,
    /// It does not exist now.
    Deleted,
}

impl KeyNow {
    /// A key last written at `then`, whose mod revision is `now` (`None`: gone).
    pub fn of(then: i64, now: Option<i64>) -> Self {
        match now {
            None => KeyNow::Deleted,
            Some(now) if now == then => KeyNow::Unchanged,
            Some(_) => KeyNow::Changed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_read_in_the_past_is_unchanged_changed_or_deleted_now() {
        assert_eq!(KeyNow::of(5, Some(5)), KeyNow::Unchanged);
        assert_eq!(KeyNow::of(5, Some(9)), KeyNow::Changed);
        assert_eq!(KeyNow::of(5, None), KeyNow::Deleted);
    }

    fn change(kind: ChangeKind, revision: i64, version: i64) -> Change {
        Change {
            kind,
            key: Key::from("k"),
            revision,
            version,
            value_size: 1,
            lease: 0,
            value: None,
            previous: None,
        }
    }

    #[test]
    fn a_first_version_after_a_delete_is_a_recreation() {
        let history = KeyHistory {
            key: Key::from("k"),
            changes: vec![
                change(ChangeKind::Put, 9, 2),
                change(ChangeKind::Put, 8, 1),
                change(ChangeKind::Delete, 5, 0),
                change(ChangeKind::Put, 3, 1),
            ],
            revision: 9,
            kept_from: 1,
            more: false,
        };
        let recreated: Vec<bool> = (0..4).map(|i| history.recreated(i)).collect();
        assert_eq!(recreated, [false, true, false, false]);
        assert_eq!(KeyHistory::limit(None), 100);
        assert_eq!(KeyHistory::limit(Some(0)), 1);
        assert_eq!(KeyHistory::limit(Some(5000)), 1000);
    }
}
