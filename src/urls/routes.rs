//! Where each page of the UI lives. The router, every link and every redirect use these, so a
//! path is spelled once.

use super::with_query;
use crate::domain::{
    grants::{AccessChange, ChangeFields},
    key::percent_encode_bytes,
    lease::lease_hex,
    metrics::{alerts::Fix, Alert},
    paging::{PageRequest, SortOrder, DEFAULT_PAGE_SIZE},
    search::{SearchMode, SearchRequest, DEFAULT_SEARCH_LIMIT},
    transfer::Selection,
    tree::{LevelRequest, DEFAULT_DELIMITER},
    Key,
};

/// The key list: `/?prefix=…&after=…&limit=…`.
pub const KEYS: &str = "/";
/// The first segment of a key's page: `/key/<the key as one percent-encoded segment>`.
pub const KEY_SEGMENT: &str = "key";
/// The cluster page's one segment: `/cluster`.
pub const CLUSTER_SEGMENT: &str = "cluster";
/// The maintenance page's one segment: `/maintenance`.
pub const MAINTENANCE_SEGMENT: &str = "maintenance";
/// The charts page's segment, under the cluster's: `/cluster/charts`.
pub const CHARTS_SEGMENT: &str = "charts";
/// The access page's one segment: `/access`.
pub const ACCESS_SEGMENT: &str = "access";
/// The REST API reference's one segment: `/api`.
pub const API_REFERENCE_SEGMENT: &str = "api";
/// The search page's one segment: `/search?prefix=…&q=…`.
pub const SEARCH_SEGMENT: &str = "search";
/// The leases page's one segment: `/leases`.
pub const LEASES_SEGMENT: &str = "leases";
/// The past keyspace page's one segment: `/past?prefix=…&revision=…`.
pub const PAST_SEGMENT: &str = "past";
/// The past keyspace page.
pub const PAST: &str = "/past";
/// The watch page's one segment: `/watch?prefix=…`.
pub const WATCH_SEGMENT: &str = "watch";
/// The watch page.
pub const WATCH: &str = "/watch";
/// The segment of the bulk actions page.
pub const BULK_SEGMENT: &str = "bulk";
/// Where the import page's upload form posts (a plain form post, handled by the server).
pub const IMPORT_UPLOAD: &str = "/bulk/upload";
/// The sign-in page's one segment.
pub const SIGN_IN_SEGMENT: &str = "sign-in";
/// The sign-in page.
pub const SIGN_IN: &str = "/sign-in";
/// Where the sign-in form posts (a plain form post, handled by the server, not a page).
pub const SIGN_IN_POST: &str = "/auth/sign-in";
/// Where the sign-out button posts.
pub const SIGN_OUT_POST: &str = "/auth/sign-out";
/// etcd-deck's own metrics, for Prometheus: from this machine, for admins, or on
/// `--metrics-addr`.
pub const METRICS: &str = "/metrics";

/// The cluster page.
pub fn cluster_url() -> String {
    format!("/{CLUSTER_SEGMENT}")
}

/// The cluster page asking to confirm `asked` (`remove`, `leader`, `promote`, `replace`) of
/// `member` (a name or hex id).
pub fn cluster_asking_url(asked: &str, member: &str) -> String {
    let member = percent_encode_bytes(member.as_bytes());
    format!("/{CLUSTER_SEGMENT}?do={asked}&member={member}#membership")
}

/// The cluster page showing how to start the member just added, whose hex id is `id`, under
/// `name`.
pub fn cluster_joined_url(id: &str, name: &str) -> String {
    let name = percent_encode_bytes(name.as_bytes());
    format!("/{CLUSTER_SEGMENT}?joined={id}&name={name}#membership")
}

/// The charts of the cluster over time, of one member (a name or client URL) or all.
pub fn charts_url(member: Option<&str>) -> String {
    match member {
        Some(member) => {
            let member = percent_encode_bytes(member.as_bytes());
            format!("/{CLUSTER_SEGMENT}/{CHARTS_SEGMENT}?member={member}")
        }
        None => format!("/{CLUSTER_SEGMENT}/{CHARTS_SEGMENT}"),
    }
}

/// The page that fixes what `alert` is about, or shows more of it.
pub fn fix_url(alert: &Alert) -> String {
    match alert.fix {
        Fix::Defragment | Fix::Recover => maintenance_url(),
        Fix::MoveLeader | Fix::Members => format!("{}#membership", cluster_url()),
        Fix::Charts => charts_url(alert.member.as_deref()),
    }
}

/// The access page.
pub fn access_url() -> String {
    format!("/{ACCESS_SEGMENT}")
}

/// The access page showing the user or role `name` (`what` is `user` or `role`).
pub fn access_subject_url(what: &str, name: &str) -> String {
    let name = percent_encode_bytes(name.as_bytes());
    format!("/{ACCESS_SEGMENT}?{what}={name}#{what}")
}

/// The access page's form asking what `user` may read and write, for every key to start with.
pub fn access_check_url(user: &str) -> String {
    let user = percent_encode_bytes(user.as_bytes());
    format!("/{ACCESS_SEGMENT}?check={user}&kind=prefix&key=#check")
}

/// The access page asking to confirm a change.
pub fn access_asking_url(change: &ChangeFields) -> String {
    format!("/{ACCESS_SEGMENT}?{}#confirm", change.query("do"))
}

/// The access page after `change`, saying it was done.
pub fn access_done_url(change: &AccessChange) -> String {
    match ChangeFields::of(change) {
        Some(fields) => format!("/{ACCESS_SEGMENT}?{}", fields.query("done")),
        None => access_url(),
    }
}

/// The access page's list of etcd-deck's own users, or the confirmation of removing `removing`.
pub fn access_local_url(removing: Option<&str>) -> String {
    match removing {
        Some(name) => {
            let name = percent_encode_bytes(name.as_bytes());
            format!("/{ACCESS_SEGMENT}?remove_local={name}#confirm")
        }
        None => format!("/{ACCESS_SEGMENT}#local-users"),
    }
}

/// The access page answering who may `action` (`read` or `write`) under `prefix`.
pub fn access_who_url(action: &str, prefix: &Key) -> String {
    format!(
        "/{ACCESS_SEGMENT}?who={action}&kind=prefix&key={}#who",
        percent_encode_bytes(prefix.as_bytes())
    )
}

/// The maintenance page.
pub fn maintenance_url() -> String {
    format!("/{MAINTENANCE_SEGMENT}")
}

/// The leases page.
pub fn leases_url() -> String {
    format!("/{LEASES_SEGMENT}")
}

/// One lease's row on the leases page.
pub fn lease_url(id: i64) -> String {
    format!("/{LEASES_SEGMENT}#lease-{}", lease_hex(id))
}

/// The keys under a prefix as they were at a past revision (the page's), as the past keyspace
/// page reads it back.
pub fn past_url(page: &PageRequest) -> String {
    let mut query = Vec::new();
    page_query(&mut query, &page.prefix, page.after.as_ref(), page.limit);
    page_state(&mut query, page.revision, SortOrder::Key);
    with_query(PAST, query)
}

/// The REST API reference page.
pub fn api_reference_url() -> String {
    format!("/{API_REFERENCE_SEGMENT}")
}

/// The page of one key.
pub fn key_url(key: &Key) -> String {
    format!("/{KEY_SEGMENT}/{}", key.to_segment())
}

/// The page of one key, showing it as it was at `revision` beside what it is now, and its
/// history.
pub fn key_version_url(key: &Key, revision: i64) -> String {
    format!("{}?revision={revision}", key_url(key))
}

/// The page of one key with its history.
pub fn key_history_url(key: &Key) -> String {
    format!("{}?history=1", key_url(key))
}

/// The page of one key with where it lives: which members have applied its latest write.
pub fn key_locate_url(key: &Key) -> String {
    format!("{}?locate=1#where", key_url(key))
}

/// The page of one key with the draft a failed save kept: in the editor again, or beside what
/// the key holds now when someone else wrote it meanwhile.
pub fn draft_url(key: &Key, draft: &str) -> String {
    format!("{}?draft={draft}", key_url(key))
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
    page_query(&mut query, &page.prefix, page.after.as_ref(), page.limit);
    if let Some(before) = &page.before {
        query.push(format!(
            "before={}",
            percent_encode_bytes(before.as_bytes())
        ));
    }
    page_state(&mut query, page.revision, page.sort);
    with_query(KEYS, query)
}

/// The URL of a level of the key tree, as the list page reads it back.
pub fn level_url(level: &LevelRequest) -> String {
    let mut query = vec!["view=tree".to_string()];
    page_query(&mut query, &level.prefix, level.after.as_ref(), level.limit);
    if level.delimiter.as_bytes() != DEFAULT_DELIMITER.as_bytes() {
        let delimiter = percent_encode_bytes(level.delimiter.as_bytes());
        query.push(format!("delimiter={delimiter}"));
    }
    page_state(&mut query, level.revision, level.sort);
    with_query(KEYS, query)
}

/// The URL of a search, as the search page reads it back.
pub fn search_url(search: &SearchRequest) -> String {
    let mut query = Vec::new();
    page_query(
        &mut query,
        &search.prefix,
        search.after.as_ref(),
        DEFAULT_PAGE_SIZE,
    );
    query.push(format!(
        "q={}",
        percent_encode_bytes(search.query.as_bytes())
    ));
    if search.mode != SearchMode::Substring {
        query.push(format!("mode={}", search.mode.as_str()));
    }
    if search.values {
        query.push("values=true".into());
    }
    if search.ignore_case {
        query.push("case=insensitive".into());
    }
    if search.limit != DEFAULT_SEARCH_LIMIT {
        query.push(format!("limit={}", search.limit));
    }
    page_state(&mut query, search.revision, SortOrder::Key);
    with_query(&format!("/{SEARCH_SEGMENT}"), query)
}

fn page_query(query: &mut Vec<String>, prefix: &Key, after: Option<&Key>, limit: u32) {
    if !prefix.is_empty() {
        query.push(format!(
            "prefix={}",
            percent_encode_bytes(prefix.as_bytes())
        ));
    }
    if let Some(after) = after {
        query.push(format!("after={}", percent_encode_bytes(after.as_bytes())));
    }
    if limit != DEFAULT_PAGE_SIZE {
        query.push(format!("limit={limit}"));
    }
}

fn page_state(query: &mut Vec<String>, revision: Option<i64>, sort: SortOrder) {
    if let Some(revision) = revision {
        query.push(format!("revision={revision}"));
    }
    if sort != SortOrder::Key {
        query.push(format!("sort={}", sort.as_str()));
    }
}

impl Selection {
    /// The bulk page for this selection.
    pub fn url(&self) -> String {
        let mut url = format!(
            "/{}?prefix={}&revision={}",
            BULK_SEGMENT,
            percent_encode_bytes(self.prefix.to_segment().as_bytes()),
            self.revision
        );
        if self.all {
            url.push_str("&all=1");
        }
        for key in &self.keys {
            url.push_str("&key=");
            url.push_str(&percent_encode_bytes(key.to_segment().as_bytes()));
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::urls::query_param;

    #[test]
    fn list_urls_read_back_to_the_same_request() {
        let prefix = Key::from("a b/%?#ü");
        let after = Key::new(vec![b'a', b' ', 0xff]);
        let mut page = PageRequest::new(prefix.clone(), Some(after.clone()), Some(25));
        page.revision = Some(42);
        page.sort = SortOrder::Modified;
        let url = list_url(&page);
        let search = url.trim_start_matches("/?");
        assert_eq!(PageRequest::from_query(search), page);
        assert_eq!(query_param(search, "prefix").unwrap(), prefix.as_bytes());
        assert_eq!(query_param(search, "after").unwrap(), after.as_bytes());
        assert_eq!(query_param(search, "limit").unwrap(), b"25");
        assert_eq!(prefix_url(&Key::default()), "/");
        let previous = page.previous(&after, 42);
        let url = list_url(&previous);
        let search = url.trim_start_matches("/?");
        assert_eq!(PageRequest::from_query(search), previous);
        assert_eq!(query_param(search, "after"), None);
    }

    #[test]
    fn level_and_search_urls_read_back_to_the_same_request() {
        let mut level = LevelRequest::new(
            Key::from("a b/%?#"),
            Key::from(":"),
            Some(Key::new(vec![0xff])),
            Some(7),
        );
        level.revision = Some(9);
        level.sort = SortOrder::Count;
        let url = level_url(&level);
        assert!(url.starts_with("/?view=tree&"), "{url}");
        assert_eq!(
            LevelRequest::from_query(url.trim_start_matches("/?")),
            level
        );
        let plain = LevelRequest::new(Key::from("a/"), Key::from("/"), None, None);
        assert_eq!(level_url(&plain), "/?view=tree&prefix=a%2F");

        let mut search = SearchRequest::new(Key::from("a/"), "x y&z".into(), SearchMode::Regex);
        search.values = true;
        search.ignore_case = true;
        search.limit = 500;
        search.after = Some(Key::from("a/b"));
        search.revision = Some(3);
        let url = search_url(&search);
        assert!(url.starts_with("/search?"), "{url}");
        assert_eq!(
            SearchRequest::from_query(url.trim_start_matches("/search?")),
            search
        );
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

    #[test]
    fn a_selection_round_trips_through_its_url() {
        let selection = Selection {
            prefix: Key::from("a b/"),
            revision: 42,
            all: false,
            keys: vec![Key::from("a b/1?&="), Key::new(b"a b/\xff".to_vec())],
        };
        let url = selection.url();
        let search = url.split_once('?').unwrap().1;
        assert_eq!(Selection::from_query(search), selection);
        let all = Selection {
            all: true,
            keys: vec![],
            ..selection
        };
        assert_eq!(
            Selection::from_query(all.url().split_once('?').unwrap().1),
            all
        );
    }
}
