//! Where the REST API lives, and the URLs of it that pages link to or read from.

use crate::domain::{key::percent_encode_bytes, search::SearchRequest, transfer::Selection, Key};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};

/// Where the API lives.
pub const API_ROOT: &str = "/api/v1";

/// The REST API's URL of a key's value alone, as a download: the key in base64, which no browser
/// or proxy rewrites (a key of `.` or `..` would be).
pub fn value_download_url(key: &Key) -> String {
    let key = STANDARD.encode(key.as_bytes());
    format!(
        "{API_ROOT}/keys/{}?encoding=base64&raw=true",
        percent_encode_bytes(key.as_bytes())
    )
}

impl Selection {
    /// The REST export of this selection, at its revision.
    pub fn export_url(&self) -> String {
        let mut url = format!(
            "{API_ROOT}/export?prefix={}",
            percent_encode_bytes(self.prefix.as_bytes())
        );
        if self.revision > 0 {
            url.push_str(&format!("&revision={}", self.revision));
        }
        if !self.all {
            let keys: Vec<String> = self
                .keys
                .iter()
                .map(|key| URL_SAFE_NO_PAD.encode(key.as_bytes()))
                .collect();
            url.push_str(&format!("&keys={}", keys.join(",")));
        }
        url
    }
}

/// A key as the API reads it in a query with `encoding=base64`.
fn base64_param(key: &Key) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// The REST search a search page streams in the browser: keys and cursors in base64, with a
/// progress line after each window of keys read.
pub fn search_url(request: &SearchRequest) -> String {
    let mut url = format!(
        "{API_ROOT}/search?encoding=base64&progress=true&prefix={}&mode={}&limit={}&q={}",
        base64_param(&request.prefix),
        request.mode.as_str(),
        request.limit,
        percent_encode_bytes(request.query.as_bytes()),
    );
    if request.values {
        url.push_str("&values=true");
    }
    if request.ignore_case {
        url.push_str("&ignore_case=true");
    }
    if let Some(after) = &request.after {
        url.push_str(&format!("&after={}", base64_param(after)));
    }
    if let Some(revision) = request.revision {
        url.push_str(&format!("&revision={revision}"));
    }
    url
}

/// The REST watch of the changes under `prefix` (from `start_revision`, or from now), keys in
/// base64; with `values`, each change brings the start of its value and of the one before.
pub fn watch_url(prefix: &Key, start_revision: Option<i64>, values: bool) -> String {
    let mut url = format!(
        "{API_ROOT}/watch?encoding=base64&prefix={}",
        base64_param(prefix)
    );
    if let Some(start) = start_revision {
        url.push_str(&format!("&start_revision={start}"));
    }
    if values {
        url.push_str("&values=true");
    }
    url
}

/// The REST watch of a prefix as a person reads it: the prefix as text when it is UTF-8.
pub fn readable_watch_url(prefix: &Key) -> String {
    match std::str::from_utf8(prefix.as_bytes()) {
        Ok(text) => format!(
            "{API_ROOT}/watch?prefix={}",
            percent_encode_bytes(text.as_bytes())
        ),
        Err(_) => watch_url(prefix, None, false),
    }
}

/// A snapshot of the member `member` (a name or hex id), as a file to download.
pub fn snapshot_url(member: &str) -> String {
    let member = percent_encode_bytes(member.as_bytes());
    format!("{API_ROOT}/maintenance/snapshot?member={member}")
}
