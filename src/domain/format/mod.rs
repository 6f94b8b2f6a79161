//! What a value holds, and the views of it a user reads: detected from its bytes (JSON, YAML,
//! TOML, XML, a Kubernetes object, gzip, base64-wrapped text), laid out pretty (indented,
//! coloured, foldable), and as a hex dump with offsets. Showing never changes the bytes: every
//! view is made from them, and the value is what is stored.
//!
//! Detection and the pretty layouts need parsers the browser does not: they run on the server
//! (`ssr`), and the browser receives their outcome, a [`ValueShown`].

use serde::{Deserialize, Serialize};

/// What a value (or what is wrapped in it) was found to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    Json,
    Yaml,
    Toml,
    Xml,
    /// A Kubernetes object in its protobuf envelope (`k8s\0`).
    Kubernetes,
    Gzip,
    Base64,
    Text,
    Binary,
}

impl Format {
    /// The format's name as a user reads it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Toml => "TOML",
            Format::Xml => "XML",
            Format::Kubernetes => "Kubernetes object (protobuf)",
            Format::Gzip => "gzip",
            Format::Base64 => "base64",
            Format::Text => "UTF-8 text",
            Format::Binary => "Binary (not valid UTF-8)",
        }
    }
}

/// How a token of a pretty view is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tone {
    Punct,
    Key,
    Str,
    Number,
    /// `true`, `false`, `null` and their kin.
    Literal,
    Comment,
    /// XML element names, TOML table headers.
    Tag,
    /// XML attribute names.
    Attr,
    Text,
}

/// One coloured piece of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token(pub Tone, pub String);

/// A pretty view: lines, and blocks (an object, a list, an element) that fold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pretty {
    Line(Vec<Token>),
    Block {
        head: Vec<Token>,
        body: Vec<Pretty>,
        /// The closing line (`}`), empty when the format has none (YAML).
        tail: Vec<Token>,
    },
}

impl Pretty {
    /// How many lines the view takes when unfolded.
    pub fn lines(&self) -> usize {
        match self {
            Pretty::Line(_) => 1,
            Pretty::Block { body, tail, .. } => {
                1 + body.iter().map(Pretty::lines).sum::<usize>() + usize::from(!tail.is_empty())
            }
        }
    }
}

/// What a Kubernetes object's envelope says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubernetesObject {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub resource_version: String,
    pub labels: Vec<(String, String)>,
    /// The object itself, protobuf without a schema here: its size, and its first bytes.
    pub raw_len: usize,
    pub raw_head: Vec<u8>,
}

/// What was found in a value, for its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ValueShown {
    /// Outermost first: `[Gzip, Json]` is gzip holding JSON.
    pub layers: Vec<Format>,
    /// The size unwrapped, when the value wraps something (gzip, base64).
    pub unwrapped_len: Option<usize>,
    /// What the wrapping held, as text, when it is text.
    pub unwrapped: Option<String>,
    /// The pretty view, when the value (or what it wraps) is structured.
    pub pretty: Vec<Pretty>,
    /// How many lines the whole pretty view has, when `pretty` stops short of them.
    pub pretty_cut: Option<usize>,
    pub kubernetes: Option<KubernetesObject>,
}

impl ValueShown {
    /// What was detected, in words: "JSON", "gzip holding YAML".
    pub fn describe(&self) -> String {
        self.layers
            .iter()
            .map(|format| format.name())
            .collect::<Vec<_>>()
            .join(" holding ")
    }

    /// Whether the value has a pretty view to offer.
    pub fn has_pretty(&self) -> bool {
        !self.pretty.is_empty() || self.kubernetes.is_some() || self.unwrapped.is_some()
    }

    /// The format an editor of the value starts in: the value's own, when it is one the editor
    /// checks.
    pub fn edit_format(&self) -> Option<Format> {
        match self.layers.as_slice() {
            [format @ (Format::Json | Format::Yaml | Format::Toml)] => Some(*format),
            _ => None,
        }
    }
}

/// A key with its value and what was found in the value, for the key's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownKey {
    pub detail: super::KeyDetail,
    pub shown: ValueShown,
}

/// How much of a value a key shown beside the list carries.
pub const PEEK_BYTES: usize = 64 * 1024;

/// A key shown beside the list: its metadata, what its value holds, and the value's start as
/// text (its views, and the rest, are on the key's page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPeek {
    pub summary: super::KeySummary,
    /// What the value holds, and its size: "JSON, 38 B".
    pub described: String,
    /// The value's first [`PEEK_BYTES`] as text, other bytes as `\xNN`.
    pub text: String,
    /// The whole value is valid UTF-8 and all in `text`: it can be copied from here.
    pub whole_text: bool,
}

impl KeyPeek {
    pub fn of(shown: &ShownKey) -> KeyPeek {
        let bytes = shown.detail.value.as_bytes();
        let start = &bytes[..bytes.len().min(PEEK_BYTES)];
        let mut described = format!(
            "{}, {}",
            shown.shown.describe(),
            super::limits::human_bytes(bytes.len() as u64)
        );
        if start.len() < bytes.len() {
            described.push_str(", the start shown");
        }
        KeyPeek {
            summary: shown.detail.summary.clone(),
            described,
            text: super::value::escape_bytes(start),
            whole_text: start.len() == bytes.len() && std::str::from_utf8(bytes).is_ok(),
        }
    }
}

/// The views of a value a user can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Pretty,
    Raw,
    Hex,
}

impl View {
    pub const ALL: [View; 3] = [View::Pretty, View::Raw, View::Hex];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Pretty => "pretty",
            View::Raw => "raw",
            View::Hex => "hex",
        }
    }

    pub fn parse(text: &[u8]) -> Option<Self> {
        View::ALL
            .into_iter()
            .find(|view| view.as_str().as_bytes() == text)
    }
}

/// How many lines a pretty view holds at most: beyond, the raw view has the rest. Tens of
/// thousands of foldable lines would make the page slow to show and to hydrate.
pub const PRETTY_LINES: usize = 3000;
/// How many bytes a hex view shows at most.
pub const HEX_BYTES: usize = 64 * 1024;

/// A hex dump: an offset, 16 bytes in hex, and the printable ones as text, per line; at most
/// [`HEX_BYTES`] of it.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().min(HEX_BYTES) * 4 + 80);
    for (line, chunk) in bytes.chunks(16).take(HEX_BYTES / 16).enumerate() {
        out.push_str(&format!("{:08x}  ", line * 16));
        for column in 0..16 {
            match chunk.get(column) {
                Some(byte) => out.push_str(&format!("{byte:02x} ")),
                None => out.push_str("   "),
            }
            if column == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        out.extend(chunk.iter().map(|&byte| {
            if byte.is_ascii_graphic() || byte == b' ' {
                byte as char
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
    if bytes.len() > HEX_BYTES {
        out.push_str(&format!(
            "… {} more bytes not shown\n",
            bytes.len() - HEX_BYTES
        ));
    }
    out
}

/// A pretty view as plain text, two spaces per level, every block open.
pub fn pretty_text(items: &[Pretty]) -> String {
    fn lines(items: &[Pretty], depth: usize, out: &mut String) {
        let line = |tokens: &[Token], out: &mut String| {
            out.push_str(&"  ".repeat(depth));
            tokens.iter().for_each(|Token(_, text)| out.push_str(text));
            out.push('\n');
        };
        for item in items {
            match item {
                Pretty::Line(tokens) => line(tokens, out),
                Pretty::Block { head, body, tail } => {
                    line(head, out);
                    lines(body, depth + 1, out);
                    if !tail.is_empty() {
                        line(tail, out);
                    }
                }
            }
        }
    }
    let mut out = String::new();
    lines(items, 0, &mut out);
    out
}

/// The most nodes YAML may load to once its aliases are copied in.
const YAML_NODES: u64 = 1_000_000;

/// YAML documents loaded, unless its aliases would copy in more than [`YAML_NODES`] nodes: a
/// loader copies what an alias names, so a value of a few hundred bytes can name billions of
/// them ("billion laughs").
pub fn load_yaml(text: &str) -> Option<Vec<yaml_rust2::Yaml>> {
    use yaml_rust2::parser::{Event, MarkedEventReceiver};
    use yaml_rust2::scanner::Marker;
    /// Nodes counted so far in each open collection (the first is the whole stream's), and
    /// the size of each anchored node.
    struct Nodes {
        open: Vec<(usize, u64)>,
        anchored: std::collections::HashMap<usize, u64>,
    }
    impl Nodes {
        fn add(&mut self, anchor: usize, size: u64) {
            if anchor != 0 {
                self.anchored.insert(anchor, size);
            }
            if let Some((_, count)) = self.open.last_mut() {
                *count = count.saturating_add(size);
            }
        }
    }
    impl MarkedEventReceiver for Nodes {
        fn on_event(&mut self, event: Event, _mark: Marker) {
            match event {
                Event::Scalar(_, _, anchor, _) => self.add(anchor, 1),
                Event::Alias(id) => {
                    let size = self.anchored.get(&id).copied().unwrap_or(1);
                    self.add(0, size);
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    self.open.push((anchor, 1));
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some((anchor, size)) = self.open.pop() {
                        self.add(anchor, size);
                    }
                }
                _ => {}
            }
        }
    }
    let mut nodes = Nodes {
        open: vec![(0, 0)],
        anchored: Default::default(),
    };
    // Read without recursion, and refused past the nesting bound: the loader recurses.
    for (event, marker) in nesting::yaml_events(text).ok()? {
        nodes.on_event(event, marker);
    }
    if nodes.open.first().map_or(0, |(_, count)| *count) > YAML_NODES {
        return None;
    }
    yaml_rust2::YamlLoader::load_from_str(text).ok()
}

pub mod nesting;

#[cfg(feature = "ssr")]
mod check;
#[cfg(feature = "ssr")]
mod detect;
#[cfg(feature = "ssr")]
mod layout;
#[cfg(all(test, feature = "ssr"))]
mod tests;

#[cfg(feature = "ssr")]
pub use {
    check::{check, reformat},
    detect::show,
};
