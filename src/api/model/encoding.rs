//! How keys and values are written in the REST API: UTF-8 text or base64, and key cursors.

use crate::domain::{AppError, Key};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD},
    Engine,
};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// How keys and values are written in a request or response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 text. A response falls back to base64 for bytes that are not UTF-8, and says so.
    #[default]
    Utf8,
    /// Standard base64 (URL-safe base64 is accepted too).
    Base64,
}

impl Encoding {
    /// Writes bytes in this encoding; in utf8, bytes that are not UTF-8 are written as base64.
    pub fn encode(self, bytes: &[u8]) -> (String, Encoding) {
        match (self, std::str::from_utf8(bytes)) {
            (Encoding::Utf8, Ok(text)) => (text.to_string(), Encoding::Utf8),
            _ => (STANDARD.encode(bytes), Encoding::Base64),
        }
    }

    /// Reads bytes written in this encoding.
    pub fn decode(self, text: &str, what: &str) -> Result<Vec<u8>, AppError> {
        match self {
            Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
            Encoding::Base64 => decode_base64(text)
                .ok_or_else(|| AppError::invalid(format!("the {what} is not valid base64"))),
        }
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    [&STANDARD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// The cursor of the next page: the last key of this one, opaque to clients.
pub fn encode_cursor(key: &Key) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// A `revision` query parameter: absent, or a positive revision.
pub fn positive_revision(revision: Option<i64>) -> Result<Option<i64>, AppError> {
    match revision {
        Some(revision) if revision <= 0 => {
            Err(AppError::invalid("revision must be a positive number"))
        }
        revision => Ok(revision),
    }
}

/// A `limit` query parameter: absent, or from 1 to `max`. The REST API refuses what its
/// document does not allow rather than clamping it (the pages clamp what a URL asks).
pub fn limit_within(limit: Option<u32>, max: u32) -> Result<Option<u32>, AppError> {
    match limit {
        Some(limit) if !(1..=max).contains(&limit) => {
            Err(AppError::invalid(format!("limit must be from 1 to {max}")))
        }
        limit => Ok(limit),
    }
}

pub fn decode_cursor(cursor: &str) -> Result<Key, AppError> {
    decode_base64(cursor)
        .map(Key::new)
        .ok_or_else(|| AppError::invalid("`after` is not a cursor this API returned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_falls_back_to_base64_and_says_so() {
        assert_eq!(Encoding::Utf8.encode(b"hi"), ("hi".into(), Encoding::Utf8));
        assert_eq!(
            Encoding::Utf8.encode(&[0xff]),
            ("/w==".into(), Encoding::Base64)
        );
        assert_eq!(
            Encoding::Base64.encode(b"hi"),
            ("aGk=".into(), Encoding::Base64)
        );
    }

    #[test]
    fn base64_is_read_standard_or_url_safe() {
        for text in ["+/8=", "-_8=", "-_8"] {
            assert_eq!(
                Encoding::Base64.decode(text, "value").unwrap(),
                [0xfb, 0xff]
            );
        }
        assert_eq!(
            Encoding::Base64
                .decode("***", "value")
                .unwrap_err()
                .status()
                .as_u16(),
            400
        );
    }

    #[test]
    fn cursors_round_trip() {
        let key = Key::new(vec![b'a', 0xff, b'/']);
        assert_eq!(decode_cursor(&encode_cursor(&key)).unwrap(), key);
    }
}
