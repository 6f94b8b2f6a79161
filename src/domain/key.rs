//! etcd keys as byte strings, and how they travel in URLs and forms.
//!
//! etcd keys are arbitrary bytes. In a URL a key is one path segment: every byte except the RFC 3986
//! unreserved characters `A-Z a-z 0-9 - . _` is percent-encoded, so `/`, `%`, `?`, `#`, space,
//! unicode and invalid UTF-8 all survive, and the segment decodes back to the exact bytes.
//! Browsers treat the segments `.` and `..` (also spelled `%2E`) as directory steps and remove them,
//! so the keys `.` and `..` are written `~.` and `~..`; a real `~` is always written `%7E`.

use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Bytes written as-is in a key's URL segment; everything else is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

/// Marks the segments of the keys `.` and `..`, which browsers would otherwise remove.
const DOT_MARKER: &str = "~";

/// An etcd key or key prefix: any bytes. A prefix may be empty (all keys); a key may not.
///
/// It serializes as its URL segment, so server functions and forms carry it byte-exact.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(Vec<u8>);

impl Key {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Key(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The key as one percent-encoded URL path segment.
    pub fn to_segment(&self) -> String {
        let encoded = percent_encode_bytes(&self.0);
        if encoded == "." || encoded == ".." {
            format!("{DOT_MARKER}{encoded}")
        } else {
            encoded
        }
    }

    /// Reads a key back from the segment written by [`Key::to_segment`]. Hand-typed segments
    /// work too: anything not percent-encoded stands for itself.
    pub fn from_segment(segment: &str) -> Self {
        let body = match segment.strip_prefix(DOT_MARKER) {
            Some(dots @ ("." | "..")) => dots,
            _ => segment,
        };
        Key(percent_decode_str(body).collect())
    }

    /// The prefix a listing of this key's siblings uses: everything up to and including the last `/`.
    pub fn parent_prefix(&self) -> Key {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => Key(self.0[..=i].to_vec()),
            None => Key::default(),
        }
    }

    /// The key as text: valid UTF-8 as is, any other byte as `\xNN`.
    pub fn display(&self) -> String {
        crate::domain::value::escape_bytes(&self.0)
    }

    /// A file name for this key's value: its last segment, in letters, digits, `.`, `-` and
    /// `_` only (others become `_`), at most 100 of them; `value` when nothing is left.
    pub fn file_name(&self) -> String {
        let last = self.0.rsplit(|&b| b == b'/').find(|part| !part.is_empty());
        let name: String = last
            .unwrap_or_default()
            .iter()
            .take(100)
            .map(|&b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => b as char,
                _ => '_',
            })
            .collect();
        match name.trim_start_matches('.') {
            "" => "value".into(),
            name => name.into(),
        }
    }

    /// This key as a prefix, in words: `the keys under app/`, or `every key`.
    pub fn describe_prefix(&self) -> String {
        if self.0.is_empty() {
            "every key".into()
        } else {
            format!("the keys under {}", self.display())
        }
    }
}

/// Splits text just after each separator a key is usually built with (`/ - _ : = @ ,`), so that
/// a long key can wrap there rather than anywhere. Dots are left alone: `10.0.0.7` stays whole.
pub fn wrap_points(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '/' | '-' | '_' | ':' | '=' | '@' | ',') {
            let end = i + c.len_utf8();
            parts.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        parts.push(&text[start..]);
    }
    parts
}

/// Percent-encodes bytes for a URL path segment or query value.
pub fn percent_encode_bytes(bytes: &[u8]) -> String {
    percent_encode(bytes, SEGMENT).to_string()
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({:?})", self.display())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl From<&str> for Key {
    fn from(text: &str) -> Self {
        Key(text.as_bytes().to_vec())
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_segment())
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let segment = String::deserialize(deserializer)?;
        Ok(Key::from_segment(&segment))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_name_is_the_last_segment_in_safe_characters() {
        use super::Key;
        assert_eq!(Key::from("app/config.yaml").file_name(), "config.yaml");
        assert_eq!(Key::from("/registry/pods/").file_name(), "pods");
        assert_eq!(Key::from("a/<b>\"; x").file_name(), "_b____x");
        assert_eq!(Key::from("../..").file_name(), "value");
        assert_eq!(Key::from("/").file_name(), "value");
        assert_eq!(Key::new(vec![0xff, b'z']).file_name(), "_z");
    }

    use super::*;

    fn round_trip(bytes: &[u8]) {
        let key = Key::new(bytes);
        let segment = key.to_segment();
        assert!(!segment.contains('/'), "{segment} must be one segment");
        assert!(
            !segment.contains(['?', '#', ' ']),
            "{segment} must be URL-safe"
        );
        assert_ne!(segment, ".");
        assert_ne!(segment, "..");
        assert_eq!(Key::from_segment(&segment), key, "via {segment}");
    }

    #[test]
    fn awkward_keys_round_trip_through_a_url_segment() {
        for key in [
            "plain",
            "/registry/pods/default/web-1",
            "a/b%c?d#e f",
            "100%",
            "%2F",
            "a//b",
            "/",
            "//",
            "trailing/",
            "ünïcødé/日本語/🔑",
            "<img src=x onerror=alert(1)>",
            "+plus+",
            "~tilde~",
            ".",
            "..",
            "...",
            "./..",
            "~.",
        ] {
            round_trip(key.as_bytes());
        }
    }

    #[test]
    fn binary_keys_round_trip() {
        round_trip(&[0x00, 0xff, 0xfe, b'/', 0x80]);
        round_trip(&[0xc3]); // a truncated UTF-8 sequence
    }

    #[test]
    fn segments_are_readable_for_plain_keys() {
        assert_eq!(Key::from("a/b c").to_segment(), "a%2Fb%20c");
        assert_eq!(Key::from("ü").to_segment(), "%C3%BC");
        assert_eq!(Key::from("..").to_segment(), "~..");
    }

    #[test]
    fn hand_typed_segments_mean_what_they_say() {
        assert_eq!(Key::from_segment("~config"), Key::from("~config"));
        assert_eq!(Key::from_segment("a/b"), Key::from("a/b"));
        assert_eq!(Key::from_segment("~.."), Key::from(".."));
        assert_eq!(Key::from("~.").to_segment(), "%7E.");
    }

    #[test]
    fn keys_serialize_as_their_segment() {
        let key = Key::new(vec![b'a', 0xff]);
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(json, "\"a%FF\"");
        assert_eq!(serde_json::from_str::<Key>(&json).unwrap(), key);
    }

    #[test]
    fn parent_prefix_is_up_to_the_last_slash() {
        assert_eq!(Key::from("/a/b/c").parent_prefix(), Key::from("/a/b/"));
        assert_eq!(Key::from("a/").parent_prefix(), Key::from("a/"));
        assert_eq!(Key::from("top").parent_prefix(), Key::default());
    }

    #[test]
    fn keys_wrap_after_their_separators() {
        assert_eq!(
            wrap_points("/registry/pods/web-1"),
            ["/", "registry/", "pods/", "web-", "1"]
        );
        assert_eq!(wrap_points("plain"), ["plain"]);
        assert_eq!(wrap_points("a/"), ["a/"]);
        assert_eq!(wrap_points("ü/日本"), ["ü/", "日本"]);
        assert!(wrap_points("").is_empty());
    }

    #[test]
    fn display_escapes_only_invalid_bytes() {
        assert_eq!(Key::new(vec![b'k', 0xff, b'/']).display(), "k\\xFF/");
        assert_eq!(Key::from("ü").display(), "ü");
    }
}
