//! One gRPC client per configured endpoint, which endpoints are up, and the retry of a request
//! on another endpoint when that cannot apply it twice.
//!
//! etcd-client's own balanced channel keeps choosing dead endpoints, so etcd-deck keeps one
//! channel per endpoint and chooses itself: endpoints that are up first, in turn; endpoints that
//! are down last, in case they are back before the health check notices.

mod run;

use super::calls::EtcdCalls;
use super::tls::{is_https, EtcdTls};
use super::EtcdSettings;
use crate::domain::cluster::EndpointHealth;
use crate::domain::AppError;
use etcd_client::{Client, ConnectOptions};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::OnceCell;

/// One configured endpoint.
pub(super) struct Endpoint {
    /// Its place among the configured endpoints.
    pub index: usize,
    pub url: String,
    /// Requires a leader: for writes and linearizable reads.
    pub client: Client,
    /// Answers without a leader: for status, member list and reads marked as possibly stale.
    pub local: Client,
    /// Whether it answered its last check; read on every request, so kept apart from the details.
    up: AtomicBool,
    health: RwLock<EndpointHealth>,
}

impl Endpoint {
    pub fn health(&self) -> EndpointHealth {
        self.health
            .read()
            .map(|h| h.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    pub fn set_health(&self, health: EndpointHealth) {
        self.up.store(health.up, Ordering::Relaxed);
        match self.health.write() {
            Ok(mut slot) => *slot = health,
            Err(poisoned) => *poisoned.into_inner() = health,
        }
    }

    fn mark_down(&self, error: String) {
        let mut health = self.health();
        health.up = false;
        health.error_detail = Some(error.clone());
        health.error = Some(error);
        self.set_health(health);
    }
}

/// What may be retried after a failed attempt.
pub(super) enum Retry {
    /// A read: any failure may be retried on another endpoint.
    Read,
    /// A write to `key`: retried only when it surely was not applied.
    Write { key: String },
}

pub(super) struct Pool {
    pub endpoints: Vec<Endpoint>,
    pub urls: Vec<String>,
    pub timeout: Duration,
    next: AtomicUsize,
    /// How the clients were connected, for the clients of signed-in users.
    options: ConnectOptions,
    /// The same without the request timeout, for maintenance calls that take as long as the
    /// member's database is large (defragment, snapshot).
    unbounded: ConnectOptions,
    tls: EtcdTls,
    /// Counts of ranges at fixed revisions, shared by every user.
    pub counts: super::counts::Counts,
    /// Scans that may run at once (each reads a range window by window, as fast as etcd
    /// answers).
    pub scans: Arc<tokio::sync::Semaphore>,
    /// The watches followers share, one per prefix and user.
    pub hubs: super::hub::Hubs,
    /// The user the health check asks for member status as, when one is configured; never used
    /// for anyone's reads or writes.
    pub monitor: Option<UserClients>,
    /// When a write was last refused for want of space.
    pub last_no_space: super::space::LastNoSpace,
    /// The members' own figures of their space.
    pub metrics: super::metrics::Metrics,
    /// The clients of single members etcd-deck connected to as nobody.
    members: super::member_clients::MemberClients,
    /// The changes of leader and term the health check has seen.
    pub timeline: Mutex<crate::domain::raft::RaftTimeline>,
    /// The members' metrics over time, and the alerts firing.
    pub history: super::sampler::History,
    /// The Prometheus the charts and alerts are read from, when one is configured.
    pub prometheus: Option<super::prometheus_source::PrometheusSource>,
    /// The requests made of etcd, for etcd-deck's own metrics.
    pub calls: EtcdCalls,
}

/// The clients of one etcd user, two per endpoint like the pool's own, each connected (which
/// authenticates) when first needed. etcd-client renews their tokens when etcd says they expired.
pub(super) struct UserClients {
    pub name: String,
    password: String,
    /// Per endpoint: the one that requires a leader, then the one that does not.
    clients: Vec<[OnceCell<Client>; 2]>,
    /// Per member URL: the client of that member alone (see [`Pool::maintenance_at`]).
    members: super::member_clients::MemberClients,
}

impl UserClients {
    pub fn new(name: &str, password: &str, endpoints: usize) -> Self {
        UserClients {
            name: name.to_string(),
            password: password.to_string(),
            clients: (0..endpoints).map(|_| Default::default()).collect(),
            members: super::member_clients::MemberClients::default(),
        }
    }
}

/// `options` for connecting to `url`: with TLS when it is `https://`.
fn with_tls(options: ConnectOptions, tls: &EtcdTls, url: &str) -> ConnectOptions {
    if is_https(url) {
        options.with_tls(tls.options())
    } else {
        options
    }
}

/// Which of an endpoint's two clients.
#[derive(Clone, Copy)]
pub(super) enum Needs {
    /// For writes and linearizable reads.
    Leader,
    /// For status, member list and reads marked as possibly stale.
    NoLeader,
}

impl Pool {
    pub async fn connect(settings: &EtcdSettings) -> Result<Self, AppError> {
        let mut endpoints = Vec::new();
        let options = ConnectOptions::new()
            .with_connect_timeout(settings.connect_timeout)
            .with_timeout(settings.request_timeout)
            .with_keep_alive(Duration::from_secs(10), settings.request_timeout);
        if settings.tls.is_configured() && !settings.endpoints.iter().any(|url| is_https(url)) {
            return Err(AppError::invalid(
                "TLS settings for etcd were given, but no endpoint is https://",
            ));
        }
        for (index, url) in settings.endpoints.iter().enumerate() {
            let connect = |options: ConnectOptions| async {
                let options = with_tls(options, &settings.tls, url);
                Client::connect([url], Some(options))
                    .await
                    .map_err(|err| AppError::invalid(format!("bad etcd endpoint {url:?}: {err}")))
            };
            endpoints.push(Endpoint {
                index,
                url: url.clone(),
                client: connect(options.clone().with_require_leader(true)).await?,
                local: connect(options.clone()).await?,
                up: AtomicBool::new(true),
                health: RwLock::new(EndpointHealth {
                    endpoint: url.clone(),
                    up: true,
                    latency_ms: None,
                    error: None,
                    error_detail: None,
                    status: None,
                    status_hidden: None,
                }),
            });
        }
        Ok(Pool {
            endpoints,
            urls: settings.endpoints.clone(),
            timeout: settings.request_timeout,
            next: AtomicUsize::new(0),
            options: options.clone().with_require_leader(true),
            unbounded: ConnectOptions::new()
                .with_connect_timeout(settings.connect_timeout)
                .with_keep_alive(Duration::from_secs(10), settings.request_timeout),
            tls: settings.tls.clone(),
            counts: Default::default(),
            scans: Arc::new(tokio::sync::Semaphore::new(super::scan::MAX_SCANS)),
            hubs: Default::default(),
            last_no_space: Default::default(),
            metrics: super::metrics::Metrics::new(
                settings.tls.http_client(settings.request_timeout),
            ),
            monitor: settings
                .monitor
                .as_ref()
                .map(|user| UserClients::new(&user.name, &user.password, settings.endpoints.len())),
            members: super::member_clients::MemberClients::default(),
            timeline: Default::default(),
            history: super::sampler::History::new(settings.sampler),
            prometheus: (settings.prometheus_url.as_deref())
                .map(super::prometheus_source::PrometheusSource::new)
                .transpose()?,
            calls: EtcdCalls::default(),
        })
    }

    /// The client to send a request through at `endpoint`: the pool's own, or the signed-in
    /// user's, connected and authenticated the first time.
    pub async fn client_at<'a>(
        &'a self,
        endpoint: &'a Endpoint,
        user: Option<&'a UserClients>,
        needs: Needs,
    ) -> Result<&'a Client, etcd_client::Error> {
        let Some(user) = user else {
            return Ok(match needs {
                Needs::Leader => &endpoint.client,
                Needs::NoLeader => &endpoint.local,
            });
        };
        let connect = || {
            let options = self
                .options
                .clone()
                .with_require_leader(matches!(needs, Needs::Leader))
                .with_user(user.name.clone(), user.password.clone())
                .with_auto_token_refresh(true);
            let options = with_tls(options, &self.tls, &endpoint.url);
            Client::connect([endpoint.url.as_str()], Some(options))
        };
        let cell = &user.clients[endpoint.index][needs as usize];
        cell.get_or_try_init(connect).await
    }

    /// A client of the one member at `url`, as `user` (nobody when `None`), without the request
    /// timeout: maintenance goes to the member it is meant for, never through the rotation.
    /// Connecting (and signing in) is bounded by the request timeout; the client is kept for
    /// the next request to that member.
    pub async fn maintenance_at(
        &self,
        url: &str,
        user: Option<&UserClients>,
    ) -> Result<Client, etcd_client::Error> {
        let kept = user.map_or(&self.members, |user| &user.members);
        if let Some(client) = kept.get(url) {
            return Ok(client);
        }
        let mut options = self.unbounded.clone();
        if let Some(user) = user {
            options = options
                .with_user(user.name.clone(), user.password.clone())
                .with_auto_token_refresh(true);
        }
        let options = with_tls(options, &self.tls, url);
        let connect = Client::connect([url], Some(options));
        let client = match tokio::time::timeout(self.timeout, connect).await {
            Ok(client) => client?,
            Err(_) => {
                return Err(etcd_client::Error::IoError(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer from {url} within {}", human(self.timeout)),
                )))
            }
        };
        kept.keep(url, &client);
        Ok(client)
    }

    /// The endpoints to try, in order: up ones first, taking turns; then the others.
    pub fn order(&self) -> Vec<&Endpoint> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.endpoints.len();
        let rotated = (0..n).map(|i| &self.endpoints[(start + i) % n]);
        let (up, down): (Vec<_>, Vec<_>) = rotated.partition(|e| e.is_up());
        up.into_iter().chain(down).collect()
    }

    /// The endpoints that answered their last health check.
    pub fn up_urls(&self) -> Vec<String> {
        let up = self.endpoints.iter().filter(|e| e.is_up());
        up.map(|e| e.url.clone()).collect()
    }
}

/// A duration as people read it, to the millisecond: `2s`, `1s 500ms`.
pub(super) fn human(duration: Duration) -> String {
    humantime::format_duration(Duration::from_millis(duration.as_millis() as u64)).to_string()
}
