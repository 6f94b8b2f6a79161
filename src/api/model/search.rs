//! Search: its query, and the lines its answer streams.

use super::*;
use crate::domain::{search::SearchHit, AppError};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// Query of `GET /api/v1/search`.
#[cfg(feature = "ssr")]
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Search the keys starting with this (all keys when empty).
    pub prefix: Option<String>,
    /// What to look for.
    #[param(min_length = 1)]
    pub q: String,
    /// `substring` (default): anywhere in the key; `glob`: the whole key matches a shell pattern
    /// (`*`, `?`, `[...]`); `regex`: a regular expression (Rust syntax) matches in the key.
    #[param(pattern = "^(substring|glob|regex)$")]
    pub mode: Option<String>,
    /// Look in the values too: a key matches when its key or its value does.
    #[serde(default)]
    pub values: bool,
    /// Match regardless of case.
    #[serde(default)]
    pub ignore_case: bool,
    /// Stop after this many matches, 1 to 10000 (default 100).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous search's last line: go on after it.
    pub after: Option<String>,
    /// Read at this store revision (with `after`, pass the previous search's `revision`).
    #[param(minimum = 1)]
    pub revision: Option<i64>,
    /// Add a `{"progress": …}` line after each window of keys read.
    #[serde(default)]
    pub progress: bool,
    /// How the prefix, the query's keys and the matches are written.
    #[serde(default)]
    pub encoding: Encoding,
}

/// One line of a search for each match: the key and its metadata.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct SearchMatch {
    #[serde(flatten)]
    pub entry: KeyEntry,
    /// The size of the value in bytes, when values were searched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_size: Option<usize>,
    /// True when the value matched and the key did not.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub in_value: bool,
}

/// How far a search has come.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct SearchCounts {
    /// Keys looked at.
    pub scanned: i64,
    /// Keys to look at in all (from `after` on), once known.
    pub total: Option<i64>,
    pub matches: i64,
    /// The store revision every key was read at.
    pub revision: i64,
    pub elapsed_ms: u64,
}

/// A progress line of a search (with `progress=true`).
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct SearchProgressLine {
    pub progress: SearchCounts,
}

/// The last line of a search that ended well.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct SearchDoneLine {
    /// Always true.
    pub done: bool,
    #[serde(flatten)]
    pub counts: SearchCounts,
    /// Set when the search stopped at `limit` with keys left: pass as `after` (with `revision`)
    /// to go on.
    pub next: Option<String>,
}

impl From<crate::domain::search::SearchProgress> for SearchCounts {
    fn from(progress: crate::domain::search::SearchProgress) -> Self {
        SearchCounts {
            scanned: progress.scanned,
            total: progress.total,
            matches: progress.matches,
            revision: progress.revision,
            elapsed_ms: progress.elapsed_ms,
        }
    }
}

impl From<SearchCounts> for crate::domain::search::SearchProgress {
    fn from(counts: SearchCounts) -> Self {
        crate::domain::search::SearchProgress {
            scanned: counts.scanned,
            total: counts.total,
            matches: counts.matches,
            revision: counts.revision,
            elapsed_ms: counts.elapsed_ms,
        }
    }
}

/// Any line of a search's answer, as a client reads it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SearchLine {
    /// The search failed midway; it is the last line.
    Failed(ErrorBody),
    Progress(SearchProgressLine),
    Done(SearchDoneLine),
    Match(SearchMatch),
}

impl SearchMatch {
    /// The match as the pages show it.
    pub fn hit(self) -> Result<SearchHit, AppError> {
        Ok(SearchHit {
            summary: self.entry.summary()?,
            value_size: self.value_size,
            in_value: self.in_value,
        })
    }
}
