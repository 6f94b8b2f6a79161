//! Watching a prefix: etcd's stream of changes, from a revision on.

use super::error::{refusal, Op, Refusal};
use super::{Etcd, Retry};
use crate::domain::{
    paging::{prefix_range_end, prefix_range_start},
    watch::{Change, ChangeKind, Snippet, Watched},
    AppError, Key,
};
use etcd_client::{Event, EventType, WatchOptions, WatchStream};

/// An open watch on a prefix. It ends when dropped.
pub struct Watch {
    stream: WatchStream,
    endpoints: Vec<String>,
    /// The watch as a refusal of it says, and the etcd user it watches as.
    op: Op,
    user: Option<String>,
    /// The revision the watch started at: the one asked for, or the one after etcd's revision
    /// when it was created.
    start: i64,
    /// etcd's compaction revision, when it refused the start revision as compacted.
    compacted: Option<i64>,
    /// Whether changes carry (the start of) their values and those before.
    values: bool,
}

impl Etcd {
    /// Watches the keys under `prefix` from `start_revision` on (or from now); with `values`,
    /// each change carries the start of its value and of the value before it. A start
    /// revision etcd has compacted is told by the first [`Watch::next`], as [`Watched::Gap`],
    /// and ends the watch.
    pub async fn watch(
        &self,
        prefix: &Key,
        start_revision: Option<i64>,
        values: bool,
    ) -> Result<Watch, AppError> {
        let bytes = prefix.as_bytes();
        let range = (prefix_range_start(bytes), Some(prefix_range_end(bytes)));
        let what = format!("watch {}", prefix.describe_prefix());
        self.watch_range(range, start_revision, values, &what).await
    }

    /// Watches the keys in `[start, end)`, or the key `start` alone; `what` says what was
    /// watched, should etcd's roles not allow it.
    pub(super) async fn watch_range(
        &self,
        (start, end): (Vec<u8>, Option<Vec<u8>>),
        start_revision: Option<i64>,
        values: bool,
        what: &str,
    ) -> Result<Watch, AppError> {
        let (stream, _) = self
            .run(Retry::Read, |client| {
                let (start, end) = (start.clone(), end.clone());
                async move {
                    let mut options = WatchOptions::new();
                    if let Some(end) = end {
                        options = options.with_range(end);
                    }
                    if let Some(revision) = start_revision {
                        options = options.with_start_revision(revision);
                    }
                    if values {
                        options = options.with_prev_key();
                    }
                    client
                        .watch_client()
                        .max_decoding_message_size(super::MAX_RESPONSE_BYTES)
                        .watch(start, Some(options))
                        .await
                }
            })
            .await
            .map_err(self.refused(Op::new(what)))?;
        let mut watch = Watch {
            stream,
            endpoints: self.endpoints().to_vec(),
            op: Op::new(what).at(start_revision),
            user: self.user().map(str::to_string),
            start: start_revision.unwrap_or_default(),
            compacted: None,
            values,
        };
        // etcd answers the watch's creation first, refusing it there when its roles do not
        // allow it: that is the request's answer, not an event of its stream.
        let created = tokio::time::timeout(self.request_timeout(), watch.stream.message())
            .await
            .map_err(|_| AppError::EtcdUnavailable {
                endpoints: self.endpoints().to_vec(),
                reason: "etcd did not answer the watch in time".into(),
            })?
            .map_err(|err| watch.refused(refusal(err, &watch.endpoints)))?
            .ok_or_else(|| AppError::Etcd {
                message: "etcd closed the watch as it opened".into(),
            })?;
        if created.canceled() && created.compact_revision() == 0 {
            return Err(watch.cancelled(created.cancel_reason()));
        }
        if start_revision.is_none() {
            watch.start = created.header().map_or(0, |h| h.revision()) + 1;
        }
        if created.compact_revision() > 0 {
            watch.compacted = Some(created.compact_revision());
        }
        Ok(watch)
    }
}

impl Watch {
    /// The revision the watch started at.
    pub fn start(&self) -> i64 {
        self.start
    }

    /// The next changes, waiting for them; `None` when etcd ended the watch.
    pub async fn next(&mut self) -> Result<Option<Watched>, AppError> {
        Ok(self.next_sent().await?.map(|(watched, _)| watched))
    }

    /// The next changes, with the store revision etcd sent them at, waiting for them; `None`
    /// when etcd ended the watch.
    pub(super) async fn next_sent(&mut self) -> Result<Option<(Watched, i64)>, AppError> {
        if let Some(compact_revision) = self.compacted.take() {
            return Ok(Some((self.gap(compact_revision), compact_revision)));
        }
        loop {
            let response = self
                .stream
                .message()
                .await
                .map_err(|err| self.refused(refusal(err, &self.endpoints)))?;
            let Some(response) = response else {
                return Ok(None);
            };
            let sent_at = response.header().map_or(0, |h| h.revision());
            if response.compact_revision() > 0 {
                let gap = self.gap(response.compact_revision());
                return Ok(Some((gap, sent_at)));
            }
            if response.canceled() {
                return Err(self.cancelled(response.cancel_reason()));
            }
            let values = self.values;
            let changes: Vec<Change> = response
                .events()
                .iter()
                .filter_map(|event| change(event, values))
                .collect();
            if let Some(last) = changes.last() {
                self.start = last.revision + 1;
                return Ok(Some((Watched::Changes(changes), sent_at)));
            }
        }
    }

    /// The changes lost from where the watch stands up to etcd's `compact_revision`.
    fn gap(&self, compact_revision: i64) -> Watched {
        Watched::Gap {
            from_revision: self.start,
            compact_revision,
        }
    }

    /// Tells a refusal of this watch.
    fn refused(&self, refusal: Refusal) -> AppError {
        self.op.told(refusal, self.user.as_deref())
    }

    /// Why etcd ended the watch.
    fn cancelled(&self, reason: &str) -> AppError {
        if reason.contains("permission denied") {
            self.refused(Refusal::Denied)
        } else {
            AppError::Etcd {
                message: format!("etcd ended the watch: {reason}"),
            }
        }
    }
}

fn change(event: &Event, values: bool) -> Option<Change> {
    let kv = event.kv()?;
    let kind = match event.event_type() {
        EventType::Put => ChangeKind::Put,
        EventType::Delete => ChangeKind::Delete,
    };
    Some(Change {
        kind,
        key: Key::new(kv.key()),
        revision: kv.mod_revision(),
        version: kv.version(),
        value_size: kv.value().len() as u64,
        lease: kv.lease(),
        value: (values && kind == ChangeKind::Put).then(|| Snippet::of(kv.value())),
        previous: event
            .prev_kv()
            .filter(|_| values)
            .map(|prev| Snippet::of(prev.value())),
    })
}
