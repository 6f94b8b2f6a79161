//! Leases: what they hold and how long they live; granting, revoking and renewing them.

use super::audit::WriteAttempt;
use super::caller::{Caller, Written};
use crate::domain::access::Operation;
use crate::domain::{
    lease::{lease_hex, Lease, Leases},
    AppError, KeySummary, WriteReceipt,
};

pub use crate::domain::lease::MAX_TTL;

/// The cluster's leases, with their times to live and keys.
pub async fn list(caller: &Caller) -> Result<Leases, AppError> {
    caller.etcd.leases().await
}

/// One lease with its keys; one that has expired or was revoked is [`AppError::NotFound`].
pub async fn get(caller: &Caller, id: i64) -> Result<Lease, AppError> {
    caller.etcd.lease(id).await
}

/// The most leases a page asks about: keys on other leases show the lease without a countdown.
const LEASES_PER_PAGE: usize = 64;

/// Fills in the seconds each key's lease has left, asking etcd once per lease.
pub async fn fill_time_left<'a>(
    caller: &Caller,
    keys: impl IntoIterator<Item = &'a mut KeySummary>,
) {
    let mut keys: Vec<&mut KeySummary> = keys.into_iter().filter(|key| key.lease != 0).collect();
    let mut ids: Vec<i64> = keys.iter().map(|key| key.lease).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.truncate(LEASES_PER_PAGE);
    let left = caller.etcd.leases_left(&ids).await;
    for key in &mut keys {
        key.lease_left = left
            .iter()
            .find(|(id, _)| *id == key.lease)
            .and_then(|(_, left)| *left);
    }
}

/// Grants a lease of `ttl` seconds; answers its id.
pub async fn grant(caller: &Caller, ttl: i64) -> Result<(i64, WriteReceipt), AppError> {
    let attempt = WriteAttempt {
        condition: Some(format!("ttl={ttl}")),
        ..WriteAttempt::of(Operation::LeaseGrant)
    };
    caller
        .write(attempt, async {
            if !(1..=MAX_TTL).contains(&ttl) {
                return Err(AppError::invalid(format!(
                    "the ttl must be from 1 to {MAX_TTL} seconds"
                )));
            }
            caller.etcd.grant_lease(ttl).await
        })
        .await
}

/// Revokes a lease, which deletes every key attached to it.
pub async fn revoke(caller: &Caller, id: i64) -> Result<WriteReceipt, AppError> {
    caller
        .write(on_lease(Operation::LeaseRevoke, id), async {
            caller.etcd.revoke_lease(id).await
        })
        .await
}

/// Renews a lease to its granted time to live, once; answers it as it is then.
pub async fn keep_alive(caller: &Caller, id: i64) -> Result<Lease, AppError> {
    caller
        .write(on_lease(Operation::LeaseKeepAlive, id), async {
            caller.etcd.keep_lease_alive(id).await?;
            caller.etcd.lease(id).await
        })
        .await
}

fn on_lease(operation: Operation, id: i64) -> WriteAttempt {
    WriteAttempt {
        lease: Some(lease_hex(id)),
        ..WriteAttempt::of(operation)
    }
}

impl Written for Lease {
    fn revision(&self) -> Option<i64> {
        None
    }
}
