//! How `kv` commands print their results: plain (for scripts), JSON, or aligned tables.

use super::Format;
use crate::api::model::{
    AppendResult, ClusterOverview, Encoding, KeyEntry, KeyValueBody, WriteResult,
};
use crate::domain::raft::KeyLocation;
use crate::domain::transfer::ImportReport;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Serialize;
use serde_json::json;
use std::io::Write;

pub struct Printer {
    format: Format,
}

impl Printer {
    pub fn new(format: Format) -> Self {
        Printer { format }
    }

    pub fn keys(&self, keys: &[KeyEntry]) {
        match self.format {
            Format::Plain => keys.iter().for_each(|entry| println!("{}", entry.key)),
            Format::Json => print_json(&keys),
            Format::Table => table(
                &["KEY", "VERSION", "MOD REVISION", "LEASE"],
                keys.iter()
                    .map(|e| {
                        vec![
                            e.key.clone(),
                            e.version.to_string(),
                            e.mod_revision.to_string(),
                            lease(e.lease),
                        ]
                    })
                    .collect(),
            ),
        }
    }

    /// A key's value: in plain format the value's own bytes, exactly.
    pub fn key_value(&self, body: &KeyValueBody) {
        let entry = &body.entry;
        match self.format {
            Format::Plain => {
                let value = entry.value.as_deref().unwrap_or_default();
                let bytes = match entry.value_encoding {
                    Some(Encoding::Base64) => STANDARD.decode(value).unwrap_or_default(),
                    _ => value.as_bytes().to_vec(),
                };
                let mut stdout = std::io::stdout().lock();
                let _ = stdout
                    .write_all(&bytes)
                    .and_then(|_| stdout.write_all(b"\n"));
            }
            Format::Json => print_json(body),
            Format::Table => table(
                &["FIELD", "VALUE"],
                vec![
                    vec!["key".into(), entry.key.clone()],
                    vec!["value".into(), entry.value.clone().unwrap_or_default()],
                    vec![
                        "value encoding".into(),
                        format!("{:?}", entry.value_encoding.unwrap_or_default()).to_lowercase(),
                    ],
                    vec!["version".into(), entry.version.to_string()],
                    vec!["create revision".into(), entry.create_revision.to_string()],
                    vec!["mod revision".into(), entry.mod_revision.to_string()],
                    vec!["lease".into(), lease(entry.lease)],
                ],
            ),
        }
    }

    pub fn written(&self, key: &str, result: &WriteResult) {
        self.done(
            json!({"key": key, "revision": result.revision}),
            format!("OK (revision {})", result.revision),
        );
    }

    pub fn deleted(&self, body: &KeyValueBody) {
        let key = &body.entry.key;
        self.done(
            json!({"key": key, "deleted": true, "revision": body.revision}),
            format!("deleted {key}"),
        );
    }

    pub fn exists(&self, key: &str, exists: bool) {
        self.done(json!({"key": key, "exists": exists}), exists.to_string());
    }

    pub fn appended(&self, key: &str, result: &AppendResult) {
        self.done(
            json!({"key": key, "length": result.length, "revision": result.revision}),
            format!(
                "OK (length {}, revision {})",
                result.length, result.revision
            ),
        );
    }

    /// What an import did, or would do.
    pub fn import(&self, report: &ImportReport) {
        if self.format == Format::Json {
            return print_json(report);
        }
        let (was, were) = if report.dry_run {
            ("would be", "would be")
        } else {
            ("was", "were")
        };
        println!(
            "{} keys read, compared at revision {}{}:",
            report.total,
            report.revision,
            if report.dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        );
        for (tally, one, many) in [
            (
                &report.create,
                format!("{was} created"),
                format!("{were} created"),
            ),
            (
                &report.update,
                format!("{was} updated"),
                format!("{were} updated"),
            ),
            (
                &report.unchanged,
                "holds the value already".to_string(),
                "hold the value already".to_string(),
            ),
            (
                &report.conflict,
                "left alone: changed since, or named twice".to_string(),
                "left alone: changed since, or named twice".to_string(),
            ),
        ] {
            let what = if tally.count == 1 { one } else { many };
            let examples = match tally.examples.as_slice() {
                [] => String::new(),
                keys => format!(" (e.g. {})", keys.join(", ")),
            };
            println!("  {:>8} {what}{examples}", tally.count);
        }
        if let Some(revision) = report.written_revision {
            println!(
                "  written in {} transactions, up to revision {revision}",
                report.transactions
            );
        }
    }

    pub fn members(&self, overview: &ClusterOverview) {
        let rows = overview.members.iter().map(|member| {
            vec![
                member.name.clone(),
                member.id.clone(),
                overview.role_of(member).as_str().to_string(),
                overview.health_of(member).label(),
                member.client_urls.join(","),
            ]
        });
        match self.format {
            Format::Plain => rows.for_each(|row| println!("{}", row.join("\t"))),
            Format::Json => print_json(overview),
            Format::Table => table(
                &["NAME", "ID", "ROLE", "HEALTH", "CLIENT URLS"],
                rows.collect(),
            ),
        }
    }

    /// Where a key lives: its latest write, and each member's copy of it.
    pub fn location(&self, location: &KeyLocation) {
        let latest = location.mod_revision;
        let rows = location.members.iter().map(|member| {
            let number = |n: Option<String>| n.unwrap_or_else(|| "-".into());
            let state = match &member.error {
                Some(error) if !member.reachable => format!("unreachable: {error}"),
                _ => member.state(latest),
            };
            vec![
                if member.name.is_empty() {
                    member.id.clone()
                } else {
                    member.name.clone()
                },
                member.role.clone(),
                number(member.revision.map(|r| r.to_string())),
                number(member.applied_index.map(|i| i.to_string())),
                number(member.mod_revision.map(|r| r.to_string())),
                state,
            ]
        });
        match self.format {
            Format::Json => print_json(location),
            Format::Plain => rows.for_each(|row| println!("{}", row.join("\t"))),
            Format::Table => {
                let latest = match (latest, &location.error) {
                    (Some(revision), _) => format!("last written at revision {revision}"),
                    (None, Some(error)) => format!("latest write unknown: {error}"),
                    (None, None) => "no such key".into(),
                };
                let leader = location.leader.as_deref().unwrap_or("none");
                println!("{}: {latest}; leader {leader}", location.key);
                table(
                    &[
                        "MEMBER",
                        "ROLE",
                        "REVISION",
                        "APPLIED",
                        "KEY MOD REVISION",
                        "STATE",
                    ],
                    rows.collect(),
                );
            }
        }
    }

    /// A write's outcome: JSON, or a short line.
    fn done(&self, json: serde_json::Value, line: String) {
        match self.format {
            Format::Json => print_json(&json),
            Format::Plain | Format::Table => println!("{line}"),
        }
    }
}

fn lease(lease: i64) -> String {
    if lease == 0 {
        "-".into()
    } else {
        format!("{lease:x}")
    }
}

fn print_json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(err) => eprintln!("error: could not print JSON: {err}"),
    }
}

/// Prints rows under a header, each column as wide as its widest cell.
fn table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    rows.into_iter().for_each(line);
}
