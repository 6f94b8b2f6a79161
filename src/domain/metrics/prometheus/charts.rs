//! The charts from Prometheus: the range queries asked, and their answers laid on the grid.

use super::{promql_duration, Member, Members, RangeSeries, LONGEST_SPAN};
use crate::domain::metrics::charts::{
    methods_chart, Chart, MetricsView, Series, CHARTS, METHODS_PROMQL,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// The quota, drawn as the database size's limit.
const QUOTA_PROMQL: &str = "etcd_server_quota_backend_bytes";

/// The range queries of the charts, with `$range` in place.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartQueries {
    /// One per chart of [`CHARTS`], in order; `None` for a chart Prometheus cannot draw.
    pub charts: Vec<Option<String>>,
    /// gRPC requests by member and method, for the methods' chart.
    pub methods: String,
    pub quota: String,
}

impl ChartQueries {
    pub fn new(range: Duration) -> Self {
        let with_range = |promql: &str| promql.replace("$range", &promql_duration(range));
        ChartQueries {
            charts: (CHARTS.iter())
                .map(|spec| (!spec.promql.is_empty()).then(|| with_range(spec.promql)))
                .collect(),
            methods: with_range(METHODS_PROMQL),
            quota: QUOTA_PROMQL.into(),
        }
    }
}

/// The range to ask for the grid `times` of `step` ms, in unix seconds: from one step before the
/// first time to the last, at that step. The grid's times are multiples of the step, so every
/// time Prometheus evaluates at is a time of the grid (the one before it is left out).
pub fn query_range_of(times: &[i64], step: i64) -> (f64, f64) {
    let first = times.first().copied().unwrap_or_default();
    let last = times.last().copied().unwrap_or(first);
    ((first - step) as f64 / 1000.0, last as f64 / 1000.0)
}

/// What Prometheus answered to [`ChartQueries`], each query's series or why it has none.
pub struct ChartAnswers {
    pub charts: Vec<Option<Result<Vec<RangeSeries>, String>>>,
    pub methods: Result<Vec<RangeSeries>, String>,
    pub quota: Result<Vec<RangeSeries>, String>,
}

/// Where the figures came from and on which grid.
pub struct Drawn<'a> {
    /// Prometheus' URL, without credentials.
    pub url: &'a str,
    pub times: Vec<i64>,
    pub step_ms: i64,
    pub scrape_interval: Duration,
    /// The points etcd-deck's own sampler holds of the members drawn, and about how many
    /// bytes its whole window holds.
    pub held: usize,
    pub held_bytes: usize,
}

/// The charts of `members` from Prometheus' answers, laid on the grid, with what is missing said
/// once each.
pub fn view(
    drawn: Drawn,
    members: &Members,
    asked: Option<&str>,
    answers: ChartAnswers,
) -> MetricsView {
    let (times, step) = (&drawn.times, drawn.step_ms);
    let mut failures: Vec<(&str, String)> = Vec::new();
    let mut seen = vec![false; members.0.len()];
    let mut charts: Vec<Chart> = Vec::new();
    for (spec, answer) in CHARTS.iter().zip(answers.charts) {
        let series = match answer {
            Some(Ok(series)) => series,
            Some(Err(why)) => {
                failures.push((spec.title, why));
                Vec::new()
            }
            None => Vec::new(),
        };
        let values = by_member(&series, members, times, step, &mut seen);
        let series = (members.0.iter().zip(values))
            .map(|(member, values)| Series {
                name: member.label.clone(),
                values,
            })
            .collect();
        charts.push(spec.chart(series));
    }
    if let Some(size) = charts.iter_mut().find(|c| c.id == "db-size") {
        match &answers.quota {
            Ok(quota) => {
                let last = |values: Vec<Option<f64>>| values.into_iter().flatten().next_back();
                let quotas = by_member(quota, members, times, step, &mut seen);
                size.limit = quotas.into_iter().filter_map(last).reduce(f64::max);
                size.limit_label = size.limit.map(|_| "quota".into());
            }
            Err(why) => failures.push(("quota", why.clone())),
        }
    }
    charts.push(methods_chart(match answers.methods {
        Ok(series) => by_method(&series, members, times, step, &mut seen),
        Err(why) => {
            failures.push(("gRPC requests by method", why));
            Vec::new()
        }
    }));
    let asked_queries = CHARTS.iter().filter(|s| !s.promql.is_empty()).count() + 2;
    let mut errors = said_once(failures, asked_queries);
    if errors.is_empty() {
        let unseen = (members.0.iter().zip(&seen)).filter(|(_, seen)| !**seen);
        errors.extend(unseen.map(|(member, _)| unseen_member(member)));
    }
    let without: Vec<&str> = (CHARTS.iter())
        .filter(|spec| spec.promql.is_empty())
        .map(|spec| spec.title)
        .collect();
    if !without.is_empty() {
        errors.push(format!(
            "{}: etcd's /metrics have no such figure, so only etcd-deck's own samples draw it \
             (without --prometheus-url)",
            without.join(", ")
        ));
    }
    MetricsView {
        source: format!("Prometheus at {}", drawn.url),
        step_ms: step,
        interval_ms: drawn.scrape_interval.as_millis() as i64,
        held: drawn.held,
        held_bytes: drawn.held_bytes,
        members: members.labels(),
        member: asked.map(str::to_string),
        charts,
        alerts: Vec::new(),
        errors,
        longest_ms: LONGEST_SPAN.as_millis() as i64,
        times: drawn.times,
    }
}

/// Each member's values on the grid, from the series of its instance (the first series wins
/// where two jobs scrape one member); marks the members seen.
fn by_member(
    series: &[RangeSeries],
    members: &Members,
    times: &[i64],
    step: i64,
    seen: &mut [bool],
) -> Vec<Vec<Option<f64>>> {
    let mut values = vec![vec![None; times.len()]; members.0.len()];
    for one in series {
        let Some(at) = members.position(&one.labels) else {
            continue;
        };
        seen[at] = true;
        for (slot, value) in values[at].iter_mut().zip(on_grid(&one.points, times, step)) {
            *slot = slot.or(value);
        }
    }
    values
}

/// The methods' series: each method's requests a second, the members drawn added up; marks
/// the members seen.
fn by_method(
    series: &[RangeSeries],
    members: &Members,
    times: &[i64],
    step: i64,
    seen: &mut [bool],
) -> Vec<Series> {
    let mut methods: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    for one in series {
        let at = members.position(&one.labels);
        let (Some(at), Some(method)) = (at, one.labels.get("grpc_method")) else {
            continue;
        };
        seen[at] = true;
        let sum = (methods.entry(method)).or_insert_with(|| vec![None; times.len()]);
        for (total, value) in sum.iter_mut().zip(on_grid(&one.points, times, step)) {
            *total = match (*total, value) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
        }
    }
    (methods.into_iter())
        .map(|(name, values)| Series {
            name: name.to_string(),
            values,
        })
        .collect()
}

/// Points at Prometheus' evaluation times, each on the time of the grid it falls on; a value
/// that is not a number (`NaN` of a rate over nothing, `+Inf` of a quantile) is a gap.
fn on_grid(points: &[(f64, f64)], times: &[i64], step: i64) -> Vec<Option<f64>> {
    let mut values = vec![None; times.len()];
    let (Some(&first), true) = (times.first(), step > 0) else {
        return values;
    };
    for &(at, value) in points.iter().filter(|(_, value)| value.is_finite()) {
        let at_ms = (at * 1000.0).round() as i64;
        let index = (at_ms - first + step / 2).div_euclid(step);
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| values.get_mut(i)) {
            *slot = Some(value);
        }
    }
    values
}

/// The failures, each said once: alone when every query failed alike (Prometheus is down),
/// else after the charts it failed.
fn said_once(failures: Vec<(&str, String)>, asked: usize) -> Vec<String> {
    let mut grouped: Vec<(String, Vec<&str>)> = Vec::new();
    for (what, why) in failures {
        match grouped.iter_mut().find(|(said, _)| *said == why) {
            Some((_, whats)) => whats.push(what),
            None => grouped.push((why, vec![what])),
        }
    }
    (grouped.into_iter())
        .map(|(why, whats)| match whats.len() == asked {
            true => why,
            false => format!("{}: {why}", whats.join(", ")),
        })
        .collect()
}

fn unseen_member(member: &Member) -> String {
    match &member.instance {
        Some(instance) => format!(
            "Prometheus has no figures of {} in this span: it finds a member by its client URL's \
             host and port, {instance}, in the instance label",
            member.label
        ),
        None => format!(
            "Prometheus has no figures of {}: its client URL has no host and port to find",
            member.label
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{members, series};
    use super::*;
    use crate::domain::metrics::charts::grid;

    fn drawn(times: Vec<i64>, step_ms: i64) -> Drawn<'static> {
        Drawn {
            url: "http://prometheus:9090",
            times,
            step_ms,
            scrape_interval: Duration::from_secs(15),
            held: 7,
            held_bytes: 1024,
        }
    }

    /// Every chart answering `answer`, the methods and quota none.
    fn answers(answer: impl Fn(&str) -> Result<Vec<RangeSeries>, String>) -> ChartAnswers {
        let queries = ChartQueries::new(Duration::from_secs(60));
        ChartAnswers {
            charts: (queries.charts.iter())
                .map(|q| q.as_deref().map(&answer))
                .collect(),
            methods: answer(&queries.methods),
            quota: answer(&queries.quota),
        }
    }

    #[test]
    fn answers_land_on_the_grid_by_member() {
        let (times, step) = grid(60_000, Duration::from_secs(60), Duration::from_secs(5));
        let (start, end) = query_range_of(&times, step);
        assert_eq!(
            (start, end),
            (0.0, 60.0),
            "one step before the grid's first time"
        );
        let at = |i: usize| times[i] as f64 / 1000.0;
        let answer = |query: &str| {
            Ok(match query {
                "etcd_server_has_leader" => vec![
                    series(
                        "127.0.0.1:22379",
                        &[],
                        &[(start, 1.0), (at(0), 1.0), (at(11), 1.0)],
                    ),
                    series("elsewhere:2379", &[], &[(at(0), 0.0)]),
                ],
                q if q.starts_with("sum by (instance, grpc_method)") => vec![
                    series(
                        "127.0.0.1:2379",
                        &[("grpc_method", "Range")],
                        &[(at(1), 2.0)],
                    ),
                    series(
                        "127.0.0.1:22379",
                        &[("grpc_method", "Range")],
                        &[(at(1), 3.0)],
                    ),
                    series(
                        "127.0.0.1:22379",
                        &[("grpc_method", "Put")],
                        &[(at(1), f64::NAN)],
                    ),
                ],
                "etcd_server_quota_backend_bytes" => {
                    vec![series("127.0.0.1:2379", &[], &[(at(0), 1e6), (at(2), 2e6)])]
                }
                _ => Vec::new(),
            })
        };
        let view = view(
            drawn(times.clone(), step),
            &members(None),
            None,
            answers(answer),
        );
        assert_eq!(view.source, "Prometheus at http://prometheus:9090");
        assert_eq!((view.interval_ms, view.held), (15_000, 7));
        let ids: Vec<&str> = view.charts.iter().map(|c| c.id.as_str()).collect();
        let mut expected: Vec<&str> = CHARTS.iter().map(|c| c.id).collect();
        expected.push("grpc-methods");
        assert_eq!(ids, expected);
        let leader = view.charts.iter().find(|c| c.id == "has-leader").unwrap();
        assert_eq!(leader.series.len(), 3, "one per member, found or not");
        assert_eq!(leader.series[1].name, "m2");
        let values = &leader.series[1].values;
        assert_eq!(values.len(), times.len());
        assert_eq!(
            (values[0], values[5], values[11]),
            (Some(1.0), None, Some(1.0))
        );
        assert_eq!(view.charts[0].limit, Some(2e6), "the quota, last");
        let methods = view.charts.last().unwrap();
        assert_eq!(methods.series[0].name, "Range");
        assert_eq!(
            methods.series[0].values[1],
            Some(5.0),
            "the members added up"
        );
        assert_eq!(methods.series[1].values[1], None, "NaN is a gap");
        let term = view.charts.iter().find(|c| c.id == "term").unwrap();
        assert!(!term.has_data());
        assert_eq!(view.errors.len(), 2, "{:?}", view.errors);
        assert!(view.errors[0].contains("no figures of https://etcd.example"));
        assert!(view.errors[1].starts_with("Raft term: etcd's /metrics have no such figure"));
    }

    #[test]
    fn a_prometheus_that_fails_is_said_once() {
        let (times, step) = grid(60_000, Duration::from_secs(60), Duration::from_secs(5));
        let down = |_: &str| Err("Prometheus at http://p did not answer: refused".to_string());
        let view = view(
            drawn(times.clone(), step),
            &members(Some("m2")),
            Some("m2"),
            answers(down),
        );
        assert_eq!(view.members, ["m2"]);
        assert_eq!(view.member.as_deref(), Some("m2"));
        assert_eq!(
            view.errors[0],
            "Prometheus at http://p did not answer: refused"
        );
        assert_eq!(
            view.errors.len(),
            2,
            "the term's note too: {:?}",
            view.errors
        );
        for chart in &view.charts[..CHARTS.len()] {
            assert_eq!(chart.series[0].values.len(), times.len());
        }
        let refused = |query: &str| match query {
            "etcd_server_has_leader" => Err("Prometheus refused the query: bad".to_string()),
            _ => Ok(Vec::new()),
        };
        let view = super::view(drawn(times, step), &members(None), None, answers(refused));
        assert_eq!(
            view.errors[0],
            "Has a leader: Prometheus refused the query: bad"
        );
    }
}
