//! Paging through the keys under a prefix, one etcd range request a page.
//!
//! A page starts just after a cursor (the last key of the previous page) and never loads more than
//! `limit` keys. All pages after the first are read at the first page's revision, so that keys
//! written meanwhile neither appear twice nor push others out of sight.

use super::key::Key;
use super::KeySummary;
use serde::{Deserialize, Serialize};

/// Keys per page unless the URL asks for another size.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page a request may ask for.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// Which page of keys to read: those under `prefix`, after the cursor `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub prefix: Key,
    pub after: Option<Key>,
    /// The key the page ends just before (a previous page): the page holds the `limit` keys
    /// before it. With `before`, `after` is ignored.
    #[serde(default)]
    pub before: Option<Key>,
    pub limit: u32,
    /// Whether to read the values too (the key list never does).
    #[serde(default)]
    pub values: bool,
    /// The store revision to read at (that of the listing's first page), or the current one.
    #[serde(default)]
    pub revision: Option<i64>,
    /// The order of the keys within the page (pages follow each other in key order).
    #[serde(default)]
    pub sort: SortOrder,
}

/// An order of the rows of one page or level. Pages always follow each other in key order (that
/// is how etcd reads them); another order sorts the rows within each page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Key,
    /// Recently changed first.
    Modified,
    /// Most written first.
    Version,
    /// Largest value first.
    Size,
    /// Folders with the most keys first (a tree level).
    Count,
}

impl SortOrder {
    const ALL: [SortOrder; 5] = [
        SortOrder::Key,
        SortOrder::Modified,
        SortOrder::Version,
        SortOrder::Size,
        SortOrder::Count,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Key => "key",
            SortOrder::Modified => "modified",
            SortOrder::Version => "version",
            SortOrder::Size => "size",
            SortOrder::Count => "count",
        }
    }

    /// The order named in a URL; unknown names are key order.
    pub fn parse(text: &str) -> SortOrder {
        SortOrder::ALL
            .into_iter()
            .find(|order| order.as_str() == text)
            .unwrap_or_default()
    }

    /// The order in words, as the page says it.
    pub fn describe(self) -> &'static str {
        match self {
            SortOrder::Key => "key",
            SortOrder::Modified => "mod revision, most recently changed first",
            SortOrder::Version => "version, most written first",
            SortOrder::Size => "value size, largest first",
            SortOrder::Count => "key count, largest folder first",
        }
    }

    /// Sorts one page of keys in this order (ties in key order).
    pub fn sort_keys(self, keys: &mut [KeySummary]) {
        if !matches!(self, SortOrder::Key | SortOrder::Count) {
            keys.sort_by_key(|key| std::cmp::Reverse(self.rank(key)));
        }
    }

    /// What a key is sorted by in an order that puts the most first (0 in key order).
    pub fn rank(self, key: &KeySummary) -> u64 {
        match self {
            SortOrder::Key | SortOrder::Count => 0,
            SortOrder::Modified => key.mod_revision.max(0) as u64,
            SortOrder::Version => key.version.max(0) as u64,
            SortOrder::Size => key.value_size.unwrap_or(0),
        }
    }
}

impl PageRequest {
    /// A request with its page size clamped to `1..=MAX_PAGE_SIZE` (default when absent).
    pub fn new(prefix: Key, after: Option<Key>, limit: Option<u32>) -> Self {
        PageRequest {
            limit: page_size(limit),
            prefix,
            after,
            before: None,
            values: false,
            revision: None,
            sort: SortOrder::Key,
        }
    }

    /// The page after one that ended at `last`, read at the same `revision`.
    pub fn next(&self, last: &Key, revision: i64) -> PageRequest {
        PageRequest {
            after: Some(last.clone()),
            before: None,
            revision: Some(revision),
            ..self.clone()
        }
    }

    /// The page before one that starts at `first`, read at the same `revision`.
    pub fn previous(&self, first: &Key, revision: i64) -> PageRequest {
        PageRequest {
            after: None,
            before: Some(first.clone()),
            revision: Some(revision),
            ..self.clone()
        }
    }

    /// This page with `limit` keys a page, from the same place.
    pub fn with_limit(&self, limit: u32) -> PageRequest {
        PageRequest {
            limit: page_size(Some(limit)),
            ..self.clone()
        }
    }

    /// The first page of this listing, read anew at the current revision.
    pub fn first(&self) -> PageRequest {
        PageRequest {
            after: None,
            before: None,
            revision: None,
            ..self.clone()
        }
    }

    /// The first key of the whole prefix range.
    pub fn range_start(&self) -> Vec<u8> {
        prefix_range_start(self.prefix.as_bytes())
    }

    /// The first key this page may contain: just after the cursor, but never before the prefix.
    pub fn page_start(&self) -> Vec<u8> {
        let start = self.range_start();
        match (&self.after, &self.before) {
            (Some(after), None) => after_key(after.as_bytes()).max(start),
            _ => start,
        }
    }

    /// The end (exclusive) of the keys this page may contain: its `before` key, but never past
    /// the prefix.
    pub fn page_end(&self) -> Vec<u8> {
        let end = self.range_end();
        match &self.before {
            Some(before) if before_end(before.as_bytes(), &end) => before.as_bytes().to_vec(),
            _ => end,
        }
    }

    /// The end (exclusive) of the prefix range, as etcd's `range_end`.
    pub fn range_end(&self) -> Vec<u8> {
        prefix_range_end(self.prefix.as_bytes())
    }
}

/// A page size asked for, clamped to `1..=MAX_PAGE_SIZE`; the default when none is.
pub fn page_size(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
}

/// The first key of the range of `prefix` (etcd has no empty key: all keys start at `\0`).
pub fn prefix_range_start(prefix: &[u8]) -> Vec<u8> {
    if prefix.is_empty() {
        vec![0]
    } else {
        prefix.to_vec()
    }
}

/// The first key after `key`.
pub fn after_key(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

/// Whether `key` comes before the range end `end` (`\0`: the end of the keyspace).
pub fn before_end(key: &[u8], end: &[u8]) -> bool {
    end == [0] || key < end
}

/// The smallest key greater than every key starting with `prefix`; `\0` (to the end) when none is.
pub fn prefix_range_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// The cursor for the next page: the last key of this one, when etcd said there are more.
pub fn next_cursor(last: Option<&Key>, more: bool) -> Option<Key> {
    if more {
        last.cloned()
    } else {
        None
    }
}

/// The ancestors of a prefix, split after each `/`, each with the prefix that lists it:
/// `a/b/c` gives `a/` → `a/`, `b/` → `a/b/`, `c` → `a/b/c`.
pub fn prefix_crumbs(prefix: &Key) -> Vec<(String, Key)> {
    let bytes = prefix.as_bytes();
    let mut crumbs = Vec::new();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'/' || i + 1 == bytes.len() {
            let label = Key::new(&bytes[start..=i]).display();
            crumbs.push((label, Key::new(&bytes[..=i])));
            start = i + 1;
        }
    }
    crumbs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_end_increments_the_last_byte_that_can_be() {
        assert_eq!(prefix_range_end(b"abc"), b"abd");
        assert_eq!(prefix_range_end(b"a/"), b"a0");
        assert_eq!(prefix_range_end(&[b'a', 0xff]), b"b");
        assert_eq!(prefix_range_end(&[0xff, 0xff]), [0]);
        assert_eq!(prefix_range_end(b""), [0]);
    }

    #[test]
    fn keys_come_before_an_end_unless_past_it_and_nothing_is_past_the_keyspace() {
        assert!(before_end(b"a", b"b"));
        assert!(!before_end(b"b", b"b"));
        assert!(before_end(&[0xff, 0xff], &[0]));
        assert_eq!(after_key(b"a"), b"a\0");
    }

    #[test]
    fn the_first_page_starts_at_the_prefix() {
        let page = PageRequest::new(Key::from("app/"), None, None);
        assert_eq!(page.page_start(), b"app/");
        assert_eq!(page.limit, DEFAULT_PAGE_SIZE);
        assert_eq!(
            PageRequest::new(Key::default(), None, None).page_start(),
            [0]
        );
    }

    #[test]
    fn a_later_page_starts_just_after_its_cursor() {
        let page = PageRequest::new(Key::from("app/"), Some(Key::from("app/k099")), None);
        assert_eq!(page.page_start(), b"app/k099\0");
    }

    #[test]
    fn a_cursor_before_the_prefix_cannot_escape_it() {
        let page = PageRequest::new(Key::from("m/"), Some(Key::from("a")), None);
        assert_eq!(page.page_start(), b"m/");
    }

    #[test]
    fn page_sizes_are_clamped() {
        assert_eq!(PageRequest::new(Key::default(), None, Some(0)).limit, 1);
        assert_eq!(
            PageRequest::new(Key::default(), None, Some(10_000)).limit,
            MAX_PAGE_SIZE
        );
    }

    #[test]
    fn there_is_a_next_cursor_only_when_etcd_has_more() {
        let last = Key::from("k");
        assert_eq!(next_cursor(Some(&last), true), Some(last.clone()));
        assert_eq!(next_cursor(Some(&last), false), None);
        assert_eq!(next_cursor(None, false), None);
    }

    #[test]
    fn later_pages_hold_the_first_pages_revision_and_the_first_is_read_anew() {
        let first = PageRequest::new(Key::from("a/"), None, Some(5));
        let second = first.next(&Key::from("a/5"), 42);
        assert_eq!(second.after, Some(Key::from("a/5")));
        assert_eq!((second.revision, second.limit), (Some(42), 5));
        assert_eq!(second.next(&Key::from("a/9"), 42).revision, Some(42));
        assert_eq!(second.first(), first);
    }

    #[test]
    fn crumbs_lead_to_each_ancestor_prefix() {
        let crumbs = prefix_crumbs(&Key::from("/reg/pods/web"));
        let labels: Vec<&str> = crumbs.iter().map(|(label, _)| label.as_str()).collect();
        assert_eq!(labels, ["/", "reg/", "pods/", "web"]);
        assert_eq!(crumbs[2].1, Key::from("/reg/pods/"));
        assert_eq!(crumbs[3].1, Key::from("/reg/pods/web"));
        assert!(prefix_crumbs(&Key::default()).is_empty());
    }
}
