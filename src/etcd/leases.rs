//! Leases: listing them with their keys, granting, revoking and keeping one alive once.

use super::error::{Op, Refusal};
use super::{Etcd, Retry};
use crate::domain::limits::MAX_TXN_OPS;
use crate::domain::{
    lease::{lease_hex, Lease, Leases, MAX_LEASES, MAX_LEASE_KEYS},
    AppError, Key, WriteReceipt,
};
use etcd_client::{GetOptions, LeaseTimeToLiveOptions, Txn, TxnOp};
use futures::{StreamExt, TryStreamExt};

/// How many leases are asked about at once.
const AT_ONCE: usize = 16;

impl Etcd {
    /// The cluster's leases, each with its time to live and keys.
    pub async fn leases(&self) -> Result<Leases, AppError> {
        let (response, _) = self
            .run(Retry::Read, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.leases().await
            })
            .await
            .map_err(self.refused(Op::new("list the leases")))?;
        let mut ids: Vec<i64> = response.leases().iter().map(|lease| lease.id()).collect();
        ids.sort_unstable();
        let total = ids.len() as u64;
        ids.truncate(MAX_LEASES);
        let leases: Vec<Option<Lease>> = futures::stream::iter(ids)
            .map(|id| async move {
                match self.lease(id).await {
                    Ok(lease) => Ok(Some(lease)),
                    // Expired or revoked since it was listed.
                    Err(AppError::NotFound { .. } | AppError::LeaseNotFound { .. }) => Ok(None),
                    Err(err) => Err(err),
                }
            })
            .buffered(AT_ONCE)
            .try_collect()
            .await?;
        Ok(Leases {
            leases: leases.into_iter().flatten().collect(),
            total,
        })
    }

    /// One lease with its keys, those this handle's user may read; one that has expired or was
    /// revoked is [`AppError::NotFound`]. A patched etcd refuses a lease's keys to a user who
    /// may not read them all; the lease is then answered without keys.
    pub async fn lease(&self, id: i64) -> Result<Lease, AppError> {
        let time_to_live = |keys: bool| {
            self.run(
                Retry::Read,
                move |client: &etcd_client::Client| async move {
                    let mut client = client.clone();
                    let options = keys.then(|| LeaseTimeToLiveOptions::new().with_keys());
                    client.lease_time_to_live(id, options).await
                },
            )
        };
        let (response, refused) = match time_to_live(true).await {
            Err(Refusal::Denied) if self.user().is_some() => (time_to_live(false).await, true),
            answer => (answer, false),
        };
        let read = lease_op("read", id);
        let (response, _) = response.map_err(self.refused(read.clone()))?;
        if response.ttl() < 0 {
            return Err(self.refused(read)(Refusal::LeaseNotFound));
        }
        let attached: Vec<Key> = response
            .keys()
            .iter()
            .map(|k| Key::new(k.as_slice()))
            .collect();
        let attached_count = attached.len();
        let mut keys = self.readable(attached).await?;
        keys.sort();
        let key_count = keys.len() as u64;
        let keys_hidden = refused || keys.len() < attached_count;
        keys.truncate(MAX_LEASE_KEYS);
        Ok(Lease {
            id,
            ttl: response.ttl(),
            granted_ttl: response.granted_ttl(),
            key_count,
            keys,
            keys_hidden,
        })
    }

    /// The keys of `keys` this handle's user may read. etcd names a lease's keys to anyone who
    /// may ask about the lease, those they may not read included (CVE-2023-32082; fixed in etcd
    /// 3.4.26 and 3.5.9, still in older members), so they are checked here: a read-only
    /// transaction counting up to 128 of them is refused whole if one may not be read, and then
    /// its halves are tried. Keys all readable, or all not, cost one request per 128.
    async fn readable(&self, keys: Vec<Key>) -> Result<Vec<Key>, AppError> {
        if self.user().is_none() {
            return Ok(keys);
        }
        let mut readable = Vec::with_capacity(keys.len());
        let mut pending: Vec<Vec<Key>> = keys.chunks(MAX_TXN_OPS).map(<[Key]>::to_vec).collect();
        while let Some(batch) = pending.pop() {
            let counts: Vec<TxnOp> = batch
                .iter()
                .map(|key| TxnOp::get(key.as_bytes(), Some(GetOptions::new().with_count_only())))
                .collect();
            let answer = self
                .run(Retry::Read, |client| {
                    let txn = Txn::new().and_then(counts.clone());
                    async move { super::kv(client).txn(txn).await }
                })
                .await;
            match answer {
                Ok(_) => readable.extend(batch),
                Err(Refusal::Denied) if batch.len() > 1 => {
                    let (first, second) = batch.split_at(batch.len() / 2);
                    pending.push(second.to_vec());
                    pending.push(first.to_vec());
                }
                Err(Refusal::Denied) => {}
                Err(refusal) => {
                    return Err(self.refused(Op::new("read the lease's keys"))(refusal))
                }
            }
        }
        Ok(readable)
    }

    /// The seconds each of `ids` has left, as far as etcd says (a lease that has expired, or
    /// that this user may not ask about, has none).
    pub async fn leases_left(&self, ids: &[i64]) -> Vec<(i64, Option<i64>)> {
        futures::stream::iter(ids.iter().copied())
            .map(|id| async move {
                let answer = self
                    .run(Retry::Read, |client: &etcd_client::Client| async move {
                        let mut client = client.clone();
                        client.lease_time_to_live(id, None).await
                    })
                    .await;
                let left = answer.ok().map(|(response, _)| response.ttl().max(0));
                (id, left)
            })
            .buffered(AT_ONCE)
            .collect()
            .await
    }

    /// Grants a lease of `ttl` seconds; answers its id.
    pub async fn grant_lease(&self, ttl: i64) -> Result<(i64, WriteReceipt), AppError> {
        let retry = Retry::Write {
            key: "a new lease".into(),
        };
        let (response, _) = self
            .run(retry, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.lease_grant(ttl, None).await
            })
            .await
            .map_err(self.refused(Op::new("grant a lease")))?;
        Ok((response.id(), super::receipt(response.header())))
    }

    /// Revokes a lease: etcd deletes its keys at once.
    pub async fn revoke_lease(&self, id: i64) -> Result<WriteReceipt, AppError> {
        let retry = Retry::Write {
            key: format!("lease {}", lease_hex(id)),
        };
        let (response, _) = self
            .run(retry, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                client.lease_revoke(id).await
            })
            .await
            .map_err(self.refused(lease_op("revoke", id)))?;
        Ok(super::receipt(response.header()))
    }

    /// Renews a lease to its granted time to live, once; answers the seconds it now has.
    pub async fn keep_lease_alive(&self, id: i64) -> Result<i64, AppError> {
        let (answer, _) = self
            .run(Retry::Read, |client: &etcd_client::Client| async move {
                let mut client = client.clone();
                let (mut keeper, mut responses) = client.lease_keep_alive(id).await?;
                keeper.keep_alive().await?;
                responses.message().await
            })
            .await
            .map_err(self.refused(lease_op("keep alive", id)))?;
        let ttl = answer.map_or(0, |answer| answer.ttl());
        if ttl <= 0 {
            return Err(self.refused(lease_op("keep alive", id))(
                Refusal::LeaseNotFound,
            ));
        }
        Ok(ttl)
    }
}

/// A request that tries to `what` ("read", "revoke") the lease `id`.
fn lease_op(what: &str, id: i64) -> Op {
    Op::new(format!("{what} the lease {}", lease_hex(id))).lease(id)
}
