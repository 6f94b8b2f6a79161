//! The cluster over time: what etcd-deck reads from each member's `/metrics` (a [`Reading`]),
//! what happened between two readings (a [`Point`]), a bounded [`window::Window`] of points per
//! member, the charts drawn from it ([`charts`]) and etcd's own alert rules evaluated over it
//! ([`alerts`]), or the same charts and alerts from a Prometheus that scrapes the members
//! ([`prometheus`]).
//!
//! Counters and histograms are cumulative since a member started, so a point holds their
//! increase over one interval: a rate, or a 99th percentile of the observations made in it.
//! A counter that went down means the member restarted; that interval has no value.

pub mod alerts;
mod chart_specs;
pub mod charts;
pub mod histogram;
pub mod prometheus;
pub mod window;

pub use alerts::{Alert, Severity};
pub use charts::{Chart, MetricsView, Series, Unit};
pub use histogram::Buckets;
pub use window::Window;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// gRPC codes that count as failed requests: those etcd's alert rules count (a client's own
/// cancellation or a key not found are not failures of etcd).
pub const FAILED_GRPC_CODES: [&str; 7] = [
    "Unknown",
    "FailedPrecondition",
    "ResourceExhausted",
    "Internal",
    "Unavailable",
    "DataLoss",
    "DeadlineExceeded",
];

/// The figures of one member's `/metrics` page at one moment, as etcd gives them: gauges as
/// they are, counters and histograms cumulative.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// The member's id, in hex (`etcd_server_id`'s label).
    pub member_id: Option<String>,
    pub db_size: Option<f64>,
    pub db_in_use: Option<f64>,
    pub quota: Option<f64>,
    pub keys: Option<f64>,
    pub revision: Option<f64>,
    pub has_leader: Option<f64>,
    pub is_leader: Option<f64>,
    pub is_learner: Option<f64>,
    pub leader_changes: Option<f64>,
    /// The Raft term, when the health check could read the member's status.
    pub term: Option<f64>,
    /// The committed and applied Raft indexes.
    pub committed: Option<f64>,
    pub applied: Option<f64>,
    pub pending: Option<f64>,
    pub failed: Option<f64>,
    pub wal_fsync: Buckets,
    pub backend_commit: Buckets,
    /// Round trips to every peer, added up.
    pub peer_rtt: Buckets,
    /// Unary gRPC handling time, when etcd runs with `--metrics extensive` (without
    /// Defragment, which is slow by nature).
    pub grpc_handling: Buckets,
    /// gRPC requests handled by method: (all, failed).
    pub grpc: BTreeMap<String, (f64, f64)>,
    pub watch_streams: Option<f64>,
    pub watchers: Option<f64>,
    pub leases_granted: Option<f64>,
    pub leases_expired: Option<f64>,
}

/// What one member did in one interval (or why it could not be read), ending at `at_ms`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// When the reading that ends the interval was taken, in milliseconds since the epoch.
    pub at_ms: i64,
    /// The member answered.
    pub up: bool,
    pub db_size: Option<f64>,
    pub db_in_use: Option<f64>,
    pub quota: Option<f64>,
    pub keys: Option<f64>,
    pub revisions_per_second: Option<f64>,
    pub has_leader: Option<f64>,
    pub is_leader: Option<f64>,
    /// Leader changes this member saw in the interval.
    pub leader_changes: Option<f64>,
    pub term: Option<f64>,
    pub committed_per_second: Option<f64>,
    /// Committed but not yet applied entries.
    pub apply_lag: Option<f64>,
    pub pending: Option<f64>,
    /// Proposals that failed in the interval.
    pub failed: Option<f64>,
    pub wal_fsync_p99: Option<f64>,
    pub backend_commit_p99: Option<f64>,
    pub peer_rtt_p99: Option<f64>,
    pub grpc_p99: Option<f64>,
    pub grpc_per_second: Option<f64>,
    /// The share of gRPC requests that failed, in percent, when there were any.
    pub grpc_failed_percent: Option<f64>,
    /// gRPC requests a second, by method, for the methods called in the interval.
    pub grpc_methods: Vec<(String, f64)>,
    pub watch_streams: Option<f64>,
    pub watchers: Option<f64>,
    pub leases_granted_per_second: Option<f64>,
    pub leases_expired_per_second: Option<f64>,
}

impl Point {
    /// A member that did not answer at `at_ms`.
    pub fn down(at_ms: i64) -> Self {
        Point {
            at_ms,
            ..Point::default()
        }
    }

    /// What happened between `before` (read at `before_ms`) and `now` (read at `at_ms`); the
    /// first reading of a member gives its gauges only.
    pub fn between(before: Option<(i64, &Reading)>, at_ms: i64, now: &Reading) -> Self {
        let seconds = before.map(|(then, _)| (at_ms - then) as f64 / 1000.0);
        let seconds = seconds.filter(|s| *s > 0.0);
        let was = |pick: fn(&Reading) -> Option<f64>| before.and_then(|(_, r)| pick(r));
        // The increase of a counter, unless it went down (the member restarted).
        let increase = |pick: fn(&Reading) -> Option<f64>| {
            let (then, now) = (was(pick)?, pick(now)?);
            (now >= then).then_some(now - then)
        };
        let rate = |pick: fn(&Reading) -> Option<f64>| Some(increase(pick)? / seconds?);
        let p99 = |pick: fn(&Reading) -> &Buckets| {
            let then = before.map(|(_, r)| pick(r))?;
            pick(now).increase_since(then)?.quantile(0.99)
        };
        let (grpc_per_second, grpc_failed_percent, grpc_methods) = match (before, seconds) {
            (Some((_, then)), Some(seconds)) => grpc_between(&then.grpc, &now.grpc, seconds),
            _ => (None, None, Vec::new()),
        };
        Point {
            at_ms,
            up: true,
            db_size: now.db_size,
            db_in_use: now.db_in_use,
            quota: now.quota,
            keys: now.keys,
            revisions_per_second: rate(|r| r.revision),
            has_leader: now.has_leader,
            is_leader: now.is_leader,
            leader_changes: increase(|r| r.leader_changes),
            term: now.term,
            committed_per_second: rate(|r| r.committed),
            apply_lag: (now.committed.zip(now.applied)).map(|(c, a)| (c - a).max(0.0)),
            pending: now.pending,
            failed: increase(|r| r.failed),
            wal_fsync_p99: p99(|r| &r.wal_fsync),
            backend_commit_p99: p99(|r| &r.backend_commit),
            peer_rtt_p99: p99(|r| &r.peer_rtt),
            grpc_p99: p99(|r| &r.grpc_handling),
            grpc_per_second,
            grpc_failed_percent,
            grpc_methods,
            watch_streams: now.watch_streams,
            watchers: now.watchers,
            leases_granted_per_second: rate(|r| r.leases_granted),
            leases_expired_per_second: rate(|r| r.leases_expired),
        }
    }
}

/// gRPC requests a second in all, the percentage that failed, and the rate by method.
fn grpc_between(
    then: &BTreeMap<String, (f64, f64)>,
    now: &BTreeMap<String, (f64, f64)>,
    seconds: f64,
) -> (Option<f64>, Option<f64>, Vec<(String, f64)>) {
    let mut all = 0.0;
    let mut failed = 0.0;
    let mut methods = Vec::new();
    for (method, (handled, failures)) in now {
        let (handled_then, failures_then) = then.get(method).copied().unwrap_or_default();
        if *handled < handled_then {
            // The member restarted: nothing can be said of this interval.
            return (None, None, Vec::new());
        }
        let handled = handled - handled_then;
        all += handled;
        failed += (failures - failures_then).max(0.0);
        if handled > 0.0 {
            methods.push((method.clone(), handled / seconds));
        }
    }
    let percent = (all > 0.0).then(|| 100.0 * failed / all);
    (Some(all / seconds), percent, methods)
}

/// Whole milliseconds since the epoch, as the points count time.
#[cfg(feature = "ssr")]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A member's reading with the counters at `n` times their base.
    pub fn reading(n: f64) -> Reading {
        let mut grpc = BTreeMap::new();
        grpc.insert("Range".to_string(), (100.0 * n, 0.0));
        grpc.insert("Put".to_string(), (10.0 * n, n));
        Reading {
            member_id: Some("8e9e05c52164694d".into()),
            db_size: Some(1000.0 * n),
            db_in_use: Some(500.0 * n),
            quota: Some(1e6),
            keys: Some(10.0 * n),
            revision: Some(100.0 * n),
            has_leader: Some(1.0),
            is_leader: Some(0.0),
            leader_changes: Some(n),
            committed: Some(50.0 * n),
            applied: Some(50.0 * n - 2.0),
            failed: Some(0.0),
            wal_fsync: Buckets::new(vec![
                (0.001, 90.0 * n),
                (0.01, 99.0 * n),
                (f64::INFINITY, 100.0 * n),
            ]),
            grpc,
            ..Reading::default()
        }
    }

    #[test]
    fn a_point_holds_what_happened_in_its_interval() {
        let first = Point::between(None, 1_000, &reading(1.0));
        assert!(first.up);
        assert_eq!(first.db_size, Some(1000.0));
        assert_eq!(first.revisions_per_second, None, "no interval yet");
        assert_eq!(first.apply_lag, Some(2.0));

        let then = reading(1.0);
        let point = Point::between(Some((1_000, &then)), 6_000, &reading(2.0));
        assert_eq!(point.revisions_per_second, Some(20.0));
        assert_eq!(point.leader_changes, Some(1.0));
        assert_eq!(point.committed_per_second, Some(10.0));
        assert_eq!(point.grpc_per_second, Some(22.0));
        assert_eq!(point.grpc_failed_percent, Some(100.0 / 110.0));
        assert_eq!(
            point.grpc_methods,
            vec![("Put".to_string(), 2.0), ("Range".to_string(), 20.0)]
        );
        // 100 fsyncs in the interval, 90 under 1 ms, 9 more under 10 ms: the 99th is the last
        // of those, at the bucket's upper bound.
        let p99 = point.wal_fsync_p99.unwrap();
        assert!((p99 - 0.01).abs() < 1e-12, "{p99}");
    }

    #[test]
    fn a_member_that_restarted_has_no_rates_for_that_interval() {
        let then = reading(5.0);
        let point = Point::between(Some((1_000, &then)), 6_000, &reading(1.0));
        assert_eq!(point.revisions_per_second, None);
        assert_eq!(point.leader_changes, None);
        assert_eq!(point.grpc_per_second, None);
        assert_eq!(point.wal_fsync_p99, None);
        assert_eq!(point.db_size, Some(1000.0), "gauges are still read");
    }
}
