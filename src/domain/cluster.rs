//! What etcd-deck knows about the cluster: members, each endpoint's health, leader and alarms.

use super::limits::human_bytes;
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
    /// Active alarms; `None` when they could not be read.
    pub alarms: Option<Vec<Alarm>>,
    /// Why the alarms could not be read (no quorum, or etcd refused them to this user).
    #[serde(default)]
    pub alarms_error: Option<String>,
    /// Why the member list could not be read, when it could not.
    #[serde(default)]
    pub members_error: Option<String>,
    /// How full each endpoint's member is.
    #[serde(default)]
    pub space: Vec<EndpointSpace>,
}

impl ClusterOverview {
    pub fn endpoints_up(&self) -> usize {
        self.endpoints.iter().filter(|e| e.up).count()
    }

    /// Why no member status is shown although endpoints answer: etcd refused it to the user
    /// asking (a patched etcd gives member status to its root role only).
    pub fn status_hidden(&self) -> Option<&str> {
        if self.endpoints.iter().any(|e| e.status.is_some()) {
            return None;
        }
        self.endpoints
            .iter()
            .find_map(|e| e.status_hidden.as_deref())
    }

    /// The endpoint that reaches `member`: the one whose status names it, or else one of its
    /// client URLs.
    pub fn endpoint_of(&self, member: &MemberInfo) -> Option<&EndpointHealth> {
        let by_id = self.endpoints.iter().find(|e| {
            e.status
                .as_ref()
                .is_some_and(|status| status.member_id == member.id)
        });
        by_id.or_else(|| {
            self.endpoints.iter().find(|e| {
                member
                    .client_urls
                    .iter()
                    .any(|url| same_url(url, &e.endpoint))
            })
        })
    }

    /// How `member` is doing, as seen through its configured endpoint.
    pub fn health_of(&self, member: &MemberInfo) -> Health {
        self.endpoint_of(member)
            .map_or(Health::NotConfigured, EndpointHealth::health)
    }

    /// Whether `member` leads the cluster; the leader is known by name, or by id when unnamed.
    pub fn role_of(&self, member: &MemberInfo) -> Role {
        let leads = |leader: &str| {
            leader == member.id || (!member.name.is_empty() && leader == member.name)
        };
        if member.is_learner {
            Role::Learner
        } else if self.leader.as_deref().is_some_and(leads) {
            Role::Leader
        } else {
            Role::Voter
        }
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
    /// Why it is down, in a few words ("connection refused", "timed out after 2s").
    pub error: Option<String>,
    /// The failure in full, for whoever needs to dig.
    #[serde(default)]
    pub error_detail: Option<String>,
    pub status: Option<MemberStatus>,
    /// Why `status` is missing although the member answers: etcd refused it to whoever asked
    /// ("member status needs etcd's root role on this etcd version").
    #[serde(default)]
    pub status_hidden: Option<String>,
}

/// How full one member's database is, as its own `/metrics` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSpace {
    /// Past this size etcd raises the NOSPACE alarm and refuses writes (`--quota-backend-bytes`).
    pub quota_bytes: u64,
    /// The database file's size.
    pub db_size: u64,
    /// The part of it that holds data; the rest is free pages only defragmenting returns.
    pub db_size_in_use: u64,
    /// The revision etcd compacted its history up to: no older revision can be read.
    pub compact_revision: Option<i64>,
    pub current_revision: Option<i64>,
}

/// A share at or over which a member counts as nearly full.
pub const NEARLY_FULL_PERCENT: u64 = 80;

impl MemberSpace {
    /// The database's size as a share of the quota, in whole percent.
    pub fn used_percent(&self) -> u64 {
        (self.db_size.saturating_mul(100)) / self.quota_bytes.max(1)
    }

    /// The share of the database file that is free pages, in whole percent.
    pub fn fragmented_percent(&self) -> u64 {
        let free = self.db_size.saturating_sub(self.db_size_in_use);
        free.saturating_mul(100) / self.db_size.max(1)
    }

    pub fn nearly_full(&self) -> bool {
        self.used_percent() >= NEARLY_FULL_PERCENT
    }

    /// Its size against its quota, as people read it: `15.0 MiB of 16.0 MiB (93 %)`.
    pub fn used(&self) -> String {
        format!(
            "{} of {} ({} %)",
            human_bytes(self.db_size),
            human_bytes(self.quota_bytes),
            self.used_percent()
        )
    }

    /// The revisions it keeps: `120 – 345`, or `all (1 – 345)` before any compaction.
    pub fn kept(&self) -> String {
        match (self.compact_revision, self.current_revision) {
            (Some(from), Some(to)) if from > 0 => format!("{from} – {to}"),
            (_, Some(to)) => format!("all (1 – {to})"),
            _ => String::new(),
        }
    }
}

/// One endpoint's member's space, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSpace {
    pub endpoint: String,
    pub space: Option<MemberSpace>,
    pub error: Option<String>,
}

/// A member's role in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Leader,
    Voter,
    Learner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Voter => "voter",
            Role::Learner => "learner",
        }
    }
}

/// How a member or endpoint is doing, as the cluster page and `kv members` say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Healthy,
    /// Answering, but it knows of no leader: it cannot serve writes or linearizable reads.
    NoLeader,
    /// Answering, but its status (and so whether it knows a leader) is not shown to this user.
    Up,
    /// Configured, but not answering; with why, in a few words.
    Down(String),
    /// A member none of whose client URLs is among etcd-deck's configured endpoints.
    NotConfigured,
}

impl Health {
    /// A one-word name, also the CSS class of the cell that shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::NoLeader => "no-leader",
            Health::Up => "up",
            Health::Down(_) => "down",
            Health::NotConfigured => "not-configured",
        }
    }

    /// What the user reads.
    pub fn label(&self) -> String {
        match self {
            Health::Healthy => "healthy".into(),
            Health::NoLeader => "up, but no leader".into(),
            Health::Up => "up (status not shown)".into(),
            Health::Down(reason) if reason.is_empty() => "down".into(),
            Health::Down(reason) => format!("down: {reason}"),
            Health::NotConfigured => "not configured in etcd-deck".into(),
        }
    }
}

impl EndpointHealth {
    pub fn health(&self) -> Health {
        match &self.status {
            _ if !self.up => Health::Down(self.error.clone().unwrap_or_default()),
            Some(status) if status.leader_id.is_empty() => Health::NoLeader,
            None if self.status_hidden.is_some() => Health::Up,
            _ => Health::Healthy,
        }
    }
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
    /// The last log index it knows committed.
    pub raft_index: u64,
    /// The last log index it applied.
    #[serde(default)]
    pub applied_index: u64,
    pub revision: i64,
    pub is_learner: bool,
    pub errors: Vec<String>,
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

/// Whether two client URLs name the same endpoint: scheme and host case, a trailing `/`, the
/// loopback spellings `localhost` / `127.0.0.1` and a missing `http://` (an endpoint given as
/// `127.0.0.1:2379`, which etcd's clients accept) do not matter.
pub fn same_url(a: &str, b: &str) -> bool {
    let normal = |url: &str| {
        let url = url.trim().trim_end_matches('/').to_ascii_lowercase();
        let url = if url.contains("://") {
            url
        } else {
            format!("http://{url}")
        };
        url.replace("://localhost", "://127.0.0.1")
    };
    normal(a) == normal(b)
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

    fn endpoint(url: &str, id: Option<&str>) -> EndpointHealth {
        EndpointHealth {
            endpoint: url.into(),
            up: id.is_some(),
            latency_ms: None,
            error: id.is_none().then(|| "connection refused".into()),
            error_detail: None,
            status_hidden: None,
            status: id.map(|id| MemberStatus {
                member_id: id.into(),
                version: String::new(),
                db_size: 0,
                db_size_in_use: 0,
                leader_id: "a".into(),
                raft_term: 0,
                raft_index: 0,
                applied_index: 0,
                revision: 0,
                is_learner: false,
                errors: vec![],
            }),
        }
    }

    fn member(id: &str, name: &str, url: &str) -> MemberInfo {
        MemberInfo {
            id: id.into(),
            name: name.into(),
            client_urls: vec![url.into()],
            peer_urls: vec![],
            is_learner: false,
        }
    }

    #[test]
    fn a_members_health_is_found_by_id_or_client_url() {
        let overview = ClusterOverview {
            members: vec![],
            endpoints: vec![
                endpoint("http://h:1", Some("a")),
                endpoint("http://h:2", None),
                endpoint("http://localhost:4", None),
            ],
            leader: None,
            revision: 0,
            alarms: None,
            alarms_error: None,
            members_error: None,
            space: Vec::new(),
        };
        let a = member("a", "m-a", "http://other:9");
        let b = member("b", "m-b", "http://H:2/");
        let c = member("c", "m-c", "http://h:3");
        let d = member("d", "m-d", "http://127.0.0.1:4");
        assert_eq!(overview.health_of(&a), Health::Healthy);
        assert_eq!(
            overview.health_of(&b),
            Health::Down("connection refused".into())
        );
        assert_eq!(overview.health_of(&b).label(), "down: connection refused");
        assert_eq!(overview.health_of(&c), Health::NotConfigured);
        assert_eq!(overview.health_of(&d).name(), "down");
        assert_eq!(overview.endpoints_up(), 1);

        let mut leaderless = endpoint("http://h:5", Some("e"));
        if let Some(status) = leaderless.status.as_mut() {
            status.leader_id.clear();
        }
        assert_eq!(leaderless.health(), Health::NoLeader);
    }

    #[test]
    fn an_endpoint_given_without_a_scheme_still_finds_its_member() {
        let overview = ClusterOverview {
            members: vec![],
            endpoints: vec![endpoint("127.0.0.1:2379", None)],
            leader: None,
            revision: 0,
            alarms: None,
            alarms_error: None,
            members_error: None,
            space: Vec::new(),
        };
        let dead = member("a", "m1", "http://127.0.0.1:2379");
        assert_eq!(
            overview.health_of(&dead),
            Health::Down("connection refused".into())
        );
        assert!(!same_url("127.0.0.1:2379", "https://127.0.0.1:2379"));
    }

    #[test]
    fn a_member_whose_status_etcd_refuses_is_up_and_says_why() {
        let mut answering = endpoint("http://h:1", None);
        answering.up = true;
        answering.error = None;
        answering.status_hidden = Some("member status needs etcd's root role".into());
        assert_eq!(answering.health(), Health::Up);
        assert_eq!(answering.health().label(), "up (status not shown)");
        let mut overview = ClusterOverview {
            members: vec![],
            endpoints: vec![answering, endpoint("http://h:2", None)],
            leader: None,
            revision: 0,
            alarms: None,
            alarms_error: None,
            members_error: None,
            space: Vec::new(),
        };
        assert_eq!(
            overview.status_hidden(),
            Some("member status needs etcd's root role")
        );
        overview.endpoints.push(endpoint("http://h:3", Some("c")));
        assert_eq!(overview.status_hidden(), None);
    }

    #[test]
    fn the_leader_is_known_by_name_or_by_id() {
        let mut overview = ClusterOverview {
            members: vec![],
            endpoints: vec![],
            leader: Some("m1".into()),
            revision: 0,
            alarms: None,
            alarms_error: None,
            members_error: None,
            space: Vec::new(),
        };
        assert_eq!(overview.role_of(&member("a1", "m1", "")), Role::Leader);
        assert_eq!(overview.role_of(&member("b2", "m2", "")), Role::Voter);
        overview.leader = Some("c3".into());
        assert_eq!(overview.role_of(&member("c3", "", "")), Role::Leader);
        assert_eq!(overview.role_of(&member("d4", "", "")), Role::Voter);
        overview.leader = None;
        assert_eq!(overview.role_of(&member("e5", "", "")), Role::Voter);
        let mut learner = member("c3", "", "");
        learner.is_learner = true;
        assert_eq!(overview.role_of(&learner), Role::Learner);
    }
}
