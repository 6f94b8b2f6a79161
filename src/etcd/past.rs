//! The keyspace as it was: what became of keys read at a past revision, and bringing deleted
//! keys back without overwriting any that exist again.

use super::error::Op;
use super::{kv, receipt, Etcd, Retry};
use crate::domain::{limits::MAX_TXN_OPS, AppError, Key, WriteReceipt};
use etcd_client::{Compare, CompareOp, GetOptions, Txn, TxnOp, TxnOpResponse};

impl Etcd {
    /// The mod revision each of `keys` has now (`None` for a key that does not exist), read in
    /// transactions of reads, each one request.
    pub async fn mod_revisions_now(&self, keys: &[Key]) -> Result<Vec<Option<i64>>, AppError> {
        let mut now = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_TXN_OPS) {
            let (response, _) = self
                .run(Retry::Read, |client| async move {
                    let reads = chunk.iter().map(|key| {
                        let options = GetOptions::new().with_keys_only();
                        TxnOp::get(key.as_bytes(), Some(options))
                    });
                    kv(client)
                        .txn(Txn::new().and_then(reads.collect::<Vec<_>>()))
                        .await
                })
                .await
                .map_err(self.refused(Op::new("read the keys as they are now")))?;
            now.extend(response.op_responses().into_iter().map(|op| match op {
                TxnOpResponse::Get(get) => get.kvs().first().map(|kv| kv.mod_revision()),
                _ => None,
            }));
        }
        Ok(now)
    }

    /// Writes every key of `keys` with its value in one transaction, only if none of them exists:
    /// when some do, nothing is written and the answer names them.
    pub async fn create_all(&self, keys: &[(Key, Vec<u8>)]) -> Result<WriteReceipt, AppError> {
        if keys.len() > MAX_TXN_OPS {
            return Err(AppError::invalid(format!(
                "at most {MAX_TXN_OPS} keys are created in one transaction"
            )));
        }
        let retry = Retry::Write {
            key: keys
                .first()
                .map(|(key, _)| key.display())
                .unwrap_or_default(),
        };
        let (response, _) = self
            .run(retry, |client| async move {
                let absent = keys
                    .iter()
                    .map(|(key, _)| Compare::create_revision(key.as_bytes(), CompareOp::Equal, 0));
                let puts = keys
                    .iter()
                    .map(|(key, value)| TxnOp::put(key.as_bytes(), value.clone(), None));
                let reads = keys.iter().map(|(key, _)| {
                    TxnOp::get(key.as_bytes(), Some(GetOptions::new().with_keys_only()))
                });
                let txn = Txn::new()
                    .when(absent.collect::<Vec<_>>())
                    .and_then(puts.collect::<Vec<_>>())
                    .or_else(reads.collect::<Vec<_>>());
                kv(client).txn(txn).await
            })
            .await
            .map_err(self.refused(Op::new("create the keys")))?;
        if response.succeeded() {
            return Ok(receipt(response.header()));
        }
        let existing: Vec<String> = response
            .op_responses()
            .into_iter()
            .filter_map(|op| match op {
                TxnOpResponse::Get(get) => get.kvs().first().map(|kv| Key::new(kv.key()).display()),
                _ => None,
            })
            .collect();
        Err(AppError::AlreadyExists {
            message: format!(
                "nothing was written: {} exist again ({})",
                if existing.len() == 1 {
                    "1 key"
                } else {
                    "some keys"
                },
                existing.join(", ")
            ),
            current_mod_revision: None,
        })
    }
}
