//! Many keys at once: an export streamed at one revision, an import that is a dry run first and
//! then writes only keys nobody changed since the dry run's revision, a prefix deleted exactly
//! as a preview at a revision showed it, and copies and moves that overwrite only when asked.
//!
//! Every write is a transaction of at most [`MAX_TXN_OPS`] operations whose compares pin each
//! key to the mod revision it was read at: a key written meanwhile makes the transaction fail,
//! is read again and reported, and the rest are written.

use super::access::{Caller, Written};
use super::audit::WriteAttempt;
use crate::domain::{
    limits::MAX_TXN_OPS,
    paging::{prefix_range_end, prefix_range_start},
    scan::{Scan, WindowRead},
    transfer::{
        moved_key, BulkPreview, BulkReport, ExportHeader, ExportLine, ImportEntry, ImportFile,
        ImportReport, Selection, Tally, EXAMPLES,
    },
    AppError, Key, PageRequest,
};
use crate::etcd::{BulkOp, Held};
use futures::{stream, Stream, StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::time::SystemTime;
use tokio::sync::Mutex;

/// Transactions an import, copy or move has in flight at once.
const IN_FLIGHT: usize = 4;
/// Keys a copy or move writes in one transaction: each takes two compares (source unchanged,
/// target absent) and, for a move, two operations.
const PAIRS_PER_TXN: usize = MAX_TXN_OPS / 2;

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
        operation: "import",
        condition: Some(format!(
            "unchanged since revision {}, {total} keys",
            revision.map_or("now".into(), |r| r.to_string())
        )),
        ..WriteAttempt::default()
    };
    caller.write(attempt, run).await
}

/// Imports run one at a time: an import holds its file and its keys in memory (up to
/// 256 MiB and a million keys), so that is what the server needs for them, however many people
/// import at once.
static IMPORTING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
/// The longest an import waits for the one before it.
const IMPORT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The turn to read and run an import, for a caller who may import; refused after a wait when
/// another import still runs. Taken before an upload is read.
pub async fn import_turn(
    caller: &Caller,
) -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    caller.may("import")?;
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
fn distinct(mut entries: Vec<ImportEntry>) -> (Vec<ImportEntry>, Tally) {
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
async fn import_batch(
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
async fn lease_for(
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

impl Written for BulkReport {
    fn revision(&self) -> Option<i64> {
        self.written_revision
    }
}

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
        operation: "delete_prefix",
        prefix: Some(prefix.display()),
        condition: Some(match revision {
            Some(revision) => format!("unchanged since revision {revision}"),
            None => "as it is now".into(),
        }),
        ..WriteAttempt::default()
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

/// Keys a preview of a whole prefix lists.
const PREVIEW_KEYS: u32 = 20;
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

/// Deletes the keys of a selection that existed at `revision` and are unchanged since; one that
/// changed, or was gone already, is left and reported.
pub async fn delete_keys(
    caller: &Caller,
    keys: &[Key],
    revision: i64,
) -> Result<BulkReport, AppError> {
    let condition = format!("{} keys unchanged since revision {revision}", keys.len());
    let attempt = WriteAttempt::on_keys("delete_selection", keys, condition);
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
        operation: if remove_source {
            "move_selection"
        } else {
            "copy_selection"
        },
        prefix: Some(from.display()),
        condition: Some(format!(
            "{} keys to {}{}",
            keys.len(),
            to.display(),
            if overwrite { ", overwriting" } else { "" }
        )),
        ..WriteAttempt::default()
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
fn check_target(from: &[u8], to: &[u8], moving: bool) -> Result<(), AppError> {
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

/// The keys of a selection, each checked, each once; at least one and at most
/// [`MAX_SELECTION`], as for a preview or an export.
fn selection_keys(keys: &[Key]) -> Result<Vec<Vec<u8>>, AppError> {
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

/// Deletes (or, with `to`, copies or moves) the keys of `batch`, each only if it is still at
/// the mod revision it was read at; the ones that are not are read again and reported.
async fn pinned_batch(
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
async fn in_flight<F>(batches: Vec<F>) -> Result<BulkReport, AppError>
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

/// Where a copy or move puts keys.
struct Relocation<'a> {
    from: &'a [u8],
    to: &'a [u8],
    overwrite: bool,
    remove_source: bool,
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
        operation: match (remove_source, request.prefix) {
            (true, true) => "move_prefix",
            (true, false) => "move",
            (false, true) => "copy_prefix",
            (false, false) => "copy",
        },
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
        ..WriteAttempt::default()
    };
    caller
        .write(attempt, relocate(caller, request, remove_source))
        .await
}

async fn relocate(
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

/// The keys under a prefix with their values, window by window (a [`Scan`], so that reading
/// them all costs etcd about one visit per key), all at the revision of the first window.
struct Pages {
    prefix: Key,
    scan: Scan,
    revision: Option<i64>,
}

impl Pages {
    fn new(prefix: &Key, revision: Option<i64>) -> Pages {
        let bytes = prefix.as_bytes();
        Pages {
            prefix: prefix.clone(),
            scan: Scan::new(prefix_range_start(bytes), prefix_range_end(bytes)),
            revision,
        }
    }

    /// The next window's keys (possibly none), or `None` when every key has been read.
    async fn next(&mut self, caller: &Caller) -> Result<Option<Vec<Held>>, AppError> {
        let Some(window) = self.scan.window() else {
            return Ok(None);
        };
        let found = caller
            .etcd
            .held_window(&self.prefix, &window, self.revision)
            .await?;
        self.revision = Some(found.revision);
        let read = WindowRead {
            count: found.count,
            first: found.keys.first().map(|held| held.key.as_slice()),
            last: found.keys.last().map(|held| held.key.as_slice()),
            read: found.keys.len(),
            value_bytes: found.keys.iter().map(|held| held.value.len()).sum(),
        };
        self.scan.advance(&window, read);
        Ok(Some(found.keys))
    }
}
