//! The one error type of etcd-deck, and every fact about each kind of error.
//!
//! Every failure a user can meet, from a server function, a page render or the REST API, is an
//! [`AppError`]. What each kind means to the outside world — its HTTP status, its code in the
//! REST API, its heading and what to do about it — is written once, in [`ErrorCode::facts`].
//! The mapping from etcd's own errors lives in `crate::etcd::error`, and nowhere else.

mod codes;

pub use codes::{ErrorCode, ErrorFacts};
use http::StatusCode;
use serde::{Deserialize, Serialize};

/// What went wrong, in terms a user of etcd-deck can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The key does not exist.
    #[error("key not found: {key}")]
    NotFound { key: String },
    /// The lease does not exist: it expired, or was revoked.
    #[error("lease not found: {lease}")]
    LeaseNotFound { lease: String },
    /// A conditional write found the key not as expected: it changed since it was read, or it
    /// exists when it should not.
    #[error("{message}")]
    PreconditionFailed {
        message: String,
        /// The key's mod revision now, when it exists.
        current_mod_revision: Option<i64>,
    },
    /// A write that only creates found the key (or keys) already there.
    #[error("{message}")]
    AlreadyExists {
        message: String,
        /// The key's mod revision now, when one key was meant.
        current_mod_revision: Option<i64>,
    },
    /// The key's value does not allow the operation, or writers kept racing for it.
    #[error("{message}")]
    Conflict { message: String },
    /// The request is not allowed: it came from another site, or names a host this server is not.
    #[error("{message}")]
    Forbidden { message: String },
    /// Nobody is signed in, or the credentials given are wrong or expired.
    #[error("{message}")]
    Unauthenticated { message: String },
    /// The signed-in user may not do this: etcd's roles, an etcd-deck role, or read-only mode.
    #[error("{message}")]
    PermissionDenied { message: String },
    /// Too many failed sign-in attempts for this user or from this address.
    #[error("{message}")]
    TooManyAttempts {
        message: String,
        retry_after_secs: u64,
    },
    /// As many of these as may run at once are running (searches, imports, password checks);
    /// nothing was done, and the same request will do in a moment.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_secs: u64,
    },
    /// The request itself is wrong: an empty key, malformed hex, a bad cursor.
    #[error("{message}")]
    InvalidInput { message: String },
    /// The key or value is over etcd's request size limit.
    #[error("{message}")]
    TooLarge { message: String },
    /// The revision a listing was pinned to is gone: etcd compacted its history past it.
    #[error("revision {revision} is no longer available: etcd has compacted its history past it")]
    Compacted { revision: i64 },
    /// etcd could not be reached, has no leader, or did not answer in time.
    #[error("etcd is unavailable ({reason}); tried {}", endpoints.join(", "))]
    EtcdUnavailable {
        endpoints: Vec<String>,
        reason: String,
    },
    /// No member can reach a quorum: writes and linearizable reads cannot be served.
    #[error(
        "no quorum: the cluster has no leader; members still answering: {}",
        if up.is_empty() { "none".to_string() } else { up.join(", ") }
    )]
    NoQuorum {
        up: Vec<String>,
        endpoints: Vec<String>,
    },
    /// A write was sent but not answered in time: it may or may not have been applied. `key`
    /// names what to check: the key written, or the lease, user or role changed.
    #[error(
        "outcome unknown — check {key}: the change was sent but etcd did not confirm it ({reason})"
    )]
    OutcomeUnknown { key: String, reason: String },
    /// etcd's database is past its space quota: it raised the NOSPACE alarm and refuses every
    /// write (deletes included in a transaction that also writes) until space is freed and the
    /// alarm disarmed.
    #[error(
        "etcd is full: its database has reached its space quota (the NOSPACE alarm), so it \
         refuses writes"
    )]
    NoSpace,
    /// No member of the cluster has this name or id.
    #[error("no member is named {name:?}: the members are {members}")]
    NoSuchMember { name: String, members: String },
    /// etcd (the `owner`) has no user, or no role, of this name; or the users file no user.
    #[error("{owner} has no {what} named {name:?}")]
    NoSuchName {
        owner: String,
        what: String,
        name: String,
    },
    /// etcd-deck refused an operation that would hurt the cluster now: defragmenting while a
    /// member is unhealthy, disarming an alarm whose cause is still there.
    #[error("{message}")]
    Unsafe { message: String },
    /// etcd answered with an error of its own.
    #[error("etcd error: {message}")]
    Etcd { message: String },
    /// etcd-deck itself failed: a broken request between browser and server.
    #[error("{message}")]
    Internal { message: String },
    /// A REST API path that names no endpoint, or a method the path does not have.
    #[error("{message}")]
    NoSuchEndpoint { message: String },
}

impl AppError {
    /// The kind of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::LeaseNotFound { .. } => ErrorCode::LeaseNotFound,
            AppError::NoSuchMember { .. } => ErrorCode::NoSuchMember,
            AppError::NoSuchName { .. } => ErrorCode::NoSuchName,
            AppError::PreconditionFailed { .. } => ErrorCode::PreconditionFailed,
            AppError::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::Unsafe { .. } => ErrorCode::Unsafe,
            AppError::InvalidInput { .. } => ErrorCode::InvalidInput,
            AppError::Forbidden { .. } => ErrorCode::Forbidden,
            AppError::Unauthenticated { .. } => ErrorCode::Unauthenticated,
            AppError::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            AppError::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            AppError::Busy { .. } => ErrorCode::Busy,
            AppError::TooLarge { .. } => ErrorCode::TooLarge,
            AppError::Compacted { .. } => ErrorCode::Compacted,
            AppError::EtcdUnavailable { .. } => ErrorCode::EtcdUnavailable,
            AppError::NoQuorum { .. } => ErrorCode::NoQuorum,
            AppError::OutcomeUnknown { .. } => ErrorCode::OutcomeUnknown,
            AppError::NoSpace => ErrorCode::NoSpace,
            AppError::Etcd { .. } => ErrorCode::EtcdError,
            AppError::Internal { .. } => ErrorCode::Internal,
            AppError::NoSuchEndpoint { .. } => ErrorCode::NoSuchEndpoint,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        self.code().facts().status
    }

    /// A short heading for the error, as shown above its message.
    pub fn title(&self) -> &'static str {
        self.code().facts().title
    }

    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        self.code().facts().hint
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::InvalidInput {
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        AppError::Internal {
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// One error of every variant.
    fn one_of_each() -> Vec<AppError> {
        let all = vec![
            AppError::NotFound { key: "k".into() },
            AppError::LeaseNotFound {
                lease: "694d".into(),
            },
            AppError::NoSuchMember {
                name: "m9".into(),
                members: "m1 (1)".into(),
            },
            AppError::NoSuchName {
                owner: "etcd".into(),
                what: "user".into(),
                name: "alice".into(),
            },
            AppError::PreconditionFailed {
                message: "p".into(),
                current_mod_revision: Some(3),
            },
            AppError::AlreadyExists {
                message: "a".into(),
                current_mod_revision: Some(3),
            },
            AppError::Conflict {
                message: "c".into(),
            },
            AppError::Unsafe {
                message: "s".into(),
            },
            AppError::invalid("i"),
            AppError::Forbidden {
                message: "f".into(),
            },
            AppError::Unauthenticated {
                message: "u".into(),
            },
            AppError::PermissionDenied {
                message: "d".into(),
            },
            AppError::TooManyAttempts {
                message: "m".into(),
                retry_after_secs: 30,
            },
            AppError::Busy {
                message: "b".into(),
                retry_after_secs: 1,
            },
            AppError::TooLarge {
                message: "t".into(),
            },
            AppError::Compacted { revision: 7 },
            AppError::EtcdUnavailable {
                endpoints: vec!["http://127.0.0.1:2379".into()],
                reason: "connection refused".into(),
            },
            AppError::NoQuorum {
                up: vec![],
                endpoints: vec![],
            },
            AppError::OutcomeUnknown {
                key: "k".into(),
                reason: "r".into(),
            },
            AppError::Etcd {
                message: "e".into(),
            },
            AppError::internal("x"),
            AppError::NoSpace,
            AppError::NoSuchEndpoint {
                message: "n".into(),
            },
        ];
        all
    }

    /// Whether an error is the client's mistake (4xx) rather than a failure of etcd or etcd-deck
    /// (5xx). The match makes the compiler name any variant left out.
    fn clients_fault(err: &AppError) -> bool {
        match err {
            AppError::NotFound { .. }
            | AppError::LeaseNotFound { .. }
            | AppError::NoSuchMember { .. }
            | AppError::NoSuchName { .. }
            | AppError::PreconditionFailed { .. }
            | AppError::AlreadyExists { .. }
            | AppError::Conflict { .. }
            | AppError::Unsafe { .. }
            | AppError::InvalidInput { .. }
            | AppError::Forbidden { .. }
            | AppError::Unauthenticated { .. }
            | AppError::PermissionDenied { .. }
            | AppError::TooManyAttempts { .. }
            | AppError::Busy { .. }
            | AppError::TooLarge { .. }
            | AppError::Compacted { .. }
            | AppError::NoSuchEndpoint { .. } => true,
            AppError::EtcdUnavailable { .. }
            | AppError::NoQuorum { .. }
            | AppError::OutcomeUnknown { .. }
            | AppError::NoSpace
            | AppError::Etcd { .. }
            | AppError::Internal { .. } => false,
        }
    }

    #[test]
    fn every_variant_has_its_own_code_and_an_error_status() {
        let errors = one_of_each();
        let codes: HashSet<ErrorCode> = errors.iter().map(AppError::code).collect();
        assert_eq!(codes.len(), errors.len(), "two variants share a code");
        assert_eq!(codes.len(), ErrorCode::ALL.len(), "a code no variant has");
        for err in &errors {
            let status = err.status();
            assert!(ErrorCode::ALL.contains(&err.code()), "{err:?}");
            assert_eq!(status.is_client_error(), clients_fault(err), "{err:?}");
            assert_eq!(status.is_server_error(), !clients_fault(err), "{err:?}");
        }
    }

    #[test]
    fn codes_are_written_as_serde_writes_them() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(seen.insert(code), "{code:?} is listed twice");
        }
    }

    #[test]
    fn unavailable_names_the_endpoints_tried() {
        let err = AppError::EtcdUnavailable {
            endpoints: vec!["http://a:1".into(), "http://b:2".into()],
            reason: "no leader".into(),
        };
        assert_eq!(
            err.to_string(),
            "etcd is unavailable (no leader); tried http://a:1, http://b:2"
        );
    }

    #[test]
    fn no_quorum_names_the_members_still_up() {
        let err = AppError::NoQuorum {
            up: vec!["http://127.0.0.1:32379".into()],
            endpoints: vec![],
        };
        assert!(err.to_string().starts_with("no quorum"), "{err}");
        assert!(err.to_string().ends_with("http://127.0.0.1:32379"), "{err}");
    }

    #[test]
    fn the_readme_lists_every_code_with_its_status() {
        let readme = include_str!("../../../README.md");
        for code in ErrorCode::ALL {
            let facts = code.facts();
            let row = format!(
                "| `{}` | {} | {} |",
                code.as_str(),
                facts.status.as_u16(),
                facts.title
            );
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
    }
}
