//! Maintenance, one member at a time: each member's state read from itself, compaction,
//! defragmentation, alarms, and the consistency check.
//!
//! Defragmentation, HashKV and a member's status are per member, so they go to the member's own
//! client URL on a connection of their own (see [`super::pool::Pool::maintenance_at`]), never
//! through the rotation that spreads reads and writes. Compaction and alarms are replicated:
//! any member with a leader takes them.

use super::calls::Reply;
use super::error::{refusal, Op};
use super::health::member_status;
use super::{pool::Retry, Etcd};
use crate::domain::cluster::{member_id_hex, same_url, Role};
use crate::domain::maintenance::MemberHash;
use crate::domain::members::MemberNow;
use crate::domain::AppError;
use etcd_client::{AlarmAction, AlarmOptions, AlarmType, Client, CompactionOptions, Member};
use std::future::Future;
use std::time::Duration;

/// The longest a member's defragmentation or physical compaction is waited for: each takes
/// about a second per 100 MB of database (a defragmentation blocks the member meanwhile).
const LONG_TIMEOUT: Duration = Duration::from_secs(30 * 60);

impl Etcd {
    /// Every member of the cluster, read now from the member itself: its status, its quota and
    /// compacted revision (from its `/metrics`), and its alarms. A member that does not answer
    /// is listed with why.
    pub async fn members_now(&self) -> Result<Vec<MemberNow>, AppError> {
        let (list, _) = self
            .read_stale(|client| {
                let mut client = client.clone();
                async move { client.member_list().await }
            })
            .await
            .map_err(self.refused(Op::new("list the members")))?;
        let alarms = self.alarms().await?;
        let reads = list.members().iter().map(|member| self.member_now(member));
        let mut members = futures::future::join_all(reads).await;
        for member in &mut members {
            member.alarms = alarms
                .iter()
                .filter(|(id, _)| *id == member.id)
                .map(|(_, alarm)| alarm.clone())
                .collect();
        }
        Ok(members)
    }

    async fn member_now(&self, member: &Member) -> MemberNow {
        let id = member_id_hex(member.id());
        let url = self.url_of(member);
        let role = if member.is_learner() {
            Role::Learner
        } else {
            Role::Voter
        };
        let mut now = MemberNow {
            id: id.clone(),
            name: member.name().to_string(),
            url: url.clone().unwrap_or_default(),
            peer_urls: member.peer_urls().to_vec(),
            role: role.as_str().into(),
            db_size: None,
            db_size_in_use: None,
            quota_bytes: None,
            revision: None,
            compact_revision: None,
            has_leader: false,
            raft_term: None,
            commit_index: None,
            applied_index: None,
            alarms: Vec::new(),
            error: None,
        };
        let Some(url) = url else {
            now.error = Some("it has not started yet: it has no client URL".into());
            return now;
        };
        let op = Op::new(format!("read the status of member {id}"));
        let ask = |client: Client| async move { client.maintenance_client().status().await };
        let status = self.at_member_within(&url, op, self.pool.timeout, ask);
        let (status, space) = futures::join!(status, self.pool.metrics.space_now(&url));
        match status.map(|status| member_status(&status)) {
            Ok(status) if status.member_id != id => {
                now.error = Some(format!(
                    "{url} answers as member {}, not as this one",
                    status.member_id
                ));
            }
            Ok(status) => {
                now.db_size = Some(status.db_size.max(0) as u64);
                now.db_size_in_use = Some(status.db_size_in_use.max(0) as u64);
                now.revision = Some(status.revision);
                now.has_leader = !status.leader_id.is_empty();
                now.raft_term = Some(status.raft_term);
                now.commit_index = Some(status.raft_index);
                now.applied_index = Some(status.applied_index);
                if status.leader_id == id {
                    now.role = Role::Leader.as_str().into();
                }
            }
            Err(err) => now.error = Some(err.to_string()),
        }
        if let Ok(space) = space {
            now.quota_bytes = Some(space.quota_bytes);
            now.compact_revision = space.compact_revision;
        }
        now
    }

    /// The URL `member` is reached at: the configured endpoint whose member it is (as its last
    /// status said: the way etcd-deck was told to reach it, through a proxy or a name its
    /// advertised URLs may not be), else a configured endpoint among its client URLs, else the
    /// first URL it advertises.
    fn url_of(&self, member: &Member) -> Option<String> {
        let id = member_id_hex(member.id());
        let endpoints = &self.pool.endpoints;
        let known = endpoints.iter().find(|endpoint| {
            let status = endpoint.health().status;
            status.is_some_and(|status| status.member_id == id)
        });
        let urls = member.client_urls();
        let listed = || {
            let configured = self.pool.urls.iter();
            configured
                .clone()
                .find(|endpoint| urls.iter().any(|url| same_url(url, endpoint)))
        };
        let known = known.map(|endpoint| &endpoint.url);
        known.or_else(listed).or(urls.first()).cloned()
    }

    /// Runs `request` on the member at `url` alone, as this handle's user, within `within`.
    pub(super) async fn at_member_within<T, F, Fut>(
        &self,
        url: &str,
        op: Op,
        within: Duration,
        request: F,
    ) -> Result<T, AppError>
    where
        T: Reply,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let started = std::time::Instant::now();
        let told = self.refused(op);
        let urls = [url.to_string()];
        let attempt = async {
            let client = self.pool.maintenance_at(url, self.user.as_deref()).await?;
            request(client).await
        };
        let answer = match tokio::time::timeout(within, attempt).await {
            Ok(answer) => answer.map_err(|err| told(refusal(err, &urls))),
            Err(_) => Err(AppError::EtcdUnavailable {
                endpoints: urls.to_vec(),
                reason: format!("no answer within {}", super::pool::human(within)),
            }),
        };
        let outcome = answer
            .as_ref()
            .map_or_else(|err| err.code().as_str(), |_| "ok");
        self.pool.calls.record(T::CALL, started, outcome);
        answer
    }

    /// Runs `request` on `member` alone, within `within`, once the member answering on that
    /// connection has said it is `member`: a load balancer or a shared name may lead elsewhere,
    /// and maintenance goes to the member meant or nowhere.
    pub(super) async fn on_member<T, F, Fut>(
        &self,
        member: &MemberNow,
        op: Op,
        within: Duration,
        request: F,
    ) -> Result<T, AppError>
    where
        T: Reply,
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        if member.url.is_empty() {
            return Err(AppError::Unsafe {
                message: format!(
                    "member {} has not started yet: it has no client URL to reach it at",
                    member.label()
                ),
            });
        }
        let checked = |client: Client| async move {
            let status = client.maintenance_client().status().await?;
            let answering = status.header().map(|h| h.member_id()).unwrap_or_default();
            if member_id_hex(answering) != member.id {
                return Ok(Err(AppError::Unsafe {
                    message: format!(
                        "{} answered as member {}, not as {} ({}): nothing was done",
                        member.url,
                        member_id_hex(answering),
                        member.label(),
                        member.id
                    ),
                }));
            }
            request(client).await.map(Ok)
        };
        self.at_member_within(&member.url, op, within, checked)
            .await?
    }

    /// The active alarms, as `(member id in hex, alarm)`.
    pub async fn alarms(&self) -> Result<Vec<(String, String)>, AppError> {
        let (response, _) = self
            .run(Retry::Read, |client| {
                let mut client = client.clone();
                async move { client.alarm(AlarmAction::Get, AlarmType::None, None).await }
            })
            .await
            .map_err(self.refused(Op::new("list the alarms")))?;
        let alarms = response.alarms().iter().map(|alarm| {
            let kind = alarm.alarm().as_str_name().to_string();
            (member_id_hex(alarm.member_id()), kind)
        });
        Ok(alarms.collect())
    }

    /// Compacts the history up to `revision` through `via` (compaction is replicated: every
    /// member applies it), and waits until `via` has freed the space in its database (a
    /// physical compaction, which takes a while on a large one).
    pub async fn compact(&self, via: &MemberNow, revision: i64) -> Result<(), AppError> {
        let op = Op::new(format!("compact the history to revision {revision}"));
        let compact = |mut client: etcd_client::Client| async move {
            let options = CompactionOptions::new().with_physical();
            client.compact(revision, Some(options)).await
        };
        self.on_member(via, op.at(Some(revision)), LONG_TIMEOUT, compact)
            .await
            .map(|_| ())
    }

    /// Defragments the member at `url`, which blocks its reads and writes until done.
    pub async fn defragment(&self, member: &MemberNow) -> Result<(), AppError> {
        let op = Op::new(format!("defragment member {}", member.label()));
        let defragment =
            |client: Client| async move { client.maintenance_client().defragment().await };
        self.on_member(member, op, LONG_TIMEOUT, defragment)
            .await
            .map(|_| ())
    }

    /// Disarms `alarm` (`NOSPACE`, `CORRUPT`) of the member with the hex id `member`: etcd
    /// ignores a disarm that names no member, so each is named.
    pub async fn disarm(&self, member: &str, alarm: &str) -> Result<(), AppError> {
        let id = super::members::member_number(member)?;
        let kind = AlarmType::from_str_name(alarm)
            .filter(|kind| *kind != AlarmType::None)
            .ok_or_else(|| {
                AppError::invalid(format!("{alarm:?} is no alarm: NOSPACE or CORRUPT"))
            })?;
        let op = Op::new(format!("disarm the {alarm} alarm of member {member}"));
        self.run(Retry::Read, |client: &etcd_client::Client| async move {
            let mut client = client.clone();
            let mut options = AlarmOptions::new();
            options.with_member(id);
            client
                .alarm(AlarmAction::Deactivate, kind, Some(options))
                .await
        })
        .await
        .map(|_| ())
        .map_err(self.refused(op))
    }

    /// The member's hash of its keys up to `revision`, with the revision it is compacted to.
    pub async fn hash_kv(&self, member: &MemberNow, revision: i64) -> MemberHash {
        let op = Op::new(format!("hash the keys of member {}", member.label()));
        let hash =
            |client: Client| async move { client.maintenance_client().hash_kv(revision).await };
        let hashed = self
            .on_member(member, op.at(Some(revision)), self.pool.timeout, hash)
            .await;
        MemberHash {
            member: member.label().to_string(),
            hash: hashed.as_ref().ok().map(|h| h.hash()),
            compact_revision: hashed.as_ref().ok().map(|h| h.compact_version()),
            error: hashed.err().map(|err| err.to_string()),
        }
    }
}

impl Etcd {
    /// The etcd roles of this handle's user, as etcd tells a user about themself; `None` when
    /// the handle acts as nobody.
    pub async fn own_roles(&self) -> Result<Option<Vec<String>>, AppError> {
        let Some(name) = self.user().map(str::to_string) else {
            return Ok(None);
        };
        let op = Op::new(format!("read the roles of the etcd user {name}"));
        let (user, _) = self
            .run(Retry::Read, |client| {
                let (mut client, name) = (client.clone(), name.clone());
                async move { client.user_get(name).await }
            })
            .await
            .map_err(self.refused(op))?;
        Ok(Some(user.roles().to_vec()))
    }
}
