//! Raft at a glance: the members with their terms and log indexes, the changes of leader and
//! term etcd-deck has seen, and where a key's latest write has been applied.

use super::members::MemberNow;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// How many changes of leader or term are kept in memory.
pub const TIMELINE_LENGTH: usize = 100;

/// A change of leader or term, as the health check saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RaftEvent {
    /// When it was seen, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub term: u64,
    /// The leader's id in hex; none while no member knows one.
    pub leader: Option<String>,
    /// The leader is the one before the last change (it won an election again).
    pub again: bool,
}

impl RaftEvent {
    /// What changed, in words: "m2 leads (term 3)", "no leader (term 4)".
    pub fn describe(&self, members: &[MemberNow]) -> String {
        let term = self.term;
        let Some(leader) = &self.leader else {
            return format!("no leader (term {term})");
        };
        let named = members.iter().find(|m| &m.id == leader);
        let name = match named {
            Some(member) => member.label().to_string(),
            None => format!("{leader} (no longer a member)"),
        };
        let again = if self.again { " again" } else { "" };
        format!("{name} leads{again} (term {term})")
    }
}

/// The changes of leader and term seen since etcd-deck started, the newest last, at most
/// [`TIMELINE_LENGTH`].
#[derive(Debug, Clone, Default)]
pub struct RaftTimeline {
    events: VecDeque<RaftEvent>,
}

impl RaftTimeline {
    /// Records what the members say now: the highest term any reports, and the leader of that
    /// term. A new event only when the term or the leader changed.
    pub fn observe(&mut self, at_ms: u64, term: u64, leader: Option<String>) {
        let last = self.events.back();
        if last.is_some_and(|last| last.term == term && last.leader == leader) {
            return;
        }
        if last.is_some_and(|last| last.term > term) {
            return;
        }
        let again = leader.is_some() && last.is_some_and(|last| last.leader == leader);
        if self.events.len() == TIMELINE_LENGTH {
            self.events.pop_front();
        }
        self.events.push_back(RaftEvent {
            at_ms,
            term,
            leader,
            again,
        });
    }

    pub fn events(&self) -> Vec<RaftEvent> {
        self.events.iter().cloned().collect()
    }
}

/// The members page's data: every member read now, and the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RaftView {
    pub members: Vec<MemberNow>,
    pub timeline: Vec<RaftEvent>,
    /// Why the members could not be read, when they could not.
    pub error: Option<String>,
    /// Why the caller may not change the membership, when they may not.
    #[serde(default)]
    pub refused: Option<String>,
}

/// Where a key lives: every member holds every key, so the question is which members have
/// applied its latest write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyLocation {
    pub key: String,
    /// The key's latest modification, by a linearizable read (through the leader); none when the
    /// key does not exist, or the read failed.
    pub mod_revision: Option<i64>,
    /// The cluster's revision at that read.
    pub revision: Option<i64>,
    /// The leader, which serves writes.
    pub leader: Option<String>,
    /// Why the linearizable read failed, when it did (no quorum...).
    pub error: Option<String>,
    pub members: Vec<KeyOnMember>,
}

/// One member's copy of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyOnMember {
    pub id: String,
    pub name: String,
    pub url: String,
    pub role: String,
    pub reachable: bool,
    /// Its revision and applied index, from its status.
    pub revision: Option<i64>,
    pub applied_index: Option<u64>,
    /// The key's mod revision as this member sees it (a serializable read on it alone); none
    /// when it holds no such key, or did not answer.
    pub mod_revision: Option<i64>,
    /// Whether it has applied the key's latest write: its copy has the latest mod revision (or,
    /// for a key that is gone, it has none either).
    pub current: bool,
    pub error: Option<String>,
}

impl KeyOnMember {
    /// Its copy in words: "current", "behind: has revision 7 of 9", "not there yet".
    pub fn state(&self, latest: Option<i64>) -> String {
        match (self.reachable, self.current, self.mod_revision, latest) {
            (false, _, _, _) => "unreachable".into(),
            (_, true, Some(_), _) => "current".into(),
            (_, true, None, _) => "current (no such key)".into(),
            (_, false, Some(seen), Some(latest)) => {
                format!("behind: has revision {seen} of {latest}")
            }
            (_, false, None, Some(_)) => "behind: not there yet".into(),
            (_, false, _, None) => "unknown".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_records_each_change_of_leader_or_term_once() {
        let mut timeline = RaftTimeline::default();
        let members = [
            crate::domain::members::sample("m1", "leader"),
            crate::domain::members::sample("m2", "voter"),
        ];
        let (a, b) = (Some("m1-id".to_string()), Some("m2-id".to_string()));
        timeline.observe(1, 2, a.clone());
        timeline.observe(2, 2, a.clone());
        timeline.observe(3, 3, None);
        timeline.observe(4, 3, b.clone());
        timeline.observe(5, 2, a); // an older member's view: ignored
        let what: Vec<String> = timeline
            .events()
            .iter()
            .map(|e| e.describe(&members))
            .collect();
        assert_eq!(
            what,
            [
                "m1 leads (term 2)",
                "no leader (term 3)",
                "m2 leads (term 3)"
            ]
        );
        for term in 10..(10 + TIMELINE_LENGTH as u64 + 5) {
            timeline.observe(term, term, b.clone());
        }
        let events = timeline.events();
        assert_eq!(events.len(), TIMELINE_LENGTH);
        assert_eq!(
            events.last().unwrap().describe(&members),
            "m2 leads again (term 114)"
        );
        let gone = RaftEvent {
            leader: Some("f00".into()),
            ..events[0].clone()
        };
        assert!(gone
            .describe(&members)
            .starts_with("f00 (no longer a member) leads"));
    }

    #[test]
    fn a_copy_behind_says_by_how_much() {
        let member = KeyOnMember {
            id: "a".into(),
            name: "m1".into(),
            url: String::new(),
            role: "voter".into(),
            reachable: true,
            revision: Some(8),
            applied_index: Some(20),
            mod_revision: Some(7),
            current: false,
            error: None,
        };
        assert_eq!(member.state(Some(9)), "behind: has revision 7 of 9");
    }
}
