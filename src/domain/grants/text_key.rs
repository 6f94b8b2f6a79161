//! A key of a permission as JSON: its text when it is UTF-8, and `{"base64": "…"}` when it is
//! not, so that `"prefix": "/app/"` reads as people write it and any bytes still fit.

use super::Key;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Written {
    Text(String),
    Bytes { base64: String },
}

pub fn serialize<S: Serializer>(key: &Key, serializer: S) -> Result<S::Ok, S::Error> {
    let written = match std::str::from_utf8(key.as_bytes()) {
        Ok(text) => Written::Text(text.to_string()),
        Err(_) => Written::Bytes {
            base64: STANDARD.encode(key.as_bytes()),
        },
    };
    written.serialize(serializer)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
    match Written::deserialize(deserializer)? {
        Written::Text(text) => Ok(Key::new(text.into_bytes())),
        Written::Bytes { base64 } => STANDARD
            .decode(base64)
            .map(Key::new)
            .map_err(|_| serde::de::Error::custom("the key's base64 is not valid base64")),
    }
}

/// The schema of such a key: text, or an object holding its base64.
#[cfg(feature = "ssr")]
#[derive(utoipa::ToSchema, Serialize)]
#[serde(untagged)]
#[allow(dead_code)] // only its schema is used
pub enum TextKey {
    /// The key as UTF-8 text.
    Text(String),
    /// A key that is not UTF-8, in standard base64.
    Bytes { base64: String },
}
