//! Maintenance of the cluster: what each member holds now, the plan that recovers a full
//! database, and the progress of a run, as the page, the REST API and the command line show
//! them.
//!
//! The rules of a safe run are here, pure: which members are defragmented in which order
//! ([`defragment_order`]), what keeps a run from starting ([`MemberNow::unhealthy`]), and when
//! an alarm may be disarmed ([`MemberNow::may_disarm`]).

use super::cluster::Role;
use super::limits::human_bytes as bytes;
use super::members::MemberNow;
use serde::{Deserialize, Serialize};

/// A member may have its NOSPACE alarm disarmed once its database is at most this share of its
/// quota, in percent: below it by a margin, so that the next writes do not raise it again at
/// once.
pub const DISARM_BELOW_PERCENT: u64 = 90;

impl MemberNow {
    /// Whether its NOSPACE alarm may be disarmed: `Ok`, or why not, with the numbers.
    pub fn may_disarm(&self) -> Result<(), String> {
        let who = self.label();
        let Some(percent) = self.used_percent() else {
            return Err(format!(
                "the size or quota of member {who} cannot be read, so etcd-deck cannot tell \
                 whether it is still full"
            ));
        };
        if percent > DISARM_BELOW_PERCENT {
            return Err(format!(
                "member {who} still uses {percent}% of its quota ({} of {}); disarming now would \
                 only see the alarm raised again. Free space first (delete keys, compact, \
                 defragment) until it is under {DISARM_BELOW_PERCENT}%",
                bytes(self.db_size.unwrap_or_default()),
                bytes(self.quota_bytes.unwrap_or_default()),
            ));
        }
        Ok(())
    }
}

/// Whether a NOSPACE alarm may be disarmed: every voting member is under its quota by a margin.
/// The alarm stops writes to the whole cluster, and any member still full would raise it again.
pub fn may_disarm_nospace(members: &[MemberNow]) -> Result<(), String> {
    let voters = members.iter().filter(|m| m.role() != Role::Learner);
    voters.into_iter().try_for_each(MemberNow::may_disarm)
}

/// The members to defragment, in the order it is safe to: followers first, the leader last
/// (defragmenting blocks the member, and a leader blocked is an election); learners are left
/// out, since etcd refuses to defragment them. Returns the order and the learners left out.
pub fn defragment_order(members: &[MemberNow]) -> (Vec<&MemberNow>, Vec<&MemberNow>) {
    let (learners, voters): (Vec<_>, Vec<_>) =
        members.iter().partition(|m| m.role() == Role::Learner);
    let (leader, mut order): (Vec<_>, Vec<_>) =
        voters.into_iter().partition(|m| m.role() == Role::Leader);
    order.extend(leader);
    (order, learners)
}

/// What a full database's recovery will do, shown before it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecoveryPlan {
    /// The revision history is compacted to: the current one. Every older version of every key
    /// is dropped; history, past keyspaces and undelete stop working below it.
    pub compact_to: i64,
    /// The revision history is compacted up to now, when known.
    pub compacted_now: Option<i64>,
    /// Every member, in the order they are defragmented (learners last, skipped).
    pub members: Vec<MemberNow>,
    /// The active alarms, as `(member id, alarm)`.
    pub alarms: Vec<(String, String)>,
    /// Why the plan cannot run now, when it cannot.
    pub blocked: Option<String>,
}

/// A step of maintenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The members' health, checked before each step that needs them all healthy.
    Check,
    Compact,
    Defragment,
    Disarm,
    /// A test write, deleted again.
    TestWrite,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Check => "check",
            Step::Compact => "compact",
            Step::Defragment => "defragment",
            Step::Disarm => "disarm",
            Step::TestWrite => "test write",
        }
    }
}

/// Where a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Started,
    Done,
    /// Not needed, or not possible for this member (a learner); the run goes on.
    Skipped,
    /// Refused or failed: the run stops here.
    Failed,
}

/// One line of a maintenance run's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Progress {
    pub step: Step,
    pub state: StepState,
    /// The member it is about, by name (or id), when it is about one.
    pub member: Option<String>,
    /// The member's database size before and after, in bytes (defragment).
    pub before: Option<u64>,
    pub after: Option<u64>,
    /// How long it took, in milliseconds, once done.
    pub millis: Option<u64>,
    /// What happened, in words.
    pub message: String,
}

impl Progress {
    pub fn new(step: Step, state: StepState, message: impl Into<String>) -> Self {
        Progress {
            step,
            state,
            member: None,
            before: None,
            after: None,
            millis: None,
            message: message.into(),
        }
    }

    pub fn member(self, member: &MemberNow) -> Self {
        Progress {
            member: Some(member.label().to_string()),
            ..self
        }
    }
}

/// The last line of a run: whether it did all it set out to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunReport {
    /// Every step done and none failed.
    pub ok: bool,
    /// The bytes the defragmentation gave back, over all members.
    pub freed: u64,
    pub millis: u64,
    pub message: String,
}

/// One line of a run's stream: a step's progress, then the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum RunLine {
    Report(RunReport),
    Progress(Progress),
}

/// The maintenance page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    /// The members and what a recovery would do now.
    pub plan: RecoveryPlan,
    /// Why this person may not maintain the cluster, when they may not.
    pub refused: Option<String>,
    /// The run under way, or the last one.
    pub run: Option<RunRecord>,
}

/// A maintenance run, as the page shows it while it goes and after: who started it, and its
/// lines so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// What it does, as the audit log names it: `recover`, `defragment`.
    pub operation: String,
    pub started_by: Option<String>,
    /// When it started, RFC 3339.
    pub started: String,
    pub lines: Vec<RunLine>,
    /// Asked to stop: it stops before its next step.
    pub stopping: bool,
}

impl RunRecord {
    /// Its report, once it has ended.
    pub fn report(&self) -> Option<&RunReport> {
        self.lines.iter().find_map(|line| match line {
            RunLine::Report(report) => Some(report),
            RunLine::Progress(_) => None,
        })
    }

    pub fn running(&self) -> bool {
        self.report().is_none()
    }

    /// Each step's last line: a step started and then done shows as done.
    pub fn steps(&self) -> Vec<&Progress> {
        let mut steps: Vec<&Progress> = Vec::new();
        for line in &self.lines {
            let RunLine::Progress(progress) = line else {
                continue;
            };
            match steps.last_mut() {
                Some(last)
                    if last.state == StepState::Started
                        && last.step == progress.step
                        && last.member == progress.member =>
                {
                    *last = progress
                }
                _ => steps.push(progress),
            }
        }
        steps
    }
}

/// Every member's HashKV at one revision, and whether they agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Consistency {
    /// The revision hashed.
    pub revision: i64,
    pub members: Vec<MemberHash>,
    /// Whether every pair that may be compared (the same compact revision) has the same hash.
    pub consistent: bool,
    /// Each mismatch, as "member b differs from a: 1234 against 5678".
    pub differences: Vec<String>,
}

/// One member's HashKV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberHash {
    pub member: String,
    pub hash: Option<u32>,
    /// The revision its history was compacted to when it hashed: only hashes with the same
    /// one may be compared.
    pub compact_revision: Option<i64>,
    pub error: Option<String>,
}

/// Compares members' hashes where their compact revisions match: the differences, in words.
pub fn differences(hashes: &[MemberHash]) -> Vec<String> {
    let mut found = Vec::new();
    let hashed: Vec<(&MemberHash, u32, i64)> = hashes
        .iter()
        .filter_map(|m| Some((m, m.hash?, m.compact_revision?)))
        .collect();
    for (i, (a, hash_a, compact_a)) in hashed.iter().enumerate() {
        let first_differing = hashed[..i]
            .iter()
            .find(|(_, hash_b, compact_b)| compact_b == compact_a && hash_b != hash_a);
        if let Some((b, hash_b, _)) = first_differing {
            found.push(format!(
                "member {} differs from {}: hash {hash_a} against {hash_b} (both compacted to \
                 revision {compact_a})",
                a.member, b.member
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, role: &str) -> MemberNow {
        crate::domain::members::sample(name, role)
    }

    #[test]
    fn followers_are_defragmented_first_the_leader_last_and_learners_never() {
        let members = [
            member("a", "leader"),
            member("b", "voter"),
            member("l", "learner"),
            member("c", "voter"),
        ];
        let (order, skipped) = defragment_order(&members);
        let names: Vec<&str> = order.iter().map(|m| m.label()).collect();
        assert_eq!(names, ["b", "c", "a"]);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].name, "l");
    }

    #[test]
    fn a_member_is_disarmed_only_under_its_quota_by_a_margin() {
        let mut full = member("a", "leader");
        let refused = full.may_disarm().unwrap_err();
        assert!(refused.contains("95%"), "{refused}");
        assert!(refused.contains("95 B of 100 B"), "{refused}");
        full.db_size = Some(90);
        assert_eq!(full.may_disarm(), Ok(()));
        full.quota_bytes = None;
        assert!(full.may_disarm().is_err());
        // One member still full keeps every alarm armed; a learner does not count.
        let (mut done, still) = (member("a", "leader"), member("b", "voter"));
        done.db_size = Some(40);
        assert!(may_disarm_nospace(&[done.clone(), still.clone()]).is_err());
        let mut learner = still;
        learner.role = "learner".into();
        assert_eq!(may_disarm_nospace(&[done, learner]), Ok(()));
    }

    #[test]
    fn an_unhealthy_member_says_why() {
        let mut m = member("a", "voter");
        assert_eq!(m.unhealthy(), None, "a NOSPACE alarm alone is no illness");
        m.has_leader = false;
        assert_eq!(m.unhealthy().unwrap(), "member a knows no leader");
        m.error = Some("connection refused".into());
        assert!(m.unhealthy().unwrap().contains("does not answer"));
        let mut corrupt = member("b", "voter");
        corrupt.alarms.push("CORRUPT".into());
        assert!(corrupt.unhealthy().unwrap().contains("CORRUPT"));
    }

    #[test]
    fn hashes_are_compared_only_at_the_same_compact_revision() {
        let hash = |member: &str, hash, compact| MemberHash {
            member: member.into(),
            hash: Some(hash),
            compact_revision: Some(compact),
            error: None,
        };
        let same = [hash("a", 1, 5), hash("b", 1, 5), hash("c", 9, 6)];
        assert!(differences(&same).is_empty(), "c was compacted elsewhere");
        let differing = [hash("a", 1, 5), hash("b", 2, 5)];
        let found = differences(&differing);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("member b differs from a"), "{found:?}");
    }
}
