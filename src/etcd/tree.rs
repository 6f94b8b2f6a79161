//! Reading one level of the key tree with narrow ranges only.
//!
//! etcd visits every key of a Range to count it, even with a limit, so asking "the first key
//! after this folder" over the rest of the level would cost the rest of the level for each
//! folder. Instead, after the page's first key is found (on a level's first page, with a Range
//! over the whole level that counts it too), each next entry is looked for in windows that hold
//! little more than it:
//!
//! - when folder names count up (`0500`, `0501`…), a batch of windows, one per guessed name
//!   ending where that folder ends, read at once: a window whose first key is in its guessed
//!   folder holds exactly that folder, so its count is the folder's, for free;
//! - otherwise, windows from the cursor that widen step by step ([`Ladder`]) until one holds a
//!   key, and the folder found is counted with a Range of its own.

use super::error::Refusal;
use super::{kv, revision, summary, Etcd, Retry};
use crate::domain::{
    paging::{after_key, before_end, prefix_range_end},
    tree::{folder_prefix, group_level, guesses, place, Ladder, LevelRequest, Place},
    tree::{TreeEntry, TreeLevel},
    AppError, KeySummary,
};
use etcd_client::{Client, GetOptions};
use futures::future::try_join_all;

/// A level of at most this many keys is read whole, in one Range, and grouped in memory.
const SMALL_LEVEL: i64 = 1000;

/// Guessed folders looked for at once: at first, and at most as a sequence goes on.
const GUESSES: usize = 32;
const MAX_GUESSES: usize = 256;

/// The first key of a window (without its value), how many keys the window holds, and the
/// revision it was read at.
struct Window {
    first: Option<KeySummary>,
    count: i64,
    revision: i64,
}

/// What was found next in a level: a guessed folder with its count, or a key (which may lie in
/// a folder not counted yet).
enum Found {
    Folder { name: Vec<u8>, count: i64 },
    Key(KeySummary),
}

impl Etcd {
    /// One page of the level `request` names: its folders, each with its key count, and its
    /// keys, in key order.
    pub async fn level(&self, request: &LevelRequest) -> Result<TreeLevel, AppError> {
        self.read_level(request)
            .await
            .map_err(self.listing_refused(&request.prefix, request.revision))
    }

    async fn read_level(&self, request: &LevelRequest) -> Result<TreeLevel, Refusal> {
        let prefix = request.prefix.as_bytes();
        let delimiter = request.delimiter.as_bytes();
        let end = request.end();
        let limit = request.limit as usize;
        let mut cursor = request.start();

        // The page's first key. A level's first page finds it with a Range over the whole
        // level, which counts the level too and reads the keys of a small level whole (one
        // request, like a flat page, instead of one or more per folder); later pages with
        // windows that widen from the cursor, so that a page deep in a big level does not pay
        // for all that follows it.
        let (first, total, revision) = if request.after.is_none() {
            let (keys, count, revision) = self.keys(&cursor, &end, request.revision).await?;
            if count <= keys.len() as i64 {
                let (entries, more) = group_level(prefix, delimiter, keys, limit);
                let next = more
                    .then(|| entries.last().map(|e| e.key.clone()))
                    .flatten();
                return Ok(TreeLevel {
                    request: request.clone(),
                    entries,
                    next,
                    revision,
                    total: Some(count),
                    compacted: None,
                });
            }
            (keys.into_iter().next(), Some(count), revision)
        } else {
            let (first, revision) = self.ladder(prefix, &cursor, &end, request.revision).await?;
            (first, None, revision)
        };
        let mut entries: Vec<TreeEntry> = Vec::new();
        let mut found = first.map(Found::Key);
        let mut last_folder: Option<Vec<u8>> = None;
        let mut guesses = GUESSES;
        // Whether the page's entries are the last of the level; `None` until known.
        let mut at_end = found.is_none().then_some(true);
        while let Some(next) = found.take() {
            if entries.len() == limit {
                at_end = Some(false);
                break;
            }
            // A folder, with its count, unless the key found is one of the level's own.
            let folder = match next {
                Found::Folder { name, count } => Some((name, count)),
                Found::Key(summary) => match place(prefix, delimiter, summary.key.as_bytes()) {
                    Some(Place::Folder {
                        name,
                        prefix: folder,
                    }) => {
                        let end = prefix_range_end(&folder);
                        Some((name, self.count(&folder, &end, revision, false).await?))
                    }
                    Some(Place::Key { name }) => {
                        cursor = after_key(summary.key.as_bytes());
                        entries.push(TreeEntry::key(name, summary));
                        None
                    }
                    None => break,
                },
            };
            if let Some((name, count)) = folder {
                let folder = folder_prefix(prefix, &name, delimiter);
                cursor = prefix_range_end(&folder);
                entries.push(TreeEntry::folder(name.clone(), folder, count));
                last_folder = Some(name);
            }
            // Once the entries hold every key the level's first Range counted, nothing is left.
            if total.is_some_and(|total| covered(&entries) >= total) || !before_end(&cursor, &end) {
                at_end = Some(true);
                break;
            }
            // Guessed folders next, many at once (up to one past the page, to know whether
            // there is more); what they find comes in key order, the last of it (a guessed
            // folder, or the entry that broke the sequence) taken next.
            let mut batch = match &last_folder {
                Some(name) => {
                    let wanted = guesses.min(limit - entries.len() + 1);
                    let (batch, all_there) = self
                        .guessed(prefix, delimiter, name, &cursor, &end, revision, wanted)
                        .await?;
                    // A sequence that holds is likely to go on: guess further next time.
                    if all_there {
                        guesses = (guesses * 2).min(MAX_GUESSES);
                    }
                    batch
                }
                None => Vec::new(),
            };
            let last = batch.pop();
            for guessed in batch {
                if entries.len() == limit {
                    at_end = Some(false);
                    break;
                }
                // Only the last of a batch can be anything but a guessed folder.
                let Found::Folder { name, count } = guessed else {
                    continue;
                };
                let folder = folder_prefix(prefix, &name, delimiter);
                cursor = prefix_range_end(&folder);
                entries.push(TreeEntry::folder(name.clone(), folder, count));
                last_folder = Some(name);
            }
            if at_end.is_some() {
                break;
            }
            found = match last {
                Some(last) => Some(last),
                None => {
                    let (next, _) = self.ladder(prefix, &cursor, &end, Some(revision)).await?;
                    if next.is_none() {
                        at_end = Some(true);
                    }
                    next.map(Found::Key)
                }
            };
        }
        // A full page whose end is not known yet: look past it.
        let at_end = match at_end {
            Some(at_end) => at_end,
            None if total.is_some_and(|total| covered(&entries) >= total) => true,
            None => {
                let (next, _) = self.ladder(prefix, &cursor, &end, Some(revision)).await?;
                next.is_none()
            }
        };
        let next = (!at_end)
            .then(|| entries.last().map(|entry| entry.key.clone()))
            .flatten();
        Ok(TreeLevel {
            request: request.clone(),
            entries,
            next,
            revision,
            total,
            compacted: None,
        })
    }

    /// The first [`SMALL_LEVEL`] keys of `[start, end)` (without values), the count of the
    /// range, and the revision read at: `at`, or now.
    async fn keys(
        &self,
        start: &[u8],
        end: &[u8],
        at: Option<i64>,
    ) -> Result<(Vec<KeySummary>, i64, i64), Refusal> {
        let read = |client: &Client| {
            let mut options = GetOptions::new()
                .with_range(end.to_vec())
                .with_keys_only()
                .with_limit(SMALL_LEVEL);
            if let Some(revision) = at {
                options = options.with_revision(revision);
            }
            let mut kv = kv(client);
            async move { kv.get(start.to_vec(), Some(options)).await }
        };
        let (response, _) = self.run(Retry::Read, read).await?;
        let keys = response.kvs().iter().map(|kv| summary(kv, false)).collect();
        let revision = at.unwrap_or(revision(response.header()));
        Ok((keys, response.count(), revision))
    }

    /// The first key of `[start, end)` and the count of the range, at revision `at` (or now).
    async fn window(&self, start: &[u8], end: &[u8], at: Option<i64>) -> Result<Window, Refusal> {
        let read = |client: &Client| {
            let mut options = GetOptions::new()
                .with_range(end.to_vec())
                .with_keys_only()
                .with_limit(1);
            if let Some(revision) = at {
                options = options.with_revision(revision);
            }
            let mut kv = kv(client);
            async move { kv.get(start.to_vec(), Some(options)).await }
        };
        let (response, _) = self.run(Retry::Read, read).await?;
        Ok(Window {
            first: response.kvs().first().map(|kv| summary(kv, false)),
            count: response.count(),
            revision: at.unwrap_or(revision(response.header())),
        })
    }

    /// Looks for the `wanted` folders named after `name` that follow `cursor`, at once. Answers
    /// what was found in key order: each guessed folder that exists with its exact count (as its
    /// name, with `Some(count)`), ending with the first key that was not a guessed folder (with
    /// `None`), if any; and whether every guess was there. Empty when no guess exists or none
    /// was there.
    #[allow(clippy::too_many_arguments)]
    async fn guessed(
        &self,
        prefix: &[u8],
        delimiter: &[u8],
        name: &[u8],
        cursor: &[u8],
        end: &[u8],
        revision: i64,
        wanted: usize,
    ) -> Result<(Vec<Found>, bool), Refusal> {
        let names = guesses(name, wanted);
        let mut bounds = vec![cursor.to_vec()];
        for guess in &names {
            let bound = prefix_range_end(&folder_prefix(prefix, guess, delimiter));
            // A name that gains a digit can sort before the last (`node9`, then `node10`).
            if !before_end(&bound, end) || bound <= bounds[bounds.len() - 1] {
                break;
            }
            bounds.push(bound);
        }
        let windows = bounds
            .windows(2)
            .map(|pair| self.window(&pair[0], &pair[1], Some(revision)));
        let windows = try_join_all(windows).await?;
        let mut found = Vec::new();
        for (window, guess) in windows.into_iter().zip(&names) {
            let Some(first) = window.first else {
                continue;
            };
            let folder = folder_prefix(prefix, guess, delimiter);
            if first.key.as_bytes().starts_with(&folder) {
                found.push(Found::Folder {
                    name: guess.clone(),
                    count: window.count,
                });
            } else {
                found.push(Found::Key(first));
                break;
            }
        }
        let all_there = found.len() == wanted
            && found
                .iter()
                .all(|found| matches!(found, Found::Folder { .. }));
        Ok((found, all_there))
    }

    /// The first key from `cursor` on in the level, found in windows that widen step by step,
    /// at revision `at` (or now); and the revision read at.
    async fn ladder(
        &self,
        prefix: &[u8],
        cursor: &[u8],
        end: &[u8],
        mut at: Option<i64>,
    ) -> Result<(Option<KeySummary>, i64), Refusal> {
        let mut read_at = 0;
        for window_end in Ladder::new(prefix, cursor, end) {
            let window = self.window(cursor, &window_end, at).await?;
            (read_at, at) = (window.revision, Some(window.revision));
            if window.first.is_some() {
                return Ok((window.first, read_at));
            }
        }
        Ok((None, read_at))
    }
}

/// The keys in `entries`: a folder's count, one for a key.
fn covered(entries: &[TreeEntry]) -> i64 {
    entries.iter().map(|entry| entry.count.unwrap_or(1)).sum()
}
