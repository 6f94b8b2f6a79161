//! etcd's alert rules (the etcd mixin's), one row each: its thresholds, the span it looks at,
//! the PromQL that gives its figure from a Prometheus, how the same figure is measured on
//! etcd-deck's own samples, and what an alert says. Both evaluators read this table, so a rule
//! changes in one place.

use super::{Facts, Figure, Fix, Past, Rule, Severity};
use crate::domain::limits::human_bytes;
use crate::domain::metrics::window::{Track, RECENT};
use crate::domain::metrics::{Buckets, Reading, FAILED_GRPC_CODES};
use std::time::Duration;

/// How far back leader changes are counted, and failed proposals.
const LEADER_CHANGES_SPAN: Duration = Duration::from_secs(15 * 60);
const FAILED_PROPOSALS_SPAN: Duration = Duration::from_secs(3600);
/// How far back the database's growth is measured, and the least history a projection is
/// made from (its threshold, how far ahead it is projected, is in the table).
const GROWTH_SPAN: Duration = Duration::from_secs(3600);
const GROWTH_MIN_HISTORY: Duration = Duration::from_secs(60);
/// The rules whose alerts [`super::tidy`] weighs against each other.
pub(super) const MEMBERS_DOWN: &str = "etcdMembersDown";
pub(super) const QUOTA_LOW_SPACE: &str = "etcdDatabaseQuotaLowSpace";
pub(super) const EXCESSIVE_GROWTH: &str = "etcdExcessiveDatabaseGrowth";
/// A database is fragmented only when it uses more than this: a small one costs nothing.
pub(super) const FRAGMENTED_MIN_BYTES: f64 = 100.0 * 1024.0 * 1024.0;

/// Every rule on one member, in the order their alerts are listed. `$span` in the PromQL is the
/// rule's span; the comparison with the thresholds is added by [`Rule::promql`].
pub const RULES: [Rule; 12] = [
    Rule {
        name: MEMBERS_DOWN,
        past: Past::Below,
        levels: &[(Severity::Warning, 1.0)],
        span: Duration::ZERO,
        promql: "up",
        detail_label: None,
        fix: Fix::Members,
        measure: |track, _| one(track.latest().map(|p| if p.up { 1.0 } else { 0.0 })),
        say: |_, f| {
            let why = f.facts.error.as_deref().unwrap_or("no answer");
            format!("{} does not answer: {why}", f.member)
        },
    },
    Rule {
        name: "etcdNoLeader",
        past: Past::Below,
        levels: &[(Severity::Critical, 1.0)],
        span: Duration::ZERO,
        promql: "etcd_server_has_leader",
        detail_label: None,
        fix: Fix::Charts,
        measure: |track, _| one(track.latest().and_then(|p| p.has_leader)),
        say: |_, f| format!("{} has no leader", f.member),
    },
    Rule {
        name: "etcdHighNumberOfLeaderChanges",
        past: Past::AtLeast,
        levels: &[(Severity::Warning, 4.0)],
        span: LEADER_CHANGES_SPAN,
        promql: "increase(etcd_server_leader_changes_seen_total[$span])",
        detail_label: None,
        fix: Fix::Charts,
        measure: |track, now_ms| sum(track, now_ms, LEADER_CHANGES_SPAN, |p| p.leader_changes),
        say: |rule, f| {
            format!(
                "{} saw {:.0} leader changes in the last {} (alert at {}): look at its disk and network",
                f.member,
                f.value,
                span_words(rule.span),
                rule.threshold()
            )
        },
    },
    Rule {
        name: "etcdHighNumberOfFailedProposals",
        past: Past::Above,
        levels: &[(Severity::Warning, 5.0)],
        span: FAILED_PROPOSALS_SPAN,
        promql: "increase(etcd_server_proposals_failed_total[$span])",
        detail_label: None,
        fix: Fix::Charts,
        measure: |track, now_ms| sum(track, now_ms, FAILED_PROPOSALS_SPAN, |p| p.failed),
        say: |rule, f| {
            format!(
                "{} failed {:.0} proposals in the last {} (alert past {})",
                f.member,
                f.value,
                span_words(rule.span),
                rule.threshold()
            )
        },
    },
    Rule {
        name: "etcdHighFsyncDurations",
        past: Past::Above,
        levels: &[(Severity::Warning, 0.5), (Severity::Critical, 1.0)],
        span: RECENT,
        promql: "histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[$span])))",
        detail_label: None,
        fix: Fix::MoveLeader,
        measure: |track, _| p99(track, |r| &r.wal_fsync),
        say: |rule, f| {
            format!(
                "{}'s WAL fsync p99 is {} (alert past {}): its disk is slow",
                f.member,
                ms(f.value),
                ms(rule.threshold())
            )
        },
    },
    Rule {
        name: "etcdHighCommitDurations",
        past: Past::Above,
        levels: &[(Severity::Warning, 0.25)],
        span: RECENT,
        promql: "histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_backend_commit_duration_seconds_bucket[$span])))",
        detail_label: None,
        fix: Fix::MoveLeader,
        measure: |track, _| p99(track, |r| &r.backend_commit),
        say: |rule, f| {
            format!(
                "{}'s backend commit p99 is {} (alert past {}): its disk is slow",
                f.member,
                ms(f.value),
                ms(rule.threshold())
            )
        },
    },
    Rule {
        name: "etcdMemberCommunicationSlow",
        past: Past::Above,
        levels: &[(Severity::Warning, 0.15)],
        span: RECENT,
        promql: "histogram_quantile(0.99, sum by (instance, le) (rate(etcd_network_peer_round_trip_time_seconds_bucket[$span])))",
        detail_label: None,
        fix: Fix::Charts,
        measure: |track, _| p99(track, |r| &r.peer_rtt),
        say: |rule, f| {
            format!(
                "{}'s round trips to its peers take {} at p99 (alert past {})",
                f.member,
                ms(f.value),
                ms(rule.threshold())
            )
        },
    },
    Rule {
        name: "etcdGRPCRequestsSlow",
        past: Past::Above,
        levels: &[(Severity::Critical, 0.15)],
        span: RECENT,
        promql: "histogram_quantile(0.99, sum by (instance, le) (rate(grpc_server_handling_seconds_bucket{grpc_type=\"unary\",grpc_method!=\"Defragment\"}[$span])))",
        detail_label: None,
        fix: Fix::Charts,
        measure: |track, _| p99(track, |r| &r.grpc_handling),
        say: |rule, f| {
            format!(
                "{} answers gRPC requests in {} at p99 (alert past {})",
                f.member,
                ms(f.value),
                ms(rule.threshold())
            )
        },
    },
    Rule {
        name: "etcdHighNumberOfFailedGRPCRequests",
        past: Past::Above,
        levels: &[(Severity::Warning, 1.0), (Severity::Critical, 5.0)],
        span: RECENT,
        promql: "100 * sum by (instance, grpc_method) (rate(grpc_server_handled_total{grpc_code=~\"$failed_codes\"}[$span])) / sum by (instance, grpc_method) (rate(grpc_server_handled_total[$span]))",
        detail_label: Some("grpc_method"),
        fix: Fix::Charts,
        measure: |track, _| failed_grpc_percent(track),
        say: |rule, f| {
            format!(
                "{:.1} % of {}'s {} requests failed in the last {} ({} counted: {})",
                f.value,
                f.member,
                f.detail.unwrap_or("gRPC"),
                span_words(rule.span),
                FAILED_GRPC_CODES.len(),
                FAILED_GRPC_CODES.join(", ")
            )
        },
    },
    Rule {
        name: QUOTA_LOW_SPACE,
        past: Past::Above,
        levels: &[(Severity::Critical, 95.0)],
        span: Duration::ZERO,
        promql: "100 * etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes",
        detail_label: None,
        fix: Fix::Recover,
        measure: |track, _| {
            let latest = track.latest();
            one(latest.and_then(|p| Some(100.0 * p.db_size? / p.quota?.max(1.0))))
        },
        say: |_, f| {
            let sizes = match (f.facts.db_size, f.facts.quota) {
                (Some(size), Some(quota)) => format!(" ({} of {})", bytes(size), bytes(quota)),
                _ => String::new(),
            };
            format!(
                "{}'s database is {:.0} % of its quota{sizes}: past it, etcd refuses every write",
                f.member, f.value
            )
        },
    },
    Rule {
        name: EXCESSIVE_GROWTH,
        past: Past::Below,
        levels: &[(Severity::Warning, 4.0 * 3600.0)],
        span: GROWTH_SPAN,
        promql: "(etcd_server_quota_backend_bytes - etcd_mvcc_db_total_size_in_bytes) / deriv(etcd_mvcc_db_total_size_in_bytes[$span]) > 0",
        detail_label: None,
        fix: Fix::Defragment,
        measure: |track, now_ms| one(seconds_to_quota(track, now_ms)),
        say: |rule, f| {
            let size = f.facts.db_size.map(|s| format!(" ({})", bytes(s)));
            let quota = f.facts.quota.map(|q| format!(" of {}", bytes(q)));
            format!(
                "at its growth of the last {}, {}'s database{} reaches its quota{} in about {:.0} minutes",
                span_words(rule.span),
                f.member,
                size.unwrap_or_default(),
                quota.unwrap_or_default(),
                f.value / 60.0
            )
        },
    },
    Rule {
        name: "etcdDatabaseHighFragmentationRatio",
        past: Past::Below,
        levels: &[(Severity::Warning, 50.0)],
        span: Duration::ZERO,
        promql: "100 * etcd_mvcc_db_total_size_in_use_in_bytes / etcd_mvcc_db_total_size_in_bytes unless etcd_mvcc_db_total_size_in_use_in_bytes <= $fragmented_min_bytes",
        detail_label: None,
        fix: Fix::Defragment,
        measure: |track, _| {
            let latest = track.latest();
            let (in_use, size) = (latest.and_then(|p| p.db_in_use), latest.and_then(|p| p.db_size));
            one(in_use.zip(size).filter(|(in_use, _)| *in_use > FRAGMENTED_MIN_BYTES)
                .map(|(in_use, size)| 100.0 * in_use / size.max(1.0)))
        },
        say: |_, f| match (f.facts.db_in_use, f.facts.db_size) {
            (Some(in_use), Some(size)) => format!(
                "{} uses {} of its {} database ({:.0} %): defragmenting gives the rest back",
                f.member,
                bytes(in_use),
                bytes(size),
                f.value
            ),
            _ => format!(
                "{} uses {:.0} % of its database: defragmenting gives the rest back",
                f.member, f.value
            ),
        },
    },
];

/// What is known of a member from its last point, for the words and the fix of its alerts.
pub fn facts_of(track: &Track) -> Facts {
    let latest = track.latest().filter(|p| p.up);
    Facts {
        db_size: latest.and_then(|p| p.db_size),
        db_in_use: latest.and_then(|p| p.db_in_use),
        quota: latest.and_then(|p| p.quota),
        leads: latest.is_some_and(|p| p.is_leader == Some(1.0)),
        error: track.error.clone(),
    }
}

/// One figure of the member as a whole, if measured.
fn one(value: Option<f64>) -> Vec<Figure> {
    value.map(|value| (None, value)).into_iter().collect()
}

/// Events counted per point, added up over the last `span`.
fn sum(
    track: &Track,
    now_ms: i64,
    span: Duration,
    pick: fn(&crate::domain::metrics::Point) -> Option<f64>,
) -> Vec<Figure> {
    one(Some(track.since(now_ms, span).filter_map(pick).sum()))
}

/// The 99th percentile of a latency over the last [`RECENT`] span.
fn p99(track: &Track, pick: fn(&Reading) -> &Buckets) -> Vec<Figure> {
    let Some((first, last)) = track.recent_span() else {
        return Vec::new();
    };
    one(pick(&last.1)
        .increase_since(pick(&first.1))
        .and_then(|b| b.quantile(0.99)))
}

/// The share of each method's gRPC requests that failed over the last [`RECENT`] span.
fn failed_grpc_percent(track: &Track) -> Vec<Figure> {
    let Some(((_, then), (_, now))) = track.recent_span() else {
        return Vec::new();
    };
    let failing = now.grpc.iter().filter_map(|(method, (handled, failed))| {
        let (handled_then, failed_then) = then.grpc.get(method).copied().unwrap_or_default();
        let handled = handled - handled_then;
        let percent = 100.0 * (failed - failed_then).max(0.0) / handled;
        (handled > 0.0).then(|| (Some(method.clone()), percent))
    });
    failing.collect()
}

/// In how many seconds the database's size, growing at its least-squares rate over the last
/// [`GROWTH_SPAN`], reaches its quota (as `deriv` would project it), when it grows.
fn seconds_to_quota(track: &Track, now_ms: i64) -> Option<f64> {
    let quota = track.latest()?.quota?;
    let sizes: Vec<(f64, f64)> = track
        .since(now_ms, GROWTH_SPAN)
        .filter_map(|p| Some(((p.at_ms - now_ms) as f64 / 1000.0, p.db_size?)))
        .collect();
    let span = sizes.last()?.0 - sizes.first()?.0;
    if sizes.len() < 3 || span < GROWTH_MIN_HISTORY.as_secs_f64() {
        return None;
    }
    let n = sizes.len() as f64;
    let (mean_t, mean_s) = sizes
        .iter()
        .fold((0.0, 0.0), |(t, s), (x, y)| (t + x / n, s + y / n));
    let covariance: f64 = sizes.iter().map(|(x, y)| (x - mean_t) * (y - mean_s)).sum();
    let variance: f64 = sizes.iter().map(|(x, _)| (x - mean_t).powi(2)).sum();
    let slope = covariance / variance;
    if slope <= 0.0 || !slope.is_finite() {
        return None;
    }
    // The fitted line at now (t = 0), and when it meets the quota.
    let now_size = mean_s - slope * mean_t;
    Some(((quota - now_size) / slope).max(0.0))
}

/// A span as a sentence says it after "the last": "hour", "15 minutes", "4 hours".
fn span_words(span: Duration) -> String {
    match span.as_secs() / 60 {
        60 => "hour".into(),
        minutes if minutes % 60 == 0 => format!("{} hours", minutes / 60),
        minutes => format!("{minutes} minutes"),
    }
}

fn ms(seconds: f64) -> String {
    format!("{:.0} ms", seconds * 1000.0)
}

fn bytes(value: f64) -> String {
    human_bytes(value.max(0.0) as u64)
}
