//! The keys under a prefix, window by window, at one revision.

use crate::domain::{
    paging::{prefix_range_end, prefix_range_start},
    scan::{Scan, WindowRead},
    AppError, Key,
};
use crate::etcd::Held;
use crate::services::caller::Caller;

/// The keys under a prefix with their values, window by window (a [`Scan`], so that reading
/// them all costs etcd about one visit per key), all at the revision of the first window.
pub(super) struct Pages {
    prefix: Key,
    scan: Scan,
    pub(super) revision: Option<i64>,
}

impl Pages {
    pub(super) fn new(prefix: &Key, revision: Option<i64>) -> Pages {
        let bytes = prefix.as_bytes();
        Pages {
            prefix: prefix.clone(),
            scan: Scan::new(prefix_range_start(bytes), prefix_range_end(bytes)),
            revision,
        }
    }

    /// The next window's keys (possibly none), or `None` when every key has been read.
    pub(super) async fn next(&mut self, caller: &Caller) -> Result<Option<Vec<Held>>, AppError> {
        let Some(window) = self.scan.window() else {
            return Ok(None);
        };
        let found = caller
            .etcd
            .held_window(&self.prefix, &window, self.revision)
            .await?;
        self.revision = Some(found.revision);
        let read = WindowRead {
            count: found.count,
            first: found.keys.first().map(|held| held.key.as_slice()),
            last: found.keys.last().map(|held| held.key.as_slice()),
            read: found.keys.len(),
            value_bytes: found.keys.iter().map(|held| held.value.len()).sum(),
        };
        self.scan.advance(&window, read);
        Ok(Some(found.keys))
    }
}
