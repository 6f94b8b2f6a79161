//! What etcd-deck knows about the cluster: members, each endpoint's health, leader and alarms.

use serde::{Deserialize, Serialize};

/// How many members must answer for the cluster to have a quorum.
pub fn quorum(members: usize) -> usize {
    members / 2 + 1
}

/// How many members a cluster of `members` can lose and keep serving: ⌊(N−1)/2⌋.
pub fn tolerated_failures(members: usize) -> usize {
    members.saturating_sub(1) / 2
}

/// The cluster as seen through every configured endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterOverview {
    pub members: Vec<MemberInfo>,
    pub endpoints: Vec<EndpointHealth>,
    /// The name (or hex id) of the leader, when a member reports one.
    pub leader: Option<String>,
    /// The newest store revision any endpoint reported.
    pub revision: i64,
    /// Active alarms; `None` when they could not be read (reading them needs a quorum).
    pub alarms: Option<Vec<Alarm>>,
}

impl ClusterOverview {
    pub fn endpoints_up(&self) -> usize {
        self.endpoints.iter().filter(|e| e.up).count()
    }

    /// The health of the endpoint that reaches `member`: the one whose status names it, or
    /// else one of its client URLs.
    pub fn health_of(&self, member: &MemberInfo) -> Option<&EndpointHealth> {
        let by_id = self.endpoints.iter().find(|e| {
            e.status
                .as_ref()
                .is_some_and(|status| status.member_id == member.id)
        });
        by_id.or_else(|| {
            let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
            self.endpoints
                .iter()
                .find(|e| member.client_urls.iter().any(|url| same(url, &e.endpoint)))
        })
    }
}

/// One member, as `member list` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// The member id in hex, as etcdctl prints it.
    pub id: String,
    pub name: String,
    pub client_urls: Vec<String>,
    pub peer_urls: Vec<String>,
    pub is_learner: bool,
}

/// One configured endpoint, as the background health check last saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointHealth {
    pub endpoint: String,
    pub up: bool,
    /// How long its last status request took.
    pub latency_ms: Option<f64>,
    /// Why it is down, when it is.
    pub error: Option<String>,
    pub status: Option<MemberStatus>,
}

/// A member's own report of itself (etcd's maintenance `Status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberStatus {
    pub member_id: String,
    pub version: String,
    pub db_size: i64,
    pub db_size_in_use: i64,
    /// The leader's id in hex, empty when it knows of none.
    pub leader_id: String,
    pub raft_term: u64,
    pub raft_index: u64,
    pub revision: i64,
    pub is_learner: bool,
    pub errors: Vec<String>,
}

impl MemberStatus {
    pub fn is_leader(&self) -> bool {
        !self.leader_id.is_empty() && self.leader_id == self.member_id
    }
}

/// An active alarm: `NOSPACE` (writes refused until space is freed) or `CORRUPT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarm {
    pub member_id: String,
    pub kind: String,
}

/// Which endpoint answered a read, and whether the read was linearizable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSource {
    pub endpoint: String,
    /// The answering member's id in hex.
    pub member_id: String,
    /// True for a serializable read served by one member without quorum: it may be out of date.
    pub stale: bool,
}

/// Formats a member id as etcdctl does.
pub fn member_id_hex(id: u64) -> String {
    format!("{id:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_arithmetic() {
        let table: Vec<(usize, usize, usize)> = [1, 2, 3, 4, 5]
            .iter()
            .map(|&n| (n, quorum(n), tolerated_failures(n)))
            .collect();
        assert_eq!(
            table,
            [(1, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 1), (5, 3, 2)]
        );
    }

    #[test]
    fn a_members_health_is_found_by_id_or_client_url() {
        let member = |id: &str, url: &str| MemberInfo {
            id: id.into(),
            name: format!("m-{id}"),
            client_urls: vec![url.into()],
            peer_urls: vec![],
            is_learner: false,
        };
        let endpoint = |url: &str, id: Option<&str>| EndpointHealth {
            endpoint: url.into(),
            up: id.is_some(),
            latency_ms: None,
            error: None,
            status: id.map(|id| MemberStatus {
                member_id: id.into(),
                version: String::new(),
                db_size: 0,
                db_size_in_use: 0,
                leader_id: String::new(),
                raft_term: 0,
                raft_index: 0,
                revision: 0,
                is_learner: false,
                errors: vec![],
            }),
        };
        let overview = ClusterOverview {
            members: vec![],
            endpoints: vec![
                endpoint("http://h:1", Some("a")),
                endpoint("http://h:2", None),
            ],
            leader: None,
            revision: 0,
            alarms: None,
        };
        let a = member("a", "http://other:9");
        let b = member("b", "http://h:2/");
        let c = member("c", "http://h:3");
        assert_eq!(overview.health_of(&a).unwrap().endpoint, "http://h:1");
        assert_eq!(overview.health_of(&b).unwrap().endpoint, "http://h:2");
        assert!(overview.health_of(&c).is_none());
        assert_eq!(overview.endpoints_up(), 1);
    }

    #[test]
    fn a_member_is_leader_when_it_names_itself() {
        let mut status = MemberStatus {
            member_id: "a1".into(),
            version: "3.4.23".into(),
            db_size: 0,
            db_size_in_use: 0,
            leader_id: "a1".into(),
            raft_term: 2,
            raft_index: 10,
            revision: 1,
            is_learner: false,
            errors: vec![],
        };
        assert!(status.is_leader());
        status.leader_id = "b2".into();
        assert!(!status.is_leader());
        status.leader_id = String::new();
        status.member_id = String::new();
        assert!(!status.is_leader());
    }
}
