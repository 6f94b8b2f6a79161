//! The one place where etcd's errors become [`AppError`]s: first a [`Refusal`], the adapter's
//! own reading of etcd's answer, then, with the [`Op`] that was refused, the error a person is
//! told.

mod changes;

use crate::domain::{lease::lease_hex, AppError, Key};
pub use changes::NOT_IN_TOUCH;
use changes::{access_admin_refused, membership_refused, no_such};
use tonic::Code;

/// What etcd (or reaching it) answered, in the adapter's terms. Some answers only make sense
/// with what was asked: the revision, the lease, the key, and who asked. [`Op::told`] adds
/// that, once; nothing outside the adapter sees a refusal.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// The revision asked for was compacted.
    Compacted,
    /// The lease asked about does not exist.
    LeaseNotFound,
    /// A write that keeps the key's lease found no key.
    KeyNotFound,
    /// etcd's roles do not allow what was asked.
    Denied,
    /// etcd has no user of the name asked about.
    NoSuchUser,
    /// etcd has no role of the name asked about.
    NoSuchRole,
    /// Says all there is to say as it is: etcd is unavailable, the request too large...
    Told(AppError),
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Self {
        Refusal::Told(err)
    }
}

/// A request to etcd, as a refusal of it is told: what it tried, in words ("read the key a"),
/// and the revision, lease and key it named.
#[derive(Debug, Clone, Default)]
pub struct Op {
    what: String,
    revision: Option<i64>,
    lease: Option<i64>,
    key: Option<String>,
    user: Option<String>,
    role: Option<String>,
}

impl Op {
    /// A request that tried `what`: "read the key a", "list the keys under a/".
    pub fn new(what: impl Into<String>) -> Self {
        Op {
            what: what.into(),
            ..Op::default()
        }
    }

    /// ...read at `revision` (none: now).
    pub fn at(self, revision: Option<i64>) -> Self {
        Op { revision, ..self }
    }

    /// ...about the lease `id`.
    pub fn lease(self, id: i64) -> Self {
        Op {
            lease: Some(id),
            ..self
        }
    }

    /// ...writing the key `key`.
    pub fn key(self, key: &Key) -> Self {
        Op {
            key: Some(key.display()),
            ..self
        }
    }

    /// ...about the etcd user `name`.
    pub fn user(self, name: &str) -> Self {
        Op {
            user: Some(name.to_string()),
            ..self
        }
    }

    /// ...about the etcd role `name`.
    pub fn role(self, name: &str) -> Self {
        Op {
            role: Some(name.to_string()),
            ..self
        }
    }

    /// What a change of this request touched, for "outcome unknown — check …": its user, role
    /// or key, or what it tried.
    pub fn subject(&self) -> String {
        match (&self.user, &self.role, &self.key) {
            (Some(user), _, _) => format!("the etcd user {user}"),
            (None, Some(role), _) => format!("the etcd role {role}"),
            (None, None, Some(key)) => key.clone(),
            (None, None, None) => self.what.clone(),
        }
    }

    /// The error `refusal` of this request is, for a request made as `user` (none: anonymous).
    pub fn told(&self, refusal: Refusal, user: Option<&str>) -> AppError {
        match refusal {
            Refusal::Compacted => AppError::Compacted {
                revision: self.revision.unwrap_or_default(),
            },
            Refusal::LeaseNotFound => AppError::LeaseNotFound {
                lease: self.lease.map(lease_hex).unwrap_or_default(),
            },
            Refusal::KeyNotFound => AppError::NotFound {
                key: self.key.clone().unwrap_or_default(),
            },
            Refusal::Denied => {
                let who = match user {
                    Some(user) => format!("the etcd user {user}"),
                    None => "an anonymous user".into(),
                };
                AppError::PermissionDenied {
                    message: format!("etcd's roles do not allow {who} to {}", self.what),
                }
            }
            Refusal::NoSuchUser => no_such("user", &self.user),
            Refusal::NoSuchRole => no_such("role", &self.role),
            Refusal::Told(err) => err,
        }
    }
}

/// Reads an error from etcd (or from reaching it).
pub fn refusal(err: etcd_client::Error, endpoints: &[String]) -> Refusal {
    let unavailable = |reason: String| AppError::EtcdUnavailable {
        endpoints: endpoints.to_vec(),
        reason,
    };
    match err {
        etcd_client::Error::GRpcStatus(status) => {
            let message = status.message().to_string();
            let code = status.code();
            if let Some(refusal) = auth_error(&message) {
                return refusal;
            } else if message.contains("required revision has been compacted") {
                return Refusal::Compacted;
            } else if message.contains("requested lease not found") {
                return Refusal::LeaseNotFound;
            } else if message.contains("etcdserver: key not found") {
                return Refusal::KeyNotFound;
            } else if message.contains("required revision is a future revision") {
                AppError::invalid("that revision is in the future: etcd has not reached it yet")
            } else if let Some(refused) = membership_refused(&message) {
                refused
            } else if let Some(alert) = certificate_refused(&status) {
                unavailable(format!(
                    "the member wants a client certificate it trusts ({alert})"
                ))
            } else if closed_by_member(&status) {
                let over_tls = endpoints.iter().any(|url| super::tls::is_https(url));
                unavailable(with_tls_hint(over_tls, LOST.into()))
            } else if matches!(
                code,
                Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled
            ) || is_unavailable_message(&message)
            {
                unavailable(describe_unavailable(&message))
            } else if message.contains("database space exceeded") {
                AppError::NoSpace
            } else if code == Code::InvalidArgument && message.contains("too large") {
                AppError::TooLarge { message }
            } else {
                AppError::Etcd { message }
            }
        }
        etcd_client::Error::TransportError(err) => unavailable(format!("transport error: {err}")),
        etcd_client::Error::IoError(err) => unavailable(format!("i/o error: {err}")),
        etcd_client::Error::InvalidArgs(message) => AppError::invalid(message),
        etcd_client::Error::LeaseKeepAliveError(message) if message == "lease not found" => {
            return Refusal::LeaseNotFound
        }
        other => AppError::Etcd {
            message: other.to_string(),
        },
    }
    .into()
}

/// How hyper says the other side closed the connection before answering.
const CLOSED: &str = "connection closed";
/// How a connection that broke is put in words.
const LOST: &str = "connection lost";

/// Says, over TLS, why a member may close or drop a connection at once: it wants a client
/// certificate it did not get.
pub fn with_tls_hint(over_tls: bool, reason: String) -> String {
    if over_tls && (reason == CLOSED || reason == LOST) {
        format!(
            "{reason}: a TLS member does this when it wants a client certificate it did not get"
        )
    } else {
        reason
    }
}

/// The TLS alert with which a member refused the client's certificate, or the lack of one: in
/// the status's message or any of its causes.
fn certificate_refused(status: &tonic::Status) -> Option<String> {
    let refusal = |text: &str| {
        text.contains("alert: BadCertificate") || text.contains("alert: CertificateRequired")
    };
    if refusal(status.message()) {
        return Some(status.message().to_string());
    }
    let mut source = std::error::Error::source(status);
    while let Some(cause) = source {
        let text = cause.to_string();
        if refusal(&text) {
            return Some(text);
        }
        source = cause.source();
    }
    None
}

/// Whether the member closed or dropped the connection before it answered.
fn closed_by_member(status: &tonic::Status) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionReset, UnexpectedEof};
    let mut source = std::error::Error::source(status);
    while let Some(cause) = source {
        let dropped = cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| matches!(io.kind(), BrokenPipe | ConnectionReset | UnexpectedEof));
        if dropped || cause.to_string() == CLOSED {
            return true;
        }
        source = cause.source();
    }
    false
}

/// etcd's answers about authentication and permissions, which are the same on every member.
fn auth_error(message: &str) -> Option<Refusal> {
    let unauthenticated = |message: &str| {
        Some(Refusal::Told(AppError::Unauthenticated {
            message: message.into(),
        }))
    };
    if message.contains("user name is empty") {
        unauthenticated("etcd requires authentication: sign in with an etcd user name and password")
    } else if message.contains("authentication failed") {
        unauthenticated("wrong user name or password")
    } else if message.contains("invalid auth token") {
        unauthenticated("etcd no longer accepts this sign-in: sign in again")
    } else if message.contains("authentication is not enabled") {
        unauthenticated(
            "etcd does not have authentication enabled, so there are no etcd users to sign in as",
        )
    } else if message.contains("permission denied") {
        Some(Refusal::Denied)
    } else {
        access_admin_refused(message)
    }
}

/// How a failed attempt on one endpoint ended: this decides whether another endpoint may be tried.
#[derive(Debug)]
pub enum Failure {
    /// The request never reached a member: it could not connect, or the connection was already
    /// gone. Any request may be tried elsewhere.
    NotSent(String),
    /// The member answered that it has no leader, so it applied nothing. Any request may be
    /// tried elsewhere.
    NoLeader,
    /// The member is a learner, which serves no write or linearizable read until promoted: it
    /// applied nothing, and any request may be tried elsewhere.
    Learner,
    /// No answer in time, or the connection broke while waiting: a write may have been applied.
    Unanswered(String),
    /// etcd answered with a definite error.
    Answered(Refusal),
}

/// Sorts a failed attempt into a [`Failure`].
pub fn classify(err: etcd_client::Error, endpoints: &[String]) -> Failure {
    if let etcd_client::Error::GRpcStatus(status) = &err {
        if status.message().contains("no leader") {
            return Failure::NoLeader;
        }
        if status.message().contains("not supported for learner") {
            return Failure::Learner;
        }
        if never_sent(status) {
            return Failure::NotSent(in_words(&err));
        }
    }
    match refusal(err, endpoints) {
        Refusal::Told(AppError::EtcdUnavailable { reason, .. }) => Failure::Unanswered(reason),
        other => Failure::Answered(other),
    }
}

/// Whether a gRPC failure happened before the request could reach the member: connecting
/// failed, or there was no connection. A broken pipe is not that: the connection carries many
/// requests, and the write that found it broken may not be this request's, which the member
/// may have received, and applied, before it died (a write retried elsewhere after that was
/// seen applied twice in a leader-kill test).
fn never_sent(status: &tonic::Status) -> bool {
    if status.message() == "tcp connect error" {
        return true;
    }
    let mut source = std::error::Error::source(status);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(io.kind(), ConnectionRefused | NotConnected) {
                return true;
            }
        }
        source = err.source();
    }
    false
}

/// etcd messages that mean "the cluster cannot serve this now", whatever gRPC code they came with.
fn is_unavailable_message(message: &str) -> bool {
    [
        "no leader",
        "leader changed",
        "timed out",
        "Timeout expired",
        "transport error",
        "error trying to connect",
        "onnection refused",
    ]
    .iter()
    .any(|needle| message.contains(needle))
}

/// Why a request to one endpoint failed, in a few words a person understands: "connection
/// refused", "host not found", "timed out", "no leader". The full error is for the details.
pub fn in_words(err: &etcd_client::Error) -> String {
    use std::io::ErrorKind;
    let etcd_client::Error::GRpcStatus(status) = err else {
        return err.to_string();
    };
    let mut source = std::error::Error::source(status);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::ConnectionRefused => return "connection refused".into(),
                ErrorKind::TimedOut => return "timed out".into(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => return LOST.into(),
                _ => {}
            }
        }
        let text = cause.to_string();
        if text.contains("dns error") || text.contains("failed to lookup") {
            return "host not found".into();
        }
        if text == CLOSED {
            return CLOSED.into();
        }
        source = cause.source();
    }
    let message = status.message();
    if message.contains("no leader") {
        "no leader".into()
    } else if message.contains("Timeout expired") || message.contains("timed out") {
        "timed out".into()
    } else if message.contains("tcp connect error") || message.contains("connect") {
        "cannot connect".into()
    } else if message.is_empty() {
        status.code().description().to_string()
    } else {
        message.to_string()
    }
}

fn describe_unavailable(message: &str) -> String {
    if message.contains("no leader") {
        "no leader: the cluster has lost quorum or is electing one".to_string()
    } else if message.contains("transport error") || message.contains("onnect") {
        format!("could not connect ({message})")
    } else if message.contains("Timeout expired") || message.contains("timed out") {
        format!("timed out ({message})")
    } else {
        message.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Status;

    fn endpoints() -> Vec<String> {
        vec!["http://127.0.0.1:2379".into()]
    }

    fn map_status(status: Status) -> AppError {
        let refusal = refusal(etcd_client::Error::GRpcStatus(status), &endpoints());
        Op::new("read the key a").told(refusal, Some("alice"))
    }

    #[test]
    fn down_no_leader_and_timeouts_are_unavailable() {
        for status in [
            Status::unavailable("error trying to connect: tcp connect error: Connection refused"),
            Status::unavailable("etcdserver: no leader"),
            Status::cancelled("Timeout expired"),
            Status::deadline_exceeded("context deadline exceeded"),
            Status::unknown("etcdserver: request timed out"),
            Status::unknown("transport error"),
        ] {
            let err = map_status(status.clone());
            assert_eq!(err.status(), 503, "{status:?} gave {err:?}");
            let AppError::EtcdUnavailable {
                endpoints: tried, ..
            } = err
            else {
                unreachable!()
            };
            assert_eq!(tried, endpoints());
        }
    }

    #[test]
    fn a_compacted_revision_is_gone_and_a_future_one_invalid() {
        let gone = refusal(
            etcd_client::Error::GRpcStatus(Status::out_of_range(
                "etcdserver: mvcc: required revision has been compacted",
            )),
            &endpoints(),
        );
        let read = Op::new("read the key a").at(Some(42));
        assert_eq!(read.told(gone, None), AppError::Compacted { revision: 42 });
        let future = map_status(Status::out_of_range(
            "etcdserver: mvcc: required revision is a future revision",
        ));
        assert_eq!(future.status(), 400, "{future:?}");
    }

    #[test]
    fn a_learners_refusal_is_tried_on_another_member() {
        let learner = Status::unavailable("etcdserver: rpc not supported for learner");
        let failure = classify(etcd_client::Error::GRpcStatus(learner), &[]);
        assert!(matches!(failure, Failure::Learner), "{failure:?}");
    }

    #[test]
    fn refusals_are_told_with_what_was_asked() {
        let status = |message: &str| {
            let error = etcd_client::Error::GRpcStatus(Status::unknown(message.to_string()));
            refusal(error, &endpoints())
        };
        let put = Op::new("write the key a/b")
            .key(&Key::from("a/b"))
            .lease(0x1f);
        assert_eq!(
            put.told(status("etcdserver: requested lease not found"), None),
            AppError::LeaseNotFound { lease: "1f".into() }
        );
        assert_eq!(
            put.told(status("etcdserver: key not found"), None),
            AppError::NotFound { key: "a/b".into() }
        );
        let denied = put.told(status("etcdserver: permission denied"), Some("bob"));
        assert_eq!(
            denied.to_string(),
            "etcd's roles do not allow the etcd user bob to write the key a/b"
        );
        let anonymous = put.told(status("etcdserver: permission denied"), None);
        assert!(
            anonymous.to_string().contains("an anonymous user to write"),
            "{anonymous}"
        );
    }

    #[test]
    fn a_dropped_tls_connection_hints_at_the_client_certificate() {
        assert!(with_tls_hint(true, LOST.into()).contains("client certificate"));
        assert!(with_tls_hint(true, CLOSED.into()).contains("client certificate"));
        assert_eq!(with_tls_hint(false, LOST.into()), LOST);
        assert_eq!(with_tls_hint(true, "timed out".into()), "timed out");
    }

    #[test]
    fn a_refused_client_certificate_is_explained() {
        let err = map_status(Status::unavailable("received fatal alert: BadCertificate"));
        assert!(
            err.to_string().contains("wants a client certificate"),
            "{err}"
        );
    }

    #[test]
    fn no_leader_is_explained() {
        let err = map_status(Status::unavailable("etcdserver: no leader"));
        assert!(err.to_string().contains("lost quorum"), "{err}");
    }

    #[test]
    fn a_full_database_is_no_space_with_what_to_do() {
        let err = map_status(Status::resource_exhausted(
            "etcdserver: mvcc: database space exceeded",
        ));
        assert_eq!(err, AppError::NoSpace);
        assert_eq!(err.status(), 507);
        assert!(err.hint().unwrap().contains("defragment"));
    }

    #[test]
    fn oversized_requests_are_too_large() {
        let err = map_status(Status::invalid_argument("etcdserver: request is too large"));
        assert_eq!(err.status(), 413);
    }

    #[test]
    fn other_etcd_errors_keep_etcds_message() {
        let err = map_status(Status::data_loss("etcdserver: corrupt cluster"));
        assert_eq!(
            err,
            AppError::Etcd {
                message: "etcdserver: corrupt cluster".into()
            }
        );
        assert_eq!(err.status(), 502);
        let err = map_status(Status::unknown("etcdserver: something odd"));
        assert_eq!(err.status(), 502);
    }

    #[test]
    fn failures_are_sorted_by_whether_a_retry_is_safe() {
        let failure = |status| classify(etcd_client::Error::GRpcStatus(status), &endpoints());
        let refused = Status::unavailable("tcp connect error");
        assert!(matches!(failure(refused), Failure::NotSent(_)));
        let no_leader = Status::unavailable("etcdserver: no leader");
        assert!(matches!(failure(no_leader), Failure::NoLeader));
        let timed_out = Status::cancelled("Timeout expired");
        assert!(matches!(failure(timed_out), Failure::Unanswered(_)));
        let broken = Status::unknown("transport error");
        assert!(matches!(failure(broken), Failure::Unanswered(_)));
        let missing = Status::invalid_argument("etcdserver: request is too large");
        assert!(matches!(
            failure(missing),
            Failure::Answered(Refusal::Told(AppError::TooLarge { .. }))
        ));
    }

    #[test]
    fn failures_are_told_in_words() {
        let words = |status| in_words(&etcd_client::Error::GRpcStatus(status));
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let mut status = Status::unavailable("tcp connect error");
        status.set_source(std::sync::Arc::new(refused));
        assert_eq!(words(status), "connection refused");
        assert_eq!(
            words(Status::unavailable("etcdserver: no leader")),
            "no leader"
        );
        assert_eq!(words(Status::cancelled("Timeout expired")), "timed out");
        assert_eq!(
            words(Status::unavailable("tcp connect error")),
            "cannot connect"
        );
    }

    #[test]
    fn only_a_refused_connection_means_never_sent() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(never_sent(&Status::from_error(Box::new(refused))));
        for kind in [
            std::io::ErrorKind::BrokenPipe,
            std::io::ErrorKind::ConnectionReset,
        ] {
            let io = std::io::Error::new(kind, "the connection broke");
            assert!(!never_sent(&Status::from_error(Box::new(io))), "{kind:?}");
        }
    }
}
