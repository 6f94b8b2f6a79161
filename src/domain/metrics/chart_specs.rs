//! Which charts are drawn, in what order and unit, against which limit, how the points of one
//! step are combined, and the PromQL that draws the same figure from a Prometheus.

use super::charts::Unit;
use super::Point;

/// How the points of one member that fall in one step of the grid become one value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Combine {
    /// A gauge: its last value.
    Last,
    /// A rate: the mean.
    Mean,
    /// A latency or share: the worst.
    Max,
    /// Events counted per interval: all of them.
    Sum,
}

/// One chart: what it draws and where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct ChartSpec {
    pub id: &'static str,
    pub title: &'static str,
    pub unit: Unit,
    pub(super) pick: fn(&Point) -> Option<f64>,
    pub(super) combine: Combine,
    /// A fixed limit (an alert's threshold), drawn as a line.
    pub(super) limit: Option<(f64, &'static str)>,
    /// The same figure from Prometheus, by `instance`; `$range` is the rate window.
    pub promql: &'static str,
}

/// Every chart, in the order they are shown; the first [`OVERVIEW`] are the cluster page's.
pub const CHARTS: [ChartSpec; 18] = [
    ChartSpec {
        id: "db-size",
        title: "Database size",
        unit: Unit::Bytes,
        pick: |p| p.db_size,
        combine: Combine::Last,
        limit: None,
        promql: "etcd_mvcc_db_total_size_in_bytes",
    },
    ChartSpec {
        id: "has-leader",
        title: "Has a leader",
        unit: Unit::Count,
        pick: |p| p.has_leader,
        combine: Combine::Last,
        limit: None,
        promql: "etcd_server_has_leader",
    },
    ChartSpec {
        id: "wal-fsync",
        title: "WAL fsync p99",
        unit: Unit::Seconds,
        pick: |p| p.wal_fsync_p99,
        combine: Combine::Max,
        limit: Some((0.5, "alert")),
        promql: "histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[$range])))",
    },
    ChartSpec {
        id: "grpc-rate",
        title: "gRPC requests",
        unit: Unit::PerSecond,
        pick: |p| p.grpc_per_second,
        combine: Combine::Mean,
        limit: None,
        promql: "sum by (instance) (rate(grpc_server_handled_total[$range]))",
    },
    ChartSpec {
        id: "db-in-use",
        title: "Database size in use",
        unit: Unit::Bytes,
        pick: |p| p.db_in_use,
        combine: Combine::Last,
        limit: None,
        promql: "etcd_mvcc_db_total_size_in_use_in_bytes",
    },
    ChartSpec {
        id: "keys",
        title: "Keys",
        unit: Unit::Count,
        pick: |p| p.keys,
        combine: Combine::Last,
        limit: None,
        promql: "etcd_debugging_mvcc_keys_total",
    },
    ChartSpec {
        id: "revisions",
        title: "Revisions",
        unit: Unit::PerSecond,
        pick: |p| p.revisions_per_second,
        combine: Combine::Mean,
        limit: None,
        promql: "deriv(etcd_debugging_mvcc_current_revision[$range])",
    },
    ChartSpec {
        id: "leader-changes",
        title: "Leader changes",
        unit: Unit::Count,
        pick: |p| p.leader_changes,
        combine: Combine::Sum,
        limit: None,
        promql: "increase(etcd_server_leader_changes_seen_total[$range])",
    },
    ChartSpec {
        id: "term",
        title: "Raft term",
        unit: Unit::Count,
        pick: |p| p.term,
        combine: Combine::Last,
        limit: None,
        promql: "",
    },
    ChartSpec {
        id: "committed",
        title: "Proposals committed",
        unit: Unit::PerSecond,
        pick: |p| p.committed_per_second,
        combine: Combine::Mean,
        limit: None,
        promql: "rate(etcd_server_proposals_committed_total[$range])",
    },
    ChartSpec {
        id: "apply-lag",
        title: "Apply lag (committed − applied)",
        unit: Unit::Count,
        pick: |p| p.apply_lag,
        combine: Combine::Max,
        limit: None,
        promql: "etcd_server_proposals_committed_total - etcd_server_proposals_applied_total",
    },
    ChartSpec {
        id: "pending",
        title: "Proposals pending",
        unit: Unit::Count,
        pick: |p| p.pending,
        combine: Combine::Max,
        limit: None,
        promql: "etcd_server_proposals_pending",
    },
    ChartSpec {
        id: "failed",
        title: "Proposals failed",
        unit: Unit::Count,
        pick: |p| p.failed,
        combine: Combine::Sum,
        limit: None,
        promql: "increase(etcd_server_proposals_failed_total[$range])",
    },
    ChartSpec {
        id: "backend-commit",
        title: "Backend commit p99",
        unit: Unit::Seconds,
        pick: |p| p.backend_commit_p99,
        combine: Combine::Max,
        limit: Some((0.25, "alert")),
        promql: "histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_backend_commit_duration_seconds_bucket[$range])))",
    },
    ChartSpec {
        id: "peer-rtt",
        title: "Peer round trip p99",
        unit: Unit::Seconds,
        pick: |p| p.peer_rtt_p99,
        combine: Combine::Max,
        limit: Some((0.15, "alert")),
        promql: "histogram_quantile(0.99, sum by (instance, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[$range])))",
    },
    ChartSpec {
        id: "grpc-failed",
        title: "gRPC requests failed",
        unit: Unit::Percent,
        pick: |p| p.grpc_failed_percent,
        combine: Combine::Max,
        limit: Some((1.0, "alert")),
        promql: "100 * sum by (instance) (rate(grpc_server_handled_total{grpc_code=~\"Unknown|FailedPrecondition|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded\"}[$range])) / sum by (instance) (rate(grpc_server_handled_total[$range]))",
    },
    ChartSpec {
        id: "watchers",
        title: "Watchers",
        unit: Unit::Count,
        pick: |p| p.watchers,
        combine: Combine::Last,
        limit: None,
        promql: "etcd_debugging_mvcc_watcher_total",
    },
    ChartSpec {
        id: "leases",
        title: "Leases granted",
        unit: Unit::PerSecond,
        pick: |p| p.leases_granted_per_second,
        combine: Combine::Mean,
        limit: None,
        promql: "rate(etcd_debugging_lease_granted_total[$range])",
    },
];

/// How many of [`CHARTS`] the cluster page shows.
pub const OVERVIEW: usize = 4;

/// The chart of gRPC requests by method (its series are methods, not members).
pub const METHODS_ID: &str = "grpc-methods";
/// The PromQL of the methods' chart, by member so that the members drawn are added up.
pub const METHODS_PROMQL: &str =
    "sum by (instance, grpc_method) (rate(grpc_server_handled_total[$range]))";
