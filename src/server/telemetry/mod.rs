//! etcd-deck's own metrics, in the Prometheus and OpenMetrics text formats, at `GET /metrics`:
//! the HTTP requests it answered (see [`requests`]), the requests it made of etcd (counted in
//! the etcd adapter, [`crate::etcd::EtcdCalls`]), and what it holds now, read from the state
//! itself when scraped (see [`now`]): sessions, sign-in failures, watches, searches.
//!
//! Who may read them is [`endpoint`]'s to say. No label ever holds a key, a value or a raw
//! path: requests are counted by their route template (`/api/v1/keys/{*key}`).

mod endpoint;
mod now;
mod requests;

pub use endpoint::{metrics_only, own_metrics};
pub use requests::{CountRequests, MatchedRoute};

use crate::api::Download;
use crate::etcd::Etcd;
use crate::services::access::Access;
use prometheus_client::encoding::{text, EncodeLabelSet};
use prometheus_client::metrics::{counter::Counter, family::Family};
use prometheus_client::registry::Registry;
use requests::HttpMetrics;
use std::sync::Arc;

/// The prefix of every metric's name.
const PREFIX: &str = "etcd_deck";

/// The OpenMetrics text format's media type, for scrapers that ask for it.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The metrics and the registry they are read from.
pub struct Telemetry {
    registry: Registry,
    http: HttpMetrics,
    downloads: Family<DownloadLabels, Counter>,
}

/// The label of bytes streamed: `export` or `snapshot`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DownloadLabels {
    download: &'static str,
}

impl DownloadLabels {
    fn of(download: Download) -> Self {
        let download = match download {
            Download::Export => "export",
            Download::Snapshot => "snapshot",
        };
        DownloadLabels { download }
    }
}

impl Telemetry {
    /// The metrics of a server on `etcd`, where `access` says who signs in.
    pub fn new(etcd: &Etcd, access: Arc<Access>) -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let http = HttpMetrics::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template (or `unmatched`), method and status",
            http.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival until its answer's head, by route template and \
             method (a stream's body goes on after it)",
            http.seconds.clone(),
        );
        let calls = etcd.calls();
        registry.register(
            "etcd_requests",
            "Requests made of etcd, by kind (range, put, txn, lease, member...) and outcome \
             (`ok` or the error code), each counted once however many members it was tried on",
            calls.requests.clone(),
        );
        registry.register(
            "etcd_request_duration_seconds",
            "Time etcd requests took, retries on other members included, by kind",
            calls.seconds.clone(),
        );
        let downloads = Family::<DownloadLabels, Counter>::default();
        for download in [Download::Export, Download::Snapshot] {
            downloads.get_or_create_owned(&DownloadLabels::of(download));
        }
        registry.register(
            "streamed_bytes",
            "Bytes of exports and snapshots sent to clients, as they went out",
            downloads.clone(),
        );
        registry.register_collector(Box::new(now::Now::new(etcd.clone(), access)));
        Telemetry {
            registry,
            http,
            downloads,
        }
    }

    /// Every metric as text, and its media type: OpenMetrics when `openmetrics`, else
    /// Prometheus' text format.
    pub fn exposition(&self, openmetrics: bool) -> Result<(String, &'static str), std::fmt::Error> {
        let mut text = String::new();
        if openmetrics {
            text::encode(&mut text, &self.registry)?;
            Ok((text, OPENMETRICS))
        } else {
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?;
            Ok((
                text,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            ))
        }
    }

    /// The counter of the bytes of `download` sent.
    fn streamed(&self, download: Download) -> Counter {
        self.downloads
            .get_or_create_owned(&DownloadLabels::of(download))
    }
}
