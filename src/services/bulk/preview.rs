//! What a selection holds before anything is done to it, and the checks every selection passes.

use crate::domain::{
    limits::MAX_TXN_OPS,
    transfer::{BulkPreview, Selection},
    AppError, Key, PageRequest,
};
use crate::services::caller::Caller;

/// Keys a preview of a whole prefix lists.
pub(super) const PREVIEW_KEYS: u32 = 20;
/// The most keys a selection may name.
pub const MAX_SELECTION: usize = 1000;

/// What a selection holds at its revision (now, when it has none): for a whole prefix, its
/// count and first keys; for keys, each of them, and those that did not exist.
pub async fn preview(caller: &Caller, selection: &Selection) -> Result<BulkPreview, AppError> {
    let at = (selection.revision > 0).then_some(selection.revision);
    if selection.all {
        let page = PageRequest {
            revision: at,
            ..PageRequest::new(selection.prefix.clone(), None, Some(PREVIEW_KEYS))
        };
        let listing = caller.etcd.list(&page).await?;
        return Ok(BulkPreview {
            revision: listing.revision,
            total: listing.total,
            keys: listing.keys,
            missing: Vec::new(),
        });
    }
    if selection.keys.len() > MAX_SELECTION {
        return Err(AppError::invalid(format!(
            "select at most {MAX_SELECTION} keys at once, or every key under the prefix"
        )));
    }
    let keys = selection_keys(&selection.keys)?;
    let mut preview = BulkPreview::default();
    for batch in keys.chunks(MAX_TXN_OPS) {
        let (then, revision) = caller.etcd.held(batch, at).await?;
        preview.revision = revision;
        for (key, held) in batch.iter().zip(then) {
            match held {
                Some(held) => preview.keys.push(held.summary()),
                None => preview.missing.push(Key::new(key.clone())),
            }
        }
    }
    preview.total = preview.keys.len() as i64;
    Ok(preview)
}

/// The keys of a selection, each checked, each once; at least one and at most
/// [`MAX_SELECTION`], as for a preview or an export.
pub(super) fn selection_keys(keys: &[Key]) -> Result<Vec<Vec<u8>>, AppError> {
    let mut keys: Vec<Vec<u8>> = keys.iter().map(|key| key.as_bytes().to_vec()).collect();
    keys.sort();
    keys.dedup();
    if keys.is_empty() {
        return Err(AppError::invalid("select at least one key"));
    }
    if keys.len() > MAX_SELECTION {
        return Err(AppError::invalid(format!(
            "select at most {MAX_SELECTION} keys at once, or every key under the prefix"
        )));
    }
    for key in &keys {
        crate::domain::limits::check_key(key)?;
    }
    Ok(keys)
}
