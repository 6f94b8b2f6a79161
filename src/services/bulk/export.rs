//! Exports: every key under a prefix (or the keys chosen) at one revision, streamed as lines.

use super::pages::Pages;
use super::preview::selection_keys;
use super::MAX_SELECTION;
use crate::domain::{
    limits::MAX_TXN_OPS,
    transfer::{ExportHeader, ExportLine},
    AppError, Key,
};
use crate::etcd::Held;
use crate::services::caller::Caller;
use futures::{stream, Stream, StreamExt};
use std::collections::HashMap;
use std::time::SystemTime;

/// An export under way: its header, then its keys page by page.
pub struct Export {
    caller: Caller,
    pub header: ExportHeader,
    first: Option<Vec<Held>>,
    /// For an export of a prefix: the windows not read yet.
    pages: Option<Pages>,
    /// For an export of chosen keys: those not read yet.
    chosen: Vec<Vec<u8>>,
    leases: HashMap<i64, Option<i64>>,
}

/// Starts an export of the keys under `prefix` at `revision` (now, with `None`): the first page
/// is read here, so a prefix that may not be read, or a compacted revision, is an error before
/// anything is sent.
pub async fn export(
    caller: &Caller,
    prefix: &Key,
    revision: Option<i64>,
) -> Result<Export, AppError> {
    let mut pages = Pages::new(prefix, revision);
    let first = pages.next(caller).await?.unwrap_or_default();
    let time = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    Ok(Export {
        caller: caller.clone(),
        header: ExportHeader::new(prefix, pages.revision.unwrap_or_default(), time),
        first: Some(first),
        pages: Some(pages),
        chosen: Vec::new(),
        leases: HashMap::new(),
    })
}

/// Starts an export of chosen keys (at most [`MAX_SELECTION`]) under `prefix` at `revision`
/// (now, with `None`); a key that did not exist then is left out.
pub async fn export_keys(
    caller: &Caller,
    prefix: &Key,
    keys: &[Key],
    revision: Option<i64>,
) -> Result<Export, AppError> {
    if keys.len() > MAX_SELECTION {
        return Err(AppError::invalid(format!(
            "export at most {MAX_SELECTION} chosen keys at once, or every key under the prefix"
        )));
    }
    let mut chosen = selection_keys(keys)?;
    let rest = chosen.split_off(chosen.len().min(MAX_TXN_OPS));
    let (first, revision) = caller.etcd.held(&chosen, revision).await?;
    let time = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    Ok(Export {
        caller: caller.clone(),
        header: ExportHeader::new(prefix, revision, time),
        first: Some(first.into_iter().flatten().collect()),
        pages: None,
        chosen: rest,
        leases: HashMap::new(),
    })
}

impl Export {
    /// The export as text: the header line, then a chunk of lines per page. An error from etcd
    /// part-way ends the stream with it (the response is then cut short, not completed).
    pub fn into_stream(self) -> impl Stream<Item = Result<String, AppError>> + Send {
        let header = serde_json::to_string(&self.header).unwrap_or_default() + "\n";
        let pages = stream::try_unfold(self, |mut export| async move {
            let keys = match export.first.take() {
                Some(keys) => keys,
                None if !export.chosen.is_empty() => {
                    let rest = export
                        .chosen
                        .split_off(export.chosen.len().min(MAX_TXN_OPS));
                    let batch = std::mem::replace(&mut export.chosen, rest);
                    let at = Some(export.header.revision);
                    let (held, _) = export.caller.etcd.held(&batch, at).await?;
                    held.into_iter().flatten().collect()
                }
                None => {
                    let Some(pages) = export.pages.as_mut() else {
                        return Ok(None);
                    };
                    match pages.next(&export.caller).await? {
                        Some(keys) => keys,
                        None => return Ok(None),
                    }
                }
            };
            let text = export.lines(&keys).await;
            Ok(Some((text, export)))
        });
        stream::once(async move { Ok(header) }).chain(pages)
    }

    async fn lines(&mut self, keys: &[Held]) -> String {
        let unknown: Vec<i64> = keys
            .iter()
            .map(|held| held.lease)
            .filter(|lease| *lease != 0 && !self.leases.contains_key(lease))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !unknown.is_empty() {
            self.leases
                .extend(self.caller.etcd.leases_left(&unknown).await);
        }
        keys.iter()
            .map(|held| {
                let ttl = self.leases.get(&held.lease).copied().flatten();
                ExportLine::new(&held.key, &held.value, ttl.filter(|ttl| *ttl > 0)).to_line()
            })
            .collect()
    }
}
