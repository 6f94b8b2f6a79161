//! The etcd adapter: the only code in etcd-deck that talks to etcd.
//!
//! One [`Etcd`] handle is created at start and cloned into every request; clones share one gRPC
//! channel. Every call is bounded by the request timeout, requires a leader, and comes back as
//! domain types or an [`AppError`].

mod error;

pub use error::map_error;

use crate::domain::{
    limits::{check_key, check_put},
    paging::next_cursor,
    Connection, Key, KeyDetail, KeyListing, KeySummary, PageRequest, PutCondition, ValueView,
    WriteReceipt,
};
use crate::error::AppError;
use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, GetOptions, KeyValue, KvClient, ResponseHeader,
    Txn, TxnOp, TxnOpResponse,
};
use std::{future::Future, sync::Arc, time::Duration};

/// The largest response accepted from etcd: a page of 1000 keys of up to 1.5 MiB each would
/// not fit in gRPC's default 4 MiB.
const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

/// How to reach etcd.
#[derive(Debug, Clone)]
pub struct EtcdSettings {
    /// Client URLs of the members, like `http://127.0.0.1:2379`.
    pub endpoints: Vec<String>,
    pub connect_timeout: Duration,
    /// The deadline of every request; nothing waits on etcd longer.
    pub request_timeout: Duration,
}

/// A handle on the etcd cluster.
#[derive(Clone)]
pub struct Etcd {
    client: Client,
    settings: Arc<EtcdSettings>,
}

impl Etcd {
    /// Prepares the connection. This does not wait for etcd: it may be down now and come later.
    pub async fn connect(settings: EtcdSettings) -> Result<Self, AppError> {
        if settings.endpoints.is_empty() {
            return Err(AppError::invalid("no etcd endpoints given"));
        }
        let options = ConnectOptions::new()
            .with_connect_timeout(settings.connect_timeout)
            .with_timeout(settings.request_timeout)
            .with_keep_alive(Duration::from_secs(10), settings.request_timeout)
            .with_require_leader(true);
        let client = Client::connect(&settings.endpoints, Some(options))
            .await
            .map_err(|err| map_error(err, &settings.endpoints))?;
        Ok(Etcd {
            client,
            settings: Arc::new(settings),
        })
    }

    pub fn endpoints(&self) -> &[String] {
        &self.settings.endpoints
    }

    /// Checks that the cluster answers a linearizable read, which needs a leader and a quorum.
    pub async fn connection(&self) -> Result<Connection, AppError> {
        let options = GetOptions::new().with_count_only();
        let mut kv = self.kv();
        let response = self.call(kv.get(vec![0], Some(options))).await?;
        Ok(Connection {
            endpoints: self.settings.endpoints.clone(),
            revision: revision(response.header()),
        })
    }

    /// Reads one key with its value.
    pub async fn get(&self, key: &Key) -> Result<KeyDetail, AppError> {
        check_key(key.as_bytes())?;
        let mut kv = self.kv();
        let response = self.call(kv.get(key.as_bytes(), None)).await?;
        let found = response.kvs().first().ok_or_else(|| not_found(key))?;
        Ok(KeyDetail {
            summary: summary(found),
            value: ValueView::from_bytes(found.value().to_vec()),
            revision: revision(response.header()),
        })
    }

    /// Reads one page of the keys under a prefix, keys only, with the count of the whole prefix.
    /// Both reads run in one transaction, so they agree on one revision.
    pub async fn list(&self, page: &PageRequest) -> Result<KeyListing, AppError> {
        let count_all = GetOptions::new()
            .with_range(page.range_end())
            .with_count_only();
        let this_page = GetOptions::new()
            .with_range(page.range_end())
            .with_keys_only()
            .with_limit(i64::from(page.limit));
        let txn = Txn::new().and_then(vec![
            TxnOp::get(page.range_start(), Some(count_all)),
            TxnOp::get(page.page_start(), Some(this_page)),
        ]);
        let mut kv = self.kv();
        let response = self.call(kv.txn(txn)).await?;
        let mut gets = response
            .op_responses()
            .into_iter()
            .filter_map(|op| match op {
                TxnOpResponse::Get(get) => Some(get),
                _ => None,
            });
        let (Some(all), Some(rest)) = (gets.next(), gets.next()) else {
            return Err(unexpected(
                "a listing transaction answered without its two reads",
            ));
        };
        let keys: Vec<KeySummary> = rest.kvs().iter().map(summary).collect();
        let next = next_cursor(keys.last().map(|k| &k.key), rest.more());
        Ok(KeyListing {
            request: page.clone(),
            total: all.count(),
            offset: all.count() - rest.count(),
            keys,
            next,
            revision: revision(response.header()),
        })
    }

    /// Writes a value, if `condition` holds at the moment of writing.
    pub async fn put(
        &self,
        key: &Key,
        value: Vec<u8>,
        condition: PutCondition,
    ) -> Result<WriteReceipt, AppError> {
        check_put(key.as_bytes(), &value)?;
        let mut kv = self.kv();
        let compare = match condition {
            PutCondition::Always => {
                let response = self.call(kv.put(key.as_bytes(), value, None)).await?;
                return Ok(receipt(response.header()));
            }
            PutCondition::Absent => Compare::create_revision(key.as_bytes(), CompareOp::Equal, 0),
            PutCondition::ModRevision(expected) => {
                Compare::mod_revision(key.as_bytes(), CompareOp::Equal, expected)
            }
        };
        let txn = Txn::new()
            .when(vec![compare])
            .and_then(vec![TxnOp::put(key.as_bytes(), value, None)])
            .or_else(vec![TxnOp::get(
                key.as_bytes(),
                Some(GetOptions::new().with_keys_only()),
            )]);
        let response = self.call(kv.txn(txn)).await?;
        if response.succeeded() {
            return Ok(receipt(response.header()));
        }
        let current = response.op_responses().into_iter().find_map(|op| match op {
            TxnOpResponse::Get(get) => get.kvs().first().map(KeyValue::mod_revision),
            _ => None,
        });
        Err(conflict(key, condition, current))
    }

    /// Deletes one key; a key that does not exist is [`AppError::NotFound`].
    pub async fn delete(&self, key: &Key) -> Result<WriteReceipt, AppError> {
        check_key(key.as_bytes())?;
        let mut kv = self.kv();
        let response = self.call(kv.delete(key.as_bytes(), None)).await?;
        if response.deleted() == 0 {
            return Err(not_found(key));
        }
        Ok(receipt(response.header()))
    }

    fn kv(&self) -> KvClient {
        self.client
            .kv_client()
            .max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// Runs one etcd call within the request timeout, mapping its error.
    async fn call<T>(
        &self,
        request: impl Future<Output = Result<T, etcd_client::Error>>,
    ) -> Result<T, AppError> {
        let endpoints = &self.settings.endpoints;
        match tokio::time::timeout(self.settings.request_timeout, request).await {
            Ok(result) => result.map_err(|err| map_error(err, endpoints)),
            Err(_) => Err(error::timed_out(endpoints, self.settings.request_timeout)),
        }
    }
}

fn summary(kv: &KeyValue) -> KeySummary {
    KeySummary {
        key: Key::new(kv.key()),
        version: kv.version(),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        lease: kv.lease(),
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

fn unexpected(message: &str) -> AppError {
    AppError::Etcd {
        message: message.to_string(),
    }
}

fn conflict(key: &Key, condition: PutCondition, current: Option<i64>) -> AppError {
    let message = match (condition, current) {
        (PutCondition::Absent, _) => format!("the key {key} already exists"),
        (_, Some(now)) => {
            format!("the key {key} was changed by someone else (it is now at mod revision {now})")
        }
        (_, None) => format!("the key {key} was deleted by someone else"),
    };
    AppError::Conflict { message }
}
