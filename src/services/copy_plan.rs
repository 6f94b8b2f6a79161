//! Planning a copy or move of many keys: where each would go, and which land on a key that is
//! there already, read before anything is written.

use super::caller::Caller;
use crate::domain::{
    copy_plan::{CopyPlan, PlannedCopy, PLAN_KEYS, PLAN_ROWS},
    limits::{check_key, MAX_TXN_OPS},
    transfer::{moved_key, Selection},
    AppError, Key, PageRequest,
};

/// What copying `selection` to the prefix `to` would do now: for its keys (the first
/// [`PLAN_KEYS`] of a whole prefix), whether a key is there already at the target.
pub async fn plan(caller: &Caller, selection: &Selection, to: &Key) -> Result<CopyPlan, AppError> {
    check_key(to.as_bytes())?;
    if to == &selection.prefix {
        return Err(AppError::invalid("the target is the source"));
    }
    let at = (selection.revision > 0).then_some(selection.revision);
    let (keys, total) = if selection.all {
        let page = PageRequest {
            revision: at,
            ..PageRequest::new(selection.prefix.clone(), None, Some(PLAN_KEYS as u32))
        };
        let listing = caller.etcd.list(&page).await?;
        let keys: Vec<Key> = listing.keys.into_iter().map(|k| k.key).collect();
        (keys, listing.total)
    } else {
        if selection.keys.len() > PLAN_KEYS {
            return Err(AppError::invalid(format!(
                "plan at most {PLAN_KEYS} keys at once"
            )));
        }
        (selection.keys.clone(), selection.keys.len() as i64)
    };
    let (from, to) = (selection.prefix.as_bytes(), to.as_bytes());
    let mut planned = Vec::with_capacity(keys.len());
    for batch in keys.chunks(MAX_TXN_OPS) {
        let targets: Vec<Vec<u8>> = batch
            .iter()
            .map(|key| moved_key(key.as_bytes(), from, to))
            .collect();
        let exist = caller.etcd.exist(&targets).await?;
        for ((key, target), exists) in batch.iter().zip(targets).zip(exist) {
            planned.push(PlannedCopy {
                from: key.clone(),
                to: Key::new(target),
                exists,
            });
        }
    }
    let existing = planned.iter().filter(|p| p.exists).count() as u64;
    let checked = planned.len() as u64;
    // Those that would land on a key first: they are what to look at.
    planned.sort_by_key(|p| !p.exists);
    planned.truncate(PLAN_ROWS);
    Ok(CopyPlan {
        total,
        checked,
        existing,
        rows: planned,
    })
}
