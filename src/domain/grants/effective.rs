//! What a user may do, computed from their roles the way etcd matches ranges: one key is
//! allowed when any range holds it, a whole range only when the ranges together cover it.

use super::{before, Action, Interval, KeyRange, Permission, RoleGrants, Target, UserRoles, ROOT};
use crate::domain::key::Key;
use serde::{Deserialize, Serialize};

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
    let verb = action.word();
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
) -> Vec<UserCoverage> {
    users
        .iter()
        .map(|user| UserCoverage {
            user: user.name.clone(),
            coverage: verdict(user, roles, target, auth_enabled, action).coverage,
        })
        .filter(|may| may.coverage != Coverage::None)
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
        users: who_may(users, roles, target, auth_enabled, action),
        roles: reaching,
    }
}
