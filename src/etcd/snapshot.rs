//! A member's snapshot, passed on as etcd sends it, with the SHA-256 that ends etcd's stream
//! checked before its last bytes are passed on: a snapshot whose contents do not match it is
//! cut short, never completed.

use super::calls::{Call, Reply};
use super::error::{refusal, Op};
use super::Etcd;
use crate::domain::members::MemberNow;
use crate::domain::AppError;
use etcd_client::{Client, SnapshotResponse, SnapshotStreaming};
use futures::stream::{BoxStream, StreamExt};
use sha2::{Digest as _, Sha256};
use std::time::Duration;

/// The longest etcd may pause between two parts of a snapshot.
const IDLE: Duration = Duration::from_secs(60);
/// The digest's length: etcd ends the stream with the SHA-256 of everything before it.
const DIGEST_BYTES: usize = 32;

/// A snapshot as it streams.
pub struct Snapshot {
    /// The member it is taken from, by name (or id).
    pub member: String,
    /// The file's size: the database and the digest that ends it.
    pub size: u64,
    /// The member's revision when the snapshot began.
    pub revision: i64,
    /// The file, part by part; an error ends it early.
    pub parts: BoxStream<'static, Result<Vec<u8>, AppError>>,
}

impl Etcd {
    /// Starts a snapshot of `member`'s database.
    pub async fn snapshot(&self, member: &MemberNow) -> Result<Snapshot, AppError> {
        let op = Op::new(format!("take a snapshot of member {}", member.label()));
        let start = |client: Client| async move {
            let mut maintenance = client.maintenance_client();
            let status = maintenance.status().await?;
            let mut stream = maintenance.snapshot().await?;
            let first = stream.message().await?;
            let revision = status.header().map(|h| h.revision()).unwrap_or_default();
            Ok(Started(client, stream, first, revision))
        };
        let started = self.on_member(member, op, self.pool.timeout, start).await?;
        let Started(client, stream, first, revision) = started;
        let first = first.ok_or_else(|| AppError::Etcd {
            message: "the member ended the snapshot before sending anything".into(),
        })?;
        let blob = first.blob().to_vec();
        let size = blob.len() as u64 + first.remaining_bytes() + DIGEST_BYTES as u64;
        let reading = Reading {
            _client: client,
            stream,
            digest: Some(Digest::default()),
            first: Some(blob),
            url: member.url.clone(),
        };
        let parts = futures::stream::unfold(Some(reading), |reading| async move {
            let mut reading = reading?;
            match reading.next().await {
                Ok(Some(part)) => Some((Ok(part), Some(reading))),
                Ok(None) => None,
                Err(err) => {
                    tracing::warn!(member = %reading.url, "a snapshot was cut short: {err}");
                    Some((Err(err), None))
                }
            }
        });
        Ok(Snapshot {
            member: member.label().to_string(),
            size,
            revision,
            // Ended for good: a body may be polled once more after its end.
            parts: Box::pin(parts.fuse()),
        })
    }
}

/// A snapshot begun: the member's connection, the stream, its first part and the member's
/// revision.
struct Started(Client, SnapshotStreaming, Option<SnapshotResponse>, i64);

impl Reply for Started {
    const CALL: Call = Call::Snapshot;
}

/// A snapshot being read.
struct Reading {
    /// Keeps the member's connection open while the stream is read.
    _client: Client,
    stream: SnapshotStreaming,
    /// The digest so far; none once checked, when the snapshot has ended.
    digest: Option<Digest>,
    /// The part read to learn the size, passed on first.
    first: Option<Vec<u8>>,
    url: String,
}

impl Reading {
    /// The next bytes to pass on; none at the end.
    async fn next(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        loop {
            if self.digest.is_none() {
                return Ok(None);
            }
            let blob = match self.first.take() {
                Some(blob) => blob,
                None => match self.message().await? {
                    Some(blob) => blob,
                    None => {
                        let checked = self.digest.take().map(Digest::finish);
                        return checked
                            .transpose()
                            .map_err(|message| AppError::Etcd { message });
                    }
                },
            };
            let ready = self
                .digest
                .as_mut()
                .map(|d| d.push(&blob))
                .unwrap_or_default();
            if !ready.is_empty() {
                return Ok(Some(ready));
            }
        }
    }

    async fn message(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        let urls = [self.url.clone()];
        match tokio::time::timeout(IDLE, self.stream.message()).await {
            Ok(Ok(message)) => Ok(message.map(|m| m.blob().to_vec())),
            Ok(Err(err)) => {
                let told = Op::new("read the snapshot").told(refusal(err, &urls), None);
                Err(told)
            }
            Err(_) => Err(AppError::EtcdUnavailable {
                endpoints: urls.to_vec(),
                reason: format!("the snapshot stalled: nothing for {}s", IDLE.as_secs()),
            }),
        }
    }
}

/// The SHA-256 of a snapshot's contents, with the last [`DIGEST_BYTES`] held back until the
/// end shows whether they are the digest or more contents: how etcd-deck passes a snapshot on,
/// and how its command line checks one again on arrival.
#[derive(Default)]
pub struct Digest {
    hasher: Sha256,
    held: Vec<u8>,
}

impl Digest {
    /// Takes the next part; answers the bytes that are surely contents, hashed.
    pub fn push(&mut self, part: &[u8]) -> Vec<u8> {
        self.held.extend_from_slice(part);
        let Some(sure) = self.held.len().checked_sub(DIGEST_BYTES) else {
            return Vec::new();
        };
        let contents: Vec<u8> = self.held.drain(..sure).collect();
        self.hasher.update(&contents);
        contents
    }

    /// The held bytes, when they are the SHA-256 of what came before them.
    pub fn finish(self) -> Result<Vec<u8>, String> {
        let (held, digest) = (self.held, self.hasher.finalize());
        if held.len() == DIGEST_BYTES && digest.as_slice() == held.as_slice() {
            Ok(held)
        } else {
            Err(format!(
                "the snapshot's contents do not match the SHA-256 etcd sent with them \
                 ({} against {}): it was damaged on its way and is cut short",
                hex::encode(digest),
                hex::encode(&held)
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream's parts: `contents` and their digest, cut into `part`-byte pieces.
    fn parts(contents: &[u8], part: usize) -> Vec<Vec<u8>> {
        let mut stream = contents.to_vec();
        stream.extend_from_slice(&Sha256::digest(contents));
        stream.chunks(part).map(<[u8]>::to_vec).collect()
    }

    fn pass_on(parts: &[Vec<u8>]) -> Result<Vec<u8>, String> {
        let mut digest = Digest::default();
        let mut out: Vec<u8> = parts.iter().flat_map(|part| digest.push(part)).collect();
        out.extend(digest.finish()?);
        Ok(out)
    }

    #[test]
    fn a_snapshot_is_passed_on_whole_when_its_digest_matches() {
        let contents: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for part in [1, 31, 32, 33, 4096, 200_000] {
            let out = pass_on(&parts(&contents, part)).unwrap();
            assert_eq!(&out[..contents.len()], &contents[..], "parts of {part}");
            assert_eq!(out.len(), contents.len() + DIGEST_BYTES);
        }
    }

    #[test]
    fn a_damaged_snapshot_is_cut_short_before_its_last_bytes() {
        let contents = vec![7u8; 10_000];
        let mut damaged = parts(&contents, 1000);
        damaged[3][17] ^= 1;
        let mut digest = Digest::default();
        let passed: usize = damaged.iter().map(|part| digest.push(part).len()).sum();
        let refused = digest.finish().unwrap_err();
        assert!(refused.contains("do not match"), "{refused}");
        assert!(passed < contents.len() + DIGEST_BYTES, "never completed");
        let short = vec![vec![1u8; 20]];
        assert!(pass_on(&short).is_err(), "shorter than a digest");
    }
}
