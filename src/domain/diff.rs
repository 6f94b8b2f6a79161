//! Comparing two versions of a value: lines of text, JSON and YAML after pretty-printing (so a
//! reformatted document shows only what changed), and bytes as hex when a value is not text.

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};
use yaml_rust2::{Yaml, YamlEmitter};

/// Unchanged lines shown around each change.
const CONTEXT: usize = 3;
/// Bytes on one line of a hex diff.
const HEX_WIDTH: usize = 16;

/// How the two values were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffBasis {
    /// Both are JSON: compared pretty-printed, keys in order.
    Json,
    /// Both are YAML documents of mappings or lists: compared re-written in one style, keys
    /// in order.
    Yaml,
    /// Both are UTF-8 text: compared line by line.
    Text,
    /// At least one is not UTF-8: compared as hex, 16 bytes a line.
    Hex,
}

impl DiffBasis {
    pub fn describe(self) -> &'static str {
        match self {
            DiffBasis::Json => "JSON, compared pretty-printed with keys in order",
            DiffBasis::Yaml => "YAML, compared re-written in one style with keys in order",
            DiffBasis::Text => "text, compared line by line",
            DiffBasis::Hex => "bytes, compared as hex, 16 to a line",
        }
    }
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
    /// This many unchanged lines, not shown.
    Skipped(usize),
}

/// What changed from one value to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueDiff {
    pub basis: DiffBasis,
    pub lines: Vec<DiffLine>,
    pub added: usize,
    pub removed: usize,
}

/// Compares `old` with `new`.
pub fn diff_values(old: &[u8], new: &[u8]) -> ValueDiff {
    let (basis, old, new) = match (std::str::from_utf8(old), std::str::from_utf8(new)) {
        (Ok(old_text), Ok(new_text)) => {
            if let (Some(old), Some(new)) = (pretty_json(old_text), pretty_json(new_text)) {
                (DiffBasis::Json, old, new)
            } else if let (Some(old), Some(new)) = (pretty_yaml(old_text), pretty_yaml(new_text)) {
                (DiffBasis::Yaml, old, new)
            } else {
                (DiffBasis::Text, old_text.to_string(), new_text.to_string())
            }
        }
        _ => (DiffBasis::Hex, hex_lines(old), hex_lines(new)),
    };
    let diff = TextDiff::from_lines(&old, &new);
    let (mut lines, mut added, mut removed) = (Vec::new(), 0, 0);
    let groups = diff.grouped_ops(CONTEXT);
    let mut shown_to = 0;
    for group in &groups {
        let starts_at = group.first().map_or(0, |op| op.old_range().start);
        if starts_at > shown_to {
            lines.push(DiffLine::Skipped(starts_at - shown_to));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let text = change.value().trim_end_matches('\n').to_string();
                lines.push(match change.tag() {
                    ChangeTag::Equal => DiffLine::Same(text),
                    ChangeTag::Delete => {
                        removed += 1;
                        DiffLine::Removed(text)
                    }
                    ChangeTag::Insert => {
                        added += 1;
                        DiffLine::Added(text)
                    }
                });
            }
            shown_to = op.old_range().end;
        }
    }
    let old_lines = diff.old_slices().len();
    if shown_to < old_lines && !groups.is_empty() {
        lines.push(DiffLine::Skipped(old_lines - shown_to));
    }
    ValueDiff {
        basis,
        lines,
        added,
        removed,
    }
}

fn pretty_json(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&value)
        .ok()
        .map(|pretty| pretty + "\n")
}

/// YAML documents whose top is a mapping or a list (any plain text is a YAML string), written
/// again in one style with the keys of every mapping in order.
fn pretty_yaml(text: &str) -> Option<String> {
    let documents = super::format::load_yaml(text)?;
    let structured = |doc: &Yaml| matches!(doc, Yaml::Hash(_) | Yaml::Array(_));
    if documents.is_empty() || !documents.iter().all(structured) {
        return None;
    }
    let mut out = String::new();
    for document in documents {
        YamlEmitter::new(&mut out)
            .dump(&keys_in_order(document))
            .ok()?;
        out.push('\n');
    }
    Some(out)
}

fn keys_in_order(yaml: Yaml) -> Yaml {
    match yaml {
        Yaml::Hash(hash) => {
            let mut entries: Vec<(Yaml, Yaml)> = hash.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Yaml::Hash(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, keys_in_order(value)))
                    .collect(),
            )
        }
        Yaml::Array(items) => Yaml::Array(items.into_iter().map(keys_in_order).collect()),
        other => other,
    }
}

/// Bytes as lines of `offset: hex`.
fn hex_lines(bytes: &[u8]) -> String {
    bytes
        .chunks(HEX_WIDTH)
        .enumerate()
        .map(|(i, chunk)| format!("{:08x}: {}\n", i * HEX_WIDTH, hex::encode(chunk)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_compared_pretty_printed_so_formatting_is_no_change() {
        let diff = diff_values(
            br#"{"b":1,"a":[1,2]}"#,
            b"{\n  \"a\": [1, 2],\n  \"b\": 2\n}",
        );
        assert_eq!(diff.basis, DiffBasis::Json);
        assert_eq!((diff.added, diff.removed), (1, 1));
        assert!(diff.lines.contains(&DiffLine::Removed("  \"b\": 1".into())));
        assert!(diff.lines.contains(&DiffLine::Added("  \"b\": 2".into())));
        let same = diff_values(br#"{"a":1}"#, b"{ \"a\" : 1 }");
        assert_eq!((same.added, same.removed, same.lines.len()), (0, 0, 0));
    }

    #[test]
    fn yaml_is_compared_rewritten_so_style_and_key_order_are_no_change() {
        let old = "kind: Deployment\nspec:\n  replicas: 2\n  selector: {app: web}\n";
        let new = "spec:\n    selector:\n        app: web\n    replicas: 3\nkind: Deployment\n";
        let diff = diff_values(old.as_bytes(), new.as_bytes());
        assert_eq!(diff.basis, DiffBasis::Yaml);
        assert_eq!((diff.added, diff.removed), (1, 1), "{:?}", diff.lines);
        assert!(diff
            .lines
            .contains(&DiffLine::Removed("  replicas: 2".into())));
        assert!(diff
            .lines
            .contains(&DiffLine::Added("  replicas: 3".into())));
        // Two documents; and text that YAML reads as a plain string stays text.
        let docs = diff_values(b"a: 1\n---\nb: 2\n", b"a: 1\n---\nb: 3\n");
        assert_eq!((docs.basis, docs.added), (DiffBasis::Yaml, 1));
        let text = diff_values(b"hello world", b"hello there");
        assert_eq!(text.basis, DiffBasis::Text);
        let broken = diff_values(b"a: [1, 2", b"a: [1, 3]");
        assert_eq!(broken.basis, DiffBasis::Text);
    }

    #[test]
    fn long_text_shows_changes_with_context_and_skips_the_rest() {
        let old: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let diff = diff_values(old.as_bytes(), new.as_bytes());
        assert_eq!(diff.basis, DiffBasis::Text);
        assert_eq!(diff.lines.first(), Some(&DiffLine::Skipped(7)));
        assert_eq!(diff.lines.last(), Some(&DiffLine::Skipped(6)));
        assert!(diff.lines.contains(&DiffLine::Added("line ten".into())));
    }

    #[test]
    fn bytes_that_are_not_text_are_compared_as_hex() {
        let diff = diff_values(&[0xff, 0, 1], &[0xff, 0, 2]);
        assert_eq!(diff.basis, DiffBasis::Hex);
        assert!(diff
            .lines
            .contains(&DiffLine::Removed("00000000: ff0001".into())));
        assert!(diff
            .lines
            .contains(&DiffLine::Added("00000000: ff0002".into())));
    }
}
