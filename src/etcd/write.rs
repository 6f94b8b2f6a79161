//! Writing one key: a put under a condition and with the lease asked for, and a delete.

use super::error::{Op, Refusal};
use super::{detail, kv, not_found, receipt, Etcd, Retry};
use crate::domain::{lease::Expiry, AppError, Key, KeyDetail, PutCondition, WriteReceipt};
use etcd_client::{
    Compare, CompareOp, DeleteOptions, GetOptions, KeyValue, PutOptions, Txn, TxnOp, TxnOpResponse,
};

impl Etcd {
    /// Writes a value if `condition` holds at the moment of writing, with the lease `expiry`
    /// asks for.
    pub async fn put(
        &self,
        key: &Key,
        value: Vec<u8>,
        condition: PutCondition,
        expiry: Expiry,
    ) -> Result<WriteReceipt, AppError> {
        let bytes = key.as_bytes();
        let retry = || Retry::Write { key: key.display() };
        let mut write = Op::new(format!("write the key {key}")).key(key);
        if let Expiry::Lease(id) = expiry {
            write = write.lease(id);
        }
        let failed = self.refused(write);
        let options = self.lease_options(key, expiry).await.map_err(&failed)?;
        let compare = match condition {
            PutCondition::Always => {
                let (response, _) = self
                    .run(retry(), |client| {
                        let (value, options) = (value.clone(), options.clone());
                        async move { kv(client).put(bytes, value, Some(options)).await }
                    })
                    .await
                    .map_err(&failed)?;
                self.pool.last_no_space.forget();
                return Ok(receipt(response.header()));
            }
            PutCondition::Absent => Compare::create_revision(bytes, CompareOp::Equal, 0),
            PutCondition::ModRevision(expected) => {
                Compare::mod_revision(bytes, CompareOp::Equal, expected)
            }
        };
        let (response, _) = self
            .run(retry(), |client| {
                let txn = conditional_put(bytes, &value, &options, &compare);
                async move { kv(client).txn(txn).await }
            })
            .await
            .map_err(&failed)?;
        self.pool.last_no_space.forget();
        if response.succeeded() {
            return Ok(receipt(response.header()));
        }
        let current = response.op_responses().into_iter().find_map(|op| match op {
            TxnOpResponse::Get(get) => get.kvs().first().map(KeyValue::mod_revision),
            _ => None,
        });
        Err(precondition_failed(key, condition, current))
    }

    /// Put options for the lease a write asks for; a new lease is granted here.
    async fn lease_options(&self, key: &Key, expiry: Expiry) -> Result<PutOptions, Refusal> {
        let ttl = match expiry {
            Expiry::Never => return Ok(PutOptions::new()),
            Expiry::Keep => return Ok(PutOptions::new().with_ignore_lease()),
            Expiry::Lease(id) => return Ok(PutOptions::new().with_lease(id)),
            Expiry::NewLease(ttl) => ttl,
        };
        let retry = Retry::Write { key: key.display() };
        let (lease, _) = self
            .run(retry, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.lease_grant(ttl, None).await
            })
            .await?;
        Ok(PutOptions::new().with_lease(lease.id()))
    }

    /// Deletes one key and answers what it held; a key that does not exist is
    /// [`AppError::NotFound`]. The read and the delete are one request.
    pub async fn delete(&self, key: &Key) -> Result<KeyDetail, AppError> {
        let bytes = key.as_bytes();
        let retry = Retry::Write { key: key.display() };
        let (response, endpoint) = self
            .run(retry, |client| async move {
                let options = DeleteOptions::new().with_prev_key();
                kv(client).delete(bytes, Some(options)).await
            })
            .await
            .map_err(self.refused(Op::new(format!("delete the key {key}"))))?;
        let deleted = response.prev_kvs().first().ok_or_else(|| not_found(key))?;
        Ok(detail(deleted, response.header(), endpoint))
    }
}

/// A put that happens only if `compare` holds; otherwise the transaction reads the key's mod
/// revision, to say what it is now.
fn conditional_put(key: &[u8], value: &[u8], options: &PutOptions, compare: &Compare) -> Txn {
    let put = TxnOp::put(key, value, Some(options.clone()));
    let read = TxnOp::get(key, Some(GetOptions::new().with_keys_only()));
    Txn::new()
        .when(vec![compare.clone()])
        .and_then(vec![put])
        .or_else(vec![read])
}

fn precondition_failed(key: &Key, condition: PutCondition, current: Option<i64>) -> AppError {
    let message = match (condition, current) {
        (PutCondition::Absent, _) => {
            return AppError::AlreadyExists {
                message: format!("the key {key} already exists"),
                current_mod_revision: current,
            }
        }
        (_, Some(now)) => {
            format!("the key {key} was changed by someone else (it is now at mod revision {now})")
        }
        (_, None) => format!("the key {key} was deleted by someone else"),
    };
    AppError::PreconditionFailed {
        message,
        current_mod_revision: current,
    }
}
