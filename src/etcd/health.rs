//! The background health check: asks every endpoint for its status at a fixed interval, takes
//! endpoints that do not answer out of rotation and puts them back when they do.

use super::error::in_words;
use super::pool::{human, Endpoint, Pool};
use crate::domain::cluster::{member_id_hex, EndpointHealth, MemberStatus};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// Starts checking `pool` every `interval`, until the pool is dropped.
pub(super) fn spawn(pool: &Arc<Pool>, interval: Duration) {
    let pool: Weak<Pool> = Arc::downgrade(pool);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(pool) = pool.upgrade() else { break };
            check_all(&pool).await;
        }
    });
}

/// Checks every endpoint at once and records what each said.
pub(super) async fn check_all(pool: &Pool) {
    let checks = pool
        .endpoints
        .iter()
        .map(|endpoint| check(endpoint, pool.timeout));
    futures::future::join_all(checks).await;
}

async fn check(endpoint: &Endpoint, timeout: Duration) {
    let started = Instant::now();
    let mut maintenance = endpoint.local.maintenance_client();
    let answer = tokio::time::timeout(timeout, maintenance.status()).await;
    let latency_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
    let health = match answer {
        Ok(Ok(status)) => {
            let header = status.header();
            EndpointHealth {
                endpoint: endpoint.url.clone(),
                up: true,
                latency_ms,
                error: None,
                error_detail: None,
                status: Some(MemberStatus {
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
                    revision: header.map(|h| h.revision()).unwrap_or_default(),
                    is_learner: status.is_learner(),
                    errors: status.errors().to_vec(),
                }),
            }
        }
        Ok(Err(err)) => down(endpoint, latency_ms, in_words(&err), err.to_string()),
        Err(_) => {
            let words = format!("timed out after {}", human(timeout));
            let detail = format!("the status request had no answer within {timeout:?}");
            down(endpoint, None, words, detail)
        }
    };
    if health.up != endpoint.is_up() {
        tracing::info!(endpoint = %endpoint.url, up = health.up, error = ?health.error, "endpoint health changed");
    }
    endpoint.set_health(health);
}

fn down(
    endpoint: &Endpoint,
    latency_ms: Option<f64>,
    words: String,
    detail: String,
) -> EndpointHealth {
    EndpointHealth {
        endpoint: endpoint.url.clone(),
        up: false,
        latency_ms,
        error: Some(words),
        error_detail: Some(detail),
        status: None,
    }
}
