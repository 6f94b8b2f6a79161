//! The keys a bulk action is about: every key under a prefix, or some chosen ones.

use crate::domain::{
    key::percent_encode_bytes,
    paging::{query_param, query_params},
    Key, KeySummary,
};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Keys picked on a listing (or every key under its prefix) for an action on them all, at
/// `/bulk`: delete, export, copy or move.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    pub prefix: Key,
    /// The revision the listing was read at; 0 for now.
    pub revision: i64,
    /// Every key under the prefix (else `keys`).
    #[serde(default)]
    pub all: bool,
    /// (An empty list is not sent at all in a form's encoding.)
    #[serde(default)]
    pub keys: Vec<Key>,
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

    /// The REST export of this selection, at its revision.
    pub fn export_url(&self) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut url = format!(
            "/api/v1/export?prefix={}",
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

    /// The bulk page for this selection.
    pub fn url(&self) -> String {
        let mut url = format!(
            "/{}?prefix={}&revision={}",
            crate::domain::routes::BULK_SEGMENT,
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

/// What a selection holds, before anything is done to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkPreview {
    /// The revision the keys were read at.
    pub revision: i64,
    /// How many keys the selection holds.
    pub total: i64,
    /// The first of them (every one, for a selection of keys), as they were then.
    pub keys: Vec<KeySummary>,
    /// Selected keys that did not exist at that revision.
    pub missing: Vec<Key>,
}

/// The key `key` (under `from`) becomes under `to`.
pub fn moved_key(key: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut moved = to.to_vec();
    moved.extend_from_slice(&key[from.len().min(key.len())..]);
    moved
}
