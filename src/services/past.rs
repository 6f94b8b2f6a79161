//! Going back in time: what became of keys read at a past revision, restoring a key's earlier
//! version, and bringing deleted keys back.

use super::audit::WriteAttempt;
use super::caller::Caller;
use crate::domain::access::Operation;
use crate::domain::{
    diff::diff_values,
    history::{KeyNow, PastListing, PastVersion},
    lease::Expiry,
    limits::{check_put, MAX_TXN_OPS},
    AppError, Key, KeySummary, PageRequest, PutCondition, WriteReceipt,
};

/// One page of the keys under a prefix as they were at the page's revision (now, when it has
/// none), each with what became of it since, and the revisions etcd keeps.
pub async fn listing(caller: &Caller, page: &PageRequest) -> Result<PastListing, AppError> {
    let listing = super::keys::list(caller, page).await?;
    let now = since(caller, &listing.keys).await?;
    let (kept_from, current) = caller.etcd.revisions_kept(&page.prefix).await?;
    Ok(PastListing {
        listing,
        now,
        kept_from,
        current,
    })
}

/// What became of each of `keys` (read at a past revision) since.
pub async fn since(caller: &Caller, keys: &[KeySummary]) -> Result<Vec<KeyNow>, AppError> {
    let names: Vec<Key> = keys.iter().map(|summary| summary.key.clone()).collect();
    let now = caller.etcd.mod_revisions_now(&names).await?;
    Ok(keys
        .iter()
        .zip(now)
        .map(|(then, now)| KeyNow::of(then.mod_revision, now))
        .collect())
}

/// `key` as it was at `revision`, beside what it is now, with what changed between.
pub async fn version(caller: &Caller, key: &Key, revision: i64) -> Result<PastVersion, AppError> {
    let then = super::keys::get_at(caller, key, revision).await?;
    let now = match super::keys::get(caller, key).await {
        Ok(now) => Some(now),
        Err(AppError::NotFound { .. }) => None,
        Err(err) => return Err(err),
    };
    let current = now.as_ref().map_or(&[][..], |now| now.value.as_bytes());
    let diff = diff_values(then.value.as_bytes(), current);
    let then_shown = crate::domain::format::show(then.value.as_bytes());
    Ok(PastVersion {
        then,
        then_shown,
        now,
        diff,
    })
}

/// Writes the value `key` had at `revision` back, if the key is still as the caller saw it:
/// at mod revision `seen`, or absent when `seen` is `None`. A version etcd has compacted is
/// [`AppError::Compacted`]; a key changed meanwhile, [`AppError::PreconditionFailed`] (one that
/// was absent and is back, [`AppError::AlreadyExists`]).
pub async fn restore(
    caller: &Caller,
    key: &Key,
    revision: i64,
    seen: Option<i64>,
) -> Result<WriteReceipt, AppError> {
    let condition = seen.map_or(PutCondition::Absent, PutCondition::ModRevision);
    let attempt = WriteAttempt {
        key: Some(key.display()),
        condition: Some(format!(
            "{}, from revision {revision}",
            condition.describe()
        )),
        ..WriteAttempt::of(Operation::Restore)
    };
    caller
        .write(attempt, async {
            let then = super::keys::get_at(caller, key, revision).await?;
            check_put(key.as_bytes(), then.value.as_bytes())?;
            // A key that exists keeps its lease; one that comes back has none (its old lease
            // may be long gone).
            let expiry = match condition {
                PutCondition::Absent => Expiry::Never,
                _ => Expiry::Keep,
            };
            caller.etcd.put(key, then.value.0, condition, expiry).await
        })
        .await
}

/// Brings back `keys` as they were at `revision`, in one transaction that only creates: when
/// any of them exists again, nothing is written and the answer names those. Keys come back
/// without the leases they had.
pub async fn undelete(
    caller: &Caller,
    revision: i64,
    keys: &[Key],
) -> Result<WriteReceipt, AppError> {
    let condition = format!("absent, {} keys from revision {revision}", keys.len());
    let attempt = WriteAttempt::on_keys(Operation::Undelete, keys, condition);
    caller
        .write(attempt, async {
            if keys.is_empty() || keys.len() > MAX_TXN_OPS {
                return Err(AppError::invalid(format!(
                    "undelete takes 1 to {MAX_TXN_OPS} keys at once"
                )));
            }
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                let then = super::keys::get_at(caller, key, revision).await?;
                check_put(key.as_bytes(), then.value.as_bytes())?;
                values.push((key.clone(), then.value.0));
            }
            caller.etcd.create_all(&values).await
        })
        .await
}
