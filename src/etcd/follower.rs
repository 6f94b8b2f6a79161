//! One follower of a shared watch (see [`super::hub`]): its place in the hub's log, read at its
//! own pace, and the watch of its own that first catches up when it asked for changes older than
//! the log holds.

use super::hub::Hub;
use super::{Etcd, Watch};
use crate::domain::{watch::Watched, AppError, Key};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch as signal;

/// One follower's place in a hub, with the watch of its own that catches up with the hub when
/// it asked for changes older than the hub's log.
pub struct Follower {
    pub(super) hub: Arc<Hub>,
    pub(super) etcd: Etcd,
    pub(super) logged: signal::Receiver<u64>,
    /// The sequence number of the next entry to read.
    pub(super) cursor: u64,
    /// Changes before this revision have been given (or were not asked for).
    pub(super) from_revision: i64,
    /// The hub's log has every change from this revision on; a follower that asked for older
    /// changes reads them with a watch of its own first.
    pub(super) until: i64,
    pub(super) catch_up: Option<Watch>,
    pub(super) done: bool,
}

impl Follower {
    /// Opens the follower's own watch, when it asked for changes older than its hub's log.
    pub(super) async fn catch_up(mut self, prefix: &Key) -> Result<Follower, AppError> {
        if self.from_revision < self.until {
            let (from, values) = (Some(self.from_revision), self.hub.key.values);
            self.catch_up = Some(self.etcd.watch(prefix, from, values).await?);
        }
        Ok(self)
    }

    /// The next changes, waiting for them; `None` once the follower was told to resync.
    pub async fn next(&mut self) -> Result<Option<Watched>, AppError> {
        if self.done {
            return Ok(None);
        }
        loop {
            if let Some(watched) = self.next_caught_up().await? {
                return Ok(Some(watched));
            }
            if self.catch_up.is_some() {
                continue;
            }
            self.logged.borrow_and_update();
            if let Some(watched) = self.next_logged()? {
                return Ok(Some(watched));
            }
            if self.done {
                return Ok(None);
            }
            // The hub holds its sender as long as this follower holds the hub.
            let _ = self.logged.changed().await;
        }
    }

    /// What the follower's own watch saw next, up to where the hub's log starts.
    async fn next_caught_up(&mut self) -> Result<Option<Watched>, AppError> {
        let Some(watch) = &mut self.catch_up else {
            return Ok(None);
        };
        let watched = watch.next().await?.ok_or_else(|| AppError::Etcd {
            message: "etcd ended the watch".into(),
        })?;
        let until = self.until;
        let seen = match watched {
            Watched::Changes(mut changes) => {
                let reached = changes.iter().position(|c| c.revision >= until);
                if let Some(at) = reached {
                    changes.truncate(at);
                    self.catch_up = None;
                }
                (!changes.is_empty()).then_some(Watched::Changes(changes))
            }
            Watched::Gap {
                from_revision,
                compact_revision,
            } => {
                // The follower's watch has ended; what it lost is told, and it goes on from
                // where etcd's history starts, by the hub's log when that has it.
                self.catch_up = None;
                if compact_revision < until {
                    let prefix = &self.hub.key.prefix;
                    let values = self.hub.key.values;
                    let watch = self
                        .etcd
                        .watch(prefix, Some(compact_revision), values)
                        .await?;
                    self.catch_up = Some(watch);
                }
                Some(Watched::Gap {
                    from_revision,
                    compact_revision,
                })
            }
            Watched::Resync { .. } => None,
        };
        if let Some(next) = seen.as_ref().and_then(Watched::next_revision) {
            self.from_revision = next;
        }
        if self.catch_up.is_none() {
            self.from_revision = self.from_revision.max(until);
        }
        Ok(seen)
    }

    /// The next entry of the hub's log this follower has not read, if one has come.
    fn next_logged(&mut self) -> Result<Option<Watched>, AppError> {
        let log = self.hub.log();
        if self.cursor < log.first {
            self.done = true;
            return Ok(Some(Watched::Resync {
                revision: self.from_revision - 1,
            }));
        }
        while let Some(entry) = log.entries.get((self.cursor - log.first) as usize) {
            self.cursor += 1;
            if let Some(watched) = entry.clone().from_revision(self.from_revision) {
                if let Some(next) = watched.next_revision() {
                    self.from_revision = next;
                }
                return Ok(Some(watched));
            }
        }
        if log.closed {
            self.done = true;
        }
        match &log.failed {
            Some(err) => Err(err.clone()),
            None => Ok(None),
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let mut log = self.hub.log();
        log.followers -= 1;
        if log.followers == 0 {
            log.idle_since = Some(Instant::now());
        }
    }
}
