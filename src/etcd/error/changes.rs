//! etcd's refusals of administrative changes (the membership, users and roles), in words:
//! each says what to do instead.

use super::Refusal;
use crate::domain::AppError;

/// etcd's refusal to add a member while the leader has not heard from every voting member for
/// the last 5 seconds (etcd's `--strict-reconfig-check`), in words.
pub const NOT_IN_TOUCH: &str = "the leader has not been in touch with every voting member for \
     the last 5 seconds (one is down, or has just started): bring it back or remove it, and try \
     again in a few seconds";

/// etcd's answer that it has no user (`what`) or role of this name.
pub(super) fn no_such(what: &str, name: &Option<String>) -> AppError {
    AppError::NoSuchName {
        owner: "etcd".into(),
        what: what.into(),
        name: name.clone().unwrap_or_default(),
    }
}

/// etcd's refusals of a membership change, in words: each says what to do instead.
pub(super) fn membership_refused(message: &str) -> Option<AppError> {
    let unsafe_ = |message: &str| AppError::Unsafe {
        message: format!("etcd refused: {message}"),
    };
    let conflict = |message: &str| AppError::Conflict {
        message: format!("etcd refused: {message}"),
    };
    Some(if message.contains("in sync with leader") {
        unsafe_(
            "the learner has not caught up with the leader's log yet (etcd promotes a learner              once it holds 90 % of it): wait until it has started and caught up",
        )
    } else if message.contains("can only promote a learner member") {
        conflict("only a learner can be promoted, and this member votes already")
    } else if message.contains("too many learner members") {
        unsafe_("the cluster has a learner already, and etcd allows one at a time: promote or remove it first")
    } else if message.contains("unhealthy cluster") {
        unsafe_(NOT_IN_TOUCH)
    } else if message.contains("not enough started members") {
        unsafe_("too few members have started for the cluster to keep its quorum after this change")
    } else if message.contains("given member URLs are invalid") {
        AppError::invalid(
            "etcd refused the peer URLs: one of them is no peer URL it takes (http://host:port \
             or https://host:port)",
        )
    } else if message.contains("Peer URLs already exists") || message.contains("peerURL exists") {
        conflict("a member with that peer URL is in the cluster already")
    } else if message.contains("member not found") {
        conflict("the cluster has no such member (removed meanwhile?)")
    } else if message.contains("bad leader transferee") {
        conflict("that member cannot take the leadership: it must be a started voting member")
    } else if message.contains("etcdserver: not leader") {
        conflict("the member asked does not lead the cluster (the leadership moved meanwhile): try again")
    } else {
        return None;
    })
}

/// etcd's refusals of changes to its users and roles.
pub(super) fn access_admin_refused(message: &str) -> Option<Refusal> {
    let conflict = |message: &str| {
        Some(Refusal::Told(AppError::Conflict {
            message: format!("etcd refused: {message}"),
        }))
    };
    let unsafe_ = |message: &str| {
        Some(Refusal::Told(AppError::Unsafe {
            message: format!("etcd refused: {message}"),
        }))
    };
    if message.contains("user name not found") {
        Some(Refusal::NoSuchUser)
    } else if message.contains("role name not found") {
        Some(Refusal::NoSuchRole)
    } else if message.contains("user name already exists") {
        conflict("a user of that name exists already")
    } else if message.contains("role name already exists") {
        conflict("a role of that name exists already")
    } else if message.contains("role is not granted to the user") {
        conflict("the user does not hold that role")
    } else if message.contains("permission is not granted to the role") {
        conflict(
            "the role has no permission on exactly that range (a permission is revoked by the \
             range it was granted on)",
        )
    } else if message.contains("invalid auth management") {
        unsafe_(
            "the change is not allowed: while authentication is on, the root user stays and \
             keeps the root role, and a permission's range must start at a key and end after it",
        )
    } else if message.contains("password length exceeds") {
        Some(Refusal::Told(AppError::invalid(
            "etcd refused the password: bcrypt, which hashes it, takes at most 72 bytes",
        )))
    } else if message.contains("root user does not exist") {
        unsafe_("authentication needs a user named root first")
    } else if message.contains("root user does not have root role") {
        unsafe_("authentication needs the user root to hold the root role first")
    } else {
        None
    }
}
