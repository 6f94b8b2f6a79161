//! The etcd adapter: the only code in etcd-deck that talks to etcd.
//!
//! One [`Etcd`] handle is created at start and cloned into every request. It keeps a client per
//! endpoint (see [`pool`]), checks their health in the background (see [`health`]), bounds every
//! request by the request timeout, and answers with domain types or an [`AppError`].

mod access_admin;
mod bulk;
mod calls;
mod cluster;
mod counts;
mod error;
mod follower;
mod health;
mod history;
mod hub;
mod kept;
mod leases;
mod list;
mod maintenance;
mod member_clients;
mod members;
mod metrics;
mod past;
mod periodic;
mod pool;
pub mod prometheus;
mod prometheus_source;
mod sampler;
mod scan;
mod settings;
mod sizes;
mod snapshot;
mod space;
mod tls;
mod tree;
mod watch;
mod write;

use crate::domain::AppError;
use crate::domain::{
    cluster::{member_id_hex, ReadSource},
    Connection, Key, KeyDetail, KeySummary, Value, WriteReceipt,
};
pub use access_admin::Directory;
pub use bulk::{BulkOp, Held, HeldWindow};
use calls::Reply;
pub use calls::{CallKind, CallLabels, EtcdCalls};
use error::{Op, Refusal};
use etcd_client::{Client, GetOptions, KeyValue, KvClient, ResponseHeader};
pub use follower::Follower;
use pool::{Endpoint, Needs, Pool, Retry, UserClients};
pub use sampler::SamplerSettings;
pub use scan::{ScanPermit, WindowFound, MAX_SCANS};
pub use settings::{EtcdSettings, EtcdUser};
pub use snapshot::{Digest as SnapshotDigest, Snapshot};
use std::{sync::Arc, time::Duration};
pub use tls::EtcdTls;
pub use watch::Watch;

/// The largest response accepted from etcd: a page of 1000 keys of up to 1.5 MiB each would
/// not fit in gRPC's default 4 MiB.
const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;
/// What the probe of a connection tries, as a refusal of it says.
const PROBE: &str = "read from etcd";

/// A handle on the etcd cluster, acting anonymously or as one etcd user.
#[derive(Clone)]
pub struct Etcd {
    pool: Arc<Pool>,
    user: Option<Arc<UserClients>>,
}

impl Etcd {
    /// Prepares a client per endpoint and starts their health check. This does not wait for
    /// etcd: it may be down now and come later.
    pub async fn connect(settings: EtcdSettings) -> Result<Self, AppError> {
        if settings.endpoints.is_empty() {
            return Err(AppError::invalid("no etcd endpoints given"));
        }
        let pool = Arc::new(Pool::connect(&settings).await?);
        health::spawn(&pool, settings.health_interval);
        sampler::spawn(&pool);
        prometheus_source::spawn(&pool);
        Ok(Etcd { pool, user: None })
    }

    /// A handle that acts as the etcd user `name`, sharing this one's endpoints and their
    /// health. It checks the password first: wrong credentials are
    /// [`AppError::Unauthenticated`].
    pub async fn as_user(&self, name: &str, password: &str) -> Result<Etcd, AppError> {
        let user = Arc::new(UserClients::new(name, password, self.pool.endpoints.len()));
        let etcd = Etcd {
            pool: self.pool.clone(),
            user: Some(user),
        };
        // Connecting one client authenticates; a wrong password is etcd's definite answer.
        etcd.run(Retry::Read, |_| async { Ok::<_, etcd_client::Error>(()) })
            .await
            .map_err(etcd.refused(Op::new("sign in")))?;
        Ok(etcd)
    }

    /// The etcd user this handle acts as, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_ref().map(|user| user.name.as_str())
    }

    /// Tells a refusal of `op`, made as this handle's user: `.map_err(self.refused(op))`.
    fn refused(&self, op: Op) -> impl Fn(Refusal) -> AppError + '_ {
        move |refusal| {
            let err = op.told(refusal, self.user());
            if err == AppError::NoSpace {
                self.pool.last_no_space.now();
            }
            err
        }
    }

    /// Runs a request through the pool, as this handle's user.
    async fn run<'a, T, F, Fut>(
        &'a self,
        retry: Retry,
        request: F,
    ) -> Result<(T, &'a Endpoint), Refusal>
    where
        T: Reply,
        F: Fn(&'a Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        self.pool.run(retry, self.user.as_deref(), request).await
    }

    pub fn endpoints(&self) -> &[String] {
        &self.pool.urls
    }

    /// The requests made of etcd through this handle's pool (every user's), for etcd-deck's
    /// own metrics.
    pub fn calls(&self) -> &EtcdCalls {
        &self.pool.calls
    }

    /// The deadline of every request, retries included.
    pub fn request_timeout(&self) -> Duration {
        self.pool.timeout
    }

    /// Checks that the cluster answers a linearizable read, which needs a leader and a quorum.
    ///
    /// A user who may not read the key it reads still learns that etcd answers: etcd checks
    /// permissions after the read has gone through the leader. The revision is then unknown (0).
    pub async fn connection(&self) -> Result<Connection, AppError> {
        match self.probe().await {
            Ok(revision) => Ok(self.connection_at(revision).await),
            Err(Refusal::Denied) => Ok(self.connection_at(0).await),
            Err(refusal) => Err(self.refused(Op::new(PROBE))(refusal)),
        }
    }

    /// The connection, read at `revision`, with how full etcd is.
    async fn connection_at(&self, revision: i64) -> Connection {
        Connection {
            revision,
            full: self.is_full(),
            nearly_full: self.nearly_full().await,
            alerts: Vec::new(),
        }
    }

    /// Whether etcd has authentication enabled: a request without a token is refused, or (with
    /// a TLS client certificate, whose common name etcd then takes for a user name) denied. It
    /// is asked anonymously, whoever this handle acts as. Only a client certificate naming an
    /// etcd user allowed to read the probed key would hide it.
    pub async fn authentication_enabled(&self) -> Result<bool, AppError> {
        let anonymous = Etcd {
            pool: self.pool.clone(),
            user: None,
        };
        match anonymous.probe().await {
            Ok(_) => Ok(false),
            Err(Refusal::Told(AppError::Unauthenticated { .. }) | Refusal::Denied) => Ok(true),
            Err(refusal) => Err(self.refused(Op::new(PROBE))(refusal)),
        }
    }

    /// A linearizable count of one key: the cheapest request that needs a quorum. Answers the
    /// revision.
    async fn probe(&self) -> Result<i64, Refusal> {
        let (response, _) = self
            .run(Retry::Read, |client| async move {
                let options = GetOptions::new().with_count_only();
                kv(client).get(vec![0], Some(options)).await
            })
            .await?;
        Ok(revision(response.header()))
    }

    /// Reads one key with its value.
    pub async fn get(&self, key: &Key) -> Result<KeyDetail, AppError> {
        let bytes = key.as_bytes();
        let (response, endpoint) = self
            .run(Retry::Read, |client| async move {
                kv(client).get(bytes, None).await
            })
            .await
            .map_err(self.refused(Op::new(format!("read the key {key}"))))?;
        let found = response.kvs().first().ok_or_else(|| not_found(key))?;
        Ok(detail(found, response.header(), endpoint))
    }

    /// Runs a read that needs no leader on the first endpoint that answers it, all within one
    /// request timeout. etcd's definite answers (permission denied) end the search: every member
    /// would say the same.
    async fn read_stale<'a, T, F, Fut>(&'a self, request: F) -> Result<(T, &'a Endpoint), Refusal>
    where
        T: Reply,
        F: Fn(&'a Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let started = std::time::Instant::now();
        let answer = self.read_stale_anywhere(request).await;
        self.pool.calls.ran::<T, _>(started, &answer);
        answer
    }

    async fn read_stale_anywhere<'a, T, F, Fut>(
        &'a self,
        request: F,
    ) -> Result<(T, &'a Endpoint), Refusal>
    where
        F: Fn(&'a Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = tokio::time::Instant::now() + self.pool.timeout;
        let user = self.user.as_deref();
        let mut last = None;
        for endpoint in self.pool.order() {
            let attempt = async {
                let client = self.pool.client_at(endpoint, user, Needs::NoLeader).await?;
                request(client).await
            };
            match tokio::time::timeout_at(deadline, attempt).await {
                Ok(Ok(answer)) => return Ok((answer, endpoint)),
                Ok(Err(err)) => match error::classify(err, &self.pool.urls) {
                    error::Failure::Answered(refusal) => return Err(refusal),
                    error::Failure::NotSent(reason) | error::Failure::Unanswered(reason) => {
                        last = Some(reason)
                    }
                    error::Failure::NoLeader => last = Some("no leader".into()),
                    error::Failure::Learner => last = Some("a learner".into()),
                },
                Err(_) => break,
            }
        }
        Err(Refusal::Told(AppError::EtcdUnavailable {
            endpoints: self.pool.urls.clone(),
            reason: last.unwrap_or_else(|| "no member answered in time".into()),
        }))
    }
}

fn kv(client: &Client) -> KvClient {
    client
        .kv_client()
        .max_decoding_message_size(MAX_RESPONSE_BYTES)
}

fn summary(kv: &KeyValue, with_value: bool) -> KeySummary {
    KeySummary {
        key: Key::new(kv.key()),
        version: kv.version(),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        lease: kv.lease(),
        lease_left: None,
        value: with_value.then(|| Value(kv.value().to_vec())),
        value_size: with_value.then_some(kv.value().len() as u64),
    }
}

fn detail(kv: &KeyValue, header: Option<&ResponseHeader>, endpoint: &Endpoint) -> KeyDetail {
    KeyDetail {
        summary: summary(kv, false),
        value: Value(kv.value().to_vec()),
        revision: revision(header),
        source: source(endpoint, header, false),
    }
}

fn source(endpoint: &Endpoint, header: Option<&ResponseHeader>, stale: bool) -> ReadSource {
    ReadSource {
        endpoint: endpoint.url.clone(),
        member_id: member_id_hex(header.map(ResponseHeader::member_id).unwrap_or_default()),
        stale,
    }
}

fn revision(header: Option<&ResponseHeader>) -> i64 {
    header.map(ResponseHeader::revision).unwrap_or_default()
}

fn receipt(header: Option<&ResponseHeader>) -> WriteReceipt {
    WriteReceipt {
        revision: revision(header),
    }
}

fn not_found(key: &Key) -> AppError {
    AppError::NotFound { key: key.display() }
}
