//! etcd's own users, roles and key-range permissions, and what they let a user do.
//!
//! Everything here is computed from what etcd answers (`UserGet`, `RoleGet`) and matches keys the
//! way etcd does: a permission covers a half-open range of keys, `[key, range_end)`; an empty
//! `range_end` is the one key; `\0` is every key from `key` on; a prefix is the range up to the
//! prefix's next key. A user may read (or write) one key when any of their roles' ranges holds
//! it, and a whole range only when their roles' ranges together cover all of it. The `root` role
//! may do everything, and with authentication off etcd checks nothing.

mod change;
mod effective;
mod form;
mod text_key;

use super::key::Key;
use super::paging::prefix_range_end;
pub use change::*;
pub use effective::*;
pub use form::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
pub use text_key::TextKey;

/// etcd's role of everything: users holding it pass every permission check.
pub const ROOT: &str = "root";

/// What a permission lets its role do with the keys of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Permits {
    Read,
    Write,
    ReadWrite,
}

impl Permits {
    pub fn reads(self) -> bool {
        matches!(self, Permits::Read | Permits::ReadWrite)
    }

    pub fn writes(self) -> bool {
        matches!(self, Permits::Write | Permits::ReadWrite)
    }

    /// The word etcdctl uses: `read`, `write`, `readwrite`.
    pub fn word(self) -> &'static str {
        match self {
            Permits::Read => "read",
            Permits::Write => "write",
            Permits::ReadWrite => "readwrite",
        }
    }

    pub fn parse(word: &str) -> Option<Permits> {
        match word.trim().to_ascii_lowercase().as_str() {
            "read" => Some(Permits::Read),
            "write" => Some(Permits::Write),
            "readwrite" | "read-write" | "rw" => Some(Permits::ReadWrite),
            _ => None,
        }
    }

    /// Whether it allows `action`.
    pub fn allows(self, action: Action) -> bool {
        match action {
            Action::Read => self.reads(),
            Action::Write => self.writes(),
        }
    }
}

/// Reading or writing, the two things etcd's permissions decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Read,
    Write,
}

impl Action {
    /// `read` or `write`.
    pub fn word(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
        }
    }
}

/// A range of keys the way people think of it; etcd stores each as `key` and `range_end`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyRange {
    /// Every key.
    Everything,
    /// Every key that starts with `prefix`.
    Prefix {
        #[serde(with = "text_key")]
        #[cfg_attr(feature = "ssr", schema(value_type = TextKey))]
        prefix: Key,
    },
    /// One key.
    Key {
        #[serde(with = "text_key")]
        #[cfg_attr(feature = "ssr", schema(value_type = TextKey))]
        key: Key,
    },
    /// Every key from `from` on.
    FromKey {
        #[serde(with = "text_key")]
        #[cfg_attr(feature = "ssr", schema(value_type = TextKey))]
        from: Key,
    },
    /// The keys from `from` up to, but not including, `to`.
    Range {
        #[serde(with = "text_key")]
        #[cfg_attr(feature = "ssr", schema(value_type = TextKey))]
        from: Key,
        #[serde(with = "text_key")]
        #[cfg_attr(feature = "ssr", schema(value_type = TextKey))]
        to: Key,
    },
}

impl KeyRange {
    /// The range etcd stores as `key` and `range_end`, in the words it is best shown with.
    pub fn from_etcd(key: &[u8], range_end: &[u8]) -> KeyRange {
        if key.is_empty() {
            // etcd matches no key from an empty start (older versions stored such ranges).
            return KeyRange::Range {
                from: Key::new(key),
                to: Key::new(range_end),
            };
        }
        match range_end {
            [] => KeyRange::Key { key: Key::new(key) },
            [0] if key == [0] => KeyRange::Everything,
            end if end == prefix_range_end(key).as_slice() && end != [0] => KeyRange::Prefix {
                prefix: Key::new(key),
            },
            [0] => {
                // The prefix of keys made only of 0xff bytes ends at the end of the keyspace.
                if prefix_range_end(key) == [0] {
                    KeyRange::Prefix {
                        prefix: Key::new(key),
                    }
                } else {
                    KeyRange::FromKey {
                        from: Key::new(key),
                    }
                }
            }
            end => KeyRange::Range {
                from: Key::new(key),
                to: Key::new(end),
            },
        }
    }

    /// The `key` and `range_end` etcd stores for this range.
    pub fn to_etcd(&self) -> (Vec<u8>, Vec<u8>) {
        match self {
            KeyRange::Everything => (vec![0], vec![0]),
            KeyRange::Prefix { prefix } if prefix.is_empty() => (vec![0], vec![0]),
            KeyRange::Prefix { prefix } => (
                prefix.as_bytes().to_vec(),
                prefix_range_end(prefix.as_bytes()),
            ),
            KeyRange::Key { key } => (key.as_bytes().to_vec(), Vec::new()),
            KeyRange::FromKey { from } => (from.as_bytes().to_vec(), vec![0]),
            KeyRange::Range { from, to } => (from.as_bytes().to_vec(), to.as_bytes().to_vec()),
        }
    }

    /// The half-open interval of keys it holds.
    pub fn interval(&self) -> Interval {
        let (key, range_end) = self.to_etcd();
        Interval::of_etcd(&key, &range_end)
    }

    /// Whether the range holds no key at all (`from` not before `to`), which etcd refuses.
    pub fn is_empty(&self) -> bool {
        self.interval().is_empty()
    }

    /// How it reads: `every key`, `keys under /app/`, `the key /a`, `keys from /a`, `keys from /a
    /// up to /b`. Keys that are not text are shown with their bytes escaped.
    pub fn describe(&self) -> String {
        match self {
            KeyRange::Everything => "every key".into(),
            KeyRange::Prefix { prefix } => format!("keys under {}", shown(prefix)),
            KeyRange::Key { key } => format!("the key {}", shown(key)),
            KeyRange::FromKey { from } => format!("keys from {} on", shown(from)),
            KeyRange::Range { from, .. } if from.is_empty() => {
                "no key (etcd matches nothing from an empty start)".into()
            }
            KeyRange::Range { from, to } => {
                format!("keys from {} up to {}", shown(from), shown(to))
            }
        }
    }
}

/// A key as text, its bytes escaped where they are not printable UTF-8.
fn shown(key: &Key) -> String {
    let text = String::from_utf8_lossy(key.as_bytes());
    if text.chars().any(|c| c == '\u{fffd}' || c.is_control()) {
        key.as_bytes().escape_ascii().to_string()
    } else {
        text.into_owned()
    }
}

/// A half-open interval of keys: from `start` up to `end`, without it; `None` is the end of the
/// keyspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub start: Vec<u8>,
    pub end: Option<Vec<u8>>,
}

impl Interval {
    /// etcd's `[key, range_end)`: an empty end is the one key, `\0` the end of the keyspace.
    /// An empty key is past every key to etcd, so its range holds none.
    pub fn of_etcd(key: &[u8], range_end: &[u8]) -> Interval {
        if key.is_empty() {
            return Interval {
                start: Vec::new(),
                end: Some(Vec::new()),
            };
        }
        let end = match range_end {
            [] => {
                let mut next = key.to_vec();
                next.push(0);
                Some(next)
            }
            [0] => None,
            end => Some(end.to_vec()),
        };
        Interval {
            start: key.to_vec(),
            end,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.end.as_ref().is_some_and(|end| *end <= self.start)
    }

    pub(super) fn overlaps(&self, other: &Interval) -> bool {
        before(&self.start, &other.end) && before(&other.start, &self.end)
    }
}

/// Whether the key `key` comes before the interval end `end`.
pub(super) fn before(key: &[u8], end: &Option<Vec<u8>>) -> bool {
    end.as_ref().is_none_or(|end| key < end.as_slice())
}

/// One permission of a role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Permission {
    pub permits: Permits,
    pub range: KeyRange,
}

/// A role and what it permits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleGrants {
    pub name: String,
    pub permissions: Vec<Permission>,
}

impl RoleGrants {
    pub fn is_root(&self) -> bool {
        self.name == ROOT
    }
}

/// A user and the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserRoles {
    pub name: String,
    pub roles: Vec<String>,
}

impl UserRoles {
    pub fn is_root(&self) -> bool {
        self.roles.iter().any(|role| role == ROOT)
    }
}

/// What is asked about: one key, or every key under a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Key {
        #[serde(with = "text_key")]
        #[cfg_attr(feature = "ssr", schema(value_type = TextKey))]
        key: Key,
    },
    Prefix {
        #[serde(with = "text_key")]
        #[cfg_attr(feature = "ssr", schema(value_type = TextKey))]
        prefix: Key,
    },
}

impl Target {
    pub(super) fn interval(&self) -> Interval {
        match self {
            Target::Key { key } => KeyRange::Key { key: key.clone() }.interval(),
            Target::Prefix { prefix } if prefix.is_empty() => KeyRange::Everything.interval(),
            Target::Prefix { prefix } => KeyRange::Prefix {
                prefix: prefix.clone(),
            }
            .interval(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Target::Key { key } => KeyRange::Key { key: key.clone() }.describe(),
            Target::Prefix { prefix } if prefix.is_empty() => KeyRange::Everything.describe(),
            Target::Prefix { prefix } => KeyRange::Prefix {
                prefix: prefix.clone(),
            }
            .describe(),
        }
    }
}
/// Names etcd accepts for users and roles: not empty, at most 128 bytes, no control characters
/// (etcd allows more; these are the names a console can show and type back).
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("A {what} needs a name."));
    }
    if name.len() > 128 {
        return Err(format!("A {what}'s name is at most 128 bytes."));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("A {what}'s name has no control characters."));
    }
    if name != name.trim() {
        return Err(format!(
            "A {what}'s name does not start or end with a space."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
