//! One etcd watch per followed prefix, shared by everyone who follows it.
//!
//! The first follower of a prefix opens a hub: a task that keeps one etcd watch on the prefix
//! (as the follower's etcd user, since etcd's roles decide what each user sees) and writes what
//! it sees into a log of the latest changes. Followers read the log at their own pace, each from
//! its own place in it; a follower that falls behind the log's start is told to resync and
//! dropped, so nobody makes the server hold more than the log. When the watch breaks (a member
//! killed, a leader change, a network error), the hub watches again from the revision after the
//! last it logged, on whichever member answers; when etcd has compacted that revision away, the
//! log says so with a gap.

use super::error::Op;
use super::follower::Follower;
use super::{Etcd, Watch};
use crate::domain::{
    paging::{prefix_range_end, prefix_range_start},
    watch::{Watched, FOLLOW_LIMIT},
    AppError, Key,
};
use etcd_client::GetOptions;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch as signal;

/// How long a hub keeps watching after its last follower left, for those who come back.
const LINGER: Duration = Duration::from_secs(30);

/// The longest wait before watching again after the watch broke.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Whose hub: the etcd user it watches as, the prefix, and whether it keeps values (the watch
/// page's log does; the listings that only mark changed rows do not pay for them).
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct HubKey {
    pub(super) user: Option<String>,
    pub(super) prefix: Key,
    pub(super) values: bool,
}

/// The open hubs of a pool.
#[derive(Default)]
pub(super) struct Hubs(Mutex<OpenHubs>);

#[derive(Default)]
struct OpenHubs {
    hubs: HashMap<HubKey, Arc<Hub>>,
    /// The server is stopping: nobody follows anything any more.
    stopped: bool,
}

impl Hubs {
    fn lock(&self) -> MutexGuard<'_, OpenHubs> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub(super) struct Hub {
    pub(super) key: HubKey,
    pub(super) log: Mutex<Log>,
    /// The sequence number after the last entry logged, sent on every entry.
    pub(super) logged: signal::Sender<u64>,
}

/// The latest entries a hub saw, numbered in sequence.
pub(super) struct Log {
    /// The sequence number of `entries[0]`.
    pub(super) first: u64,
    pub(super) entries: VecDeque<Watched>,
    pub(super) changes: usize,
    /// Every change from this revision on is in `entries` or still to come.
    pub(super) covers_from: i64,
    /// Where the upstream watch goes on from: the revision after the last entry.
    pub(super) next_revision: i64,
    /// Why the hub stopped, when etcd ended it for good.
    pub(super) failed: Option<AppError>,
    /// Whether the hub has stopped and left the pool's hubs; joining it starts a new one.
    pub(super) retired: bool,
    /// Whether the server is stopping: followers end once they have read the log.
    pub(super) closed: bool,
    pub(super) followers: usize,
    /// Since when nobody follows.
    pub(super) idle_since: Option<Instant>,
}

impl Hub {
    pub(super) fn log(&self) -> MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds what the upstream watch saw, dropping the oldest entries beyond the log's size.
    fn append(&self, watched: Watched) {
        let mut log = self.log();
        let Some(watched) = watched.from_revision(log.next_revision) else {
            return;
        };
        if let Some(next) = watched.next_revision() {
            log.next_revision = next;
        }
        log.changes += watched.weight();
        log.entries.push_back(watched);
        while log.changes > FOLLOW_LIMIT && log.entries.len() > 1 {
            if let Some(oldest) = log.entries.pop_front() {
                log.changes -= oldest.weight();
                log.first += 1;
                if let Some(next) = oldest.next_revision() {
                    log.covers_from = next;
                }
            }
        }
        let logged = log.first + log.entries.len() as u64;
        drop(log);
        self.logged.send_replace(logged);
    }

    fn fail(&self, err: AppError) {
        let mut log = self.log();
        log.failed = Some(err);
        let logged = log.first + log.entries.len() as u64;
        drop(log);
        self.logged.send_replace(logged);
    }
}

impl Etcd {
    /// How many hubs are open (lingering ones too), and how many followers read them in all:
    /// for etcd-deck's own metrics.
    pub fn following(&self) -> (usize, usize) {
        let open = self.pool.hubs.lock();
        let followers = open.hubs.values().map(|hub| hub.log().followers).sum();
        (open.hubs.len(), followers)
    }

    /// Ends every follower once it has read what was logged, and stops the hubs: the server is
    /// stopping. Later follows are refused.
    pub fn stop_following(&self) {
        let mut open = self.pool.hubs.lock();
        open.stopped = true;
        for hub in open.hubs.drain().map(|(_, hub)| hub) {
            let mut log = hub.log();
            log.closed = true;
            log.retired = true;
            let logged = log.first + log.entries.len() as u64;
            drop(log);
            hub.logged.send_replace(logged);
        }
    }

    /// Follows the changes under `prefix` from `start_revision` on (or from now), through the
    /// hub that watches it for this handle's user: opened now if there is none. With `values`,
    /// each change carries the start of its value and of the one before.
    pub async fn follow(
        &self,
        prefix: &Key,
        start_revision: Option<i64>,
        values: bool,
    ) -> Result<Follower, AppError> {
        let key = HubKey {
            user: self.user().map(str::to_string),
            prefix: prefix.clone(),
            values,
        };
        let hubs = &self.pool.hubs;
        let existing = {
            let open = hubs.lock();
            if open.stopped {
                return Err(AppError::EtcdUnavailable {
                    endpoints: self.endpoints().to_vec(),
                    reason: "etcd-deck is stopping".into(),
                });
            }
            open.hubs.get(&key).cloned()
        };
        if let Some(hub) = existing {
            // The hub's watch was opened by an earlier request of this user: etcd checked their
            // permission then, not now. A role revoked since must not let them join.
            self.may_read(prefix).await?;
            if let Some(follower) = self.join(hub, start_revision) {
                return follower.catch_up(prefix).await;
            }
        }
        // Opening the watch checks that this user may read the prefix.
        let watch = self.watch(prefix, start_revision, values).await?;
        let start = watch.start();
        let hub = {
            let mut open = hubs.lock();
            match open.hubs.get(&key) {
                Some(hub) if !hub.log().retired => hub.clone(),
                _ => {
                    let hub = Arc::new(Hub {
                        key: key.clone(),
                        log: Mutex::new(Log {
                            first: 0,
                            entries: VecDeque::new(),
                            changes: 0,
                            covers_from: start,
                            next_revision: start,
                            failed: None,
                            retired: false,
                            closed: false,
                            followers: 0,
                            idle_since: None,
                        }),
                        logged: signal::Sender::new(0),
                    });
                    open.hubs.insert(key, hub.clone());
                    tokio::spawn(upstream(hub.clone(), self.clone(), Some(watch)));
                    hub
                }
            }
        };
        let follower = self
            .join(hub, start_revision)
            .ok_or_else(|| AppError::Etcd {
                message: "the watch ended as it opened".into(),
            })?;
        follower.catch_up(prefix).await
    }

    /// Whether this handle's user may read the keys under `prefix` now. etcd checks the
    /// permission on every Range, serializable ones too, so a count of at most one key from any
    /// member answers. Without a user, etcd-deck's own handle reads everything.
    async fn may_read(&self, prefix: &Key) -> Result<(), AppError> {
        if self.user().is_none() {
            return Ok(());
        }
        let bytes = prefix.as_bytes();
        let (start, end) = (prefix_range_start(bytes), prefix_range_end(bytes));
        self.read_stale(|client| {
            let (start, end) = (start.clone(), end.clone());
            async move {
                let options = GetOptions::new()
                    .with_range(end)
                    .with_count_only()
                    .with_limit(1)
                    .with_serializable();
                super::kv(client).get(start, Some(options)).await
            }
        })
        .await
        .map(|_| ())
        .map_err(self.refused(Op::new(format!("watch {}", prefix.describe_prefix()))))
    }

    /// A follower of `hub` from `start_revision` (or what the hub has yet to see); `None` when
    /// the hub has retired.
    fn join(&self, hub: Arc<Hub>, start_revision: Option<i64>) -> Option<Follower> {
        let mut log = hub.log();
        if log.retired {
            return None;
        }
        let from_revision = start_revision.unwrap_or(log.next_revision);
        // The first entry that may hold a change from `from_revision` on.
        let skip = log.entries.partition_point(|entry| {
            entry
                .next_revision()
                .is_some_and(|next| next <= from_revision)
        });
        let cursor = log.first + skip as u64;
        log.followers += 1;
        log.idle_since = None;
        let until = log.covers_from;
        drop(log);
        let logged = hub.logged.subscribe();
        Some(Follower {
            hub,
            etcd: self.clone(),
            logged,
            cursor,
            from_revision,
            until,
            catch_up: None,
            done: false,
        })
    }
}

/// The hub's task: watches the prefix, logging what it sees, until nobody has followed it for
/// [`LINGER`] or etcd refuses it for good.
async fn upstream(hub: Arc<Hub>, etcd: Etcd, mut watch: Option<Watch>) {
    let prefix = hub.key.prefix.clone();
    let mut backoff = Duration::from_millis(100);
    loop {
        if retire(&hub, &etcd) {
            return;
        }
        let Some(open) = &mut watch else {
            let next = hub.log().next_revision;
            match etcd.watch(&prefix, Some(next), hub.key.values).await {
                Ok(opened) => {
                    watch = Some(opened);
                    backoff = Duration::from_millis(100);
                }
                Err(
                    err @ (AppError::PermissionDenied { .. } | AppError::Unauthenticated { .. }),
                ) => {
                    hub.fail(err);
                }
                Err(err) => {
                    tracing::debug!(error = %err, "watching again failed; trying again");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            continue;
        };
        let seen = tokio::select! {
            seen = open.next() => seen,
            () = tokio::time::sleep(LINGER / 4) => continue,
        };
        match seen {
            Ok(Some(watched)) => {
                let gap = matches!(watched, Watched::Gap { .. });
                hub.append(watched);
                if gap {
                    watch = None;
                }
            }
            Ok(None) => watch = None,
            Err(err @ (AppError::PermissionDenied { .. } | AppError::Unauthenticated { .. })) => {
                hub.fail(err);
                watch = None;
            }
            Err(err) => {
                tracing::debug!(error = %err, "the watch broke; watching again");
                watch = None;
            }
        }
    }
}

/// Takes the hub out of the pool's hubs when etcd refused it for good, or nobody has followed
/// it for [`LINGER`]; says whether it did.
fn retire(hub: &Hub, etcd: &Etcd) -> bool {
    let mut open = etcd.pool.hubs.lock();
    let mut log = hub.log();
    let idle = log.followers == 0
        && log
            .idle_since
            .is_some_and(|since| since.elapsed() >= LINGER);
    if !idle && log.failed.is_none() && !log.closed {
        return false;
    }
    log.retired = true;
    let current = open.hubs.get(&hub.key);
    if current.is_some_and(|current| std::ptr::eq(current.as_ref(), hub)) {
        open.hubs.remove(&hub.key);
    }
    true
}
