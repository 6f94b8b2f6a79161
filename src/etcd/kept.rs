//! Which revisions etcd keeps: from its last compaction to now.

use super::error::{Op, Refusal};
use super::{kv, Etcd, Retry};
use crate::domain::{AppError, Key};
use etcd_client::GetOptions;

impl Etcd {
    /// The oldest revision etcd keeps and the current one, found by reading `key` (one the
    /// caller may read) at past revisions: a read before the compaction is refused, so a binary
    /// search over the revisions finds where history starts, in about log2(revisions) reads.
    pub async fn revisions_kept(&self, key: &Key) -> Result<(i64, i64), AppError> {
        let current = self.count_at(key, None).await?.unwrap_or_default();
        if self.count_at(key, Some(1)).await?.is_some() {
            return Ok((1, current));
        }
        // Compacted at `gone`, kept at `kept`.
        let (mut gone, mut kept) = (1, current);
        while kept - gone > 1 {
            let middle = gone + (kept - gone) / 2;
            match self.count_at(key, Some(middle)).await? {
                Some(_) => kept = middle,
                None => gone = middle,
            }
        }
        Ok((kept, current))
    }

    /// The revision a count of `key` was read at (now, or `at`), or `None` when etcd has
    /// compacted `at`.
    async fn count_at(&self, key: &Key, at: Option<i64>) -> Result<Option<i64>, AppError> {
        let bytes = if key.is_empty() {
            &[0][..]
        } else {
            key.as_bytes()
        };
        let read = self
            .run(Retry::Read, |client| async move {
                let mut options = GetOptions::new().with_count_only();
                if let Some(at) = at {
                    options = options.with_revision(at);
                }
                kv(client).get(bytes, Some(options)).await
            })
            .await;
        match read {
            Ok((response, _)) => Ok(Some(super::revision(response.header()))),
            Err(Refusal::Compacted) => Ok(None),
            Err(refusal) => Err(self.refused(Op::new(format!("read {key}")).at(at))(refusal)),
        }
    }
}
