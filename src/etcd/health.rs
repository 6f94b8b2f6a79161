//! The background health check: asks every endpoint for its status at a fixed interval, takes
//! endpoints that do not answer out of rotation and puts them back when they do.
//!
//! An endpoint is up when its member answers a gRPC request on the connection etcd-deck's own
//! requests travel, whatever the answer. The request is etcd's `Status`, sent as etcd-deck's
//! monitoring user when one is configured and otherwise as nobody. A refusal counts as an
//! answer: etcd 3.4.42, 3.5.28, 3.6.9 and later refuse `Status` to anyone without a user (and to
//! anyone but root until 3.5.32 / 3.6.12), yet the member that refused is up and serves the
//! signed-in users' requests. So an endpoint is down only when nothing answered: the connection
//! was refused or broke, TLS failed, or the request timed out.
//!
//! Not etcd's HTTP `/health`: it answers `false` for a member that is up without a leader or
//! under an alarm (the cluster page shows those as states of their own), it travels another
//! protocol than the requests it would route, and it would need a second TLS client set up like
//! the first. Not `/metrics` either: about 100 KB per member, too much to read every second.

use super::error::{classify, in_words, Failure, Refusal};
use super::pool::{human, Endpoint, Needs, Pool, UserClients};
use crate::domain::cluster::{member_id_hex, EndpointHealth, MemberStatus};
use crate::domain::AppError;
use etcd_client::StatusResponse;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Starts checking `pool` every `interval`, until the pool is dropped.
pub(super) fn spawn(pool: &Arc<Pool>, interval: Duration) {
    super::periodic::every(pool, interval, |pool| async move { check_all(&pool).await });
}

/// Checks every endpoint at once and records what each said.
pub(super) async fn check_all(pool: &Pool) {
    let checks = pool.endpoints.iter().map(|endpoint| check(pool, endpoint));
    futures::future::join_all(checks).await;
    observe_raft(pool);
}

/// Adds a change of leader or term to the timeline, when the members' statuses show one: the
/// highest term any member reports, and the leader it knows in that term.
fn observe_raft(pool: &Pool) {
    let statuses = pool.endpoints.iter().filter_map(|e| e.health().status);
    let Some(newest) = statuses.max_by_key(|s| (s.raft_term, !s.leader_id.is_empty())) else {
        return;
    };
    let leader = Some(newest.leader_id).filter(|id| !id.is_empty());
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64);
    if let Ok(mut timeline) = pool.timeline.lock() {
        timeline.observe(at_ms, newest.raft_term, leader);
    }
}

async fn check(pool: &Pool, endpoint: &Endpoint) {
    let started = Instant::now();
    let answer = ask_status(pool, endpoint, pool.monitor.as_ref()).await;
    let latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    let mut health = EndpointHealth {
        endpoint: endpoint.url.clone(),
        up: true,
        latency_ms,
        error: None,
        error_detail: None,
        status: None,
        status_hidden: None,
    };
    match answer {
        Asked::Status(status) => health.status = Some(status),
        Asked::Refused(why) => health.status_hidden = Some(refused_to_monitor(pool, why)),
        Asked::Unanswered { words, detail } => {
            health.up = false;
            health.latency_ms = latency_ms.filter(|_| detail.is_some());
            health.error = Some(words.clone());
            health.error_detail = Some(detail.unwrap_or(words));
        }
    }
    if health.up != endpoint.is_up() {
        tracing::info!(endpoint = %endpoint.url, up = health.up, error = ?health.error, "endpoint health changed");
    }
    endpoint.set_health(health);
}

/// What asking one endpoint for its status gave.
pub(super) enum Asked {
    Status(MemberStatus),
    /// etcd answered, refusing the status to this user (or to nobody): why, in words.
    Refused(String),
    /// No answer: why in a few words, and the error in full when there was one.
    Unanswered {
        words: String,
        detail: Option<String>,
    },
}

/// Asks `endpoint` for its member's status as `user` (nobody when `None`), within the request
/// timeout.
pub(super) async fn ask_status(
    pool: &Pool,
    endpoint: &Endpoint,
    user: Option<&UserClients>,
) -> Asked {
    let ask = async {
        let client = pool.client_at(endpoint, user, Needs::NoLeader).await?;
        client.maintenance_client().status().await
    };
    match tokio::time::timeout(pool.timeout, ask).await {
        Ok(Ok(status)) => Asked::Status(member_status(&status)),
        Ok(Err(err)) => {
            let (words, detail) = (in_words(&err), err.to_string());
            match classify(err, &pool.urls) {
                Failure::Answered(
                    refusal @ (Refusal::Denied | Refusal::Told(AppError::Unauthenticated { .. })),
                ) => Asked::Refused(status_refused(&refusal, user.map(|u| u.name.as_str()))),
                _ => Asked::Unanswered {
                    words,
                    detail: Some(detail),
                },
            }
        }
        Err(_) => Asked::Unanswered {
            words: format!("timed out after {}", human(pool.timeout)),
            detail: None,
        },
    }
}

/// Why etcd refused a member's status, in the words the cluster page shows.
fn status_refused(refusal: &Refusal, user: Option<&str>) -> String {
    match (refusal, user) {
        (Refusal::Denied, _) => "member status needs etcd's root role on this etcd version".into(),
        (_, None) => "member status needs an etcd user on this etcd version".into(),
        (Refusal::Told(err), Some(_)) => format!("etcd refused member status: {err}"),
        (other, Some(_)) => format!("etcd refused member status: {other:?}"),
    }
}

/// The health check's refusal, naming the monitoring user when it is theirs.
fn refused_to_monitor(pool: &Pool, why: String) -> String {
    match &pool.monitor {
        Some(monitor) => format!(
            "{why} (asked as etcd-deck's monitoring user {})",
            monitor.name
        ),
        None => why,
    }
}

/// A member's own report of itself.
pub(super) fn member_status(status: &StatusResponse) -> MemberStatus {
    let header = status.header();
    MemberStatus {
        member_id: member_id_hex(header.map(|h| h.member_id()).unwrap_or_default()),
        version: status.version().to_string(),
        db_size: status.db_size(),
        db_size_in_use: status.raft_used_db_size(),
        leader_id: match status.leader() {
            0 => String::new(),
            id => member_id_hex(id),
        },
        raft_term: status.raft_term(),
        raft_index: status.raft_index(),
        applied_index: status.raft_applied_index(),
        revision: header.map(|h| h.revision()).unwrap_or_default(),
        is_learner: status.is_learner(),
        errors: status.errors().to_vec(),
    }
}
