//! Searching the keys under a prefix on the server: what to look for, and what is found.

use super::key::Key;
use super::KeySummary;
use serde::{Deserialize, Serialize};

/// Matches a search answers unless asked for another number.
pub const DEFAULT_SEARCH_LIMIT: u32 = 100;
/// The most matches a search may ask for.
pub const MAX_SEARCH_LIMIT: u32 = 10_000;
/// The longest query, in bytes.
pub const MAX_QUERY_BYTES: usize = 1024;

/// How the query is matched against each key (and value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// The query appears somewhere in the key.
    #[default]
    Substring,
    /// The whole key matches a shell pattern: `*` any run, `?` one character, `[...]` a class.
    Glob,
    /// A regular expression (Rust `regex` syntax) matches somewhere in the key.
    Regex,
}

impl SearchMode {
    pub const ALL: [SearchMode; 3] = [SearchMode::Substring, SearchMode::Glob, SearchMode::Regex];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchMode::Substring => "substring",
            SearchMode::Glob => "glob",
            SearchMode::Regex => "regex",
        }
    }

    pub fn parse(text: &str) -> Option<SearchMode> {
        SearchMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text)
    }
}

/// A search: keys under `prefix` matching `query` (and values too, with `values`), the first
/// `limit` matches after the key `after`, at `revision` (or the current one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchRequest {
    pub prefix: Key,
    pub query: String,
    pub mode: SearchMode,
    pub values: bool,
    pub ignore_case: bool,
    pub limit: u32,
    pub after: Option<Key>,
    pub revision: Option<i64>,
}

impl SearchRequest {
    pub fn new(prefix: Key, query: String, mode: SearchMode) -> Self {
        SearchRequest {
            prefix,
            query,
            mode,
            values: false,
            ignore_case: false,
            limit: DEFAULT_SEARCH_LIMIT,
            after: None,
            revision: None,
        }
    }
}

/// A result cap asked for, clamped to `1..=MAX_SEARCH_LIMIT`; the default when none is.
pub fn search_limit(limit: Option<u32>) -> u32 {
    limit
        .unwrap_or(DEFAULT_SEARCH_LIMIT)
        .clamp(1, MAX_SEARCH_LIMIT)
}

/// A key that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub summary: KeySummary,
    /// The size of the value, when values were searched.
    pub value_size: Option<usize>,
    /// Whether the value matched and the key did not.
    pub in_value: bool,
}

/// How far a search has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchProgress {
    /// Keys looked at so far.
    pub scanned: i64,
    /// Keys under the prefix at the search's revision, once counted.
    pub total: Option<i64>,
    pub matches: i64,
    /// The revision every key is read at.
    pub revision: i64,
    /// Milliseconds since the search started.
    pub elapsed_ms: u64,
}

/// The end of a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDone {
    pub progress: SearchProgress,
    /// The last match, when the search stopped at its cap with keys left to look at: the
    /// search goes on after it (`after=`).
    pub next: Option<Key>,
}

/// A whole search, as a page shows it without JavaScript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub request: SearchRequest,
    pub hits: Vec<SearchHit>,
    pub done: SearchDone,
}
