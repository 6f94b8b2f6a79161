//! Changing the cluster's membership safely, for etcd's root role or etcd-deck's admin: adding
//! a member as a learner, promoting it once it has caught up, removing a member only while the
//! rest keep a quorum, replacing a failed member, and moving the leadership. Also where a key's
//! latest write has been applied, for anyone who may read the key.
//!
//! Each change is checked against the members as they are now (see [`crate::domain::members`]),
//! sent through the leader, audited, and answered with the members read again.

use super::audit::WriteAttempt;
use super::caller::Caller;
use super::maintenance::find;
use crate::domain::access::Operation;
use crate::domain::cluster::quorum;
use crate::domain::members::{
    leader, may_lead, may_remove, valid_name, valid_peer_url, JoinInstructions, MemberNow,
    MembershipChange,
};
use crate::domain::raft::{KeyLocation, KeyOnMember, RaftView};
use crate::domain::{AppError, Key};
use std::time::{Duration, Instant};

/// The most peer URLs one member is added with.
const MAX_PEER_URLS: usize = 8;

/// A member to add.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// The name it will start with; its id when none is given.
    pub name: Option<String>,
    pub peer_urls: Vec<String>,
    /// A learner (the default) receives the log without voting until promoted.
    pub learner: bool,
}

/// Every member with its Raft state, the changes of leader and term seen so far, and why this
/// caller may not change the membership, when they may not. Never fails: what cannot be read
/// is said.
pub async fn view(caller: &Caller) -> RaftView {
    let timeline = caller.etcd.timeline();
    let (members, refused) = futures::join!(
        caller.etcd.members_now(),
        caller.may_maintain(Operation::AddMember)
    );
    let (members, error) = match members {
        Ok(members) => (members, None),
        Err(err) => (Vec::new(), Some(err.to_string())),
    };
    RaftView {
        members,
        timeline,
        error,
        refused: refused.err().map(|err| err.to_string()),
    }
}

/// Adds a member: as a learner unless asked otherwise, and a voting member only while the
/// healthy voters would still make a quorum with the new one not yet started. Answers how to
/// start it.
pub async fn add(caller: &Caller, new: NewMember) -> Result<MembershipChange, AppError> {
    caller.may_maintain(Operation::AddMember).await?;
    check_new(&new)?;
    caller.runs.idle()?;
    let members = caller.etcd.members_now().await?;
    let via = proposer(&members)?;
    if !new.learner {
        let voters = members.iter().filter(|m| m.votes()).count();
        let healthy = healthy_voters(&members);
        if healthy < quorum(voters + 1) {
            return Err(AppError::Unsafe {
                message: format!(
                    "a voting member makes {} voters, whose quorum is {}, and only {healthy} are \
                     healthy while the new one has not started: add it as a learner",
                    voters + 1,
                    quorum(voters + 1)
                ),
            });
        }
    }
    let attempt = WriteAttempt {
        member: new.name.clone(),
        condition: Some(format!(
            "peer_urls={} learner={}",
            new.peer_urls.join(","),
            new.learner
        )),
        ..WriteAttempt::of(Operation::AddMember)
    };
    let added = caller
        .etcd
        .add_member(via, &new.peer_urls, new.learner)
        .await;
    caller.audit(&attempt, added.as_ref().map(|_| None));
    let id = added?;
    let name = new.name.unwrap_or_else(|| id.clone());
    let kind = if new.learner {
        "a learner"
    } else {
        "a voting member"
    };
    let done = format!("{name} ({id}) was added as {kind}: start it as shown");
    let mut change = changed(caller, done, |members| members.iter().any(|m| m.id == id)).await;
    let join = JoinInstructions::new(&id, &name, &new.peer_urls, new.learner, &change.members);
    change.join = Some(join);
    Ok(change)
}

fn check_new(new: &NewMember) -> Result<(), AppError> {
    if let Some(name) = &new.name {
        valid_name(name).map_err(AppError::invalid)?;
    }
    if new.peer_urls.is_empty() || new.peer_urls.len() > MAX_PEER_URLS {
        return Err(AppError::invalid(format!(
            "give the new member's peer URLs: 1 to {MAX_PEER_URLS}"
        )));
    }
    new.peer_urls
        .iter()
        .try_for_each(|url| valid_peer_url(url))
        .map_err(AppError::invalid)
}

/// Promotes a learner to a voting member. etcd refuses until it has caught up with the
/// leader's log; the refusal is told in words.
pub async fn promote(caller: &Caller, member: &str) -> Result<MembershipChange, AppError> {
    caller.may_maintain(Operation::PromoteMember).await?;
    caller.runs.idle()?;
    let members = caller.etcd.members_now().await?;
    let learner = find(&members, Some(member))?;
    if learner.votes() {
        return Err(AppError::Conflict {
            message: format!(
                "{} votes already: only a learner is promoted",
                learner.label()
            ),
        });
    }
    let via = proposer(&members)?;
    let attempt = audited(Operation::PromoteMember, learner);
    let promoted = caller.etcd.promote_member(via, &learner.id).await;
    caller.audit(&attempt, promoted.as_ref().map(|()| None));
    promoted?;
    let done = format!("{} was promoted to a voting member", learner.label());
    let id = &learner.id;
    let voting = |members: &[MemberNow]| members.iter().any(|m| m.id == *id && m.votes());
    Ok(changed(caller, done, voting).await)
}

/// Removes a member, when the healthy voting members left still make a quorum; the leader only
/// after its leadership has moved to the healthy voter furthest along.
pub async fn remove(caller: &Caller, member: &str) -> Result<MembershipChange, AppError> {
    caller.may_maintain(Operation::RemoveMember).await?;
    caller.runs.idle()?;
    let mut members = caller.etcd.members_now().await?;
    let gone = find(&members, Some(member))?.clone();
    let removal = may_remove(&members, &gone).map_err(|message| AppError::Unsafe { message })?;
    let mut done = String::new();
    if removal.moves_leader_first {
        let heir = heir(&members, &gone).ok_or_else(|| AppError::Unsafe {
            message: format!(
                "no other healthy voting member can take over from {}",
                gone.label()
            ),
        })?;
        let heir = heir.clone();
        move_to(caller, &members, &heir).await?;
        done = format!(
            "the leadership moved from {} to {}; ",
            gone.label(),
            heir.label()
        );
        members = caller.etcd.members_now().await?;
    }
    let via = proposer(&members)?;
    let attempt = WriteAttempt {
        condition: Some(removal.arithmetic.clone()),
        ..audited(Operation::RemoveMember, &gone)
    };
    let removed = caller.etcd.remove_member(via, &gone.id).await;
    caller.audit(&attempt, removed.as_ref().map(|()| None));
    removed?;
    let done = format!("{done}{} was removed: {}", gone.label(), removal.arithmetic);
    let gone_now = |members: &[MemberNow]| members.iter().all(|m| m.id != gone.id);
    Ok(changed(caller, done, gone_now).await)
}

/// Replaces a failed member: removes it (only while the rest keep a quorum), then adds its
/// replacement as a learner, to be started as answered and promoted once caught up.
pub async fn replace(
    caller: &Caller,
    member: &str,
    new: NewMember,
) -> Result<MembershipChange, AppError> {
    check_new(&new)?;
    let removed = remove(caller, member).await?;
    let new = NewMember {
        learner: true,
        ..new
    };
    let mut added = add(caller, new).await?;
    added.done = format!("{}; {}", removed.done, added.done);
    Ok(added)
}

/// Hands the leadership to `member`, a healthy voting member.
pub async fn move_leader(caller: &Caller, member: &str) -> Result<MembershipChange, AppError> {
    caller.may_maintain(Operation::MoveLeader).await?;
    caller.runs.idle()?;
    let members = caller.etcd.members_now().await?;
    let target = find(&members, Some(member))?.clone();
    let from = move_to(caller, &members, &target).await?;
    let done = format!("the leadership moved from {from} to {}", target.label());
    let leads = |members: &[MemberNow]| leader(members).is_some_and(|m| m.id == target.id);
    Ok(changed(caller, done, leads).await)
}

/// Moves the leadership to `target`, audited; answers who led before.
async fn move_to(
    caller: &Caller,
    members: &[MemberNow],
    target: &MemberNow,
) -> Result<String, AppError> {
    let leader = may_lead(members, target).map_err(|message| AppError::Unsafe { message })?;
    let attempt = WriteAttempt {
        condition: Some(format!("from={}", leader.label())),
        ..audited(Operation::MoveLeader, target)
    };
    let moved = caller.etcd.move_leader(leader, &target.id).await;
    caller.audit(&attempt, moved.as_ref().map(|()| None));
    moved.map(|()| leader.label().to_string())
}

/// The healthy voter, other than `leaving`, furthest along the log.
fn heir<'a>(members: &'a [MemberNow], leaving: &MemberNow) -> Option<&'a MemberNow> {
    let candidates = members
        .iter()
        .filter(|m| m.id != leaving.id && m.votes() && m.unhealthy().is_none());
    candidates.max_by_key(|m| m.applied_index)
}

/// The member a membership change is proposed through: the leader.
fn proposer(members: &[MemberNow]) -> Result<&MemberNow, AppError> {
    leader(members).ok_or_else(|| AppError::Unsafe {
        message: "no member leads the cluster now: etcd changes its membership only through a \
                  leader"
            .into(),
    })
}

fn healthy_voters(members: &[MemberNow]) -> usize {
    let healthy = |m: &&MemberNow| m.votes() && m.unhealthy().is_none();
    members.iter().filter(healthy).count()
}

fn audited(operation: Operation, member: &MemberNow) -> WriteAttempt {
    WriteAttempt {
        member: Some(member.label().to_string()),
        ..WriteAttempt::of(operation)
    }
}

/// How long the members are read again after a change, until one shows it.
const SETTLE: Duration = Duration::from_secs(3);

/// The answer to a change: what was done, and the members read again until they show it
/// (`settled`). The member list is read from any member, and one that has not yet applied the
/// change still lists the members as they were; after [`SETTLE`], the last list read is given.
async fn changed(
    caller: &Caller,
    done: String,
    settled: impl Fn(&[MemberNow]) -> bool,
) -> MembershipChange {
    let until = Instant::now() + SETTLE;
    let mut members = Vec::new();
    loop {
        if let Ok(now) = caller.etcd.members_now().await {
            members = now;
            if settled(&members) {
                break;
            }
        }
        if Instant::now() >= until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    MembershipChange {
        done,
        join: None,
        members,
    }
}

/// Which members have applied the latest write of `key`: its mod revision by a linearizable
/// read, against each member's own copy read from that member alone.
pub async fn locate(caller: &Caller, key: &Key) -> Result<KeyLocation, AppError> {
    if key.is_empty() {
        return Err(AppError::invalid("name the key to locate"));
    }
    let members = caller.etcd.members_now().await?;
    let (latest, read_at, error) = match caller.etcd.get(key).await {
        Ok(found) => (Some(found.summary.mod_revision), Some(found.revision), None),
        Err(AppError::NotFound { .. }) => match caller.etcd.connection().await {
            Ok(now) => (None, Some(now.revision), None),
            Err(err) => (None, None, Some(err.to_string())),
        },
        Err(err @ AppError::PermissionDenied { .. }) => return Err(err),
        Err(err) => (None, None, Some(err.to_string())),
    };
    let copies = members.iter().map(|member| async move {
        let seen = match member.started() {
            true => caller.etcd.key_on_member(member, key).await,
            false => Err(AppError::Unsafe {
                message: "it has not started yet".into(),
            }),
        };
        let reachable = seen.is_ok();
        let seen_revision = seen.as_ref().ok().copied().flatten();
        KeyOnMember {
            id: member.id.clone(),
            name: member.name.clone(),
            url: member.url.clone(),
            role: member.role.clone(),
            reachable,
            revision: member.revision,
            applied_index: member.applied_index,
            mod_revision: seen_revision,
            current: reachable && read_at.is_some() && seen_revision == latest,
            error: seen.err().map(|err| err.to_string()),
        }
    });
    Ok(KeyLocation {
        key: key.display(),
        mod_revision: latest,
        revision: read_at,
        leader: leader(&members).map(|m| m.label().to_string()),
        error,
        members: futures::future::join_all(copies).await,
    })
}
