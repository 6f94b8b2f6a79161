//! etcd's own users, roles and key-range permissions, and what they let a user do.
//!
//! Everything here is computed from what etcd answers (`UserGet`, `RoleGet`) and matches keys the
//! way etcd does: a permission covers a half-open range of keys, `[key, range_end)`; an empty
//! `range_end` is the one key; `\0` is every key from `key` on; a prefix is the range up to the
//! prefix's next key. A user may read (or write) one key when any of their roles' ranges holds
//! it, and a whole range only when their roles' ranges together cover all of it. The `root` role
//! may do everything, and with authentication off etcd checks nothing.

mod text_key;

use super::key::Key;
use super::paging::prefix_range_end;
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
        let starts_everything = key.is_empty() || key == [0];
        match range_end {
            [] => KeyRange::Key { key: Key::new(key) },
            [0] if starts_everything => KeyRange::Everything,
            end if end == prefix_range_end(key).as_slice() && end != [0] && !key.is_empty() => {
                KeyRange::Prefix {
                    prefix: Key::new(key),
                }
            }
            [0] => {
                // The prefix of keys made only of 0xff bytes ends at the end of the keyspace.
                if prefix_range_end(key) == [0] && !key.is_empty() {
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
    pub fn of_etcd(key: &[u8], range_end: &[u8]) -> Interval {
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

    fn is_empty(&self) -> bool {
        self.end.as_ref().is_some_and(|end| *end <= self.start)
    }

    fn overlaps(&self, other: &Interval) -> bool {
        before(&self.start, &other.end) && before(&other.start, &self.end)
    }
}

/// Whether the key `key` comes before the interval end `end`.
fn before(key: &[u8], end: &Option<Vec<u8>>) -> bool {
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
    fn interval(&self) -> Interval {
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

/// How much of what was asked about an action is allowed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// All of it.
    All,
    /// Some keys of the prefix, not all: etcd refuses a request for the whole prefix.
    Part,
    /// None of it.
    None,
}

/// A role's permission that allows some or all of what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantedBy {
    pub role: String,
    pub permission: Permission,
}

/// Whether one action is allowed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Verdict {
    pub action: Action,
    pub coverage: Coverage,
    /// The permissions that allow it, with their roles; empty for root or with authentication off.
    pub granted_by: Vec<GrantedBy>,
    /// Under a prefix allowed in part: the ranges of it no role allows.
    pub not_covered: Vec<KeyRange>,
    /// Why, in a sentence.
    pub reason: String,
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        self.coverage == Coverage::All
    }
}

/// What a user may do with a key or under a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Effective {
    pub user: String,
    pub target: Target,
    pub read: Verdict,
    pub write: Verdict,
}

/// What `user` may do with `target`, given their roles as etcd answers them and whether
/// authentication is on. Roles the user holds but `roles` lacks grant nothing.
pub fn effective(
    user: &UserRoles,
    roles: &[RoleGrants],
    target: &Target,
    auth_enabled: bool,
) -> Effective {
    let verdict = |action| verdict(user, roles, target, auth_enabled, action);
    Effective {
        user: user.name.clone(),
        target: target.clone(),
        read: verdict(Action::Read),
        write: verdict(Action::Write),
    }
}

fn verdict(
    user: &UserRoles,
    roles: &[RoleGrants],
    target: &Target,
    auth_enabled: bool,
    action: Action,
) -> Verdict {
    let everything = |reason: String| Verdict {
        action,
        coverage: Coverage::All,
        granted_by: Vec::new(),
        not_covered: Vec::new(),
        reason,
    };
    if !auth_enabled {
        return everything("Authentication is off: etcd checks nothing.".into());
    }
    if user.is_root() {
        return everything(format!("{} holds the root role.", user.name));
    }
    let wanted = target.interval();
    let granted_by: Vec<GrantedBy> = roles
        .iter()
        .filter(|role| user.roles.contains(&role.name))
        .flat_map(|role| {
            role.permissions.iter().map(move |permission| GrantedBy {
                role: role.name.clone(),
                permission: permission.clone(),
            })
        })
        .filter(|grant| grant.permission.permits.allows(action))
        .filter(|grant| grant.permission.range.interval().overlaps(&wanted))
        .collect();
    let intervals: Vec<Interval> = granted_by
        .iter()
        .map(|grant| grant.permission.range.interval())
        .collect();
    let gaps = gaps(&wanted, &intervals);
    let coverage = match (&gaps[..], granted_by.is_empty()) {
        ([], _) => Coverage::All,
        (_, true) => Coverage::None,
        _ => Coverage::Part,
    };
    let verb = match action {
        Action::Read => "read",
        Action::Write => "write",
    };
    let what = target.describe();
    let reason = match coverage {
        Coverage::All => {
            let roles: Vec<&str> = granted_by.iter().map(|g| g.role.as_str()).collect();
            format!(
                "{} may {verb} {what}, through {}.",
                user.name,
                dedup(roles).join(", ")
            )
        }
        Coverage::Part => format!(
            "{} may {verb} only some of {what}: etcd refuses a request for all of it.",
            user.name
        ),
        Coverage::None => format!("No role of {} lets them {verb} {what}.", user.name),
    };
    Verdict {
        action,
        coverage,
        granted_by,
        not_covered: gaps.iter().map(range_of).collect(),
        reason,
    }
}

fn dedup(mut names: Vec<&str>) -> Vec<&str> {
    let mut seen = Vec::new();
    names.retain(|name| {
        let new = !seen.contains(name);
        seen.push(*name);
        new
    });
    names
}

/// The parts of `wanted` no interval of `intervals` holds, in key order.
fn gaps(wanted: &Interval, intervals: &[Interval]) -> Vec<Interval> {
    let mut overlapping: Vec<&Interval> = intervals
        .iter()
        .filter(|interval| !interval.is_empty() && interval.overlaps(wanted))
        .collect();
    overlapping.sort_by(|a, b| a.start.cmp(&b.start));
    let mut gaps = Vec::new();
    // How far the intervals so far reach without a gap; `None` once they reach the keyspace's end.
    let mut reached = Some(wanted.start.clone());
    for interval in overlapping {
        let Some(at) = reached.take() else { break };
        if interval.start > at {
            // It overlaps `wanted`, so it starts before `wanted` ends.
            gaps.push(Interval {
                start: at.clone(),
                end: Some(interval.start.clone()),
            });
        }
        reached = interval.end.as_ref().map(|end| end.clone().max(at));
    }
    if let Some(at) = reached {
        if before(&at, &wanted.end) && !wanted.is_empty() {
            gaps.push(Interval {
                start: at,
                end: wanted.end.clone(),
            });
        }
    }
    gaps
}

/// The best words for an interval: a key, a prefix, from a key on, or a range.
fn range_of(interval: &Interval) -> KeyRange {
    match &interval.end {
        None => KeyRange::from_etcd(&interval.start, &[0]),
        Some(end) if *end == [interval.start.as_slice(), &[0]].concat() => KeyRange::Key {
            key: Key::new(interval.start.clone()),
        },
        Some(end) => KeyRange::from_etcd(&interval.start, end),
    }
}

/// Who may do `action` with `target`: each user with the coverage they have, those with none
/// left out.
pub fn who_may(
    users: &[UserRoles],
    roles: &[RoleGrants],
    target: &Target,
    auth_enabled: bool,
    action: Action,
) -> Vec<(String, Coverage)> {
    users
        .iter()
        .map(|user| {
            let verdict = verdict(user, roles, target, auth_enabled, action);
            (user.name.clone(), verdict.coverage)
        })
        .filter(|(_, coverage)| *coverage != Coverage::None)
        .collect()
}

/// Why turning authentication on would be refused: etcd itself needs a `root` user holding the
/// `root` role, or nobody could administer it afterwards.
pub fn enable_refusal(users: &[UserRoles]) -> Option<String> {
    match users.iter().find(|user| user.name == ROOT) {
        None => Some(
            "There is no user named root. etcd turns authentication on only once a root user \
             exists and holds the root role."
                .into(),
        ),
        Some(root) if !root.is_root() => Some(
            "The user root does not hold the root role. Grant it first: etcd refuses otherwise."
                .into(),
        ),
        Some(_) => None,
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

/// A password on its way to etcd or the users file: never printed, logged or shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One change of etcd's users, roles or authentication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AccessChange {
    /// A user with a password, or without one (they sign in with a client certificate only).
    AddUser {
        name: String,
        password: Option<Secret>,
    },
    DeleteUser {
        name: String,
    },
    ChangePassword {
        name: String,
        password: Secret,
    },
    GrantRole {
        user: String,
        role: String,
    },
    RevokeRole {
        user: String,
        role: String,
    },
    AddRole {
        name: String,
    },
    DeleteRole {
        name: String,
    },
    GrantPermission {
        role: String,
        permission: Permission,
    },
    RevokePermission {
        role: String,
        range: KeyRange,
    },
    /// Turns authentication on or off.
    Authentication {
        on: bool,
    },
}

impl AccessChange {
    /// What it will do, said before it is done.
    pub fn describe(&self) -> String {
        match self {
            AccessChange::AddUser { name, password } => match password {
                Some(_) => format!("Add the user {name}, with the password given."),
                None => format!(
                    "Add the user {name} without a password: they sign in only with a client \
                     certificate whose common name is {name}."
                ),
            },
            AccessChange::DeleteUser { name } => format!(
                "Delete the user {name}. Their sessions end at etcd's next check; a user added \
                 again under that name has no roles."
            ),
            AccessChange::ChangePassword { name, .. } => {
                format!("Change the password of {name}; the old one stops working.")
            }
            AccessChange::GrantRole { user, role } => format!("Grant the role {role} to {user}."),
            AccessChange::RevokeRole { user, role } => {
                format!("Revoke the role {role} from {user}: they lose what it grants.")
            }
            AccessChange::AddRole { name } => {
                format!("Add the role {name}, which grants nothing until given permissions.")
            }
            AccessChange::DeleteRole { name } => {
                format!("Delete the role {name}: every user holding it loses what it grants.")
            }
            AccessChange::GrantPermission { role, permission } => format!(
                "Let the role {role} {} {}.",
                match permission.permits {
                    Permits::Read => "read",
                    Permits::Write => "write",
                    Permits::ReadWrite => "read and write",
                },
                permission.range.describe()
            ),
            AccessChange::RevokePermission { role, range } => {
                format!("Take {} away from the role {role}.", range.describe())
            }
            AccessChange::Authentication { on: true } => "Turn authentication on: from then \
                on everyone must sign in as an etcd user, and etcd's roles decide what each may \
                read and write. Only users holding the root role may change users and roles."
                .into(),
            AccessChange::Authentication { on: false } => "Turn authentication off: from then \
                on anyone who reaches etcd may read and write every key, and change users and \
                roles, without signing in."
                .into(),
        }
    }

    /// What was done, once it is.
    pub fn done(&self) -> String {
        match self {
            AccessChange::AddUser { name, .. } => format!("Added the user {name}."),
            AccessChange::DeleteUser { name } => format!("Deleted the user {name}."),
            AccessChange::ChangePassword { name, .. } => {
                format!("Changed the password of {name}.")
            }
            AccessChange::GrantRole { user, role } => format!("Granted the role {role} to {user}."),
            AccessChange::RevokeRole { user, role } => {
                format!("Revoked the role {role} from {user}.")
            }
            AccessChange::AddRole { name } => format!("Added the role {name}."),
            AccessChange::DeleteRole { name } => format!("Deleted the role {name}."),
            AccessChange::GrantPermission { role, permission } => format!(
                "The role {role} may now {} {}.",
                permission.permits.word(),
                permission.range.describe()
            ),
            AccessChange::RevokePermission { role, range } => {
                format!("Took {} away from the role {role}.", range.describe())
            }
            AccessChange::Authentication { on: true } => "Authentication is on.".into(),
            AccessChange::Authentication { on: false } => "Authentication is off.".into(),
        }
    }

    /// The name to type to confirm it, for a change that cannot be undone as it was (a deleted
    /// user's password is gone; a deleted role's permissions too).
    pub fn typed_confirmation(&self) -> Option<&str> {
        match self {
            AccessChange::DeleteUser { name } | AccessChange::DeleteRole { name } => Some(name),
            _ => None,
        }
    }

    /// The user or role it changes, for the audit log.
    pub fn subject(&self) -> Option<String> {
        match self {
            AccessChange::AddUser { name, .. }
            | AccessChange::DeleteUser { name }
            | AccessChange::ChangePassword { name, .. } => Some(format!("user {name}")),
            AccessChange::GrantRole { user, role } | AccessChange::RevokeRole { user, role } => {
                Some(format!("user {user} role {role}"))
            }
            AccessChange::AddRole { name } | AccessChange::DeleteRole { name } => {
                Some(format!("role {name}"))
            }
            AccessChange::GrantPermission { role, .. }
            | AccessChange::RevokePermission { role, .. } => Some(format!("role {role}")),
            AccessChange::Authentication { .. } => None,
        }
    }

    /// Checks the names and ranges it carries, before anything is asked of etcd.
    pub fn check(&self) -> Result<(), String> {
        match self {
            AccessChange::AddUser { name, password } => {
                check_name("user", name)?;
                match password {
                    Some(Secret(password)) if password.is_empty() => Err(
                        "A password cannot be empty; add the user without one for a client \
                         certificate only."
                            .into(),
                    ),
                    _ => Ok(()),
                }
            }
            AccessChange::ChangePassword { name, password } => {
                check_name("user", name)?;
                if password.0.is_empty() {
                    return Err("A password cannot be empty.".into());
                }
                Ok(())
            }
            AccessChange::DeleteUser { name } => check_name("user", name),
            AccessChange::AddRole { name } | AccessChange::DeleteRole { name } => {
                check_name("role", name)
            }
            AccessChange::GrantRole { user, role } | AccessChange::RevokeRole { user, role } => {
                check_name("user", user)?;
                check_name("role", role)
            }
            AccessChange::GrantPermission { role, permission } => {
                check_name("role", role)?;
                check_range(&permission.range)
            }
            AccessChange::RevokePermission { role, range } => {
                check_name("role", role)?;
                check_range(range)
            }
            AccessChange::Authentication { .. } => Ok(()),
        }
    }
}

/// A range etcd can store: its keys within etcd's key size, and not empty.
fn check_range(range: &KeyRange) -> Result<(), String> {
    const MAX_KEY: usize = 1536 * 1024;
    let (key, end) = range.to_etcd();
    if key.len() > MAX_KEY || end.len() > MAX_KEY {
        return Err("A range's keys are at most 1.5 MiB.".into());
    }
    match range {
        KeyRange::Key { key } if key.is_empty() => Err("Name the key.".into()),
        KeyRange::FromKey { from } if from.is_empty() => Err("Name the first key.".into()),
        KeyRange::Range { .. } if range.is_empty() => {
            Err("The range is empty: its end must come after its start.".into())
        }
        _ => Ok(()),
    }
}

/// etcd's users and roles as the access page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessView {
    pub auth_enabled: bool,
    pub users: Vec<UserRoles>,
    pub roles: Vec<RoleGrants>,
    /// Why the viewer may not change them, when they may not.
    pub refused: Option<String>,
    /// Why authentication cannot be turned on now.
    pub enable_refusal: Option<String>,
}

/// Who may read or write a key or prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WhoMay {
    pub target: Target,
    pub action: Action,
    pub auth_enabled: bool,
    /// Each user allowed all or part of it.
    pub users: Vec<UserCoverage>,
    /// The roles whose permissions reach into it.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserCoverage {
    pub user: String,
    pub coverage: Coverage,
}

/// [`WhoMay`] from etcd's users and roles.
pub fn who_may_view(
    users: &[UserRoles],
    roles: &[RoleGrants],
    target: &Target,
    auth_enabled: bool,
    action: Action,
) -> WhoMay {
    let wanted = target.interval();
    let reaching = roles
        .iter()
        .filter(|role| {
            role.is_root()
                || role
                    .permissions
                    .iter()
                    .any(|p| p.permits.allows(action) && p.range.interval().overlaps(&wanted))
        })
        .map(|role| role.name.clone())
        .collect();
    WhoMay {
        target: target.clone(),
        action,
        auth_enabled,
        users: who_may(users, roles, target, auth_enabled, action)
            .into_iter()
            .map(|(user, coverage)| UserCoverage { user, coverage })
            .collect(),
        roles: reaching,
    }
}

#[cfg(test)]
mod tests;
