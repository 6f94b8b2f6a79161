//! Reads every member's `/metrics` at a steady interval into a bounded window (see
//! [`crate::domain::metrics`]), and evaluates etcd's alert rules after each round, so a page
//! asking for charts or alerts reads memory, never etcd.

use super::metrics::{reading_of, space_of};
use super::pool::Pool;
use super::Etcd;
use crate::domain::cluster::member_id_hex;
use crate::domain::metrics::prometheus::Members;
use crate::domain::metrics::{alerts, charts, now_ms, Alert, MetricsView, Window};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How often and how far back the members' metrics are kept.
#[derive(Debug, Clone, Copy)]
pub struct SamplerSettings {
    pub interval: Duration,
    pub window: Duration,
}

impl Default for SamplerSettings {
    fn default() -> Self {
        SamplerSettings {
            interval: Duration::from_secs(5),
            window: Duration::from_secs(3600),
        }
    }
}

/// The window and the alerts firing after the last round.
pub(super) struct History {
    pub settings: SamplerSettings,
    window: Mutex<Window>,
    alerts: Mutex<Vec<Alert>>,
}

impl History {
    pub fn new(settings: SamplerSettings) -> Self {
        History {
            settings,
            window: Mutex::new(Window::new(settings.window, settings.interval)),
            alerts: Mutex::default(),
        }
    }

    fn window(&self) -> MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The members at `endpoints`, named as sampled; only the one `asked` for, if any.
    pub fn members(&self, endpoints: &[String], asked: Option<&str>) -> Members {
        Members::of(&self.window(), endpoints, asked)
    }

    /// The points held of the members `asked` for (all when none).
    pub fn held(&self, asked: Option<&str>) -> usize {
        let window = self.window();
        let tracks = window.tracks().iter();
        let tracks = tracks.filter(|t| asked.is_none_or(|asked| charts::is_member(t, asked)));
        tracks.map(|t| t.points.len()).sum()
    }
}

/// Starts reading `pool`'s members every interval, until the pool is dropped.
pub(super) fn spawn(pool: &Arc<Pool>) {
    let interval = pool.history.settings.interval;
    super::periodic::every(
        pool,
        interval,
        |pool| async move { sample_all(&pool).await },
    );
}

/// Reads every member once, records what each gave, and evaluates the alert rules.
pub(super) async fn sample_all(pool: &Pool) {
    let reads = pool.endpoints.iter().map(|endpoint| async move {
        let scrape = pool.metrics.scrape(&endpoint.url).await;
        pool.metrics.remember(
            &endpoint.url,
            scrape.as_ref().map_err(Clone::clone).and_then(space_of),
        );
        let term = endpoint.health().status.map(|s| s.raft_term as f64);
        let reading = scrape.map(|scrape| {
            let mut reading = reading_of(&scrape);
            reading.term = term;
            reading
        });
        (endpoint.url.clone(), reading)
    });
    let readings = futures::future::join_all(reads).await;
    let at_ms = now_ms();
    let mut window = pool.history.window();
    for (url, reading) in readings {
        window.record(&url, at_ms, reading);
    }
    let alerts = alerts::evaluate(&window, at_ms);
    drop(window);
    *pool
        .history
        .alerts
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = alerts;
}

impl Etcd {
    /// The alerts firing after the last reading of the members, by etcd-deck's own samples.
    pub fn alerts(&self) -> Vec<Alert> {
        let alerts = self.pool.history.alerts.lock();
        alerts
            .map(|a| a.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The charts of the last `span` (at most the window) from etcd-deck's own samples, of one
    /// member or all; without alerts.
    pub fn metrics_view(&self, span: Duration, member: Option<&str>) -> MetricsView {
        let settings = self.pool.history.settings;
        let window = self.pool.history.window();
        charts::view(
            &window,
            now_ms(),
            span.min(settings.window),
            settings.interval,
            member,
        )
    }

    /// Reads every member's metrics once, now, as the sampler does every interval.
    pub async fn sample_metrics(&self) {
        sample_all(&self.pool).await;
    }

    /// About how many bytes the window of the members' metrics holds.
    pub fn metrics_footprint(&self) -> usize {
        self.pool.history.window().footprint()
    }

    /// How often members are read, and how far back their figures are kept.
    pub fn sampler_settings(&self) -> SamplerSettings {
        self.pool.history.settings
    }

    /// Names the members read by their ids, from the member list as this handle may read it,
    /// when some are not named yet. Silent when etcd refuses: they keep their client URLs.
    pub async fn name_sampled_members(&self) {
        if !self.pool.history.window().unnamed() {
            return;
        }
        let listed = self
            .read_stale(|client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.member_list().await
            })
            .await;
        if let Ok((list, _)) = listed {
            let names: Vec<(String, String)> = (list.members().iter())
                .map(|m| (member_id_hex(m.id()), m.name().to_string()))
                .collect();
            self.pool.history.window().name_by_id(&names);
        }
    }
}
