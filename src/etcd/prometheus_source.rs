//! The Prometheus the charts and alerts are read from (`--prometheus-url`), held once in the
//! pool. Its charts are asked for when a page asks; its alert rules are evaluated by a
//! background task once per sampler interval, whatever the number of pages polling the banner,
//! and the last evaluation is kept. etcd-deck's own sampler keeps running beside it, as the
//! fallback when Prometheus does not answer.

use super::pool::Pool;
use super::prometheus::{Prometheus, Target};
use super::Etcd;
use crate::domain::metrics::prometheus::{
    self, alert_queries, query_range_of, rate_range, ChartAnswers, ChartQueries, Drawn, Members,
    ASSUMED_SCRAPE_INTERVAL, LONGEST_SPAN,
};
use crate::domain::metrics::{charts::grid, now_ms, Alert, MetricsView};
use crate::domain::AppError;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A Prometheus, and what its last evaluation of the alert rules found.
pub(super) struct PrometheusSource {
    client: Prometheus,
    last: Mutex<Evaluation>,
}

/// The last evaluation of the alert rules by Prometheus.
struct Evaluation {
    /// The alerts firing, or why Prometheus could not say.
    alerts: Result<Vec<Alert>, String>,
    /// How often Prometheus scrapes the members, once its targets said it.
    scrape_interval: Option<Duration>,
}

impl PrometheusSource {
    /// A client of the Prometheus at `url`, trusting the system's certificate authorities; a
    /// user name and password in the URL are sent as basic authentication.
    pub fn new(url: &str) -> Result<Self, AppError> {
        let client = reqwest::Client::builder()
            .build()
            .map_err(|err| AppError::invalid(format!("cannot make an HTTP client: {err}")))?;
        Ok(PrometheusSource {
            client: Prometheus::new(url, client).map_err(AppError::invalid)?,
            last: Mutex::new(Evaluation {
                alerts: Err("Prometheus has not evaluated them yet".into()),
                scrape_interval: None,
            }),
        })
    }

    fn last(&self) -> MutexGuard<'_, Evaluation> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn scrape_interval(&self) -> Duration {
        self.last()
            .scrape_interval
            .unwrap_or(ASSUMED_SCRAPE_INTERVAL)
    }

    /// Asks Prometheus for its targets and every alert rule at once, and keeps what it says.
    async fn evaluate(&self, members: &Members) {
        let queries = alert_queries();
        let answers = futures::future::join_all(queries.iter().map(|q| self.client.query(q)));
        let (targets, answers) = tokio::join!(self.client.targets(), answers);
        let answers: Result<Vec<_>, String> = answers.into_iter().collect();
        let targets = targets.unwrap_or_default();
        let ours: Vec<&Target> = (targets.iter())
            .filter(|t| (t.labels.get("instance")).is_some_and(|i| members.has_instance(i)))
            .collect();
        let scrape_errors: BTreeMap<String, String> = (ours.iter())
            .filter_map(|t| {
                Some((
                    t.labels.get("instance")?.to_ascii_lowercase(),
                    t.last_error.clone(),
                ))
            })
            .collect();
        let alerts = answers.map(|answers| prometheus::alerts(members, &answers, &scrape_errors));
        let mut last = self.last();
        last.alerts = alerts;
        let interval = ours.iter().filter_map(|t| t.scrape_interval).max();
        last.scrape_interval = interval.or(last.scrape_interval);
    }
}

/// Starts evaluating the alert rules by Prometheus every sampler interval, when one is
/// configured, until the pool is dropped.
pub(super) fn spawn(pool: &Arc<Pool>) {
    if pool.prometheus.is_none() {
        return;
    }
    let interval = pool.history.settings.interval;
    super::periodic::every(pool, interval, |pool| async move {
        if let Some(source) = &pool.prometheus {
            let members = pool.history.members(&pool.urls, None);
            source.evaluate(&members).await;
        }
    });
}

impl Etcd {
    /// The longest span back the charts answer: a week with a Prometheus, else the window.
    pub fn longest_span(&self) -> Duration {
        match self.pool.prometheus {
            Some(_) => LONGEST_SPAN,
            None => self.pool.history.settings.window,
        }
    }

    /// The charts of the last `span` (at most [`LONGEST_SPAN`]) from Prometheus, of one member
    /// or all, on the grid etcd-deck's own charts use; `None` without a Prometheus. What
    /// Prometheus could not answer is said in the view's errors, never as a failure.
    pub async fn prometheus_view(
        &self,
        span: Duration,
        member: Option<&str>,
    ) -> Option<MetricsView> {
        let source = self.pool.prometheus.as_ref()?;
        let interval = self.pool.history.settings.interval;
        let (times, step_ms) = grid(now_ms(), span.min(LONGEST_SPAN), interval);
        let step = Duration::from_millis(step_ms as u64);
        let scrape_interval = source.scrape_interval();
        let queries = ChartQueries::new(rate_range(step, scrape_interval));
        let members = self.pool.history.members(&self.pool.urls, member);
        let (start, end) = query_range_of(&times, step_ms);
        let ask = |query: &str| {
            let query = query.to_string();
            let asked = !members.0.is_empty();
            async move {
                match asked {
                    true => source.client.query_range(&query, start, end, step).await,
                    false => Ok(Vec::new()),
                }
            }
        };
        let charts = (queries.charts.iter()).map(|query| {
            let asked = query.as_deref().map(ask);
            async move {
                match asked {
                    Some(asked) => Some(asked.await),
                    None => None,
                }
            }
        });
        let (charts, methods, quota) = tokio::join!(
            futures::future::join_all(charts),
            ask(&queries.methods),
            ask(&queries.quota)
        );
        let drawn = Drawn {
            url: source.client.url(),
            times,
            step_ms,
            scrape_interval,
            held: self.pool.history.held(member),
            held_bytes: self.metrics_footprint(),
        };
        let answers = ChartAnswers {
            charts,
            methods,
            quota,
        };
        Some(prometheus::view(drawn, &members, member, answers))
    }

    /// The alerts firing by Prometheus' last evaluation, or why it made none; `None` without a
    /// Prometheus.
    pub fn prometheus_alerts(&self) -> Option<Result<Vec<Alert>, String>> {
        let source = self.pool.prometheus.as_ref()?;
        Some(source.last().alerts.clone())
    }
}
