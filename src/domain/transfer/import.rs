//! What an import reads: an export, or one flat JSON object of keys and values.

use super::*;
use crate::domain::{
    limits::{check_key, check_put},
    AppError, Key,
};
use serde::Deserialize;

/// The most keys one import reads: each costs about 100 bytes besides its key and value while
/// the import is held in memory.
pub const MAX_IMPORT_KEYS: usize = 1_000_000;

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

pub(super) fn parse_export(text: &str, header: ExportHeader) -> Result<ImportFile, AppError> {
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

pub(super) fn parse_flat(text: &str) -> Result<ImportFile, AppError> {
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
pub(super) struct FlatEntries(Vec<ImportEntry>);

impl<'de> Deserialize<'de> for FlatEntries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FlatVisitor)
    }
}

pub(super) struct FlatVisitor;

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

pub(super) const TOO_MANY_KEYS: &str = "too many keys";

pub(super) fn too_many_keys() -> AppError {
    AppError::TooLarge {
        message: format!(
            "the import holds more than {MAX_IMPORT_KEYS} keys, the most one import reads: split \
             it (export a prefix at a time)"
        ),
    }
}

pub(super) fn check_entry(entry: &ImportEntry) -> Result<(), AppError> {
    check_key(&entry.key)?;
    check_put(&entry.key, &entry.value)?;
    if entry.lease_ttl.is_some_and(|ttl| ttl <= 0) {
        return Err(AppError::invalid(
            "lease_ttl must be a positive number of seconds",
        ));
    }
    Ok(())
}
