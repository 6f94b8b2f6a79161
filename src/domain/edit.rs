//! An edit of a key's value on its page: what was typed, kept when the save fails so nothing is
//! lost, and the three versions a conflicting save is resolved from.

use super::{diff::ValueDiff, value::ValueFormat, Key, KeyDetail, Value};
use serde::{Deserialize, Serialize};

/// What someone typed into a key's editor, and the mod revision of the value they started from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub key: Key,
    pub text: String,
    pub format: ValueFormat,
    pub keep_crlf: bool,
    /// The key's mod revision when the edit began; 0 for a key that did not exist.
    pub base: i64,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaveOutcome {
    /// The value was written at `revision`.
    Written { revision: i64 },
    /// The value was already what was typed: nothing was written.
    Unchanged,
}

/// A draft kept from a failed save, with what the key holds now and held when the edit began.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftView {
    pub draft: Draft,
    /// The key now; `None` when it has been deleted since.
    pub theirs: Option<KeyDetail>,
    /// The value the edit began from; `None` when there was none or etcd has compacted it.
    pub base: Option<Value>,
    /// A starting point for merging by hand: base, theirs and yours merged line by line, with
    /// conflict markers where both changed the same lines; `None` when they are not all text.
    pub merged: Option<Merged>,
    /// What changed from the base to what is there now, and to what was typed.
    pub theirs_diff: Option<ValueDiff>,
    pub yours_diff: Option<ValueDiff>,
}

/// Three versions merged line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merged {
    pub text: String,
    /// Whether both sides changed the same lines (the text then has conflict markers).
    pub conflicts: bool,
}

impl DraftView {
    /// Whether someone else wrote (or deleted) the key since the edit began.
    pub fn conflicting(&self) -> bool {
        self.theirs
            .as_ref()
            .map_or(0, |theirs| theirs.summary.mod_revision)
            != self.draft.base
    }

    /// The mod revision a save over what is there now must expect: theirs, or 0 for a key that
    /// is gone (so the save creates it, unless it is created meanwhile).
    pub fn theirs_mod_revision(&self) -> i64 {
        self.theirs
            .as_ref()
            .map_or(0, |theirs| theirs.summary.mod_revision)
    }
}

/// Whether `id` could name a kept draft: the 32 hex digits a browser or the server draws.
pub fn valid_draft_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_ids_are_32_hex_digits() {
        assert!(valid_draft_id("0123456789abcdef0123456789ABCDEF"));
        assert!(!valid_draft_id("0123"));
        assert!(!valid_draft_id("0123456789abcdef0123456789abcdeg"));
        assert!(!valid_draft_id("../../0123456789abcdef0123456789"));
    }
}
