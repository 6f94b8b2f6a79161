//! Changes to keys, as etcd reports them to a watch: what views that follow the store are told.

use super::Key;
use serde::{Deserialize, Serialize};

/// How many of the latest changes are held for those who follow a prefix: how far one may fall
/// behind before it is told to resync.
pub const FOLLOW_LIMIT: usize = 8192;

/// How much of a value (and of the value before) a watch that asks for values keeps and sends:
/// enough to read what changed, not so much that a follower's log grows large.
pub const SNIPPET_BYTES: usize = 1024;

/// The start of a value, for the watch log: at most [`SNIPPET_BYTES`] of it, and its whole size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    pub bytes: Vec<u8>,
    pub size: u64,
}

impl Snippet {
    /// The start of `value`; text is not cut inside a character.
    pub fn of(value: &[u8]) -> Snippet {
        let mut end = value.len().min(SNIPPET_BYTES);
        if let Err(err) = std::str::from_utf8(&value[..end]) {
            // Cut inside a character at the end (not bytes that are no text anyway).
            if err.error_len().is_none() {
                end = err.valid_up_to();
            }
        }
        Snippet {
            bytes: value[..end].to_vec(),
            size: value.len() as u64,
        }
    }

    /// Whether the value was longer than what is kept of it.
    pub fn cut(&self) -> bool {
        (self.bytes.len() as u64) < self.size
    }
}

/// Whether a key was written or deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Put,
    Delete,
}

/// One change to one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub key: Key,
    /// The revision of the change.
    pub revision: i64,
    /// The key's version after the change: 1 when it was created, 0 when deleted.
    pub version: i64,
    /// The size of the value written, 0 for a delete.
    pub value_size: u64,
    /// The lease the key is on after the change, 0 for none.
    pub lease: i64,
    /// For a watch that asks for values: the value written (none for a delete).
    #[serde(default)]
    pub value: Option<Snippet>,
    /// For a watch that asks for values: the value before the change, when there was one.
    #[serde(default)]
    pub previous: Option<Snippet>,
}

/// What a watch saw next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// Changes, in revision order (several can share a revision: one transaction).
    Changes(Vec<Change>),
    /// etcd compacted its history before the changes from `from_revision` on were delivered: the
    /// changes from there up to `compact_revision` are lost, and the watch goes on from
    /// `compact_revision`. Whoever shows the keys must read them again.
    Gap {
        from_revision: i64,
        compact_revision: i64,
    },
    /// The follower fell too far behind to be kept up: the changes after `revision` (the last
    /// it was given) are no longer held for it. It must read again and follow from there; the
    /// stream ends.
    Resync { revision: i64 },
}

impl Watched {
    /// The changes from `revision` on: `None` when nothing is left.
    pub fn from_revision(self, revision: i64) -> Option<Watched> {
        match self {
            Watched::Changes(mut changes) => {
                changes.retain(|change| change.revision >= revision);
                (!changes.is_empty()).then_some(Watched::Changes(changes))
            }
            Watched::Gap {
                from_revision,
                compact_revision,
            } => (compact_revision > revision).then_some(Watched::Gap {
                from_revision: from_revision.max(revision),
                compact_revision,
            }),
            resync @ Watched::Resync { .. } => Some(resync),
        }
    }

    /// The revision a follower goes on from after this: one past its last change, or where a
    /// gap ends.
    pub fn next_revision(&self) -> Option<i64> {
        match self {
            Watched::Changes(changes) => changes.last().map(|change| change.revision + 1),
            Watched::Gap {
                compact_revision, ..
            } => Some(*compact_revision),
            Watched::Resync { .. } => None,
        }
    }

    /// How many changes this holds, as a log counts them (a gap or a resync counts one).
    pub fn weight(&self) -> usize {
        match self {
            Watched::Changes(changes) => changes.len(),
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(revision: i64) -> Change {
        Change {
            kind: ChangeKind::Put,
            key: Key::new(b"k"),
            revision,
            version: 1,
            value_size: 1,
            lease: 0,
            value: None,
            previous: None,
        }
    }

    #[test]
    fn a_snippet_keeps_the_start_of_a_value_whole_characters_only() {
        let short = Snippet::of(b"abc");
        assert_eq!(
            (short.bytes.as_slice(), short.size, short.cut()),
            (&b"abc"[..], 3, false)
        );
        let text = "é".repeat(SNIPPET_BYTES);
        let long = Snippet::of(text.as_bytes());
        assert_eq!(long.bytes.len(), SNIPPET_BYTES);
        assert!(long.cut());
        let odd = format!("a{text}");
        let cut = Snippet::of(odd.as_bytes());
        assert_eq!(cut.bytes.len(), SNIPPET_BYTES - 1);
        assert!(std::str::from_utf8(&cut.bytes).is_ok());
        assert_eq!(Snippet::of(&[0xff; 2000]).bytes.len(), SNIPPET_BYTES);
    }

    #[test]
    fn changes_before_a_revision_are_left_out() {
        let watched = Watched::Changes(vec![put(4), put(5), put(5), put(6)]);
        let rest = watched.clone().from_revision(5).unwrap();
        assert_eq!(rest, Watched::Changes(vec![put(5), put(5), put(6)]));
        assert_eq!(rest.next_revision(), Some(7));
        assert_eq!(watched.from_revision(7), None);
    }

    #[test]
    fn a_gap_is_told_from_where_the_follower_is() {
        let gap = Watched::Gap {
            from_revision: 3,
            compact_revision: 10,
        };
        assert_eq!(
            gap.clone().from_revision(6),
            Some(Watched::Gap {
                from_revision: 6,
                compact_revision: 10
            })
        );
        assert_eq!(gap.clone().from_revision(10), None);
        assert_eq!(gap.next_revision(), Some(10));
    }
}
