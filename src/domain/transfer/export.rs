//! The export file: a header line, then one JSON line per key, byte-exact for any key and
//! value.

use crate::domain::Key;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};

/// The `format` of an export's header line.
pub const EXPORT_FORMAT: &str = "etcd-deck-export";
/// The version of the export format this build writes and reads.
pub const EXPORT_VERSION: u32 = 1;

/// The first line of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExportHeader {
    pub format: String,
    pub version: u32,
    /// The prefix exported, as text (or base64, as `prefix_encoding` says).
    pub prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_encoding: Option<LineEncoding>,
    /// The store revision every key was read at.
    pub revision: i64,
    /// When the export was made, RFC 3339.
    pub time: String,
}

impl ExportHeader {
    pub fn new(prefix: &Key, revision: i64, time: String) -> Self {
        let (prefix, prefix_encoding) = encode(prefix.as_bytes());
        ExportHeader {
            format: EXPORT_FORMAT.into(),
            version: EXPORT_VERSION,
            prefix,
            prefix_encoding,
            revision,
            time,
        }
    }
}

/// How a key or value that is not UTF-8 is written in a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum LineEncoding {
    Base64,
}

/// One key of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExportLine {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_encoding: Option<LineEncoding>,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_encoding: Option<LineEncoding>,
    /// The seconds the key's lease had left, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_ttl: Option<i64>,
}

impl ExportLine {
    pub fn new(key: &[u8], value: &[u8], lease_ttl: Option<i64>) -> Self {
        let (key, key_encoding) = encode(key);
        let (value, value_encoding) = encode(value);
        ExportLine {
            key,
            key_encoding,
            value,
            value_encoding,
            lease_ttl,
        }
    }

    /// The line as JSON, with its line break.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// Text as it is; other bytes as base64, saying so.
pub(super) fn encode(bytes: &[u8]) -> (String, Option<LineEncoding>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (STANDARD.encode(bytes), Some(LineEncoding::Base64)),
    }
}

pub(super) fn decode(
    text: String,
    encoding: Option<LineEncoding>,
    what: &str,
) -> Result<Vec<u8>, String> {
    match encoding {
        None => Ok(text.into_bytes()),
        Some(LineEncoding::Base64) => STANDARD
            .decode(text)
            .map_err(|err| format!("the {what} is not valid base64 ({err})")),
    }
}
