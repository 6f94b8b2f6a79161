//! Who runs the searches: one signed-in person runs at most [`SEARCHES_EACH`] at once, and
//! everyone together at most [`crate::etcd::MAX_SCANS`].

use crate::domain::AppError;
use crate::etcd::{Etcd, ScanPermit};
use crate::services::caller::Caller;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The searches one signed-in person may run at once (of [`crate::etcd::MAX_SCANS`]).
pub const SEARCHES_EACH: usize = 2;

/// The searches running, by who runs them.
static RUNNING: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The searches refused since the process started, for etcd-deck's own metrics.
static REFUSED: AtomicU64 = AtomicU64::new(0);

/// Leave for `caller` to search through `etcd`: their own slot and one of the scans, or
/// [`AppError::Busy`] (counted) while they, or everyone, run as many as may.
pub(super) fn admit(caller: &Caller, etcd: &Etcd) -> Result<(Slot, ScanPermit), AppError> {
    let admitted = Slot::take(caller).and_then(|slot| Ok((slot, etcd.scan_permit()?)));
    if admitted.is_err() {
        REFUSED.fetch_add(1, Ordering::Relaxed);
    }
    admitted
}

/// How many searches were refused for want of a slot or a scan since the process started.
pub fn refused() -> u64 {
    REFUSED.load(Ordering::Relaxed)
}

/// One of a person's running searches; it ends when dropped.
pub(super) struct Slot(Option<String>);

impl Slot {
    fn take(caller: &Caller) -> Result<Slot, AppError> {
        let Some(name) = caller.name() else {
            return Ok(Slot(None));
        };
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if running.iter().filter(|who| *who == name).count() >= SEARCHES_EACH {
            return Err(AppError::Busy {
                message: format!(
                    "you have {SEARCHES_EACH} searches running already; try again when one has \
                     ended"
                ),
                retry_after_secs: 1,
            });
        }
        running.push(name.to_string());
        Ok(Slot(Some(name.to_string())))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(name) = &self.0 else { return };
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = running.iter().position(|who| who == name) {
            running.swap_remove(at);
        }
    }
}
