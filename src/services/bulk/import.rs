//! Imports: a dry run first, then writes of only the keys nobody changed since its revision;
//! one import at a time.

use super::IN_FLIGHT;
use crate::domain::access::Operation;
use crate::domain::{
    limits::MAX_TXN_OPS,
    transfer::{ImportEntry, ImportFile, ImportReport, Tally},
    AppError,
};
use crate::etcd::BulkOp;
use crate::services::audit::WriteAttempt;
use crate::services::caller::{Caller, Written};
use futures::{stream, StreamExt, TryStreamExt};
use std::collections::HashMap;
use tokio::sync::Mutex;

/// Imports `file`: a dry run (`dry_run`) only reads, and reports what it would do at the
/// revision it read at; an apply writes each key only if nobody wrote it after `revision` (a
/// dry run's, or else the revision of its first read), and reports the others as conflicts.
/// A key that already holds the value is not written, so an import applied twice writes
/// nothing the second time.
pub async fn import(
    caller: &Caller,
    file: ImportFile,
    dry_run: bool,
    revision: Option<i64>,
) -> Result<ImportReport, AppError> {
    let total = file.entries.len() as u64;
    let (entries, twice) = distinct(file.entries);
    let run = async {
        let revision = match revision {
            Some(revision) => revision,
            None => caller.etcd.revision_now().await?,
        };
        let leases = Mutex::new(HashMap::new());
        // Collected first: a lazy `map` in the stream would make this future not `Send`.
        let batches: Vec<_> = entries
            .chunks(MAX_TXN_OPS)
            .map(|batch| import_batch(caller, batch, revision, dry_run, &leases))
            .collect();
        let mut report = ImportReport {
            dry_run,
            revision,
            total,
            conflict: twice,
            ..ImportReport::default()
        };
        let mut batches = stream::iter(batches).buffer_unordered(IN_FLIGHT);
        while let Some(batch) = batches.try_next().await? {
            report.merge(batch);
        }
        Ok(report)
    };
    if dry_run {
        return run.await;
    }
    let attempt = WriteAttempt {
        condition: Some(format!(
            "unchanged since revision {}, {total} keys",
            revision.map_or("now".into(), |r| r.to_string())
        )),
        ..WriteAttempt::of(Operation::Import)
    };
    caller.write(attempt, run).await
}

/// Imports run one at a time: an import holds its file and its keys in memory (up to
/// 256 MiB and a million keys), so that is what the server needs for them, however many people
/// import at once.
pub(super) static IMPORTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
/// The longest an import waits for the one before it.
pub(super) const IMPORT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The turn to read and run an import, for a caller who may import; refused after a wait when
/// another import still runs. Taken before an upload is read.
pub async fn import_turn(
    caller: &Caller,
) -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    caller.may(Operation::Import)?;
    match tokio::time::timeout(IMPORT_WAIT, IMPORTING.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(AppError::Busy {
            message: "another import is being read or written; try again when it is done".into(),
            retry_after_secs: IMPORT_WAIT.as_secs(),
        }),
    }
}

/// Imports a file this caller uploaded (see [`Caller::stash`]): a dry run, or the writes
/// against `revision`, as [`import`] does.
pub async fn import_upload(
    caller: &Caller,
    upload: &str,
    dry_run: bool,
    revision: Option<i64>,
) -> Result<ImportReport, AppError> {
    let _turn = import_turn(caller).await?;
    let bytes = caller.stashed(upload).ok_or_else(|| {
        AppError::invalid(
            "that upload is no longer kept (uploads are kept for 15 minutes): send the file again",
        )
    })?;
    let file = crate::domain::transfer::parse_import(&bytes)?;
    import(caller, file, dry_run, revision).await
}

/// The text this caller pasted for an import, kept because it did not parse, to show it again;
/// none once it is no longer kept (15 minutes).
pub fn pasted_text(caller: &Caller, upload: &str) -> Option<String> {
    let bytes = caller.stashed(upload)?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The entries in key order, each key once; a key named twice with different values is left
/// out and counted.
pub(super) fn distinct(mut entries: Vec<ImportEntry>) -> (Vec<ImportEntry>, Tally) {
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let mut twice = Tally::default();
    let mut out: Vec<ImportEntry> = Vec::with_capacity(entries.len());
    let mut dropped: Option<Vec<u8>> = None;
    for entry in entries {
        if dropped.as_deref() == Some(entry.key.as_slice()) {
            continue;
        }
        match out.last() {
            Some(last) if last.key == entry.key && last.value == entry.value => {}
            Some(last) if last.key == entry.key => {
                twice.add(&entry.key);
                dropped = out.pop().map(|entry| entry.key);
            }
            _ => out.push(entry),
        }
    }
    (out, twice)
}

/// One batch of an import: read as it is now, compared with `revision`, and (unless a dry run)
/// written in one transaction, read again while someone else's write makes that fail.
pub(super) async fn import_batch(
    caller: &Caller,
    batch: &[ImportEntry],
    revision: i64,
    dry_run: bool,
    leases: &Mutex<HashMap<i64, i64>>,
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport::default();
    let mut pending: Vec<&ImportEntry> = batch.iter().collect();
    loop {
        let keys: Vec<Vec<u8>> = pending.iter().map(|e| e.key.clone()).collect();
        let (now, _) = caller.etcd.held(&keys, None).await?;
        // Keys absent now: deleted since `revision` if they existed then.
        let absent: Vec<Vec<u8>> = pending
            .iter()
            .zip(&now)
            .filter(|(_, held)| held.is_none())
            .map(|(entry, _)| entry.key.clone())
            .collect();
        let then: HashMap<Vec<u8>, bool> = if absent.is_empty() {
            HashMap::new()
        } else {
            let (then, _) = caller.etcd.held(&absent, Some(revision)).await?;
            absent
                .into_iter()
                .zip(then.iter().map(Option::is_some))
                .collect()
        };
        let mut round = ImportReport::default();
        let mut writes: Vec<(&ImportEntry, i64)> = Vec::new();
        for (entry, held) in pending.iter().zip(&now) {
            match held {
                Some(held) if held.mod_revision > revision => round.conflict.add(&entry.key),
                Some(held) if held.value == entry.value => round.unchanged.add(&entry.key),
                Some(held) => {
                    round.update.add(&entry.key);
                    writes.push((entry, held.mod_revision));
                }
                None if then.get(&entry.key).copied().unwrap_or(false) => {
                    round.conflict.add(&entry.key)
                }
                None => {
                    round.create.add(&entry.key);
                    writes.push((entry, 0));
                }
            }
        }
        if dry_run || writes.is_empty() {
            report.merge(round);
            return Ok(report);
        }
        let mut ops = Vec::with_capacity(writes.len());
        for (entry, _) in &writes {
            let lease = match entry.lease_ttl {
                Some(ttl) => lease_for(caller, ttl, leases).await?,
                None => 0,
            };
            ops.push(BulkOp::Put {
                key: entry.key.clone(),
                value: entry.value.clone(),
                lease,
            });
        }
        let unchanged: Vec<(Vec<u8>, i64)> = writes
            .iter()
            .map(|(entry, at)| (entry.key.clone(), *at))
            .collect();
        if let Some(receipt) = caller.etcd.write_if_unchanged(&unchanged, &ops).await? {
            round.written_revision = Some(receipt.revision);
            round.transactions = 1;
            report.merge(round);
            return Ok(report);
        }
        // Someone wrote one of them between the read and the write: read the batch again (that
        // key is then newer than `revision`, a conflict).
        pending = writes
            .into_iter()
            .map(|(entry, _)| entry)
            .collect::<Vec<_>>();
        report.unchanged.merge(round.unchanged);
        report.conflict.merge(round.conflict);
    }
}

/// The lease of `ttl` seconds this import puts its keys on, granted the first time it is needed.
pub(super) async fn lease_for(
    caller: &Caller,
    ttl: i64,
    leases: &Mutex<HashMap<i64, i64>>,
) -> Result<i64, AppError> {
    let mut leases = leases.lock().await;
    if let Some(id) = leases.get(&ttl) {
        return Ok(*id);
    }
    let (id, _) = caller.etcd.grant_lease(ttl).await?;
    leases.insert(ttl, id);
    Ok(id)
}

impl Written for ImportReport {
    fn revision(&self) -> Option<i64> {
        self.written_revision
    }
}
