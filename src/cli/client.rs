//! The HTTP client of the REST API that the `kv` commands use.

use crate::api::model::{
    AppendResult, ClusterOverview, Consistency, ErrorBody, KeyPage, KeyValueBody, Progress,
    PutBody, RecoveryPlan, RunLine, RunReport, WriteResult,
};
use crate::domain::raft::KeyLocation;
use crate::domain::transfer::ImportReport;
use crate::etcd::SnapshotDigest;
use crate::urls::api::API_ROOT;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::path::Path;

/// Bytes of a key written as-is in the API path (`/` separates nothing: the whole rest is the key).
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'/');
/// Bytes written as-is in a query value.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

/// Why a command failed, as the exit code tells it.
#[derive(Debug)]
pub enum Failure {
    /// The key does not exist (exit 1).
    NotFound(String),
    /// The request was wrong (exit 2).
    Invalid(String),
    /// etcd or etcd-deck is unavailable, or the write conflicted (exit 3).
    Unavailable(String),
    /// Not signed in, or not allowed (exit 4).
    Denied(String),
}

impl Failure {
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::NotFound(_) => 1,
            Failure::Invalid(_) => 2,
            Failure::Unavailable(_) => 3,
            Failure::Denied(_) => 4,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::NotFound(m)
            | Failure::Invalid(m)
            | Failure::Unavailable(m)
            | Failure::Denied(m) => m,
        }
    }
}

/// A snapshot saved: where from, at which revision, how large, and the SHA-256 that ends it.
pub struct SavedSnapshot {
    pub member: String,
    pub revision: Option<i64>,
    pub size: u64,
    pub digest: String,
}

/// A user name and password, sent with every request (HTTP basic).
pub struct Credentials {
    pub user: String,
    pub password: String,
}

/// A client of one etcd-deck server.
pub struct ApiClient {
    http: reqwest::Client,
    server: String,
    credentials: Option<Credentials>,
}

impl ApiClient {
    /// A client of `server`, trusting `ca_cert` (PEM) beside the system's roots.
    pub fn new(
        server: &str,
        ca_cert: Option<&Path>,
        credentials: Option<Credentials>,
    ) -> Result<Self, String> {
        let mut http = reqwest::Client::builder();
        if let Some(path) = ca_cert {
            let pem = std::fs::read(path)
                .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .ok()
                .filter(|certificates| !certificates.is_empty())
                .ok_or_else(|| format!("no PEM certificate in {}", path.display()))?;
            for certificate in certificates {
                http = http.add_root_certificate(certificate);
            }
        }
        Ok(ApiClient {
            http: http
                .build()
                .map_err(|err| format!("cannot make an HTTP client: {err}"))?,
            server: server.trim_end_matches('/').to_string(),
            credentials,
        })
    }

    pub async fn list(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<KeyPage, Failure> {
        let mut path = format!(
            "/api/v1/keys?prefix={}&limit={limit}",
            utf8_percent_encode(prefix, QUERY)
        );
        if let Some(after) = after {
            path.push_str(&format!("&after={after}"));
        }
        self.send(Method::GET, &path, None).await
    }

    pub async fn get(&self, key: &str) -> Result<KeyValueBody, Failure> {
        self.send(Method::GET, &key_path(key, ""), None).await
    }

    /// Which members have applied the latest write of `key`.
    pub async fn locate(&self, key: &str) -> Result<KeyLocation, Failure> {
        self.send(Method::GET, &key_path(key, "/locate"), None)
            .await
    }

    pub async fn has(&self, key: &str) -> Result<bool, Failure> {
        let response = self.request(Method::HEAD, &key_path(key, ""), None).await?;
        match response.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            status => Err(failure(status, format!("HEAD answered {status}"))),
        }
    }

    pub async fn put(&self, key: &str, body: &PutBody) -> Result<WriteResult, Failure> {
        self.send(Method::PUT, &key_path(key, ""), Some(json!(body)))
            .await
    }

    pub async fn pop(&self, key: &str) -> Result<KeyValueBody, Failure> {
        self.send(Method::DELETE, &key_path(key, ""), None).await
    }

    pub async fn append(
        &self,
        key: &str,
        item: serde_json::Value,
    ) -> Result<AppendResult, Failure> {
        let body = json!({ "value": item });
        self.send(Method::POST, &key_path(key, "/append"), Some(body))
            .await
    }

    /// Streams the export of `prefix` into `out`, as it comes.
    pub async fn export(
        &self,
        prefix: &str,
        out: &mut (impl tokio::io::AsyncWrite + Unpin),
    ) -> Result<(), Failure> {
        use tokio::io::AsyncWriteExt;
        let path = format!(
            "/api/v1/export?prefix={}",
            utf8_percent_encode(prefix, PATH)
        );
        let mut response = self.request(Method::GET, &path, None).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.error(response).await);
        }
        let cut =
            |err: reqwest::Error| Failure::Unavailable(format!("the export was cut short: {err}"));
        while let Some(chunk) = response.chunk().await.map_err(cut)? {
            out.write_all(&chunk)
                .await
                .map_err(|err| Failure::Invalid(format!("cannot write the export: {err}")))?;
        }
        out.flush()
            .await
            .map_err(|err| Failure::Invalid(format!("cannot write the export: {err}")))
    }

    /// Sends an import: a dry run without `revision`, else the writes, against that revision.
    pub async fn import(
        &self,
        body: Vec<u8>,
        revision: Option<i64>,
    ) -> Result<ImportReport, Failure> {
        let path = match revision {
            None => "/api/v1/import?dry_run=true".to_string(),
            Some(revision) => format!("/api/v1/import?dry_run=false&revision={revision}"),
        };
        let mut request = self
            .http
            .post(format!("{}{path}", self.server))
            .header(reqwest::header::CONTENT_TYPE, crate::api::NDJSON)
            .body(body);
        if let Some(credentials) = &self.credentials {
            request = request.basic_auth(&credentials.user, Some(&credentials.password));
        }
        let response = request
            .send()
            .await
            .map_err(|err| unreachable_server(&self.server, err))?;
        if !response.status().is_success() {
            return Err(self.error(response).await);
        }
        response.json().await.map_err(|err| {
            Failure::Unavailable(format!("unexpected answer from the server: {err}"))
        })
    }

    /// The failure a response that is not a success says.
    async fn error(&self, response: reqwest::Response) -> Failure {
        let status = response.status();
        let message = match response.bytes().await {
            Ok(bytes) => serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|body| body.error.message)
                .unwrap_or_else(|_| format!("the server answered {status}")),
            Err(err) => return unreachable_server(&self.server, err),
        };
        failure(status, message)
    }

    pub async fn cluster(&self) -> Result<ClusterOverview, Failure> {
        self.send(Method::GET, "/api/v1/cluster", None).await
    }

    /// What recovering a full database would do now.
    pub async fn plan(&self) -> Result<RecoveryPlan, Failure> {
        self.send(Method::GET, "/api/v1/maintenance/plan", None)
            .await
    }

    /// Every member's hash of its keys, compared.
    pub async fn consistency(&self) -> Result<Consistency, Failure> {
        self.send(Method::GET, "/api/v1/maintenance/hashkv", None)
            .await
    }

    /// Posts `body` to a run's endpoint (`recover`, `defragment`) and hands each line to
    /// `seen` as it comes; answers the report.
    pub async fn run(
        &self,
        run: &str,
        body: serde_json::Value,
        mut seen: impl FnMut(&Progress),
    ) -> Result<RunReport, Failure> {
        let path = format!("/api/v1/maintenance/{run}");
        let mut response = self.request(Method::POST, &path, Some(body)).await?;
        if !response.status().is_success() {
            return Err(self.error(response).await);
        }
        let cut = |err: reqwest::Error| {
            Failure::Unavailable(format!("the run's progress was cut short: {err}"))
        };
        let mut pending = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(cut)? {
            pending.extend_from_slice(&chunk);
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                match serde_json::from_slice::<RunLine>(&line) {
                    Ok(RunLine::Progress(progress)) => seen(&progress),
                    Ok(RunLine::Report(report)) => return Ok(report),
                    Err(err) => {
                        let text = String::from_utf8_lossy(&line);
                        return Err(Failure::Unavailable(format!(
                            "unexpected line from the server ({err}): {text}"
                        )));
                    }
                }
            }
        }
        Err(Failure::Unavailable(
            "the run's progress ended without its report".into(),
        ))
    }

    /// Streams a snapshot of `member` (the leader when none) into `out`, checking on the way
    /// that its last 32 bytes are the SHA-256 of the rest. Answers the member, the revision and
    /// the digest, in hex.
    pub async fn snapshot(
        &self,
        member: Option<&str>,
        out: &mut (impl tokio::io::AsyncWrite + Unpin),
    ) -> Result<SavedSnapshot, Failure> {
        use tokio::io::AsyncWriteExt;
        let path = match member {
            Some(member) => crate::urls::api::snapshot_url(member),
            None => format!("{API_ROOT}/maintenance/snapshot"),
        };
        let mut response = self.request(Method::GET, &path, None).await?;
        if !response.status().is_success() {
            return Err(self.error(response).await);
        }
        let header = |name: &str| {
            let value = response.headers().get(name)?;
            value.to_str().ok().map(str::to_string)
        };
        let member = header("etcd-member").unwrap_or_default();
        let revision = header("etcd-revision").and_then(|r| r.parse().ok());
        let written = |err: std::io::Error| Failure::Invalid(format!("cannot write: {err}"));
        let cut = |err: reqwest::Error| {
            Failure::Unavailable(format!("the snapshot was cut short: {err}"))
        };
        let (mut digest, mut size) = (SnapshotDigest::default(), 0u64);
        while let Some(chunk) = response.chunk().await.map_err(cut)? {
            let contents = digest.push(&chunk);
            out.write_all(&contents).await.map_err(written)?;
            size += contents.len() as u64;
        }
        let held = digest.finish().map_err(Failure::Unavailable)?;
        out.write_all(&held).await.map_err(written)?;
        out.flush().await.map_err(written)?;
        size += held.len() as u64;
        Ok(SavedSnapshot {
            member,
            revision,
            size,
            digest: hex::encode(&held),
        })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, Failure> {
        let response = self.request(method, path, body).await?;
        if !response.status().is_success() {
            return Err(self.error(response).await);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|err| unreachable_server(&self.server, err))?;
        serde_json::from_slice(&bytes).map_err(|err| {
            Failure::Unavailable(format!("unexpected answer from the server: {err}"))
        })
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<reqwest::Response, Failure> {
        let mut request = self.http.request(method, format!("{}{path}", self.server));
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(credentials) = &self.credentials {
            request = request.basic_auth(&credentials.user, Some(&credentials.password));
        }
        request
            .send()
            .await
            .map_err(|err| unreachable_server(&self.server, err))
    }
}

fn key_path(key: &str, suffix: &str) -> String {
    format!("/api/v1/keys/{}{suffix}", utf8_percent_encode(key, PATH))
}

fn failure(status: StatusCode, message: String) -> Failure {
    match status.as_u16() {
        404 => Failure::NotFound(message),
        400 | 405 | 413 => Failure::Invalid(message),
        401 | 403 | 429 => Failure::Denied(message),
        _ => Failure::Unavailable(message),
    }
}

/// Says why `server` could not be reached, with the causes reqwest keeps behind its own words
/// (a refused connection, an untrusted certificate).
fn unreachable_server(server: &str, err: reqwest::Error) -> Failure {
    let mut message = format!("could not reach etcd-deck at {server}: {err}");
    let mut cause = std::error::Error::source(&err);
    while let Some(err) = cause {
        message.push_str(&format!(": {err}"));
        cause = err.source();
    }
    Failure::Unavailable(message)
}
