//! What a value holds: a Kubernetes object, wrappings (gzip, base64) unwrapped, and the
//! structured formats tried in turn.

use super::layout::{cut, layout, xml, yaml};
use super::*;
use crate::domain::value::ValueFormat;

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
    if !nesting::brackets_too_deep(text)
        && text
            .parse::<toml::Table>()
            .is_ok_and(|table| !table.is_empty())
    {
        return Some(Format::Toml);
    }
    yaml::structured(text).then_some(Format::Yaml)
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
