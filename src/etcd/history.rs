//! A key's history and its value at past revisions: etcd keeps every revision until it is
//! compacted, and replays them to a watch.

use super::error::Op;
use super::{detail, kv, not_found, Etcd, Retry};
use crate::domain::{
    history::KeyHistory,
    watch::{Change, ChangeKind, Watched},
    AppError, Key, KeyDetail,
};
use etcd_client::GetOptions;
use std::collections::VecDeque;
use std::time::Duration;

/// The most revisions etcd sends in one batch of a watch's replayed past (etcd's
/// `watchBatchMaxRevs`).
const REPLAY_BATCH_REVISIONS: usize = 1000;

/// How long a replay may send nothing before a key that does not exist now is taken to have no
/// kept changes: etcd sends a new watch its past within one pass of its sync loop (every 100 ms).
const SETTLE: Duration = Duration::from_millis(500);

/// How many request timeouts a history may take: replaying a long history takes etcd a while.
const HISTORY_TIMEOUTS: u32 = 5;

impl Etcd {
    /// The key at revision `revision`: the version it had then, with its value. A revision etcd
    /// has compacted is [`AppError::Compacted`]; a key that did not exist then,
    /// [`AppError::NotFound`].
    pub async fn get_at(&self, key: &Key, revision: i64) -> Result<KeyDetail, AppError> {
        let bytes = key.as_bytes();
        let (response, endpoint) = self
            .run(Retry::Read, |client| async move {
                let options = GetOptions::new().with_revision(revision);
                kv(client).get(bytes, Some(options)).await
            })
            .await
            .map_err(self.refused(Op::new(format!("read the key {key}")).at(Some(revision))))?;
        let found = response.kvs().first().ok_or_else(|| AppError::NotFound {
            key: format!("{} at revision {revision}", key.display()),
        })?;
        let mut detail = detail(found, response.header(), endpoint);
        detail.revision = revision;
        Ok(detail)
    }

    /// The latest `limit` changes to `key` etcd keeps, newest first: read by a watch on the key
    /// from the oldest revision etcd keeps, replaying them up to now. (etcd 3.4 and 3.5 answer a
    /// watch's progress request before a replaying watch has caught up, so the end of the
    /// replay is told by what etcd sends; see [`replayed`].)
    pub async fn history(&self, key: &Key, limit: usize) -> Result<KeyHistory, AppError> {
        let deadline = self.request_timeout() * HISTORY_TIMEOUTS;
        tokio::time::timeout(deadline, self.read_history(key, limit))
            .await
            .map_err(|_| AppError::EtcdUnavailable {
                endpoints: self.endpoints().to_vec(),
                reason: format!("etcd did not replay the history within {deadline:?}"),
            })?
    }

    async fn read_history(&self, key: &Key, limit: usize) -> Result<KeyHistory, AppError> {
        let what = format!("read the history of the key {key}");
        let (now, current) = self.now(key, &what).await?;
        let range = (key.as_bytes().to_vec(), None);
        // Watching from the first revision tells where etcd's history starts, when it has been
        // compacted.
        let mut watch = self
            .watch_range(range.clone(), Some(1), false, &what)
            .await?;
        let mut kept_from = 1;
        let mut newest = VecDeque::with_capacity(limit + 1);
        let mut more = false;
        let mut done = false;
        let settle = tokio::time::sleep(SETTLE);
        tokio::pin!(settle);
        while !done {
            let sent = tokio::select! {
                sent = watch.next_sent() => sent?,
                // A key deleted now, whose changes (if etcd keeps any) have not come by now.
                () = &mut settle, if current.is_none() && newest.is_empty() => break,
            };
            let Some((watched, sent_at)) = sent else {
                return Err(AppError::Etcd {
                    message: "etcd ended the watch before the history was read".into(),
                });
            };
            match watched {
                Watched::Changes(changes) => {
                    done = replayed(&changes, sent_at, now, current);
                    for change in changes.into_iter().filter(|c| c.revision <= now) {
                        newest.push_front(change);
                        if newest.len() > limit {
                            newest.pop_back();
                            more = true;
                        }
                    }
                }
                Watched::Gap {
                    compact_revision, ..
                } => {
                    kept_from = compact_revision;
                    // Unchanged since etcd's history starts: nothing to replay.
                    if current.is_some_and(|modified| modified < kept_from) {
                        break;
                    }
                    watch = self
                        .watch_range(range.clone(), Some(kept_from), false, &what)
                        .await?;
                }
                Watched::Resync { .. } => {}
            }
        }
        let revision = now;
        // The version the key had when etcd compacted its history, whose write is gone.
        if kept_from > 1 {
            match self.get_at(key, kept_from).await {
                Ok(base) if base.summary.mod_revision < kept_from => {
                    if newest.len() < limit {
                        newest.push_back(Change {
                            kind: ChangeKind::Put,
                            key: key.clone(),
                            revision: base.summary.mod_revision,
                            version: base.summary.version,
                            value_size: base.value.as_bytes().len() as u64,
                            lease: base.summary.lease,
                            value: None,
                            previous: None,
                        });
                    } else {
                        more = true;
                    }
                }
                Ok(_) | Err(AppError::NotFound { .. }) => {}
                Err(err) => return Err(err),
            }
        }
        if newest.is_empty() {
            return Err(not_found(key));
        }
        Ok(KeyHistory {
            key: key.clone(),
            changes: newest.into(),
            revision,
            kept_from,
            more,
        })
    }
}

impl Etcd {
    /// The store's revision now, and the key's mod revision then if it exists.
    async fn now(&self, key: &Key, what: &str) -> Result<(i64, Option<i64>), AppError> {
        let bytes = key.as_bytes();
        let (response, _) = self
            .run(Retry::Read, |client| async move {
                let options = GetOptions::new().with_keys_only();
                kv(client).get(bytes, Some(options)).await
            })
            .await
            .map_err(self.refused(Op::new(what)))?;
        let modified = response.kvs().first().map(|kv| kv.mod_revision());
        Ok((super::revision(response.header()), modified))
    }
}

/// Whether a replaying watch has sent every change up to `now`, after `changes`, which etcd
/// sent at store revision `sent_at`. etcd replays a watch's past in batches, each holding every
/// change up to the revision it was sent at, unless it holds [`REPLAY_BATCH_REVISIONS`]
/// revisions: then more follow. A key that exists is done at its last change, `current`.
fn replayed(changes: &[Change], sent_at: i64, now: i64, current: Option<i64>) -> bool {
    let last = changes.last().map_or(0, |c| c.revision);
    if current.is_some_and(|modified| last >= modified) {
        return true;
    }
    let mut revisions: Vec<i64> = changes.iter().map(|c| c.revision).collect();
    revisions.dedup();
    sent_at >= now && revisions.len() < REPLAY_BATCH_REVISIONS
}
