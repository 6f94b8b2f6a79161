//! The kinds of error, and what each means to the outside world: its HTTP status, its code in
//! the REST API, its heading and what to do about it, written once, in [`ErrorCode::facts`].

use http::StatusCode;
use serde::{Deserialize, Serialize};

/// The kind of an error, as the REST API names it in `{"error": {"code"}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    LeaseNotFound,
    NoSuchMember,
    NoSuchName,
    PreconditionFailed,
    AlreadyExists,
    Conflict,
    Unsafe,
    InvalidInput,
    Forbidden,
    Unauthenticated,
    PermissionDenied,
    TooManyAttempts,
    Busy,
    TooLarge,
    Compacted,
    EtcdUnavailable,
    NoQuorum,
    OutcomeUnknown,
    NoSpace,
    EtcdError,
    Internal,
    NoSuchEndpoint,
}

/// What an error kind means to the outside world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorFacts {
    pub status: StatusCode,
    /// A short heading, shown above the message.
    pub title: &'static str,
    /// What the user can do about it, when there is something to say.
    pub hint: Option<&'static str>,
}

impl ErrorCode {
    /// Every code, in the order the documentation lists them.
    pub const ALL: [ErrorCode; 23] = [
        ErrorCode::InvalidInput,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::PermissionDenied,
        ErrorCode::NotFound,
        ErrorCode::LeaseNotFound,
        ErrorCode::NoSuchMember,
        ErrorCode::NoSuchName,
        ErrorCode::NoSuchEndpoint,
        ErrorCode::Conflict,
        ErrorCode::Unsafe,
        ErrorCode::Compacted,
        ErrorCode::PreconditionFailed,
        ErrorCode::AlreadyExists,
        ErrorCode::TooLarge,
        ErrorCode::TooManyAttempts,
        ErrorCode::Busy,
        ErrorCode::Internal,
        ErrorCode::EtcdError,
        ErrorCode::EtcdUnavailable,
        ErrorCode::NoQuorum,
        ErrorCode::OutcomeUnknown,
        ErrorCode::NoSpace,
    ];

    /// The one place where each kind's status, heading and hint are written.
    pub const fn facts(self) -> ErrorFacts {
        let (status, title, hint) = match self {
            ErrorCode::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                Some("It may have been deleted, or it expired with its lease."),
            ),
            ErrorCode::LeaseNotFound => (
                StatusCode::NOT_FOUND,
                "Lease not found",
                Some("It expired, or was revoked; its keys went with it."),
            ),
            ErrorCode::NoSuchMember => (
                StatusCode::NOT_FOUND,
                "No such member",
                Some("The maintenance page lists the members by name and id."),
            ),
            ErrorCode::NoSuchName => (
                StatusCode::NOT_FOUND,
                "No such user or role",
                Some("The access page lists etcd's users and roles."),
            ),
            ErrorCode::NoSuchEndpoint => (
                StatusCode::NOT_FOUND,
                "No such endpoint",
                Some("The API's endpoints are listed in /api/v1/openapi.json."),
            ),
            ErrorCode::PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "Changed meanwhile",
                Some("Nothing was written."),
            ),
            ErrorCode::AlreadyExists => (
                StatusCode::PRECONDITION_FAILED,
                "Already exists",
                Some("Nothing was written. Open the key to change it, or choose another name."),
            ),
            ErrorCode::Conflict => (StatusCode::CONFLICT, "Conflict", None),
            ErrorCode::Unsafe => (
                StatusCode::CONFLICT,
                "Refused to protect the cluster",
                Some("Nothing was done. The message says what must change first."),
            ),
            ErrorCode::InvalidInput => (StatusCode::BAD_REQUEST, "Invalid input", None),
            ErrorCode::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                Some("Nothing was changed. Use etcd-deck from its own pages, at an address it serves."),
            ),
            ErrorCode::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "Sign-in needed",
                Some("Sign in with your user name and password; nothing was changed."),
            ),
            ErrorCode::PermissionDenied => (
                StatusCode::FORBIDDEN,
                "Permission denied",
                Some("Nothing was changed. Ask an administrator for a role that allows it."),
            ),
            ErrorCode::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                Some("Wait a minute before trying to sign in again."),
            ),
            ErrorCode::Busy => (
                StatusCode::TOO_MANY_REQUESTS,
                "Busy",
                Some("Nothing was done. Try again in a moment."),
            ),
            ErrorCode::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                Some("etcd accepts at most 1.5 MiB per request (its --max-request-bytes)."),
            ),
            ErrorCode::Compacted => (
                StatusCode::GONE,
                "History compacted",
                Some("Start the listing again without a revision, at the current one."),
            ),
            ErrorCode::EtcdUnavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "etcd is unavailable",
                Some(
                    "Check that etcd is running and reachable at these endpoints, or point \
                     etcd-deck at another cluster with --etcd-endpoints / ETCD_ENDPOINTS. \
                     Nothing was changed.",
                ),
            ),
            ErrorCode::NoQuorum => (
                StatusCode::SERVICE_UNAVAILABLE,
                "No quorum",
                Some(
                    "Fewer than a majority of members are up, so etcd accepts no writes. Restart \
                     the members that are down; etcd-deck recovers by itself once a leader is \
                     elected.",
                ),
            ),
            ErrorCode::OutcomeUnknown => (
                StatusCode::GATEWAY_TIMEOUT,
                "Outcome unknown",
                Some(
                    "The write may have been applied. Open the key to see its current value \
                     before trying again.",
                ),
            ),
            ErrorCode::NoSpace => (
                StatusCode::INSUFFICIENT_STORAGE,
                "etcd is full",
                Some(
                    "Nothing was written; reading and deleting keys still work. The \
                     maintenance page recovers it: it compacts etcd's history, defragments \
                     every member one at a time and disarms the NOSPACE alarm (as etcdctl \
                     compact, defrag and alarm disarm would).",
                ),
            ),
            ErrorCode::EtcdError => (StatusCode::BAD_GATEWAY, "etcd error", None),
            ErrorCode::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "Request failed", None),
        };
        ErrorFacts {
            status,
            title,
            hint,
        }
    }

    /// The code as it is written in API responses, like `not_found`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::LeaseNotFound => "lease_not_found",
            ErrorCode::NoSuchMember => "no_such_member",
            ErrorCode::NoSuchName => "no_such_name",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Unsafe => "unsafe",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::Busy => "busy",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Compacted => "compacted",
            ErrorCode::EtcdUnavailable => "etcd_unavailable",
            ErrorCode::NoQuorum => "no_quorum",
            ErrorCode::OutcomeUnknown => "outcome_unknown",
            ErrorCode::NoSpace => "no_space",
            ErrorCode::EtcdError => "etcd_error",
            ErrorCode::Internal => "internal",
            ErrorCode::NoSuchEndpoint => "no_such_endpoint",
        }
    }
}
