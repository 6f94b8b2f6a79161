//! The alerts from Prometheus: the rules' instant queries, and their answers mapped to the
//! members' alerts by the same table as etcd-deck's own evaluation.

use super::{Member, Members, RangeSeries};
use crate::domain::metrics::alerts::{self, Alert, Facts, Finding, FACTS_PROMQL, RULES};
use std::collections::BTreeMap;

/// The instant queries of the alert rules: the members with a leader, the facts, then one per
/// rule of [`RULES`].
pub fn alert_queries() -> Vec<String> {
    let rules = RULES.iter().map(alerts::Rule::promql);
    [alerts::LEADING_PROMQL.to_string(), FACTS_PROMQL.to_string()]
        .into_iter()
        .chain(rules)
        .collect()
}

/// The alerts firing by Prometheus' answers to [`alert_queries`] (in that order), for
/// `members`; `scrape_errors` say, by instance, why Prometheus' last scrape failed.
pub fn alerts(
    members: &Members,
    answers: &[Vec<RangeSeries>],
    scrape_errors: &BTreeMap<String, String>,
) -> Vec<Alert> {
    let [leading, facts, rules @ ..] = answers else {
        return Vec::new();
    };
    let mut known: Vec<Facts> = (members.0.iter())
        .map(|member| Facts {
            error: Some(scrape_error(member, scrape_errors)),
            ..Facts::default()
        })
        .collect();
    for series in facts {
        let (Some(at), Some(&(_, value))) =
            (members.position(&series.labels), series.points.last())
        else {
            continue;
        };
        let facts = &mut known[at];
        match series.labels.get("__name__").map(String::as_str) {
            Some("etcd_mvcc_db_total_size_in_bytes") => facts.db_size = Some(value),
            Some("etcd_mvcc_db_total_size_in_use_in_bytes") => facts.db_in_use = Some(value),
            Some("etcd_server_quota_backend_bytes") => facts.quota = Some(value),
            Some("etcd_server_is_leader") => facts.leads = value == 1.0,
            _ => {}
        }
    }
    let leading = (members.0.iter().enumerate()).filter(|(at, _)| {
        leading
            .iter()
            .any(|s| members.position(&s.labels) == Some(*at))
    });
    let mut fired: Vec<Alert> = alerts::insufficient_members(leading.count(), members.0.len())
        .into_iter()
        .collect();
    for (rule, answer) in RULES.iter().zip(rules) {
        for series in answer {
            let (Some(at), Some(&(_, value))) =
                (members.position(&series.labels), series.points.last())
            else {
                continue;
            };
            let detail = rule.detail_label.and_then(|label| series.labels.get(label));
            let finding = Finding {
                member: &members.0[at].label,
                value,
                detail: detail.map(String::as_str),
                facts: &known[at],
            };
            fired.extend(rule.fire(&finding));
        }
    }
    alerts::tidy(fired)
}

/// Why Prometheus cannot scrape a member, in words.
fn scrape_error(member: &Member, scrape_errors: &BTreeMap<String, String>) -> String {
    let error = (member.instance.as_ref()).and_then(|instance| scrape_errors.get(instance));
    match error.filter(|e| !e.is_empty()) {
        Some(error) => format!("Prometheus' last scrape of it failed: {error}"),
        None => "Prometheus' last scrape of it failed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{members, series};
    use super::*;
    use crate::domain::metrics::alerts::{Fix, Severity};

    fn rules(alerts: &[Alert]) -> Vec<&str> {
        alerts.iter().map(|a| a.rule.as_str()).collect()
    }

    /// Prometheus' answers: the members with a leader, the facts, then `fired` (rule, series).
    fn answers(
        leading: &[&str],
        facts: Vec<RangeSeries>,
        fired: &[(&str, RangeSeries)],
    ) -> Vec<Vec<RangeSeries>> {
        let leading = leading
            .iter()
            .map(|i| series(i, &[], &[(1.0, 1.0)]))
            .collect();
        let mut answers = vec![leading, facts];
        for rule in &RULES {
            let answer = fired.iter().filter(|(name, _)| *name == rule.name);
            answers.push(answer.map(|(_, series)| series.clone()).collect());
        }
        answers
    }

    #[test]
    fn the_queries_are_the_leaders_the_facts_and_each_rule() {
        let queries = alert_queries();
        assert_eq!(queries.len(), RULES.len() + 2);
        assert_eq!(queries[2], "(up) < 1");
    }

    #[test]
    fn a_member_prometheus_cannot_scrape_is_down_in_its_words() {
        let errors = BTreeMap::from([(
            "127.0.0.1:22379".to_string(),
            "connect: connection refused".to_string(),
        )]);
        let down = series("127.0.0.1:22379", &[("job", "etcd")], &[(1.0, 0.0)]);
        let other = series("other:2379", &[], &[(1.0, 0.0)]);
        let answers = answers(
            &["127.0.0.1:2379"],
            Vec::new(),
            &[("etcdMembersDown", down), ("etcdMembersDown", other)],
        );
        let alerts = alerts(&members(None), &answers, &errors);
        assert_eq!(
            rules(&alerts),
            ["etcdInsufficientMembers", "etcdMembersDown"]
        );
        assert_eq!(
            alerts[0].summary,
            "1 of 3 members answer with a leader; a quorum needs 2"
        );
        assert_eq!(alerts[1].member.as_deref(), Some("m2"));
        assert_eq!(
            alerts[1].summary,
            "m2 does not answer: Prometheus' last scrape of it failed: connect: connection refused"
        );
    }

    #[test]
    fn figures_and_facts_make_the_same_words_as_etcd_decks_own() {
        let a = "127.0.0.1:2379";
        let fact = |name: &str, value: f64| series(a, &[("__name__", name)], &[(1.0, value)]);
        let facts = vec![
            fact("etcd_mvcc_db_total_size_in_bytes", 400.0 * 1048576.0),
            fact("etcd_mvcc_db_total_size_in_use_in_bytes", 150.0 * 1048576.0),
            fact("etcd_server_quota_backend_bytes", 8.0 * 1024.0 * 1048576.0),
            fact("etcd_server_is_leader", 1.0),
        ];
        let all = ["127.0.0.1:2379", "127.0.0.1:22379", "etcd.example:443"];
        let fired = [
            (
                "etcdDatabaseHighFragmentationRatio",
                series(a, &[], &[(1.0, 37.5)]),
            ),
            ("etcdHighFsyncDurations", series(a, &[], &[(1.0, 1.2)])),
            (
                "etcdHighNumberOfFailedGRPCRequests",
                series(a, &[("grpc_method", "Put")], &[(1.0, 2.0)]),
            ),
        ];
        let alerts = alerts(
            &members(None),
            &answers(&all, facts, &fired),
            &BTreeMap::new(),
        );
        assert_eq!(
            rules(&alerts),
            [
                "etcdHighFsyncDurations",
                "etcdHighNumberOfFailedGRPCRequests",
                "etcdDatabaseHighFragmentationRatio"
            ]
        );
        assert_eq!(
            (alerts[0].severity, alerts[0].fix),
            (Severity::Critical, Fix::MoveLeader)
        );
        assert_eq!(alerts[1].severity, Severity::Warning);
        assert!(alerts[1]
            .summary
            .starts_with("2.0 % of http://127.0.0.1:2379's Put requests failed"));
        assert_eq!(
            alerts[2].summary,
            "http://127.0.0.1:2379 uses 150.0 MiB of its 400.0 MiB database (38 %): defragmenting gives the rest back"
        );
    }
}
