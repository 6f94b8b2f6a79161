//! The audit log: one JSON line per write attempt — when, who, from where, what, on which key or
//! prefix, under which condition, and how it ended. Never a value.

use crate::domain::access::Operation;
use crate::domain::{AppError, Key};
use serde::Serialize;
use std::io::Write;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Where audit lines go; by default nowhere.
#[derive(Clone, Default)]
pub struct AuditLog(Option<Arc<Mutex<Box<dyn Write + Send>>>>);

impl AuditLog {
    /// Appends to the file at `path`, or writes to standard output for `-`.
    pub fn open(path: &str) -> std::io::Result<AuditLog> {
        let sink: Box<dyn Write + Send> = if path == "-" {
            Box::new(std::io::stdout())
        } else {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            Box::new(file)
        };
        Ok(AuditLog(Some(Arc::new(Mutex::new(sink)))))
    }

    /// Writes one line and flushes it, so it is on disk before the response is sent.
    pub fn record(&self, entry: &AuditEntry) {
        let Some(sink) = &self.0 else { return };
        let mut line = match serde_json::to_vec(entry) {
            Ok(line) => line,
            Err(err) => return tracing::error!("could not write an audit line: {err}"),
        };
        line.push(b'\n');
        let mut sink = sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(err) = sink.write_all(&line).and_then(|()| sink.flush()) {
            tracing::error!("could not write an audit line: {err}");
        }
    }
}

/// What a write attempt was about, before its outcome is known.
#[derive(Debug, Clone)]
pub struct WriteAttempt {
    pub operation: Operation,
    pub key: Option<String>,
    pub prefix: Option<String>,
    /// The lease, in hexadecimal.
    pub lease: Option<String>,
    /// The condition the write was made under, like `mod_revision=42` or `absent`.
    pub condition: Option<String>,
    /// The member it was made on, for maintenance, by name (or id).
    pub member: Option<String>,
    /// The etcd user or role it changed, like `user alice role app`.
    pub subject: Option<String>,
}

impl WriteAttempt {
    /// An attempt at `operation`, on no key, prefix or lease named yet.
    pub fn of(operation: Operation) -> WriteAttempt {
        WriteAttempt {
            operation,
            key: None,
            prefix: None,
            lease: None,
            condition: None,
            member: None,
            subject: None,
        }
    }

    /// An attempt on many keys at once: the key is named when there is only one.
    pub fn on_keys(operation: Operation, keys: &[Key], condition: String) -> WriteAttempt {
        WriteAttempt {
            key: (keys.len() == 1).then(|| keys[0].display()),
            condition: Some(condition),
            ..WriteAttempt::of(operation)
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Serialize)]
pub struct AuditEntry<'a> {
    /// RFC 3339, UTC, to the millisecond.
    pub time: String,
    pub user: Option<&'a str>,
    pub client: Option<IpAddr>,
    pub operation: Operation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<&'a str>,
    /// `ok`, or the error's code in the REST API (`permission_denied`, `precondition_failed`…).
    pub outcome: &'static str,
    /// The revision the write made, when it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
}

impl<'a> AuditEntry<'a> {
    pub fn new(
        attempt: &'a WriteAttempt,
        user: Option<&'a str>,
        client: Option<IpAddr>,
        outcome: Result<Option<i64>, &AppError>,
    ) -> Self {
        AuditEntry {
            time: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            user,
            client,
            operation: attempt.operation,
            key: attempt.key.as_deref(),
            prefix: attempt.prefix.as_deref(),
            lease: attempt.lease.as_deref(),
            condition: attempt.condition.as_deref(),
            member: attempt.member.as_deref(),
            subject: attempt.subject.as_deref(),
            outcome: match outcome {
                Ok(_) => "ok",
                Err(err) => err.code().as_str(),
            },
            revision: outcome.ok().flatten(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_the_attempt_and_its_outcome_only() {
        let attempt = WriteAttempt {
            key: Some("app/a".into()),
            condition: Some("mod_revision=7".into()),
            ..WriteAttempt::of(Operation::Put)
        };
        let denied = AppError::PermissionDenied {
            message: "no".into(),
        };
        let entry = AuditEntry::new(&attempt, Some("bob"), None, Err(&denied));
        let line = serde_json::to_value(&entry).unwrap();
        assert_eq!(line["user"], "bob");
        assert_eq!(line["operation"], "put");
        assert_eq!(line["key"], "app/a");
        assert_eq!(line["condition"], "mod_revision=7");
        assert_eq!(line["outcome"], "permission_denied");
        assert!(line.get("revision").is_none());
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
    }
}
