//! How full each member is, from its own `/metrics` (which etcd serves to anyone on its client
//! URLs, whatever its authentication): its database's size, the part of it in use, its space
//! quota, and the revisions it keeps. Read when asked, at most every few seconds per member:
//! the page is about 100 KB.

use super::Etcd;
use crate::domain::cluster::{EndpointSpace, MemberSpace};
use crate::domain::metrics::{Buckets, Reading, FAILED_GRPC_CODES};
use prometheus_parse::{Sample, Scrape, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The largest `/metrics` page read: etcd's is about 150 KB.
const MAX_PAGE_BYTES: u64 = 8 * 1024 * 1024;
/// How long a member's figures are shown before they are read again.
const FRESH: Duration = Duration::from_secs(5);

/// Each member's last answer, by URL, and when it came.
type Answers = HashMap<String, (Instant, Result<MemberSpace, String>)>;

/// Reads members' `/metrics`, keeping each answer for [`FRESH`].
pub(super) struct Metrics {
    /// The client, or why there is none (its TLS settings did not load).
    client: Result<reqwest::Client, String>,
    read: Mutex<Answers>,
}

impl Metrics {
    pub fn new(client: Result<reqwest::Client, String>) -> Self {
        Metrics {
            client,
            read: Mutex::default(),
        }
    }

    /// The space of the member at `url`, read now or a moment ago.
    async fn space(&self, url: &str) -> Result<MemberSpace, String> {
        if let Some((at, space)) = self.lock().get(url) {
            if at.elapsed() < FRESH {
                return space.clone();
            }
        }
        self.space_now(url).await
    }

    /// The space of the member at `url`, read now.
    pub async fn space_now(&self, url: &str) -> Result<MemberSpace, String> {
        let space = self.scrape(url).await.and_then(|scrape| space_of(&scrape));
        self.remember(url, space.clone());
        space
    }

    /// Keeps what a reading of the member at `url` said of its space.
    pub fn remember(&self, url: &str, space: Result<MemberSpace, String>) {
        self.lock().insert(url.to_string(), (Instant::now(), space));
    }

    /// The member's `/metrics` page at `url`, parsed.
    pub async fn scrape(&self, url: &str) -> Result<Scrape, String> {
        let client =
            (self.client.as_ref()).map_err(|why| format!("cannot read /metrics: {why}"))?;
        let response = client
            .get(format!("{}/metrics", url.trim_end_matches('/')))
            .send()
            .await
            .map_err(|err| format!("/metrics did not answer: {err}"))?;
        if !response.status().is_success() {
            return Err(format!("/metrics answered {}", response.status()));
        }
        if response.content_length().unwrap_or_default() > MAX_PAGE_BYTES {
            return Err(format!("/metrics is larger than {MAX_PAGE_BYTES} bytes"));
        }
        let text = response
            .text()
            .await
            .map_err(|err| format!("/metrics was cut off: {err}"))?;
        let lines = text.lines().filter(|line| wanted(line));
        let lines = lines.map(|line| Ok(line.to_string()));
        Scrape::parse(lines).map_err(|err| format!("/metrics is not in Prometheus' format: {err}"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Answers> {
        self.read
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Etcd {
    /// How full each configured endpoint's member is.
    pub async fn space(&self) -> Vec<EndpointSpace> {
        let reads = self.pool.endpoints.iter().map(|endpoint| async {
            let space = self.pool.metrics.space(&endpoint.url).await;
            EndpointSpace {
                endpoint: endpoint.url.clone(),
                error: space.as_ref().err().cloned(),
                space: space.ok(),
            }
        });
        futures::future::join_all(reads).await
    }
}

/// The series etcd-deck reads of a member's page (a histogram's `_bucket`, `_sum` and `_count`
/// series start with its name); the page has about ten times more, whose parsing would cost
/// the sampler most of its time.
const WANTED: [&str; 24] = [
    "etcd_server_id",
    "etcd_server_quota_backend_bytes",
    "etcd_mvcc_db_total_size_in_bytes",
    "etcd_mvcc_db_total_size_in_use_in_bytes",
    "etcd_debugging_mvcc_compact_revision",
    "etcd_debugging_mvcc_current_revision",
    "etcd_debugging_mvcc_keys_total",
    "etcd_server_has_leader",
    "etcd_server_is_leader",
    "etcd_server_is_learner",
    "etcd_server_leader_changes_seen_total",
    "etcd_server_proposals_committed_total",
    "etcd_server_proposals_applied_total",
    "etcd_server_proposals_pending",
    "etcd_server_proposals_failed_total",
    "etcd_disk_wal_fsync_duration_seconds",
    "etcd_disk_backend_commit_duration_seconds",
    "etcd_network_peer_round_trip_time_seconds",
    "grpc_server_handling_seconds",
    "grpc_server_handled_total",
    "etcd_debugging_mvcc_watch_stream_total",
    "etcd_debugging_mvcc_watcher_total",
    "etcd_debugging_lease_granted_total",
    "etcd_debugging_server_lease_expired_total",
];

/// Whether a line of the page is one etcd-deck reads: a sample or a `# TYPE` of a wanted series.
fn wanted(line: &str) -> bool {
    let line = line.strip_prefix("# TYPE ").unwrap_or(line);
    if line.starts_with('#') {
        return false;
    }
    WANTED.iter().any(|name| {
        line.strip_prefix(name)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|next| matches!(next, ' ' | '{' | '_'))
    })
}

/// The value of the gauge or counter `name` without labels.
fn single(scrape: &Scrape, name: &str) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name)
        .and_then(|s| match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(v),
            _ => None,
        })
}

/// The member's space, from its `/metrics` page.
pub(super) fn space_of(scrape: &Scrape) -> Result<MemberSpace, String> {
    let needed = |name: &str| single(scrape, name).ok_or_else(|| format!("/metrics has no {name}"));
    Ok(MemberSpace {
        quota_bytes: needed("etcd_server_quota_backend_bytes")? as u64,
        db_size: needed("etcd_mvcc_db_total_size_in_bytes")? as u64,
        db_size_in_use: needed("etcd_mvcc_db_total_size_in_use_in_bytes")? as u64,
        compact_revision: single(scrape, "etcd_debugging_mvcc_compact_revision").map(|r| r as i64),
        current_revision: single(scrape, "etcd_debugging_mvcc_current_revision").map(|r| r as i64),
    })
}

/// Every series of the histogram `name` (whatever their labels), added up, keeping only those
/// `keep` accepts.
fn histogram(scrape: &Scrape, name: &str, keep: impl Fn(&Sample) -> bool) -> Buckets {
    let mut sum = Buckets::default();
    let series = scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && keep(s));
    for sample in series {
        if let Value::Histogram(counts) = &sample.value {
            sum.add(&Buckets::new(
                counts.iter().map(|c| (c.less_than, c.count)).collect(),
            ));
        }
    }
    sum
}

/// What the charts and alerts need of a member's `/metrics` page.
pub(super) fn reading_of(scrape: &Scrape) -> Reading {
    let get = |name: &str| single(scrape, name);
    let mut grpc: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for sample in scrape
        .samples
        .iter()
        .filter(|s| s.metric == "grpc_server_handled_total")
    {
        let (Some(method), Value::Counter(count) | Value::Untyped(count)) =
            (sample.labels.get("grpc_method"), &sample.value)
        else {
            continue;
        };
        let failed = sample
            .labels
            .get("grpc_code")
            .is_some_and(|code| FAILED_GRPC_CODES.contains(&code));
        let entry = grpc.entry(method.to_string()).or_default();
        entry.0 += count;
        if failed {
            entry.1 += count;
        }
    }
    let member_id = (scrape.samples.iter())
        .find(|s| s.metric == "etcd_server_id")
        .and_then(|s| s.labels.get("server_id"))
        .map(str::to_string);
    let everything = |_: &Sample| true;
    Reading {
        member_id,
        db_size: get("etcd_mvcc_db_total_size_in_bytes"),
        db_in_use: get("etcd_mvcc_db_total_size_in_use_in_bytes"),
        quota: get("etcd_server_quota_backend_bytes"),
        keys: get("etcd_debugging_mvcc_keys_total"),
        revision: get("etcd_debugging_mvcc_current_revision"),
        has_leader: get("etcd_server_has_leader"),
        is_leader: get("etcd_server_is_leader"),
        is_learner: get("etcd_server_is_learner"),
        leader_changes: get("etcd_server_leader_changes_seen_total"),
        term: None,
        committed: get("etcd_server_proposals_committed_total"),
        applied: get("etcd_server_proposals_applied_total"),
        pending: get("etcd_server_proposals_pending"),
        failed: get("etcd_server_proposals_failed_total"),
        wal_fsync: histogram(scrape, "etcd_disk_wal_fsync_duration_seconds", everything),
        backend_commit: histogram(
            scrape,
            "etcd_disk_backend_commit_duration_seconds",
            everything,
        ),
        peer_rtt: histogram(
            scrape,
            "etcd_network_peer_round_trip_time_seconds",
            everything,
        ),
        grpc_handling: histogram(scrape, "grpc_server_handling_seconds", |s| {
            s.labels.get("grpc_type") == Some("unary")
                && s.labels.get("grpc_method") != Some("Defragment")
        }),
        grpc,
        watch_streams: get("etcd_debugging_mvcc_watch_stream_total"),
        watchers: get("etcd_debugging_mvcc_watcher_total"),
        leases_granted: get("etcd_debugging_lease_granted_total"),
        leases_expired: get("etcd_debugging_server_lease_expired_total"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Scrape {
        Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
    }

    #[test]
    fn only_the_series_read_are_parsed() {
        assert!(wanted("etcd_server_has_leader 1"));
        assert!(wanted(
            "# TYPE etcd_disk_wal_fsync_duration_seconds histogram"
        ));
        assert!(wanted(
            "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 3"
        ));
        assert!(wanted("grpc_server_handled_total{grpc_code=\"OK\"} 3"));
        assert!(!wanted(
            "# HELP etcd_server_has_leader Whether or not a leader exists."
        ));
        assert!(!wanted("etcd_server_has_leaderx 1"));
        assert!(!wanted("go_gc_duration_seconds{quantile=\"0\"} 0"));
    }

    #[test]
    fn a_members_metrics_give_its_reading() {
        let text = "# TYPE etcd_server_id gauge\n\
            etcd_server_id{server_id=\"8e9e05c52164694d\"} 1\n\
            # TYPE etcd_server_has_leader gauge\n\
            etcd_server_has_leader 1\n\
            # TYPE etcd_network_peer_round_trip_time_seconds histogram\n\
            etcd_network_peer_round_trip_time_seconds_bucket{To=\"a\",le=\"0.1\"} 2\n\
            etcd_network_peer_round_trip_time_seconds_bucket{To=\"a\",le=\"+Inf\"} 3\n\
            etcd_network_peer_round_trip_time_seconds_sum{To=\"a\"} 1\n\
            etcd_network_peer_round_trip_time_seconds_count{To=\"a\"} 3\n\
            etcd_network_peer_round_trip_time_seconds_bucket{To=\"b\",le=\"0.1\"} 5\n\
            etcd_network_peer_round_trip_time_seconds_bucket{To=\"b\",le=\"+Inf\"} 5\n\
            etcd_network_peer_round_trip_time_seconds_sum{To=\"b\"} 1\n\
            etcd_network_peer_round_trip_time_seconds_count{To=\"b\"} 5\n\
            # TYPE grpc_server_handled_total counter\n\
            grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 40\n\
            grpc_server_handled_total{grpc_code=\"Unavailable\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2\n\
            grpc_server_handled_total{grpc_code=\"NotFound\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1\n";
        let reading = reading_of(&parsed(text));
        assert_eq!(reading.member_id.as_deref(), Some("8e9e05c52164694d"));
        assert_eq!(reading.has_leader, Some(1.0));
        assert_eq!(reading.grpc["Range"], (43.0, 2.0));
        assert_eq!(
            reading.peer_rtt,
            Buckets::new(vec![(0.1, 7.0), (f64::INFINITY, 8.0)])
        );
        assert!(reading.wal_fsync.is_empty());
    }

    #[test]
    fn a_members_metrics_give_its_space() {
        let text =
            "# HELP etcd_server_quota_backend_bytes Current backend storage quota size in bytes.\n\
            # TYPE etcd_server_quota_backend_bytes gauge\n\
            etcd_server_quota_backend_bytes 1.6777216e+07\n\
            etcd_mvcc_db_total_size_in_bytes 1.4680064e+07\n\
            etcd_mvcc_db_total_size_in_use_in_bytes 3.2768e+06\n\
            etcd_mvcc_db_total_size_in_bytes_total{x=\"y\"} 9\n\
            etcd_debugging_mvcc_compact_revision 120\n\
            etcd_debugging_mvcc_current_revision 345\n";
        let space = space_of(&parsed(text)).unwrap();
        assert_eq!(space.quota_bytes, 16 * 1024 * 1024);
        assert_eq!(space.db_size, 14_680_064);
        assert_eq!(space.db_size_in_use, 3_276_800);
        assert_eq!(space.compact_revision, Some(120));
        assert_eq!(space.current_revision, Some(345));
        assert_eq!(space.used_percent(), 87);
        assert_eq!(space.fragmented_percent(), 77);
        assert_eq!(space.used(), "14.0 MiB of 16.0 MiB (87 %)");
        assert_eq!(space.kept(), "120 – 345");
        let missing = space_of(&parsed("etcd_mvcc_db_total_size_in_bytes 1\n")).unwrap_err();
        assert!(
            missing.contains("etcd_server_quota_backend_bytes"),
            "{missing}"
        );
    }
}
