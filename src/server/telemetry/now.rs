//! What etcd-deck holds now, read from its state when the metrics are scraped: nothing on the
//! request path counts these, and each is exact at the moment it is read.

use crate::etcd::{Etcd, MAX_SCANS};
use crate::services::access::Access;
use crate::services::search::searches_refused;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::{counter::ConstCounter, gauge::ConstGauge};
use std::sync::Arc;

/// Reads the sessions, sign-ins, watches and searches of one server.
pub(super) struct Now {
    etcd: Etcd,
    access: Arc<Access>,
}

impl Now {
    pub fn new(etcd: Etcd, access: Arc<Access>) -> Self {
        Now { etcd, access }
    }
}

impl std::fmt::Debug for Now {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Now").finish_non_exhaustive()
    }
}

impl Collector for Now {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut gauge = |name: &str, help: &str, value: usize| {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(metric)
        };
        gauge(
            "sessions",
            "Sessions in use through this process: begun or used here, not signed out, not \
             idle longer than --session-idle.",
            self.access.sessions.in_use(),
        )?;
        let (hubs, followers) = self.etcd.following();
        gauge(
            "watch_hubs",
            "etcd watches open to follow a prefix, each shared by its followers (one lingers \
             30 s after its last follower left).",
            hubs,
        )?;
        gauge(
            "watch_followers",
            "Pages and API clients following changes through the watch hubs.",
            followers,
        )?;
        gauge(
            "searches_running",
            &format!("Searches running now (at most {MAX_SCANS})."),
            self.etcd.scans_running(),
        )?;
        let (failed, throttled) = self.access.sign_in_tally();
        let mut counter = |name: &str, help: &str, value: u64| {
            let counter = ConstCounter::new(value);
            let metric = encoder.encode_descriptor(name, help, None, counter.metric_type())?;
            counter.encode(metric)
        };
        counter(
            "sign_in_failures",
            "Sign-ins refused for a wrong user name or password.",
            failed,
        )?;
        counter(
            "sign_in_throttled",
            "Sign-ins refused unchecked with 429: too many attempts from one address (or for \
             one user from it), or too many at once.",
            throttled,
        )?;
        counter(
            "searches_refused",
            "Searches refused with 429: as many running as may, the person's own or everyone's.",
            searches_refused(),
        )
    }
}
