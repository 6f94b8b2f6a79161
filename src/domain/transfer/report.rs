//! The reports of imports, pinned deletes, copies and moves.

use crate::domain::Key;
use serde::{Deserialize, Serialize};

/// Keys a report names as examples of each outcome.
pub const EXAMPLES: usize = 10;

/// How many keys had one outcome, and the first few of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tally {
    pub count: u64,
    /// Up to [`EXAMPLES`] keys, as text.
    pub examples: Vec<String>,
}

impl Tally {
    pub fn add(&mut self, key: &[u8]) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(Key::new(key.to_vec()).display());
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.count += other.count;
        let room = EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }
}

/// What an import did, or (a dry run) would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    /// The revision the keys were compared at: a dry run's answer, which its apply repeats.
    pub revision: i64,
    /// Keys in the file.
    pub total: u64,
    /// Keys that do not exist: created.
    pub create: Tally,
    /// Keys whose value differs: written.
    pub update: Tally,
    /// Keys that already hold the value: left as they are.
    pub unchanged: Tally,
    /// Keys left alone: changed in etcd since `revision`, or named twice in the file with
    /// different values.
    pub conflict: Tally,
    /// The revision of the last write, when the import wrote anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_revision: Option<i64>,
    /// Transactions written.
    pub transactions: u64,
}

impl ImportReport {
    pub fn merge(&mut self, other: ImportReport) {
        self.create.merge(other.create);
        self.update.merge(other.update);
        self.unchanged.merge(other.unchanged);
        self.conflict.merge(other.conflict);
        self.written_revision = self.written_revision.max(other.written_revision);
        self.transactions += other.transactions;
    }
}

/// What a many-key write did to the keys it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkOutcome {
    Deleted,
    Copied,
    Moved,
}

impl BulkOutcome {
    /// A copy, or (`remove`) a move.
    pub fn of_copy(remove: bool) -> Self {
        if remove {
            BulkOutcome::Moved
        } else {
            BulkOutcome::Copied
        }
    }

    /// The past participle: "deleted", "copied", "moved".
    pub fn as_str(self) -> &'static str {
        match self {
            BulkOutcome::Deleted => "deleted",
            BulkOutcome::Copied => "copied",
            BulkOutcome::Moved => "moved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            BulkOutcome::Deleted,
            BulkOutcome::Copied,
            BulkOutcome::Moved,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == text)
    }

    /// Whether the keys written are gone from where they were.
    pub fn removes(self) -> bool {
        self != BulkOutcome::Copied
    }
}

/// What a many-key write (a pinned delete, a copy, a move) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkReport {
    /// The revision the keys were read at.
    pub revision: i64,
    /// Keys deleted, copied or moved.
    pub done: Tally,
    /// Keys left because they changed (or were created) after `revision`.
    pub changed: Tally,
    /// Keys left because the target exists and overwriting was not asked for.
    pub exists: Tally,
    /// Keys that were gone already when the write came.
    pub gone: Tally,
    /// The revision of the last write, when anything was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_revision: Option<i64>,
    /// Transactions written.
    pub transactions: u64,
}

impl BulkReport {
    pub fn merge(&mut self, other: BulkReport) {
        self.done.merge(other.done);
        self.changed.merge(other.changed);
        self.exists.merge(other.exists);
        self.gone.merge(other.gone);
        self.written_revision = self.written_revision.max(other.written_revision);
        self.transactions += other.transactions;
    }
}
