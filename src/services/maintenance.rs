//! Maintaining the cluster, for etcd's root role or etcd-deck's admin: compaction,
//! defragmentation one member at a time, alarms, snapshots, the consistency check, and the
//! guided recovery of a full database.
//!
//! Every operation checks that the caller may maintain the cluster, refuses what would hurt it
//! (defragmenting while a member is unhealthy, disarming an alarm whose cause is still there),
//! and writes each step to the audit log. One runs at a time.

mod run;
mod runs;

use super::audit::WriteAttempt;
use super::caller::Caller;
use crate::domain::access::Operation;
use crate::domain::cluster::Role;
use crate::domain::maintenance::{
    defragment_order, differences, may_disarm_nospace, Consistency, RecoveryPlan, RunRecord,
};
use crate::domain::members::MemberNow;
use crate::domain::AppError;
use crate::etcd::Snapshot;
pub use run::Run;
pub use runs::Runs;

/// Every member as it is now, for anyone who may read the cluster: etcd decides what each
/// member's status shows them.
pub async fn members(caller: &Caller) -> Result<Vec<MemberNow>, AppError> {
    caller.etcd.members_now().await
}

/// The active alarms, as `(member id, alarm)`, for anyone who may read the cluster.
pub async fn alarms(caller: &Caller) -> Result<Vec<(String, String)>, AppError> {
    caller.etcd.alarms().await
}

/// What recovering a full database would do now, and why it cannot, when it cannot.
pub async fn plan(caller: &Caller) -> Result<RecoveryPlan, AppError> {
    let members = caller.etcd.members_now().await?;
    let alarms = members
        .iter()
        .flat_map(|m| m.alarms.iter().map(|alarm| (m.id.clone(), alarm.clone())))
        .collect();
    let compact_to = members.iter().filter_map(|m| m.revision).max();
    let compacted_now = members.iter().filter_map(|m| m.compact_revision).max();
    let blocked = members
        .iter()
        .find_map(MemberNow::unhealthy)
        .map(|why| format!("{why}: recovery runs only while every member is healthy"))
        .or_else(|| {
            compact_to
                .is_none()
                .then(|| "no member told its revision".to_string())
        });
    let (order, learners) = defragment_order(&members);
    let members = order.into_iter().chain(learners).cloned().collect();
    Ok(RecoveryPlan {
        compact_to: compact_to.unwrap_or_default(),
        compacted_now,
        members,
        alarms,
        blocked,
    })
}

/// Runs the recovery of a full database: compacts the history to `revision` (the one the plan
/// showed, typed to confirm: everything older is dropped), defragments every member, followers
/// first and the leader last, each only while every member is healthy, disarms each NOSPACE
/// alarm once its member is under its quota by a margin, and writes and deletes a test key.
///
/// `followed`: the caller reads the run's lines, and leaving stops it; otherwise it runs on and
/// is read from [`last_run`].
pub async fn recover(
    caller: &Caller,
    revision: Option<i64>,
    followed: bool,
) -> Result<Run, AppError> {
    caller.may_maintain(Operation::Recover).await?;
    let plan = plan(caller).await?;
    let revision = confirmed_revision(revision, &plan)?;
    if let Some(why) = plan.blocked {
        return Err(AppError::Unsafe { message: why });
    }
    Run::start(
        caller,
        Operation::Recover,
        followed,
        move |run| async move {
            run.compact(revision).await?;
            run.defragment_all(None).await?;
            run.disarm_all().await?;
            run.test_write().await
        },
    )
}

/// The revision to compact to, as the caller confirmed it: above what is compacted already, and
/// not beyond the current one.
fn confirmed_revision(revision: Option<i64>, plan: &RecoveryPlan) -> Result<i64, AppError> {
    let current = plan.compact_to;
    let Some(revision) = revision else {
        return Err(AppError::invalid(format!(
            "name the revision to compact etcd's history to: the current one is {current}, and \
             every older version of every key is dropped"
        )));
    };
    if revision > current {
        return Err(AppError::Conflict {
            message: format!("revision {revision} is in the future: the current one is {current}"),
        });
    }
    if revision < 1 {
        return Err(AppError::invalid("a revision starts at 1"));
    }
    Ok(revision)
}

/// Defragments the members named (by name or id), one at a time in the safe order. Refused
/// for a learner and while any member is unhealthy.
pub async fn defragment(
    caller: &Caller,
    named: &[String],
    followed: bool,
) -> Result<Run, AppError> {
    caller.may_maintain(Operation::Defragment).await?;
    if named.is_empty() {
        return Err(AppError::invalid("name the members to defragment"));
    }
    let members = caller.etcd.members_now().await?;
    let chosen = named
        .iter()
        .map(|name| find(&members, Some(name)).cloned())
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(learner) = chosen.iter().find(|m| m.role() == Role::Learner) {
        return Err(AppError::Unsafe {
            message: format!(
                "member {} is a learner: etcd refuses to defragment a learner",
                learner.label()
            ),
        });
    }
    if let Some(why) = members.iter().find_map(MemberNow::unhealthy) {
        return Err(AppError::Unsafe {
            message: format!("{why}: defragmenting now could cost the cluster its quorum"),
        });
    }
    let ids: Vec<String> = chosen.into_iter().map(|m| m.id).collect();
    Run::start(
        caller,
        Operation::Defragment,
        followed,
        move |run| async move { run.defragment_all(Some(&ids)).await },
    )
}

/// Compacts the history up to `revision`, which must be past what is compacted already and not
/// beyond the current revision. Answers the revision compacted to before.
pub async fn compact(caller: &Caller, revision: i64) -> Result<Option<i64>, AppError> {
    caller.may_maintain(Operation::Compact).await?;
    let plan = plan(caller).await?;
    let revision = confirmed_revision(Some(revision), &plan)?;
    if let Some(compacted) = plan.compacted_now.filter(|c| *c >= revision) {
        return Err(AppError::Conflict {
            message: format!("the history is compacted to revision {compacted} already"),
        });
    }
    compact_through(caller, &plan.members, revision).await?;
    Ok(plan.compacted_now)
}

/// Compacts the history up to `revision` through the leader (or else any member that answers),
/// and audits it. A revision compacted meanwhile is a conflict, as one compacted before is.
async fn compact_through(
    caller: &Caller,
    members: &[MemberNow],
    revision: i64,
) -> Result<(), AppError> {
    let attempt = WriteAttempt {
        condition: Some(format!("revision={revision}")),
        ..WriteAttempt::of(Operation::Compact)
    };
    let leader = members.iter().find(|m| m.role() == Role::Leader);
    let via = leader.or_else(|| members.iter().find(|m| m.error.is_none()));
    let compacted = match via {
        Some(via) => caller.etcd.compact(via, revision).await,
        None => Err(AppError::Unsafe {
            message: "no member answers: nothing to compact through".into(),
        }),
    };
    let compacted = compacted.map_err(|err| match err {
        AppError::Compacted { .. } => AppError::Conflict {
            message: format!("the history is compacted to revision {revision} or past it already"),
        },
        other => other,
    });
    caller.audit(&attempt, compacted.as_ref().map(|()| Some(revision)));
    compacted
}

/// Disarms `alarm` of `member` and audits it: a NOSPACE alarm only once every voting member is
/// under its quota by a margin (the alarm stops writes to the whole cluster, and the fullest
/// member would raise it again at once).
async fn disarm_checked(
    caller: &Caller,
    members: &[MemberNow],
    member: &MemberNow,
    alarm: &str,
) -> Result<(), AppError> {
    let attempt = WriteAttempt {
        member: Some(member.label().to_string()),
        condition: Some(format!("alarm={alarm}")),
        ..WriteAttempt::of(Operation::Disarm)
    };
    let disarmed = async {
        if !member.alarms.iter().any(|a| a == alarm) {
            return Err(AppError::Conflict {
                message: format!("member {} has no {alarm} alarm", member.label()),
            });
        }
        if alarm == "NOSPACE" {
            may_disarm_nospace(members).map_err(|message| AppError::Unsafe { message })?;
        }
        caller.etcd.disarm(&member.id, alarm).await
    }
    .await;
    caller.audit(&attempt, disarmed.as_ref().map(|()| None));
    disarmed
}

/// Disarms `alarm` of `member` (by name or id): refused, with the numbers, while that member
/// is still too full for it.
pub async fn disarm(caller: &Caller, member: &str, alarm: &str) -> Result<(), AppError> {
    caller.may_maintain(Operation::Disarm).await?;
    let members = caller.etcd.members_now().await?;
    let member = find(&members, Some(member))?;
    disarm_checked(caller, &members, member, alarm).await
}

/// Starts a snapshot of `member` (by name or id; the leader when none is named).
pub async fn snapshot(caller: &Caller, member: Option<&str>) -> Result<Snapshot, AppError> {
    caller.may_maintain(Operation::Snapshot).await?;
    let members = caller.etcd.members_now().await?;
    let member = find(&members, member)?;
    let attempt = WriteAttempt {
        member: Some(member.label().to_string()),
        ..WriteAttempt::of(Operation::Snapshot)
    };
    let snapshot = caller.etcd.snapshot(member).await;
    caller.audit(&attempt, snapshot.as_ref().map(|s| Some(s.revision)));
    snapshot
}

/// Every member's hash of its keys at `revision` (by default the oldest revision every member
/// has reached), compared where they were compacted alike.
pub async fn consistency(caller: &Caller, revision: Option<i64>) -> Result<Consistency, AppError> {
    caller.may_maintain(Operation::ConsistencyCheck).await?;
    if revision.is_some_and(|r| r < 1) {
        return Err(AppError::invalid("a revision starts at 1"));
    }
    let members = caller.etcd.members_now().await?;
    let reached = members.iter().filter_map(|m| m.revision).min();
    let revision = match (revision, reached) {
        (Some(revision), _) => revision,
        (None, Some(reached)) => reached,
        (None, None) => {
            return Err(AppError::EtcdUnavailable {
                endpoints: members.iter().map(|m| m.url.clone()).collect(),
                reason: "no member told its revision".into(),
            })
        }
    };
    let hashes = members.iter().map(|m| caller.etcd.hash_kv(m, revision));
    let members = futures::future::join_all(hashes).await;
    let differences = differences(&members);
    let consistent = differences.is_empty() && members.iter().all(|m| m.error.is_none());
    let checked = Consistency {
        revision,
        members,
        consistent,
        differences,
    };
    let attempt = WriteAttempt {
        condition: Some(format!("revision={revision}")),
        ..WriteAttempt::of(Operation::ConsistencyCheck)
    };
    caller.audit(&attempt, Ok(Some(revision)));
    Ok(checked)
}

/// The maintenance run under way, or the last one.
pub fn last_run(caller: &Caller) -> Option<RunRecord> {
    caller.runs.last()
}

/// Asks the run under way to stop before its next step: for whoever may maintain the cluster.
pub async fn stop_run(caller: &Caller) -> Result<bool, AppError> {
    caller.may_maintain(Operation::Recover).await?;
    Ok(caller.runs.stop())
}

/// The member named `name` (its name or hex id); the leader when none is named.
pub(super) fn find<'a>(
    members: &'a [MemberNow],
    name: Option<&str>,
) -> Result<&'a MemberNow, AppError> {
    let found = match name {
        Some(name) => members.iter().find(|m| m.name == name || m.id == name),
        None => members.iter().find(|m| m.role() == Role::Leader),
    };
    found.ok_or_else(|| match name {
        Some(name) => AppError::NoSuchMember {
            name: name.to_string(),
            members: members
                .iter()
                .map(|m| format!("{} ({})", m.label(), m.id))
                .collect::<Vec<_>>()
                .join(", "),
        },
        None => AppError::Unsafe {
            message: "no member leads the cluster now: name the member to take it from".into(),
        },
    })
}
