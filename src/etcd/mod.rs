//! The etcd adapter: the only code in etcd-deck that talks to etcd.
//!
//! One [`Etcd`] handle is created at start and cloned into every request. It keeps a client per
//! endpoint (see [`pool`]), checks their health in the background (see [`health`]), bounds every
//! request by the request timeout, and answers with domain types or an [`AppError`].

mod bulk;
mod cluster;
mod counts;
mod error;
mod follower;
mod health;
mod history;
mod hub;
mod kept;
mod leases;
mod past;
mod pool;
mod scan;
mod settings;
mod sizes;
mod tls;
mod tree;
mod watch;

use crate::domain::AppError;
use crate::domain::{
    cluster::{member_id_hex, ReadSource},
    lease::Expiry,
    paging::next_cursor,
    Connection, Key, KeyDetail, KeyListing, KeySummary, PageRequest, PutCondition, Value,
    WriteReceipt,
};
pub use bulk::{BulkOp, Held, HeldWindow};
use etcd_client::{
    Client, Compare, CompareOp, DeleteOptions, GetOptions, KeyValue, KvClient, PutOptions,
    ResponseHeader, SortOrder as EtcdSortOrder, SortTarget, Txn, TxnOp, TxnOpResponse,
};
pub use follower::Follower;
use pool::{Endpoint, Needs, Pool, Retry, UserClients};
pub use scan::{ScanPermit, WindowFound, MAX_SCANS};
pub use settings::{EtcdSettings, EtcdUser};
use std::{sync::Arc, time::Duration};
pub use tls::EtcdTls;
pub use watch::Watch;

/// The largest response accepted from etcd: a page of 1000 keys of up to 1.5 MiB each would
/// not fit in gRPC's default 4 MiB.
const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;
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
            .await?;
        Ok(etcd)
    }

    /// The etcd user this handle acts as, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_ref().map(|user| user.name.as_str())
    }

    /// Says what `err` did not allow, when it is etcd's "permission denied".
    fn denied(&self, err: AppError, what: &str) -> AppError {
        error::denied(err, self.user(), what)
    }

    /// Runs a request through the pool, as this handle's user.
    async fn run<T, F, Fut>(&self, retry: Retry, request: F) -> Result<(T, &Endpoint), AppError>
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        self.pool.run(retry, self.user.as_deref(), request).await
    }

    pub fn endpoints(&self) -> &[String] {
        &self.pool.urls
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
            Ok(revision) => Ok(Connection { revision }),
            Err(AppError::PermissionDenied { .. }) => Ok(Connection { revision: 0 }),
            Err(err) => Err(err),
        }
    }

    /// Whether etcd has authentication enabled, as this handle finds: a request without a token
    /// is refused, or (with a TLS client certificate, whose common name etcd then takes for a
    /// user name) denied. Only a client certificate naming an etcd user allowed to read the
    /// probed key would hide it.
    pub async fn authentication_enabled(&self) -> Result<bool, AppError> {
        match self.probe().await {
            Ok(_) => Ok(false),
            Err(AppError::Unauthenticated { .. } | AppError::PermissionDenied { .. }) => Ok(true),
            Err(err) => Err(err),
        }
    }

    /// A linearizable count of one key: the cheapest request that needs a quorum. Answers the
    /// revision.
    async fn probe(&self) -> Result<i64, AppError> {
        let (response, _) = self
            .run(Retry::Read, |client| async move {
                let options = GetOptions::new().with_count_only();
                kv(&client).get(vec![0], Some(options)).await
            })
            .await?;
        Ok(revision(response.header()))
    }

    /// Reads one key with its value.
    pub async fn get(&self, key: &Key) -> Result<KeyDetail, AppError> {
        let bytes = key.as_bytes();
        let (response, endpoint) = self
            .run(Retry::Read, |client| async move {
                kv(&client).get(bytes, None).await
            })
            .await
            .map_err(|err| self.denied(err, &format!("read the key {key}")))?;
        let found = response.kvs().first().ok_or_else(|| not_found(key))?;
        Ok(detail(found, response.header(), endpoint))
    }

    /// One page of keys, in one Range, whose count is that of the keys from the page's start
    /// on. A later page also needs the count of the whole prefix at the listing's revision, for
    /// its place in it: the first page counted it, so it is remembered, or else counted once.
    /// Without a quorum, the page is read from any member that answers, marked as stale.
    pub async fn list(&self, page: &PageRequest) -> Result<KeyListing, AppError> {
        let read = |client: Client, serializable: bool| async move {
            let options = page_options(page, serializable);
            kv(&client).get(page.page_start(), Some(options)).await
        };
        let backwards = page.before.is_some();
        let (response, source) = match self.run(Retry::Read, |c| read(c, false)).await {
            Ok((response, endpoint)) => {
                let source = source(endpoint, response.header(), false);
                (response, source)
            }
            Err(err @ (AppError::NoQuorum { .. } | AppError::EtcdUnavailable { .. })) => {
                let Ok((response, endpoint)) = self.read_stale(|c| read(c, true)).await else {
                    return Err(err);
                };
                let source = source(endpoint, response.header(), true);
                (response, source)
            }
            Err(err) => return Err(self.listing_error(err, &page.prefix, page.revision)),
        };
        // Read at the revision asked for, or else at the one the response was read at.
        let revision = page.revision.unwrap_or(revision(response.header()));
        let (start, end) = (page.range_start(), page.range_end());
        let total = if page.page_start() == start && !backwards {
            response.count()
        } else if let Some(total) = self.pool.counts.get(self.user(), &start, &end, revision) {
            total
        } else {
            self.count(&start, &end, revision, source.stale)
                .await
                .map_err(|err| self.listing_error(err, &page.prefix, page.revision))?
        };
        let counts = &self.pool.counts;
        counts.insert(self.user(), &start, &end, revision, total);
        let mut keys: Vec<KeySummary> = response
            .kvs()
            .iter()
            .map(|kv| summary(kv, page.values))
            .collect();
        // A previous page is read backwards from its end: its count is of the keys before it.
        let offset = if backwards {
            keys.reverse();
            response.count() - keys.len() as i64
        } else {
            total - response.count()
        };
        let more = match backwards {
            true => offset + (keys.len() as i64) < total,
            false => response.more(),
        };
        let next = next_cursor(keys.last().map(|k| &k.key), more);
        Ok(KeyListing {
            request: page.clone(),
            total,
            offset,
            keys,
            next,
            revision,
            source,
            compacted: None,
        })
    }

    /// The keys in `[start, end)` at `revision`; from any member that answers when `stale`.
    async fn count(
        &self,
        start: &[u8],
        end: &[u8],
        revision: i64,
        stale: bool,
    ) -> Result<i64, AppError> {
        let count = |client: Client| {
            let mut options = GetOptions::new()
                .with_range(end.to_vec())
                .with_count_only()
                .with_revision(revision);
            if stale {
                options = options.with_serializable();
            }
            async move { kv(&client).get(start.to_vec(), Some(options)).await }
        };
        let answer = if stale {
            self.read_stale(count).await
        } else {
            self.run(Retry::Read, count).await
        };
        answer.map(|(response, _)| response.count())
    }

    /// Says which listing of `prefix` was denied, or which revision was compacted.
    fn listing_error(&self, err: AppError, prefix: &Key, revision: Option<i64>) -> AppError {
        let err = error::at_revision(err, revision.unwrap_or_default());
        self.denied(err, &format!("list {}", prefix.describe_prefix()))
    }

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
        let write = format!("write the key {key}");
        let failed = |err: AppError| {
            let err = match (err, expiry) {
                (AppError::NotFound { key: what }, Expiry::Keep) if what == "key" => {
                    AppError::NotFound { key: key.display() }
                }
                (err, Expiry::Lease(id)) => error::about_lease(err, id),
                (err, _) => err,
            };
            self.denied(err, &write)
        };
        let options = self.lease_options(key, expiry).await.map_err(failed)?;
        let compare = match condition {
            PutCondition::Always => {
                let (response, _) = self
                    .run(retry(), |client| {
                        let (value, options) = (value.clone(), options.clone());
                        async move { kv(&client).put(bytes, value, Some(options)).await }
                    })
                    .await
                    .map_err(failed)?;
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
                async move { kv(&client).txn(txn).await }
            })
            .await
            .map_err(failed)?;
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
    async fn lease_options(&self, key: &Key, expiry: Expiry) -> Result<PutOptions, AppError> {
        let ttl = match expiry {
            Expiry::Never => return Ok(PutOptions::new()),
            Expiry::Keep => return Ok(PutOptions::new().with_ignore_lease()),
            Expiry::Lease(id) => return Ok(PutOptions::new().with_lease(id)),
            Expiry::NewLease(ttl) => ttl,
        };
        let retry = Retry::Write { key: key.display() };
        let (lease, _) = self
            .run(retry, |mut client| async move {
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
                kv(&client).delete(bytes, Some(options)).await
            })
            .await
            .map_err(|err| self.denied(err, &format!("delete the key {key}")))?;
        let deleted = response.prev_kvs().first().ok_or_else(|| not_found(key))?;
        Ok(detail(deleted, response.header(), endpoint))
    }

    /// Runs a read that needs no leader on the first endpoint that answers it, all within one
    /// request timeout. etcd's definite answers (permission denied) end the search: every member
    /// would say the same.
    async fn read_stale<T, F, Fut>(&self, request: F) -> Result<(T, &Endpoint), AppError>
    where
        F: Fn(Client) -> Fut,
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
                    error::Failure::Answered(err) => return Err(err),
                    error::Failure::NotSent(reason) | error::Failure::Unanswered(reason) => {
                        last = Some(reason)
                    }
                    error::Failure::NoLeader => last = Some("no leader".into()),
                },
                Err(_) => break,
            }
        }
        Err(AppError::EtcdUnavailable {
            endpoints: self.pool.urls.clone(),
            reason: last.unwrap_or_else(|| "no member answered in time".into()),
        })
    }
}

fn kv(client: &Client) -> KvClient {
    client
        .kv_client()
        .max_decoding_message_size(MAX_RESPONSE_BYTES)
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

/// A transaction of two reads: the count of the whole prefix, and this page of keys.
/// The options of a page's Range: up to `limit` keys to the end of the prefix, at the
/// listing's revision.
fn page_options(page: &PageRequest, serializable: bool) -> GetOptions {
    let mut options = GetOptions::new()
        .with_range(page.page_end())
        .with_limit(i64::from(page.limit));
    if page.before.is_some() {
        options = options.with_sort(SortTarget::Key, EtcdSortOrder::Descend);
    }
    if !page.values {
        options = options.with_keys_only();
    }
    if let Some(revision) = page.revision {
        options = options.with_revision(revision);
    }
    if serializable {
        options = options.with_serializable();
    }
    options
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
