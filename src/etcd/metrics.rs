//! How full each member is, from its own `/metrics` (which etcd serves to anyone on its client
//! URLs, whatever its authentication): its database's size, the part of it in use, its space
//! quota, and the revisions it keeps. Read when asked, at most every few seconds per member:
//! the page is about 100 KB.

use super::Etcd;
use crate::domain::cluster::{EndpointSpace, MemberSpace};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
        let space = self.read(url).await;
        self.lock()
            .insert(url.to_string(), (Instant::now(), space.clone()));
        space
    }

    async fn read(&self, url: &str) -> Result<MemberSpace, String> {
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
        let text = response
            .text()
            .await
            .map_err(|err| format!("/metrics was cut off: {err}"))?;
        parse(&text)
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

/// The figures of a member's `/metrics` page (Prometheus' text format).
fn parse(text: &str) -> Result<MemberSpace, String> {
    let gauge = |name: &str| {
        text.lines()
            .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .find_map(|value| value.trim().parse::<f64>().ok())
    };
    let needed = |name: &str| gauge(name).ok_or_else(|| format!("/metrics has no {name}"));
    Ok(MemberSpace {
        quota_bytes: needed("etcd_server_quota_backend_bytes")? as u64,
        db_size: needed("etcd_mvcc_db_total_size_in_bytes")? as u64,
        db_size_in_use: needed("etcd_mvcc_db_total_size_in_use_in_bytes")? as u64,
        compact_revision: gauge("etcd_debugging_mvcc_compact_revision").map(|r| r as i64),
        current_revision: gauge("etcd_debugging_mvcc_current_revision").map(|r| r as i64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let space = parse(text).unwrap();
        assert_eq!(space.quota_bytes, 16 * 1024 * 1024);
        assert_eq!(space.db_size, 14_680_064);
        assert_eq!(space.db_size_in_use, 3_276_800);
        assert_eq!(space.compact_revision, Some(120));
        assert_eq!(space.current_revision, Some(345));
        assert_eq!(space.used_percent(), 87);
        assert_eq!(space.fragmented_percent(), 77);
        assert_eq!(space.used(), "14.0 MiB of 16.0 MiB (87 %)");
        assert_eq!(space.kept(), "120 – 345");
        let missing = parse("etcd_mvcc_db_total_size_in_bytes 1\n").unwrap_err();
        assert!(
            missing.contains("etcd_server_quota_backend_bytes"),
            "{missing}"
        );
    }
}
