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

impl Tone {
    /// The CSS class the token gets.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Punct => "t-p",
            Tone::Key => "t-k",
            Tone::Str => "t-s",
            Tone::Number => "t-n",
            Tone::Literal => "t-l",
            Tone::Comment => "t-c",
            Tone::Tag => "t-t",
            Tone::Attr => "t-a",
            Tone::Text => "t-x",
        }
    }
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
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
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
    Parser::new_from_str(text).load(&mut nodes, true).ok()?;
    if nodes.open.first().map_or(0, |(_, count)| *count) > YAML_NODES {
        return None;
    }
    yaml_rust2::YamlLoader::load_from_str(text).ok()
}

#[cfg(feature = "ssr")]
pub use detect::{check, layout, reformat, show};

#[cfg(feature = "ssr")]
mod detect {
    use super::*;
    use crate::domain::{value::ValueFormat, AppError};

    /// How far wrappings are unwrapped (gzip holding base64 holding JSON is two).
    const DEPTH: usize = 2;
    /// The most a gzip value is unpacked to.
    const GUNZIP_BYTES: u64 = 16 * 1024 * 1024;
    /// How much unwrapped text is shown.
    const UNWRAPPED_TEXT: usize = 256 * 1024;

    /// What `bytes` hold, with a pretty view when they are structured.
    pub fn show(bytes: &[u8]) -> ValueShown {
        let mut shown = ValueShown::default();
        unwrap(bytes, 0, &mut shown);
        let total: usize = shown.pretty.iter().map(Pretty::lines).sum();
        if total > PRETTY_LINES {
            shown.pretty = cut(std::mem::take(&mut shown.pretty), &mut PRETTY_LINES.clone());
            shown.pretty_cut = Some(total);
        }
        shown
    }

    fn unwrap(bytes: &[u8], depth: usize, shown: &mut ValueShown) {
        if let Some(object) = kubernetes(bytes) {
            shown.layers.push(Format::Kubernetes);
            shown.kubernetes = Some(object);
            return;
        }
        if depth < DEPTH && bytes.starts_with(&[0x1f, 0x8b]) {
            if let Some(inner) = gunzip(bytes) {
                shown.layers.push(Format::Gzip);
                shown.unwrapped_len = Some(inner.len());
                return unwrap_inner(&inner, depth, shown);
            }
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            shown.layers.push(Format::Binary);
            return;
        };
        if let Some(format) = structured(text) {
            shown.layers.push(format);
            shown.pretty = layout(text, format).unwrap_or_default();
            return;
        }
        if depth < DEPTH {
            if let Some(inner) = base64_text(text) {
                shown.layers.push(Format::Base64);
                shown.unwrapped_len = Some(inner.len());
                return unwrap_inner(&inner, depth, shown);
            }
        }
        shown.layers.push(Format::Text);
    }

    fn unwrap_inner(inner: &[u8], depth: usize, shown: &mut ValueShown) {
        unwrap(inner, depth + 1, shown);
        if shown.pretty.is_empty() && shown.kubernetes.is_none() {
            if let Ok(text) = std::str::from_utf8(inner) {
                let end = (0..=text.len().min(UNWRAPPED_TEXT))
                    .rev()
                    .find(|&end| text.is_char_boundary(end))
                    .unwrap_or(0);
                shown.unwrapped = Some(text[..end].to_string());
            }
        }
    }

    /// The structured format `text` is in, if any. Plain words are text, not a YAML string.
    fn structured(text: &str) -> Option<Format> {
        let start = text.trim_start();
        if start.starts_with(['{', '[']) && check(text, ValueFormat::Json).is_ok() {
            return Some(Format::Json);
        }
        if start.starts_with('<') && xml(text).is_some() {
            return Some(Format::Xml);
        }
        if start.is_empty() {
            return None;
        }
        if text
            .parse::<toml::Table>()
            .is_ok_and(|table| !table.is_empty())
        {
            return Some(Format::Toml);
        }
        yaml::structured(text).then_some(Format::Yaml)
    }

    /// Whether `text` is what `format` says; an error names the line and column.
    pub fn check(text: &str, format: ValueFormat) -> Result<(), AppError> {
        let failed = |name: &str, line: usize, column: usize, message: &str| {
            AppError::invalid(format!(
                "the value is not valid {name}: line {line}, column {column}: {message}. \
                 Fix it, or save it as plain text"
            ))
        };
        match format {
            ValueFormat::Text | ValueFormat::Hex => Ok(()),
            ValueFormat::Json => serde_json::from_str::<serde::de::IgnoredAny>(text)
                .map(drop)
                .map_err(|err| {
                    let message = err.to_string();
                    let message = message.split(" at line ").next().unwrap_or(&message);
                    failed("JSON", err.line(), err.column(), message)
                }),
            ValueFormat::Yaml => yaml_rust2::parser::Parser::new_from_str(text)
                .load(&mut NoEvents, true)
                .map_err(|err| {
                    let marker = err.marker();
                    failed("YAML", marker.line(), marker.col() + 1, err.info())
                }),
            ValueFormat::Toml => text.parse::<toml::Table>().map(drop).map_err(|err| {
                let at = err.span().map_or(0, |span| span.start);
                let (line, column) = line_column(text, at);
                failed("TOML", line, column, err.message().trim_end())
            }),
        }
    }

    /// `text` laid out again in `format`, for an editor's "Format": the same data, indented.
    /// JSON and YAML only, and YAML only without comments (its parser drops them).
    pub fn reformat(text: &str, format: ValueFormat) -> Result<String, AppError> {
        check(text, format)?;
        let (layout, same) =
            match format {
                ValueFormat::Json => (
                    layout(text, Format::Json),
                    json_same as fn(&str, &str) -> bool,
                ),
                ValueFormat::Yaml if text.contains('#') => return Err(AppError::invalid(
                    "this YAML may have comments, which formatting would drop: it is left as it is",
                )),
                ValueFormat::Yaml => (
                    layout(text, Format::Yaml),
                    yaml_same as fn(&str, &str) -> bool,
                ),
                _ => {
                    return Err(AppError::invalid(
                        "only JSON and YAML can be formatted: choose one of them as the format",
                    ))
                }
            };
        let pretty = layout
            .map(|items| pretty_text(&items))
            .filter(|pretty| same(text, pretty))
            .ok_or_else(|| {
                AppError::invalid("this value cannot be laid out again without changing it")
            })?;
        Ok(pretty)
    }

    fn json_same(a: &str, b: &str) -> bool {
        let parse = |text| serde_json::from_str::<serde_json::Value>(text).ok();
        parse(a).is_some() && parse(a) == parse(b)
    }

    fn yaml_same(a: &str, b: &str) -> bool {
        let parse = load_yaml;
        parse(a).is_some() && parse(a) == parse(b)
    }

    /// Parses without keeping anything: a check needs only the errors.
    struct NoEvents;

    impl yaml_rust2::parser::MarkedEventReceiver for NoEvents {
        fn on_event(&mut self, _: yaml_rust2::parser::Event, _: yaml_rust2::scanner::Marker) {}
    }

    /// The 1-based line and column (in characters) of byte `at` of `text`.
    fn line_column(text: &str, at: usize) -> (usize, usize) {
        let before = &text[..at.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map_or(0, |line| line.chars().count())
            + 1;
        (line, column)
    }

    /// The pretty layout of `text`, which is in `format`; `None` when it is not.
    pub fn layout(text: &str, format: Format) -> Option<Vec<Pretty>> {
        match format {
            Format::Json => Some(vec![json::layout(text)?]),
            Format::Yaml => yaml::layout(text),
            Format::Toml => Some(toml_lines(text)),
            Format::Xml => xml(text),
            _ => None,
        }
    }

    /// Stops a layout after `left` lines.
    fn cut(items: Vec<Pretty>, left: &mut usize) -> Vec<Pretty> {
        let mut out = Vec::new();
        for item in items {
            if *left == 0 {
                break;
            }
            *left -= 1;
            out.push(match item {
                Pretty::Line(tokens) => Pretty::Line(tokens),
                Pretty::Block { head, body, tail } => {
                    let body = cut(body, left);
                    let tail = if *left > 0 && !tail.is_empty() {
                        *left -= 1;
                        tail
                    } else {
                        Vec::new()
                    };
                    Pretty::Block { head, body, tail }
                }
            });
        }
        out
    }

    fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(GUNZIP_BYTES)
            .read_to_end(&mut out)
            .ok()?;
        Some(out)
    }

    /// The text a base64 value wraps: long enough not to be a word, and text inside.
    fn base64_text(text: &str) -> Option<Vec<u8>> {
        use base64::{engine::general_purpose::STANDARD, Engine};
        let trimmed = text.trim();
        if trimmed.len() < 12 || !trimmed.len().is_multiple_of(4) {
            return None;
        }
        let inner = STANDARD.decode(trimmed).ok()?;
        let text = std::str::from_utf8(&inner).ok()?;
        let printable = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
        text.chars().all(printable).then_some(inner)
    }

    /// Kubernetes' protobuf envelope: `k8s\0`, then a `runtime.Unknown` holding the type and the
    /// object, whose first field is its metadata.
    fn kubernetes(bytes: &[u8]) -> Option<KubernetesObject> {
        use prost::Message;
        let envelope = Unknown::decode(bytes.strip_prefix(b"k8s\0")?).ok()?;
        let types = envelope.type_meta.unwrap_or_default();
        let meta = Object::decode(envelope.raw.as_slice())
            .ok()
            .and_then(|object| object.metadata)
            .unwrap_or_default();
        let mut labels: Vec<(String, String)> = meta.labels.into_iter().collect();
        labels.sort();
        Some(KubernetesObject {
            api_version: types.api_version,
            kind: types.kind,
            namespace: meta.namespace,
            name: meta.name,
            uid: meta.uid,
            resource_version: meta.resource_version,
            labels,
            raw_len: envelope.raw.len(),
            raw_head: envelope.raw.iter().take(HEX_BYTES).copied().collect(),
        })
    }

    /// `runtime.Unknown`, the envelope of every Kubernetes object stored as protobuf.
    #[derive(Clone, PartialEq, prost::Message)]
    struct Unknown {
        #[prost(message, optional, tag = "1")]
        type_meta: Option<TypeMeta>,
        #[prost(bytes = "vec", tag = "2")]
        raw: Vec<u8>,
        #[prost(string, tag = "3")]
        content_encoding: String,
        #[prost(string, tag = "4")]
        content_type: String,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct TypeMeta {
        #[prost(string, tag = "1")]
        api_version: String,
        #[prost(string, tag = "2")]
        kind: String,
    }

    /// Any object: its first field is its `ObjectMeta`.
    #[derive(Clone, PartialEq, prost::Message)]
    struct Object {
        #[prost(message, optional, tag = "1")]
        metadata: Option<ObjectMeta>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct ObjectMeta {
        #[prost(string, tag = "1")]
        name: String,
        #[prost(string, tag = "3")]
        namespace: String,
        #[prost(string, tag = "5")]
        uid: String,
        #[prost(string, tag = "6")]
        resource_version: String,
        #[prost(btree_map = "string, string", tag = "11")]
        labels: std::collections::BTreeMap<String, String>,
    }

    fn token(tone: Tone, text: impl Into<String>) -> Token {
        Token(tone, text.into())
    }

    /// The tone of a bare word: a number, a literal, or a string.
    fn word_tone(word: &str) -> Tone {
        match word {
            "true" | "false" | "null" | "~" | "True" | "False" | "Null" | "NULL" | "yes" | "no" => {
                Tone::Literal
            }
            _ if word.parse::<f64>().is_ok() => Tone::Number,
            _ => Tone::Str,
        }
    }

    /// Appends `,` (or any closing punctuation) to a layout's last line.
    fn append(item: &mut Pretty, text: &str) {
        match item {
            Pretty::Line(tokens) => tokens.push(token(Tone::Punct, text)),
            Pretty::Block { tail, .. } => tail.push(token(Tone::Punct, text)),
        }
    }

    mod json {
        use super::*;

        /// Lays out JSON already checked valid, from its own tokens: keys keep their order and
        /// numbers their digits.
        pub fn layout(text: &str) -> Option<Pretty> {
            let mut lexer = Lexer { text, at: 0 };
            let first = lexer.next()?;
            value(&mut lexer, first, Vec::new())
        }

        struct Lexer<'a> {
            text: &'a str,
            at: usize,
        }

        impl<'a> Lexer<'a> {
            fn next(&mut self) -> Option<&'a str> {
                let rest = &self.text[self.at..];
                let start = self.at + (rest.len() - rest.trim_start().len());
                let bytes = self.text.as_bytes();
                let first = *bytes.get(start)?;
                let end = match first {
                    b'{' | b'}' | b'[' | b']' | b':' | b',' => start + 1,
                    b'"' => {
                        let mut at = start + 1;
                        while at < bytes.len() && bytes[at] != b'"' {
                            at += if bytes[at] == b'\\' { 2 } else { 1 };
                        }
                        (at + 1).min(bytes.len())
                    }
                    _ => {
                        let mut at = start;
                        while at < bytes.len()
                            && !matches!(bytes[at], b'{' | b'}' | b'[' | b']' | b':' | b',')
                            && !bytes[at].is_ascii_whitespace()
                        {
                            at += 1;
                        }
                        at
                    }
                };
                self.at = end;
                Some(&self.text[start..end])
            }
        }

        fn value<'a>(
            lexer: &mut Lexer<'a>,
            first: &'a str,
            mut head: Vec<Token>,
        ) -> Option<Pretty> {
            let close = match first {
                "{" => "}",
                "[" => "]",
                scalar => {
                    let tone = if scalar.starts_with('"') {
                        Tone::Str
                    } else {
                        word_tone(scalar)
                    };
                    head.push(token(tone, scalar));
                    return Some(Pretty::Line(head));
                }
            };
            head.push(token(Tone::Punct, first));
            let mut body: Vec<Pretty> = Vec::new();
            loop {
                let mut next = lexer.next()?;
                if next == close {
                    break;
                }
                if next == "," {
                    append(body.last_mut()?, ",");
                    next = lexer.next()?;
                }
                let mut member = Vec::new();
                if close == "}" {
                    member.push(token(Tone::Key, next));
                    member.push(token(Tone::Punct, ": "));
                    lexer.next()?; // the colon
                    next = lexer.next()?;
                }
                body.push(value(lexer, next, member)?);
            }
            if body.is_empty() {
                head.push(token(Tone::Punct, close));
                return Some(Pretty::Line(head));
            }
            Some(Pretty::Block {
                head,
                body,
                tail: vec![token(Tone::Punct, close)],
            })
        }
    }

    mod yaml {
        use super::*;
        use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
        use yaml_rust2::scanner::{Marker, TScalarStyle};

        /// Lays out YAML from its parser's events, so keys keep their order and scalars their
        /// text; documents are separated by `---`.
        pub fn layout(text: &str) -> Option<Vec<Pretty>> {
            let mut events = Events(Vec::new());
            Parser::new_from_str(text).load(&mut events, true).ok()?;
            let mut events = events.0.into_iter().peekable();
            let mut out = Vec::new();
            while let Some(event) = events.next() {
                if let Event::DocumentStart = event {
                    if !out.is_empty() {
                        out.push(Pretty::Line(vec![token(Tone::Punct, "---")]));
                    }
                    let first = events.next()?;
                    out.extend(node(&mut events, first, Vec::new(), false)?);
                }
            }
            Some(out)
        }

        /// Whether every document of `text` is a mapping or a list with something in it (read
        /// from the parser's events: aliases are never copied in).
        pub fn structured(text: &str) -> bool {
            let mut events = Events(Vec::new());
            if Parser::new_from_str(text).load(&mut events, true).is_err() {
                return false;
            }
            let mut documents = 0;
            let mut events = events.0.iter();
            while let Some(event) = events.next() {
                if let Event::DocumentStart = event {
                    documents += 1;
                    let filled = match (events.next(), events.next()) {
                        (Some(Event::MappingStart(..)), Some(next)) => next != &Event::MappingEnd,
                        (Some(Event::SequenceStart(..)), Some(next)) => next != &Event::SequenceEnd,
                        _ => false,
                    };
                    if !filled {
                        return false;
                    }
                }
            }
            documents > 0
        }

        struct Events(Vec<Event>);

        impl MarkedEventReceiver for Events {
            fn on_event(&mut self, event: Event, _mark: Marker) {
                self.0.push(event);
            }
        }

        type Stream = std::iter::Peekable<std::vec::IntoIter<Event>>;

        /// The lines of one node: `head` is what leads its first line (`key:` or `-`); `nested`
        /// when the node is inside a collection, which a block then indents.
        fn node(
            events: &mut Stream,
            first: Event,
            mut head: Vec<Token>,
            nested: bool,
        ) -> Option<Vec<Pretty>> {
            let block = |head: Vec<Token>, body: Vec<Pretty>| {
                if nested {
                    vec![Pretty::Block {
                        head,
                        body,
                        tail: Vec::new(),
                    }]
                } else {
                    body
                }
            };
            match first {
                Event::Scalar(text, style, ..) => {
                    if !head.is_empty() {
                        head.push(token(Tone::Punct, " "));
                    }
                    match style {
                        TScalarStyle::Literal | TScalarStyle::Folded if text.contains('\n') => {
                            head.push(token(Tone::Punct, "|"));
                            let body = text
                                .lines()
                                .map(|line| Pretty::Line(vec![token(Tone::Str, line)]))
                                .collect();
                            return Some(vec![Pretty::Block {
                                head,
                                body,
                                tail: Vec::new(),
                            }]);
                        }
                        TScalarStyle::Plain => head.push(token(word_tone(&text), text)),
                        TScalarStyle::SingleQuoted => {
                            head.push(token(Tone::Str, format!("'{}'", text.replace('\'', "''"))))
                        }
                        _ => head.push(token(
                            Tone::Str,
                            serde_json::to_string(&text).unwrap_or(text),
                        )),
                    }
                    Some(vec![Pretty::Line(head)])
                }
                Event::Alias(_) => {
                    head.push(token(Tone::Punct, " *alias"));
                    Some(vec![Pretty::Line(head)])
                }
                Event::SequenceStart(..) => {
                    let mut body = Vec::new();
                    loop {
                        match events.next()? {
                            Event::SequenceEnd => break,
                            item => body.extend(node(
                                events,
                                item,
                                vec![token(Tone::Punct, "-")],
                                true,
                            )?),
                        }
                    }
                    if body.is_empty() {
                        head.push(token(Tone::Punct, " []"));
                        return Some(vec![Pretty::Line(head)]);
                    }
                    Some(block(head, body))
                }
                Event::MappingStart(..) => {
                    let mut body = Vec::new();
                    loop {
                        let key = match events.next()? {
                            Event::MappingEnd => break,
                            Event::Scalar(text, ..) => text,
                            _ => return None,
                        };
                        let value = events.next()?;
                        let key = vec![token(Tone::Key, key), token(Tone::Punct, ":")];
                        body.extend(node(events, value, key, true)?);
                    }
                    if body.is_empty() {
                        head.push(token(Tone::Punct, " {}"));
                        return Some(vec![Pretty::Line(head)]);
                    }
                    Some(block(head, body))
                }
                _ => None,
            }
        }
    }

    /// TOML, line by line as written: table headers, keys and values coloured.
    fn toml_lines(text: &str) -> Vec<Pretty> {
        text.lines()
            .map(|line| {
                let trimmed = line.trim_start();
                let indent = &line[..line.len() - trimmed.len()];
                let mut tokens = vec![token(Tone::Text, indent)];
                if trimmed.starts_with('#') {
                    tokens.push(token(Tone::Comment, trimmed));
                } else if trimmed.starts_with('[') {
                    tokens.push(token(Tone::Tag, trimmed));
                } else if let Some((key, value)) = trimmed.split_once('=') {
                    let value = value.trim_start();
                    let tone = match value.chars().next() {
                        Some('"' | '\'') => Tone::Str,
                        Some('[' | '{') | None => Tone::Text,
                        _ => word_tone(value.split_whitespace().next().unwrap_or(value)),
                    };
                    tokens.push(token(Tone::Key, key.trim_end()));
                    tokens.push(token(Tone::Punct, " = "));
                    tokens.push(token(tone, value));
                } else {
                    tokens.push(token(Tone::Text, trimmed));
                }
                Pretty::Line(tokens)
            })
            .collect()
    }

    /// XML with one root element, well-formed, laid out element by element; `None` when it is
    /// not XML.
    fn xml(text: &str) -> Option<Vec<Pretty>> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().trim_text(true);
        // Each open element: its opening tag, and what it holds so far.
        let mut open: Vec<(Vec<Token>, Vec<Pretty>)> = vec![(Vec::new(), Vec::new())];
        let mut roots = 0;
        loop {
            let event = reader.read_event().ok()?;
            let depth = open.len();
            let line = match event {
                Event::Eof => break,
                Event::Start(start) => {
                    roots += usize::from(depth == 1);
                    open.push((xml_tag(&start, ">")?, Vec::new()));
                    continue;
                }
                Event::End(end) => {
                    let (head, body) = open.pop().filter(|_| depth > 1)?;
                    let name = String::from_utf8_lossy(end.name().as_ref()).into_owned();
                    let tail = vec![
                        token(Tone::Punct, "</"),
                        token(Tone::Tag, name),
                        token(Tone::Punct, ">"),
                    ];
                    match body.as_slice() {
                        [] | [Pretty::Line(_)] => {
                            let mut line = head;
                            if let Some(Pretty::Line(text)) = body.into_iter().next() {
                                line.extend(text);
                            }
                            line.extend(tail);
                            Pretty::Line(line)
                        }
                        _ => Pretty::Block { head, body, tail },
                    }
                }
                Event::Empty(empty) => {
                    roots += usize::from(depth == 1);
                    Pretty::Line(xml_tag(&empty, "/>")?)
                }
                Event::Text(text) => {
                    if depth == 1 {
                        return None;
                    }
                    Pretty::Line(vec![token(Tone::Text, String::from_utf8_lossy(&text))])
                }
                Event::CData(data) => Pretty::Line(vec![token(
                    Tone::Str,
                    format!("<![CDATA[{}]]>", String::from_utf8_lossy(&data)),
                )]),
                Event::Comment(comment) => Pretty::Line(vec![token(
                    Tone::Comment,
                    format!("<!--{}-->", String::from_utf8_lossy(&comment)),
                )]),
                Event::Decl(decl) => Pretty::Line(vec![token(
                    Tone::Comment,
                    format!("<?{}?>", String::from_utf8_lossy(&decl)),
                )]),
                Event::PI(pi) => Pretty::Line(vec![token(
                    Tone::Comment,
                    format!("<?{}?>", String::from_utf8_lossy(&pi)),
                )]),
                Event::DocType(doctype) => Pretty::Line(vec![token(
                    Tone::Comment,
                    format!("<!DOCTYPE {}>", String::from_utf8_lossy(&doctype)),
                )]),
                _ => continue,
            };
            open.last_mut()?.1.push(line);
        }
        match (open.pop(), open.is_empty(), roots) {
            (Some((_, top)), true, 1) => Some(top),
            _ => None,
        }
    }

    /// `<name attr="value"` and `close`.
    fn xml_tag(start: &quick_xml::events::BytesStart, close: &str) -> Option<Vec<Token>> {
        let mut tokens = vec![
            token(Tone::Punct, "<"),
            token(Tone::Tag, String::from_utf8_lossy(start.name().as_ref())),
        ];
        for attribute in start.attributes() {
            let attribute = attribute.ok()?;
            tokens.push(token(
                Tone::Attr,
                format!(" {}", String::from_utf8_lossy(attribute.key.as_ref())),
            ));
            tokens.push(token(Tone::Punct, "="));
            tokens.push(token(
                Tone::Str,
                format!("\"{}\"", String::from_utf8_lossy(&attribute.value)),
            ));
        }
        tokens.push(token(Tone::Punct, close));
        Some(tokens)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::value::ValueFormat;

    fn layers(bytes: &[u8]) -> Vec<Format> {
        show(bytes).layers
    }

    fn pretty(value: &str) -> String {
        pretty_text(&show(value.as_bytes()).pretty)
    }

    #[test]
    fn formats_are_told_apart() {
        assert_eq!(layers(br#"{"a": [1, 2]}"#), [Format::Json]);
        assert_eq!(layers(b"a: 1\nb: [x, y]\n"), [Format::Yaml]);
        assert_eq!(layers(b"- one\n- two\n"), [Format::Yaml]);
        assert_eq!(
            layers(b"title = \"x\"\n[owner]\nname = \"y\"\n"),
            [Format::Toml]
        );
        assert_eq!(
            layers(b"<?xml version=\"1.0\"?><a x=\"1\"><b/></a>"),
            [Format::Xml]
        );
        assert_eq!(layers(b"hello world"), [Format::Text]);
        assert_eq!(layers(b"42"), [Format::Text]);
        assert_eq!(layers(b""), [Format::Text]);
        assert_eq!(layers(b"<b>unclosed"), [Format::Text]);
        assert_eq!(layers(b"{not json"), [Format::Text]);
        assert_eq!(layers(&[0, 159, 146, 150]), [Format::Binary]);
        // "password" is valid base64, but what it decodes to is not text.
        assert_eq!(layers(b"passwordpassword"), [Format::Text]);
    }

    #[test]
    fn wrappings_are_unwrapped_and_what_they_hold_detected() {
        use base64::{engine::general_purpose::STANDARD, Engine};
        use std::io::Write;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(br#"{"replicas": 3}"#).unwrap();
        let gzip = gzip.finish().unwrap();
        let shown = show(&gzip);
        assert_eq!(shown.layers, [Format::Gzip, Format::Json]);
        assert_eq!(shown.unwrapped_len, Some(15));
        assert_eq!(shown.describe(), "gzip holding JSON");

        let wrapped = STANDARD.encode("plain words, wrapped");
        let shown = show(wrapped.as_bytes());
        assert_eq!(shown.layers, [Format::Base64, Format::Text]);
        assert_eq!(shown.unwrapped.as_deref(), Some("plain words, wrapped"));
        assert_eq!(
            layers(STANDARD.encode("a: 1\nb: 2\n").as_bytes()),
            [Format::Base64, Format::Yaml]
        );
    }

    #[test]
    fn kubernetes_objects_show_their_type_and_name() {
        // A ConfigMap as the API server stores it: ObjectMeta (name 1, namespace 3, uid 5,
        // labels 11) inside the object, inside runtime.Unknown behind `k8s\0`.
        let mut meta = Vec::new();
        prost::encoding::string::encode(1, &"settings".to_string(), &mut meta);
        prost::encoding::string::encode(3, &"prod".to_string(), &mut meta);
        prost::encoding::string::encode(5, &"1f0c-77".to_string(), &mut meta);
        let mut object = Vec::new();
        prost::encoding::bytes::encode(1, &meta, &mut object);
        prost::encoding::string::encode(2, &"data".to_string(), &mut object);
        let mut types = Vec::new();
        prost::encoding::string::encode(1, &"v1".to_string(), &mut types);
        prost::encoding::string::encode(2, &"ConfigMap".to_string(), &mut types);
        let mut envelope = b"k8s\0".to_vec();
        prost::encoding::bytes::encode(1, &types, &mut envelope);
        prost::encoding::bytes::encode(2, &object, &mut envelope);
        let shown = show(&envelope);
        assert_eq!(shown.layers, [Format::Kubernetes]);
        let object_shown = shown.kubernetes.unwrap();
        assert_eq!(
            (
                object_shown.api_version.as_str(),
                object_shown.kind.as_str()
            ),
            ("v1", "ConfigMap")
        );
        assert_eq!(
            (object_shown.namespace.as_str(), object_shown.name.as_str()),
            ("prod", "settings")
        );
        assert_eq!(object_shown.uid, "1f0c-77");
        assert_eq!(object_shown.raw_len, object.len());
    }

    #[test]
    fn json_is_laid_out_in_its_own_order_with_its_own_digits() {
        assert_eq!(
            pretty(r#"{"z":1,"a":{"n":12345678901234567890123,"s":"x\"y"},"l":[],"e":{}}"#),
            "{\n  \"z\": 1,\n  \"a\": {\n    \"n\": 12345678901234567890123,\n    \"s\": \"x\\\"y\"\n  },\n  \"l\": [],\n  \"e\": {}\n}\n"
        );
        assert_eq!(
            pretty("[1, [true, null]]"),
            "[\n  1,\n  [\n    true,\n    null\n  ]\n]\n"
        );
    }

    #[test]
    fn yaml_is_laid_out_in_its_own_order() {
        assert_eq!(
            pretty("z: 1\na:\n  - x\n  - {k: 'v'}\nempty: []\n"),
            "z: 1\na:\n  - x\n  -\n    k: 'v'\nempty: []\n"
        );
        assert_eq!(pretty("a: 1\n---\nb: 2\n"), "a: 1\n---\nb: 2\n");
    }

    #[test]
    fn xml_is_laid_out_by_element() {
        assert_eq!(
            pretty("<a x=\"1\"><b>text</b><c/></a>"),
            "<a x=\"1\">\n  <b>text</b>\n  <c/>\n</a>\n"
        );
    }

    #[test]
    fn long_views_stop_at_the_line_budget() {
        let long = format!(
            "[{}]",
            (0..PRETTY_LINES * 2)
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let shown = show(long.as_bytes());
        assert_eq!(shown.pretty_cut, Some(PRETTY_LINES * 2 + 2));
        assert_eq!(
            shown.pretty.iter().map(Pretty::lines).sum::<usize>(),
            PRETTY_LINES
        );
    }

    #[test]
    fn checks_name_line_and_column() {
        let err = check("{\n  \"a\": 1,\n  \"b\" 2\n}", ValueFormat::Json).unwrap_err();
        assert!(
            err.to_string().contains("not valid JSON: line 3, column 7"),
            "{err}"
        );
        let err = check("a: 1\n b: 2\n", ValueFormat::Yaml).unwrap_err();
        assert!(
            err.to_string().contains("not valid YAML: line 2, column 3"),
            "{err}"
        );
        let err = check("a = 1\nb = \n", ValueFormat::Toml).unwrap_err();
        assert!(err.to_string().contains("not valid TOML: line 2"), "{err}");
        assert!(check("{}", ValueFormat::Json).is_ok());
        assert!(check("anything {", ValueFormat::Text).is_ok());
    }

    #[test]
    fn formatting_keeps_the_data_and_refuses_what_it_would_change() {
        assert_eq!(
            reformat(r#"{"b":[1,2],"a":"x"}"#, ValueFormat::Json).unwrap(),
            "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": \"x\"\n}\n"
        );
        assert_eq!(
            reformat("a:   1\nb: [x, 'y z']\n", ValueFormat::Yaml).unwrap(),
            "a: 1\nb:\n  - x\n  - 'y z'\n"
        );
        assert!(reformat("a: 1 # why\n", ValueFormat::Yaml).is_err());
        assert!(reformat("{", ValueFormat::Json).is_err());
        assert!(reformat("a = 1", ValueFormat::Toml).is_err());
    }

    #[test]
    fn yaml_aliases_are_never_expanded() {
        // "Billion laughs": nine levels of ten aliases each would be a billion nodes loaded.
        let mut laughs =
            String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..10 {
            let prev = format!("*a{}", level - 1);
            laughs.push_str(&format!(
                "a{level}: &a{level} [{}]\n",
                [prev.as_str(); 10].join(", ")
            ));
        }
        assert!(load_yaml(&laughs).is_none());
        assert!(
            load_yaml("base: &b {x: 1}\nmore: *b\n").is_some(),
            "a few aliases load"
        );
        let shown = show(laughs.as_bytes());
        assert_eq!(shown.layers, [Format::Yaml]);
        assert!(shown.pretty.iter().map(Pretty::lines).sum::<usize>() < 200);
        assert!(check(&laughs, ValueFormat::Yaml).is_ok());
        assert!(reformat(&laughs, ValueFormat::Yaml).is_err());
        let diff = crate::domain::diff::diff_values(laughs.as_bytes(), b"a: 1");
        assert_eq!(diff.basis, crate::domain::diff::DiffBasis::Text);
    }

    #[test]
    fn hex_dumps_have_offsets_and_text() {
        let dump = hex_dump(b"0123456789abcdefXY\x00");
        assert_eq!(
            dump,
            "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n\
             00000010  58 59 00                                          |XY.|\n"
        );
    }
}
