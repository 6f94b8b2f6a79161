//! Reading a range window by window, for searches (see [`crate::domain::scan`]).

use super::{kv, revision, summary, Etcd, Retry};
use crate::domain::{scan::Window, search::SearchHit, AppError, Key};
use etcd_client::{Client, GetOptions};
use tokio::sync::OwnedSemaphorePermit;

/// Scans that may run at once against the cluster; more are refused until one ends.
pub const MAX_SCANS: usize = 4;

/// Leave to run one scan; the scan ends when it is dropped.
pub struct ScanPermit(#[allow(dead_code)] OwnedSemaphorePermit);

/// Whether a key (and its value, when values are read) matches: `Some(in_value)`, whether only
/// the value did.
pub type Matches<'a> = &'a (dyn Fn(&[u8], Option<&[u8]>) -> Option<bool> + Sync);

/// What reading one window found.
#[derive(Debug)]
pub struct WindowFound {
    /// The keys in the window (all of them, not only those read).
    pub count: i64,
    /// The keys read (at most the window's limit).
    pub read: usize,
    pub first: Option<Vec<u8>>,
    pub last: Option<Vec<u8>>,
    /// The bytes of the values read.
    pub value_bytes: usize,
    /// The keys read that `matches` kept.
    pub hits: Vec<SearchHit>,
    /// The revision the window was read at.
    pub revision: i64,
}

impl Etcd {
    /// Leave to scan, when fewer than [`MAX_SCANS`] scans run; otherwise it is
    /// [`AppError::Busy`], to try again in a moment.
    pub fn scan_permit(&self) -> Result<ScanPermit, AppError> {
        self.pool
            .scans
            .clone()
            .try_acquire_owned()
            .map(ScanPermit)
            .map_err(|_| AppError::Busy {
                message: format!(
                    "{MAX_SCANS} searches are running already; try again when one has ended"
                ),
                retry_after_secs: 1,
            })
    }

    /// How many scans (searches) run now.
    pub fn scans_running(&self) -> usize {
        MAX_SCANS.saturating_sub(self.pool.scans.available_permits())
    }

    /// Reads the keys of `window` (with their values, when `values`) at revision `at` (or now),
    /// and keeps those `matches` answers for: `Some(in_value)`, whether only the value matched.
    pub async fn read_window(
        &self,
        window: &Window,
        at: Option<i64>,
        values: bool,
        prefix: &Key,
        matches: Matches<'_>,
    ) -> Result<WindowFound, AppError> {
        let read = |client: &Client| {
            let mut options = GetOptions::new()
                .with_range(window.end.clone())
                .with_limit(window.limit as i64);
            if !values {
                options = options.with_keys_only();
            }
            if let Some(revision) = at {
                options = options.with_revision(revision);
            }
            let start = window.start.clone();
            let mut kv = kv(client);
            async move { kv.get(start, Some(options)).await }
        };
        let (response, _) = self
            .run(Retry::Read, read)
            .await
            .map_err(self.listing_refused(prefix, at))?;
        let kvs = response.kvs();
        let hits = kvs
            .iter()
            .filter_map(|kv| {
                let value = values.then(|| kv.value());
                matches(kv.key(), value).map(|in_value| SearchHit {
                    summary: summary(kv, false),
                    value_size: value.map(<[u8]>::len),
                    in_value,
                })
            })
            .collect();
        Ok(WindowFound {
            count: response.count(),
            read: kvs.len(),
            first: kvs.first().map(|kv| kv.key().to_vec()),
            last: kvs.last().map(|kv| kv.key().to_vec()),
            value_bytes: kvs.iter().map(|kv| kv.value().len()).sum(),
            hits,
            revision: at.unwrap_or(revision(response.header())),
        })
    }
}
