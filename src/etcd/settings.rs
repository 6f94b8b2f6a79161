//! How etcd-deck reaches etcd: endpoints, deadlines, TLS, and the monitoring user.

use super::EtcdTls;
use std::time::Duration;

/// How to reach etcd.
#[derive(Debug, Clone)]
pub struct EtcdSettings {
    /// Client URLs of the members, like `http://127.0.0.1:2379`.
    pub endpoints: Vec<String>,
    pub connect_timeout: Duration,
    /// The deadline of every request, retries included; nothing waits on etcd longer.
    pub request_timeout: Duration,
    /// How often every endpoint's health is checked.
    pub health_interval: Duration,
    /// What to trust and present on `https://` endpoints.
    pub tls: EtcdTls,
    /// The etcd user etcd-deck asks for member status as, for everyone: see `health`.
    pub monitor: Option<EtcdUser>,
    /// How often each member's `/metrics` is read, and how long it is kept.
    pub sampler: super::SamplerSettings,
    /// The Prometheus the charts and alerts are read from instead, when one scrapes the
    /// members (`--prometheus-url`); the sampler keeps reading as the fallback.
    pub prometheus_url: Option<String>,
}

/// An etcd user and password. Debug output leaves the password out.
#[derive(Clone)]
pub struct EtcdUser {
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for EtcdUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdUser")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
