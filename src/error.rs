//! The one error type of etcd-deck.
//!
//! Every failure a user can meet, from a server function, a page render or (later) the REST API,
//! is one of these variants. Each variant has exactly one HTTP status. The mapping from etcd's own
//! errors lives in `crate::etcd::error`, and nowhere else.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// What went wrong, in terms a user of etcd-deck can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The key does not exist (HTTP 404).
    #[error("key not found: {key}")]
    NotFound { key: String },
    /// A conditional write found the key not as expected: it changed since it was read, or it
    /// exists when it should not (HTTP 412).
    #[error("{message}")]
    PreconditionFailed {
        message: String,
        /// The key's mod revision now, when it exists.
        current_mod_revision: Option<i64>,
    },
    /// The key's value does not allow the operation, or writers kept racing for it (HTTP 409).
    #[error("{message}")]
    Conflict { message: String },
    /// The request itself is wrong: an empty key, malformed hex, a bad cursor (HTTP 400).
    #[error("{message}")]
    InvalidInput { message: String },
    /// The key or value is over etcd's request size limit (HTTP 413).
    #[error("{message}")]
    TooLarge { message: String },
    /// etcd could not be reached, has no leader, or did not answer in time (HTTP 503).
    #[error("etcd is unavailable ({reason}); tried {}", endpoints.join(", "))]
    EtcdUnavailable {
        endpoints: Vec<String>,
        reason: String,
    },
    /// No member can reach a quorum: writes and linearizable reads cannot be served (HTTP 503).
    #[error(
        "no quorum: the cluster has no leader; members still answering: {}",
        if up.is_empty() { "none".to_string() } else { up.join(", ") }
    )]
    NoQuorum {
        up: Vec<String>,
        endpoints: Vec<String>,
    },
    /// A write was sent but not answered in time: it may or may not have been applied (HTTP 504).
    #[error("outcome unknown — check the key {key}: the write was sent but etcd did not confirm it ({reason})")]
    OutcomeUnknown { key: String, reason: String },
    /// etcd answered with an error of its own (HTTP 502).
    #[error("etcd error: {message}")]
    Etcd { message: String },
    /// etcd-deck itself failed: a broken request between browser and server (HTTP 500).
    #[error("{message}")]
    Internal { message: String },
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound { .. } => 404,
            AppError::PreconditionFailed { .. } => 412,
            AppError::Conflict { .. } => 409,
            AppError::InvalidInput { .. } => 400,
            AppError::TooLarge { .. } => 413,
            AppError::EtcdUnavailable { .. } | AppError::NoQuorum { .. } => 503,
            AppError::OutcomeUnknown { .. } => 504,
            AppError::Etcd { .. } => 502,
            AppError::Internal { .. } => 500,
        }
    }

    /// A short heading for the error, as shown above its message.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "Not found",
            AppError::PreconditionFailed { .. } => "Changed meanwhile",
            AppError::Conflict { .. } => "Conflict",
            AppError::InvalidInput { .. } => "Invalid input",
            AppError::TooLarge { .. } => "Too large",
            AppError::EtcdUnavailable { .. } => "etcd is unavailable",
            AppError::NoQuorum { .. } => "No quorum",
            AppError::OutcomeUnknown { .. } => "Outcome unknown",
            AppError::Etcd { .. } => "etcd error",
            AppError::Internal { .. } => "Request failed",
        }
    }

    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            AppError::EtcdUnavailable { .. } => Some(
                "Check that etcd is running and reachable at these endpoints, or point etcd-deck \
                 at another cluster with --etcd-endpoints / ETCD_ENDPOINTS. Nothing was changed.",
            ),
            AppError::NoQuorum { .. } => Some(
                "Fewer than a majority of members are up, so etcd accepts no writes. Restart the \
                 members that are down; etcd-deck recovers by itself once a leader is elected.",
            ),
            AppError::OutcomeUnknown { .. } => Some(
                "The write may have been applied. Open the key to see its current value before \
                 trying again.",
            ),
            AppError::TooLarge { .. } => {
                Some("etcd accepts at most 1.5 MiB per request (its --max-request-bytes).")
            }
            AppError::PreconditionFailed { .. } => {
                Some("Nothing was written. Reload the key to see its current value.")
            }
            _ => None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::InvalidInput {
            message: message.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::InvalidInput { message }
            }
            ServerFnErrorErr::Request(message) => AppError::Internal {
                message: format!("could not reach the etcd-deck server: {message}"),
            },
            other => AppError::Internal {
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_own_status() {
        let errors = [
            AppError::NotFound { key: "k".into() },
            AppError::Conflict {
                message: "c".into(),
            },
            AppError::invalid("i"),
            AppError::TooLarge {
                message: "t".into(),
            },
            AppError::EtcdUnavailable {
                endpoints: vec!["http://127.0.0.1:2379".into()],
                reason: "connection refused".into(),
            },
            AppError::Etcd {
                message: "e".into(),
            },
            AppError::Internal {
                message: "x".into(),
            },
        ];
        let statuses: Vec<u16> = errors.iter().map(AppError::status).collect();
        assert_eq!(statuses, [404, 409, 400, 413, 503, 502, 500]);
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
    fn bad_server_fn_arguments_are_invalid_input() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn errors_survive_the_trip_to_the_browser() {
        let err = AppError::NotFound { key: "a/b".into() };
        assert_eq!(AppError::de(err.ser()), err);
    }
}
