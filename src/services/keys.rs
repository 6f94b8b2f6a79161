//! Reading and writing keys: listings, single keys, conditional writes, deletes and appends.
//! Every key and value is checked here, once, before etcd is asked; every write goes through
//! [`Caller::write`], which applies etcd-deck's own limits and writes the audit log.

use super::audit::WriteAttempt;
use super::caller::Caller;
use crate::domain::access::Operation;
use crate::domain::{
    append::append_to_array,
    history::KeyHistory,
    lease::Expiry,
    limits::{check_key, check_put},
    tree::{LevelRequest, TreeLevel},
    AppError, Key, KeyDetail, KeyListing, PageRequest, PutCondition, WriteReceipt,
};
use crate::etcd::Etcd;
use std::time::Instant;

/// One page of the keys under a prefix, with the count of the whole prefix; a page pinned to a
/// revision etcd has compacted is [`AppError::Compacted`].
pub async fn list(caller: &Caller, page: &PageRequest) -> Result<KeyListing, AppError> {
    caller.etcd.list(page).await
}

/// One page of a listing, for the pages people read: with the size of each value (read, and
/// dropped), in the page's sort order. When etcd has compacted the revision the listing was
/// pinned to, the listing starts again at its first page, at the current revision, and says so.
/// A page read without a quorum has no sizes: they would take a quorum too.
pub async fn list_or_restart(caller: &Caller, page: &PageRequest) -> Result<KeyListing, AppError> {
    let mut listing = restarting(
        |first| {
            let page = if first { page.first() } else { page.clone() };
            async move { list(caller, &page).await }
        },
        |listing: &mut KeyListing, revision| listing.compacted = Some(revision),
    )
    .await?;
    if !page.values && !listing.source.stale {
        let keys: Vec<Key> = listing.keys.iter().map(|k| k.key.clone()).collect();
        let sizes = caller.etcd.run_sizes(&keys, listing.revision).await?;
        for (summary, size) in listing.keys.iter_mut().zip(sizes) {
            summary.value_size = size;
        }
    }
    page.sort.sort_keys(&mut listing.keys);
    super::leases::fill_time_left(caller, &mut listing.keys).await;
    Ok(listing)
}

/// One page of a level of the key tree: the folders (each with its key count) and keys under a
/// prefix, split on a delimiter.
pub async fn level(caller: &Caller, request: &LevelRequest) -> Result<TreeLevel, AppError> {
    if request.delimiter.is_empty() {
        return Err(AppError::invalid("the delimiter must not be empty"));
    }
    caller.etcd.level(request).await
}

/// One page of a level, for the pages people read, with the size of each key's value (read, and
/// dropped), in the request's sort order; when etcd has compacted its revision, the level starts
/// again at its first page and says so.
pub async fn level_or_restart(
    caller: &Caller,
    request: &LevelRequest,
) -> Result<TreeLevel, AppError> {
    let mut level = restarting(
        |first| {
            let request = if first {
                request.first()
            } else {
                request.clone()
            };
            async move {
                let read = level(caller, &request).await?;
                // Keys that all start with the delimiter (Kubernetes' `/registry/…`) make the
                // root one folder with an empty name holding everything: show its inside.
                match read
                    .only_unnamed_folder()
                    .filter(|_| request.prefix.is_empty())
                {
                    Some(inside) => {
                        let request = LevelRequest {
                            prefix: inside,
                            ..request
                        };
                        level(caller, &request).await
                    }
                    None => Ok(read),
                }
            }
        },
        |level: &mut TreeLevel, revision| level.compacted = Some(revision),
    )
    .await?;
    let keys: Vec<Key> = level
        .entries
        .iter()
        .filter(|entry| entry.summary.is_some())
        .map(|entry| entry.key.clone())
        .collect();
    let sizes = caller.etcd.value_sizes(&keys, level.revision).await?;
    let summaries = level.entries.iter_mut().filter_map(|e| e.summary.as_mut());
    for (summary, size) in summaries.zip(sizes) {
        summary.value_size = size;
    }
    level.sort();
    let summaries = level.entries.iter_mut().filter_map(|e| e.summary.as_mut());
    super::leases::fill_time_left(caller, summaries).await;
    Ok(level)
}

/// Reads a page (`read(false)`); when etcd has compacted the revision it was pinned to, reads
/// the first page anew (`read(true)`) and `mark`s it with the revision that was lost.
async fn restarting<T, F, Fut>(read: F, mark: fn(&mut T, i64)) -> Result<T, AppError>
where
    F: Fn(bool) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    match read(false).await {
        Err(AppError::Compacted { revision }) => {
            let mut page = read(true).await?;
            mark(&mut page, revision);
            Ok(page)
        }
        other => other,
    }
}

/// One key with its value; a key that does not exist is [`AppError::NotFound`].
pub async fn get(caller: &Caller, key: &Key) -> Result<KeyDetail, AppError> {
    check_key(key.as_bytes())?;
    caller.etcd.get(key).await
}

/// One key with its value, and the seconds its lease has left, for the key's page.
pub async fn get_with_lease(caller: &Caller, key: &Key) -> Result<KeyDetail, AppError> {
    let mut detail = get(caller, key).await?;
    super::leases::fill_time_left(caller, [&mut detail.summary]).await;
    Ok(detail)
}

/// One key as it was at `revision`, with the value it had then; a revision etcd has compacted
/// is [`AppError::Compacted`], and a key that did not exist then [`AppError::NotFound`].
pub async fn get_at(caller: &Caller, key: &Key, revision: i64) -> Result<KeyDetail, AppError> {
    check_key(key.as_bytes())?;
    if revision < 1 {
        return Err(AppError::invalid("the revision must be 1 or more"));
    }
    caller.etcd.get_at(key, revision).await
}

/// The latest changes to a key that etcd keeps (up to `limit`, or the default), newest first;
/// a key with none is [`AppError::NotFound`].
pub async fn history(
    caller: &Caller,
    key: &Key,
    limit: Option<u32>,
) -> Result<KeyHistory, AppError> {
    check_key(key.as_bytes())?;
    caller.etcd.history(key, KeyHistory::limit(limit)).await
}

/// Writes a value if `condition` holds when it is written, with the lease `expiry` asks for
/// (etcd's own put takes a key off its lease: [`Expiry::Never`]).
pub async fn put(
    caller: &Caller,
    key: &Key,
    value: Vec<u8>,
    condition: PutCondition,
    expiry: Expiry,
) -> Result<WriteReceipt, AppError> {
    let operation = match condition {
        PutCondition::Absent => Operation::Create,
        _ => Operation::Put,
    };
    let attempt = WriteAttempt {
        lease: expiry.describe(),
        ..on_key(operation, key, Some(condition))
    };
    caller
        .write(attempt, async {
            check_put(key.as_bytes(), &value)?;
            expiry.check()?;
            caller.etcd.put(key, value, condition, expiry).await
        })
        .await
}

/// Puts a key on the lease `expiry` names (an existing one, or a new one), or takes it off its
/// lease ([`Expiry::Never`]), keeping its value, if the key is still at mod revision `seen`:
/// etcd changes a key's lease only by writing the key, so this writes its value back.
pub async fn set_lease(
    caller: &Caller,
    key: &Key,
    expiry: Expiry,
    seen: i64,
) -> Result<WriteReceipt, AppError> {
    let condition = PutCondition::ModRevision(seen);
    let operation = match expiry {
        Expiry::Never => Operation::LeaseDetach,
        _ => Operation::LeaseAttach,
    };
    let attempt = WriteAttempt {
        lease: expiry.describe(),
        ..on_key(operation, key, Some(condition))
    };
    caller
        .write(attempt, async {
            check_key(key.as_bytes())?;
            if expiry == Expiry::Keep {
                return Err(AppError::invalid(
                    "name a lease, a new lease's ttl, or none",
                ));
            }
            expiry.check()?;
            // Written back only if still at `seen`: a value read later than that is refused.
            let now = caller.etcd.get(key).await?;
            caller.etcd.put(key, now.value.0, condition, expiry).await
        })
        .await
}

/// Deletes one key and answers what it held.
pub async fn delete(caller: &Caller, key: &Key) -> Result<KeyDetail, AppError> {
    let attempt = on_key(Operation::Delete, key, None);
    caller
        .write(attempt, async {
            check_key(key.as_bytes())?;
            caller.etcd.delete(key).await
        })
        .await
}

/// Appends `item` to the JSON array stored at `key` (creating it), as a compare-and-swap on the
/// revision read, retried while other writers win the race, within one request timeout.
/// Answers the array's new length.
pub async fn append(
    caller: &Caller,
    key: &Key,
    item: serde_json::Value,
) -> Result<(WriteReceipt, usize), AppError> {
    let attempt = on_key(Operation::Append, key, None);
    caller
        .write(attempt, append_as(&caller.etcd, key, item))
        .await
}

async fn append_as(
    etcd: &Etcd,
    key: &Key,
    item: serde_json::Value,
) -> Result<(WriteReceipt, usize), AppError> {
    check_key(key.as_bytes())?;
    let deadline = Instant::now() + etcd.request_timeout();
    loop {
        let current = match etcd.get(key).await {
            Ok(detail) => Some(detail),
            Err(AppError::NotFound { .. }) => None,
            Err(err) => return Err(err),
        };
        let bytes = current.as_ref().map(|detail| detail.value.as_bytes());
        let (value, length) = append_to_array(bytes, item.clone())?;
        check_put(key.as_bytes(), &value)?;
        let condition = match &current {
            Some(detail) => PutCondition::ModRevision(detail.summary.mod_revision),
            None => PutCondition::Absent,
        };
        // An array that lives on a lease stays on it.
        let expiry = match condition {
            PutCondition::Absent => Expiry::Never,
            _ => Expiry::Keep,
        };
        match etcd.put(key, value, condition, expiry).await {
            Ok(receipt) => return Ok((receipt, length)),
            // Someone wrote it (or created it) between the read and the write: read it again.
            Err(AppError::PreconditionFailed { .. } | AppError::AlreadyExists { .. })
                if Instant::now() < deadline =>
            {
                continue
            }
            Err(AppError::PreconditionFailed { .. } | AppError::AlreadyExists { .. }) => {
                return Err(AppError::Conflict {
                    message: format!("other writers kept changing {key}; nothing was appended"),
                })
            }
            Err(err) => return Err(err),
        }
    }
}

fn on_key(operation: Operation, key: &Key, condition: Option<PutCondition>) -> WriteAttempt {
    WriteAttempt {
        key: Some(key.display()),
        condition: condition.map(PutCondition::describe),
        ..WriteAttempt::of(operation)
    }
}
