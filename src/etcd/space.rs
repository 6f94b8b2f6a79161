//! Whether etcd is full: a member past its space quota raised the NOSPACE alarm, and etcd refuses
//! every write until space is freed and the alarm disarmed.

use super::Etcd;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a write refused for want of space says etcd is full, where no member's status can
/// be read to say so.
const REMEMBERED: Duration = Duration::from_secs(60);

/// When a write was last refused for want of space.
#[derive(Default)]
pub(super) struct LastNoSpace(Mutex<Option<Instant>>);

impl LastNoSpace {
    /// A write was refused for want of space now.
    pub fn now(&self) {
        *self.lock() = Some(Instant::now());
    }

    /// A value was written: etcd has room again.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    fn within(&self, span: Duration) -> bool {
        self.lock().is_some_and(|at| at.elapsed() < span)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Etcd {
    /// The most a member uses of its quota, in percent, when that is nearly full.
    pub async fn nearly_full(&self) -> Option<u64> {
        let space = self.space().await;
        let spaces = space.iter().filter_map(|endpoint| endpoint.space.as_ref());
        spaces
            .filter(|space| space.nearly_full())
            .map(|space| space.used_percent())
            .max()
    }

    /// Whether etcd is full now: a member's last status (see the health check) names the
    /// NOSPACE alarm, or, where no member's status can be read, a write was refused for want of
    /// space within the last minute and no value was written since.
    pub fn is_full(&self) -> bool {
        let statuses: Vec<_> = self
            .pool
            .endpoints
            .iter()
            .filter_map(|endpoint| endpoint.health().status)
            .collect();
        if statuses.is_empty() {
            return self.pool.last_no_space.within(REMEMBERED);
        }
        statuses
            .iter()
            .any(|status| status.errors.iter().any(|error| error.contains("NOSPACE")))
    }
}
