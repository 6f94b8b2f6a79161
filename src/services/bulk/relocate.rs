//! Copies and moves: of one key, of every key under a prefix, or of a selection, by one rule
//! for where keys may go.

use super::pages::Pages;
use super::pinned::{in_flight, pinned_batch};
use super::preview::selection_keys;
use super::PAIRS_PER_TXN;
use crate::domain::access::Operation;
use crate::domain::{transfer::BulkReport, AppError, Key};
use crate::etcd::Held;
use crate::services::audit::WriteAttempt;
use crate::services::caller::Caller;

/// Copies (or, with `remove_source`, moves) the keys of a selection under `from` to the same
/// names under `to`, as they are now; a target that exists is left unless `overwrite`.
pub async fn copy_keys(
    caller: &Caller,
    keys: &[Key],
    from: &Key,
    to: &Key,
    overwrite: bool,
    remove_source: bool,
) -> Result<BulkReport, AppError> {
    let attempt = WriteAttempt {
        prefix: Some(from.display()),
        condition: Some(format!(
            "{} keys to {}{}",
            keys.len(),
            to.display(),
            if overwrite { ", overwriting" } else { "" }
        )),
        ..WriteAttempt::of(if remove_source {
            Operation::MoveSelection
        } else {
            Operation::CopySelection
        })
    };
    caller
        .write(attempt, async {
            let keys = selection_keys(keys)?;
            check_target(from.as_bytes(), to.as_bytes(), remove_source)?;
            if let Some(outside) = keys.iter().find(|key| !key.starts_with(from.as_bytes())) {
                return Err(AppError::invalid(format!(
                    "{} is not under {}",
                    Key::new(outside.clone()),
                    from.display()
                )));
            }
            let relocation = Relocation {
                from: from.as_bytes(),
                to: to.as_bytes(),
                overwrite,
                remove_source,
            };
            let mut report = BulkReport::default();
            for batch in keys.chunks(PAIRS_PER_TXN) {
                let (now, revision) = caller.etcd.held(batch, None).await?;
                report.revision = revision;
                for (key, held) in batch.iter().zip(&now) {
                    if held.is_none() {
                        report.gone.add(key);
                    }
                }
                let now: Vec<Held> = now.into_iter().flatten().collect();
                report.merge(pinned_batch(caller, &now, Some(&relocation)).await?);
            }
            Ok(report)
        })
        .await
}

/// Checks where keys under `from` go: somewhere else, and, when they move (`moving` prefixes),
/// not into a prefix that holds them or that they hold: one transaction would then write and
/// delete the same key, which etcd refuses.
pub(super) fn check_target(from: &[u8], to: &[u8], moving: bool) -> Result<(), AppError> {
    crate::domain::limits::check_key(to)?;
    if from == to {
        return Err(AppError::invalid("the target is the source"));
    }
    if moving && (to.starts_with(from) || from.starts_with(to)) {
        return Err(AppError::invalid(
            "keys cannot move into their own prefix or into a prefix it is under",
        ));
    }
    Ok(())
}

/// Where a copy or move puts keys.
pub(super) struct Relocation<'a> {
    pub(super) from: &'a [u8],
    pub(super) to: &'a [u8],
    pub(super) overwrite: bool,
    pub(super) remove_source: bool,
}

/// What a copy or move is asked to do.
#[derive(Debug, Clone)]
pub struct CopyRequest {
    pub from: Key,
    pub to: Key,
    /// Every key under `from` (else the one key).
    pub prefix: bool,
    /// Write over keys that exist at the target.
    pub overwrite: bool,
}

/// Copies a key, or every key under a prefix as it is now, to `to` (keeping its lease);
/// `remove_source` makes it a move, which deletes each source key in the transaction that
/// writes its copy, and only if it is unchanged since it was read. A target that exists is
/// left, and reported, unless `overwrite`.
pub async fn copy(
    caller: &Caller,
    request: &CopyRequest,
    remove_source: bool,
) -> Result<BulkReport, AppError> {
    let attempt = WriteAttempt {
        key: (!request.prefix).then(|| request.from.display()),
        prefix: request.prefix.then(|| request.from.display()),
        condition: Some(format!(
            "to {}{}",
            request.to.display(),
            if request.overwrite {
                ", overwriting"
            } else {
                ""
            }
        )),
        ..WriteAttempt::of(match (remove_source, request.prefix) {
            (true, true) => Operation::MovePrefix,
            (true, false) => Operation::Move,
            (false, true) => Operation::CopyPrefix,
            (false, false) => Operation::Copy,
        })
    };
    caller
        .write(attempt, relocate(caller, request, remove_source))
        .await
}

pub(super) async fn relocate(
    caller: &Caller,
    request: &CopyRequest,
    remove_source: bool,
) -> Result<BulkReport, AppError> {
    let (from, to) = (request.from.as_bytes(), request.to.as_bytes());
    check_target(from, to, remove_source && request.prefix)?;
    if !request.prefix {
        crate::domain::limits::check_key(from)?;
    }
    let relocation = Relocation {
        from,
        to,
        overwrite: request.overwrite,
        remove_source,
    };
    if !request.prefix {
        let (held, revision) = caller.etcd.held(&[from.to_vec()], None).await?;
        let Some(held) = held.into_iter().next().flatten() else {
            return Err(AppError::NotFound {
                key: request.from.display(),
            });
        };
        let mut report =
            pinned_batch(caller, std::slice::from_ref(&held), Some(&relocation)).await?;
        report.revision = revision;
        if report.exists.count > 0 {
            return Err(AppError::AlreadyExists {
                message: format!(
                    "the key {} exists: copying over it takes overwrite",
                    request.to
                ),
                current_mod_revision: None,
            });
        }
        return Ok(report);
    }
    let mut report = BulkReport::default();
    let mut pages = Pages::new(&request.from, None);
    while let Some(keys) = pages.next(caller).await? {
        report.revision = pages.revision.unwrap_or_default();
        let batches = keys.chunks(PAIRS_PER_TXN);
        let batches = batches.map(|batch| pinned_batch(caller, batch, Some(&relocation)));
        report.merge(in_flight(batches.collect()).await?);
    }
    Ok(report)
}
