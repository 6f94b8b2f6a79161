//! Many keys at once: reading a batch of keys at one revision, transactions that write only
//! what is unchanged, pages of keys with their values for an export, and the one DeleteRange
//! of a prefix nobody changed.

use super::error::{Op, Refusal};
use super::{kv, receipt, revision, Etcd, Retry};
use crate::domain::{
    limits::MAX_TXN_OPS,
    paging::{prefix_range_end, prefix_range_start},
    scan::Window,
    AppError, Key, WriteReceipt,
};
use etcd_client::{
    Compare, CompareOp, DeleteOptions, GetOptions, PutOptions, Txn, TxnOp, TxnOpResponse,
    TxnResponse,
};

/// One key as etcd holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub key: Vec<u8>,
    pub version: i64,
    pub create_revision: i64,
    pub mod_revision: i64,
    pub value: Vec<u8>,
    pub lease: i64,
}

/// One write of a guarded transaction.
#[derive(Debug, Clone)]
pub enum BulkOp {
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
        lease: i64,
    },
    Delete {
        key: Vec<u8>,
    },
}

/// The keys of a window with their values, read at one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldWindow {
    pub keys: Vec<Held>,
    /// How many keys the window holds (more than `keys` when it held more than its limit).
    pub count: i64,
    /// The revision read at.
    pub revision: i64,
}

impl Etcd {
    /// Each of `keys` (at most [`MAX_TXN_OPS`]) as it was at `revision`, or now with `None`,
    /// read in one transaction (`None` for a key that did not exist); and the revision read.
    pub async fn held(
        &self,
        keys: &[Vec<u8>],
        at: Option<i64>,
    ) -> Result<(Vec<Option<Held>>, i64), AppError> {
        let options = at.map_or_else(GetOptions::new, |r| GetOptions::new().with_revision(r));
        let response = self
            .each(keys, options)
            .await
            .map_err(self.refused(Op::new("read the keys").at(at)))?;
        let read_at = at.unwrap_or_else(|| revision(response.header()));
        let held = response
            .op_responses()
            .into_iter()
            .map(|op| match op {
                TxnOpResponse::Get(get) => get.kvs().first().map(held),
                _ => None,
            })
            .collect();
        Ok((held, read_at))
    }

    /// Whether each of `keys` (at most [`MAX_TXN_OPS`]) exists now, asked in one transaction
    /// that reads no value.
    pub async fn exist(&self, keys: &[Vec<u8>]) -> Result<Vec<bool>, AppError> {
        let response = self
            .each(keys, GetOptions::new().with_count_only())
            .await
            .map_err(self.refused(Op::new("read the keys")))?;
        Ok(response
            .op_responses()
            .into_iter()
            .map(|op| matches!(op, TxnOpResponse::Get(get) if get.count() > 0))
            .collect())
    }

    /// Reads each of `keys` with `options`, in one transaction.
    async fn each(&self, keys: &[Vec<u8>], options: GetOptions) -> Result<TxnResponse, Refusal> {
        debug_assert!(keys.len() <= MAX_TXN_OPS);
        let (response, _) = self
            .run(Retry::Read, |client| {
                let reads: Vec<TxnOp> = keys
                    .iter()
                    .map(|key| TxnOp::get(key.clone(), Some(options.clone())))
                    .collect();
                async move { kv(client).txn(Txn::new().and_then(reads)).await }
            })
            .await?;
        Ok(response)
    }

    /// The store's revision now.
    pub async fn revision_now(&self) -> Result<i64, AppError> {
        Ok(self.held(&[], None).await?.1)
    }

    /// Writes `ops` in one transaction if every key of `unchanged` is still at its mod revision
    /// (0: does not exist). `Ok(None)` when one is not: nothing was written.
    pub async fn write_if_unchanged(
        &self,
        unchanged: &[(Vec<u8>, i64)],
        ops: &[BulkOp],
    ) -> Result<Option<WriteReceipt>, AppError> {
        let first = ops.first().map(|op| match op {
            BulkOp::Put { key, .. } | BulkOp::Delete { key } => Key::new(key.clone()),
        });
        let retry = Retry::Write {
            key: match (&first, ops.len()) {
                (Some(key), 1) => key.display(),
                (Some(key), n) => format!("{key} and {} more", n - 1),
                (None, _) => "no key".into(),
            },
        };
        let (response, _) = self
            .run(retry, |client| {
                let compares: Vec<Compare> = unchanged
                    .iter()
                    .map(|(key, at)| Compare::mod_revision(key.clone(), CompareOp::Equal, *at))
                    .collect();
                let writes: Vec<TxnOp> = ops
                    .iter()
                    .map(|op| match op {
                        BulkOp::Put { key, value, lease } => {
                            let options =
                                (*lease != 0).then(|| PutOptions::new().with_lease(*lease));
                            TxnOp::put(key.clone(), value.clone(), options)
                        }
                        BulkOp::Delete { key } => TxnOp::delete(key.clone(), None),
                    })
                    .collect();
                async move {
                    kv(client)
                        .txn(Txn::new().when(compares).and_then(writes))
                        .await
                }
            })
            .await
            .map_err(self.refused(Op::new("write these keys")))?;
        Ok(response.succeeded().then(|| receipt(response.header())))
    }

    /// The keys of `window` (of a scan under `prefix`), with their values, at `revision` (now,
    /// with `None`).
    pub async fn held_window(
        &self,
        prefix: &Key,
        window: &Window,
        at: Option<i64>,
    ) -> Result<HeldWindow, AppError> {
        let (response, _) = self
            .run(Retry::Read, |client| {
                let mut options = GetOptions::new()
                    .with_range(window.end.clone())
                    .with_limit(window.limit as i64);
                if let Some(at) = at {
                    options = options.with_revision(at);
                }
                let from = window.start.clone();
                async move { kv(client).get(from, Some(options)).await }
            })
            .await
            .map_err(self.refused(Op::new(format!("read {}", prefix.describe_prefix())).at(at)))?;
        Ok(HeldWindow {
            keys: response.kvs().iter().map(held).collect(),
            count: response.count(),
            revision: at.unwrap_or_else(|| revision(response.header())),
        })
    }

    /// Deletes every key under `prefix` in one DeleteRange, if none of them was written after
    /// `revision`; answers how many went, or `None` (nothing deleted) when one was.
    pub async fn delete_prefix_unchanged_since(
        &self,
        prefix: &Key,
        at: i64,
    ) -> Result<Option<(i64, WriteReceipt)>, AppError> {
        let (start, end) = (
            prefix_range_start(prefix.as_bytes()),
            prefix_range_end(prefix.as_bytes()),
        );
        let retry = Retry::Write {
            key: format!("{prefix}*"),
        };
        let (response, _) = self
            .run(retry, |client| {
                let compare =
                    Compare::mod_revision(start.clone(), CompareOp::Less, at.saturating_add(1))
                        .with_range(end.clone());
                let options = DeleteOptions::new().with_range(end.clone());
                let delete = TxnOp::delete(start.clone(), Some(options));
                async move {
                    kv(client)
                        .txn(Txn::new().when(vec![compare]).and_then(vec![delete]))
                        .await
                }
            })
            .await
            .map_err(self.refused(Op::new(format!("delete {}", prefix.describe_prefix()))))?;
        if !response.succeeded() {
            return Ok(None);
        }
        let deleted = response
            .op_responses()
            .into_iter()
            .map(|op| match op {
                TxnOpResponse::Delete(delete) => delete.deleted(),
                _ => 0,
            })
            .sum();
        Ok(Some((deleted, receipt(response.header()))))
    }
}

fn held(kv: &etcd_client::KeyValue) -> Held {
    Held {
        key: kv.key().to_vec(),
        version: kv.version(),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        value: kv.value().to_vec(),
        lease: kv.lease(),
    }
}

impl Held {
    /// The key's metadata and the size of its value.
    pub fn summary(&self) -> crate::domain::KeySummary {
        crate::domain::KeySummary {
            key: Key::new(self.key.clone()),
            version: self.version,
            create_revision: self.create_revision,
            mod_revision: self.mod_revision,
            lease: self.lease,
            lease_left: None,
            value: None,
            value_size: Some(self.value.len() as u64),
        }
    }
}
