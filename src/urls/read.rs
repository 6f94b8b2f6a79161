//! What a page's URL query asks for: each request a page reads from its address, the inverse of
//! the URL builders in [`super::routes`].

use super::query::{query_param, query_params};
use crate::domain::{
    paging::{PageRequest, SortOrder},
    search::{search_limit, SearchMode, SearchRequest},
    transfer::Selection,
    tree::{LevelRequest, DEFAULT_DELIMITER},
    Key,
};

impl PageRequest {
    /// The request a list page URL query (`prefix`, `after`, `limit`, `revision`, `sort`) asks
    /// for.
    pub fn from_query(search: &str) -> Self {
        let number = |name| {
            query_param(search, name)
                .and_then(|text| String::from_utf8(text).ok())
                .and_then(|text| text.parse().ok())
        };
        let prefix = Key::new(query_param(search, "prefix").unwrap_or_default());
        let before = query_param(search, "before").map(Key::new);
        let after = query_param(search, "after")
            .map(Key::new)
            .filter(|_| before.is_none());
        let sort = query_param(search, "sort")
            .map(|sort| SortOrder::parse(&String::from_utf8_lossy(&sort)));
        PageRequest {
            revision: number("revision").filter(|revision: &i64| *revision > 0),
            sort: sort.unwrap_or_default(),
            before,
            ..PageRequest::new(
                prefix,
                after,
                number("limit").map(|limit: i64| limit as u32),
            )
        }
    }
}

impl LevelRequest {
    /// The level a list page URL query (`prefix`, `delimiter`, `after`, `limit`, `revision`,
    /// `sort`) asks for.
    pub fn from_query(search: &str) -> Self {
        let page = PageRequest::from_query(search);
        let delimiter = query_param(search, "delimiter")
            .filter(|delimiter| !delimiter.is_empty())
            .unwrap_or_else(|| DEFAULT_DELIMITER.as_bytes().to_vec());
        LevelRequest {
            prefix: page.prefix,
            delimiter: Key::new(delimiter),
            after: page.after,
            limit: page.limit,
            revision: page.revision,
            sort: page.sort,
        }
    }
}

impl SearchRequest {
    /// The search a page URL query (`prefix`, `q`, `mode`, `values`, `case`, `limit`, `after`,
    /// `revision`) asks for. Unknown modes fall back to substring, limits are clamped.
    pub fn from_query(search: &str) -> Self {
        let text = |name| {
            query_param(search, name).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        };
        let flag = |name| matches!(text(name).as_deref(), Some("true" | "on" | "1"));
        let number = |name| text(name).and_then(|text| text.parse::<i64>().ok());
        let mut request = SearchRequest::new(
            Key::new(query_param(search, "prefix").unwrap_or_default()),
            text("q").unwrap_or_default(),
            text("mode")
                .and_then(|mode| SearchMode::parse(&mode))
                .unwrap_or_default(),
        );
        request.values = flag("values");
        request.ignore_case = text("case").as_deref() == Some("insensitive");
        request.limit =
            search_limit(number("limit").map(|n| n.clamp(0, i64::from(u32::MAX)) as u32));
        request.after = query_param(search, "after").map(Key::new);
        request.revision = number("revision").filter(|revision| *revision > 0);
        request
    }
}

impl Selection {
    /// As the bulk page's URL names it: `prefix`, `revision`, `all=1` or `key=` per key (the
    /// prefix and each key as its segment in a key page's URL, so a form can send them).
    pub fn from_query(search: &str) -> Self {
        let text = |name| query_param(search, name).and_then(|v| String::from_utf8(v).ok());
        Selection {
            prefix: text("prefix").map_or_else(Key::default, |p| Key::from_segment(&p)),
            revision: text("revision").and_then(|r| r.parse().ok()).unwrap_or(0),
            all: text("all").as_deref() == Some("1"),
            keys: query_params(search, "key")
                .into_iter()
                .filter_map(|segment| String::from_utf8(segment).ok())
                .map(|segment| Key::from_segment(&segment))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::MAX_SEARCH_LIMIT;

    #[test]
    fn page_requests_read_from_the_query() {
        let page = PageRequest::from_query("?prefix=app%2F&after=app%2Fk1&limit=5");
        assert_eq!(
            page,
            PageRequest::new(Key::from("app/"), Some(Key::from("app/k1")), Some(5))
        );
        let page = PageRequest::from_query("limit=lots&revision=-3");
        assert_eq!(page, PageRequest::new(Key::default(), None, None));
        let page = PageRequest::from_query("prefix=a&after=a1&revision=42");
        assert_eq!(page.revision, Some(42));
    }

    #[test]
    fn a_search_url_says_everything_and_bad_parts_fall_back() {
        let request = SearchRequest::from_query(
            "?prefix=a%2Fb&q=x+y%3F&mode=glob&values=true&case=insensitive&limit=20&after=a%2Fb%2Fc&revision=7",
        );
        assert_eq!(request.prefix, Key::new("a/b"));
        assert_eq!(request.query, "x y?");
        assert_eq!(request.mode, SearchMode::Glob);
        assert!(request.values && request.ignore_case);
        assert_eq!(request.limit, 20);
        assert_eq!(request.after, Some(Key::new("a/b/c")));
        assert_eq!(request.revision, Some(7));
        let fallback = SearchRequest::from_query("?q=x&mode=fuzzy&limit=999999&revision=-3");
        assert_eq!(fallback.mode, SearchMode::Substring);
        assert_eq!(fallback.limit, MAX_SEARCH_LIMIT);
        assert_eq!(fallback.revision, None);
        assert!(!fallback.values && !fallback.ignore_case);
        assert_eq!(SearchRequest::from_query("?limit=0").limit, 1);
    }
}
