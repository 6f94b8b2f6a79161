//! Listing keys: one page of a prefix, with the count of the keys from its start, at one
//! revision.

use super::error::{Op, Refusal};
use super::{kv, revision, source, summary, Etcd, Retry};
use crate::domain::{paging::next_cursor, AppError, Key, KeyListing, KeySummary, PageRequest};
use etcd_client::{Client, GetOptions, SortOrder as EtcdSortOrder, SortTarget};

impl Etcd {
    /// One page of keys, in one Range, whose count is that of the keys from the page's start
    /// on. A later page also needs the count of the whole prefix at the listing's revision, for
    /// its place in it: the first page counted it, so it is remembered, or else counted once.
    /// Without a quorum, the page is read from any member that answers, marked as stale.
    pub async fn list(&self, page: &PageRequest) -> Result<KeyListing, AppError> {
        let read = |client: &Client, serializable: bool| {
            let (mut kv, options) = (kv(client), page_options(page, serializable));
            async move { kv.get(page.page_start(), Some(options)).await }
        };
        let backwards = page.before.is_some();
        let (response, source) = match self.run(Retry::Read, |c| read(c, false)).await {
            Ok((response, endpoint)) => {
                let source = source(endpoint, response.header(), false);
                (response, source)
            }
            Err(Refusal::Told(
                err @ (AppError::NoQuorum { .. } | AppError::EtcdUnavailable { .. }),
            )) => {
                let Ok((response, endpoint)) = self.read_stale(|c| read(c, true)).await else {
                    return Err(err);
                };
                let source = source(endpoint, response.header(), true);
                (response, source)
            }
            Err(refusal) => return Err(self.listing_refused(&page.prefix, page.revision)(refusal)),
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
                .map_err(self.listing_refused(&page.prefix, page.revision))?
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
    pub(super) async fn count(
        &self,
        start: &[u8],
        end: &[u8],
        revision: i64,
        stale: bool,
    ) -> Result<i64, Refusal> {
        let count = |client: &Client| {
            let mut options = GetOptions::new()
                .with_range(end.to_vec())
                .with_count_only()
                .with_revision(revision);
            if stale {
                options = options.with_serializable();
            }
            let mut kv = kv(client);
            async move { kv.get(start.to_vec(), Some(options)).await }
        };
        let answer = if stale {
            self.read_stale(count).await
        } else {
            self.run(Retry::Read, count).await
        };
        answer.map(|(response, _)| response.count())
    }

    /// Tells a refusal of a listing of `prefix` at `revision` (none: now).
    pub(super) fn listing_refused(
        &self,
        prefix: &Key,
        revision: Option<i64>,
    ) -> impl Fn(Refusal) -> AppError + '_ {
        self.refused(Op::new(format!("list {}", prefix.describe_prefix())).at(revision))
    }
}

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
