//! Where each page of the UI lives. The router, every link and every redirect use these, so a
//! path is spelled once.

use super::{
    key::percent_encode_bytes,
    paging::{PageRequest, DEFAULT_PAGE_SIZE},
    Key,
};

/// The key list: `/?prefix=…&after=…&limit=…`.
pub const KEYS: &str = "/";
/// The first segment of a key's page: `/key/<the key as one percent-encoded segment>`.
pub const KEY_SEGMENT: &str = "key";
/// The cluster page's one segment: `/cluster`.
pub const CLUSTER_SEGMENT: &str = "cluster";
/// The REST API reference's one segment: `/api`.
pub const API_REFERENCE_SEGMENT: &str = "api";
/// The sign-in page's one segment.
pub const SIGN_IN_SEGMENT: &str = "sign-in";
/// The sign-in page.
pub const SIGN_IN: &str = "/sign-in";
/// Where the sign-in form posts (a plain form post, handled by the server, not a page).
pub const SIGN_IN_POST: &str = "/auth/sign-in";
/// Where the sign-out button posts.
pub const SIGN_OUT_POST: &str = "/auth/sign-out";

/// The cluster page.
pub fn cluster_url() -> String {
    format!("/{CLUSTER_SEGMENT}")
}

/// The REST API reference page.
pub fn api_reference_url() -> String {
    format!("/{API_REFERENCE_SEGMENT}")
}

/// The page of one key.
pub fn key_url(key: &Key) -> String {
    format!("/{KEY_SEGMENT}/{}", key.to_segment())
}

/// The key a key page's path names, if it is one.
pub fn key_from_path(path: &str) -> Option<Key> {
    let segment = path
        .strip_prefix('/')?
        .strip_prefix(KEY_SEGMENT)?
        .strip_prefix('/')?;
    Some(Key::from_segment(segment))
}

/// The first page of the listing of a prefix.
pub fn prefix_url(prefix: &Key) -> String {
    list_url(&PageRequest::new(prefix.clone(), None, None))
}

/// The URL of a key listing, as the list page reads it back.
pub fn list_url(page: &PageRequest) -> String {
    let mut query = Vec::new();
    if !page.prefix.is_empty() {
        let prefix = percent_encode_bytes(page.prefix.as_bytes());
        query.push(format!("prefix={prefix}"));
    }
    if let Some(after) = &page.after {
        query.push(format!("after={}", percent_encode_bytes(after.as_bytes())));
    }
    if page.limit != DEFAULT_PAGE_SIZE {
        query.push(format!("limit={}", page.limit));
    }
    if let Some(revision) = page.revision {
        query.push(format!("revision={revision}"));
    }
    if query.is_empty() {
        KEYS.to_string()
    } else {
        format!("{KEYS}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::paging::query_param;

    #[test]
    fn list_urls_read_back_to_the_same_request() {
        let prefix = Key::from("a b/%?#ü");
        let after = Key::new(vec![b'a', b' ', 0xff]);
        let mut page = PageRequest::new(prefix.clone(), Some(after.clone()), Some(25));
        page.revision = Some(42);
        let url = list_url(&page);
        let search = url.trim_start_matches("/?");
        assert_eq!(PageRequest::from_query(search), page);
        assert_eq!(query_param(search, "prefix").unwrap(), prefix.as_bytes());
        assert_eq!(query_param(search, "after").unwrap(), after.as_bytes());
        assert_eq!(query_param(search, "limit").unwrap(), b"25");
        assert_eq!(prefix_url(&Key::default()), "/");
    }

    #[test]
    fn key_pages_name_their_key() {
        for key in [
            Key::from("a/b c"),
            Key::from(".."),
            Key::new(vec![0xff, b'/']),
        ] {
            assert_eq!(key_from_path(&key_url(&key)), Some(key));
        }
        assert_eq!(key_url(&Key::from("a/b")), "/key/a%2Fb");
        assert_eq!(key_from_path("/cluster"), None);
        assert_eq!(key_from_path("/keys/a"), None);
    }
}
