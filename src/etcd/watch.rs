//! Watching a prefix: etcd's stream of changes, from a revision on.

use super::{error, Etcd, Retry};
use crate::domain::{
    paging::{prefix_range_end, prefix_range_start},
    watch::{Change, ChangeKind, Watched},
    AppError, Key,
};
use etcd_client::{EventType, WatchOptions, WatchStream};

/// An open watch on a prefix. It ends when dropped.
pub struct Watch {
    stream: WatchStream,
    endpoints: Vec<String>,
    /// What etcd says when its roles do not allow the watch.
    denied: AppError,
    /// What came with the watch's creation, to be told first.
    held: Option<Watched>,
}

impl Etcd {
    /// Watches the keys under `prefix` from `start_revision` on (or from now). A start
    /// revision etcd has compacted is told by the first [`Watch::next`], as
    /// [`Watched::Compacted`].
    pub async fn watch(
        &self,
        prefix: &Key,
        start_revision: Option<i64>,
    ) -> Result<Watch, AppError> {
        let bytes = prefix.as_bytes();
        let what = format!("watch {}", prefix.describe_prefix());
        let (stream, _) = self
            .run(Retry::Read, |client| async move {
                let mut options = WatchOptions::new().with_range(prefix_range_end(bytes));
                if let Some(revision) = start_revision {
                    options = options.with_start_revision(revision);
                }
                client
                    .watch_client()
                    .watch(prefix_range_start(bytes), Some(options))
                    .await
            })
            .await
            .map_err(|err| self.denied(err, &what))?;
        let denied = AppError::PermissionDenied {
            message: String::new(),
        };
        let mut watch = Watch {
            stream,
            endpoints: self.endpoints().to_vec(),
            denied: self.denied(denied, &what),
            held: None,
        };
        // etcd answers the watch's creation first, refusing it there when its roles do not
        // allow it: that is the request's answer, not an event of its stream.
        let created = tokio::time::timeout(self.request_timeout(), watch.read())
            .await
            .map_err(|_| AppError::EtcdUnavailable {
                endpoints: self.endpoints().to_vec(),
                reason: "etcd did not answer the watch in time".into(),
            })??;
        watch.held = created.ok_or_else(|| AppError::Etcd {
            message: "etcd closed the watch as it opened".into(),
        })?;
        Ok(watch)
    }
}

impl Watch {
    /// The next changes, waiting for them; `None` when etcd ended the watch.
    pub async fn next(&mut self) -> Result<Option<Watched>, AppError> {
        if let Some(held) = self.held.take() {
            return Ok(Some(held));
        }
        loop {
            match self.read().await? {
                None => return Ok(None),
                Some(Some(watched)) => return Ok(Some(watched)),
                Some(None) => continue,
            }
        }
    }

    /// etcd's next response: `None` when the watch has ended, `Some(None)` for a response that
    /// tells nothing to pass on (the watch's creation, progress).
    async fn read(&mut self) -> Result<Option<Option<Watched>>, AppError> {
        let response = self
            .stream
            .message()
            .await
            .map_err(|err| error::map_error(err, &self.endpoints))?;
        let Some(response) = response else {
            return Ok(None);
        };
        if response.compact_revision() > 0 {
            return Ok(Some(Some(Watched::Compacted {
                compact_revision: response.compact_revision(),
            })));
        }
        if response.canceled() {
            let reason = response.cancel_reason();
            return Err(if reason.contains("permission denied") {
                self.denied.clone()
            } else {
                AppError::Etcd {
                    message: format!("etcd ended the watch: {reason}"),
                }
            });
        }
        let changes: Vec<Change> = response
            .events()
            .iter()
            .filter_map(|event| {
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
                })
            })
            .collect();
        Ok(Some(
            (!changes.is_empty()).then_some(Watched::Changes(changes)),
        ))
    }
}
