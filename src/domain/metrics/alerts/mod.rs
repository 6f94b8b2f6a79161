//! etcd's own alert rules (the etcd mixin's), one table ([`RULES`]) with two evaluators: over
//! etcd-deck's own samples ([`evaluate`]), and as PromQL instant queries by a Prometheus that
//! scrapes the members (see [`super::prometheus::alerts`]). Each alert firing says what is wrong
//! in words and numbers, and what fixes it.

mod rules;

pub use rules::{facts_of, RULES};
use rules::{EXCESSIVE_GROWTH, MEMBERS_DOWN, QUOTA_LOW_SPACE};

use super::prometheus::promql_duration;
use super::window::Window;
use super::FAILED_GRPC_CODES;
use crate::domain::cluster::quorum;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// etcdInsufficientMembers: fewer members answer with a leader than a quorum of those read. Its
/// threshold, the quorum, depends on the cluster's size, so it is no row of [`RULES`]; this
/// PromQL gives the members that answer with a leader (a member Prometheus cannot scrape has no
/// sample: its series went stale).
pub const LEADING_PROMQL: &str = "etcd_server_has_leader == 1";
const INSUFFICIENT_MEMBERS: &str = "etcdInsufficientMembers";

/// The gauges an alert's words and fix need, by instance, from a Prometheus (see [`Facts`]).
pub const FACTS_PROMQL: &str = "{__name__=~\"etcd_mvcc_db_total_size_in_bytes|etcd_mvcc_db_total_size_in_use_in_bytes|etcd_server_quota_backend_bytes|etcd_server_is_leader\"}";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Critical,
}

/// What fixes an alert, where etcd-deck can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// Compact and defragment (the maintenance page).
    Defragment,
    /// Recover a full database (the maintenance page).
    Recover,
    /// Hand the leadership to a member on a faster disk (the cluster page's members).
    MoveLeader,
    /// Replace or restart a member (the cluster page's members).
    Members,
    /// The member's charts, to see what changed.
    Charts,
}

impl Fix {
    /// The words of the link to it.
    pub fn words(self) -> &'static str {
        match self {
            Fix::Defragment => "Defragment",
            Fix::Recover => "Recover",
            Fix::MoveLeader => "Move the leader",
            Fix::Members => "Members",
            Fix::Charts => "Charts",
        }
    }
}

/// One alert firing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Alert {
    /// The rule's name in etcd's alert rules: `etcdDatabaseQuotaLowSpace`.
    pub rule: String,
    pub severity: Severity,
    /// The member it is about (its name, or client URL), when it is about one.
    pub member: Option<String>,
    /// What is wrong, with its numbers.
    pub summary: String,
    pub fix: Fix,
}

/// Which way a rule's figure passes its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Past {
    Above,
    AtLeast,
    Below,
}

impl Past {
    fn passes(self, value: f64, threshold: f64) -> bool {
        match self {
            Past::Above => value > threshold,
            Past::AtLeast => value >= threshold,
            Past::Below => value < threshold,
        }
    }

    /// The same comparison in PromQL.
    fn operator(self) -> &'static str {
        match self {
            Past::Above => ">",
            Past::AtLeast => ">=",
            Past::Below => "<",
        }
    }
}

/// A figure of a member: what it is of when a member has several (a gRPC method), and its value.
pub type Figure = (Option<String>, f64);

/// What is known of a member now, for the words and the fix of its alerts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub db_size: Option<f64>,
    pub db_in_use: Option<f64>,
    pub quota: Option<f64>,
    /// It is the leader: a slow disk is then fixed by moving the leadership.
    pub leads: bool,
    /// Why its last reading failed, if it did.
    pub error: Option<String>,
}

/// One figure of one member, as either evaluator measured it.
pub struct Finding<'a> {
    /// Its name, or client URL.
    pub member: &'a str,
    pub value: f64,
    /// What the figure is of (a gRPC method), when a member has several.
    pub detail: Option<&'a str>,
    pub facts: &'a Facts,
}

/// One of etcd's alert rules on one member.
pub struct Rule {
    /// Its name in etcd's alert rules: `etcdDatabaseQuotaLowSpace`.
    pub name: &'static str,
    pub past: Past,
    /// Each severity and the threshold its figure passes, the least severe first.
    pub levels: &'static [(Severity, f64)],
    /// How far back the figure looks (`$span` in its PromQL).
    pub span: Duration,
    /// The figure by `instance`, in PromQL; `$failed_codes` are [`FAILED_GRPC_CODES`],
    /// `$fragmented_min_bytes` the least size a fragmented database has.
    promql: &'static str,
    /// The label of the PromQL's answer that says what a figure is of ([`Finding::detail`]).
    pub detail_label: Option<&'static str>,
    /// What fixes it; [`Fix::MoveLeader`] only when the member leads, else its charts.
    fix: Fix,
    /// The figure from etcd-deck's own samples of a member, at a moment (ms since the epoch).
    measure: fn(&super::window::Track, i64) -> Vec<Figure>,
    /// What an alert says.
    say: fn(&Rule, &Finding) -> String,
}

impl Rule {
    /// The threshold of its least severe level.
    pub fn threshold(&self) -> f64 {
        self.levels.first().map_or(0.0, |(_, threshold)| *threshold)
    }

    /// Its PromQL instant query: the figure by instance, only where it passes the threshold.
    pub fn promql(&self) -> String {
        let figure = self
            .promql
            .replace("$span", &promql_duration(self.span))
            .replace("$failed_codes", &FAILED_GRPC_CODES.join("|"))
            .replace(
                "$fragmented_min_bytes",
                &rules::FRAGMENTED_MIN_BYTES.to_string(),
            );
        format!("({figure}) {} {}", self.past.operator(), self.threshold())
    }

    /// The alert `finding` fires, at the most severe level its figure passes.
    pub fn fire(&self, finding: &Finding) -> Option<Alert> {
        let (severity, _) = (self.levels.iter().rev())
            .find(|(_, threshold)| self.past.passes(finding.value, *threshold))?;
        let fix = match self.fix {
            Fix::MoveLeader if !finding.facts.leads => Fix::Charts,
            fix => fix,
        };
        Some(Alert {
            rule: self.name.into(),
            severity: *severity,
            member: Some(finding.member.to_string()),
            summary: (self.say)(self, finding),
            fix,
        })
    }
}

/// etcdInsufficientMembers, when fewer than a quorum of `members` answer with a leader.
pub fn insufficient_members(leading: usize, members: usize) -> Option<Alert> {
    let needed = quorum(members);
    (members > 0 && leading < needed).then(|| Alert {
        rule: INSUFFICIENT_MEMBERS.into(),
        severity: Severity::Critical,
        member: None,
        summary: format!(
            "{leading} of {members} members answer with a leader; a quorum needs {needed}"
        ),
        fix: Fix::Members,
    })
}

/// The alerts as shown: a member that does not answer has that alert only, a database past its
/// quota is not also said to grow toward it, and the critical come first.
pub fn tidy(mut alerts: Vec<Alert>) -> Vec<Alert> {
    let of = |rule: &str, alerts: &[Alert]| -> Vec<Option<String>> {
        let fired = alerts.iter().filter(|a| a.rule == rule);
        fired.map(|a| a.member.clone()).collect()
    };
    let (down, full) = (of(MEMBERS_DOWN, &alerts), of(QUOTA_LOW_SPACE, &alerts));
    alerts.retain(|a| a.member.is_none() || !down.contains(&a.member) || a.rule == MEMBERS_DOWN);
    alerts.retain(|a| a.rule != EXCESSIVE_GROWTH || !full.contains(&a.member));
    alerts.sort_by_key(|a| std::cmp::Reverse(a.severity));
    alerts
}

/// The alerts firing at `now_ms` over etcd-deck's own samples, the critical first.
pub fn evaluate(window: &Window, now_ms: i64) -> Vec<Alert> {
    let tracks = window.tracks();
    let leading = tracks.iter().filter(|t| {
        t.latest()
            .is_some_and(|p| p.up && p.has_leader == Some(1.0))
    });
    let mut alerts: Vec<Alert> = insufficient_members(leading.count(), tracks.len())
        .into_iter()
        .collect();
    for track in tracks {
        let facts = facts_of(track);
        for rule in &RULES {
            for (detail, value) in (rule.measure)(track, now_ms) {
                let finding = Finding {
                    member: track.label(),
                    value,
                    detail: detail.as_deref(),
                    facts: &facts,
                };
                alerts.extend(rule.fire(&finding));
            }
        }
    }
    tidy(alerts)
}

#[cfg(test)]
mod tests {
    use super::super::tests::reading;
    use super::super::Buckets;
    use super::*;

    fn window() -> Window {
        Window::new(Duration::from_secs(3600), Duration::from_secs(5))
    }

    fn rules(alerts: &[Alert]) -> Vec<&str> {
        alerts.iter().map(|a| a.rule.as_str()).collect()
    }

    #[test]
    fn a_healthy_cluster_fires_nothing() {
        let mut w = window();
        for i in 0..20 {
            for m in ["http://a", "http://b", "http://c"] {
                w.record(m, i * 5_000, Ok(reading(1.0)));
            }
        }
        assert_eq!(evaluate(&w, 95_000), vec![]);
    }

    #[test]
    fn a_member_down_and_a_lost_quorum_fire() {
        let mut w = window();
        w.record("http://a", 0, Ok(reading(1.0)));
        w.record("http://b", 0, Err("connection refused".into()));
        w.record("http://c", 0, Err("connection refused".into()));
        w.name("http://b", "m2");
        let alerts = evaluate(&w, 0);
        assert_eq!(
            rules(&alerts),
            [
                "etcdInsufficientMembers",
                "etcdMembersDown",
                "etcdMembersDown"
            ]
        );
        assert_eq!(
            alerts[0].summary,
            "1 of 3 members answer with a leader; a quorum needs 2"
        );
        assert_eq!(alerts[1].member.as_deref(), Some("m2"));
        assert_eq!(alerts[1].summary, "m2 does not answer: connection refused");
    }

    #[test]
    fn a_slow_disk_on_the_leader_points_at_moving_it() {
        let mut w = window();
        let mut slow = reading(1.0);
        slow.is_leader = Some(1.0);
        w.record("http://a", 0, Ok(slow.clone()));
        slow.wal_fsync = Buckets::new(vec![
            (0.001, 90.0),
            (0.01, 99.0),
            (2.0, 120.0),
            (f64::INFINITY, 120.0),
        ]);
        let mut before = slow.clone();
        before.wal_fsync = Buckets::new(vec![
            (0.001, 90.0),
            (0.01, 99.0),
            (2.0, 100.0),
            (f64::INFINITY, 100.0),
        ]);
        let mut w = window();
        w.record("http://a", 0, Ok(before));
        w.record("http://a", 5_000, Ok(slow));
        let alerts = evaluate(&w, 5_000);
        assert_eq!(rules(&alerts), ["etcdHighFsyncDurations"]);
        assert_eq!(alerts[0].severity, Severity::Critical);
        assert_eq!(alerts[0].fix, Fix::MoveLeader);
    }

    #[test]
    fn a_full_or_filling_or_fragmented_database_fires() {
        let mut w = window();
        let mut full = reading(1.0);
        full.db_size = Some(970.0);
        full.quota = Some(1000.0);
        w.record("http://a", 0, Ok(full));
        let alerts = evaluate(&w, 0);
        assert_eq!(rules(&alerts), ["etcdDatabaseQuotaLowSpace"]);
        assert_eq!(alerts[0].fix, Fix::Recover);

        // 1 MiB a minute toward a 1 GiB quota from 700 MiB: about 5 hours, then 2 MiB: 2.5 h.
        for (per_minute, fires) in [(1.0, false), (2.0, true)] {
            let mut w = window();
            for i in 0..=12 {
                let mut r = reading(1.0);
                r.quota = Some(1024.0 * 1024.0 * 1024.0);
                r.db_size = Some((700.0 + per_minute * i as f64 / 12.0 * 5.0) * 1048576.0);
                r.db_in_use = r.db_size;
                w.record("http://a", i * 25_000, Ok(r));
            }
            let alerts = evaluate(&w, 300_000);
            assert_eq!(
                rules(&alerts) == ["etcdExcessiveDatabaseGrowth"],
                fires,
                "{alerts:?}"
            );
        }

        let mut w = window();
        let mut fragmented = reading(1.0);
        fragmented.db_size = Some(400.0 * 1048576.0);
        fragmented.db_in_use = Some(150.0 * 1048576.0);
        fragmented.quota = Some(8.0 * 1024.0 * 1048576.0);
        w.record("http://a", 0, Ok(fragmented));
        let alerts = evaluate(&w, 0);
        assert_eq!(rules(&alerts), ["etcdDatabaseHighFragmentationRatio"]);
        assert_eq!(alerts[0].summary, "http://a uses 150.0 MiB of its 400.0 MiB database (38 %): defragmenting gives the rest back");
    }

    #[test]
    fn failing_requests_and_leader_changes_fire() {
        let mut w = window();
        // reading(n) fails n of 10 n Puts: 10 %.
        w.record("http://a", 0, Ok(reading(1.0)));
        w.record("http://a", 5_000, Ok(reading(5.0)));
        let alerts = evaluate(&w, 5_000);
        assert_eq!(
            rules(&alerts),
            [
                "etcdHighNumberOfFailedGRPCRequests",
                "etcdHighNumberOfLeaderChanges"
            ]
        );
        assert!(
            alerts[0]
                .summary
                .starts_with("10.0 % of http://a's Put requests failed"),
            "{}",
            alerts[0].summary
        );
        assert_eq!(alerts[0].severity, Severity::Critical);
    }
    #[test]
    fn each_rule_asks_prometheus_for_its_figure_past_its_threshold() {
        let rule = |name: &str| RULES.iter().find(|r| r.name == name).unwrap().promql();
        assert_eq!(
            rule("etcdHighFsyncDurations"),
            "(histogram_quantile(0.99, sum by (instance, le) \
             (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])))) > 0.5"
        );
        assert_eq!(rule("etcdMembersDown"), "(up) < 1");
        assert_eq!(
            rule("etcdHighNumberOfLeaderChanges"),
            "(increase(etcd_server_leader_changes_seen_total[15m])) >= 4"
        );
        assert!(rule("etcdExcessiveDatabaseGrowth").ends_with("[1h]) > 0) < 14400"));
        assert!(rule("etcdHighNumberOfFailedGRPCRequests")
            .contains("grpc_code=~\"Unknown|FailedPrecondition|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded\"}[5m]"));
        assert!(rule("etcdDatabaseHighFragmentationRatio").ends_with("<= 104857600) < 50"));
        for rule in &RULES {
            assert!(!rule.promql().contains('$'), "{}", rule.name);
        }
    }

    #[test]
    fn a_member_that_does_not_answer_has_that_alert_only() {
        let alert = |rule: &str, member: Option<&str>, severity| Alert {
            rule: rule.into(),
            severity,
            member: member.map(str::to_string),
            summary: String::new(),
            fix: Fix::Charts,
        };
        let tidied = tidy(vec![
            alert(
                "etcdHighNumberOfLeaderChanges",
                Some("m1"),
                Severity::Warning,
            ),
            alert("etcdMembersDown", Some("m1"), Severity::Warning),
            alert("etcdExcessiveDatabaseGrowth", Some("m2"), Severity::Warning),
            alert("etcdDatabaseQuotaLowSpace", Some("m2"), Severity::Critical),
            alert("etcdExcessiveDatabaseGrowth", Some("m3"), Severity::Warning),
            alert("etcdInsufficientMembers", None, Severity::Critical),
        ]);
        assert_eq!(
            rules(&tidied),
            [
                "etcdDatabaseQuotaLowSpace",
                "etcdInsufficientMembers",
                "etcdMembersDown",
                "etcdExcessiveDatabaseGrowth"
            ]
        );
        assert_eq!(tidied[3].member.as_deref(), Some("m3"));
    }
}
