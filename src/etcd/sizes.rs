//! The sizes of values, for listings: read with the values, which are dropped at once (etcd has
//! no way to ask for a value's size alone).

use super::error::Op;
use super::{kv, Etcd, Retry};
use crate::domain::{paging::after_key, AppError, Key};
use etcd_client::GetOptions;
use futures::future::try_join_all;
use std::collections::HashMap;

/// Values read in one Range for their sizes: at etcd's 1.5 MiB a value, 96 MiB at most.
const SIZE_RUN: usize = 64;
/// Such Ranges read at once: a page of 100 keys is read in one go, and no page holds more than
/// 192 MiB of values in memory at a time.
const RUNS_AT_ONCE: usize = 2;
/// Keys whose values are read alone at once for their sizes.
const SIZE_READS: usize = 16;

impl Etcd {
    /// The sizes of the values of `keys` at revision `at` (`None` for a key that was not there),
    /// each read alone, a few at a time: for keys with others between them (a tree level).
    pub async fn value_sizes(&self, keys: &[Key], at: i64) -> Result<Vec<Option<u64>>, AppError> {
        let mut sizes = Vec::with_capacity(keys.len());
        for some in keys.chunks(SIZE_READS) {
            let reads = some
                .iter()
                .map(|key| self.sizes_of(std::slice::from_ref(key), at));
            sizes.extend(try_join_all(reads).await?.into_iter().flatten());
        }
        Ok(sizes)
    }

    /// The sizes of the values of `keys`, a run of keys in order with nothing between them at
    /// revision `at` (a page of a listing), read [`SIZE_RUN`] values to a Range.
    pub async fn run_sizes(&self, keys: &[Key], at: i64) -> Result<Vec<Option<u64>>, AppError> {
        let mut sizes = Vec::with_capacity(keys.len());
        for runs in keys.chunks(SIZE_RUN * RUNS_AT_ONCE) {
            let runs = runs.chunks(SIZE_RUN).map(|run| self.sizes_of(run, at));
            sizes.extend(try_join_all(runs).await?.into_iter().flatten());
        }
        Ok(sizes)
    }

    /// The sizes of the values of `run`, keys in order with nothing between them at `at`, read in
    /// one Range.
    async fn sizes_of(&self, run: &[Key], at: i64) -> Result<Vec<Option<u64>>, AppError> {
        let (Some(first), Some(last)) = (run.first(), run.last()) else {
            return Ok(Vec::new());
        };
        let (start, end) = (first.as_bytes().to_vec(), after_key(last.as_bytes()));
        let limit = run.len() as i64;
        let (response, _) = self
            .run(Retry::Read, |client| {
                let (start, end) = (start.clone(), end.clone());
                let options = GetOptions::new()
                    .with_range(end)
                    .with_revision(at)
                    .with_limit(limit);
                async move { kv(client).get(start, Some(options)).await }
            })
            .await
            .map_err(self.refused(Op::new(format!("read {first}")).at(Some(at))))?;
        let sizes: HashMap<&[u8], u64> = response
            .kvs()
            .iter()
            .map(|kv| (kv.key(), kv.value().len() as u64))
            .collect();
        Ok(run
            .iter()
            .map(|key| sizes.get(key.as_bytes()).copied())
            .collect())
    }
}
