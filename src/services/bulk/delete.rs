//! Deleting a prefix exactly as a preview at a revision showed it, or the keys of a selection.

use super::pages::Pages;
use super::pinned::{in_flight, pinned_batch};
use super::preview::selection_keys;
use crate::domain::access::Operation;
use crate::domain::{
    limits::MAX_TXN_OPS,
    transfer::{BulkReport, Tally, EXAMPLES},
    AppError, Key, PageRequest,
};
use crate::etcd::Held;
use crate::services::audit::WriteAttempt;
use crate::services::caller::Caller;

/// Deletes the keys under `prefix` that existed at `revision` (now, with `None`) and are
/// unchanged since: a key created or written after it is left, and reported. `confirm` must
/// repeat the prefix. When nothing under the prefix was written after `revision`, this is one
/// DeleteRange; else the keys are deleted in transactions that each compare every key's mod
/// revision.
pub async fn delete_prefix(
    caller: &Caller,
    prefix: &Key,
    confirm: &Key,
    revision: Option<i64>,
) -> Result<BulkReport, AppError> {
    let attempt = WriteAttempt {
        prefix: Some(prefix.display()),
        condition: Some(match revision {
            Some(revision) => format!("unchanged since revision {revision}"),
            None => "as it is now".into(),
        }),
        ..WriteAttempt::of(Operation::DeletePrefix)
    };
    caller
        .write(attempt, async {
            if confirm != prefix {
                return Err(AppError::invalid("`confirm` must repeat `prefix` exactly"));
            }
            if prefix.is_empty() {
                return Err(AppError::invalid(
                    "the prefix must not be empty: etcd-deck does not delete the whole keyspace",
                ));
            }
            let revision = match revision {
                Some(revision) => revision,
                None => caller.etcd.revision_now().await?,
            };
            let mut report = BulkReport {
                revision,
                ..BulkReport::default()
            };
            if let Some((deleted, receipt)) = caller
                .etcd
                .delete_prefix_unchanged_since(prefix, revision)
                .await?
            {
                report.done.count = deleted as u64;
                report.written_revision = Some(receipt.revision);
                report.transactions = 1;
                return Ok(report);
            }
            let mut pages = Pages::new(prefix, Some(revision));
            while let Some(keys) = pages.next(caller).await? {
                let batches = keys.chunks(MAX_TXN_OPS);
                let batches = batches.map(|batch| pinned_batch(caller, batch, None));
                report.merge(in_flight(batches.collect()).await?);
            }
            // What is left under the prefix was written after `revision`.
            let left = caller
                .etcd
                .list(&PageRequest::new(prefix.clone(), None, None))
                .await?;
            report.changed = Tally {
                count: left.total as u64,
                examples: left
                    .keys
                    .iter()
                    .take(EXAMPLES)
                    .map(|k| k.key.display())
                    .collect(),
            };
            Ok(report)
        })
        .await
}

/// Deletes the keys of a selection that existed at `revision` and are unchanged since; one that
/// changed, or was gone already, is left and reported.
pub async fn delete_keys(
    caller: &Caller,
    keys: &[Key],
    revision: i64,
) -> Result<BulkReport, AppError> {
    let condition = format!("{} keys unchanged since revision {revision}", keys.len());
    let attempt = WriteAttempt::on_keys(Operation::DeleteSelection, keys, condition);
    caller
        .write(attempt, async {
            let mut report = BulkReport {
                revision,
                ..BulkReport::default()
            };
            for batch in selection_keys(keys)?.chunks(MAX_TXN_OPS) {
                let (then, _) = caller.etcd.held(batch, Some(revision)).await?;
                for (key, held) in batch.iter().zip(&then) {
                    if held.is_none() {
                        report.gone.add(key);
                    }
                }
                let then: Vec<Held> = then.into_iter().flatten().collect();
                report.merge(pinned_batch(caller, &then, None).await?);
            }
            Ok(report)
        })
        .await
}
