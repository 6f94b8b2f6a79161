//! One gRPC client per configured endpoint, which endpoints are up, and the retry of a request
//! on another endpoint when that cannot apply it twice.
//!
//! etcd-client's own balanced channel keeps choosing dead endpoints, so etcd-deck keeps one
//! channel per endpoint and chooses itself: endpoints that are up first, in turn; endpoints that
//! are down last, in case they are back before the health check notices.

use super::error::{classify, Failure};
use super::EtcdSettings;
use crate::domain::cluster::EndpointHealth;
use crate::domain::AppError;
use etcd_client::{Client, ConnectOptions};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// One configured endpoint.
pub(super) struct Endpoint {
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
}

impl Pool {
    pub async fn connect(settings: &EtcdSettings) -> Result<Self, AppError> {
        let mut endpoints = Vec::new();
        for url in &settings.endpoints {
            let options = ConnectOptions::new()
                .with_connect_timeout(settings.connect_timeout)
                .with_timeout(settings.request_timeout)
                .with_keep_alive(Duration::from_secs(10), settings.request_timeout);
            let connect = |options| async {
                Client::connect([url], Some(options))
                    .await
                    .map_err(|err| AppError::invalid(format!("bad etcd endpoint {url:?}: {err}")))
            };
            endpoints.push(Endpoint {
                url: url.clone(),
                client: connect(options.clone().with_require_leader(true)).await?,
                local: connect(options).await?,
                up: AtomicBool::new(true),
                health: RwLock::new(EndpointHealth {
                    endpoint: url.clone(),
                    up: true,
                    latency_ms: None,
                    error: None,
                    error_detail: None,
                    status: None,
                }),
            });
        }
        Ok(Pool {
            endpoints,
            urls: settings.endpoints.clone(),
            timeout: settings.request_timeout,
            next: AtomicUsize::new(0),
        })
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

    /// Runs `request` against one endpoint after another until one answers, within one overall
    /// request timeout. Returns the answer and the endpoint that gave it.
    pub async fn run<T, F, Fut>(&self, retry: Retry, request: F) -> Result<(T, &Endpoint), AppError>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = Instant::now() + self.timeout;
        let candidates = self.order();
        let mut no_leader = false;
        let mut unanswered = None;
        for (i, endpoint) in candidates.iter().enumerate() {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            // A read leaves time for another endpoint in case this one hangs.
            let last = i + 1 == candidates.len();
            let budget = match retry {
                Retry::Read if !last => remaining / 2,
                _ => remaining,
            };
            let failure = match tokio::time::timeout(budget, request(endpoint.client.clone())).await
            {
                Ok(Ok(answer)) => return Ok((answer, endpoint)),
                Ok(Err(err)) => classify(err, &self.urls),
                Err(_) => Failure::Unanswered(format!("no answer within {}", human(budget))),
            };
            match failure {
                Failure::Answered(err) => return Err(err),
                Failure::NotSent(reason) => endpoint.mark_down(reason),
                Failure::NoLeader => no_leader = true,
                Failure::Unanswered(reason) => match &retry {
                    Retry::Read => unanswered = Some(reason),
                    Retry::Write { key } => {
                        return Err(AppError::OutcomeUnknown {
                            key: key.clone(),
                            reason: format!("{reason} from {}", endpoint.url),
                        })
                    }
                },
            }
        }
        Err(if no_leader {
            AppError::NoQuorum {
                up: self.up_urls(),
                endpoints: self.urls.clone(),
            }
        } else {
            AppError::EtcdUnavailable {
                endpoints: self.urls.clone(),
                reason: unanswered.unwrap_or_else(|| "could not connect to any member".into()),
            }
        })
    }
}

/// A duration as people read it, to the millisecond: `2s`, `1s 500ms`.
pub(super) fn human(duration: Duration) -> String {
    humantime::format_duration(Duration::from_millis(duration.as_millis() as u64)).to_string()
}
