//! The members of the cluster as each says it is now, and the rules of changing them safely:
//! who may be removed without losing quorum ([`may_remove`]), when a learner has caught up
//! enough to be promoted ([`catch_up`]), who may take the leadership ([`may_lead`]), and how a
//! new member is started ([`JoinInstructions`]).
//!
//! A voting member counts toward the quorum; a learner receives the log but does not vote, so
//! adding or removing one never risks the quorum. etcd 3.4 and 3.5 allow one learner at a time.

use super::cluster::{quorum, MemberSpace, Role};
use serde::{Deserialize, Serialize};

/// etcd promotes a learner only once it holds this share of the leader's log, in percent.
pub const PROMOTE_AT_PERCENT: u64 = 90;

/// One member, read just now from the member itself: its status, space and alarms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberNow {
    /// The member id in hex, as etcdctl prints it.
    pub id: String,
    /// Empty until the member has started and told the cluster its name.
    pub name: String,
    /// The client URL it is reached at; empty until it has started.
    pub url: String,
    /// The URLs the other members reach it at.
    #[serde(default)]
    pub peer_urls: Vec<String>,
    /// `leader`, `voter` or `learner`.
    pub role: String,
    /// Its database's size and the part in use, from its status; none when it did not answer.
    pub db_size: Option<u64>,
    pub db_size_in_use: Option<u64>,
    /// Its space quota, from its `/metrics`; none when that could not be read.
    pub quota_bytes: Option<u64>,
    /// Its current revision and the revision its history is compacted up to.
    pub revision: Option<i64>,
    pub compact_revision: Option<i64>,
    /// Whether it knows a leader.
    pub has_leader: bool,
    /// Its Raft term, and the last log index it knows committed and the last it applied.
    #[serde(default)]
    pub raft_term: Option<u64>,
    #[serde(default)]
    pub commit_index: Option<u64>,
    #[serde(default)]
    pub applied_index: Option<u64>,
    /// Its alarms (`NOSPACE`, `CORRUPT`).
    pub alarms: Vec<String>,
    /// Why it could not be read, when it could not.
    pub error: Option<String>,
}

impl MemberNow {
    /// Its role.
    pub fn role(&self) -> Role {
        match self.role.as_str() {
            "leader" => Role::Leader,
            "learner" => Role::Learner,
            _ => Role::Voter,
        }
    }

    /// Whether it votes: the leader and the followers, not a learner.
    pub fn votes(&self) -> bool {
        self.role() != Role::Learner
    }

    /// Whether it has started: a member added but never started has no client URL yet.
    pub fn started(&self) -> bool {
        !self.url.is_empty()
    }

    /// The member as people name it: its name, or its id when it has none.
    pub fn label(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }

    /// Why it is not fit for maintenance on any member now, when it is not: it does not answer,
    /// knows no leader, or raised the CORRUPT alarm.
    pub fn unhealthy(&self) -> Option<String> {
        let who = self.label();
        if let Some(error) = &self.error {
            return Some(format!("member {who} does not answer ({error})"));
        }
        if !self.has_leader {
            return Some(format!("member {who} knows no leader"));
        }
        if self.alarms.iter().any(|alarm| alarm == "CORRUPT") {
            return Some(format!("member {who} raised the CORRUPT alarm"));
        }
        None
    }

    /// The database's size as a share of its quota, in whole percent, when both are known.
    pub fn used_percent(&self) -> Option<u64> {
        let space = self.space()?;
        Some(space.used_percent())
    }

    /// Its space, when its size and quota are both known.
    pub fn space(&self) -> Option<MemberSpace> {
        Some(MemberSpace {
            quota_bytes: self.quota_bytes?,
            db_size: self.db_size?,
            db_size_in_use: self.db_size_in_use.unwrap_or_default(),
            compact_revision: self.compact_revision,
            current_revision: self.revision,
        })
    }
}

/// The member that leads, as it says itself.
pub fn leader(members: &[MemberNow]) -> Option<&MemberNow> {
    members.iter().find(|m| m.role() == Role::Leader)
}

/// How many log entries `member` has still to apply of what the leader has committed.
pub fn lag(members: &[MemberNow], member: &MemberNow) -> Option<u64> {
    let committed = leader(members)?.commit_index?;
    Some(committed.saturating_sub(member.applied_index?))
}

/// How far a learner has caught up with the leader's log: the share of the leader's committed
/// entries it has applied, in whole percent (0 before it started), and whether etcd would
/// promote it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CatchUp {
    pub percent: u64,
    pub applied: u64,
    pub leader_committed: u64,
    pub ready: bool,
}

/// How far `learner` has caught up, when the leader's log is known.
pub fn catch_up(members: &[MemberNow], learner: &MemberNow) -> Option<CatchUp> {
    let committed = leader(members)?.commit_index?;
    let applied = learner.applied_index.unwrap_or_default();
    let percent = (applied.min(committed) * 100)
        .checked_div(committed)
        .unwrap_or(100);
    Some(CatchUp {
        percent,
        applied,
        leader_committed: committed,
        ready: learner.started() && percent >= PROMOTE_AT_PERCENT,
    })
}

/// What removing a member takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// It leads: the leadership moves to another healthy voter first, so the cluster is not
    /// left to an election.
    pub moves_leader_first: bool,
    /// The quorum arithmetic, in words, for the confirmation.
    pub arithmetic: String,
}

/// Whether `member` may be removed: not the last voter, and the voters left that are healthy
/// still make a quorum of the voters left (and of the voters now, to commit the change).
pub fn may_remove(members: &[MemberNow], member: &MemberNow) -> Result<Removal, String> {
    let who = member.label();
    if !member.votes() {
        return Ok(Removal {
            moves_leader_first: false,
            arithmetic: format!("{who} is a learner: it does not vote, so the quorum stays"),
        });
    }
    let voters: Vec<&MemberNow> = members.iter().filter(|m| m.votes()).collect();
    let healthy = |m: &&&MemberNow| m.unhealthy().is_none();
    if voters.len() <= 1 {
        return Err(format!(
            "{who} is the last voting member: removing it would leave no cluster"
        ));
    }
    let (now, healthy_now) = (voters.len(), voters.iter().filter(healthy).count());
    let left: Vec<&&MemberNow> = voters.iter().filter(|m| m.id != member.id).collect();
    let healthy_left = left.iter().filter(|m| m.unhealthy().is_none()).count();
    let need = quorum(left.len());
    let unhealthy: Vec<&str> = left
        .iter()
        .filter(|m| m.unhealthy().is_some())
        .map(|m| m.label())
        .collect();
    if healthy_now < quorum(now) {
        return Err(format!(
            "only {healthy_now} of {now} voting members are healthy, fewer than the quorum of \
             {}: etcd cannot commit a membership change until more are back",
            quorum(now)
        ));
    }
    if healthy_left < need {
        return Err(format!(
            "removing {who} leaves {} voting members, whose quorum is {need}, and only \
             {healthy_left} of them are healthy ({} not): the cluster would stop serving. \
             Bring {} back first, or remove it instead",
            left.len(),
            unhealthy.join(", "),
            unhealthy.join(", ")
        ));
    }
    Ok(Removal {
        moves_leader_first: member.role() == Role::Leader,
        arithmetic: format!(
            "{} voting members remain, {healthy_left} of them healthy; their quorum is {need}, so \
             the cluster survives the loss of {} more",
            left.len(),
            healthy_left - need
        ),
    })
}

/// Whether `target` may take the leadership: a healthy voting member that does not lead
/// already. Answers the leader, which the request must be sent to.
pub fn may_lead<'a>(members: &'a [MemberNow], target: &MemberNow) -> Result<&'a MemberNow, String> {
    let who = target.label();
    let leader = leader(members).ok_or("no member leads the cluster now: nothing to move")?;
    if leader.id == target.id {
        return Err(format!("{who} leads the cluster already"));
    }
    if !target.votes() {
        return Err(format!(
            "{who} is a learner: only a voting member can lead; promote it first"
        ));
    }
    if let Some(why) = target.unhealthy() {
        return Err(format!("{why}: it cannot take the leadership"));
    }
    Ok(leader)
}

/// How to start a member just added to the cluster: etcd's flags that make it join rather than
/// found a cluster of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JoinInstructions {
    /// The new member's id in hex.
    pub id: String,
    /// The name it must start with (the one `--initial-cluster` gives it).
    pub name: String,
    pub peer_urls: Vec<String>,
    pub learner: bool,
    /// `--initial-cluster`: every member, the new one included, as `name=peer-url`.
    pub initial_cluster: String,
    /// etcd's command line for it, but for its client URLs, data directory and TLS flags.
    pub command: String,
    /// The same, for a member of etcd-deck's local cluster kit.
    pub kit: String,
}

impl JoinInstructions {
    /// The instructions for the member `id`, added as `name` with `peer_urls`, among `members`
    /// (read after the addition; the new one is included when they do not list it yet).
    pub fn new(
        id: &str,
        name: &str,
        peer_urls: &[String],
        learner: bool,
        members: &[MemberNow],
    ) -> Self {
        let others = members.iter().filter(|m| m.id != id);
        let initial_cluster = others
            .flat_map(|m| m.peer_urls.iter().map(|url| format!("{}={url}", m.label())))
            .chain(peer_urls.iter().map(|url| format!("{name}={url}")))
            .collect::<Vec<_>>()
            .join(",");
        let peers = peer_urls.join(",");
        let command = format!(
            "etcd --name {name} --initial-advertise-peer-urls {peers} --listen-peer-urls {peers} \
             --initial-cluster {initial_cluster} --initial-cluster-state existing"
        );
        let kit = format!(
            "cluster/join {name} --peer-url {}",
            peer_urls.first().map(String::as_str).unwrap_or_default()
        );
        JoinInstructions {
            id: id.to_string(),
            name: name.to_string(),
            peer_urls: peer_urls.to_vec(),
            learner,
            initial_cluster,
            command,
            kit,
        }
    }
}

/// What a membership change did, in words, and the members after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MembershipChange {
    /// What was done: "m4 was promoted to a voting member".
    pub done: String,
    /// How to start the member added, when one was.
    pub join: Option<JoinInstructions>,
    /// Every member, read again after the change.
    pub members: Vec<MemberNow>,
}

/// A member name as etcd takes it on its command line: letters, digits, `.`, `_` and `-`.
pub fn valid_name(name: &str) -> Result<(), String> {
    let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > 63 || !name.chars().all(fits) {
        return Err(format!(
            "{name:?} is no member name: up to 63 letters, digits, '.', '_' or '-'"
        ));
    }
    Ok(())
}

/// A peer URL as etcd takes it: `http://` or `https://`, a host and a port, nothing after.
pub fn valid_peer_url(url: &str) -> Result<(), String> {
    let bad =
        || format!("{url:?} is no peer URL: give it as http://host:port or https://host:port");
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(bad)?;
    let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    let name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-');
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        // An IPv6 address, in brackets.
        Some(ip) => ip.parse::<std::net::Ipv6Addr>().is_ok(),
        None => !host.is_empty() && host.chars().all(name),
    };
    if !host_ok || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
pub(crate) fn sample(name: &str, role: &str) -> MemberNow {
    MemberNow {
        id: format!("{name}-id"),
        name: name.into(),
        url: format!("http://{name}:2379"),
        peer_urls: vec![format!("http://{name}:2380")],
        role: role.into(),
        db_size: Some(95),
        db_size_in_use: Some(20),
        quota_bytes: Some(100),
        revision: Some(10),
        compact_revision: Some(2),
        has_leader: true,
        raft_term: Some(2),
        commit_index: Some(100),
        applied_index: Some(100),
        alarms: vec!["NOSPACE".into()],
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down(mut member: MemberNow) -> MemberNow {
        member.error = Some("connection refused".into());
        member
    }

    #[test]
    fn a_member_is_removed_only_when_the_healthy_voters_left_make_a_quorum() {
        let (a, b, c) = (
            sample("a", "leader"),
            sample("b", "voter"),
            down(sample("c", "voter")),
        );
        let members = [a.clone(), b.clone(), c.clone()];
        // With c down, removing b leaves a and c: a quorum of 2, and only a healthy.
        let refused = may_remove(&members, &b).unwrap_err();
        assert!(
            refused.contains("leaves 2 voting members, whose quorum is 2"),
            "{refused}"
        );
        assert!(
            refused.contains("only 1 of them are healthy (c not)"),
            "{refused}"
        );
        // Removing the dead c leaves a and b, both healthy.
        let removal = may_remove(&members, &c).unwrap();
        assert!(!removal.moves_leader_first);
        assert!(removal
            .arithmetic
            .starts_with("2 voting members remain, 2 of them healthy"));
        // The leader goes only after the leadership moved.
        let healthy = [a.clone(), b.clone(), sample("c", "voter")];
        assert!(may_remove(&healthy, &a).unwrap().moves_leader_first);
        // Never the last voter; a learner always.
        assert!(may_remove(std::slice::from_ref(&a), &a)
            .unwrap_err()
            .contains("last voting member"));
        let learner = down(sample("l", "learner"));
        assert!(may_remove(&[a.clone(), learner.clone()], &learner).is_ok());
        // Without a quorum now, nothing can be committed.
        let (b, c) = (down(sample("b", "voter")), down(sample("c", "voter")));
        let lost = may_remove(&[a, b.clone(), c], &b).unwrap_err();
        assert!(
            lost.contains("only 1 of 3 voting members are healthy"),
            "{lost}"
        );
    }

    #[test]
    fn a_learner_is_ready_at_ninety_percent_of_the_leaders_log() {
        let leader = sample("a", "leader");
        let mut learner = sample("l", "learner");
        learner.applied_index = Some(89);
        let members = [leader, learner.clone()];
        let behind = catch_up(&members, &learner).unwrap();
        assert_eq!((behind.percent, behind.ready), (89, false));
        learner.applied_index = Some(90);
        assert!(catch_up(&members, &learner).unwrap().ready);
        assert_eq!(lag(&members, &learner), Some(10));
        learner.url.clear();
        learner.applied_index = None;
        let unstarted = catch_up(&members, &learner).unwrap();
        assert_eq!((unstarted.percent, unstarted.ready), (0, false));
    }

    #[test]
    fn the_leadership_goes_only_to_a_healthy_voter() {
        let (a, b) = (sample("a", "leader"), sample("b", "voter"));
        let members = [a.clone(), b.clone(), sample("l", "learner")];
        assert_eq!(may_lead(&members, &b).unwrap().name, "a");
        assert!(may_lead(&members, &a)
            .unwrap_err()
            .contains("leads the cluster already"));
        assert!(may_lead(&members, &members[2])
            .unwrap_err()
            .contains("learner"));
        assert!(may_lead(&members, &down(b))
            .unwrap_err()
            .contains("does not answer"));
    }

    #[test]
    fn a_new_member_is_told_the_whole_cluster() {
        let member = |id: &str, name: &str, peer: &str| MemberNow {
            id: id.into(),
            name: name.into(),
            peer_urls: vec![peer.into()],
            ..sample(name, "voter")
        };
        let members = [
            member("a1", "m1", "http://h:1"),
            member("b2", "", "http://h:2"),
            member("c3", "", "http://h:3"),
        ];
        let join = JoinInstructions::new("c3", "m4", &["http://h:3".into()], true, &members);
        assert_eq!(
            join.initial_cluster,
            "m1=http://h:1,b2=http://h:2,m4=http://h:3"
        );
        assert!(
            join.command.ends_with("--initial-cluster-state existing"),
            "{}",
            join.command
        );
        assert_eq!(join.kit, "cluster/join m4 --peer-url http://h:3");

        // Read from a member that has not applied the addition yet.
        let join = JoinInstructions::new("c3", "m4", &["http://h:3".into()], true, &members[..2]);
        assert_eq!(
            join.initial_cluster,
            "m1=http://h:1,b2=http://h:2,m4=http://h:3"
        );
    }

    #[test]
    fn names_and_peer_urls_are_checked() {
        assert!(valid_name("m-4.a_b").is_ok());
        for bad in ["", "a b", "<b>", "a,b", "a=b"] {
            assert!(valid_name(bad).is_err(), "{bad}");
        }
        assert!(valid_peer_url("http://127.0.0.1:2380").is_ok());
        assert!(valid_peer_url("https://[::1]:2380").is_ok());
        for bad in [
            "127.0.0.1:2380",
            "http://h",
            "http://h:0",
            "http://h:2380/x",
            "ftp://h:1",
            "http://h:1,http://i:2",
        ] {
            assert!(valid_peer_url(bad).is_err(), "{bad}");
        }
    }
}
