//! The maintenance run under way, or the last one: one per server, shown on every page that asks
//! and stoppable between steps.

use crate::domain::access::Operation;
use crate::domain::maintenance::RunRecord;
use crate::domain::AppError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The maintenance run under way, or the last one, shared by every request of a server: one
/// runs at a time, and any page shows it.
#[derive(Clone, Default)]
pub struct Runs(Arc<Mutex<Option<Arc<Shared>>>>);

/// A run's record, and whether it was asked to stop.
pub(super) struct Shared {
    record: Mutex<RunRecord>,
    pub stop: AtomicBool,
}

impl Shared {
    pub fn record(&self) -> std::sync::MutexGuard<'_, RunRecord> {
        self.record.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Runs {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<Shared>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The run under way, or the last one.
    pub fn last(&self) -> Option<RunRecord> {
        let shared = self.slot().clone()?;
        let record = shared.record().clone();
        Some(record)
    }

    /// Asks the run under way to stop before its next step; false when none is under way.
    pub fn stop(&self) -> bool {
        let Some(shared) = self.slot().clone() else {
            return false;
        };
        let mut record = shared.record();
        if !record.running() {
            return false;
        }
        shared.stop.store(true, Ordering::Relaxed);
        record.stopping = true;
        true
    }

    /// `Ok` unless a run is under way: membership changes wait for it.
    pub fn idle(&self) -> Result<(), AppError> {
        match self.last() {
            Some(record) if record.running() => Err(AppError::Busy {
                message: format!(
                    "a maintenance run ({}) is under way: change the membership once it is over",
                    record.operation
                ),
                retry_after_secs: 10,
            }),
            _ => Ok(()),
        }
    }

    /// Records a new run, unless one is under way.
    pub(super) fn begin(
        &self,
        operation: Operation,
        by: Option<&str>,
    ) -> Result<Arc<Shared>, AppError> {
        let mut slot = self.slot();
        if slot
            .as_ref()
            .is_some_and(|shared| shared.record().running())
        {
            return Err(AppError::Busy {
                message: "another maintenance run is under way: one runs at a time".into(),
                retry_after_secs: 10,
            });
        }
        let shared = Arc::new(Shared {
            record: Mutex::new(RunRecord {
                operation: operation.as_str().to_string(),
                started_by: by.map(str::to_string),
                started: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
                lines: Vec::new(),
                stopping: false,
            }),
            stop: AtomicBool::new(false),
        });
        *slot = Some(shared.clone());
        Ok(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::maintenance::{RunLine, RunReport};

    #[test]
    fn one_run_at_a_time_and_a_stop_only_while_one_runs() {
        let runs = Runs::default();
        assert!(!runs.stop(), "nothing to stop");
        let first = runs.begin(Operation::Recover, Some("ada")).unwrap();
        let busy = runs.begin(Operation::Defragment, None).err();
        assert_eq!(busy.map(|err| err.code().as_str()), Some("busy"));
        assert!(runs.stop());
        assert!(first.stop.load(Ordering::Relaxed));
        assert!(runs.last().unwrap().stopping);
        let report = RunReport {
            ok: false,
            freed: 0,
            millis: 1,
            message: "stopped".into(),
        };
        first.record().lines.push(RunLine::Report(report));
        assert!(!runs.stop(), "it has ended");
        let next = runs.begin(Operation::Defragment, None).unwrap();
        assert_eq!(next.record().operation, "defragment");
        assert_eq!(runs.last().unwrap().started_by, None);
    }
}
