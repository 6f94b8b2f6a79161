//! Changing the cluster's membership: adding a member (as a learner by default), promoting a
//! learner, removing a member, moving the leadership; and a key as one member holds it.
//!
//! Each request goes to the member meant, on a connection of its own (see
//! [`Etcd::on_member`]): a membership change through the leader, which proposes it; a
//! leadership move to the leader, the only member that can hand it on; a key's read to the
//! member whose copy is asked about, serializable so that the member answers from its own
//! store.

use super::error::{Op, NOT_IN_TOUCH};
use super::Etcd;
use crate::domain::cluster::member_id_hex;
use crate::domain::members::MemberNow;
use crate::domain::raft::RaftEvent;
use crate::domain::{AppError, Key};
use etcd_client::{GetOptions, MemberAddOptions};
use std::time::{Duration, Instant};

/// How long an addition waits for the leader to be in touch with every voter (etcd wants 5 s).
const IN_TOUCH: Duration = Duration::from_secs(6);

impl Etcd {
    /// Adds a member that will listen to its peers at `peer_urls`, through `via`; answers its
    /// id in hex.
    pub async fn add_member(
        &self,
        via: &MemberNow,
        peer_urls: &[String],
        learner: bool,
    ) -> Result<String, AppError> {
        let op = Op::new(format!("add a member at {}", peer_urls.join(", ")));
        let added = in_touch(|| {
            let urls = peer_urls.to_vec();
            let add = |mut client: etcd_client::Client| async move {
                let options = learner.then(|| MemberAddOptions::new().with_is_learner());
                client.member_add(urls, options).await
            };
            self.on_member(via, op.clone(), self.pool.timeout, add)
        })
        .await?;
        let id = added.member().map(|m| member_id_hex(m.id()));
        Ok(id.unwrap_or_default())
    }

    /// Removes the member with the hex id `id`, through `via`.
    pub async fn remove_member(&self, via: &MemberNow, id: &str) -> Result<(), AppError> {
        let number = member_number(id)?;
        let op = Op::new(format!("remove member {id}"));
        let removed = in_touch(|| {
            let remove =
                |mut client: etcd_client::Client| async move { client.member_remove(number).await };
            self.on_member(via, op.clone(), self.pool.timeout, remove)
        });
        removed.await.map(|_| ())
    }

    /// Promotes the learner with the hex id `id` to a voting member, through `via`.
    pub async fn promote_member(&self, via: &MemberNow, id: &str) -> Result<(), AppError> {
        let number = member_number(id)?;
        let op = Op::new(format!("promote learner {id}"));
        let promote =
            |mut client: etcd_client::Client| async move { client.member_promote(number).await };
        self.on_member(via, op, self.pool.timeout, promote)
            .await
            .map(|_| ())
    }

    /// Hands the leadership from `leader` to the member with the hex id `to`; etcd answers once
    /// the new leader has taken over.
    pub async fn move_leader(&self, leader: &MemberNow, to: &str) -> Result<(), AppError> {
        let number = member_number(to)?;
        let op = Op::new(format!(
            "move the leadership from {} to {to}",
            leader.label()
        ));
        let moved =
            |mut client: etcd_client::Client| async move { client.move_leader(number).await };
        self.on_member(leader, op, self.pool.timeout, moved)
            .await
            .map(|_| ())
    }

    /// The mod revision of `key` as `member` alone holds it (none without such a key). Not
    /// checked to be that member first, as changes are: the check reads the member's status,
    /// which a patched etcd gives its root role only, and anyone who may read the key may ask.
    pub async fn key_on_member(
        &self,
        member: &MemberNow,
        key: &Key,
    ) -> Result<Option<i64>, AppError> {
        let op = Op::new(format!(
            "read the key {} on member {}",
            key.display(),
            member.label()
        ));
        let bytes = key.as_bytes().to_vec();
        let read = |mut client: etcd_client::Client| async move {
            let options = GetOptions::new().with_serializable().with_keys_only();
            client.get(bytes, Some(options)).await
        };
        let within = self.pool.timeout;
        let found = self
            .at_member_within(&member.url, op.key(key), within, read)
            .await?;
        Ok(found.kvs().first().map(|kv| kv.mod_revision()))
    }

    /// The changes of leader and term the health check has seen, the oldest first.
    pub fn timeline(&self) -> Vec<RaftEvent> {
        let timeline = self.pool.timeline.lock();
        timeline.map(|t| t.events()).unwrap_or_default()
    }
}

/// Runs a membership change again while etcd refuses it because the leader has not heard from
/// every voter for the last 5 seconds (etcd's `--strict-reconfig-check`): right after a member
/// restarted or joined, that passes in seconds. Any other answer is final.
async fn in_touch<T, F, Fut>(change: F) -> Result<T, AppError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let deadline = Instant::now() + IN_TOUCH;
    loop {
        match change().await {
            Err(AppError::Unsafe { message })
                if message.ends_with(NOT_IN_TOUCH) && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            answer => return answer,
        }
    }
}

/// A member id given in hex, as etcdctl prints it.
pub(super) fn member_number(id: &str) -> Result<u64, AppError> {
    u64::from_str_radix(id, 16).map_err(|_| AppError::invalid(format!("{id:?} is no member id")))
}
