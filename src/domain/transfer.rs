//! Moving many keys at once: the export file (a header line, then one JSON line per key,
//! byte-exact for any key and value), what an import reads from it, and the reports of imports,
//! pinned deletes, copies and moves.

use super::{
    key::percent_encode_bytes,
    limits::{check_key, check_put},
    paging::{query_param, query_params},
    AppError, Key, KeySummary,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::{Deserialize, Serialize};

/// The `format` of an export's header line.
pub const EXPORT_FORMAT: &str = "etcd-deck-export";
/// The version of the export format this build writes and reads.
pub const EXPORT_VERSION: u32 = 1;
/// The most keys one import reads: each costs about 100 bytes besides its key and value while
/// the import is held in memory.
pub const MAX_IMPORT_KEYS: usize = 1_000_000;
/// Keys a report names as examples of each outcome.
pub const EXAMPLES: usize = 10;

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
fn encode(bytes: &[u8]) -> (String, Option<LineEncoding>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (STANDARD.encode(bytes), Some(LineEncoding::Base64)),
    }
}

fn decode(text: String, encoding: Option<LineEncoding>, what: &str) -> Result<Vec<u8>, String> {
    match encoding {
        None => Ok(text.into_bytes()),
        Some(LineEncoding::Base64) => STANDARD
            .decode(text)
            .map_err(|err| format!("the {what} is not valid base64 ({err})")),
    }
}

/// One key an import writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportEntry {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    /// Put on a lease of this many seconds (one lease for all the keys of one ttl).
    pub lease_ttl: Option<i64>,
}

/// What an import file holds: its keys in file order, and the export header when it had one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFile {
    pub header: Option<ExportHeader>,
    pub entries: Vec<ImportEntry>,
}

/// Reads an import: an export (a header line, then a JSON line per key), or one flat JSON
/// object `{"key": "value"}` (a value that is not a string is stored as its JSON text). Every
/// key and value is checked here; the first bad line is an error that names it, and nothing of
/// the file is written.
pub fn parse_import(body: &[u8]) -> Result<ImportFile, AppError> {
    let text = std::str::from_utf8(body).map_err(|_| {
        AppError::invalid("the import is not UTF-8 text (binary data goes in base64)")
    })?;
    let first = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let header = serde_json::from_str::<ExportHeader>(first)
        .ok()
        .filter(|header| header.format == EXPORT_FORMAT);
    let file = match header {
        Some(header) => parse_export(text, header)?,
        None => parse_flat(text)?,
    };
    Ok(file)
}

fn parse_export(text: &str, header: ExportHeader) -> Result<ImportFile, AppError> {
    if header.version > EXPORT_VERSION {
        return Err(AppError::invalid(format!(
            "the export is of format version {}; this etcd-deck reads up to version {EXPORT_VERSION}",
            header.version
        )));
    }
    let mut entries = Vec::new();
    let mut seen_header = false;
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if !seen_header {
            seen_header = true;
            continue;
        }
        let at = |message: String| AppError::invalid(format!("line {}: {message}", number + 1));
        let line: ExportLine = serde_json::from_str(line).map_err(|err| at(err.to_string()))?;
        let key = decode(line.key, line.key_encoding, "key").map_err(at)?;
        let value = decode(line.value, line.value_encoding, "value").map_err(at)?;
        let entry = ImportEntry {
            key,
            value,
            lease_ttl: line.lease_ttl,
        };
        check_entry(&entry).map_err(|err| at(err.to_string()))?;
        if entries.len() >= MAX_IMPORT_KEYS {
            return Err(too_many_keys());
        }
        entries.push(entry);
    }
    Ok(ImportFile {
        header: Some(header),
        entries,
    })
}

fn parse_flat(text: &str) -> Result<ImportFile, AppError> {
    let FlatEntries(entries) = serde_json::from_str(text).map_err(|err| {
        if err.to_string().contains(TOO_MANY_KEYS) {
            return too_many_keys();
        }
        AppError::invalid(format!(
            "the import is neither an etcd-deck export (its first line names the format) nor a \
             flat JSON object of keys and values: {err}"
        ))
    })?;
    for entry in &entries {
        check_entry(entry).map_err(|err| {
            AppError::invalid(format!("key {}: {err}", Key::new(entry.key.clone())))
        })?;
    }
    Ok(ImportFile {
        header: None,
        entries,
    })
}

/// The keys of a flat JSON object, read one by one: no tree of the whole object is built, so
/// the file costs its entries and little more. A string value is its text; any other value,
/// its compact JSON.
struct FlatEntries(Vec<ImportEntry>);

impl<'de> Deserialize<'de> for FlatEntries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FlatVisitor)
    }
}

struct FlatVisitor;

impl<'de> serde::de::Visitor<'de> for FlatVisitor {
    type Value = FlatEntries;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON object of keys and values")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FlatEntries, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.len() >= MAX_IMPORT_KEYS {
                return Err(serde::de::Error::custom(TOO_MANY_KEYS));
            }
            let value = match map.next_value::<serde_json::Value>()? {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            entries.push(ImportEntry {
                key: key.into_bytes(),
                value: value.into_bytes(),
                lease_ttl: None,
            });
        }
        Ok(FlatEntries(entries))
    }
}

const TOO_MANY_KEYS: &str = "too many keys";

fn too_many_keys() -> AppError {
    AppError::TooLarge {
        message: format!(
            "the import holds more than {MAX_IMPORT_KEYS} keys, the most one import reads: split \
             it (export a prefix at a time)"
        ),
    }
}

fn check_entry(entry: &ImportEntry) -> Result<(), AppError> {
    check_key(&entry.key)?;
    check_put(&entry.key, &entry.value)?;
    if entry.lease_ttl.is_some_and(|ttl| ttl <= 0) {
        return Err(AppError::invalid(
            "lease_ttl must be a positive number of seconds",
        ));
    }
    Ok(())
}

/// How many keys had one outcome, and the first few of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tally {
    pub count: u64,
    /// Up to [`EXAMPLES`] keys, as text.
    pub examples: Vec<String>,
}

impl Tally {
    pub fn add(&mut self, key: &[u8]) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(Key::new(key.to_vec()).display());
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.count += other.count;
        let room = EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }
}

/// What an import did, or (a dry run) would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub dry_run: bool,
    /// The revision the keys were compared at: a dry run's answer, which its apply repeats.
    pub revision: i64,
    /// Keys in the file.
    pub total: u64,
    /// Keys that do not exist: created.
    pub create: Tally,
    /// Keys whose value differs: written.
    pub update: Tally,
    /// Keys that already hold the value: left as they are.
    pub unchanged: Tally,
    /// Keys left alone: changed in etcd since `revision`, or named twice in the file with
    /// different values.
    pub conflict: Tally,
    /// The revision of the last write, when the import wrote anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_revision: Option<i64>,
    /// Transactions written.
    pub transactions: u64,
}

impl ImportReport {
    /// The counts of an apply as a URL query, for the page that shows what was done.
    pub fn query(&self) -> String {
        format!(
            "applied={}&created={}&updated={}&unchanged={}&conflicts={}",
            self.written_revision.unwrap_or(0),
            self.create.count,
            self.update.count,
            self.unchanged.count,
            self.conflict.count
        )
    }

    /// Reads back what [`ImportReport::query`] wrote (counts only), if the query has it.
    pub fn from_query(search: &str) -> Option<ImportReport> {
        let number = |name| {
            query_param(search, name)
                .and_then(|v| String::from_utf8(v).ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        let count = |name| Tally {
            count: number(name).unwrap_or(0) as u64,
            examples: Vec::new(),
        };
        let applied = number("applied")?;
        Some(ImportReport {
            dry_run: false,
            written_revision: (applied > 0).then_some(applied),
            create: count("created"),
            update: count("updated"),
            unchanged: count("unchanged"),
            conflict: count("conflicts"),
            ..ImportReport::default()
        })
    }

    pub fn merge(&mut self, other: ImportReport) {
        self.create.merge(other.create);
        self.update.merge(other.update);
        self.unchanged.merge(other.unchanged);
        self.conflict.merge(other.conflict);
        self.written_revision = self.written_revision.max(other.written_revision);
        self.transactions += other.transactions;
    }
}

/// What a many-key write (a pinned delete, a copy, a move) did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkReport {
    /// The revision the keys were read at.
    pub revision: i64,
    /// Keys deleted, copied or moved.
    pub done: Tally,
    /// Keys left because they changed (or were created) after `revision`.
    pub changed: Tally,
    /// Keys left because the target exists and overwriting was not asked for.
    pub exists: Tally,
    /// Keys that were gone already when the write came.
    pub gone: Tally,
    /// The revision of the last write, when anything was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_revision: Option<i64>,
    /// Transactions written.
    pub transactions: u64,
}

impl BulkReport {
    /// The counts as a URL query, for the page that shows what was done (`outcome`: `deleted`,
    /// `copied`, `moved`).
    pub fn query(&self, outcome: &str) -> String {
        format!(
            "outcome={outcome}&done={}&changed={}&exists={}&gone={}",
            self.done.count, self.changed.count, self.exists.count, self.gone.count
        )
    }

    /// Reads back what [`BulkReport::query`] wrote: the outcome and the counts (no examples).
    pub fn from_query(search: &str) -> Option<(String, BulkReport)> {
        let outcome = String::from_utf8(query_param(search, "outcome")?).ok()?;
        let count = |name| {
            let count = query_param(search, name)
                .and_then(|v| String::from_utf8(v).ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            Tally {
                count,
                examples: Vec::new(),
            }
        };
        let report = BulkReport {
            done: count("done"),
            changed: count("changed"),
            exists: count("exists"),
            gone: count("gone"),
            ..BulkReport::default()
        };
        Some((outcome, report))
    }

    pub fn merge(&mut self, other: BulkReport) {
        self.done.merge(other.done);
        self.changed.merge(other.changed);
        self.exists.merge(other.exists);
        self.gone.merge(other.gone);
        self.written_revision = self.written_revision.max(other.written_revision);
        self.transactions += other.transactions;
    }
}

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
            super::routes::BULK_SEGMENT,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_key_and_value_round_trip_through_an_export_line() {
        let cases: [(&[u8], &[u8]); 4] = [
            (b"app/config", b"{\"a\": 1}"),
            (b"bin/\xff\x00", b"\x00\x01\xfe"),
            ("ключ/🙂 ?#%".as_bytes(), b"<b>html</b>\n"),
            (b"empty", b""),
        ];
        let mut file = ExportHeader::new(&Key::from("x/"), 42, "2026-11-22T00:00:00Z".into());
        file.prefix = String::new();
        let mut text = serde_json::to_string(&file).unwrap() + "\n";
        for (key, value) in cases {
            text += &ExportLine::new(key, value, Some(30)).to_line();
        }
        let read = parse_import(text.as_bytes()).unwrap();
        assert_eq!(read.header.unwrap().revision, 42);
        let got: Vec<(&[u8], &[u8])> = read
            .entries
            .iter()
            .map(|e| (e.key.as_slice(), e.value.as_slice()))
            .collect();
        assert_eq!(got, cases);
        assert!(read.entries.iter().all(|e| e.lease_ttl == Some(30)));
        let binary = ExportLine::new(b"bin/\xff", b"ok", None);
        assert_eq!(binary.key_encoding, Some(LineEncoding::Base64));
        assert_eq!(binary.value_encoding, None);
    }

    #[test]
    fn a_flat_object_imports_and_bad_files_name_their_line() {
        let flat = parse_import(br#"{"a/1": "one", "a/2": {"n": 2}}"#).unwrap();
        assert_eq!(flat.entries[1].value, br#"{"n":2}"#);
        let header =
            serde_json::to_string(&ExportHeader::new(&Key::from("a/"), 1, String::new())).unwrap();
        for (body, says) in [
            (
                format!("{header}\n{{\"key\":\"k\",\"value\":\"v\"}}\nnot json\n"),
                "line 3",
            ),
            (
                format!("{header}\n{{\"key\":\"\",\"value\":\"v\"}}\n"),
                "line 2",
            ),
            (
                format!(
                    "{header}\n{{\"key\":\"k\",\"value\":\"@@\",\"value_encoding\":\"base64\"}}\n"
                ),
                "base64",
            ),
            ("[1, 2]".to_string(), "neither"),
        ] {
            let err = parse_import(body.as_bytes()).unwrap_err();
            assert_eq!(err.status().as_u16(), 400);
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn a_selection_round_trips_through_its_url() {
        let selection = Selection {
            prefix: Key::from("a b/"),
            revision: 42,
            all: false,
            keys: vec![Key::from("a b/1?&="), Key::new(b"a b/\xff".to_vec())],
        };
        let url = selection.url();
        let search = url.split_once('?').unwrap().1;
        assert_eq!(Selection::from_query(search), selection);
        let all = Selection {
            all: true,
            keys: vec![],
            ..selection
        };
        assert_eq!(
            Selection::from_query(all.url().split_once('?').unwrap().1),
            all
        );
    }

    #[test]
    fn the_counts_of_a_write_round_trip_through_the_url_it_lands_on() {
        let tally = |count| Tally {
            count,
            examples: Vec::new(),
        };
        let bulk = BulkReport {
            done: tally(3),
            changed: tally(1),
            exists: tally(2),
            gone: tally(4),
            ..BulkReport::default()
        };
        let search = format!("prefix=a&{}", bulk.query("moved"));
        assert_eq!(
            BulkReport::from_query(&search),
            Some(("moved".into(), bulk))
        );
        assert_eq!(BulkReport::from_query("prefix=a"), None);

        let import = ImportReport {
            written_revision: Some(42),
            create: tally(5),
            update: tally(6),
            unchanged: tally(7),
            conflict: tally(8),
            ..ImportReport::default()
        };
        let search = format!("upload=x&{}", import.query());
        assert_eq!(ImportReport::from_query(&search), Some(import));
        assert_eq!(ImportReport::from_query("upload=x"), None);
    }

    #[test]
    fn keys_move_from_one_prefix_to_another() {
        assert_eq!(moved_key(b"a/x/y", b"a/", b"b/c/"), b"b/c/x/y");
        assert_eq!(moved_key(b"a", b"a", b"b"), b"b");
    }
}
