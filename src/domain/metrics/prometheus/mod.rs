//! The charts and alerts of the cluster read from a Prometheus that scrapes its members
//! (`--prometheus-url`), in the same [`MetricsView`] as etcd-deck's own samples: which member a
//! series is of, which PromQL is asked, how the answers land on the shared time grid, and what
//! is said when some are missing. Pure: the adapter asks, this lays out.

mod alerts;
mod charts;

pub use alerts::{alert_queries, alerts};
pub use charts::{query_range_of, view, ChartAnswers, ChartQueries, Drawn};

use super::charts::is_member;
use super::window::Window;
use std::collections::BTreeMap;
use std::time::Duration;

/// The longest span the charts reach back with a Prometheus: a week, in 180 points of 56
/// minutes. Prometheus keeps 15 days by default; a longer span would be points too coarse to
/// read.
pub const LONGEST_SPAN: Duration = Duration::from_secs(7 * 24 * 3600);
/// The scrape interval assumed until Prometheus says its own: its default `scrape_interval`.
pub const ASSUMED_SCRAPE_INTERVAL: Duration = Duration::from_secs(60);

/// One series of a query's answer: its labels and its (unix seconds, value) points.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeSeries {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// A member drawn: how people call it, and the `instance` label Prometheus gives its series
/// (its client URL's host and port, when Prometheus scrapes it there).
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub label: String,
    pub instance: Option<String>,
}

/// The members drawn, in the order of the endpoints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Members(pub Vec<Member>);

impl Members {
    /// The members at `endpoints`, by their names where the window knows them (else their client
    /// URLs); only the one `asked` (a name, client URL or id) when one is.
    pub fn of(window: &Window, endpoints: &[String], asked: Option<&str>) -> Self {
        let members = endpoints.iter().filter_map(|endpoint| {
            let track = window.tracks().iter().find(|t| t.endpoint == *endpoint);
            let wanted = match (asked, track) {
                (None, _) => true,
                (Some(asked), Some(track)) => is_member(track, asked),
                (Some(asked), None) => asked == endpoint,
            };
            wanted.then(|| Member {
                label: track.map_or(endpoint.as_str(), |t| t.label()).to_string(),
                instance: instance_of(endpoint),
            })
        });
        Members(members.collect())
    }

    pub fn labels(&self) -> Vec<String> {
        self.0.iter().map(|m| m.label.clone()).collect()
    }

    /// Whether `instance` (a label's value) is one of these members'.
    pub fn has_instance(&self, instance: &str) -> bool {
        let instance = instance.to_ascii_lowercase();
        (self.0.iter()).any(|m| m.instance.as_deref() == Some(instance.as_str()))
    }

    /// The place of the member a series is of, by its `instance` label.
    pub(super) fn position(&self, labels: &BTreeMap<String, String>) -> Option<usize> {
        let instance = labels.get("instance")?.to_ascii_lowercase();
        (self.0.iter()).position(|m| m.instance.as_deref() == Some(instance.as_str()))
    }
}

/// The `instance` label Prometheus gives a target scraped at `url`: its host and port, the
/// scheme's port when it names none.
pub fn instance_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?.to_ascii_lowercase();
    let after_host = host_port
        .rfind(']')
        .map_or(host_port.as_str(), |end| &host_port[end..]);
    if host_port.is_empty() || after_host.contains(':') {
        return (!host_port.is_empty()).then_some(host_port);
    }
    let port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    Some(format!("{host_port}:{port}"))
}

/// The window of a chart's rates (`$range`): the longer of one step of the grid and four scrape
/// intervals. `rate` needs two samples in its window, and four intervals keep a missed or late
/// scrape from leaving a gap (Grafana's `$__rate_interval` is the same rule); a step longer than
/// that is taken whole, so each change between two points of the grid counts once.
pub fn rate_range(step: Duration, scrape_interval: Duration) -> Duration {
    step.max(4 * scrape_interval)
}

/// A duration as PromQL writes it: `15m`, `4h`, `90s`, `250ms`.
pub fn promql_duration(span: Duration) -> String {
    match (span.as_secs(), span.subsec_millis()) {
        (secs, 0) if secs > 0 && secs % 3600 == 0 => format!("{}h", secs / 3600),
        (secs, 0) if secs > 0 && secs % 60 == 0 => format!("{}m", secs / 60),
        (secs, 0) => format!("{secs}s"),
        _ => format!("{}ms", span.as_millis()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::reading;
    use super::*;

    /// A series of `instance` with more labels, at (unix seconds, value) points.
    pub fn series(instance: &str, labels: &[(&str, &str)], points: &[(f64, f64)]) -> RangeSeries {
        let mut all: BTreeMap<String, String> = (labels.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.insert("instance".into(), instance.into());
        RangeSeries {
            labels: all,
            points: points.to_vec(),
        }
    }

    /// Three members at 127.0.0.1, the second named m2 by the window.
    pub fn members(asked: Option<&str>) -> Members {
        let mut window = Window::new(Duration::from_secs(3600), Duration::from_secs(5));
        window.record("http://127.0.0.1:22379", 0, Ok(reading(1.0)));
        window.name("http://127.0.0.1:22379", "m2");
        let endpoints = [
            "http://127.0.0.1:2379",
            "http://127.0.0.1:22379",
            "https://etcd.example",
        ];
        Members::of(&window, &endpoints.map(String::from), asked)
    }

    #[test]
    fn a_member_is_found_by_its_client_urls_host_and_port() {
        assert_eq!(
            instance_of("http://127.0.0.1:2379").as_deref(),
            Some("127.0.0.1:2379")
        );
        assert_eq!(
            instance_of("https://Etcd.example/").as_deref(),
            Some("etcd.example:443")
        );
        assert_eq!(
            instance_of("http://[::1]:2379/x").as_deref(),
            Some("[::1]:2379")
        );
        assert_eq!(instance_of("http://[::1]").as_deref(), Some("[::1]:80"));
        assert_eq!(instance_of("unix:///run/etcd.sock"), None);
        let all = members(None);
        assert_eq!(
            all.labels(),
            ["http://127.0.0.1:2379", "m2", "https://etcd.example"]
        );
        assert!(all.has_instance("ETCD.example:443"));
        assert_eq!(members(Some("m2")).labels(), ["m2"]);
        assert_eq!(
            members(Some("http://127.0.0.1:2379")).labels(),
            ["http://127.0.0.1:2379"]
        );
        assert!(members(Some("m9")).0.is_empty());
    }

    #[test]
    fn rates_span_at_least_four_scrapes_or_a_step() {
        let seconds = Duration::from_secs;
        assert_eq!(rate_range(seconds(5), seconds(15)), seconds(60));
        assert_eq!(rate_range(seconds(3360), seconds(15)), seconds(3360));
        assert_eq!(promql_duration(seconds(3600)), "1h");
        assert_eq!(promql_duration(seconds(900)), "15m");
        assert_eq!(promql_duration(seconds(90)), "90s");
        assert_eq!(promql_duration(Duration::from_millis(1500)), "1500ms");
    }
}
