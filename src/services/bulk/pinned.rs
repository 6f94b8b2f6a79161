//! Transactions that pin each key to the mod revision it was read at: a key written meanwhile
//! is read again and reported, the rest are written.

use super::relocate::Relocation;
use super::IN_FLIGHT;
use crate::domain::{
    transfer::{moved_key, BulkReport},
    AppError,
};
use crate::etcd::{BulkOp, Held};
use crate::services::caller::Caller;
use futures::{stream, StreamExt, TryStreamExt};

/// Deletes (or, with `to`, copies or moves) the keys of `batch`, each only if it is still at
/// the mod revision it was read at; the ones that are not are read again and reported.
pub(super) async fn pinned_batch(
    caller: &Caller,
    batch: &[Held],
    to: Option<&Relocation<'_>>,
) -> Result<BulkReport, AppError> {
    let mut report = BulkReport::default();
    let mut pending: Vec<&Held> = batch.iter().collect();
    loop {
        if pending.is_empty() {
            return Ok(report);
        }
        let mut unchanged: Vec<(Vec<u8>, i64)> = Vec::new();
        let mut ops = Vec::new();
        for held in &pending {
            unchanged.push((held.key.clone(), held.mod_revision));
            match to {
                None => ops.push(BulkOp::Delete {
                    key: held.key.clone(),
                }),
                Some(to) => {
                    let target = moved_key(&held.key, to.from, to.to);
                    if !to.overwrite {
                        unchanged.push((target.clone(), 0));
                    }
                    ops.push(BulkOp::Put {
                        key: target,
                        value: held.value.clone(),
                        lease: held.lease,
                    });
                    if to.remove_source {
                        ops.push(BulkOp::Delete {
                            key: held.key.clone(),
                        });
                    }
                }
            }
        }
        if let Some(receipt) = caller.etcd.write_if_unchanged(&unchanged, &ops).await? {
            for held in &pending {
                report.done.add(&held.key);
            }
            report.written_revision = Some(receipt.revision);
            report.transactions += 1;
            return Ok(report);
        }
        // Sort out which keys stopped the transaction, and write the rest.
        let keys: Vec<Vec<u8>> = pending.iter().map(|held| held.key.clone()).collect();
        let (now, _) = caller.etcd.held(&keys, None).await?;
        let targets = match to {
            Some(to) if !to.overwrite => {
                let keys: Vec<Vec<u8>> = pending
                    .iter()
                    .map(|held| moved_key(&held.key, to.from, to.to))
                    .collect();
                caller.etcd.held(&keys, None).await?.0
            }
            _ => vec![None; pending.len()],
        };
        let mut still = Vec::new();
        for ((held, now), target) in pending.into_iter().zip(now).zip(targets) {
            match now {
                None => report.gone.add(&held.key),
                Some(now) if now.mod_revision != held.mod_revision => report.changed.add(&held.key),
                Some(_) if target.is_some() => report.exists.add(&held.key),
                Some(_) => still.push(held),
            }
        }
        pending = still;
    }
}

/// Runs `batches`, [`IN_FLIGHT`] at a time, and adds up what they did. (The batches come
/// collected: a lazy `map` in the stream would make the caller's future not `Send`.)
pub(super) async fn in_flight<F>(batches: Vec<F>) -> Result<BulkReport, AppError>
where
    F: std::future::Future<Output = Result<BulkReport, AppError>>,
{
    let mut report = BulkReport::default();
    let mut batches = stream::iter(batches).buffer_unordered(IN_FLIGHT);
    while let Some(batch) = batches.try_next().await? {
        report.merge(batch);
    }
    Ok(report)
}
