//! How etcd's bytes are shown to a user and read back from a form.

#[cfg(feature = "ssr")]
use crate::domain::AppError;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value as stored in etcd: any bytes. It serializes as base64, so it crosses from server to
/// browser compactly and byte-exact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Value(pub Vec<u8>);

impl Value {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as the UI shows it.
    pub fn view(&self) -> ValueView {
        ValueView::from_bytes(self.0.clone())
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text)
            .map(Value)
            .map_err(serde::de::Error::custom)
    }
}

/// A value as the UI shows it: text when it is UTF-8, hex when it is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValueView {
    Text(String),
    Binary { hex: String },
}

impl ValueView {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => ValueView::Text(text),
            Err(err) => ValueView::Binary {
                hex: hex::encode(err.as_bytes()),
            },
        }
    }

    /// The value as it appears in an edit form, with the format to read it back in.
    pub fn editable(&self) -> (String, ValueFormat) {
        match self {
            ValueView::Text(text) => (text.clone(), ValueFormat::Text),
            ValueView::Binary { hex } => (pretty_hex(hex), ValueFormat::Hex),
        }
    }

    /// Whether the value uses CRLF line breaks, which an edit must then keep.
    pub fn uses_crlf(&self) -> bool {
        matches!(self, ValueView::Text(text) if text.contains("\r\n"))
    }
}

/// Hex digits laid out for reading: bytes separated by spaces, 16 to a line.
pub fn pretty_hex(hex: &str) -> String {
    hex.as_bytes()
        .chunks(32)
        .map(|line| {
            line.chunks(2)
                .map(|pair| String::from_utf8_lossy(pair))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// How the text typed into a value field is turned into bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueFormat {
    /// UTF-8 text, stored as typed.
    #[default]
    Text,
    /// Hexadecimal digits, two per byte; whitespace is ignored.
    Hex,
    /// UTF-8 text that must be valid JSON.
    Json,
    /// UTF-8 text that must be valid YAML.
    Yaml,
    /// UTF-8 text that must be valid TOML.
    Toml,
}

impl ValueFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueFormat::Text => "text",
            ValueFormat::Hex => "hex",
            ValueFormat::Json => "json",
            ValueFormat::Yaml => "yaml",
            ValueFormat::Toml => "toml",
        }
    }

    /// Reads back what [`ValueFormat::as_str`] wrote.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "text" => Some(ValueFormat::Text),
            "hex" => Some(ValueFormat::Hex),
            "json" => Some(ValueFormat::Json),
            "yaml" => Some(ValueFormat::Yaml),
            "toml" => Some(ValueFormat::Toml),
            _ => None,
        }
    }
}

/// Turns a submitted value field into the bytes to store.
///
/// Browsers submit every line break of a textarea as CRLF. Unless `keep_crlf` says the value being
/// edited used CRLF itself, line breaks are stored as LF, so editing a Unix-style value keeps it so.
/// JSON, YAML and TOML must be valid: the error names the line and column that is not.
#[cfg(feature = "ssr")]
pub fn parse_value(text: &str, format: ValueFormat, keep_crlf: bool) -> Result<Vec<u8>, AppError> {
    match format {
        ValueFormat::Hex => {
            let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            hex::decode(&digits)
                .map_err(|err| AppError::invalid(format!("the value is not valid hex ({err})")))
        }
        format => {
            super::format::check(text, format)?;
            if keep_crlf {
                Ok(text.as_bytes().to_vec())
            } else {
                Ok(text.replace("\r\n", "\n").into_bytes())
            }
        }
    }
}

/// Text for bytes that may not be UTF-8: valid runs as they are, any other byte as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02X}"));
        }
    }
    out
}

/// Text made safe to write between HTML tags or in a quoted attribute: `& < > " '` as entities.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_markup_is_written_as_text() {
        assert_eq!(
            super::escape_html("a</title><h1 x='1'>\"&"),
            "a&lt;/title&gt;&lt;h1 x=&#39;1&#39;&gt;&quot;&amp;"
        );
    }

    use super::*;

    #[test]
    fn values_serialize_as_base64() {
        let value = Value(vec![0, 0xff, b'a']);
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, "\"AP9h\"");
        assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), value);
    }

    #[test]
    fn utf8_values_are_text_and_others_hex() {
        assert_eq!(
            ValueView::from_bytes("héllo".into()),
            ValueView::Text("héllo".into())
        );
        let binary = ValueView::from_bytes(vec![0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            binary,
            ValueView::Binary {
                hex: "deadbeef".into()
            }
        );
    }

    #[test]
    fn an_edited_value_reads_back_to_the_same_bytes() {
        for bytes in [
            b"plain".to_vec(),
            vec![0, 159, 146, 150],
            b"line\nbreaks\n".to_vec(),
        ] {
            let view = ValueView::from_bytes(bytes.clone());
            let (text, format) = view.editable();
            // What a browser submits for a textarea: every line break as CRLF.
            let submitted = text.replace('\n', "\r\n");
            assert_eq!(parse_value(&submitted, format, false).unwrap(), bytes);
        }
    }

    #[test]
    fn pretty_hex_reads_back_to_the_same_bytes() {
        let bytes: Vec<u8> = (0..=40).collect();
        let pretty = pretty_hex(&hex::encode(&bytes));
        assert!(pretty.starts_with("00 01 02"));
        assert_eq!(pretty.lines().count(), 3);
        assert_eq!(
            parse_value(&pretty, ValueFormat::Hex, false).unwrap(),
            bytes
        );
    }

    #[test]
    fn formats_read_back_from_their_names() {
        for format in [
            ValueFormat::Text,
            ValueFormat::Hex,
            ValueFormat::Json,
            ValueFormat::Yaml,
            ValueFormat::Toml,
        ] {
            assert_eq!(ValueFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(ValueFormat::parse("base64"), None);
    }

    #[test]
    fn crlf_is_kept_when_the_value_had_it() {
        assert_eq!(
            parse_value("a\r\nb", ValueFormat::Text, true).unwrap(),
            b"a\r\nb"
        );
    }

    #[test]
    fn hex_ignores_whitespace_and_rejects_garbage() {
        assert_eq!(
            parse_value("de ad\nBE EF", ValueFormat::Hex, false).unwrap(),
            [0xde, 0xad, 0xbe, 0xef]
        );
        assert!(parse_value("xyz", ValueFormat::Hex, false).is_err());
        assert!(parse_value("abc", ValueFormat::Hex, false).is_err());
    }

    #[test]
    fn bytes_are_escaped_only_where_invalid() {
        assert_eq!(escape_bytes(b"a\xffb"), "a\\xFFb");
        assert_eq!(escape_bytes("日本".as_bytes()), "日本");
    }
}
