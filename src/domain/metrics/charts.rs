//! The charts of the cluster over time: which figures are drawn, in what unit, against which
//! limit, and how the points of each member are laid on one time grid that every chart shares
//! (so their time axes line up). Each chart also names the PromQL that draws the same figure
//! from a Prometheus that scrapes the members.

use super::alerts::Alert;
use super::chart_specs::Combine;
pub use super::chart_specs::{ChartSpec, CHARTS, METHODS_ID, METHODS_PROMQL, OVERVIEW};
use super::window::{Track, Window};
use super::Point;
use crate::domain::limits::human_bytes;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The most points a series has: an hour at 20 s each.
pub const MAX_POINTS: usize = 180;
/// The most gRPC methods drawn, the busiest.
const MAX_METHODS: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Bytes,
    Count,
    PerSecond,
    Seconds,
    Percent,
}

impl Unit {
    /// A value as an axis or a tooltip says it.
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Bytes => human_bytes(value.max(0.0) as u64),
            Unit::Count if value.fract() == 0.0 || value.abs() >= 100.0 => format!("{value:.0}"),
            Unit::Count => format!("{value:.2}"),
            Unit::PerSecond => format!("{}/s", short(value)),
            Unit::Seconds if value < 1.0 => format!("{} ms", short(value * 1000.0)),
            Unit::Seconds => format!("{} s", short(value)),
            Unit::Percent => format!("{} %", short(value)),
        }
    }
}

/// Three significant figures at most: 0.0123, 1.23, 123, 12300.
fn short(value: f64) -> String {
    match value.abs() {
        0.0 => "0".into(),
        v if v >= 100.0 => format!("{value:.0}"),
        v if v >= 10.0 => format!("{value:.1}"),
        v if v >= 1.0 => format!("{value:.2}"),
        _ => format!("{value:.3}"),
    }
}

/// One line: a member's (or a method's) values on the view's time grid; `None` is a gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// One chart's lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub unit: Unit,
    pub series: Vec<Series>,
    /// A limit drawn across it: an alert's threshold, or the quota.
    pub limit: Option<f64>,
    pub limit_label: Option<String>,
}

impl Chart {
    /// The largest value drawn, the limit included.
    pub fn top(&self) -> f64 {
        let values = self.series.iter().flat_map(|s| s.values.iter().flatten());
        values.copied().chain(self.limit).fold(0.0, f64::max)
    }

    /// Whether any value is drawn at all.
    pub fn has_data(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.values.iter().any(Option::is_some))
    }
}

/// The charts of a span of time, and the alerts firing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MetricsView {
    /// Where the figures come from: "etcd-deck's own samples" or a Prometheus.
    pub source: String,
    /// The grid every series is laid on: the end of each step, in ms since the epoch.
    pub times: Vec<i64>,
    pub step_ms: i64,
    /// How often members are read, in ms.
    pub interval_ms: i64,
    /// The points etcd-deck's own sampler holds for the members drawn (whatever the source):
    /// at most the window over the interval, each.
    pub held: usize,
    /// About how many bytes etcd-deck holds for the whole window (see
    /// [`Window::footprint`]).
    pub held_bytes: usize,
    /// The members drawn, by name (or client URL).
    pub members: Vec<String>,
    /// The member the view is narrowed to, if any.
    pub member: Option<String>,
    pub charts: Vec<Chart>,
    pub alerts: Vec<Alert>,
    /// What could not be read, in words.
    pub errors: Vec<String>,
    /// The longest span back this source answers, in ms: etcd-deck's window, or a week of a
    /// Prometheus.
    pub longest_ms: i64,
}

/// The grid of `span` ending at `now_ms`: at most [`MAX_POINTS`] steps, none shorter than
/// `interval`.
pub fn grid(now_ms: i64, span: Duration, interval: Duration) -> (Vec<i64>, i64) {
    let interval_ms = interval.as_millis().max(1) as i64;
    let span_ms = (span.as_millis() as i64).max(interval_ms);
    let per_step = (span_ms / MAX_POINTS as i64).max(interval_ms);
    // Steps end on multiples of the step, so the grid does not shift between two views.
    let step = ceil_to(per_step, interval_ms);
    let end = ceil_to(now_ms, step);
    let steps = (span_ms / step).max(1);
    (
        (0..steps).map(|i| end - (steps - 1 - i) * step).collect(),
        step,
    )
}

/// The first multiple of `step` at or after `value`.
fn ceil_to(value: i64, step: i64) -> i64 {
    (value + step - 1).div_euclid(step) * step
}

/// Whether `track` is the member asked for: by name, client URL or id.
pub fn is_member(track: &Track, asked: &str) -> bool {
    track.name.as_deref() == Some(asked)
        || track.endpoint == asked
        || track.member_id.as_deref() == Some(asked)
}

/// The charts of the window's last `span`, of one member or all.
pub fn view(
    window: &Window,
    now_ms: i64,
    span: Duration,
    interval: Duration,
    member: Option<&str>,
) -> MetricsView {
    let (times, step) = grid(now_ms, span, interval);
    let tracks: Vec<&Track> = (window.tracks().iter())
        .filter(|t| member.is_none_or(|asked| is_member(t, asked)))
        .collect();
    let mut charts: Vec<Chart> = CHARTS
        .iter()
        .map(|spec| {
            let series = tracks.iter().map(|track| Series {
                name: track.label().to_string(),
                values: on_grid(&times, step, track, spec.pick, spec.combine),
            });
            let mut chart = spec.chart(series.collect());
            if spec.id == "db-size" {
                let quotas = tracks.iter().filter_map(|t| t.latest()?.quota);
                chart.limit = quotas.reduce(f64::max);
                chart.limit_label = chart.limit.map(|_| "quota".into());
            }
            chart
        })
        .collect();
    charts.push(methods_chart(own_methods(&times, step, &tracks)));
    MetricsView {
        source: "etcd-deck's own samples of each member's /metrics".into(),
        step_ms: step,
        interval_ms: interval.as_millis() as i64,
        held: tracks.iter().map(|t| t.points.len()).sum(),
        held_bytes: window.footprint(),
        members: tracks.iter().map(|t| t.label().to_string()).collect(),
        member: member.map(str::to_string),
        charts,
        alerts: Vec::new(),
        errors: (tracks.iter())
            .filter_map(|t| Some(format!("{}: {}", t.label(), t.error.as_ref()?)))
            .collect(),
        longest_ms: window.span().as_millis() as i64,
        times,
    }
}

impl ChartSpec {
    /// This chart with `series`.
    pub fn chart(&self, series: Vec<Series>) -> Chart {
        Chart {
            id: self.id.into(),
            title: self.title.into(),
            unit: self.unit,
            series,
            limit: self.limit.map(|(value, _)| value),
            limit_label: self.limit.map(|(_, label)| label.into()),
        }
    }
}

/// The methods' chart: the busiest of `methods`' requests a second.
pub fn methods_chart(mut methods: Vec<Series>) -> Chart {
    let busy = |series: &Series| series.values.iter().flatten().sum::<f64>();
    methods.sort_by(|a, b| busy(b).total_cmp(&busy(a)));
    methods.truncate(MAX_METHODS);
    Chart {
        id: METHODS_ID.into(),
        title: "gRPC requests by method".into(),
        unit: Unit::PerSecond,
        series: methods,
        limit: None,
        limit_label: None,
    }
}

/// Each method's requests a second in etcd-deck's own samples, all members added up.
fn own_methods(times: &[i64], step: i64, tracks: &[&Track]) -> Vec<Series> {
    let mut methods: Vec<Series> = Vec::new();
    for track in tracks {
        let mut names: Vec<&String> = track
            .points
            .iter()
            .flat_map(|p| p.grpc_methods.iter().map(|(m, _)| m))
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            let pick = |p: &Point| {
                p.grpc_methods
                    .iter()
                    .find(|(m, _)| m == name)
                    .map(|(_, r)| *r)
            };
            let values = on_grid_with(times, step, track, pick, Combine::Mean);
            match methods.iter_mut().find(|m| m.name == *name) {
                Some(sum) => {
                    for (total, value) in sum.values.iter_mut().zip(values) {
                        *total = match (*total, value) {
                            (Some(a), Some(b)) => Some(a + b),
                            (a, b) => a.or(b),
                        };
                    }
                }
                None => methods.push(Series {
                    name: name.clone(),
                    values,
                }),
            }
        }
    }
    methods
}

fn on_grid(
    times: &[i64],
    step: i64,
    track: &Track,
    pick: fn(&Point) -> Option<f64>,
    combine: Combine,
) -> Vec<Option<f64>> {
    on_grid_with(times, step, track, pick, combine)
}

/// A track's values on the grid: each step combines the points taken within it.
fn on_grid_with(
    times: &[i64],
    step: i64,
    track: &Track,
    pick: impl Fn(&Point) -> Option<f64>,
    combine: Combine,
) -> Vec<Option<f64>> {
    let Some(&first) = times.first() else {
        return Vec::new();
    };
    let mut values: Vec<Option<f64>> = vec![None; times.len()];
    let mut counts = vec![0u32; times.len()];
    for point in &track.points {
        let Some(value) = pick(point) else { continue };
        // Step i holds the points in (times[i] - step, times[i]].
        let index = (point.at_ms - first + step - 1).div_euclid(step);
        let Some(index) = usize::try_from(index).ok().filter(|i| *i < times.len()) else {
            continue;
        };
        let slot = &mut values[index];
        counts[index] += 1;
        *slot = Some(match (*slot, combine) {
            (None, _) | (Some(_), Combine::Last) => value,
            (Some(was), Combine::Max) => was.max(value),
            (Some(was), Combine::Sum) => was + value,
            (Some(was), Combine::Mean) => was + (value - was) / counts[index] as f64,
        });
    }
    values
}

#[cfg(test)]
mod tests {
    use super::super::tests::reading;
    use super::*;

    #[test]
    fn every_chart_lies_on_one_grid() {
        let (times, step) = grid(3_601_000, Duration::from_secs(3600), Duration::from_secs(5));
        assert_eq!(times.len(), 180);
        assert_eq!(step, 20_000);
        assert_eq!(*times.last().unwrap(), 3_620_000);
        let (short, step) = grid(60_000, Duration::from_secs(60), Duration::from_secs(5));
        assert_eq!((short.len(), step), (12, 5_000));
    }

    #[test]
    fn a_view_draws_each_member_and_the_busiest_methods() {
        let mut window = Window::new(Duration::from_secs(3600), Duration::from_secs(5));
        for i in 0..=12 {
            window.record("http://a", i * 5_000, Ok(reading(i as f64 + 1.0)));
            window.record(
                "http://b",
                i * 5_000,
                if i == 6 {
                    Err("down".into())
                } else {
                    Ok(reading(1.0))
                },
            );
        }
        window.name("http://a", "m1");
        let view = view(
            &window,
            60_000,
            Duration::from_secs(60),
            Duration::from_secs(5),
            None,
        );
        assert_eq!(view.members, ["m1", "http://b"]);
        assert_eq!(view.charts.len(), CHARTS.len() + 1);
        let revisions = view.charts.iter().find(|c| c.id == "revisions").unwrap();
        assert_eq!(revisions.series[0].values.len(), view.times.len());
        assert_eq!(revisions.series[0].values.last(), Some(&Some(20.0)));
        assert_eq!(revisions.series[1].values[5], None, "b was down at 30 s");
        let size = &view.charts[0];
        assert_eq!(size.limit, Some(1e6));
        assert_eq!(size.limit_label.as_deref(), Some("quota"));
        let methods = view.charts.last().unwrap();
        assert_eq!(methods.series[0].name, "Range");
        assert!(methods.has_data());

        let one = super::view(
            &window,
            60_000,
            Duration::from_secs(60),
            Duration::from_secs(5),
            Some("m1"),
        );
        assert_eq!(one.members, ["m1"]);
        assert_eq!(Unit::Seconds.format(0.0123), "12.3 ms");
        assert_eq!(Unit::Bytes.format(2.0 * 1048576.0), "2.0 MiB");
        assert_eq!(Unit::PerSecond.format(1234.0), "1234/s");
    }
}
